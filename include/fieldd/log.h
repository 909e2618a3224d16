/*
 * log.h — levelled logging, one JSON object per line on stderr.
 *
 * Messages are lower-case, PostgreSQL style: "could not ..." for transient
 * failures, "cannot ..." for permanent ones. Never pass tokens, passwords,
 * request bodies or customer phone numbers.
 */
#ifndef FIELDD_LOG_H
#define FIELDD_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn", "error"; returns -1 on anything else. */
int log_parse_level(const char *s);
void log_set_level(enum log_level l);
int log_enabled(enum log_level l);

/* msg is free text (escaped); detail may be NULL. */
void log_msg(enum log_level l, const char *msg, const char *detail);
void log_msgf(enum log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes an already-built JSON object line (no trailing newline needed). */
void log_raw_line(const char *json, size_t len);

#endif
