/* Customers: the people fieldd serves (catalog.c). */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

DB_STMT(q_customer_insert,
	"INSERT INTO customers (name, organisation, department, division, title, rank, phone,"
	" email, preferred_channel, vip)"
	" SELECT j->>'name', j->>'organisation', j->>'department', j->>'division', j->>'title',"
	" coalesce(j->>'rank', 'staff'), j->>'phone', j->>'email',"
	" coalesce(j->>'preferred_channel', 'sms'), coalesce((j->>'vip')::boolean, false)"
	" FROM (SELECT $1::jsonb AS j) x RETURNING id");

int pg_customer_insert(struct db *db, struct arena *a, const char *json, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_customer_insert, &rows, DB_ARGS(json));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

/* A member present in the patch replaces the column, null included. */
#define PATCH_COL(col) #col " = CASE WHEN j ? '" #col "' THEN j->>'" #col "' ELSE " #col " END"
DB_STMT(
    q_customer_update,
    "UPDATE customers SET " PATCH_COL(name) ", " PATCH_COL(organisation) ", " PATCH_COL(department) ", " PATCH_COL(division) ", " PATCH_COL(title) ", " PATCH_COL(
	rank) ", " PATCH_COL(phone) ", " PATCH_COL(email) ", " PATCH_COL(preferred_channel) ","
											    " vip "
											    "= "
											    "CASE "
											    "WHEN "
											    "j ? "
											    "'vip' "
											    "THEN "
											    "(j->>'"
											    "vip'):"
											    ":boole"
											    "an "
											    "ELSE "
											    "vip "
											    "END,"
											    " updat"
											    "ed_at "
											    "= "
											    "now()"
											    " FROM "
											    "(SELEC"
											    "T "
											    "$2::"
											    "jsonb "
											    "AS j) "
											    "x "
											    "WHERE "
											    "id = "
											    "$1::"
											    "bigin"
											    "t");

int pg_customer_update(struct db *db, struct arena *a, int64_t id, const char *json)
{
	return db_exec(db, a, &q_customer_update, NULL, DB_ARGS(db_param_int(a, id), json));
}

DB_STMT(q_customer_doc,
	"SELECT customer_doc(c)::text AS doc FROM customers c WHERE c.id = $1::bigint");

int pg_customer_doc(struct db *db, struct arena *a, int64_t id, const char **doc)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_customer_doc, &rows, DB_ARGS(db_param_int(a, id)));
	if (rc > 0)
		*doc = db_val(&rows, 0, "doc");
	return rc;
}

DB_STMT(q_customer_list,
	"SELECT c.id, customer_doc(c)::text AS doc FROM customers c"
	" WHERE c.id > $1::bigint AND ($3::text IS NULL OR c.name LIKE '%' || $3 || '%'"
	"   OR c.phone LIKE '%' || $3 || '%' OR c.department LIKE '%' || $3 || '%')"
	" ORDER BY c.id LIMIT $2::int");

int pg_customer_list(struct db *db, struct arena *a, const char *q, int64_t after, int limit,
		     struct db_rows *rows)
{
	return db_exec(db, a, &q_customer_list, rows,
		       DB_ARGS(db_param_int(a, after), db_param_int(a, limit), q));
}
