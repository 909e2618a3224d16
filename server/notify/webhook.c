/*
 * The SMS / KakaoTalk gateway webhook: an HTTP(S) POST of a JSON document,
 * signed (docs/operations.md "Webhook signatures"):
 *
 *   X-Fieldd-Delivery:  the notification's delivery id (the same on every retry)
 *   X-Fieldd-Timestamp: Unix seconds when this attempt was sent
 *   X-Fieldd-Signature: v1=<hex HMAC-SHA-256(FIELDD_WEBHOOK_SECRET, timestamp "." body)>
 *
 * A 2xx answer is delivery; 408, 409, 425, 429 and 5xx, timeouts and refused
 * connections are tried again later; any other 4xx is final.
 */
#include "fieldd/arena.h"
#include "fieldd/notify.h"
#include "notify_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static __thread CURL *handle;

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

void notify_webhook_release(void)
{
	if (handle)
		curl_easy_cleanup(handle);
	handle = NULL;
}

enum notify_outcome notify_webhook_send(struct arena *a, const char *delivery_id, const char *body,
					char *err, size_t errlen)
{
	if (!handle && !(handle = curl_easy_init())) {
		snprintf(err, errlen, "cannot create a libcurl handle");
		return NOTIFY_RETRY;
	}
	CURL *c = handle;
	curl_easy_reset(c);
	size_t len = strlen(body);
	const char *ts = arena_printf(a, "%lld", (long long)time(NULL));
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Content-Type: application/json; charset=utf-8");
	h = curl_slist_append(h, arena_printf(a, "X-Fieldd-Delivery: %s", delivery_id));
	h = curl_slist_append(h, arena_printf(a, "X-Fieldd-Timestamp: %s", ts));
	h = curl_slist_append(
	    h, arena_printf(a, "X-Fieldd-Signature: %s",
			    notify_webhook_signature(a, notify_cfg.webhook_secret, ts, body, len)));
	h = curl_slist_append(h, "Expect:");
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, notify_cfg.webhook_url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "fieldd/" FIELDD_VERSION);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)notify_cfg.timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)notify_cfg.timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "webhook: %s%s%s", curl_easy_strerror(rc),
			 cerr[0] ? ": " : "", cerr);
		notify_webhook_release();
		return NOTIFY_RETRY;
	}
	if (code >= 200 && code < 300)
		return NOTIFY_SENT;
	snprintf(err, errlen, "webhook: the gateway answered HTTP %ld", code);
	if (code >= 400 && code < 500 && code != 408 && code != 409 && code != 425 && code != 429)
		return NOTIFY_PERMANENT;
	return NOTIFY_RETRY;
}
