/*
 * The route table: method, path, handler, body, max body, roles, transaction,
 * flags. The daemon answers 404/405/413/415/401/403 from these rows before
 * any handler runs. docs/openapi.json must list exactly these routes (a test
 * checks it).
 */
#include "fieldd/handlers.h"

#define KB 1024

const struct route http_routes[] = {
    {"GET", "/healthz", h_healthz, BODY_NONE, 0, 0, TX_NONE, 0},
    {"GET", "/readyz", h_readyz, BODY_NONE, 0, 0, TX_NONE, 0},
    {"GET", "/metrics", h_metrics, BODY_NONE, 0, 0, TX_NONE, 0},
    {"GET", "/api/v1/openapi.json", h_openapi, BODY_NONE, 0, 0, TX_NONE, 0},

    {"POST", "/api/v1/session", h_session_create, BODY_JSON, 4 * KB, 0, TX_WRITE,
     ROUTE_NO_IDEMPOTENCY},
    {"DELETE", "/api/v1/session", h_session_delete, BODY_NONE, 0, ROLES_ANY, TX_WRITE, 0},
    {"GET", "/api/v1/me", h_me, BODY_NONE, 0, ROLES_ANY, TX_NONE, 0},

    {"GET", "/api/v1/users", h_users_list, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"POST", "/api/v1/users", h_users_create, BODY_JSON, 16 * KB, ROLE_ADMIN, TX_WRITE, 0},
    {"GET", "/api/v1/users/{id}", h_users_get, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"PATCH", "/api/v1/users/{id}", h_users_patch, BODY_JSON, 16 * KB, ROLE_ADMIN, TX_WRITE, 0},

    {"GET", "/api/v1/teams", h_teams_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/teams", h_teams_create, BODY_JSON, 4 * KB, ROLE_ADMIN, TX_WRITE, 0},
    {"GET", "/api/v1/teams/{id}", h_teams_get, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
};

const size_t http_nroutes = sizeof http_routes / sizeof http_routes[0];
