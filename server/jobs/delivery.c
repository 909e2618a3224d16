/*
 * The delivery workers: the outbox (notifications) sent at least once.
 *
 * Each worker has its own PGconn (db_thread()) and LISTENs on fieldd_outbox;
 * the trigger of migration 0011 NOTIFYs that channel in the transaction that
 * queues a notice, so a worker wakes when it commits. Between wake-ups a
 * worker sleeps until the next retry is due, or FIELDD_DELIVERY_SWEEP
 * seconds at most (a NOTIFY lost while the connection was down is caught up
 * by that sweep, and by the claim made after every reconnect).
 *
 * A claim (pg_outbox_claim) takes due rows with FOR UPDATE SKIP LOCKED and
 * leases them for FIELDD_DELIVERY_LEASE seconds; several workers and several
 * processes never claim the same row while a lease runs. A worker killed
 * mid-send leaves the lease to run out; the notice is then claimed and sent
 * again (at least once; the delivery id lets the receiver drop the repeat).
 * Outcome: sent; or queued again after FIELDD_DELIVERY_BACKOFF * 2^(n-1)
 * seconds (at most an hour); or dead after FIELDD_DELIVERY_ATTEMPTS tries, or
 * at once when retrying is no use, with the reason in last_error.
 */
#include "fieldd/arena.h"
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/ical.h"
#include "fieldd/jobs.h"
#include "fieldd/log.h"
#include "fieldd/notify.h"
#include "fieldd/outbox.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define MAX_WORKERS 16

static struct {
	int workers, attempts, backoff_s, lease_s, sweep_s, batch;
} dcfg;

/* counters for /metrics (this process) */
static atomic_ulong m_sent_smtp, m_sent_webhook, m_sent_sink, m_retry, m_dead, m_skipped, m_wakeups;

static pthread_t threads[MAX_WORKERS];
static int nthreads;
static int stop_pipe[2] = {-1, -1};
static atomic_bool stopping;

static int env_int(const char *name, int def, int lo, int hi, int *out)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	char *end;
	long x = strtol(v, &end, 10);
	if (*end || x < lo || x > hi) {
		log_msgf(LOG_ERROR, "%s must be a whole number from %d to %d", name, lo, hi);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static void pause_ms(int ms)
{
	if (stop_pipe[0] < 0) {
		usleep((useconds_t)ms * 1000);
		return;
	}
	/* a stop request ends the pause at once */
	fd_set fds;
	FD_ZERO(&fds);
	FD_SET(stop_pipe[0], &fds);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	select(stop_pipe[0] + 1, &fds, NULL, NULL, &tv);
}

static struct ical_opts invitation_opts(void)
{
	struct ical_opts o = {
	    .tzid = cfg.tz,
	    .organizer_email = cfg.organizer,
	    .organizer_name = "fieldd",
	    .prodid = "-//fieldd//fieldd " FIELDD_VERSION "//KO",
	};
	return o;
}

/* The appointment e-mails carry the ticket's invitation (SPEC §5): the same UID as the
 * visit, a higher SEQUENCE after a reschedule, METHOD:CANCEL once cancelled. */
static void attach_invitation(struct db *db, struct arena *a, const struct outbox_item *it,
			      const struct notify_text *t, struct notify_ics *ics)
{
	if (!it->tracking || strcmp(it->channel, "email") ||
	    (strcmp(it->template_name, "appointment_confirmed") &&
	     strcmp(it->template_name, "visit_cancelled")))
		return;
	struct ical_event e;
	if (pg_calendar_appointment(db, a, it->tracking, 0, &e) <= 0)
		return;
	e.url = t->link;
	e.customer_phone = NULL;
	struct ical_opts o = invitation_opts();
	ics->text = ical_invitation_text(a, &o, &e, &ics->method, &ics->len);
}

static void deliver(struct db *db, struct arena *a, const struct outbox_item *it)
{
	struct notify_text t;
	notify_render(a, it, cfg.base_url, &t);
	int rc;
	if (!notify_route(it->channel)) {
		atomic_fetch_add(&m_skipped, 1);
		rc = pg_outbox_skipped(
		    db, a, it->id, "the phone channel is a call a person makes; nothing to send");
		if (rc < 0)
			log_msgf(LOG_WARN, "could not record notification %lld as skipped",
				 (long long)it->id);
		return;
	}
	struct notify_ics ics = {0};
	attach_invitation(db, a, it, &t, &ics);
	const char *via = NULL;
	char err[512] = "";
	enum notify_outcome out = notify_send(a, it, &t, &ics, &via, err, sizeof err);
	if (out == NOTIFY_SENT) {
		atomic_fetch_add(!strcmp(via, "smtp")	   ? &m_sent_smtp
				 : !strcmp(via, "webhook") ? &m_sent_webhook
							   : &m_sent_sink,
				 1);
		rc = pg_outbox_sent(db, a, it->id, via);
		log_msgf(LOG_INFO, "notification %lld (%s) sent via %s", (long long)it->id,
			 it->template_name, via);
	} else {
		bool dead = out == NOTIFY_PERMANENT || it->attempts >= dcfg.attempts;
		atomic_fetch_add(dead ? &m_dead : &m_retry, 1);
		rc = pg_outbox_failed(db, a, it->id, err, dcfg.attempts, dcfg.backoff_s,
				      out == NOTIFY_PERMANENT);
		log_msgf(LOG_WARN, "could not deliver notification %lld (%s, attempt %d): %s",
			 (long long)it->id, it->template_name, it->attempts, err);
	}
	if (rc < 0) /* the lease runs out and the notice goes again: at least once */
		log_msgf(LOG_WARN, "could not record the outcome of notification %lld",
			 (long long)it->id);
}

static void *worker_main(void *arg)
{
	(void)arg;
	int listening = 0; /* the backend our LISTEN was made on */
	while (!atomic_load(&stopping)) {
		struct db *db = db_thread();
		if (!db) {
			listening = 0;
			pause_ms(1000);
			continue;
		}
		int pid = pg_outbox_backend(db);
		if (pid != listening) {
			if (pg_outbox_listen(db) < 0) {
				listening = 0;
				pause_ms(1000);
				continue;
			}
			listening = pid;
		}
		struct arena *a = arena_new();
		struct outbox_item *items = NULL;
		int n = pg_outbox_claim(db, a, dcfg.batch, dcfg.lease_s, &items);
		if (n > 0) {
			uint64_t t0 = util_now_us();
			for (int i = 0; i < n; i++) {
				/* past half the lease, give the rest back rather than risk a
				 * second worker sending them alongside us */
				bool late = util_now_us() - t0 > (uint64_t)dcfg.lease_s * 500000u;
				/* one not given back is claimed again when its lease ends */
				if (late || atomic_load(&stopping))
					db_ignore(pg_outbox_release(db, a, items[i].id));
				else
					deliver(db, a, &items[i]);
			}
			arena_free(a);
			continue;
		}
		if (n < 0) {
			arena_free(a);
			listening = 0;
			pause_ms(500);
			continue;
		}
		double secs = 0;
		int timeout_ms = dcfg.sweep_s * 1000;
		int rc = pg_outbox_next_due(db, a, &secs);
		arena_free(a);
		/* a due row the claim could not take is another worker's for a moment: look
		 * again shortly rather than spin */
		if (rc > 0 && secs * 1000.0 + 5 < timeout_ms)
			timeout_ms = secs <= 0 ? 20 : (int)(secs * 1000.0) + 5;
		int w = pg_outbox_wait(db, timeout_ms, stop_pipe[0]);
		if (w == 1)
			atomic_fetch_add(&m_wakeups, 1);
		if (w == DB_SOFT) {
			listening = 0;
			pause_ms(200);
		}
	}
	notify_thread_release();
	db_thread_release();
	return NULL;
}

int jobs_start(void)
{
	if (env_int("FIELDD_DELIVERY_WORKERS", 2, 0, MAX_WORKERS, &dcfg.workers) < 0 ||
	    env_int("FIELDD_DELIVERY_ATTEMPTS", 8, 1, 100, &dcfg.attempts) < 0 ||
	    env_int("FIELDD_DELIVERY_BACKOFF", 30, 1, 3600, &dcfg.backoff_s) < 0 ||
	    env_int("FIELDD_DELIVERY_LEASE", 120, 2, 86400, &dcfg.lease_s) < 0 ||
	    env_int("FIELDD_DELIVERY_SWEEP", 30, 1, 3600, &dcfg.sweep_s) < 0 ||
	    env_int("FIELDD_DELIVERY_BATCH", 32, 1, 1000, &dcfg.batch) < 0)
		return -1;
	char err[256];
	if (notify_init(err, sizeof err) < 0) {
		log_msg(LOG_ERROR, "cannot start delivery", err);
		return -1;
	}
	if (dcfg.lease_s <= notify_cfg.timeout_s) {
		log_msgf(LOG_ERROR,
			 "FIELDD_DELIVERY_LEASE (%d s) must be longer than "
			 "FIELDD_DELIVERY_TIMEOUT (%d s)",
			 dcfg.lease_s, notify_cfg.timeout_s);
		return -1;
	}
	if (dcfg.workers == 0) {
		log_msg(LOG_INFO, "delivery of notifications is off in this process", NULL);
		return 0;
	}
	if (pipe(stop_pipe) < 0) {
		log_msg(LOG_ERROR, "cannot start delivery", "pipe failed");
		return -1;
	}
	atomic_store(&stopping, false);
	for (int i = 0; i < dcfg.workers; i++) {
		if (pthread_create(&threads[i], NULL, worker_main, NULL) != 0) {
			log_msg(LOG_ERROR, "cannot start delivery", "pthread_create failed");
			jobs_stop();
			return -1;
		}
		nthreads++;
	}
	log_msgf(LOG_INFO, "delivery: %d workers, e-mail via %s, sms via %s", dcfg.workers,
		 notify_route("email"), notify_route("sms"));
	return 0;
}

void jobs_stop(void)
{
	atomic_store(&stopping, true);
	if (stop_pipe[1] >= 0) {
		char c = 1;
		if (write(stop_pipe[1], &c, 1) < 0) {
			/* the workers still see stopping at their next wake-up */
		}
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
}

void jobs_metrics_render(struct abuf *b)
{
	abuf_addf(
	    b,
	    "# HELP fieldd_notifications_sent_total Notices delivered by this process, by way.\n"
	    "# TYPE fieldd_notifications_sent_total counter\n"
	    "fieldd_notifications_sent_total{via=\"smtp\"} %lu\n"
	    "fieldd_notifications_sent_total{via=\"webhook\"} %lu\n"
	    "fieldd_notifications_sent_total{via=\"sink\"} %lu\n"
	    "# HELP fieldd_notifications_retries_total Failed attempts queued again.\n"
	    "# TYPE fieldd_notifications_retries_total counter\n"
	    "fieldd_notifications_retries_total %lu\n"
	    "# HELP fieldd_notifications_dead_total Notices given up (dead letters).\n"
	    "# TYPE fieldd_notifications_dead_total counter\n"
	    "fieldd_notifications_dead_total %lu\n"
	    "# HELP fieldd_notifications_skipped_total Notices with nothing to send (phone).\n"
	    "# TYPE fieldd_notifications_skipped_total counter\n"
	    "fieldd_notifications_skipped_total %lu\n"
	    "# HELP fieldd_outbox_wakeups_total Delivery workers woken by a NOTIFY.\n"
	    "# TYPE fieldd_outbox_wakeups_total counter\n"
	    "fieldd_outbox_wakeups_total %lu\n",
	    atomic_load(&m_sent_smtp), atomic_load(&m_sent_webhook), atomic_load(&m_sent_sink),
	    atomic_load(&m_retry), atomic_load(&m_dead), atomic_load(&m_skipped),
	    atomic_load(&m_wakeups));
}
