/* Environment configuration; see config.h. */
#include "fieldd/config.h"
#include "fieldd/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config cfg;

static int env_uint(const char *name, unsigned def, unsigned lo, unsigned hi, unsigned *out,
		    char *err, size_t errlen)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		*out = def;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || v[0] == '-' || n < lo || n > hi) {
		snprintf(err, errlen, "invalid %s \"%s\": expected a whole number from %u to %u",
			 name, v, lo, hi);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int parse_listen(const char *v, char *err, size_t errlen)
{
	const char *colon = strrchr(v, ':');
	if (!colon || colon == v || (size_t)(colon - v) >= sizeof cfg.listen_host) {
		snprintf(err, errlen, "invalid FIELDD_LISTEN \"%s\": expected HOST:PORT", v);
		return -1;
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || *end || colon[1] == '\0' || port == 0 || port > 65535) {
		snprintf(err, errlen, "invalid FIELDD_LISTEN \"%s\": port must be 1-65535", v);
		return -1;
	}
	memcpy(cfg.listen_host, v, (size_t)(colon - v));
	cfg.listen_host[colon - v] = '\0';
	cfg.listen_port = (unsigned short)port;
	return 0;
}

int config_load(char *err, size_t errlen)
{
	memset(&cfg, 0, sizeof cfg);
	const char *v = getenv("DATABASE_URL");
	cfg.database_url = v && *v ? v : NULL;

	v = getenv("FIELDD_LISTEN");
	if (parse_listen(v && *v ? v : "127.0.0.1:8080", err, errlen) < 0)
		return -1;

	if (env_uint("FIELDD_THREADS", 4, 1, 64, &cfg.threads, err, errlen) < 0 ||
	    env_uint("FIELDD_CONN_LIMIT", 1000, 8, 100000, &cfg.conn_limit, err, errlen) < 0 ||
	    env_uint("FIELDD_PER_IP_LIMIT", 200, 0, 100000, &cfg.per_ip_limit, err, errlen) < 0 ||
	    env_uint("FIELDD_CONN_TIMEOUT", 30, 1, 3600, &cfg.conn_timeout, err, errlen) < 0 ||
	    env_uint("FIELDD_MAX_INFLIGHT", 256, 1, 100000, &cfg.max_inflight, err, errlen) < 0 ||
	    env_uint("FIELDD_STREAM_LIMIT", 2500, 0, 100000, &cfg.stream_limit, err, errlen) < 0 ||
	    env_uint("FIELDD_STREAM_MAX_AGE", 600, 1, 86400, &cfg.stream_max_age, err, errlen) <
		0 ||
	    env_uint("FIELDD_SESSION_HOURS", 12, 1, 24 * 90, &cfg.session_hours, err, errlen) < 0)
		return -1;
	if (env_uint("FIELDD_HTTP_THREADS", 2, 1, 64, &cfg.http_threads, err, errlen) < 0 ||
	    env_uint("FIELDD_QUEUE_LIMIT", 256, 1, 100000, &cfg.queue_limit, err, errlen) < 0 ||
	    env_uint("FIELDD_HEAD_TIMEOUT", 10, 1, 3600, &cfg.head_timeout, err, errlen) < 0 ||
	    env_uint("FIELDD_BODY_TIMEOUT", 30, 1, 3600, &cfg.body_timeout, err, errlen) < 0 ||
	    env_uint("FIELDD_GZIP_LEVEL", 1, 0, 9, &cfg.gzip_level, err, errlen) < 0)
		return -1;
	cfg.conn_memory = 64 * 1024;
	if (env_uint("FIELDD_REPEAT_WINDOW_DAYS", 90, 1, 3650, &cfg.repeat_window_days, err,
		     errlen) < 0)
		return -1;
	v = getenv("FIELDD_SLA_HOURS");
	unsigned sla[4] = {4, 8, 24, 72};
	if (v && *v) {
		char extra;
		if (sscanf(v, "%u,%u,%u,%u%c", &sla[0], &sla[1], &sla[2], &sla[3], &extra) != 4 ||
		    !sla[0] || !sla[1] || !sla[2] || !sla[3] || sla[3] > 24 * 365) {
			snprintf(err, errlen,
				 "invalid FIELDD_SLA_HOURS \"%s\": expected four hour counts for "
				 "P1,P2,P3,P4 such as 4,8,24,72",
				 v);
			return -1;
		}
	}
	memcpy(cfg.sla_hours, sla, sizeof sla);

	static char base[128];
	v = getenv("FIELDD_BASE_URL");
	if (v && *v) {
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
			snprintf(err, errlen,
				 "invalid FIELDD_BASE_URL \"%s\": expected http:// or https://", v);
			return -1;
		}
		cfg.base_url = v;
	} else {
		snprintf(base, sizeof base, "http://%s:%u", cfg.listen_host, cfg.listen_port);
		cfg.base_url = base;
	}
	cfg.secure_cookies = strncmp(cfg.base_url, "https://", 8) == 0;

	v = getenv("FIELDD_TZ");
	cfg.tz = v && *v ? v : "Asia/Seoul";

	/* the dispatch desk's address in calendar feeds and invitations */
	v = getenv("FIELDD_ORGANIZER_EMAIL");
	cfg.organizer = v && *v ? v : "dispatch@fieldd.invalid";
	const char *at = strchr(cfg.organizer, '@');
	bool plain = at && at != cfg.organizer && at[1] && strlen(cfg.organizer) <= 254;
	for (const char *p = cfg.organizer; plain && *p; p++)
		plain = *p > 0x20 && *p < 0x7f && !strchr("\"<>\\,;:()[]", *p);
	if (!plain) {
		snprintf(err, errlen,
			 "invalid FIELDD_ORGANIZER_EMAIL \"%s\": expected an address like "
			 "dispatch@example.com",
			 cfg.organizer);
		return -1;
	}

	/* key material for calendar feed tokens; never printed, not even when refused */
	v = getenv("FIELDD_SECRET");
	cfg.secret = v && *v ? v : NULL;
	if (cfg.secret && strlen(cfg.secret) < 32) {
		snprintf(err, errlen, "invalid FIELDD_SECRET: expected at least 32 characters");
		return -1;
	}

	v = getenv("FIELDD_LOG_LEVEL");
	cfg.log_level = LOG_INFO;
	if (v && *v) {
		cfg.log_level = log_parse_level(v);
		if (cfg.log_level < 0) {
			snprintf(
			    err, errlen,
			    "invalid FIELDD_LOG_LEVEL \"%s\": expected debug, info, warn or error",
			    v);
			return -1;
		}
	}
	log_set_level((enum log_level)cfg.log_level);

	/* who may read /metrics: loopback unless the operator says otherwise */
	v = getenv("FIELDD_METRICS_ALLOW");
	char why[160];
	if (netacl_parse(&cfg.metrics_allow, v && *v ? v : "127.0.0.0/8,::1", why, sizeof why) <
	    0) {
		snprintf(err, errlen, "invalid FIELDD_METRICS_ALLOW: %s", why);
		return -1;
	}
	return 0;
}
