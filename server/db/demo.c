/* fieldd demo: loads demo/demo.sql (embedded) into an empty organisation. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/embed.h"
#include "fieldd/pg.h"

#include <stdio.h>
#include <string.h>

/* loaded: the demo's own accounts are there; taken: the organisation is someone's own
 * (what demo.sql refuses to load over) */
DB_STMT(
    q_demo_marker,
    "SELECT EXISTS (SELECT 1 FROM users WHERE login IN ('dispatcher', 'eng01')) AS loaded,"
    " (EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM devices)"
    "  OR EXISTS (SELECT 1 FROM tickets) OR EXISTS (SELECT 1 FROM visits)"
    "  OR EXISTS (SELECT 1 FROM users WHERE login ~ '^(lead[1-3]|eng(0[1-9]|1[0-5]))$')"
    "  OR EXISTS (SELECT 1 FROM teams WHERE name IN ('본사지원팀', '강남지원팀', '판교지원팀')))"
    "  AS taken");
DB_STMT(q_demo_secret, "INSERT INTO demo_secret (hash, now)"
		       " VALUES ($1, coalesce($2::timestamptz, now()))");

struct demo_tx {
	struct arena *a;
	const char *password_hash, *now, *script;
};

/* demo.sql in one transaction (db_tx_run), with the logins' hash and "now" beside it. */
static int demo_tx(struct db *db, void *ctx, bool *commit)
{
	(void)commit;
	struct demo_tx *t = ctx;
	int rc = db_exec_simple(db, "CREATE TEMP TABLE demo_secret (hash text NOT NULL,"
				    " now timestamptz NOT NULL) ON COMMIT DROP");
	if (rc >= 0)
		rc = db_exec(db, t->a, &q_demo_secret, NULL, DB_ARGS(t->password_hash, t->now));
	if (rc >= 0)
		rc = db_exec_simple(db, t->script);
	return rc;
}

int pg_demo_load(struct db *db, const char *password_hash, const char *now, enum demo_state *state,
		 char *err, size_t errlen)
{
	const struct embed_file *f = embed_find(embed_demo, embed_demo_count, "demo.sql");
	struct arena *a = arena_new();
	struct db_rows rows;
	int rc = db_exec(db, a, &q_demo_marker, &rows, 0, NULL);
	*state = rc <= 0		       ? DEMO_LOADED_NOW
		 : db_bool(&rows, 0, "loaded") ? DEMO_ALREADY
		 : db_bool(&rows, 0, "taken")  ? DEMO_NOT_EMPTY
					       : DEMO_LOADED_NOW;
	if (rc < 0 || *state != DEMO_LOADED_NOW || !f)
		goto out;
	struct demo_tx t = {a, password_hash, now, (const char *)f->data};
	rc = db_tx_run(db, DB_READ_COMMITTED, demo_tx, &t);
	/* fresh statistics, so the first queries on the demo plan well */
	if (rc >= 0)
		rc = db_exec_simple(db,
				    "ANALYZE users, teams, customers, devices, tickets, visits,"
				    " visit_people, precall_attempts, ticket_contacts,"
				    " delay_notices, notifications, audit_events, checklist_runs,"
				    " checklist_answers");
out:
	if (!f)
		snprintf(err, errlen, "this fieldd carries no demo data set");
	else if (rc < 0)
		snprintf(err, errlen, "could not load the demo data (SQLSTATE %s)", db->sqlstate);
	arena_free(a);
	return f && rc >= 0 ? 0 : -1;
}
