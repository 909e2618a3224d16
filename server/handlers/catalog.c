/* Customers, devices, fault codes and the notification outbox. */
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <string.h>

void viewer_of(struct http_req *r, struct viewer *v)
{
	v->id = r->user->id;
	v->team_id = r->user->team_id;
	v->role = r->user->role;
}

/* ---- customers ---- */

/* The members of a customer, parsed into f (required name when creating). */
static bool parse_customer(struct http_req *r, bool creating, struct customer_fields *f)
{
	*f = (struct customer_fields){0};
	const char **t = f->text;
	bool *g = f->given;
	const struct jfield spec[] = {
	    {.name = "name",
	     .type = J_STRING,
	     .required = creating,
	     .min = 1,
	     .max = 100,
	     .out = &t[CC_NAME],
	     .present = &g[CC_NAME]},
	    {.name = "organisation",
	     .type = J_STRING,
	     .nullable = true,
	     .max = 200,
	     .out = &t[CC_ORGANISATION],
	     .present = &g[CC_ORGANISATION]},
	    {.name = "department",
	     .type = J_STRING,
	     .nullable = true,
	     .max = 200,
	     .out = &t[CC_DEPARTMENT],
	     .present = &g[CC_DEPARTMENT]},
	    {.name = "division",
	     .type = J_STRING,
	     .nullable = true,
	     .max = 200,
	     .out = &t[CC_DIVISION],
	     .present = &g[CC_DIVISION]},
	    {.name = "title",
	     .type = J_STRING,
	     .nullable = true,
	     .max = 100,
	     .out = &t[CC_TITLE],
	     .present = &g[CC_TITLE]},
	    {.name = "rank",
	     .type = J_ENUM,
	     .enums = domain_ranks,
	     .out = &t[CC_RANK],
	     .present = &g[CC_RANK]},
	    {.name = "phone",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 1,
	     .max = 32,
	     .out = &t[CC_PHONE],
	     .present = &g[CC_PHONE]},
	    {.name = "email",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 3,
	     .max = 254,
	     .out = &t[CC_EMAIL],
	     .present = &g[CC_EMAIL]},
	    {.name = "preferred_channel",
	     .type = J_ENUM,
	     .enums = domain_contact_channels,
	     .out = &t[CC_PREFERRED_CHANNEL],
	     .present = &g[CC_PREFERRED_CHANNEL]},
	    {.name = "vip", .type = J_BOOL, .out = &f->vip, .present = &g[CC_VIP]},
	    JSPEC_END,
	};
	return http_parse_body(r, spec);
}

int h_customers_list(struct http_req *r, struct db *db)
{
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	struct db_rows rows;
	int rc = pg_customer_list(db, r->a, http_query(r, "q"), cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

int h_customers_create(struct http_req *r, struct db *db)
{
	struct customer_fields f;
	if (!parse_customer(r, true, &f))
		return 0;
	int64_t id;
	int rc = pg_customer_insert(db, r->a, &f, &id);
	const char *doc;
	if (rc >= 0)
		rc = pg_customer_doc(db, r->a, id, &doc);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = pg_audit(db, r->a, 0, 0, r->user->id, "customer.created", NULL, doc)) < 0)
		return rc;
	reply_doc(r, 201, doc);
	reply_add_header(r, "Location",
			 arena_printf(r->a, "/api/v1/customers/%lld", (long long)id));
	return 0;
}

int h_customers_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	const char *doc;
	int rc = http_found(r, pg_customer_doc(db, r->a, id, &doc), "customer");
	if (rc <= 0)
		return rc;
	reply_doc(r, 200, doc);
	return 0;
}

int h_customers_patch(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct customer_fields f;
	if (!parse_customer(r, false, &f))
		return 0;
	const char *before, *after;
	int rc = http_found(r, pg_customer_doc(db, r->a, id, &before), "customer");
	if (rc <= 0)
		return rc;
	if ((rc = pg_customer_update(db, r->a, id, &f)) < 0 ||
	    (rc = pg_customer_doc(db, r->a, id, &after)) < 0)
		return rc;
	if ((rc = pg_audit(db, r->a, 0, 0, r->user->id, "customer.updated", before, after)) < 0)
		return rc;
	reply_doc(r, 200, after);
	return 0;
}

/* ---- devices ---- */

int h_devices_list(struct http_req *r, struct db *db)
{
	int limit;
	int64_t cursor, customer = 0;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	const char *c = http_query(r, "customer_id");
	if (c && util_parse_id(c, &customer) < 0) {
		reply_problem(r, ERR_BAD_QUERY, "customer_id must be an id");
		return 0;
	}
	const char *q = http_query(r, "q");
	if (q && (!*q || strlen(q) > 100)) {
		reply_problem(r, ERR_BAD_QUERY, "q must be 1 to 100 characters");
		return 0;
	}
	struct db_rows rows;
	int rc = pg_device_list(db, r->a, customer, http_query(r, "asset_tag"), q, cursor,
				limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}

int h_devices_create(struct http_req *r, struct db *db)
{
	struct device_fields f = {0};
	struct json_object *location = NULL;
	const struct jfield spec[] = {
	    {.name = "asset_tag",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 64,
	     .out = &f.asset_tag},
	    {.name = "kind",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_device_kinds,
	     .out = &f.kind},
	    {.name = "model", .type = J_STRING, .nullable = true, .max = 200, .out = &f.model},
	    {.name = "serial", .type = J_STRING, .nullable = true, .max = 100, .out = &f.serial},
	    {.name = "customer_id", .type = J_ID, .required = true, .out = &f.customer_id},
	    {.name = "location", .type = J_OBJECT, .nullable = true, .out = &location},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	if (location) {
		const struct jfield loc[] = {
		    {.name = "building",
		     .type = J_STRING,
		     .nullable = true,
		     .max = 100,
		     .out = &f.building},
		    {.name = "floor",
		     .type = J_STRING,
		     .nullable = true,
		     .max = 20,
		     .out = &f.floor},
		    {.name = "room", .type = J_STRING, .nullable = true, .max = 50, .out = &f.room},
		    JSPEC_END,
		};
		struct json_object *errors = jarr(r->a);
		if (!jspec_parse(r->a, location, loc, errors)) {
			for (size_t i = 0; i < json_object_array_length(errors); i++) {
				struct json_object *e = json_object_array_get_idx(errors, i), *name;
				if (json_object_object_get_ex(e, "field", &name))
					json_object_object_add(e, "field",
							       json_object_new_string(arena_printf(
								   r->a, "location.%s",
								   json_object_get_string(name))));
			}
			reply_invalid_list(r, errors);
			return 0;
		}
	}
	int64_t id;
	int rc = pg_device_insert(db, r->a, &f, &id);
	if (rc < 0 && db_err_unique(db)) {
		reply_problem(r, ERR_DUPLICATE, "a device with this asset tag exists");
		return 0;
	}
	if (rc < 0 && db_err_foreign_key(db)) {
		reply_invalid(r, "customer_id", "no such customer");
		return 0;
	}
	if (rc < 0)
		return rc;
	struct viewer v;
	viewer_of(r, &v);
	const char *doc;
	if ((rc = pg_device_doc(db, r->a, id, &v, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = pg_audit(db, r->a, 0, 0, r->user->id, "device.created", NULL, doc)) < 0)
		return rc;
	reply_doc(r, 201, doc);
	reply_add_header(r, "Location", arena_printf(r->a, "/api/v1/devices/%lld", (long long)id));
	return 0;
}

int h_devices_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct viewer v;
	viewer_of(r, &v);
	const char *doc;
	int rc = http_found(r, pg_device_doc(db, r->a, id, &v, &doc), "device");
	if (rc <= 0)
		return rc;
	reply_doc(r, 200, doc);
	return 0;
}

int h_fault_codes(struct http_req *r, struct db *db)
{
	const char *doc;
	int rc = pg_fault_codes(db, r->a, &doc);
	if (rc <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, 200, doc);
	return 0;
}

int h_notifications_list(struct http_req *r, struct db *db)
{
	int limit;
	int64_t cursor, ticket = 0;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	const char *t = http_query(r, "ticket_id");
	if (t && util_parse_id(t, &ticket) < 0) {
		reply_problem(r, ERR_BAD_QUERY, "ticket_id must be an id");
		return 0;
	}
	/* retrying: queued again after a failed attempt (the board's outbox panel) */
	static const char *const statuses[] = {"queued",  "sent",     "dead",
					       "skipped", "retrying", NULL};
	const char *status = http_query(r, "status");
	if (status) {
		int k = 0;
		while (statuses[k] && strcmp(statuses[k], status))
			k++;
		if (!statuses[k]) {
			reply_problem(r, ERR_BAD_QUERY,
				      "status must be queued, sent, dead, skipped or retrying");
			return 0;
		}
	}
	struct viewer v;
	viewer_of(r, &v);
	struct db_rows rows;
	int rc = pg_notification_list(db, r->a, ticket, status, &v, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, limit);
	return 0;
}
