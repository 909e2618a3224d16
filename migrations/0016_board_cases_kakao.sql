-- 0016: the desk's board follows complaints, work plans and the outbox live,
-- and notices may go by KakaoTalk.
--
-- events: two more kinds, 'complaint' and 'work_plan' (ref: the case's id),
-- written by triggers on those tables (server/db/sql/60_events.sql) with the
-- same visibility as complaint_visible() / work_plan_visible().
--
-- KakaoTalk (알림톡) is a channel of its own beside SMS: a customer may prefer
-- it, a complaint's result may go by it, and its notices go to the SMS /
-- KakaoTalk gateway webhook with "channel": "kakao" (to the customer's phone).

ALTER TABLE events DROP CONSTRAINT events_kind_check;
ALTER TABLE events ADD CONSTRAINT events_kind_check
    CHECK (kind IN ('ticket', 'visit', 'checklist', 'notification', 'schedule',
                    'replay_failure', 'complaint', 'work_plan'));

ALTER TABLE notifications DROP CONSTRAINT notifications_channel_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_channel_check
    CHECK (channel IN ('sms', 'email', 'phone', 'push', 'kakao'));

ALTER TABLE customers DROP CONSTRAINT customers_preferred_channel_check;
ALTER TABLE customers ADD CONSTRAINT customers_preferred_channel_check
    CHECK (preferred_channel IN ('sms', 'email', 'phone', 'kakao'));

ALTER TABLE complaints DROP CONSTRAINT complaints_result_channel_check;
ALTER TABLE complaints ADD CONSTRAINT complaints_result_channel_check
    CHECK (result_channel IN ('sms', 'email', 'phone', 'kakao'));

-- The board's outbox panel: notices given up on, and notices still queued after
-- a failed attempt (retrying), without reading the sent ones.
CREATE INDEX notifications_trouble_idx ON notifications (id)
    WHERE status IN ('dead', 'failed') OR (status = 'queued' AND last_error IS NOT NULL);

-- The board's plan panel lists plans by status.
CREATE INDEX work_plans_status_idx ON work_plans (status, id);
