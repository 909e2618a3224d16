/* Operations endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/embed.h"
#include "fieldd/ical.h"
#include "fieldd/handlers.h"
#include "fieldd/jobs.h"
#include "fieldd/pg.h"

#include <json-c/json.h>

/* a database job running this long with every worker busy: not ready */
#define READY_JOB_SECONDS 30.0

int h_healthz(struct http_req *r, struct db *db)
{
	(void)db;
	static const char body[] = "{\"status\":\"ok\"}";
	reply_raw(r, 200, "application/json", body, sizeof body - 1);
	return 0;
}

/* Answered on the HTTP thread from what the workers last saw: never waits on PostgreSQL. */
int h_readyz(struct http_req *r, struct db *db)
{
	(void)db;
	struct http_health h;
	http_health(&h);
	if (h.schema < 0) {
		reply_problem(r, ERR_DB_UNAVAILABLE,
			      arena_printf(r->a,
					   "the database schema is at version %d; run \"fieldd "
					   "migrate\"",
					   h.schema_version));
		reply_add_header(r, "Retry-After", "5");
		return 0;
	}
	if (!h.db_reachable || h.schema == 0) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "the database cannot be reached");
		reply_add_header(r, "Retry-After", "5");
		return 0;
	}
	if (h.http_alive < h.http_workers) {
		reply_problem(r, ERR_OVERLOADED,
			      arena_printf(r->a, "HTTP event loop %u has not answered for %.0f s",
					   h.stuck_worker, h.stuck_seconds));
		reply_add_header(r, "Retry-After", "5");
		return 0;
	}
	if (h.db_busy == h.db_workers && h.oldest_job_seconds > READY_JOB_SECONDS) {
		reply_problem(r, ERR_OVERLOADED,
			      arena_printf(r->a, "every database worker is busy; one for %.0f s",
					   h.oldest_job_seconds));
		reply_add_header(r, "Retry-After", "5");
		return 0;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ready"));
	json_object_object_add(o, "database", json_object_new_string("ok"));
	json_object_object_add(o, "http_workers", json_object_new_int((int)h.http_workers));
	json_object_object_add(o, "db_workers", json_object_new_int((int)h.db_workers));
	json_object_object_add(o, "db_busy", json_object_new_int((int)h.db_busy));
	json_object_object_add(o, "queued", json_object_new_int((int)h.queued));
	reply_json(r, 200, o);
	return 0;
}

int h_metrics(struct http_req *r, struct db *db)
{
	(void)db;
	const char *addr = http_client_addr(r);
	if (!netacl_allows(&cfg.metrics_allow, addr)) {
		reply_problem(r, ERR_METRICS_FORBIDDEN,
			      "this address is not in FIELDD_METRICS_ALLOW");
		return 0;
	}
	struct abuf b;
	abuf_init(&b, r->a);
	http_metrics_render(&b);
	ical_metrics_render(&b);
	jobs_metrics_render(&b);
	reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.buf, b.len);
	return 0;
}

int h_openapi(struct http_req *r, struct db *db)
{
	(void)db;
	const struct embed_file *f = embed_find(embed_docs, embed_docs_count, "openapi.json");
	if (!f) {
		reply_problem(r, ERR_NOT_FOUND, NULL);
		return 0;
	}
	reply_raw(r, 200, "application/json", (const char *)f->data, f->len);
	reply_add_header(r, "Cache-Control", "public, max-age=300");
	return 0;
}
