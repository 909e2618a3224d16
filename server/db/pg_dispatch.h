/*
 * pg_dispatch.h — SQL shared by server/db/pg_visits.c and pg_tickets.c (private to
 * server/db): the field staff for a proposal.
 */
#ifndef FIELDD_PG_DISPATCH_H
#define FIELDD_PG_DISPATCH_H

#include "fieldd/db.h"

struct arena;
struct dsp_person;

/*
 * Active engineers and leads with their busy intervals overlapping
 * [to_timestamp(FROM), to_timestamp(TO)) (FROM, TO: parameter references such
 * as "$1"), among those for which WHO (an SQL condition on users u) holds;
 * load is how many intervals there are. One row per person, in the order of
 * the statement that uses it (add " ORDER BY u.id"). The intervals come as two
 * arrays of epoch seconds, starts and ends, in no particular order. They are
 * read from visit_people_person_starts_idx alone: a booking lasts at most 10
 * hours (visit_people_window_max), so one that ends after FROM starts after
 * FROM - 10 hours.
 */
#define PG_DISPATCH_PEOPLE(FROM, TO, WHO)                                                          \
	"SELECT u.id, u.role, coalesce(u.team_id, 0) AS team_id,"                                  \
	" coalesce(tm.lead_id, 0) AS team_lead, array_to_string(u.skills, ',') AS skills,"         \
	" coalesce(extract(epoch FROM u.work_start)::int / 60, -1) AS work_start,"                 \
	" coalesce(extract(epoch FROM u.work_end)::int / 60, -1) AS work_end,"                     \
	" coalesce(array_to_string(u.work_days, ','), '') AS work_days,"                           \
	" b.load, b.busy_s, b.busy_e"                                                              \
	" FROM users u LEFT JOIN teams tm ON tm.id = u.team_id"                                    \
	" CROSS JOIN LATERAL (SELECT count(*) AS load, array_agg(p.starts_epoch) AS busy_s,"       \
	"   array_agg(p.ends_epoch) AS busy_e"                                                     \
	"   FROM visit_people p WHERE p.person_id = u.id AND p.active"                             \
	"   AND p.starts < to_timestamp(" TO "::bigint) AND p.ends > to_timestamp(" FROM           \
	"::bigint)"                                                                                \
	"   AND p.starts > to_timestamp(" FROM "::bigint) - interval '10 hours') b"                \
	" WHERE u.active AND u.role IN ('engineer', 'lead') AND (" WHO ")"

/* The people of rows made by PG_DISPATCH_PEOPLE (rows whose id is NULL are skipped);
 * returns how many. Arena-owned. */
int pg_dispatch_people_rows(struct arena *a, const struct db_rows *rows, struct dsp_person **out);

#endif
