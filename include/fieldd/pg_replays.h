/*
 * pg_replays.h — replays refused on an engineer's phone (server/db/pg_replays.c).
 *
 * Same contract as pg.h: each function runs on the caller's connection and
 * transaction and returns a db status; strings are arena-owned. Documents are
 * built by replay_failure_doc() (server/db/sql/75_replay_failures.sql).
 */
#ifndef FIELDD_PG_REPLAYS_H
#define FIELDD_PG_REPLAYS_H

#include "fieldd/db.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct viewer;

struct replay_failure_new {
	int64_t engineer_id;
	const char *idempotency_key, *method, *path, *code, *detail, *at;
	int64_t status;
};
/* Stores the report, with the ticket and visit its path names; a second report
 * of the same key by the same person changes nothing. *id the report, *created
 * whether this call made it. */
DB_CHECK int pg_replay_failure_insert(struct db *db, struct arena *a,
				      const struct replay_failure_new *f, int64_t *id,
				      bool *created);
/* The report's document when v may see it (0 rows otherwise). */
DB_CHECK int pg_replay_failure_doc(struct db *db, struct arena *a, int64_t id,
				   const struct viewer *v, const char **doc);
struct replay_failure_filter {
	const char *state;		/* "open", "handled" or NULL for both */
	int64_t engineer_id, ticket_id; /* 0 = any */
};
/* Newest first, what v may see: (id, doc) rows; cursor 0 = from the newest. */
DB_CHECK int pg_replay_failure_list(struct db *db, struct arena *a,
				    const struct replay_failure_filter *f, const struct viewer *v,
				    int64_t cursor, int limit, struct db_rows *rows);
/* Locks the report when v may see it: 0 rows otherwise; *handled whether it is. */
DB_CHECK int pg_replay_failure_lock(struct db *db, struct arena *a, int64_t id,
				    const struct viewer *v, bool *handled, int64_t *ticket,
				    int64_t *visit);
/* Marks it handled by actor with note (NULL: none) and writes the audit event. */
DB_CHECK int pg_replay_failure_handle(struct db *db, struct arena *a, int64_t id, int64_t actor,
				      const char *note);

#endif
