/*
 * pg_dispatch.h — SQL shared by server/db/pg_visits.c and pg_tickets.c (private to
 * server/db): the field staff for a proposal.
 */
#ifndef FIELDD_PG_DISPATCH_H
#define FIELDD_PG_DISPATCH_H

#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/domain.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct dsp_person;

/*
 * Active engineers and leads among those for which WHO (an SQL condition on
 * users u) holds, with their schedule version (migration 0006): one row per
 * person, in the order of the statement that uses it (add " ORDER BY u.id").
 * Their busy intervals come from pg_dispatch_people_rows(), which reads only
 * those whose version changed since fieldd last read them.
 */
#define PG_DISPATCH_PEOPLE(WHO)                                                                    \
	"SELECT u.id, u.role, coalesce(u.team_id, 0) AS team_id,"                                  \
	" coalesce(tm.lead_id, 0) AS team_lead, array_to_string(u.skills, ',') AS skills,"         \
	" coalesce(extract(epoch FROM u.work_start)::int / 60, -1) AS work_start,"                 \
	" coalesce(extract(epoch FROM u.work_end)::int / 60, -1) AS work_end,"                     \
	" coalesce(array_to_string(u.work_days, ','), '') AS work_days,"                           \
	" coalesce(sv.version, -1) AS sched_version"                                               \
	" FROM users u LEFT JOIN teams tm ON tm.id = u.team_id"                                    \
	" LEFT JOIN schedule_versions sv ON sv.person_id = u.id"                                   \
	" WHERE u.active AND u.role IN ('engineer', 'lead') AND (" WHO ")"

/*
 * The people of rows made by PG_DISPATCH_PEOPLE (rows whose id is NULL are
 * skipped), each with their active bookings overlapping [from, to) as busy
 * intervals (sorted by start) and load = how many. Arena-owned. Returns how
 * many people, or DB_SOFT/DB_HARD when reading changed schedules failed.
 */
DB_CHECK int pg_dispatch_people_rows(struct db *db, struct arena *a, const struct db_rows *rows,
				     time_t from, time_t to, struct dsp_person **out);

/*
 * The schedule cache (schedule_cache.c): fills people[i].busy, nbusy and load
 * for [from, to) from memory where versions[i] (>= 0) matches the version
 * fieldd holds, and reads the rest from PostgreSQL in one statement, keeping
 * what it read. A booking counts when it is active, starts before to, ends
 * after from (and so starts after from - 10 hours: visit_people_window_max).
 */
DB_CHECK int schedule_busy(struct db *db, struct arena *a, struct dsp_person *people,
			   const int64_t *versions, int n, time_t from, time_t to);

/* A decimal integer at p (PostgreSQL's int8 output; NULL reads as 0); the character after it
 * in *end. Inline so that the loaders and the schedule cache share it without calling
 * into each other's files.
 * Thousands of these per proposal: strtoll's locale handling cost more than the rest. */
static inline int64_t pg_dec(const char *p, const char **end)
{
	bool neg = p && *p == '-';
	if (!p) {
		*end = "";
		return 0;
	}
	if (neg)
		p++;
	int64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (*p++ - '0');
	*end = p;
	return neg ? -v : v;
}

/* Forgets everything the schedule cache holds (it also does so by itself when
 * db_generation() moves: a database seen anew). */
void schedule_cache_clear(void);

/* The visit statuses pick answers true for, as a text[] literal ("{proposed,confirmed}"):
 * the domain decides which visits a statement touches, the statement takes the list. */
static inline const char *pg_visit_statuses(struct arena *a, bool (*pick)(enum visit_status))
{
	struct abuf b;
	abuf_init(&b, a);
	abuf_adds(&b, "{");
	for (int s = 0; s < VS__COUNT; s++)
		if (pick((enum visit_status)s))
			abuf_addf(&b, "%s%s", b.len > 1 ? "," : "",
				  domain_visit_status_name((enum visit_status)s));
	abuf_adds(&b, "}");
	return b.buf;
}

#endif
