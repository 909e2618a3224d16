/* Checklist templates, runs and answers (R9). */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/pg.h"

#include <stdlib.h>
#include <string.h>

DB_STMT(q_run_ensure,
	"WITH tpl AS (SELECT t.id FROM visits v JOIN tickets k ON k.id = v.ticket_id"
	"   JOIN devices d ON d.id = k.device_id JOIN checklist_templates t ON t.kind = d.kind"
	"   WHERE v.id = $1::bigint ORDER BY t.version DESC LIMIT 1),"
	" ins AS (INSERT INTO checklist_runs (visit_id, template_id) SELECT $1::bigint, tpl.id"
	"   FROM tpl ON CONFLICT (visit_id) DO NOTHING RETURNING id)"
	" SELECT id FROM ins UNION ALL"
	" SELECT id FROM checklist_runs WHERE visit_id = $1::bigint");

int pg_checklist_run_ensure(struct db *db, struct arena *a, int64_t visit_id, int64_t *run_id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_run_ensure, &rows, DB_ARGS(db_param_int(a, visit_id)));
	*run_id = rc > 0 ? db_int(&rows, 0, "id") : 0;
	return rc;
}

DB_STMT(q_run_state,
	"SELECT r.template_id, r.completed_at IS NOT NULL AS completed, i.key, i.type, i.required,"
	" i.min, i.max, array_to_string(i.options, chr(31)) AS options, a.value::text AS answer,"
	" extract(epoch FROM coalesce(v.arrived_at, v.created_at))::bigint AS since"
	" FROM checklist_runs r JOIN visits v ON v.id = r.visit_id"
	" JOIN checklist_items i ON i.template_id = r.template_id"
	" LEFT JOIN checklist_answers a ON a.run_id = r.id AND a.key = i.key"
	" WHERE r.id = $1::bigint ORDER BY i.position FOR UPDATE OF r");

int pg_checklist_state(struct db *db, struct arena *a, int64_t run_id, struct checklist_state *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_run_state, &rows, DB_ARGS(db_param_int(a, run_id)));
	if (rc <= 0)
		return rc;
	out->run_id = run_id;
	out->template_id = db_int(&rows, 0, "template_id");
	out->completed = db_bool(&rows, 0, "completed");
	out->since = (time_t)db_int(&rows, 0, "since");
	out->nitems = rows.n;
	out->items = arena_alloc(a, sizeof(struct ck_item) * (size_t)rows.n);
	out->answers = arena_alloc(a, sizeof(char *) * (size_t)rows.n);
	for (int i = 0; i < rows.n; i++) {
		struct ck_item *it = &out->items[i];
		it->key = db_val(&rows, i, "key");
		it->type = db_val(&rows, i, "type");
		it->required = db_bool(&rows, i, "required");
		const char *mn = db_val(&rows, i, "min"), *mx = db_val(&rows, i, "max");
		it->has_min = mn != NULL;
		it->has_max = mx != NULL;
		it->min = mn ? strtod(mn, NULL) : 0;
		it->max = mx ? strtod(mx, NULL) : 0;
		const char *opts = db_val(&rows, i, "options");
		if (opts && *opts) {
			int n = 1;
			for (const char *p = opts; *p; p++)
				n += *p == 31;
			const char **v = arena_alloc(a, sizeof(char *) * (size_t)n);
			char *copy = arena_strdup(a, opts), *p = copy;
			for (int k = 0; k < n; k++) {
				v[k] = p;
				char *sep = strchr(p, 31);
				if (sep)
					*sep = '\0', p = sep + 1;
			}
			it->options = v;
			it->noptions = n;
		}
		out->answers[i] = db_val(&rows, i, "answer");
	}
	return rc;
}

/* at: when the answer was given (the body's "at"), NULL for now(); received_at is now() */
DB_STMT(q_answer_save,
	"INSERT INTO checklist_answers (run_id, key, value, note, answered_by, answered_at,"
	" received_at) VALUES ($1::bigint, $2, $3::jsonb, $4, $5::bigint,"
	" coalesce($6::timestamptz, now()), now())"
	" ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value, note = EXCLUDED.note,"
	" answered_by = EXCLUDED.answered_by, answered_at = EXCLUDED.answered_at,"
	" received_at = EXCLUDED.received_at");

int pg_checklist_save(struct db *db, struct arena *a, int64_t run_id, const char *key,
		      const char *value_json, const char *note, int64_t by, const char *at)
{
	return db_exec(
	    db, a, &q_answer_save, NULL,
	    DB_ARGS(db_param_int(a, run_id), key, value_json, note, db_param_int(a, by), at));
}

DB_STMT(q_run_complete, "UPDATE checklist_runs SET completed_at = coalesce($3::timestamptz, now()),"
			" completed_received_at = now(), completed_by = $2::bigint"
			" WHERE id = $1::bigint AND completed_at IS NULL");

int pg_checklist_complete(struct db *db, struct arena *a, int64_t run_id, int64_t by,
			  const char *at)
{
	return db_exec(db, a, &q_run_complete, NULL,
		       DB_ARGS(db_param_int(a, run_id), db_param_int(a, by), at));
}

DB_STMT(q_run_doc, "SELECT checklist_doc(r)::text AS doc FROM checklist_runs r"
		   " WHERE r.id = $1::bigint");

int pg_checklist_doc(struct db *db, struct arena *a, int64_t run_id, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_run_doc, &rows, DB_ARGS(db_param_int(a, run_id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_gate,
	"SELECT EXISTS (SELECT 1 FROM checklist_templates t WHERE t.kind = d.kind) AS required,"
	" EXISTS (SELECT 1 FROM checklist_runs r WHERE r.visit_id = v.id"
	"   AND r.completed_at IS NOT NULL) AS complete"
	" FROM visits v JOIN tickets k ON k.id = v.ticket_id JOIN devices d ON d.id = k.device_id"
	" WHERE v.id = $1::bigint");

int pg_checklist_gate(struct db *db, struct arena *a, int64_t visit_id, bool *required,
		      bool *complete)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_gate, &rows, DB_ARGS(db_param_int(a, visit_id)));
	*required = rc > 0 && db_bool(&rows, 0, "required");
	*complete = rc > 0 && db_bool(&rows, 0, "complete");
	return rc;
}

#define TEMPLATE_DOC                                                                               \
	"jsonb_build_object('id', t.id, 'kind', t.kind, 'version', t.version,"                     \
	" 'title', t.title_ko, 'title_en', t.title_en, 'created_at', api_time(t.created_at),"      \
	" 'items', coalesce((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object("               \
	"   'key', i.key, 'label', i.label_ko, 'label_en', i.label_en, 'type', i.type,"            \
	"   'required', i.required, 'min', i.min, 'max', i.max, 'unit', i.unit,"                   \
	"   'options', to_jsonb(i.options))) ORDER BY i.position)"                                 \
	"   FROM checklist_items i WHERE i.template_id = t.id), '[]'))::text"

DB_STMT(q_templates,
	"SELECT t.id, " TEMPLATE_DOC " AS doc FROM checklist_templates t"
	" WHERE ($1::text IS NULL OR t.kind = $1)"
	" AND (NOT $2::bool OR t.version = (SELECT max(version) FROM checklist_templates x"
	"   WHERE x.kind = t.kind)) ORDER BY t.kind, t.version");

int pg_checklist_templates(struct db *db, struct arena *a, const char *kind, bool latest_only,
			   struct db_rows *rows)
{
	return db_exec(db, a, &q_templates, rows, DB_ARGS(kind, latest_only ? "true" : "false"));
}

DB_STMT(q_template_doc, "SELECT " TEMPLATE_DOC " AS doc FROM checklist_templates t"
			" WHERE t.id = $1::bigint");

int pg_checklist_template_doc(struct db *db, struct arena *a, int64_t id, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_template_doc, &rows, DB_ARGS(db_param_int(a, id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

/* The kind's rows are locked first so two admins get versions n+1 and n+2. */
DB_STMT(
    q_template_insert,
    "WITH lock AS (SELECT pg_advisory_xact_lock(1002, hashtext($1))),"
    " t AS (INSERT INTO checklist_templates (kind, version, title_ko, title_en, created_by)"
    "   SELECT $1, coalesce((SELECT max(version) FROM checklist_templates WHERE kind = $1), 0)"
    "   + 1, $2, $3, $5::bigint FROM lock RETURNING id),"
    " items AS (INSERT INTO checklist_items (template_id, position, key, label_ko, label_en,"
    "   type, required, min, max, unit, options)"
    "   SELECT t.id, e.ord, e.j->>'key', e.j->>'label', coalesce(e.j->>'label_en', e.j->>'label'),"
    "   e.j->>'type', coalesce((e.j->>'required')::boolean, true),"
    "   (e.j->>'min')::double precision, (e.j->>'max')::double precision, e.j->>'unit',"
    "   CASE WHEN e.j ? 'options' THEN ARRAY(SELECT jsonb_array_elements_text(e.j->'options'))"
    "   END FROM t, jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(j, ord))"
    " SELECT id FROM t");

int pg_checklist_template_insert(struct db *db, struct arena *a, const char *kind,
				 const char *title, const char *title_en, const char *items_json,
				 int64_t by, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_template_insert, &rows,
			 DB_ARGS(kind, title, title_en, items_json, db_param_int(a, by)));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}
