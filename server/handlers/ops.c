/* Operations endpoints: liveness, readiness, metrics, the OpenAPI document. */
#include "fieldd/config.h"
#include "fieldd/db.h"
#include "fieldd/embed.h"
#include "fieldd/ical.h"
#include "fieldd/handlers.h"
#include "fieldd/jobs.h"
#include "fieldd/pg.h"

#include <json-c/json.h>

int h_healthz(struct http_req *r, struct db *db)
{
	(void)db;
	static const char body[] = "{\"status\":\"ok\"}";
	reply_raw(r, 200, "application/json", body, sizeof body - 1);
	return 0;
}

int h_readyz(struct http_req *r, struct db *db)
{
	db = db_thread();
	int rc = db ? pg_ping(db) : DB_HARD;
	if (rc == DB_SOFT && (db = db_thread()) != NULL) /* connection was lost: once more */
		rc = pg_ping(db);
	if (rc < 0) {
		reply_problem(r, ERR_DB_UNAVAILABLE, "the database cannot be reached");
		reply_add_header(r, "Retry-After", "5");
		return 0;
	}
	static const char body[] = "{\"status\":\"ready\",\"database\":\"ok\"}";
	reply_raw(r, 200, "application/json", body, sizeof body - 1);
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
