/* Shared inside server/notify: the channels behind notify_send(). */
#ifndef FIELDD_NOTIFY_INT_H
#define FIELDD_NOTIFY_INT_H

#include "fieldd/notify.h"

#include <stddef.h>

/* Each returns an outcome and, on failure, a one-line reason in err. */
enum notify_outcome notify_smtp_send(const char *rcpt, const char *msg, size_t len, char *err,
				     size_t errlen);
enum notify_outcome notify_webhook_send(struct arena *a, const char *delivery_id, const char *body,
					char *err, size_t errlen);
/* Writes name (a file name without folders) with body under the sink folder. */
enum notify_outcome notify_sink_write(const char *name, const char *body, size_t len, char *err,
				      size_t errlen);
void notify_smtp_release(void);
void notify_webhook_release(void);

/* base64 (RFC 4648, padded) of p, lines of 76 with CRLF when wrap. Arena-owned. */
char *notify_base64(struct arena *a, const void *p, size_t n, int wrap);

#endif
