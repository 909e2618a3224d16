/* The audit trail: who changed what, before and after (audit_events). */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

/* at: when it was done (a step's "at"); received_at keeps its default, now() */
DB_STMT(q_audit,
	"INSERT INTO audit_events (ticket_id, visit_id, actor_id, action, before, after, at)"
	" VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5::jsonb, $6::jsonb,"
	" coalesce($7::timestamptz, now()))");

int pg_audit_at(struct db *db, struct arena *a, int64_t ticket, int64_t visit, int64_t actor,
		const char *action, const char *before, const char *after, const char *at)
{
	return db_exec(db, a, &q_audit, NULL,
		       DB_ARGS(db_param_id(a, ticket), db_param_id(a, visit), db_param_id(a, actor),
			       action, before, after, at));
}

int pg_audit(struct db *db, struct arena *a, int64_t ticket, int64_t visit, int64_t actor,
	     const char *action, const char *before, const char *after)
{
	return pg_audit_at(db, a, ticket, visit, actor, action, before, after, NULL);
}
