/* Teams: list, create (admin), read. A team's lead must have the lead role. */
#include "fieldd/db.h"
#include "fieldd/handlers.h"
#include "fieldd/jspec.h"
#include "fieldd/pg.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *team_json(const struct team_row *t)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", jint(t->id));
	json_object_object_add(o, "name", jstr(t->name));
	json_object_object_add(o, "lead_id", t->lead_id ? jint(t->lead_id) : NULL);
	json_object_object_add(o, "lead_name", jstr(t->lead_name));
	struct json_object *m = json_object_new_array();
	for (const char *p = t->member_ids; p && *p;) {
		char *end;
		json_object_array_add(m, jint(strtoll(p, &end, 10)));
		p = *end == ',' ? end + 1 : end;
	}
	json_object_object_add(o, "member_ids", m);
	json_object_object_add(o, "created_at", jstr(t->created_at));
	return o;
}

int h_teams_list(struct http_req *r, struct db *db)
{
	int limit;
	int64_t cursor;
	if (!http_page(r, 50, 500, &limit, &cursor))
		return 0;
	struct team_row *rows;
	int rc = pg_team_list(db, r->a, cursor, limit + 1, &rows);
	if (rc < 0)
		return rc;
	const char **docs = arena_alloc(r->a, sizeof(char *) * (size_t)(rc ? rc : 1));
	const char **ids = arena_alloc(r->a, sizeof(char *) * (size_t)(rc ? rc : 1));
	for (int i = 0; i < rc; i++) {
		docs[i] = jspec_dump(r->a, jspec_adopt(r->a, team_json(&rows[i])), NULL);
		ids[i] = arena_printf(r->a, "%lld", (long long)rows[i].id);
	}
	reply_list(r, docs, ids, rc, limit);
	return 0;
}

int h_teams_create(struct http_req *r, struct db *db)
{
	const char *name = NULL;
	int64_t lead_id = 0;
	const struct jfield spec[] = {
	    {.name = "name",
	     .type = J_STRING,
	     .required = true,
	     .min = 1,
	     .max = 100,
	     .out = &name},
	    {.name = "lead_id", .type = J_ID, .required = true, .out = &lead_id},
	    JSPEC_END,
	};
	if (!http_parse_body(r, spec))
		return 0;
	struct user_row lead;
	int rc = pg_user_get(db, r->a, lead_id, &lead);
	if (rc < 0)
		return rc;
	if (rc == 0 || strcmp(lead.role, "lead") != 0 || !lead.active) {
		reply_invalid(r, "lead_id",
			      rc == 0 ? "no such user"
				      : "must be an active user with the lead role");
		return 0;
	}
	int64_t id;
	rc = pg_team_insert(db, r->a, name, lead_id, &id);
	if (rc < 0 && db_err_unique(db)) {
		reply_problem(r, ERR_DUPLICATE, "a team with this name exists");
		return 0;
	}
	if (rc < 0)
		return rc;
	/* the lead belongs to the team they lead unless already placed elsewhere */
	if (!lead.team_id) {
		struct user_patch p = {.team_id = id, .active = -1};
		if ((rc = pg_user_update(db, r->a, lead_id, &p)) < 0)
			return rc;
	}
	struct team_row t;
	if ((rc = pg_team_get(db, r->a, id, &t)) <= 0)
		return rc < 0 ? rc : DB_HARD;
	/* the audit trail: the team as the API shows it (its lead moving in is part of it) */
	struct json_object *after = jspec_adopt(r->a, team_json(&t));
	if ((rc = pg_audit(db, r->a, 0, 0, r->user->id, "team.created", NULL,
			   jspec_dump(r->a, after, NULL))) < 0)
		return rc;
	reply_json(r, 201, team_json(&t));
	reply_add_header(r, "Location", arena_printf(r->a, "/api/v1/teams/%lld", (long long)id));
	return 0;
}

int h_teams_get(struct http_req *r, struct db *db)
{
	int64_t id;
	if (http_param_id(r, 0, &id) < 0)
		return 0;
	struct team_row t;
	int rc = http_found(r, pg_team_get(db, r->a, id, &t), "team");
	if (rc <= 0)
		return rc;
	reply_json(r, 200, team_json(&t));
	return 0;
}
