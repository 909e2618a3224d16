/*
 * Housekeeping: a thread with its own database connection that deletes
 * expired sessions, Idempotency-Keys and throttling rows every ten minutes
 * (pg_housekeeping) while the server runs.
 */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"
#include "http_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static pthread_t keeper;
static atomic_bool keeper_stop;
static pthread_mutex_t keeper_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t keeper_cv = PTHREAD_COND_INITIALIZER;

static void *keeper_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&keeper_stop)) {
		struct db *db = db_thread();
		if (db) {
			struct arena *a = arena_new();
			/* what is not deleted now is deleted at the next round */
			db_ignore(pg_housekeeping(db, a));
			arena_free(a);
		}
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 600;
		pthread_mutex_lock(&keeper_mu);
		if (!atomic_load(&keeper_stop))
			pthread_cond_timedwait(&keeper_cv, &keeper_mu, &until);
		pthread_mutex_unlock(&keeper_mu);
	}
	db_thread_release();
	return NULL;
}

void http_keeper_start(void)
{
	atomic_store(&keeper_stop, false);
	pthread_create(&keeper, NULL, keeper_main, NULL);
}

void http_keeper_stop(void)
{
	pthread_mutex_lock(&keeper_mu);
	atomic_store(&keeper_stop, true);
	pthread_cond_signal(&keeper_cv);
	pthread_mutex_unlock(&keeper_mu);
	pthread_join(keeper, NULL);
}
