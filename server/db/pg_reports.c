/* The service-standards report (R15); the figures are computed by the
 * service_report() and checklist_failures() SQL functions (migration 0003). */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

DB_STMT(q_service_report,
	"SELECT scope, team_id, team_name, person_id, person_name, metric, numerator, denominator"
	" FROM service_report($1::timestamptz, $2::timestamptz, $3::bigint, $4::bigint)");

int pg_service_report(struct db *db, struct arena *a, const char *from, const char *to,
		      int64_t team, int64_t person, struct db_rows *rows)
{
	return db_exec(db, a, &q_service_report, rows,
		       DB_ARGS(from, to, db_param_id(a, team), db_param_id(a, person)));
}

DB_STMT(
    q_checklist_failures,
    "SELECT kind, model, key, label, failures, answers"
    " FROM checklist_failures($1::timestamptz, $2::timestamptz, $3::bigint, $4::bigint, $5::int)");

int pg_checklist_failures(struct db *db, struct arena *a, const char *from, const char *to,
			  int64_t team, int64_t person, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_checklist_failures, rows,
		       DB_ARGS(from, to, db_param_id(a, team), db_param_id(a, person),
			       db_param_int(a, limit)));
}
