/*
 * Request metrics in Prometheus text format: counts by route and status and
 * a latency histogram by route. Lock-free: relaxed atomics per cell.
 */
#include "fieldd/db.h"
#include "fieldd/events.h"
#include "fieldd/evbus.h"
#include "fieldd/http.h"
#include "http_int.h"

#include <stdatomic.h>
#include <stdint.h>

#define MAX_ROUTES 256
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
			       409, 413, 414, 415, 422, 429, 499, 500, 503};
#define NSTATUS ((int)(sizeof statuses / sizeof statuses[0]) + 1) /* + other */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKET ((int)(sizeof bounds / sizeof bounds[0]))

/* row MAX_ROUTES is "unmatched" */
static atomic_ulong counts[MAX_ROUTES + 1][NSTATUS];
static atomic_ulong buckets[MAX_ROUTES + 1][NBUCKET + 1];
static atomic_ulong sum_us[MAX_ROUTES + 1];

void http_metrics_record(int route_index, int status, uint64_t us)
{
	int row = route_index >= 0 && route_index < MAX_ROUTES ? route_index : MAX_ROUTES;
	int col = NSTATUS - 1;
	for (int i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			col = i;
	atomic_fetch_add_explicit(&counts[row][col], 1, memory_order_relaxed);
	double s = (double)us / 1e6;
	int b = 0;
	while (b < NBUCKET && s > bounds[b])
		b++;
	atomic_fetch_add_explicit(&buckets[row][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[row], us, memory_order_relaxed);
}

static const char *route_label(int row, const char **method)
{
	size_t nroutes;
	const struct route *routes = http_route_table(&nroutes); /* admit.c */
	if (row == MAX_ROUTES || (size_t)row >= nroutes) {
		*method = "";
		return "unmatched";
	}
	*method = routes[row].method;
	return routes[row].pattern;
}

void http_metrics_render(struct abuf *b)
{
	abuf_adds(b, "# HELP fieldd_http_requests_total HTTP requests by route and status.\n"
		     "# TYPE fieldd_http_requests_total counter\n");
	for (int row = 0; row <= MAX_ROUTES; row++) {
		const char *m, *route = route_label(row, &m);
		for (int c = 0; c < NSTATUS; c++) {
			unsigned long n =
			    atomic_load_explicit(&counts[row][c], memory_order_relaxed);
			if (!n)
				continue;
			if (c < NSTATUS - 1)
				abuf_addf(b,
					  "fieldd_http_requests_total{method=\"%s\",route=\"%s\","
					  "status=\"%d\"} %lu\n",
					  m, route, statuses[c], n);
			else
				abuf_addf(b,
					  "fieldd_http_requests_total{method=\"%s\",route=\"%s\","
					  "status=\"other\"} %lu\n",
					  m, route, n);
		}
	}
	abuf_adds(b, "# HELP fieldd_http_request_duration_seconds Time from first byte to reply.\n"
		     "# TYPE fieldd_http_request_duration_seconds histogram\n");
	for (int row = 0; row <= MAX_ROUTES; row++) {
		unsigned long total = 0;
		for (int k = 0; k <= NBUCKET; k++)
			total += atomic_load_explicit(&buckets[row][k], memory_order_relaxed);
		if (!total)
			continue;
		const char *m, *route = route_label(row, &m);
		unsigned long cum = 0;
		for (int k = 0; k <= NBUCKET; k++) {
			cum += atomic_load_explicit(&buckets[row][k], memory_order_relaxed);
			if (k < NBUCKET)
				abuf_addf(
				    b,
				    "fieldd_http_request_duration_seconds_bucket{method=\"%s\","
				    "route=\"%s\",le=\"%g\"} %lu\n",
				    m, route, bounds[k], cum);
			else
				abuf_addf(
				    b,
				    "fieldd_http_request_duration_seconds_bucket{method=\"%s\","
				    "route=\"%s\",le=\"+Inf\"} %lu\n",
				    m, route, cum);
		}
		abuf_addf(
		    b,
		    "fieldd_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
		    "fieldd_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} "
		    "%lu\n",
		    m, route,
		    (double)atomic_load_explicit(&sum_us[row], memory_order_relaxed) / 1e6, m,
		    route, total);
	}
	struct db_pool_stats ps;
	struct conn_stats cs;
	struct workers_stats ws;
	db_pool_stats(&ps);
	conn_stats(&cs); /* conn.c */
	workers_stats(&ws);
	abuf_addf(b,
		  "# HELP fieldd_db_connections Open database connections (one per worker).\n"
		  "# TYPE fieldd_db_connections gauge\nfieldd_db_connections %ld\n"
		  "# HELP fieldd_db_reconnects_total Connection resets attempted.\n"
		  "# TYPE fieldd_db_reconnects_total counter\nfieldd_db_reconnects_total %ld\n"
		  "# HELP fieldd_db_connect_failures_total Connection attempts that failed.\n"
		  "# TYPE fieldd_db_connect_failures_total counter\n"
		  "fieldd_db_connect_failures_total %ld\n"
		  "# HELP fieldd_db_tx_retries_total Transactions retried after soft errors.\n"
		  "# TYPE fieldd_db_tx_retries_total counter\nfieldd_db_tx_retries_total %ld\n"
		  "# HELP fieldd_http_open_connections Open client connections.\n"
		  "# TYPE fieldd_http_open_connections gauge\nfieldd_http_open_connections %d\n"
		  "# HELP fieldd_http_inflight_requests Requests being handled.\n"
		  "# TYPE fieldd_http_inflight_requests gauge\nfieldd_http_inflight_requests %d\n",
		  ps.connections, ps.reconnects, ps.failures, ps.retries, cs.open,
		  http_inflight() /* admit.c */);
	abuf_addf(b,
		  "# HELP fieldd_http_refused_total Connections answered 503 by the acceptor.\n"
		  "# TYPE fieldd_http_refused_total counter\n"
		  "fieldd_http_refused_total{reason=\"conn_limit\"} %lu\n"
		  "fieldd_http_refused_total{reason=\"per_ip_limit\"} %lu\n"
		  "# HELP fieldd_http_deadline_closed_total Connections closed past the head or "
		  "body deadline.\n"
		  "# TYPE fieldd_http_deadline_closed_total counter\n"
		  "fieldd_http_deadline_closed_total %lu\n"
		  "# HELP fieldd_http_workers HTTP event loops.\n"
		  "# TYPE fieldd_http_workers gauge\nfieldd_http_workers %u\n"
		  "# HELP fieldd_http_workers_alive HTTP event loops that answered their last "
		  "probe in time.\n"
		  "# TYPE fieldd_http_workers_alive gauge\nfieldd_http_workers_alive %u\n"
		  "# HELP fieldd_db_workers Database worker threads.\n"
		  "# TYPE fieldd_db_workers gauge\nfieldd_db_workers %u\n"
		  "# HELP fieldd_db_workers_busy Database workers running a request.\n"
		  "# TYPE fieldd_db_workers_busy gauge\nfieldd_db_workers_busy %u\n"
		  "# HELP fieldd_db_job_oldest_seconds Age of the longest-running database job.\n"
		  "# TYPE fieldd_db_job_oldest_seconds gauge\nfieldd_db_job_oldest_seconds %.3f\n"
		  "# HELP fieldd_db_queue_length Requests waiting for a database worker.\n"
		  "# TYPE fieldd_db_queue_length gauge\nfieldd_db_queue_length %u\n"
		  "# HELP fieldd_db_queue_rejected_total Requests refused with 503: queue full.\n"
		  "# TYPE fieldd_db_queue_rejected_total counter\n"
		  "fieldd_db_queue_rejected_total %lu\n"
		  "# HELP fieldd_db_reachable 1 when the last contact with PostgreSQL succeeded.\n"
		  "# TYPE fieldd_db_reachable gauge\nfieldd_db_reachable %d\n",
		  cs.refused_limit, cs.refused_per_ip, cs.deadline_closed, cs.workers,
		  cs.workers_alive, ws.workers, ws.busy, ws.oldest_busy_seconds, ws.queued,
		  ws.rejected, ws.db_reachable ? 1 : 0);
	/* the live event stream (stream.c, server/jobs/events_listener.c) */
	abuf_addf(b,
		  "# HELP fieldd_event_streams Open GET /api/v1/events streams.\n"
		  "# TYPE fieldd_event_streams gauge\nfieldd_event_streams %d\n"
		  "# HELP fieldd_events_total Change events received from PostgreSQL.\n"
		  "# TYPE fieldd_events_total counter\nfieldd_events_total %llu\n"
		  "# HELP fieldd_event_listener_up 1 while the LISTEN connection is up.\n"
		  "# TYPE fieldd_event_listener_up gauge\nfieldd_event_listener_up %d\n",
		  http_streams_open(), (unsigned long long)evbus_published(), events_listener_up());
}
