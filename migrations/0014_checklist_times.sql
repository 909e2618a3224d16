-- The time of a checklist answer, not the time of its replay (issue 11). An
-- engineer offline in a basement answers the checklist and presses 점검 마침;
-- the phone sends the save later with "at", the moment of the press.
-- checklist_answers.answered_at and checklist_runs.completed_at hold that
-- moment (so the checklist document, the audit timeline and the report's
-- failures by day count what was done when it was done); the received_at
-- columns beside them hold when fieldd heard of it. Rows from before this
-- migration have NULL there: received when done.

ALTER TABLE checklist_answers ADD COLUMN received_at timestamptz;
ALTER TABLE checklist_answers ALTER COLUMN received_at SET DEFAULT now();
ALTER TABLE checklist_runs ADD COLUMN completed_received_at timestamptz;
