/*
 * pg_events.h — the change feed in PostgreSQL (server/db/pg_events.c).
 *
 * Rows of the events table (migration 0013, triggers in
 * server/db/sql/60_events.sql) as their JSON payload, the same text the
 * triggers send with NOTIFY fieldd_events; and the process's one LISTEN
 * connection, which the listener thread of server/jobs drives.
 */
#ifndef FIELDD_PG_EVENTS_H
#define FIELDD_PG_EVENTS_H

#include "fieldd/db.h"

#include <stdint.h>

struct arena;

#define PG_EVENTS_CHANNEL "fieldd_events"

/* horizon: events with id <= it may have been pruned; newest: the highest id written. */
DB_CHECK int pg_events_bounds(struct db *db, struct arena *a, int64_t *horizon, int64_t *newest);
/* Up to limit events a client that had event `after` may have missed, oldest
 * first: those with a higher id, and those with a lower id whose transaction
 * had not committed when `after` was written. Columns id, payload. */
DB_CHECK int pg_events_since(struct db *db, struct arena *a, int64_t after, int limit,
			     struct db_rows *out);
/* Deletes events older than 24 hours or beyond the newest 100,000, raising the horizon. */
DB_CHECK int pg_events_prune(struct db *db, struct arena *a);

/* The LISTEN connection (one per process, not from the pool). */
struct db_listener;
/* Connects to cfg.database_url and listens on PG_EVENTS_CHANNEL; NULL when it cannot. */
struct db_listener *db_listen_open(void);
void db_listen_close(struct db_listener *l);
/* The socket to poll for input. */
DB_CHECK int db_listen_socket(struct db_listener *l);
/* Reads what arrived and calls fn for each notification's payload; -1 when the
 * connection is lost (close it and open a new one). */
DB_CHECK int db_listen_drain(struct db_listener *l, void (*fn)(void *ctx, const char *payload),
			     void *ctx);
/* The highest event id written, over the listener's connection; -1 on failure. */
int64_t db_listen_newest(struct db_listener *l);

#endif
