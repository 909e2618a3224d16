/*
 * handlers_cases.h — complaints (R13, server/handlers/complaints.c) and work
 * plans (R12, server/handlers/work_plans.c). The route table is the only caller.
 */
#ifndef FIELDD_HANDLERS_CASES_H
#define FIELDD_HANDLERS_CASES_H

#include "fieldd/http.h"

struct json_object;

/* complaints.c */
int h_complaints_list(struct http_req *r, struct db *db);
int h_complaints_create(struct http_req *r, struct db *db);
int h_complaints_get(struct http_req *r, struct db *db);
int h_complaint_analyse(struct http_req *r, struct db *db);
int h_complaint_resolve(struct http_req *r, struct db *db);
int h_complaint_notify(struct http_req *r, struct db *db);
int h_complaint_feedback(struct http_req *r, struct db *db);

/* work_plans.c */
int h_work_plans_list(struct http_req *r, struct db *db);
int h_work_plans_create(struct http_req *r, struct db *db);
int h_work_plans_get(struct http_req *r, struct db *db);
int h_work_plan_tickets(struct http_req *r, struct db *db);
int h_work_plan_submit(struct http_req *r, struct db *db);
int h_work_plan_approve(struct http_req *r, struct db *db);
int h_work_plan_reject(struct http_req *r, struct db *db);
int h_work_plan_start(struct http_req *r, struct db *db);
int h_work_plan_complete(struct http_req *r, struct db *db);

/*
 * A JSON array of positive ids as a PostgreSQL array literal ("{3,5}") in
 * *lit (arena-owned), duplicates kept out, at most max; *n how many. On a
 * bad element replies 422 naming field and returns false. (complaints.c)
 */
enum http_go case_id_array(struct http_req *r, struct json_object *arr, const char *field, int max,
			   const char **lit, int *n);

#endif
