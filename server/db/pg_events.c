/*
 * The change feed: catch-up reads, pruning, and the LISTEN connection.
 * See include/fieldd/pg_events.h.
 */
#include "fieldd/pg_events.h"
#include "fieldd/arena.h"
#include "fieldd/config.h"
#include "fieldd/log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

DB_STMT(q_events_bounds,
	"SELECT h.pruned_through AS horizon,"
	" GREATEST(h.pruned_through, COALESCE((SELECT max(id) FROM events), 0)) AS newest"
	" FROM events_horizon h");

int pg_events_bounds(struct db *db, struct arena *a, int64_t *horizon, int64_t *newest)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_events_bounds, &rows, 0, NULL);
	if (rc > 0) {
		*horizon = db_int(&rows, 0, "horizon");
		*newest = db_int(&rows, 0, "newest");
	}
	return rc;
}

/*
 * What a client that has event $1 missed: the events after it, and the events
 * before it whose transaction had not committed when event $1 was written
 * (invisible in its snapshot, not its own transaction): those may have
 * committed after $1 reached the client. Ids are taken before COMMIT, so
 * commit order and id order differ (docs/architecture.md, "Ids and commit
 * order"). A transaction invisible in a snapshot is in its in-progress list
 * (xip) or at/after its xmax, so the second half is index lookups on
 * events_xid_idx for those (not a range from xmin, which a long transaction
 * elsewhere would stretch over everything written since).
 */
DB_STMT(q_events_since,
	"SELECT (x.e).id AS id, events_payload(x.e) AS payload FROM ("
	" SELECT e FROM events e WHERE e.id > $1::bigint"
	" UNION ALL"
	" SELECT l.e FROM events n, LATERAL ("
	"  SELECT e FROM events e WHERE e.xid = ANY (ARRAY(SELECT pg_snapshot_xip(n.snap)))"
	"  UNION ALL"
	"  SELECT e FROM events e WHERE e.xid >= pg_snapshot_xmax(n.snap)) l(e)"
	" WHERE n.id = $1::bigint AND (l.e).id < n.id AND (l.e).xid <> n.xid"
	"  AND NOT pg_visible_in_snapshot((l.e).xid, n.snap)) x"
	" ORDER BY (x.e).id LIMIT $2::int");

int pg_events_since(struct db *db, struct arena *a, int64_t after, int limit, struct db_rows *out)
{
	char id[24], lim[16];
	snprintf(id, sizeof id, "%lld", (long long)after);
	snprintf(lim, sizeof lim, "%d", limit);
	return db_exec(db, a, &q_events_since, out, DB_ARGS(id, lim));
}

DB_STMT(q_events_prune,
	"WITH gone AS (DELETE FROM events WHERE created_at < now() - interval '24 hours'"
	"   OR id <= (SELECT max(id) - 100000 FROM events) RETURNING id)"
	" UPDATE events_horizon SET pruned_through = GREATEST(pruned_through, m.id)"
	" FROM (SELECT max(id) AS id FROM gone) m WHERE m.id IS NOT NULL");

int pg_events_prune(struct db *db, struct arena *a)
{
	return db_exec(db, a, &q_events_prune, NULL, 0, NULL);
}

/* ---- the LISTEN connection ---- */

struct db_listener {
	PGconn *c;
};

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

static bool simple(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok;
}

struct db_listener *db_listen_open(void)
{
	const char *keys[] = {
	    "connect_timeout",	   "application_name", "keepalives", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "dbname",     NULL};
	/* keepalives find a dead server within ~20 s even when no notification comes */
	const char *vals[] = {
	    "3", "fieldd-listen", "1", "10", "5", "2", cfg.database_url ? cfg.database_url : "",
	    NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c)
		return NULL;
	if (PQstatus(c) != CONNECTION_OK) {
		char line[256];
		snprintf(line, sizeof line, "%s", PQerrorMessage(c));
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		log_msg(LOG_WARN, "event listener cannot connect", line);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeReceiver(c, notice_quiet, NULL);
	if (!simple(c, "LISTEN " PG_EVENTS_CHANNEL) || PQsetnonblocking(c, 1) != 0) {
		PQfinish(c);
		return NULL;
	}
	struct db_listener *l = calloc(1, sizeof *l);
	if (!l)
		abort();
	l->c = c;
	return l;
}

void db_listen_close(struct db_listener *l)
{
	if (!l)
		return;
	PQfinish(l->c);
	free(l);
}

int db_listen_socket(struct db_listener *l)
{
	return PQsocket(l->c);
}

int db_listen_drain(struct db_listener *l, void (*fn)(void *ctx, const char *payload), void *ctx)
{
	if (!PQconsumeInput(l->c) || PQstatus(l->c) != CONNECTION_OK)
		return -1;
	PGnotify *n;
	while ((n = PQnotifies(l->c)) != NULL) {
		fn(ctx, n->extra);
		PQfreemem(n);
		if (!PQconsumeInput(l->c))
			return -1;
	}
	return 0;
}

int64_t db_listen_newest(struct db_listener *l)
{
	PQsetnonblocking(l->c, 0);
	PGresult *r =
	    PQexec(l->c, "SELECT GREATEST(h.pruned_through,"
			 " COALESCE((SELECT max(id) FROM events), 0)) FROM events_horizon h");
	int64_t v = -1;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQsetnonblocking(l->c, 1);
	return v;
}
