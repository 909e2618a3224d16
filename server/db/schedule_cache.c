/*
 * The schedule cache: each engineer's and lead's active bookings, kept in
 * memory with the person's schedule version (migration 0006). Every change to
 * a person's rows of visit_people gives them a new version in the same
 * transaction, so intervals read together with version v are exactly the
 * person's bookings for as long as the database still says v. A proposal
 * (every intake) then reads only the versions, and the intervals of the people
 * whose version moved.
 *
 * One table for the process, under a mutex held only to look up and copy.
 * Entries cover [lo, hi): read for [from, to + CACHE_AHEAD), so the same entry
 * serves the following days' requests as "now" moves on.
 */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/dispatch.h"
#include "pg_dispatch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_AHEAD (7 * 86400L)

struct entry {
	int64_t id; /* 0 = empty slot */
	int64_t version;
	time_t lo, hi;
	int n;
	struct dsp_busy *busy; /* malloc'd, sorted by start */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *tab;
static size_t cap, used; /* open addressing, linear probing; cap a power of two */

static size_t slot_of(int64_t id)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (cap - 1);
}

/* The entry for id, or the empty slot where it would go; NULL while the table is empty. */
static struct entry *find(int64_t id)
{
	if (!cap)
		return NULL;
	for (size_t i = slot_of(id);; i = (i + 1) & (cap - 1))
		if (tab[i].id == id || tab[i].id == 0)
			return &tab[i];
}

static void grow(void)
{
	size_t ncap = cap ? cap * 2 : 64;
	struct entry *old = tab;
	size_t ocap = cap;
	tab = calloc(ncap, sizeof *tab);
	if (!tab)
		abort();
	cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].id)
			*find(old[i].id) = old[i];
	free(old);
}

static void drop_all(void)
{
	for (size_t i = 0; i < cap; i++)
		free(tab[i].busy);
	free(tab);
	tab = NULL;
	cap = used = 0;
}

void schedule_cache_clear(void)
{
	pthread_mutex_lock(&mu);
	drop_all();
	pthread_mutex_unlock(&mu);
}

/*
 * The database may not be the one the cache was read from after any connection
 * was made again (a restore, a failover): the pool counts (re)connections in
 * db_generation(), and the cache forgets everything when that count moved. The
 * pool never calls the cache, so the dependency runs one way.
 */
static long seen_gen;

static long check_generation(void)
{
	long gen = db_generation();
	pthread_mutex_lock(&mu);
	if (gen != seen_gen) {
		drop_all();
		seen_gen = gen;
	}
	pthread_mutex_unlock(&mu);
	return gen;
}

/* Copies into p the intervals of src[0..n) that overlap [from, to). */
static void take(struct arena *a, struct dsp_person *p, const struct dsp_busy *src, int n,
		 time_t from, time_t to)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		if (src[i].end > from && src[i].start < to)
			k++;
	p->load = k;
	p->nbusy = k;
	p->busy = NULL;
	if (!k)
		return;
	struct dsp_busy *b = arena_alloc(a, sizeof *b * (size_t)k);
	k = 0;
	for (int i = 0; i < n; i++)
		if (src[i].end > from && src[i].start < to)
			b[k++] = src[i];
	p->busy = b;
}

/* Serves p from the cache when its version and window fit. */
static bool lookup(struct arena *a, struct dsp_person *p, int64_t version, time_t from, time_t to)
{
	bool hit = false;
	if (version < 0)
		return false;
	pthread_mutex_lock(&mu);
	struct entry *e = find(p->id);
	if (e && e->id == p->id && e->version == version && e->lo <= from && e->hi >= to) {
		take(a, p, e->busy, e->n, from, to);
		hit = true;
	}
	pthread_mutex_unlock(&mu);
	return hit;
}

static void store(long gen, int64_t id, int64_t version, time_t lo, time_t hi,
		  const struct dsp_busy *b, int n)
{
	struct dsp_busy *copy = NULL;
	if (n > 0) {
		copy = malloc(sizeof *copy * (size_t)n);
		if (!copy)
			return; /* the next request reads them again */
		memcpy(copy, b, sizeof *copy * (size_t)n);
	}
	pthread_mutex_lock(&mu);
	if (gen != seen_gen) { /* read before a reconnection: maybe from another database */
		pthread_mutex_unlock(&mu);
		free(copy);
		return;
	}
	if ((used + 1) * 4 > cap * 3)
		grow();
	struct entry *e = find(id);
	if (e->id == 0) {
		used++;
		e->id = id;
	} else {
		free(e->busy);
	}
	e->version = version;
	e->lo = lo;
	e->hi = hi;
	e->n = n;
	e->busy = copy;
	pthread_mutex_unlock(&mu);
}

/* Parses up to n epoch seconds from an int8[] in text form ("{1,2,3}") into
 * dst[i].start or .end. */
static void busy_array(const char *arr, struct dsp_busy *dst, int n, bool end)
{
	const char *p = arr && *arr == '{' ? arr + 1 : arr;
	for (int i = 0; i < n && p && *p && *p != '}'; i++) {
		const char *next;
		time_t t = (time_t)pg_dec(p, &next);
		if (end)
			dst[i].end = t;
		else
			dst[i].start = t;
		p = *next == ',' ? next + 1 : next;
	}
}

/* The bookings of the people $1 in [$2, $3), with their versions read in the same snapshot. */
DB_STMT(q_schedule_read,
	"SELECT u.id, coalesce(sv.version, -1) AS version, b.n, b.busy_s, b.busy_e"
	" FROM unnest($1::bigint[]) AS u(id)"
	" LEFT JOIN schedule_versions sv ON sv.person_id = u.id"
	" CROSS JOIN LATERAL (SELECT count(*) AS n,"
	"   array_agg(p.starts_epoch ORDER BY p.starts) AS busy_s,"
	"   array_agg(p.ends_epoch ORDER BY p.starts) AS busy_e"
	"   FROM visit_people p WHERE p.person_id = u.id AND p.active"
	"   AND p.starts < to_timestamp($3::bigint) AND p.ends > to_timestamp($2::bigint)"
	"   AND p.starts > to_timestamp($2::bigint) - interval '10 hours') b");

int schedule_busy(struct db *db, struct arena *a, struct dsp_person *people,
		  const int64_t *versions, int n, time_t from, time_t to)
{
	long gen = check_generation();
	int *miss = arena_alloc(a, sizeof *miss * (size_t)(n ? n : 1));
	int nmiss = 0;
	for (int i = 0; i < n; i++)
		if (!lookup(a, &people[i], versions[i], from, to))
			miss[nmiss++] = i;
	if (!nmiss)
		return 0;

	/* "{1,2,3}" */
	size_t len = 3 + (size_t)nmiss * 21, off = 1;
	char *ids = arena_alloc(a, len);
	ids[0] = '{';
	for (int k = 0; k < nmiss; k++)
		off += (size_t)snprintf(ids + off, len - off, "%s%lld", k ? "," : "",
					(long long)people[miss[k]].id);
	snprintf(ids + off, len - off, "}");
	time_t lo = from, hi = to + CACHE_AHEAD;
	struct db_rows rows;
	int rc = db_exec(db, a, &q_schedule_read, &rows,
			 DB_ARGS(ids, db_param_int(a, lo), db_param_int(a, hi)));
	if (rc < 0)
		return rc;
	const int c_id = db_col(&rows, "id"), c_ver = db_col(&rows, "version"),
		  c_n = db_col(&rows, "n"), c_bs = db_col(&rows, "busy_s"),
		  c_be = db_col(&rows, "busy_e");
	for (int r = 0; r < rows.n; r++) {
		const char *end;
		int64_t id = pg_dec(db_cell(&rows, r, c_id), &end);
		int64_t version = pg_dec(db_cell(&rows, r, c_ver), &end);
		int cnt = (int)pg_dec(db_cell(&rows, r, c_n), &end);
		struct dsp_busy *b = NULL;
		if (cnt > 0) {
			b = arena_alloc(a, sizeof *b * (size_t)cnt);
			memset(b, 0, sizeof *b * (size_t)cnt);
			busy_array(db_cell(&rows, r, c_bs), b, cnt, false);
			busy_array(db_cell(&rows, r, c_be), b, cnt, true);
		}
		if (version >= 0)
			store(gen, id, version, lo, hi, b, cnt);
		for (int k = 0; k < nmiss; k++)
			if (people[miss[k]].id == id)
				take(a, &people[miss[k]], b, cnt, from, to);
	}
	return 0;
}
