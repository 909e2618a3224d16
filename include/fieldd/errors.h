/*
 * errors.h — the one registry of problem codes.
 *
 * Every error fieldd sends is application/problem+json built from a row of
 * this table: an id, the HTTP status, the machine code (the "code" member and
 * the tail of "type") and a title. Add rows here; never invent a status in a
 * handler.
 */
#ifndef FIELDD_ERRORS_H
#define FIELDD_ERRORS_H

#define FIELDD_ERRORS(X)                                                                           \
	X(ERR_BAD_REQUEST, 400, "bad_request", "Bad request")                                      \
	X(ERR_MALFORMED_JSON, 400, "malformed_json", "Request body is not valid JSON")             \
	X(ERR_BAD_QUERY, 400, "bad_query", "Invalid query parameter")                              \
	X(ERR_IDEM_KEY_INVALID, 400, "idempotency_key_invalid", "Invalid Idempotency-Key")         \
	X(ERR_UNAUTHENTICATED, 401, "unauthenticated", "Authentication required")                  \
	X(ERR_BAD_CREDENTIALS, 401, "bad_credentials", "Wrong login or password")                  \
	X(ERR_FORBIDDEN, 403, "forbidden", "Not allowed for this role")                            \
	X(ERR_CSRF, 403, "cross_origin", "Cross-origin request refused")                           \
	X(ERR_NOT_FOUND, 404, "not_found", "Not found")                                            \
	X(ERR_METHOD, 405, "method_not_allowed", "Method not allowed")                             \
	X(ERR_REQUEST_TIMEOUT, 408, "request_timeout", "Request timeout")                          \
	X(ERR_CONFLICT, 409, "conflict", "Conflict")                                               \
	X(ERR_DUPLICATE, 409, "duplicate", "Already exists")                                       \
	X(ERR_DOUBLE_BOOKED, 409, "double_booked", "Someone on this visit is already booked then") \
	X(ERR_STEP_ORDER, 409, "step_out_of_order", "Step out of order")                           \
	X(ERR_PLAN_NOT_APPROVED, 409, "plan_not_approved", "The work plan is not approved")        \
	X(ERR_IDEM_IN_PROGRESS, 409, "idempotency_in_progress",                                    \
	  "A request with this Idempotency-Key is still being processed")                          \
	X(ERR_TOO_LARGE, 413, "body_too_large", "Request body too large")                          \
	X(ERR_URI_TOO_LONG, 414, "uri_too_long", "Request URI too long")                           \
	X(ERR_MEDIA_TYPE, 415, "unsupported_media_type", "Unsupported content type")               \
	X(ERR_VALIDATION, 422, "validation_failed", "Validation failed")                           \
	X(ERR_RULE, 422, "rule_violation", "A service rule forbids this")                          \
	X(ERR_IDEM_MISMATCH, 422, "idempotency_key_reused",                                        \
	  "Idempotency-Key was already used with a different request")                             \
	X(ERR_RATE_LIMITED, 429, "rate_limited", "Too many attempts")                              \
	X(ERR_INTERNAL, 500, "internal", "Internal error")                                         \
	X(ERR_OVERLOADED, 503, "overloaded", "Server busy")                                        \
	X(ERR_DB_UNAVAILABLE, 503, "database_unavailable", "Database unavailable")                 \
	X(ERR_BAD_FRAMING, 400, "bad_framing", "Conflicting message framing")                      \
	X(ERR_BAD_HOST, 400, "bad_host", "Missing or repeated Host header")                        \
	X(ERR_TRANSFER_CODING, 501, "transfer_coding_not_implemented",                             \
	  "Transfer coding not implemented")                                                       \
	X(ERR_METRICS_FORBIDDEN, 403, "metrics_forbidden", "Metrics not open to this address")     \
	/* answered by libmicrohttpd itself (scripts/mhd/problem-json.patch) */                    \
	X(ERR_HEADERS_TOO_LARGE, 431, "headers_too_large", "Request header fields too large")      \
	X(ERR_METHOD_NOT_IMPLEMENTED, 501, "method_not_implemented", "Method not implemented")     \
	X(ERR_HTTP_VERSION, 505, "http_version_not_supported", "HTTP version not supported")       \
	/* the service rules (server/domain), titled as rule_violation */                          \
	X(ERR_LEAD_REQUIRED, 422, "lead_required", "A service rule forbids this")                  \
	X(ERR_PRECALL_REQUIRED, 422, "precall_required", "A service rule forbids this")            \
	X(ERR_CONSENT_REQUIRED, 422, "consent_required", "A service rule forbids this")            \
	X(ERR_FOLLOW_UP_REQUIRED, 422, "follow_up_reason_required", "A service rule forbids this") \
	X(ERR_CHECKLIST_INCOMPLETE, 422, "checklist_incomplete", "A service rule forbids this")    \
	X(ERR_NO_PROPOSAL, 422, "no_proposal", "A service rule forbids this")                      \
	X(ERR_CHECKLIST_LOCKED, 409, "checklist_locked", "Conflict")                               \
	X(ERR_TRAINING_STAFF_REQUIRED, 422, "training_staff_required",                             \
	  "A service rule forbids this")

enum err_id {
#define FIELDD_ERR_ENUM(id, st, code, title) id,
	FIELDD_ERRORS(FIELDD_ERR_ENUM)
#undef FIELDD_ERR_ENUM
	    ERR__COUNT
};

struct err_def {
	int status;
	const char *code;
	const char *title;
};

/* Borrowed pointer into the static registry. */
const struct err_def *err_get(enum err_id id);

#endif
