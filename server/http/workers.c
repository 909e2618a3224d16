/*
 * Database workers: FIELDD_THREADS threads, each with its own PostgreSQL
 * connection (db_thread()), fed by one bounded queue of requests whose
 * libmicrohttpd connections are suspended meanwhile. The HTTP event loops
 * never wait on PostgreSQL; a full queue is the caller's 503.
 *
 * A request goes straight to the worker that went idle last, when one is
 * idle (its cache is the warmest), and waits in the ring only while every
 * worker is busy. Each worker sleeps on a condition of its own and is woken
 * after the lock is released, so the worker does not wake only to block on
 * the lock the event loop still holds: on a loaded CPU every such wake-up
 * is one more context switch per request (docs/performance.md).
 *
 * An idle worker wakes every second: it keeps its connection (re)connected
 * and checks it with a ping, so /readyz, which reads db_reachable() without
 * touching the database, follows PostgreSQL going away and coming back. The
 * first worker to connect checks the schema version (fieldd serve starts
 * while PostgreSQL is down and checks then); until a check has passed, jobs
 * are answered 503 by the job function.
 */
#include "http_int.h"

#include "fieldd/db.h"
#include "fieldd/log.h"
#include "fieldd/migrate.h"
#include "fieldd/pg.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WORKERS 64
#define IDLE_MS	    1000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct http_req **ring;
static unsigned cap, head, count;
static bool stopping;
static void (*job_fn)(struct http_req *);
static void (*drop_fn)(struct http_req *);

/* one per worker; `job` and `waiting` under mu */
struct worker {
	pthread_cond_t cv;
	struct http_req *job; /* handed over directly by workers_submit */
	bool waiting;	      /* on the idle stack */
};
static struct worker ws[MAX_WORKERS];
static unsigned idle[MAX_WORKERS], nidle; /* idle workers, the last to go idle on top */

static pthread_t threads[MAX_WORKERS];
static unsigned nthreads;
static atomic_uint_fast64_t busy_since[MAX_WORKERS]; /* 0 when idle */
static atomic_ulong n_jobs, n_rejected;

static atomic_int schema_state; /* 1 ok, 0 unknown, -1 too old */
static atomic_int schema_version;
static pthread_mutex_t schema_mu = PTHREAD_MUTEX_INITIALIZER;

int workers_schema(int *version)
{
	if (version)
		*version = atomic_load(&schema_version);
	return atomic_load(&schema_state);
}

/* Once per connection until it passes: is the schema the one this fieldd needs? */
static void check_schema(struct db *db)
{
	if (atomic_load(&schema_state) == 1 || !db)
		return;
	pthread_mutex_lock(&schema_mu);
	if (atomic_load(&schema_state) != 1) {
		char err[256];
		int v = 0;
		if (migrate_current(db, &v, err, sizeof err) == 0) {
			atomic_store(&schema_version, v);
			if (v >= migrate_latest()) {
				atomic_store(&schema_state, 1);
				log_msg(LOG_INFO, "database connected; schema checked", NULL);
			} else if (atomic_exchange(&schema_state, -1) != -1) {
				log_msgf(LOG_ERROR,
					 "the database schema is at version %d but this fieldd "
					 "needs %d; run \"fieldd migrate\"",
					 v, migrate_latest());
			}
		}
	}
	pthread_mutex_unlock(&schema_mu);
}

static void idle_tick(void)
{
	struct db *db = db_thread(); /* connects, or reconnects, when needed */
	if (!db)
		return;
	if (pg_ping(db) == DB_SOFT)
		db = db_thread(); /* the connection was lost: reconnect now */
	check_schema(db);
}

static void idle_remove(unsigned me)
{
	for (unsigned i = 0; i < nidle; i++)
		if (idle[i] == me) {
			memmove(&idle[i], &idle[i + 1], (nidle - i - 1) * sizeof idle[0]);
			nidle--;
			break;
		}
	ws[me].waiting = false;
}

/* The next request for worker `me`, or NULL when stopping; called and returns with mu held. */
static struct http_req *next_job(unsigned me)
{
	for (;;) {
		if (ws[me].job) {
			struct http_req *r = ws[me].job;
			ws[me].job = NULL;
			return r;
		}
		if (count) {
			struct http_req *r = ring[head];
			head = (head + 1) % cap;
			count--;
			return r;
		}
		if (stopping)
			return NULL;
		idle[nidle++] = me;
		ws[me].waiting = true;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += IDLE_MS / 1000;
		int rc = 0;
		while (ws[me].waiting && !ws[me].job && !stopping && rc == 0)
			rc = pthread_cond_timedwait(&ws[me].cv, &mu, &until);
		if (ws[me].waiting)
			idle_remove(me);
		if (rc != 0 && !ws[me].job && !stopping) {
			pthread_mutex_unlock(&mu);
			idle_tick();
			pthread_mutex_lock(&mu);
		}
	}
}

static void *worker_main(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	idle_tick();
	pthread_mutex_lock(&mu);
	struct http_req *r;
	while ((r = next_job(me)) != NULL) {
		atomic_store(&busy_since[me], http_now_ms());
		pthread_mutex_unlock(&mu);
		if (atomic_load(&schema_state) != 1)
			check_schema(db_thread());
		job_fn(r); /* resumes r's connection: r is gone afterwards */
		atomic_fetch_add(&n_jobs, 1);
		atomic_store(&busy_since[me], 0);
		pthread_mutex_lock(&mu);
	}
	pthread_mutex_unlock(&mu);
	db_thread_release();
	return NULL;
}

int workers_start(unsigned n, unsigned queue_cap, void (*job)(struct http_req *r),
		  void (*drop)(struct http_req *r))
{
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	ring = calloc(queue_cap, sizeof *ring);
	if (!ring)
		return -1;
	cap = queue_cap;
	head = count = 0;
	stopping = false;
	job_fn = job;
	drop_fn = drop;
	nidle = 0;
	for (nthreads = 0; nthreads < n; nthreads++) {
		atomic_store(&busy_since[nthreads], 0);
		pthread_cond_init(&ws[nthreads].cv, NULL);
		ws[nthreads].job = NULL;
		ws[nthreads].waiting = false;
		if (pthread_create(&threads[nthreads], NULL, worker_main,
				   (void *)(uintptr_t)nthreads) != 0)
			break;
	}
	return nthreads == n ? 0 : -1;
}

bool workers_submit(struct http_req *r)
{
	pthread_mutex_lock(&mu);
	if (stopping) {
		pthread_mutex_unlock(&mu);
		atomic_fetch_add(&n_rejected, 1);
		return false;
	}
	if (nidle) { /* straight to the worker that went idle last */
		unsigned w = idle[--nidle];
		ws[w].waiting = false;
		ws[w].job = r;
		pthread_mutex_unlock(&mu);
		pthread_cond_signal(
		    &ws[w].cv); /* after the unlock: it runs without waiting for mu */
		return true;
	}
	if (count >= cap) {
		pthread_mutex_unlock(&mu);
		atomic_fetch_add(&n_rejected, 1);
		return false;
	}
	ring[(head + count) % cap] = r; /* every worker is busy: the next free one takes it */
	count++;
	pthread_mutex_unlock(&mu);
	return true;
}

void workers_stop(void)
{
	/* let the workers finish what is queued, for a while */
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		unsigned left = count;
		pthread_mutex_unlock(&mu);
		if (!left)
			break;
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	pthread_mutex_lock(&mu);
	stopping = true;
	while (count) { /* still queued after the grace: answered 503 */
		struct http_req *r = ring[head];
		head = (head + 1) % cap;
		count--;
		drop_fn(r);
	}
	for (unsigned i = 0; i < nthreads; i++)
		pthread_cond_signal(&ws[i].cv);
	pthread_mutex_unlock(&mu);
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(threads[i], NULL);
		pthread_cond_destroy(&ws[i].cv);
	}
	nthreads = 0;
	free(ring);
	ring = NULL;
}

void workers_stats(struct workers_stats *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&mu);
	out->queued = count;
	pthread_mutex_unlock(&mu);
	out->workers = nthreads;
	uint64_t now = http_now_ms();
	for (unsigned i = 0; i < nthreads; i++) {
		uint64_t since = atomic_load(&busy_since[i]);
		if (!since)
			continue;
		out->busy++;
		double s = (double)(now - since) / 1000.0;
		if (s > out->oldest_busy_seconds)
			out->oldest_busy_seconds = s;
	}
	out->jobs = atomic_load(&n_jobs);
	out->rejected = atomic_load(&n_rejected);
	out->schema = workers_schema(&out->schema_version);
	out->db_reachable = db_reachable();
}
