/*
 * pg.h — the query families of server/db/pg_*.c.
 *
 * Each function runs on the caller's connection (inside the caller's
 * transaction, if any) and returns a db status (see db.h). Strings in out
 * structs are arena-owned.
 */
#ifndef FIELDD_PG_H
#define FIELDD_PG_H

#include "fieldd/db.h"
#include "fieldd/jspec.h"

#include <stdbool.h>
#include <stdint.h>

struct arena;
struct auth_user;

/* ---- ops ---- */
int pg_ping(struct db *db);
/* Removes expired sessions, idempotency keys and old login failures. */
int pg_housekeeping(struct db *db, struct arena *a);

/* ---- migrations (pg_migrate.c) ---- */
/* Highest applied migration version, 0 when none (or no table yet). */
int pg_schema_version(struct db *db, struct arena *a, int *version);

/* ---- users (pg_users.c) ---- */
struct user_row {
	int64_t id, team_id; /* team_id 0 = none */
	const char *login, *name, *role, *phone, *email, *skills, *created_at, *updated_at;
	const char *password_hash; /* only from pg_user_by_login */
	bool active;
};
struct user_new {
	const char *login, *name, *role, *password_hash, *phone, *email;
	int64_t team_id;    /* 0 = none */
	const char *skills; /* comma-separated device kinds, "" for none */
};
/* Returns the new id in *id. Unique violation → db_err_unique(). */
int pg_user_insert(struct db *db, struct arena *a, const struct user_new *u, int64_t *id);
int pg_user_get(struct db *db, struct arena *a, int64_t id, struct user_row *out);
int pg_user_by_login(struct db *db, struct arena *a, const char *login, struct user_row *out);
int pg_user_list(struct db *db, struct arena *a, int64_t after, int limit, struct user_row **out);
/* A NULL field is left unchanged; team_id < 0 leaves it, 0 clears it. */
struct user_patch {
	const char *name, *role, *phone, *email, *skills, *password_hash;
	int64_t team_id;
	int active; /* -1 unchanged */
	bool phone_null, email_null;
};
int pg_user_update(struct db *db, struct arena *a, int64_t id, const struct user_patch *p);
int pg_user_count(struct db *db, struct arena *a, const char *role, int64_t *n);
/* Ends every session of a user (deactivation, password change). */
int pg_user_sessions_end(struct db *db, struct arena *a, int64_t id);
/* Fills a user_row from row i of a result with the user columns (pg_users.c). */
void pg_user_from_rows(struct arena *a, const struct db_rows *rows, int i, struct user_row *u);
/* The user columns every user query selects, for a table aliased "u". */
#define PG_USER_COLS                                                                               \
	"u.id, u.login, u.name, u.role, u.phone, u.email, u.team_id,"                              \
	" array_to_string(u.skills, ',') AS skills, u.active, u.created_at, u.updated_at"

/* ---- teams (pg_teams.c) ---- */
struct team_row {
	int64_t id, lead_id;
	const char *name, *lead_name, *created_at;
	const char *member_ids; /* comma-separated */
};
int pg_team_insert(struct db *db, struct arena *a, const char *name, int64_t lead_id, int64_t *id);
int pg_team_list(struct db *db, struct arena *a, int64_t after, int limit, struct team_row **out);
int pg_team_get(struct db *db, struct arena *a, int64_t id, struct team_row *out);

/* ---- sessions and login throttling (pg_sessions.c) ---- */
int pg_session_insert(struct db *db, struct arena *a, const char *token_hash, int64_t user_id,
		      unsigned hours, const char **expires_at);
/* Fills *u (and u->row) from a live session; 0 rows when unknown or expired. */
int pg_session_user(struct db *db, struct arena *a, const char *token_hash, struct auth_user *u);
int pg_session_delete(struct db *db, struct arena *a, const char *token_hash);
/* Failures in the last window for this login and this address. */
int pg_login_failures(struct db *db, struct arena *a, const char *login, const char *addr,
		      int minutes, int64_t *by_login, int64_t *by_addr);
int pg_login_failure_add(struct db *db, struct arena *a, const char *login, const char *addr);
int pg_login_failures_clear(struct db *db, struct arena *a, const char *login);

/* ---- idempotency keys (pg_idem.c) ---- */
struct idem_row {
	const char *request_hash, *content_type, *body;
	int status;
};
/* *got = false when another transaction holds the key right now. */
int pg_idem_try_lock(struct db *db, struct arena *a, int64_t user_id, const char *key, bool *got);
int pg_idem_get(struct db *db, struct arena *a, int64_t user_id, const char *key,
		struct idem_row *out);
int pg_idem_put(struct db *db, struct arena *a, int64_t user_id, const char *key,
		const char *method, const char *route, const char *request_hash, int status,
		const char *ctype, const char *body);

#endif
