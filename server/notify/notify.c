/*
 * The one interface over the channels: configuration, routing a notice to
 * its channel, and the two message shapes (an e-mail, a webhook document).
 */
#include "fieldd/notify.h"
#include "fieldd/arena.h"
#include "fieldd/config.h"
#include "notify_int.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct notify_config notify_cfg;

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int notify_init(char *err, size_t errlen)
{
	struct notify_config c = {0};
	c.smtp_url = env("FIELDD_SMTP_URL");
	c.smtp_user = env("FIELDD_SMTP_USER");
	c.smtp_password = env("FIELDD_SMTP_PASSWORD");
	c.smtp_from = env("FIELDD_SMTP_FROM");
	c.smtp_ca = env("FIELDD_SMTP_CA");
	if (!c.smtp_from)
		c.smtp_from = cfg.organizer ? cfg.organizer : "dispatch@fieldd.invalid";
	c.webhook_url = env("FIELDD_WEBHOOK_URL");
	c.webhook_secret = env("FIELDD_WEBHOOK_SECRET");
	c.outbox_dir = env("FIELDD_OUTBOX_DIR");
	c.timeout_s = 10;
	const char *t = env("FIELDD_DELIVERY_TIMEOUT");
	if (t) {
		char *end;
		long v = strtol(t, &end, 10);
		if (*end || v < 1 || v > 300) {
			snprintf(err, errlen, "FIELDD_DELIVERY_TIMEOUT must be 1 to 300 seconds");
			return -1;
		}
		c.timeout_s = (int)v;
	}
	const char *tls = env("FIELDD_SMTP_TLS");
	c.smtp_tls = c.smtp_user ? 2 : 1;
	if (tls) {
		if (!strcmp(tls, "off"))
			c.smtp_tls = 0;
		else if (!strcmp(tls, "try"))
			c.smtp_tls = 1;
		else if (!strcmp(tls, "require"))
			c.smtp_tls = 2;
		else {
			snprintf(err, errlen, "FIELDD_SMTP_TLS must be off, try or require");
			return -1;
		}
	}
	if (c.smtp_url && strncmp(c.smtp_url, "smtp://", 7) && strncmp(c.smtp_url, "smtps://", 8)) {
		snprintf(err, errlen, "FIELDD_SMTP_URL must start with smtp:// or smtps://");
		return -1;
	}
	if (c.webhook_url && strncmp(c.webhook_url, "http://", 7) &&
	    strncmp(c.webhook_url, "https://", 8)) {
		snprintf(err, errlen, "FIELDD_WEBHOOK_URL must start with http:// or https://");
		return -1;
	}
	if (c.webhook_url && !c.webhook_secret) {
		snprintf(err, errlen,
			 "FIELDD_WEBHOOK_URL needs FIELDD_WEBHOOK_SECRET (the signing key)");
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	notify_cfg = c;
	return 0;
}

const char *notify_route(const char *channel)
{
	if (!channel || !strcmp(channel, "phone"))
		return NULL;
	if (!strcmp(channel, "email"))
		return notify_cfg.smtp_url ? "smtp" : "sink";
	/* sms, kakao, push: the gateway */
	return notify_cfg.webhook_url ? "webhook" : "sink";
}

void notify_thread_release(void)
{
	notify_smtp_release();
	notify_webhook_release();
}

char *notify_base64(struct arena *a, const void *p, size_t n, int wrap)
{
	size_t blen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *flat = arena_alloc(a, blen);
	sodium_bin2base64(flat, blen, p, n, sodium_base64_VARIANT_ORIGINAL);
	if (!wrap)
		return flat;
	size_t fl = strlen(flat);
	struct abuf b;
	abuf_init(&b, a);
	for (size_t i = 0; i < fl; i += 76) {
		abuf_add(&b, flat + i, fl - i < 76 ? fl - i : 76);
		abuf_adds(&b, "\r\n");
	}
	abuf_add(&b, "", 1);
	return b.buf;
}

/* RFC 2047 encoded words for a header value, split between whole UTF-8 characters. */
static void add_encoded(struct arena *a, struct abuf *b, const char *s)
{
	bool ascii = true;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == '\r' || *p == '\n')
			ascii = false;
	if (ascii) {
		abuf_adds(b, s);
		return;
	}
	size_t n = strlen(s), i = 0;
	bool first = true;
	while (i < n) {
		size_t end = i + 42 < n ? i + 42 : n;
		while (end < n && ((unsigned char)s[end] & 0xC0) == 0x80)
			end--;
		if (!first)
			abuf_adds(b, "\r\n ");
		abuf_addf(b, "=?UTF-8?B?%s?=", notify_base64(a, s + i, end - i, 0));
		first = false;
		i = end;
	}
}

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at && at[1] ? at + 1 : "fieldd.invalid";
}

static void part(struct arena *a, struct abuf *b, const char *ctype, const char *extra,
		 const char *body, size_t len)
{
	abuf_addf(b, "Content-Type: %s\r\n", ctype);
	if (extra)
		abuf_adds(b, extra);
	abuf_adds(b, "Content-Transfer-Encoding: base64\r\n\r\n");
	abuf_adds(b, notify_base64(a, body, len, 1));
}

const char *notify_email_message(struct arena *a, const struct outbox_item *it,
				 const struct notify_text *t, const struct notify_ics *ics,
				 size_t *len)
{
	struct abuf b;
	abuf_init(&b, a);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
	abuf_addf(&b, "Date: %s\r\n", date);
	abuf_adds(&b, "From: ");
	add_encoded(a, &b, "fieldd 서비스 데스크");
	abuf_addf(&b, " <%s>\r\n", notify_cfg.smtp_from);
	abuf_addf(&b, "To: <%s>\r\n", it->recipient ? it->recipient : "");
	abuf_adds(&b, "Subject: ");
	add_encoded(a, &b, t->subject);
	abuf_adds(&b, "\r\n");
	abuf_addf(&b, "Message-ID: <%s@%s>\r\n", it->delivery_id, domain_of(notify_cfg.smtp_from));
	abuf_addf(&b, "X-Fieldd-Delivery: %s\r\n", it->delivery_id);
	abuf_addf(&b, "X-Fieldd-Template: %s\r\n", it->template_name);
	abuf_adds(&b, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n");
	if (!ics || !ics->text) {
		part(a, &b, "text/plain; charset=UTF-8", NULL, t->body, strlen(t->body));
	} else {
		const char *mixed = arena_printf(a, "=_fieldd_m_%s", it->delivery_id);
		const char *alt = arena_printf(a, "=_fieldd_a_%s", it->delivery_id);
		abuf_addf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", mixed);
		abuf_addf(&b,
			  "--%s\r\nContent-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
			  mixed, alt);
		abuf_addf(&b, "--%s\r\n", alt);
		part(a, &b, "text/plain; charset=UTF-8", NULL, t->body, strlen(t->body));
		abuf_addf(&b, "--%s\r\n", alt);
		part(a, &b, arena_printf(a, "text/calendar; charset=UTF-8; method=%s", ics->method),
		     NULL, ics->text, ics->len);
		abuf_addf(&b, "--%s--\r\n", alt);
		abuf_addf(&b, "--%s\r\n", mixed);
		part(a, &b, "application/ics; name=\"invite.ics\"",
		     "Content-Disposition: attachment; filename=\"invite.ics\"\r\n", ics->text,
		     ics->len);
		abuf_addf(&b, "--%s--\r\n", mixed);
	}
	*len = b.len;
	abuf_add(&b, "", 1);
	return b.buf;
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

const char *notify_webhook_document(struct arena *a, const struct outbox_item *it,
				    const struct notify_text *t)
{
	struct json_object *o = json_object_new_object();
	put_str(o, "delivery_id", it->delivery_id);
	json_object_object_add(o, "notification_id", json_object_new_int64(it->id));
	put_str(o, "channel", it->channel);
	put_str(o, "template", it->template_name);
	put_str(o, "to", it->recipient);
	put_str(o, "recipient_name", it->recipient_name);
	put_str(o, "text", t->body);
	put_str(o, "link", t->link);
	put_str(o, "ticket", it->ticket_number);
	put_str(o, "queued_at", it->created_at);
	json_object_object_add(o, "attempt", json_object_new_int(it->attempts));
	/* the template's facts too, for gateways that fill their own registered templates
	 * (KakaoTalk notification talk) */
	struct json_object *data = it->payload ? json_tokener_parse(it->payload) : NULL;
	if (data && !json_object_is_type(data, json_type_object)) {
		json_object_put(data);
		data = NULL;
	}
	json_object_object_add(o, "data", data ? data : json_object_new_object());
	const char *s =
	    arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

const char *notify_webhook_signature(struct arena *a, const char *secret, const char *timestamp,
				     const char *body, size_t len)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)timestamp, strlen(timestamp));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	char hex[2 * sizeof mac + 1];
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	return arena_printf(a, "v1=%s", hex);
}

/* An address fit for RCPT TO and a To: header: one mailbox, nothing that could end a
 * line or start another address. */
static bool email_ok(const char *s)
{
	if (!s || !*s || strlen(s) > 254 || !strchr(s, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || strchr("<>,;\"()[]\\", *p))
			return false;
	return true;
}

enum notify_outcome notify_send(struct arena *a, const struct outbox_item *it,
				const struct notify_text *t, const struct notify_ics *ics,
				const char **via, char *err, size_t errlen)
{
	const char *way = notify_route(it->channel);
	*via = way;
	if (!way) {
		snprintf(err, errlen, "nothing to send on the %s channel",
			 it->channel ? it->channel : "(none)");
		return NOTIFY_PERMANENT;
	}
	bool email = !strcmp(it->channel, "email");
	if (email && !email_ok(it->recipient)) {
		snprintf(err, errlen, "no usable e-mail address");
		return NOTIFY_PERMANENT;
	}
	if (!email && (!it->recipient || !*it->recipient)) {
		snprintf(err, errlen, "no phone number to send to");
		return NOTIFY_PERMANENT;
	}
	if (email) {
		size_t len;
		const char *msg = notify_email_message(a, it, t, ics, &len);
		if (!strcmp(way, "smtp"))
			return notify_smtp_send(it->recipient, msg, len, err, errlen);
		return notify_sink_write(
		    arena_printf(a, "%06lld-%s.eml", (long long)it->id, it->template_name), msg,
		    len, err, errlen);
	}
	const char *doc = notify_webhook_document(a, it, t);
	if (!strcmp(way, "webhook"))
		return notify_webhook_send(a, it->delivery_id, doc, err, errlen);
	return notify_sink_write(
	    arena_printf(a, "%06lld-%s.json", (long long)it->id, it->template_name), doc,
	    strlen(doc), err, errlen);
}
