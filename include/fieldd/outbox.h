/*
 * outbox.h — SQL for the customer's side (server/db/pg_outbox.c): claiming and
 * settling notifications for the delivery worker, the dispatcher's re-send,
 * the public tracking document and the survey.
 *
 * Claims (SPEC §6: many processes share one database): a claim takes due
 * rows with FOR UPDATE SKIP LOCKED and stamps them with a lease
 * (locked_until); the row lock ends with the claiming statement, the lease
 * keeps other workers off the row until it is settled or the lease runs out
 * (a process killed mid-send: the notice is claimed again — at least once).
 * The delivery id stays the same across attempts, so receivers can drop
 * repeats.
 *
 * Memory: every string is the caller's arena's. Statuses as in db.h.
 */
#ifndef FIELDD_OUTBOX_H
#define FIELDD_OUTBOX_H

#include "fieldd/db.h"
#include "fieldd/domain.h" /* enum ticket_status */
#include "fieldd/notify.h" /* struct outbox_item */

#include <stdint.h>

struct arena;
struct db;
struct db_rows;

/* Claims up to max due notices under a lease of lease_s seconds. Returns how many
 * (*out arena-owned), 0, or DB_SOFT/DB_HARD. */
DB_CHECK int pg_outbox_claim(struct db *db, struct arena *a, int max, int lease_s,
			     struct outbox_item **out);
/* Settles a claimed notice. via: "smtp", "webhook", "sink". */
DB_CHECK int pg_outbox_sent(struct db *db, struct arena *a, int64_t id, const char *via);
/* Failed this time: queued again after backoff_s * 2^(attempts-1) (at most an hour), or
 * dead once attempts reached max_attempts; permanent makes it dead at once. */
DB_CHECK int pg_outbox_failed(struct db *db, struct arena *a, int64_t id, const char *error,
			      int max_attempts, int backoff_s, int permanent);
/* Nothing to send on this channel (phone): skipped, with why. */
DB_CHECK int pg_outbox_skipped(struct db *db, struct arena *a, int64_t id, const char *why);
/* Gives a claimed notice back untried (its lease ends, its attempt is not counted). */
DB_CHECK int pg_outbox_release(struct db *db, struct arena *a, int64_t id);
/* Seconds until the next queued notice is due (<= 0: now); 0 rows when none is queued. */
DB_CHECK int pg_outbox_next_due(struct db *db, struct arena *a, double *secs);

/* LISTEN fieldd_outbox on this connection. */
DB_CHECK int pg_outbox_listen(struct db *db);
/* The server process behind db's connection (changes after a reconnect: LISTEN again). */
DB_CHECK int pg_outbox_backend(struct db *db);
/* Waits up to timeout_ms for a NOTIFY on db's connection or for stop_fd to become
 * readable. 1 notified, 0 timed out or stopped, DB_SOFT when the connection broke. */
DB_CHECK int pg_outbox_wait(struct db *db, int timeout_ms, int stop_fd);

/* POST /notifications/{id}/resend: a dead notice queued again, due now, attempts from 0.
 * 1 done; 0 no such notice; *status gets the notice's status (NULL when none). */
DB_CHECK int pg_outbox_resend(struct db *db, struct arena *a, int64_t id, int64_t actor,
			      const char **status);

/* ---- the customer's tracking page ---- */

/* The public facts of the ticket with this tracking code, unless it closed more than
 * expire_days ago: doc (JSON text, without contacts), engineer_name (full, for the
 * caller to shorten), status, survey_open. 1 found, 0 not (unknown or expired). */
struct public_ticket {
	int64_t id;
	const char *doc, *engineer_name;
	enum ticket_status status;
	int survey_open; /* resolved or closed, and no survey yet */
	int surveyed;
};
DB_CHECK int pg_public_ticket(struct db *db, struct arena *a, const char *tracking, int expire_days,
			      struct public_ticket *out);
/* Stores the ticket's survey (with its audit event). 1 stored, 0 one exists already. */
DB_CHECK int pg_survey_insert(struct db *db, struct arena *a, int64_t ticket_id, int rating,
			      const char *comment);

#endif
