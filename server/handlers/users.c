/* Accounts: list, create, read, change. Writes are admin-only (route table). */
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <string.h>

struct json_object *user_json(const struct user_row *u)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", jint(u->id));
	json_object_object_add(o, "login", jstr(u->login));
	json_object_object_add(o, "name", jstr(u->name));
	json_object_object_add(o, "role", jstr(u->role));
	json_object_object_add(o, "phone", jstr(u->phone));
	json_object_object_add(o, "email", jstr(u->email));
	json_object_object_add(o, "team_id", u->team_id ? jint(u->team_id) : NULL);
	struct json_object *skills = json_object_new_array();
	if (u->skills && *u->skills) {
		const char *p = u->skills;
		while (*p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			json_object_array_add(skills, json_object_new_string_len(p, (int)n));
			p += n + (c ? 1 : 0);
		}
	}
	json_object_object_add(o, "skills", skills);
	json_object_object_add(o, "active", jbool(u->active));
	json_object_object_add(o, "created_at", jstr(u->created_at));
	json_object_object_add(o, "updated_at", jstr(u->updated_at));
	return o;
}

/* An account change in the audit trail: the user as the API shows them before and after
 * (never a password or its hash); a new password is recorded as the fact alone. */
static int audit_user(struct http_req *r, struct db *db, const char *action,
		      const struct user_row *before, const struct user_row *after, bool password)
{
	struct json_object *now = jspec_adopt(r->a, user_json(after));
	if (password)
		json_object_object_add(now, "password_changed", jbool(true));
	const char *was =
	    before ? jspec_dump(r->a, jspec_adopt(r->a, user_json(before)), NULL) : NULL;
	return pg_audit(db, r->a, 0, 0, r->user->id, action, was, jspec_dump(r->a, now, NULL));
}

static const char *join(struct arena *a, const struct jstrv *v)
{
	struct abuf b;
	abuf_init(&b, a);
	for (int i = 0; i < v->n; i++)
		abuf_addf(&b, "%s%s", i ? "," : "", v->v[i]);
	return b.buf;
}

int h_users_list(struct http_req *r, struct db *db)
{
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	struct user_row *rows;
	int rc = pg_user_list(db, r->a, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	const char **docs = arena_alloc(r->a, sizeof(char *) * (size_t)(rc ? rc : 1));
	const char **ids = arena_alloc(r->a, sizeof(char *) * (size_t)(rc ? rc : 1));
	for (int i = 0; i < rc; i++) {
		docs[i] = jspec_dump(r->a, jspec_adopt(r->a, user_json(&rows[i])), NULL);
		ids[i] = arena_printf(r->a, "%lld", (long long)rows[i].id);
	}
	reply_list(r, docs, ids, rc, limit);
	return 0;
}

/* 422 naming team_id when the team does not exist. */
static int check_team(struct http_req *r, struct db *db, int64_t team_id, bool *ok)
{
	*ok = true;
	if (team_id <= 0)
		return 0;
	struct team_row t;
	int rc = pg_team_get(db, r->a, team_id, &t);
	if (rc == 0) {
		reply_invalid(r, "team_id", "no such team");
		*ok = false;
	}
	return rc < 0 ? rc : 0;
}

int h_users_create(struct http_req *r, struct db *db)
{
	struct user_new u = {0};
	const char *password = NULL;
	struct jstrv skills = {0, NULL};
	const struct jfield spec[] = {
	    {.name = "login",
	     .type = J_STRING,
	     .required = true,
	     .min = 2,
	     .max = 64,
	     .out = &u.login},
	    {.name = "name",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 100,
	     .out = &u.name},
	    {.name = "role",
	     .type = J_ENUM,
	     .required = true,
	     .enums = domain_roles,
	     .out = &u.role},
	    {.name = "password",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 1024,
	     .out = &password},
	    {.name = "phone",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 1,
	     .max = 32,
	     .out = &u.phone},
	    {.name = "email",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 3,
	     .max = 254,
	     .out = &u.email},
	    {.name = "team_id", .type = J_ID, .nullable = true, .out = &u.team_id},
	    {.name = "skills", .type = J_ENUM_ARRAY, .enums = domain_device_kinds, .out = &skills},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	const char *why = domain_check_login(u.login);
	if (why) {
		reply_invalid(r, "login", why);
		return 0;
	}
	if ((why = domain_check_password(password))) {
		reply_invalid(r, "password", why);
		return 0;
	}
	bool ok;
	int rc = check_team(r, db, u.team_id, &ok);
	if (rc < 0 || !ok)
		return rc;
	u.skills = join(r->a, &skills);
	u.password_hash = util_password_hash(r->a, password);
	if (!u.password_hash)
		return DB_HARD;
	int64_t id;
	rc = pg_user_insert(db, r->a, &u, &id);
	if (rc < 0 && db_err_unique(db)) {
		reply_problem(r, ERR_DUPLICATE, "this login is already taken");
		return 0;
	}
	if (rc < 0)
		return rc;
	struct user_row row;
	if ((rc = pg_user_get(db, r->a, id, &row)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = audit_user(r, db, "user.created", NULL, &row, false)) < 0)
		return rc;
	reply_json(r, 201, user_json(&row));
	reply_add_header(r, "Location", arena_printf(r->a, "/api/v1/users/%lld", (long long)id));
	return 0;
}

int h_users_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct user_row row;
	int rc = http_found(r, pg_user_get(db, r->a, id, &row), "user");
	if (rc <= 0)
		return rc;
	reply_json(r, 200, user_json(&row));
	return 0;
}

int h_users_patch(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct user_patch p = {.team_id = -1, .active = -1};
	const char *password = NULL;
	struct jstrv skills = {0, NULL};
	bool has_phone, has_email, has_team, has_skills, active = true, has_active;
	int64_t team_id = 0;
	const struct jfield spec[] = {
	    {.name = "name", .type = J_STRING, .min = 1, .max = 100, .out = &p.name},
	    {.name = "role", .type = J_ENUM, .enums = domain_roles, .out = &p.role},
	    {.name = "password", .type = J_STRING, .min = 1, .max = 1024, .out = &password},
	    {.name = "phone",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 1,
	     .max = 32,
	     .out = &p.phone,
	     .present = &has_phone},
	    {.name = "email",
	     .type = J_STRING,
	     .nullable = true,
	     .min = 3,
	     .max = 254,
	     .out = &p.email,
	     .present = &has_email},
	    {.name = "team_id",
	     .type = J_ID,
	     .nullable = true,
	     .out = &team_id,
	     .present = &has_team},
	    {.name = "skills",
	     .type = J_ENUM_ARRAY,
	     .enums = domain_device_kinds,
	     .out = &skills,
	     .present = &has_skills},
	    {.name = "active", .type = J_BOOL, .out = &active, .present = &has_active},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	const char *why;
	if (password && (why = domain_check_password(password))) {
		reply_invalid(r, "password", why);
		return 0;
	}
	struct user_row before;
	int rc = http_found(r, pg_user_get(db, r->a, id, &before), "user");
	if (rc <= 0)
		return rc;
	bool ok;
	if (has_team && (rc = check_team(r, db, team_id, &ok)) < 0)
		return rc;
	if (has_team && !ok)
		return 0;
	p.phone_null = has_phone && !p.phone;
	p.email_null = has_email && !p.email;
	if (has_team)
		p.team_id = team_id; /* 0 (null) clears it */
	if (has_skills)
		p.skills = join(r->a, &skills);
	if (has_active)
		p.active = active;
	/* the last active admin cannot demote or deactivate themselves away */
	bool loses_admin = !strcmp(before.role, "admin") && before.active &&
			   ((p.role && strcmp(p.role, "admin")) || (has_active && !active));
	if (loses_admin) {
		int64_t admins = 0;
		if ((rc = pg_user_count(db, r->a, "admin", &admins)) < 0)
			return rc;
		if (admins <= 1) {
			reply_problem(r, ERR_CONFLICT, "this is the last active admin");
			return 0;
		}
	}
	if (password && !(p.password_hash = util_password_hash(r->a, password)))
		return DB_HARD;
	if ((rc = pg_user_update(db, r->a, id, &p)) < 0)
		return rc;
	if ((password || (has_active && !active)) && (rc = pg_user_sessions_end(db, r->a, id)) < 0)
		return rc;
	struct user_row row;
	if ((rc = pg_user_get(db, r->a, id, &row)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	if ((rc = audit_user(r, db, "user.changed", &before, &row, password != NULL)) < 0)
		return rc;
	reply_json(r, 200, user_json(&row));
	return 0;
}
