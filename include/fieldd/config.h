/*
 * config.h — settings read once from the environment at start-up.
 *
 * The process has one config, filled by config_load() before any thread
 * starts and read-only afterwards (borrowed pointers, process lifetime).
 */
#ifndef FIELDD_CONFIG_H
#define FIELDD_CONFIG_H

#include "fieldd/netacl.h"

#include <stddef.h>

struct config {
	const char *database_url;   /* DATABASE_URL, libpq URI or conninfo */
	char listen_host[64];	    /* FIELDD_LISTEN host part, default 127.0.0.1 */
	unsigned short listen_port; /* FIELDD_LISTEN port, default 8080 */
	unsigned threads;	    /* FIELDD_THREADS: database workers = DB connections */
	const char *base_url;	    /* FIELDD_BASE_URL, default http://<listen> */
	const char *tz;		    /* FIELDD_TZ, default Asia/Seoul */
	const char *organizer;	    /* FIELDD_ORGANIZER_EMAIL: calendar ORGANIZER address */
	const char *secret;	    /* FIELDD_SECRET (>= 32 chars) or NULL: feed token key */
	int log_level;		    /* FIELDD_LOG_LEVEL */
	int secure_cookies;	    /* base_url is https */
	/* limits, see docs/architecture.md */
	unsigned conn_limit;	     /* FIELDD_CONN_LIMIT: open connections, all clients */
	unsigned per_ip_limit;	     /* FIELDD_PER_IP_LIMIT: open connections per address */
	unsigned conn_timeout;	     /* FIELDD_CONN_TIMEOUT: idle seconds before close */
	size_t conn_memory;	     /* bytes MHD may use per connection (headers) */
	unsigned max_inflight;	     /* FIELDD_MAX_INFLIGHT: requests in handlers; past it 503 */
	unsigned http_threads;	     /* FIELDD_HTTP_THREADS: libmicrohttpd event loops */
	unsigned queue_limit;	     /* FIELDD_QUEUE_LIMIT: requests waiting for a DB worker */
	unsigned head_timeout;	     /* FIELDD_HEAD_TIMEOUT: seconds to send the request head */
	unsigned body_timeout;	     /* FIELDD_BODY_TIMEOUT: seconds to send the body */
	unsigned gzip_level;	     /* FIELDD_GZIP_LEVEL: zlib level for JSON/CSV, 0 = off */
	unsigned session_hours;	     /* FIELDD_SESSION_HOURS: absolute session lifetime */
	unsigned sla_hours[4];	     /* FIELDD_SLA_HOURS "4,8,24,72": due time for P1..P4 (R11) */
	unsigned repeat_window_days; /* FIELDD_REPEAT_WINDOW_DAYS (R7), default 90 */
	struct netacl metrics_allow; /* FIELDD_METRICS_ALLOW, default loopback only */
	unsigned stream_limit;	     /* FIELDD_STREAM_LIMIT: open event streams; past it 503 */
	unsigned
	    stream_max_age; /* FIELDD_STREAM_MAX_AGE: seconds before a stream re-authenticates */
};

extern struct config cfg;

/*
 * Reads the environment into cfg. On a bad value writes a one-line message
 * into err (size errlen) and returns -1.
 */
int config_load(char *err, size_t errlen);

#endif
