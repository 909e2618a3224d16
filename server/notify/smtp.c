/*
 * E-mail over SMTP with libcurl: STARTTLS (FIELDD_SMTP_TLS; required when AUTH
 * is configured, so a password never crosses in the clear), AUTH with
 * FIELDD_SMTP_USER / FIELDD_SMTP_PASSWORD, one handle per thread so that the
 * connection is reused between messages. libcurl dot-stuffs the message.
 */
#include "fieldd/notify.h"
#include "notify_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static __thread CURL *handle;

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nitems;
	if (n > r->left)
		n = r->left;
	memcpy(buf, r->p, n);
	r->p += n;
	r->left -= n;
	return n;
}

void notify_smtp_release(void)
{
	if (handle)
		curl_easy_cleanup(handle);
	handle = NULL;
}

enum notify_outcome notify_smtp_send(const char *rcpt, const char *msg, size_t len, char *err,
				     size_t errlen)
{
	if (!handle && !(handle = curl_easy_init())) {
		snprintf(err, errlen, "cannot create a libcurl handle");
		return NOTIFY_RETRY;
	}
	CURL *c = handle;
	curl_easy_reset(c);
	char from[300], to[300];
	snprintf(from, sizeof from, "<%s>", notify_cfg.smtp_from);
	snprintf(to, sizeof to, "<%s>", rcpt);
	struct curl_slist *rcpts = curl_slist_append(NULL, to);
	struct reader rd = {msg, len};
	char cerr[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, notify_cfg.smtp_url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	if (notify_cfg.smtp_user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, notify_cfg.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
				 notify_cfg.smtp_password ? notify_cfg.smtp_password : "");
	}
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 notify_cfg.smtp_tls == 2   ? (long)CURLUSESSL_ALL
			 : notify_cfg.smtp_tls == 1 ? (long)CURLUSESSL_TRY
						    : (long)CURLUSESSL_NONE);
	if (notify_cfg.smtp_ca) /* a private CA (the system store otherwise) */
		curl_easy_setopt(c, CURLOPT_CAINFO, notify_cfg.smtp_ca);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)notify_cfg.timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)notify_cfg.timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpts);
	if (rc == CURLE_OK)
		return NOTIFY_SENT;
	snprintf(err, errlen, "smtp: %s%s%s (reply %ld)", curl_easy_strerror(rc),
		 cerr[0] ? ": " : "", cerr, code);
	/* a 5xx reply is the server's final word (no such mailbox, refused); the rest
	 * (4xx, timeouts, refused connections) may pass */
	if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED)
		return NOTIFY_PERMANENT;
	notify_smtp_release(); /* a fresh connection next time */
	return NOTIFY_RETRY;
}
