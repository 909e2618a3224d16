/*
 * auth.h — roles and the signed-in user: what db/ fills in from a session and
 * http/ checks against a route's roles. No HTTP and no SQL here, so both
 * rooms can use it. role_bit lives in domain/accounts.c, next to the role names.
 */
#ifndef FIELDD_AUTH_H
#define FIELDD_AUTH_H

#include <stdbool.h>
#include <stdint.h>

struct user_row;

/* Roles as bits, so a route names every role it admits. */
enum {
	ROLE_ADMIN = 1u << 0,
	ROLE_DISPATCHER = 1u << 1,
	ROLE_LEAD = 1u << 2,
	ROLE_ENGINEER = 1u << 3,
	ROLES_STAFF = ROLE_ADMIN | ROLE_DISPATCHER | ROLE_LEAD,
	ROLES_ANY = ROLE_ADMIN | ROLE_DISPATCHER | ROLE_LEAD | ROLE_ENGINEER,
};
/* "admin" → ROLE_ADMIN; 0 for an unknown name. */
unsigned role_bit(const char *name);

/* The caller of a request, from its session (db/pg_sessions.c); arena-owned. */
struct auth_user {
	int64_t id;
	const char *login, *name, *role;
	unsigned role_bit;
	int64_t team_id;	/* 0 when none */
	const char *token_hash; /* of the session used */
	bool via_cookie;
	struct user_row *row; /* the whole account, as GET /me shows it */
};

#endif
