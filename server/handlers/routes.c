/*
 * The route table: method, path, handler, body, max body, roles, transaction,
 * flags. The daemon answers 404/405/413/415/401/403 from these rows before
 * any handler runs. docs/openapi.json must list exactly these routes (a test
 * checks it).
 */
#include "fieldd/handlers.h"
#include "fieldd/handlers_cases.h"
#include "fieldd/handlers_replays.h"

#define KB 1024
/* the dispatch desk: who keeps customers and devices */
#define DESK (ROLE_ADMIN | ROLE_DISPATCHER)
/* the people who go on visits and so have visit calendars */
#define FIELD (ROLE_LEAD | ROLE_ENGINEER)

const struct route handler_routes[] = {
    {"GET", "/healthz", h_healthz, BODY_NONE, 0, 0, TX_NONE, 0},
    {"GET", "/readyz", h_readyz, BODY_NONE, 0, 0, TX_NONE, 0},
    {"GET", "/metrics", h_metrics, BODY_NONE, 0, 0, TX_NONE, 0},
    {"GET", "/api/v1/openapi.json", h_openapi, BODY_NONE, 0, 0, TX_NONE, 0},
    /* the web apps' front door; their other files are static (server/http/static.c) */
    {"GET", "/", h_web_root, BODY_NONE, 0, 0, TX_READ, 0},

    {"POST", "/api/v1/session", h_session_create, BODY_JSON, 4 * KB, 0, TX_WRITE,
     ROUTE_NO_IDEMPOTENCY | ROUTE_READ_COMMITTED}, /* parallel failures never conflict */
    {"DELETE", "/api/v1/session", h_session_delete, BODY_NONE, 0, ROLES_ANY, TX_WRITE, 0},
    {"GET", "/api/v1/me", h_me, BODY_NONE, 0, ROLES_ANY, TX_NONE, 0},

    {"GET", "/api/v1/users", h_users_list, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"POST", "/api/v1/users", h_users_create, BODY_JSON, 16 * KB, ROLE_ADMIN, TX_WRITE, 0},
    {"GET", "/api/v1/users/{id}", h_users_get, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"PATCH", "/api/v1/users/{id}", h_users_patch, BODY_JSON, 16 * KB, ROLE_ADMIN, TX_WRITE, 0},

    {"GET", "/api/v1/teams", h_teams_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/teams", h_teams_create, BODY_JSON, 4 * KB, ROLE_ADMIN, TX_WRITE, 0},
    {"GET", "/api/v1/teams/{id}", h_teams_get, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},

    {"GET", "/api/v1/customers", h_customers_list, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"POST", "/api/v1/customers", h_customers_create, BODY_JSON, 16 * KB, DESK, TX_WRITE, 0},
    {"GET", "/api/v1/customers/{id}", h_customers_get, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"PATCH", "/api/v1/customers/{id}", h_customers_patch, BODY_JSON, 16 * KB, DESK, TX_WRITE, 0},
    {"GET", "/api/v1/devices", h_devices_list, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"POST", "/api/v1/devices", h_devices_create, BODY_JSON, 16 * KB, DESK, TX_WRITE, 0},
    {"GET", "/api/v1/devices/{id}", h_devices_get, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"GET", "/api/v1/fault-codes", h_fault_codes, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},

    /* intake locks the device first (see h_tickets_create) */
    {"POST", "/api/v1/tickets", h_tickets_create, BODY_JSON, 16 * KB, ROLES_STAFF, TX_WRITE,
     ROUTE_READ_COMMITTED},
    {"GET", "/api/v1/tickets", h_tickets_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"GET", "/api/v1/tickets/{id}", h_tickets_get, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/tickets/{id}/assign", h_tickets_assign, BODY_JSON, 4 * KB, ROLES_STAFF,
     TX_WRITE, 0},
    {"POST", "/api/v1/tickets/{id}/delay", h_tickets_delay, BODY_JSON, 8 * KB, ROLES_ANY, TX_WRITE,
     0},
    {"POST", "/api/v1/tickets/{id}/cancel", h_tickets_cancel, BODY_JSON, 8 * KB, ROLES_STAFF,
     TX_WRITE, 0},
    {"POST", "/api/v1/tickets/{id}/callback", h_tickets_callback, BODY_JSON, 8 * KB, ROLES_ANY,
     TX_WRITE, 0},
    {"POST", "/api/v1/tickets/{id}/visits", h_tickets_visit_create, BODY_JSON, 4 * KB, ROLES_STAFF,
     TX_WRITE, 0},

    {"GET", "/api/v1/visits", h_visits_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"GET", "/api/v1/me/visits", h_me_visits, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"GET", "/api/v1/visits/{id}", h_visits_get, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/visits/{id}/precall", h_visit_precall, BODY_JSON, 8 * KB, ROLES_ANY, TX_WRITE,
     0},
    {"POST", "/api/v1/visits/{id}/depart", h_visit_depart, BODY_JSON, 4 * KB, ROLES_ANY, TX_WRITE,
     0},
    {"POST", "/api/v1/visits/{id}/late", h_visit_late, BODY_JSON, 8 * KB, ROLES_ANY, TX_WRITE, 0},
    {"POST", "/api/v1/visits/{id}/arrive", h_visit_arrive, BODY_JSON, 4 * KB, ROLES_ANY, TX_WRITE,
     0},
    {"POST", "/api/v1/visits/{id}/estimate", h_visit_estimate, BODY_JSON, 8 * KB, ROLES_ANY,
     TX_WRITE, 0},
    {"POST", "/api/v1/visits/{id}/consent", h_visit_consent, BODY_JSON, 4 * KB, ROLES_ANY, TX_WRITE,
     0},
    {"POST", "/api/v1/visits/{id}/complete", h_visit_complete, BODY_JSON, 16 * KB, ROLES_ANY,
     TX_WRITE, 0},
    {"POST", "/api/v1/visits/{id}/absent", h_visit_absent, BODY_JSON, 8 * KB, ROLES_ANY, TX_WRITE,
     0},
    {"POST", "/api/v1/visits/{id}/cancel", h_visit_cancel, BODY_JSON, 8 * KB, ROLES_ANY, TX_WRITE,
     0},

    {"GET", "/api/v1/visits/{id}/checklist", h_visit_checklist_get, BODY_NONE, 0, ROLES_ANY,
     TX_WRITE, 0},
    {"PUT", "/api/v1/visits/{id}/checklist", h_visit_checklist_put, BODY_JSON, 64 * KB, ROLES_ANY,
     TX_WRITE, 0},
    {"GET", "/api/v1/checklist-templates", h_checklist_templates_list, BODY_NONE, 0, ROLES_ANY,
     TX_READ, 0},
    {"POST", "/api/v1/checklist-templates", h_checklist_templates_create, BODY_JSON, 64 * KB,
     ROLE_ADMIN, TX_WRITE, 0},

    /* complaints (R13): the desk, and leads for their team's; engineers none */
    {"GET", "/api/v1/complaints", h_complaints_list, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"POST", "/api/v1/complaints", h_complaints_create, BODY_JSON, 16 * KB, ROLES_STAFF, TX_WRITE,
     0},
    {"GET", "/api/v1/complaints/{id}", h_complaints_get, BODY_NONE, 0, ROLES_STAFF, TX_READ, 0},
    {"POST", "/api/v1/complaints/{id}/analyse", h_complaint_analyse, BODY_JSON, 16 * KB,
     ROLES_STAFF, TX_WRITE, 0},
    {"POST", "/api/v1/complaints/{id}/resolve", h_complaint_resolve, BODY_JSON, 16 * KB,
     ROLES_STAFF, TX_WRITE, 0},
    {"POST", "/api/v1/complaints/{id}/notify", h_complaint_notify, BODY_JSON, 1 * KB, ROLES_STAFF,
     TX_WRITE, 0},
    {"POST", "/api/v1/complaints/{id}/feedback", h_complaint_feedback, BODY_JSON, 8 * KB,
     ROLES_STAFF, TX_WRITE, 0},

    /* work plans (R12): engineers read the plans their visits belong to */
    {"GET", "/api/v1/work-plans", h_work_plans_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/work-plans", h_work_plans_create, BODY_JSON, 64 * KB, ROLES_STAFF, TX_WRITE,
     0},
    {"GET", "/api/v1/work-plans/{id}", h_work_plans_get, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/work-plans/{id}/tickets", h_work_plan_tickets, BODY_JSON, 64 * KB,
     ROLES_STAFF, TX_WRITE, 0},
    {"POST", "/api/v1/work-plans/{id}/submit", h_work_plan_submit, BODY_JSON, 1 * KB, ROLES_STAFF,
     TX_WRITE, 0},
    {"POST", "/api/v1/work-plans/{id}/approve", h_work_plan_approve, BODY_JSON, 1 * KB,
     ROLE_ADMIN | ROLE_LEAD, TX_WRITE, 0},
    {"POST", "/api/v1/work-plans/{id}/reject", h_work_plan_reject, BODY_JSON, 8 * KB,
     ROLE_ADMIN | ROLE_LEAD, TX_WRITE, 0},
    {"POST", "/api/v1/work-plans/{id}/start", h_work_plan_start, BODY_JSON, 1 * KB, ROLES_STAFF,
     TX_WRITE, 0},
    {"POST", "/api/v1/work-plans/{id}/complete", h_work_plan_complete, BODY_JSON, 64 * KB,
     ROLES_STAFF, TX_WRITE, 0},

    {"GET", "/api/v1/reports/service-standards", h_report_service_standards, BODY_NONE, 0,
     ROLES_ANY, TX_READ, 0},
    {"GET", "/api/v1/notifications", h_notifications_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"POST", "/api/v1/notifications/{id}/resend", h_notification_resend, BODY_NONE, 0, DESK,
     TX_WRITE, 0},
    /* replays refused on a phone: the phone reports, the desk and the lead handle them */
    {"POST", "/api/v1/me/replay-failures", h_me_replay_failure_create, BODY_JSON, 8 * KB, FIELD,
     TX_WRITE, 0},
    {"GET", "/api/v1/replay-failures", h_replay_failures_list, BODY_NONE, 0, ROLES_ANY, TX_READ, 0},
    {"GET", "/api/v1/replay-failures/{id}", h_replay_failures_get, BODY_NONE, 0, ROLES_ANY, TX_READ,
     0},
    {"POST", "/api/v1/replay-failures/{id}/handle", h_replay_failure_handle, BODY_JSON, 4 * KB,
     DESK | ROLE_LEAD, TX_WRITE, 0},
    /* the live event stream (SSE): its own limit, no thread while it waits (events.c) */
    {"GET", "/api/v1/events", h_events, BODY_NONE, 0, ROLES_ANY, TX_NONE, 0},

    /* calendar feeds and invitations (SPEC §5): replies carry fresh tokens, so no replay */
    {"GET", "/api/v1/me/calendar", h_me_calendar, BODY_NONE, 0, FIELD, TX_WRITE,
     ROUTE_NO_IDEMPOTENCY},
    {"POST", "/api/v1/me/calendar/rotate", h_me_calendar_rotate, BODY_JSON, 1 * KB, FIELD, TX_WRITE,
     ROUTE_NO_IDEMPOTENCY},
    {"GET", "/cal/{token}.ics", h_calendar_feed, BODY_NONE, 0, 0, TX_READ, ROUTE_GUESS_LIMITED},
    {"GET", "/t/{tracking}/appointment.ics", h_appointment_ics, BODY_NONE, 0, 0, TX_READ,
     ROUTE_GUESS_LIMITED},
    /* the customer's side: no login, the tracking code is the credential (public.c) */
    {"GET", "/t/{tracking}", h_track_page, BODY_NONE, 0, 0, TX_READ, ROUTE_GUESS_LIMITED},
    {"POST", "/t/{tracking}/survey", h_track_survey_form, BODY_FORM, 16 * KB, 0, TX_WRITE,
     ROUTE_NO_IDEMPOTENCY | ROUTE_GUESS_LIMITED},
    {"GET", "/api/v1/public/{tracking}", h_public_get, BODY_NONE, 0, 0, TX_READ,
     ROUTE_GUESS_LIMITED},
    {"POST", "/api/v1/public/{tracking}/survey", h_public_survey, BODY_JSON, 8 * KB, 0, TX_WRITE,
     ROUTE_NO_IDEMPOTENCY | ROUTE_GUESS_LIMITED},
};

const size_t handler_nroutes = sizeof handler_routes / sizeof handler_routes[0];
