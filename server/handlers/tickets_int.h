/*
 * tickets_int.h — what tickets.c (intake, reads, delay, cancel, callbacks),
 * bookings.c (booking and assignment) and visits.c (the steps) share. Private
 * to server/handlers.
 */
#ifndef FIELDD_HANDLERS_TICKETS_INT_H
#define FIELDD_HANDLERS_TICKETS_INT_H

#include "fieldd/dispatch.h"
#include "fieldd/domain.h"
#include "fieldd/http.h"
#include "fieldd/pg.h"

#include <stdint.h>
#include <time.h>

struct json_object;
struct jtimestamp;

/* ---- tickets.c ---- */

/* The ticket if the caller may see it (1); otherwise 404 is queued and 0 returned. */
int ticket_load(struct http_req *r, struct db *db, struct ticket_facts *t);
/* The same, and still open (domain_ticket_open); otherwise 404 or 409 is queued, 0. */
int ticket_load_open(struct http_req *r, struct db *db, struct ticket_facts *t);
/* Moves the ticket to status (nothing when it is there already) with its
 * ticket.status audit event, for visit (0: none) at at (RFC 3339, NULL: now). */
int ticket_move(struct http_req *r, struct db *db, const struct ticket_facts *t,
		enum ticket_status status, int64_t visit, const char *at);

/* ---- bookings.c ---- */

/* What to propose: a fixed window and/or one engineer, or free choice. */
struct propose_opts {
	int64_t only_engineer;
	time_t start, end; /* 0: free */
};
/* A window given by the caller (both ends or neither): true when it may stand, else a
 * 422 naming the field is queued. */
bool booking_window(struct http_req *r, const struct jtimestamp *s, const struct jtimestamp *e,
		    time_t *start, time_t *end);
/* 409 double_booked naming the clash (0), 1 when engineer and lead are free in
 * [start, end) apart from visit except, or a db status. */
int booking_free(struct http_req *r, struct db *db, int64_t engineer, int64_t lead, time_t start,
		 time_t end, int64_t except);
/* Maps a write that failed on the double-booking constraint (a concurrent twin) to
 * 409 double_booked (0); any other failure is returned as it is. */
int booking_failed(struct http_req *r, struct db *db, int rc);

#endif
