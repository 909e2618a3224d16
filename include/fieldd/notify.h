/*
 * notify.h — how a notice reaches a person (server/notify/).
 *
 * One small interface over the channels: a claimed outbox row is rendered
 * into a Korean text from its template (templates.c), then sent by the
 * channel its notification names:
 *
 *   email      → SMTP (smtp.c, libcurl; STARTTLS and AUTH when configured),
 *                a multipart message; appointment notices carry the
 *                invitation (.ics, text/calendar; method=REQUEST or CANCEL)
 *   sms, push  → the gateway webhook (webhook.c): a signed JSON POST
 *   phone      → nothing to send (a person calls): skipped
 *
 * With no SMTP server or webhook configured, the sink (sink.c) writes each
 * message as a file under FIELDD_OUTBOX_DIR (and a log line), so the demo
 * works without a mail server or an SMS gateway.
 *
 * Every message carries a stable id (the notification's delivery_id): the
 * e-mail's Message-ID, the webhook's delivery id, so a receiver recognises
 * the repeat of an at-least-once delivery.
 *
 * Threads: notify_init() once before threads start; notify_send() from any
 * thread (each keeps its own libcurl handles, reused between messages, freed
 * by notify_thread_release()).
 */
#ifndef FIELDD_NOTIFY_H
#define FIELDD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* One notice as server/jobs claimed it (server/db/pg_outbox.c fills it): the row and
 * what its text needs. Strings may be NULL. */
struct outbox_item {
	int64_t id, ticket_id, visit_id;
	int attempts; /* including this one */
	const char *delivery_id;
	const char *channel, *template_name, *recipient, *recipient_kind, *recipient_name;
	const char *payload; /* JSON object text */
	const char *ticket_number, *tracking, *fault_name, *created_at;
};

/* Settings from the environment (README "Configuration"); process lifetime. */
struct notify_config {
	const char *smtp_url;	   /* FIELDD_SMTP_URL: smtp://host:587, smtps://host:465 */
	const char *smtp_user;	   /* FIELDD_SMTP_USER: AUTH when set */
	const char *smtp_password; /* FIELDD_SMTP_PASSWORD (never logged) */
	const char *smtp_from;	   /* FIELDD_SMTP_FROM, default FIELDD_ORGANIZER_EMAIL */
	int smtp_tls;		 /* FIELDD_SMTP_TLS: 0 off, 1 try, 2 require (default with AUTH) */
	const char *smtp_ca;	 /* FIELDD_SMTP_CA: CA file for the mail server's certificate */
	const char *webhook_url; /* FIELDD_WEBHOOK_URL */
	const char *webhook_secret; /* FIELDD_WEBHOOK_SECRET: HMAC-SHA-256 key */
	const char *outbox_dir;	    /* FIELDD_OUTBOX_DIR: the sink's folder */
	int timeout_s;		    /* FIELDD_DELIVERY_TIMEOUT: one send, seconds */
};
extern struct notify_config notify_cfg;

/* Reads the environment; -1 with a message in err on a bad value. */
int notify_init(char *err, size_t errlen);

/* What a notice says, rendered from its template. Arena-owned. */
struct notify_text {
	const char *subject; /* e-mail subject */
	const char *body;    /* the text (SMS, e-mail body) */
	const char *link;    /* the customer's tracking page, or NULL */
};
void notify_render(struct arena *a, const struct outbox_item *it, const char *base_url,
		   struct notify_text *out);

/* An invitation to attach to an e-mail (NULL text: none). */
struct notify_ics {
	const char *text;
	size_t len;
	const char *method; /* "REQUEST" or "CANCEL" */
};

/* Which way a channel goes now: "smtp", "webhook", "sink", or NULL (nothing to send). */
const char *notify_route(const char *channel);

enum notify_outcome {
	NOTIFY_SENT = 0,
	NOTIFY_RETRY = 1,     /* try again later (timeout, 5xx, connection refused) */
	NOTIFY_PERMANENT = 2, /* no use trying again (no address, 5xx SMTP reply, 4xx) */
};
/*
 * Sends one notice the way notify_route() says. *via gets that way; err a
 * one-line reason on failure (no secrets, no phone numbers).
 */
enum notify_outcome notify_send(struct arena *a, const struct outbox_item *it,
				const struct notify_text *t, const struct notify_ics *ics,
				const char **via, char *err, size_t errlen);

/* The RFC 5322 message for an e-mail notice (CRLF lines). Arena-owned. */
const char *notify_email_message(struct arena *a, const struct outbox_item *it,
				 const struct notify_text *t, const struct notify_ics *ics,
				 size_t *len);
/* The webhook's JSON document. Arena-owned. */
const char *notify_webhook_document(struct arena *a, const struct outbox_item *it,
				    const struct notify_text *t);
/* "v1=<hex HMAC-SHA-256(secret, timestamp "." body)>". Arena-owned. */
const char *notify_webhook_signature(struct arena *a, const char *secret, const char *timestamp,
				     const char *body, size_t len);

/* Frees this thread's libcurl handles. */
void notify_thread_release(void);

#endif
