/*
 * handlers.h — one file per resource in server/handlers/: parse → domain →
 * db → reply. The route table (routes.c) is the only caller.
 */
#ifndef FIELDD_HANDLERS_H
#define FIELDD_HANDLERS_H

#include "fieldd/http.h"

struct user_row;
struct json_object;

/* routes.c: every endpoint, handed to http_start() by main.c. */
extern const struct route handler_routes[];
extern const size_t handler_nroutes;

/* ops.c */
int h_healthz(struct http_req *r, struct db *db);
int h_readyz(struct http_req *r, struct db *db);
int h_metrics(struct http_req *r, struct db *db);
int h_openapi(struct http_req *r, struct db *db);

/* web.c: "/" — to the signed-in person's app, or the login page */
int h_web_root(struct http_req *r, struct db *db);

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

/* catalog.c: customers, devices, fault codes, notifications */
int h_customers_list(struct http_req *r, struct db *db);
int h_customers_create(struct http_req *r, struct db *db);
int h_customers_get(struct http_req *r, struct db *db);
int h_customers_patch(struct http_req *r, struct db *db);
int h_devices_list(struct http_req *r, struct db *db);
int h_devices_create(struct http_req *r, struct db *db);
int h_devices_get(struct http_req *r, struct db *db);
int h_fault_codes(struct http_req *r, struct db *db);
int h_notifications_list(struct http_req *r, struct db *db);

/* tickets.c */
int h_tickets_create(struct http_req *r, struct db *db);
int h_tickets_list(struct http_req *r, struct db *db);
int h_tickets_get(struct http_req *r, struct db *db);
int h_tickets_delay(struct http_req *r, struct db *db);
int h_tickets_cancel(struct http_req *r, struct db *db);
int h_tickets_callback(struct http_req *r, struct db *db);
/* bookings.c */
int h_tickets_assign(struct http_req *r, struct db *db);
int h_tickets_visit_create(struct http_req *r, struct db *db);

/* visits.c */
int h_visits_list(struct http_req *r, struct db *db);
int h_me_visits(struct http_req *r, struct db *db);
int h_visits_get(struct http_req *r, struct db *db);
int h_visit_precall(struct http_req *r, struct db *db);
int h_visit_depart(struct http_req *r, struct db *db);
int h_visit_late(struct http_req *r, struct db *db);
int h_visit_arrive(struct http_req *r, struct db *db);
int h_visit_estimate(struct http_req *r, struct db *db);
int h_visit_consent(struct http_req *r, struct db *db);
int h_visit_complete(struct http_req *r, struct db *db);
int h_visit_absent(struct http_req *r, struct db *db);
int h_visit_cancel(struct http_req *r, struct db *db);

/* checklists.c */
int h_visit_checklist_get(struct http_req *r, struct db *db);
int h_visit_checklist_put(struct http_req *r, struct db *db);
int h_checklist_templates_list(struct http_req *r, struct db *db);
int h_checklist_templates_create(struct http_req *r, struct db *db);

/* reports.c */
int h_report_service_standards(struct http_req *r, struct db *db);

/* events.c: GET /api/v1/events (Server-Sent Events) */
int h_events(struct http_req *r, struct db *db);

/* calendar.c: feed URLs, feeds and customer invitations */
int h_me_calendar(struct http_req *r, struct db *db);
int h_me_calendar_rotate(struct http_req *r, struct db *db);
int h_calendar_feed(struct http_req *r, struct db *db);
int h_appointment_ics(struct http_req *r, struct db *db);

/* The caller as a row filter for the dispatch queries. */
struct viewer;
void viewer_of(struct http_req *r, struct viewer *v);

/* Intake and visit settings (FIELDD_SLA_HOURS etc.), read once. */
struct intake_rules;
const struct intake_rules *dispatch_rules(void);
/* VISIT_GRID_MIN, VISIT_DEFAULT_MIN, VISIT_MAX_MIN: fieldd/domain.h */

/* public.c: the customer's tracking page, its JSON, the survey; re-sending a dead notice */
int h_track_page(struct http_req *r, struct db *db);
int h_track_survey_form(struct http_req *r, struct db *db);
int h_public_get(struct http_req *r, struct db *db);
int h_public_survey(struct http_req *r, struct db *db);
int h_notification_resend(struct http_req *r, struct db *db);
/* FIELDD_TRACKING_DAYS: days after closing that a tracking code keeps working. */
int public_tracking_days(void);

#endif
