/* Customers: the people fieldd serves (catalog.c). */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

DB_STMT(q_customer_insert,
	"INSERT INTO customers (name, organisation, department, division, title, rank, phone,"
	" email, preferred_channel, vip)"
	" VALUES ($1, $2, $3, $4, $5, coalesce($6, 'staff'), $7, $8, coalesce($9, 'sms'),"
	" coalesce($10::boolean, false)) RETURNING id");

static const char *flag(bool b)
{
	return b ? "true" : "false";
}

int pg_customer_insert(struct db *db, struct arena *a, const struct customer_fields *f, int64_t *id)
{
	struct db_rows rows;
	const char *const *t = f->text;
	int rc = db_exec(db, a, &q_customer_insert, &rows,
			 DB_ARGS(t[CC_NAME], t[CC_ORGANISATION], t[CC_DEPARTMENT], t[CC_DIVISION],
				 t[CC_TITLE], t[CC_RANK], t[CC_PHONE], t[CC_EMAIL],
				 t[CC_PREFERRED_CHANNEL], f->given[CC_VIP] ? flag(f->vip) : NULL));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

/* $2..$11: was each column given; $12..$21: its new value */
DB_STMT(q_customer_update,
	"UPDATE customers SET"
	" name = CASE WHEN $2::boolean THEN $12 ELSE name END,"
	" organisation = CASE WHEN $3::boolean THEN $13 ELSE organisation END,"
	" department = CASE WHEN $4::boolean THEN $14 ELSE department END,"
	" division = CASE WHEN $5::boolean THEN $15 ELSE division END,"
	" title = CASE WHEN $6::boolean THEN $16 ELSE title END,"
	" rank = CASE WHEN $7::boolean THEN $17 ELSE rank END,"
	" phone = CASE WHEN $8::boolean THEN $18 ELSE phone END,"
	" email = CASE WHEN $9::boolean THEN $19 ELSE email END,"
	" preferred_channel = CASE WHEN $10::boolean THEN $20 ELSE preferred_channel END,"
	" vip = CASE WHEN $11::boolean THEN $21::boolean ELSE vip END,"
	" updated_at = now() WHERE id = $1::bigint");

int pg_customer_update(struct db *db, struct arena *a, int64_t id, const struct customer_fields *f)
{
	const char *const *t = f->text;
	const bool *g = f->given;
	return db_exec(db, a, &q_customer_update, NULL,
		       DB_ARGS(db_param_int(a, id), flag(g[CC_NAME]), flag(g[CC_ORGANISATION]),
			       flag(g[CC_DEPARTMENT]), flag(g[CC_DIVISION]), flag(g[CC_TITLE]),
			       flag(g[CC_RANK]), flag(g[CC_PHONE]), flag(g[CC_EMAIL]),
			       flag(g[CC_PREFERRED_CHANNEL]), flag(g[CC_VIP]), t[CC_NAME],
			       t[CC_ORGANISATION], t[CC_DEPARTMENT], t[CC_DIVISION], t[CC_TITLE],
			       t[CC_RANK], t[CC_PHONE], t[CC_EMAIL], t[CC_PREFERRED_CHANNEL],
			       flag(f->vip)));
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
