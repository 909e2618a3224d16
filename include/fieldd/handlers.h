/*
 * handlers.h — one file per resource in server/handlers/: parse → domain →
 * db → reply. The route table (routes.c) is the only caller.
 */
#ifndef FIELDD_HANDLERS_H
#define FIELDD_HANDLERS_H

#include "fieldd/http.h"

struct user_row;
struct json_object;

/* ops.c */
int h_healthz(struct http_req *r, struct db *db);
int h_readyz(struct http_req *r, struct db *db);
int h_metrics(struct http_req *r, struct db *db);
int h_openapi(struct http_req *r, struct db *db);

/* session.c */
int h_session_create(struct http_req *r, struct db *db);
int h_session_delete(struct http_req *r, struct db *db);
int h_me(struct http_req *r, struct db *db);

/* users.c */
int h_users_list(struct http_req *r, struct db *db);
int h_users_create(struct http_req *r, struct db *db);
int h_users_get(struct http_req *r, struct db *db);
int h_users_patch(struct http_req *r, struct db *db);
/* The public shape of an account (never the password hash). New object. */
struct json_object *user_json(const struct user_row *u);

/* teams.c */
int h_teams_list(struct http_req *r, struct db *db);
int h_teams_create(struct http_req *r, struct db *db);
int h_teams_get(struct http_req *r, struct db *db);

/* The client's address as text, for throttling (arena-owned). */
const char *http_client_addr(struct http_req *r);

#endif
