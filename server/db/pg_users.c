/* Users and teams. */
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/pg.h"

#include <stdio.h>
#include <string.h>

void pg_user_from_rows(struct arena *a, const struct db_rows *rows, int i, struct user_row *u)
{
	memset(u, 0, sizeof *u);
	u->id = db_int(rows, i, "id");
	u->login = db_val(rows, i, "login");
	u->name = db_val(rows, i, "name");
	u->role = db_val(rows, i, "role");
	u->phone = db_val(rows, i, "phone");
	u->email = db_val(rows, i, "email");
	u->team_id = db_int(rows, i, "team_id");
	u->skills = db_val(rows, i, "skills");
	u->active = db_bool(rows, i, "active");
	u->created_at = db_time(a, rows, i, "created_at");
	u->updated_at = db_time(a, rows, i, "updated_at");
}

DB_STMT(q_user_insert,
	"INSERT INTO users (login, name, role, password_hash, phone, email, team_id, skills)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7::bigint,"
	"         coalesce(string_to_array(nullif($8, ''), ','), '{}'))"
	" RETURNING id");

int pg_user_insert(struct db *db, struct arena *a, const struct user_new *u, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_user_insert, &rows,
			 DB_ARGS(u->login, u->name, u->role, u->password_hash, u->phone, u->email,
				 db_param_id(a, u->team_id), u->skills ? u->skills : ""));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

DB_STMT(q_user_get, "SELECT " PG_USER_COLS " FROM users u WHERE u.id = $1::bigint");

int pg_user_get(struct db *db, struct arena *a, int64_t id, struct user_row *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_user_get, &rows, DB_ARGS(db_param_id(a, id)));
	if (rc > 0)
		pg_user_from_rows(a, &rows, 0, out);
	return rc;
}

DB_STMT(q_user_by_login,
	"SELECT " PG_USER_COLS ", u.password_hash FROM users u WHERE u.login = $1");

int pg_user_by_login(struct db *db, struct arena *a, const char *login, struct user_row *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_user_by_login, &rows, DB_ARGS(login));
	if (rc > 0) {
		pg_user_from_rows(a, &rows, 0, out);
		out->password_hash = db_val(&rows, 0, "password_hash");
	}
	return rc;
}

DB_STMT(q_user_list, "SELECT " PG_USER_COLS " FROM users u WHERE u.id > $1::bigint"
		     " ORDER BY u.id LIMIT $2::int");

int pg_user_list(struct db *db, struct arena *a, int64_t after, int limit, struct user_row **out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_user_list, &rows,
			 DB_ARGS(db_param_int(a, after), db_param_int(a, limit)));
	if (rc < 0)
		return rc;
	*out = arena_alloc(a, sizeof(struct user_row) * (size_t)(rows.n ? rows.n : 1));
	for (int i = 0; i < rows.n; i++)
		pg_user_from_rows(a, &rows, i, &(*out)[i]);
	return rc;
}

/* NULL parameters keep the column; $9/$10 say whether phone/email become NULL. */
DB_STMT(q_user_update, "UPDATE users SET"
		       " name = coalesce($2, name), role = coalesce($3, role),"
		       " phone = CASE WHEN $9::bool THEN NULL ELSE coalesce($4, phone) END,"
		       " email = CASE WHEN $10::bool THEN NULL ELSE coalesce($5, email) END,"
		       " skills = CASE WHEN $6::text IS NULL THEN skills"
		       "          ELSE coalesce(string_to_array(nullif($6, ''), ','), '{}') END,"
		       " password_hash = coalesce($7, password_hash),"
		       " team_id = CASE WHEN $8::bigint IS NULL THEN team_id"
		       "           WHEN $8::bigint = 0 THEN NULL ELSE $8::bigint END,"
		       " active = coalesce($11::bool, active),"
		       " updated_at = now()"
		       " WHERE id = $1::bigint");

int pg_user_update(struct db *db, struct arena *a, int64_t id, const struct user_patch *p)
{
	const char *team = p->team_id < 0 ? NULL : db_param_int(a, p->team_id);
	const char *active = p->active < 0 ? NULL : p->active ? "true" : "false";
	return db_exec(db, a, &q_user_update, NULL,
		       DB_ARGS(db_param_id(a, id), p->name, p->role, p->phone, p->email, p->skills,
			       p->password_hash, team, p->phone_null ? "true" : "false",
			       p->email_null ? "true" : "false", active));
}

DB_STMT(q_user_count, "SELECT count(*) AS n FROM users WHERE role = $1 AND active");

int pg_user_count(struct db *db, struct arena *a, const char *role, int64_t *n)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_user_count, &rows, DB_ARGS(role));
	if (rc > 0)
		*n = db_int(&rows, 0, "n");
	return rc;
}

DB_STMT(q_user_sessions_end, "DELETE FROM sessions WHERE user_id = $1::bigint");

int pg_user_sessions_end(struct db *db, struct arena *a, int64_t id)
{
	return db_exec(db, a, &q_user_sessions_end, NULL, DB_ARGS(db_param_id(a, id)));
}

/* ---- teams ---- */

#define TEAM_COLS                                                                                  \
	"t.id, t.name, t.lead_id, l.name AS lead_name, t.created_at,"                              \
	" (SELECT string_agg(m.id::text, ',' ORDER BY m.id) FROM users m"                          \
	"   WHERE m.team_id = t.id) AS member_ids"

static void team_from_rows(struct arena *a, const struct db_rows *rows, int i, struct team_row *t)
{
	t->id = db_int(rows, i, "id");
	t->name = db_val(rows, i, "name");
	t->lead_id = db_int(rows, i, "lead_id");
	t->lead_name = db_val(rows, i, "lead_name");
	t->created_at = db_time(a, rows, i, "created_at");
	t->member_ids = db_val(rows, i, "member_ids");
}

DB_STMT(q_team_insert, "INSERT INTO teams (name, lead_id) VALUES ($1, $2::bigint) RETURNING id");

int pg_team_insert(struct db *db, struct arena *a, const char *name, int64_t lead_id, int64_t *id)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_team_insert, &rows, DB_ARGS(name, db_param_id(a, lead_id)));
	if (rc > 0)
		*id = db_int(&rows, 0, "id");
	return rc;
}

DB_STMT(q_team_list, "SELECT " TEAM_COLS " FROM teams t LEFT JOIN users l ON l.id = t.lead_id"
		     " WHERE t.id > $1::bigint ORDER BY t.id LIMIT $2::int");

int pg_team_list(struct db *db, struct arena *a, int64_t after, int limit, struct team_row **out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_team_list, &rows,
			 DB_ARGS(db_param_int(a, after), db_param_int(a, limit)));
	if (rc < 0)
		return rc;
	*out = arena_alloc(a, sizeof(struct team_row) * (size_t)(rows.n ? rows.n : 1));
	for (int i = 0; i < rows.n; i++)
		team_from_rows(a, &rows, i, &(*out)[i]);
	return rc;
}

DB_STMT(q_team_get, "SELECT " TEAM_COLS " FROM teams t LEFT JOIN users l ON l.id = t.lead_id"
		    " WHERE t.id = $1::bigint");

int pg_team_get(struct db *db, struct arena *a, int64_t id, struct team_row *out)
{
	struct db_rows rows;
	int rc = db_exec(db, a, &q_team_get, &rows, DB_ARGS(db_param_id(a, id)));
	if (rc > 0)
		team_from_rows(a, &rows, 0, out);
	return rc;
}
