/* Devices, with their fault history, and the fault codes they report (catalog.c). */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

DB_STMT(q_device_insert,
	"INSERT INTO devices (asset_tag, kind, model, serial, customer_id, building, floor, room)"
	" VALUES ($1, $2, $3, $4, $5::bigint, $6, $7, $8) RETURNING id");

int pg_device_insert(struct db *db, struct arena *a, const struct device_fields *f, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_device_insert, &rows,
			 DB_ARGS(f->asset_tag, f->kind, f->model, f->serial,
				 db_param_int(a, f->customer_id), f->building, f->floor, f->room));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

/* R2: the engineer sees the device's fault history. */
DB_STMT(q_device_doc,
	"SELECT (device_doc(d) || jsonb_build_object("
	"  'customer', (SELECT jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone,"
	"     'department', c.department) FROM customers c WHERE c.id = d.customer_id),"
	"  'fault_history', coalesce((SELECT jsonb_agg(jsonb_build_object("
	"     'ticket_id', t.id, 'number', t.number, 'fault_code', t.fault_code,"
	"     'symptom', t.symptom, 'status', t.status, 'repeat_count', t.repeat_count,"
	"     'created_at', api_time(t.created_at), 'resolved_at', api_time(t.resolved_at),"
	"     'resolution', (SELECT v.resolution FROM visits v WHERE v.ticket_id = t.id"
	"        AND v.status = 'completed' ORDER BY v.completed_at DESC LIMIT 1))"
	"     ORDER BY t.created_at DESC) FROM tickets t WHERE t.device_id = d.id), '[]')))::text"
	"  AS doc"
	" FROM devices d WHERE d.id = $1::bigint AND ($3 IN ('admin', 'dispatcher') OR EXISTS ("
	"  SELECT 1 FROM tickets t WHERE t.device_id = d.id"
	"  AND ticket_visible(t.id, $2::bigint, $3, $4::bigint)))");

int pg_device_doc(struct db *db, struct arena *a, int64_t id, const struct viewer *v,
		  const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_device_doc, &rows,
			 DB_ARGS(db_param_int(a, id), db_param_int(a, v->id), v->role,
				 db_param_id(a, v->team_id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_device_list,
	"SELECT d.id, device_doc(d)::text AS doc FROM devices d"
	" WHERE d.id > $1::bigint AND ($3::bigint IS NULL OR d.customer_id = $3::bigint)"
	" AND ($4::text IS NULL OR d.asset_tag = $4)"
	/* the desk's search as one types: part of the asset tag or serial, any case */
	" AND ($5::text IS NULL OR strpos(upper(d.asset_tag), upper($5)) > 0"
	"   OR strpos(upper(coalesce(d.serial, '')), upper($5)) > 0)"
	" ORDER BY d.id LIMIT $2::int");

int pg_device_list(struct db *db, struct arena *a, int64_t customer_id, const char *asset_tag,
		   const char *q, int64_t after, int limit, struct db_rows *rows)
{
	return db_exec(db, a, &q_device_list, rows,
		       DB_ARGS(db_param_int(a, after), db_param_int(a, limit),
			       db_param_id(a, customer_id), asset_tag, q));
}

DB_STMT(q_fault_codes, "SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object("
		       "'code', code, 'name', name_ko, 'name_en', name_en) ORDER BY code), '[]'),"
		       " 'next_cursor', null)::text AS doc FROM fault_codes");

int pg_fault_codes(struct db *db, struct arena *a, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_fault_codes, &rows, 0, NULL);
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}
