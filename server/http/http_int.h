/*
 * http_int.h — private to server/http: the connection guard (conn.c) and the
 * database workers (workers.c) that daemon.c wires to libmicrohttpd.
 */
#ifndef FIELDD_HTTP_INT_H
#define FIELDD_HTTP_INT_H

#include "fieldd/http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_req;

/* ---- conn.c: accepting, fieldd's own limits, deadlines, worker probes ---- */

/* Where a connection is, for its deadline. */
enum conn_phase {
	CONN_HEAD,  /* reading the request head: FIELDD_HEAD_TIMEOUT from its start */
	CONN_BODY,  /* reading the body: FIELDD_BODY_TIMEOUT from the head */
	CONN_BUSY,  /* handler, database worker or reply: no deadline of ours */
	CONN_IDLE,  /* keep-alive between requests: idle timeout + head timeout */
	CONN_PROBE, /* fieldd's own liveness probe */
};

/* Starts accepting on listen_fd and hands connections to the n daemons. */
int conn_start(struct MHD_Daemon **daemons, unsigned n, int listen_fd);
/* Stops accepting; the listening socket is closed by the caller. */
void conn_stop_accepting(void);
/* Stops the housekeeping tick; after the daemons are stopped. */
void conn_stop(void);

/* MHD_OPTION_NOTIFY_CONNECTION; cls is the daemon's index. */
void conn_notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
		 enum MHD_ConnectionNotificationCode code);
/* The access handler says where the connection's request is. */
void conn_set_phase(struct MHD_Connection *c, enum conn_phase ph);
/* A liveness probe (answered 204 without logging). */
bool conn_is_probe(struct MHD_Connection *c);

struct conn_stats {
	int open;		     /* admitted client connections */
	unsigned long refused_limit; /* 503 at FIELDD_CONN_LIMIT */
	unsigned long refused_per_ip;
	unsigned long deadline_closed;	 /* head or body deadline passed */
	unsigned workers, workers_alive; /* HTTP event loops answering probes */
	unsigned stuck_worker;		 /* first one not answering (when not all alive) */
	double stuck_seconds;
};
void conn_stats(struct conn_stats *out);

/* ---- workers.c: database workers fed by a bounded queue ---- */

/* job runs on a worker with that worker's database connection (db_thread()). */
int workers_start(unsigned n, unsigned queue_cap, void (*job)(struct http_req *r),
		  void (*drop)(struct http_req *r));
/* false: the queue is full (answer 503). */
bool workers_submit(struct http_req *r);
/* Finishes what is queued and running (drop() for what is left after the grace), joins. */
void workers_stop(void);

struct workers_stats {
	unsigned workers, queued, busy;
	unsigned long jobs, rejected;
	double oldest_busy_seconds; /* longest-running job now */
	int schema;		    /* 1 ok, 0 not checked yet, -1 older than this fieldd */
	int schema_version;
	bool db_reachable; /* the last contact with PostgreSQL succeeded */
};
void workers_stats(struct workers_stats *out);
/* 1 schema ok, 0 unknown (no connection yet), -1 too old: the worker's gate. */
int workers_schema(int *version);

uint64_t http_now_ms(void);

/* ---- the request path, in the order a request meets it (daemon.c wires it) ---- */

struct route;
/* admit.c: the route table the server runs (borrowed) and the requests in progress */
void http_admit_init(const struct route *routes, size_t n);
const struct route *http_route_table(size_t *n);
void http_inflight_enter(void);
void http_inflight_leave(void);
/* admit.c: everything decided from the head; sets a reply when the request stops here */
void http_admit(struct http_req *r, const char *url);

/* loop.c: the libmicrohttpd callbacks and the database workers' job */
void http_loop_init(void);
int http_db_pending(void); /* handed to the workers and not yet completed */
enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				const char *method, const char *version, const char *upload,
				size_t *upload_size, void **con_cls);
void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		       enum MHD_RequestTerminationCode toe);
void http_mhd_log(void *cls, const char *fmt, va_list ap);
void http_db_job(struct http_req *r);
void http_db_drop(struct http_req *r);

/* auth.c: HTTP_GO when the request may go on; HTTP_REPLIED: 401/403/503 set */
enum http_go http_authenticate(struct http_req *r);

/* txn.c: the JSON body tokenized and the handler run in its transaction */
void http_run(struct http_req *r);

/* respond.c: queues the reply that is set, with the common headers, gzipped if it pays */
enum MHD_Result http_respond(struct http_req *r);

/* keeper.c: the housekeeping thread */
void http_keeper_start(void);
void http_keeper_stop(void);

struct arena;
/* gzip.c: Accept-Encoding names gzip (or *) with a q-value above 0. */
bool http_accepts_gzip(struct http_req *r);
/* p gzipped at level into the arena (arena-owned); NULL when it would not be smaller. */
unsigned char *http_gzip(struct arena *a, const unsigned char *p, size_t n, int level, size_t *out);

#endif
