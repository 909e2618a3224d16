/*
 * PC inspection checklists (R9): templates (admin writes new versions), the
 * run of each visit, partial saves, completion, the lock after completion.
 */
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <string.h>
#include <time.h>

static void ck_value_of(struct json_object *v, bool present, struct ck_value *out)
{
	memset(out, 0, sizeof *out);
	if (!present) {
		out->t = CKV_NONE;
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_null:
		out->t = CKV_NULL;
		break;
	case json_type_boolean:
		out->t = CKV_BOOL;
		out->b = json_object_get_boolean(v);
		break;
	case json_type_int:
	case json_type_double:
		out->t = CKV_NUMBER;
		out->n = json_object_get_double(v);
		break;
	case json_type_string:
		out->t = CKV_STRING;
		out->s = json_object_get_string(v);
		break;
	default:
		out->t = CKV_OTHER;
	}
}

static void add_error(struct json_object *errors, const char *field, const char *message)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
}

/* The visit (visible to the caller) and its run: HTTP_GO, HTTP_REPLIED (404) or a db status. */
static int load_run(struct http_req *r, struct db *db, struct visit_row *v, int64_t *run_id)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return HTTP_REPLIED;
	struct viewer vw;
	viewer_of(r, &vw);
	int rc = http_found(r, pg_visit_facts(db, r->a, id, &vw, v), "visit");
	if (rc <= 0)
		return rc;
	if ((rc = pg_checklist_run_ensure(db, r->a, id, run_id)) < 0)
		return rc;
	if (!*run_id) {
		reply_problem(r, ERR_NOT_FOUND, "this device's kind has no checklist");
		return HTTP_REPLIED;
	}
	return HTTP_GO;
}

int h_visit_checklist_get(struct http_req *r, struct db *db)
{
	struct visit_row v;
	int64_t run;
	int rc = load_run(r, db, &v, &run);
	if (rc <= 0)
		return rc;
	const char *doc;
	if ((rc = pg_checklist_doc(db, r->a, run, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	reply_doc(r, 200, doc);
	return 0;
}

int h_visit_checklist_put(struct http_req *r, struct db *db)
{
	struct json_object *answers = NULL;
	bool complete = false;
	struct jtimestamp at = {
	    0, NULL}; /* when the engineer pressed save (sent later from offline) */
	const struct jfield spec[] = {
	    {.name = "answers", .type = J_ARRAY, .required = true, .out = &answers},
	    {.name = "complete", .type = J_BOOL, .out = &complete},
	    {.name = "at", .type = J_TIMESTAMP, .out = &at},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	size_t n = json_object_array_length(answers);
	if (n > 200) {
		reply_invalid(r, "answers", "at most 200 answers at once");
		return 0;
	}
	struct visit_row v;
	int64_t run;
	int rc = load_run(r, db, &v, &run);
	if (rc <= 0)
		return rc;
	if (v.status == VS_CANCELLED || v.status == VS_ABSENT) {
		reply_problem(
		    r, ERR_CONFLICT,
		    arena_printf(r->a, "the visit is %s", domain_visit_status_name(v.status)));
		return 0;
	}
	struct checklist_state st;
	if ((rc = pg_checklist_state(db, r->a, run, &st)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	/* the answers' and the completion's time: "at" within bounds, or now (NULL) */
	const char *at_stored = NULL;
	if (at.text) {
		time_t t = at.t, now = time(NULL);
		const char *why = domain_checklist_at((long)t, (long)now, (long)st.since);
		if (why) {
			reply_invalid(r, "at", why);
			return 0;
		}
		if (t < st.since) /* a phone's clock a little behind: not before the arrival */
			t = st.since;
		at_stored = util_rfc3339(r->a, t);
	}
	bool editing_completed = st.completed;
	if (st.completed && !domain_checklist_may_edit_completed(r->user->role)) {
		reply_problem(r, ERR_CHECKLIST_LOCKED,
			      "the checklist is complete; only a team lead or admin can change it");
		return 0;
	}
	const char *before = NULL;
	if (editing_completed && (rc = pg_checklist_doc(db, r->a, run, &before)) < 0)
		return rc;

	/* validate every answer first: nothing is saved from a request with a bad one */
	struct json_object *errors = jarr(r->a);
	const char **keys = arena_alloc(r->a, sizeof(char *) * (n ? n : 1));
	struct json_object **values = arena_alloc(r->a, sizeof(void *) * (n ? n : 1));
	const char **notes = arena_alloc(r->a, sizeof(char *) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(answers, i);
		bool has_value = false;
		const struct jfield aspec[] = {
		    {.name = "key",
		     .type = J_STRING,
		     .required = true,
		     .min = 1,
		     .max = 48,
		     .out = &keys[i]},
		    {.name = "value",
		     .type = J_ANY,
		     .required = true,
		     .nullable = true,
		     .out = &values[i],
		     .present = &has_value},
		    {.name = "note",
		     .type = J_STRING,
		     .nullable = true,
		     .max = 2000,
		     .out = &notes[i]},
		    JSPEC_END,
		};
		struct json_object *errs = jarr(r->a);
		if (!jspec_parse(r->a, e, aspec, errs)) {
			for (size_t k = 0; k < json_object_array_length(errs); k++) {
				struct json_object *f, *m, *x = json_object_array_get_idx(errs, k);
				json_object_object_get_ex(x, "field", &f);
				json_object_object_get_ex(x, "message", &m);
				add_error(errors,
					  arena_printf(r->a, "answers[%zu].%s", i,
						       json_object_get_string(f)),
					  json_object_get_string(m));
			}
			continue;
		}
		int item = -1;
		for (int k = 0; k < st.nitems; k++)
			if (!strcmp(st.items[k].key, keys[i]))
				item = k;
		if (item < 0) {
			add_error(
			    errors, arena_printf(r->a, "answers[%zu].key", i),
			    arena_printf(r->a, "\"%s\" is not an item of this checklist", keys[i]));
			continue;
		}
		struct ck_value cv;
		ck_value_of(values[i], has_value, &cv);
		/* a partial save may clear an item (null); completion checks it later.
		 * A completed run stays complete: a lead's or admin's change to it
		 * cannot clear a required item. */
		struct ck_item loose = st.items[item];
		if (!st.completed)
			loose.required = false;
		const char *why = domain_checklist_answer(&loose, &cv);
		if (why)
			add_error(errors, arena_printf(r->a, "answers.%s", keys[i]), why);
		else
			st.answers[item] =
			    values[i]
				? json_object_to_json_string_ext(values[i], JSON_C_TO_STRING_PLAIN)
				: "null";
	}
	if (json_object_array_length(errors) > 0) {
		reply_invalid_list(r, errors);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const char *val = values[i] ? jspec_dump(r->a, values[i], NULL) : "null";
		if ((rc = pg_checklist_save(db, r->a, run, keys[i], val, notes[i], r->user->id,
					    at_stored)) < 0)
			return rc;
	}

	if (complete && !st.completed) {
		/* every required item needs a valid answer: one error per item */
		struct json_object *missing = jarr(r->a);
		for (int k = 0; k < st.nitems; k++) {
			struct ck_value cv = {.t = CKV_NONE};
			struct json_object *stored = NULL;
			if (st.answers[k]) {
				const char *why_parse;
				stored = jspec_tokenize(r->a, st.answers[k], strlen(st.answers[k]),
							&why_parse);
				ck_value_of(stored,
					    stored != NULL || !strcmp(st.answers[k], "null"), &cv);
			}
			const char *why = domain_checklist_answer(&st.items[k], &cv);
			if (why)
				add_error(missing,
					  arena_printf(r->a, "answers.%s", st.items[k].key), why);
		}
		if (json_object_array_length(missing) > 0) {
			reply_rule_errors(r, err_get(ERR_CHECKLIST_INCOMPLETE)->code,
					  "every required item needs a valid answer before the "
					  "checklist is complete",
					  missing);
			r->commit_on_error = true; /* the answers given are kept */
			return 0;
		}
		if ((rc = pg_checklist_complete(db, r->a, run, r->user->id, at_stored)) < 0)
			return rc;
		if ((rc = pg_audit_at(db, r->a, v.ticket_id, v.id, r->user->id,
				      "checklist.completed", NULL, NULL, at_stored)) < 0)
			return rc;
	}
	const char *doc;
	if ((rc = pg_checklist_doc(db, r->a, run, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if (editing_completed && n > 0 &&
	    (rc = pg_audit_at(db, r->a, v.ticket_id, v.id, r->user->id, "checklist.changed", before,
			      doc, at_stored)) < 0)
		return rc;
	reply_doc(r, 200, doc);
	return 0;
}

int h_checklist_templates_list(struct http_req *r, struct db *db)
{
	const char *kind = http_query(r, "kind"), *all = http_query(r, "all");
	bool ok_kind = !kind;
	for (int i = 0; kind && domain_device_kinds[i]; i++)
		ok_kind |= !strcmp(kind, domain_device_kinds[i]);
	if (!ok_kind || (all && strcmp(all, "true") && strcmp(all, "false"))) {
		reply_problem(r, ERR_BAD_QUERY, "kind must be a device kind; all true or false");
		return 0;
	}
	struct db_rows rows;
	int rc = pg_checklist_templates(db, r->a, kind, !(all && !strcmp(all, "true")), &rows);
	if (rc < 0)
		return rc;
	reply_doc_list(r, &rows, rows.n);
	return 0;
}

int h_checklist_templates_create(struct http_req *r, struct db *db)
{
	const char *kind = NULL, *title = NULL, *title_en = NULL;
	struct json_object *items = NULL;
	const struct jfield spec[] = {
	    {.name = "kind",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_device_kinds,
	     .out = &kind},
	    {.name = "title",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 200,
	     .out = &title},
	    {.name = "title_en",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 1,
	     .max = 200,
	     .out = &title_en},
	    {.name = "items", .type = J_ARRAY, .required = true, .out = &items},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	size_t n = json_object_array_length(items);
	if (n < 1 || n > 100) {
		reply_invalid(r, "items", "a template has 1 to 100 items");
		return 0;
	}
	struct json_object *errors = jarr(r->a);
	const char **keys = arena_alloc(r->a, sizeof(char *) * n);
	for (size_t i = 0; i < n; i++) {
		struct ck_item it = {0};
		const char *label = NULL, *label_en = NULL, *unit = NULL;
		double mn = 0, mx = 0;
		bool required = true;
		struct jstrv options = {0, NULL};
		const struct jfield ispec[] = {
		    {.name = "key",
		     .type = J_STRING,
		     .required = true,
		     .min = 1,
		     .max = 48,
		     .out = &it.key},
		    {.name = "label",
		     .type = J_STRING,
		     .required = true,
		     .min = 1,
		     .max = 200,
		     .out = &label},
		    {.name = "label_en",
		     .type = J_STRING,
		     .nullable = true,
		     .min = 1,
		     .max = 200,
		     .out = &label_en},
		    {.name = "type",
		     .type = J_ENUM,
		     .required = true,
		     .enums = domain_checklist_types,
		     .out = &it.type},
		    {.name = "required", .type = J_BOOL, .out = &required},
		    {.name = "min",
		     .type = J_NUMBER,
		     .nullable = true,
		     .out = &mn,
		     .present = &it.has_min},
		    {.name = "max",
		     .type = J_NUMBER,
		     .nullable = true,
		     .out = &mx,
		     .present = &it.has_max},
		    {.name = "unit",
		     .type = J_STRING,
		     .nullable = true,
		     .min = 1,
		     .max = 20,
		     .out = &unit},
		    {.name = "options",
		     .type = J_STRING_ARRAY,
		     .min = 1,
		     .max = 100,
		     .out = &options},
		    JSPEC_END,
		};
		struct json_object *errs = jarr(r->a);
		bool ok = jspec_parse(r->a, json_object_array_get_idx(items, i), ispec, errs);
		for (size_t k = 0; k < json_object_array_length(errs); k++) {
			struct json_object *f, *m, *x = json_object_array_get_idx(errs, k);
			json_object_object_get_ex(x, "field", &f);
			json_object_object_get_ex(x, "message", &m);
			add_error(errors,
				  arena_printf(r->a, "items[%zu].%s", i, json_object_get_string(f)),
				  json_object_get_string(m));
		}
		if (!ok)
			continue;
		it.min = mn;
		it.max = mx;
		it.options = options.v;
		it.noptions = options.n;
		const char *field = NULL, *why = domain_checklist_item_field(&it, &field);
		if (!why && unit && strcmp(it.type, "number"))
			why = "unit belongs to number items", field = "unit";
		for (size_t k = 0; !why && k < i; k++)
			if (keys[k] && !strcmp(keys[k], it.key))
				why = "key appears twice", field = "key";
		if (why)
			add_error(errors, arena_printf(r->a, "items[%zu].%s", i, field), why);
		keys[i] = it.key;
	}
	if (json_object_array_length(errors) > 0) {
		reply_invalid_list(r, errors);
		return 0;
	}
	int64_t id;
	int rc = pg_checklist_template_insert(db, r->a, kind, title, title_en ? title_en : title,
					      jspec_dump(r->a, items, NULL), r->user->id, &id);
	if (rc < 0 && db_err_unique(db))
		return DB_SOFT; /* another version was written at the same moment: go again */
	if (rc < 0)
		return rc;
	const char *doc;
	if ((rc = pg_checklist_template_doc(db, r->a, id, &doc)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = pg_audit(db, r->a, 0, 0, r->user->id, "checklist_template.created", NULL, doc)) <
	    0)
		return rc;
	reply_doc(r, 201, doc);
	return 0;
}
