/*
 * The feed cache: the last body built for each feed (owner, scope), keyed by
 * the validator the database gave for it (the feed's version and today's
 * date, see migrations/0004_calendar.sql). It lets a 304 or an unchanged 200
 * skip the visit query and the libical build.
 *
 * Process-local and never a source of truth: an entry is used only when its
 * validator equals the one just read in the request's own snapshot, so
 * several fieldd processes each keep their own and all agree (a feed's body
 * is a function of its rows). Entries are immutable and reference-counted:
 * a request holds a reference until its arena is freed, so the body goes to
 * MHD without a copy and a concurrent replacement cannot free it under us.
 *
 * Bounds: SLOTS direct-mapped slots (a newer feed in the same slot replaces
 * the older), bodies above MAX_ENTRY are not kept, and nothing is added past
 * MAX_TOTAL bytes. One mutex, held for a pointer swap or a compare.
 */
#include "ical_int.h"

#include "fieldd/arena.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS	  1024
#define MAX_ENTRY ((size_t)8 << 20)
#define MAX_TOTAL ((size_t)256 << 20)

struct entry {
	struct ical_cached pub; /* first: the public view is the entry */
	atomic_int refs;
	int64_t owner;
	char scope[8];
	char validator[48];
	size_t bytes;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry *slots[SLOTS];
static size_t total_bytes; /* under mu */
static atomic_ulong hits, misses, builds;

static unsigned slot_of(int64_t owner, const char *scope)
{
	uint64_t h = (uint64_t)owner * 2654435761u + (scope[0] == 't');
	return (unsigned)(h % SLOTS);
}

static void unref(void *p)
{
	struct entry *e = p;
	if (atomic_fetch_sub(&e->refs, 1) == 1)
		free(e);
}

static bool same(const struct entry *e, int64_t owner, const char *scope, const char *validator)
{
	return e && e->owner == owner && !strcmp(e->scope, scope) &&
	       !strcmp(e->validator, validator);
}

const struct ical_cached *ical_cache_get(struct arena *a, int64_t owner, const char *scope,
					 const char *validator)
{
	unsigned s = slot_of(owner, scope);
	pthread_mutex_lock(&mu);
	struct entry *e = slots[s];
	if (same(e, owner, scope, validator))
		atomic_fetch_add(&e->refs, 1);
	else
		e = NULL;
	pthread_mutex_unlock(&mu);
	if (!e) {
		atomic_fetch_add_explicit(&misses, 1, memory_order_relaxed);
		return NULL;
	}
	atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
	arena_defer(a, unref, e);
	return &e->pub;
}

const struct ical_cached *ical_cache_put(struct arena *a, int64_t owner, const char *scope,
					 const char *validator, const char *body, size_t len)
{
	struct entry *e = malloc(sizeof *e + len + 1);
	if (!e)
		abort();
	memset(e, 0, sizeof *e);
	char *copy = (char *)(e + 1);
	memcpy(copy, body, len);
	copy[len] = '\0';
	e->pub.body = copy;
	e->pub.len = len;
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)body, len);
	e->pub.etag[0] = '"';
	sodium_bin2hex(e->pub.etag + 1, sizeof e->pub.etag - 2, h, sizeof h);
	strcat(e->pub.etag, "\"");
	e->owner = owner;
	snprintf(e->scope, sizeof e->scope, "%s", scope);
	snprintf(e->validator, sizeof e->validator, "%s", validator);
	e->bytes = len;
	atomic_init(&e->refs, 1); /* the arena's */
	arena_defer(a, unref, e);

	struct entry *old = NULL;
	unsigned s = slot_of(owner, scope);
	pthread_mutex_lock(&mu);
	size_t freed = slots[s] ? slots[s]->bytes : 0;
	if (len <= MAX_ENTRY && total_bytes - freed + len <= MAX_TOTAL) {
		old = slots[s];
		atomic_fetch_add(&e->refs, 1); /* the slot's */
		slots[s] = e;
		total_bytes = total_bytes - freed + len;
	}
	pthread_mutex_unlock(&mu);
	if (old)
		unref(old);
	return &e->pub;
}

void ical_count_build(void)
{
	atomic_fetch_add_explicit(&builds, 1, memory_order_relaxed);
}

void ical_metrics_render(struct abuf *b)
{
	pthread_mutex_lock(&mu);
	size_t bytes = total_bytes;
	pthread_mutex_unlock(&mu);
	abuf_addf(b,
		  "# HELP fieldd_calendar_builds_total Calendar feeds built with libical.\n"
		  "# TYPE fieldd_calendar_builds_total counter\nfieldd_calendar_builds_total %lu\n"
		  "# HELP fieldd_calendar_cache_hits_total Feed requests answered from the cache.\n"
		  "# TYPE fieldd_calendar_cache_hits_total counter\n"
		  "fieldd_calendar_cache_hits_total %lu\n"
		  "# HELP fieldd_calendar_cache_misses_total Feed requests that had to build.\n"
		  "# TYPE fieldd_calendar_cache_misses_total counter\n"
		  "fieldd_calendar_cache_misses_total %lu\n"
		  "# HELP fieldd_calendar_cache_bytes Bytes of feed bodies held.\n"
		  "# TYPE fieldd_calendar_cache_bytes gauge\nfieldd_calendar_cache_bytes %zu\n",
		  atomic_load_explicit(&builds, memory_order_relaxed),
		  atomic_load_explicit(&hits, memory_order_relaxed),
		  atomic_load_explicit(&misses, memory_order_relaxed), bytes);
}
