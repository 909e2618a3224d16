/*
 * The sink: with no SMTP server or gateway configured, each message is
 * written as a file under FIELDD_OUTBOX_DIR (e-mails as .eml, gateway
 * documents as .json; written to a temporary name and renamed, so a reader
 * never sees half a file and a retry replaces the file) and logged. Without
 * FIELDD_OUTBOX_DIR only the log line remains.
 */
#include "fieldd/log.h"
#include "fieldd/notify.h"
#include "notify_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum notify_outcome notify_sink_write(const char *name, const char *body, size_t len, char *err,
				      size_t errlen)
{
	char safe[128];
	size_t j = 0;
	for (const char *p = name; *p && j + 1 < sizeof safe; p++)
		safe[j++] =
		    (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
			    *p) &&
		     *p)
			? *p
			: '_';
	safe[j] = '\0';
	if (!notify_cfg.outbox_dir) {
		log_msg(LOG_INFO, "notice delivered to the log (no FIELDD_OUTBOX_DIR)", safe);
		return NOTIFY_SENT;
	}
	mkdir(notify_cfg.outbox_dir, 0755);
	char path[1024], tmp[1100];
	snprintf(path, sizeof path, "%s/%s", notify_cfg.outbox_dir, safe);
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid() ^ (long)pthread_self());
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		snprintf(err, errlen, "sink: cannot write in %s: %s", notify_cfg.outbox_dir,
			 strerror(errno));
		return NOTIFY_RETRY;
	}
	bool ok = fwrite(body, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "sink: cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return NOTIFY_RETRY;
	}
	log_msg(LOG_INFO, "notice written to the outbox folder", safe);
	return NOTIFY_SENT;
}
