/*
 * The request path (docs/architecture.md, "The request walk" and "Threads,
 * connections and limits").
 *
 * Threads: conn.c's acceptor admits connections within fieldd's own limits
 * and hands each to one of FIELDD_HTTP_THREADS libmicrohttpd event loops
 * (one single-threaded daemon each). The event loop parses the request,
 * routes it, reads the body and answers at once whatever needs no database
 * (/healthz, /readyz, /metrics, the OpenAPI document, every 4xx decided from
 * the head). A request that needs PostgreSQL is queued for the database
 * workers (workers.c, FIELDD_THREADS threads, one connection each) while its
 * connection is suspended; the worker authenticates, runs the handler in its
 * transaction, sets the reply and resumes the connection, and the event loop
 * queues the reply when it calls the access handler again. No event loop
 * ever waits on PostgreSQL.
 *
 * Limits: past FIELDD_CONN_LIMIT / FIELDD_PER_IP_LIMIT the acceptor answers
 * 503; past max_inflight requests or a full queue the access handler does.
 * Idle connections close after conn_timeout; the head and the body each have
 * a total deadline (conn.c); headers are capped by conn_memory per
 * connection; bodies by each route's max_body.
 *
 * Memory: one arena per request, created on the first callback and freed in
 * the completion callback, the only teardown path.
 *
 * The path's files, in the order a request meets them: conn.c (accepting),
 * loop.c (the libmicrohttpd callbacks), framing.c, admit.c (everything decided
 * from the head), workers.c (the database workers), auth.c (the session and
 * the route's roles), txn.c (the handler in its transaction, Idempotency-Key),
 * respond.c (headers and gzip), metrics.c; keeper.c deletes what expired.
 * This file starts and stops them.
 */
#include "fieldd/config.h"
#include "fieldd/http.h"
#include "fieldd/log.h"
#include "http_int.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_SLACK 64

static struct MHD_Daemon *loops[64];
static unsigned nloops;

static int listen_fd = -1;

static int open_listener(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, (const struct sockaddr *)addr, sizeof *addr) < 0 || listen(fd, 1024) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Room for FIELDD_CONN_LIMIT clients, refused ones, workers and the database. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void stop_loops(void)
{
	for (unsigned i = 0; i < nloops; i++)
		MHD_stop_daemon(loops[i]);
	nloops = 0;
}

int http_start(const struct route *routes, size_t nroutes)
{
	http_admit_init(routes, nroutes); /* admit.c */
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(cfg.listen_port);
	const char *host =
	    strcmp(cfg.listen_host, "localhost") == 0 ? "127.0.0.1" : cfg.listen_host;
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		log_msgf(LOG_ERROR, "cannot listen on \"%s\": expected an IPv4 address",
			 cfg.listen_host);
		return -1;
	}
	http_loop_init();   /* loop.c: the request ids' process tag */
	http_static_init(); /* the web files' ETags and gzip copies, before the first request */
	raise_fd_limit();
	if ((listen_fd = open_listener(&addr)) < 0) {
		log_msgf(LOG_ERROR, "cannot listen on %s:%u (address in use or not permitted)",
			 cfg.listen_host, cfg.listen_port);
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME;
	/* libmicrohttpd's own limits sit far above what conn.c admits (its refusal path
	 * hangs an event loop in 0.9.75); its per-address limit is off, conn.c counts */
	unsigned mhd_limit = cfg.conn_limit + cfg.stream_limit + CONN_SLACK; /* + streams */
	unsigned n = cfg.http_threads < 64 ? cfg.http_threads : 64;
	for (nloops = 0; nloops < n; nloops++) {
		/* the logger must be the first option, or MHD prints early messages itself */
		loops[nloops] = MHD_start_daemon(
		    flags, 0, NULL, NULL, &http_on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER,
		    &http_mhd_log, NULL, MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg.conn_timeout,
		    MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg.conn_memory,
		    MHD_OPTION_NOTIFY_COMPLETED, &http_on_completed, NULL,
		    MHD_OPTION_NOTIFY_CONNECTION, &conn_notify, (void *)(uintptr_t)nloops,
		    MHD_OPTION_END);
		if (!loops[nloops])
			break;
	}
	if (nloops < n ||
	    workers_start(cfg.threads, cfg.queue_limit, http_db_job, http_db_drop) < 0 ||
	    conn_start(loops, nloops, listen_fd) < 0) {
		log_msgf(LOG_ERROR, "cannot start the HTTP server on %s:%u", cfg.listen_host,
			 cfg.listen_port);
		workers_stop();
		stop_loops();
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	http_keeper_start(); /* keeper.c */
	log_msgf(LOG_INFO, "listening on http://%s:%u with %u HTTP threads and %u database workers",
		 cfg.listen_host, cfg.listen_port, nloops, cfg.threads);
	return 0;
}

void http_stop(void)
{
	if (!nloops)
		return;
	/* stop accepting, let requests handed to the database workers finish and their answers go
	 * out (10 s at most); the listening socket is closed at once, so new connections are
	 * refused (a load balancer moves on) instead of waiting in the backlog unserved */
	conn_stop_accepting();
	close(listen_fd);
	listen_fd = -1;
	/* end the event streams first (each sends its last block and closes), at most 2 s:
	 * libmicrohttpd must not be stopped with a connection suspended */
	http_streams_end(2000);
	for (int i = 0; i < 1000 && http_db_pending() > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	/* nothing is suspended after this: every queued request got its answer */
	workers_stop();
	stop_loops();
	conn_stop();
	http_keeper_stop();
	log_msg(LOG_INFO, "stopped", NULL);
}

void http_health(struct http_health *h)
{
	struct conn_stats cs;
	struct workers_stats ws;
	conn_stats(&cs);
	workers_stats(&ws);
	memset(h, 0, sizeof *h);
	h->db_reachable = ws.db_reachable;
	h->schema = ws.schema;
	h->schema_version = ws.schema_version;
	h->http_workers = cs.workers;
	h->http_alive = cs.workers_alive;
	h->stuck_worker = cs.stuck_worker;
	h->stuck_seconds = cs.stuck_seconds;
	h->db_workers = ws.workers;
	h->db_busy = ws.busy;
	h->queued = ws.queued;
	h->oldest_job_seconds = ws.oldest_busy_seconds;
}
