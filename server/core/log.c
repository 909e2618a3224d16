/* JSON-lines logger. One write(2) per line so lines never interleave. */
#include "fieldd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void log_set_level(enum log_level l)
{
	min_level = l;
}

int log_enabled(enum log_level l)
{
	return l >= min_level;
}

static size_t put_escaped(char *out, size_t cap, size_t o, const char *s)
{
	for (; s && *s && o + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

void log_msg(enum log_level l, const char *msg, const char *detail)
{
	if (!log_enabled(l))
		return;
	char line[2048];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t o =
	    (size_t)snprintf(line, sizeof line,
			     "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\",\"level\":\"%s\","
			     "\"msg\":\"",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, (int)(tv.tv_usec / 1000), names[l]);
	o = put_escaped(line, sizeof line - 32, o, msg);
	if (detail) {
		memcpy(line + o, "\",\"detail\":\"", 12);
		o += 12;
		o = put_escaped(line, sizeof line - 8, o, detail);
	}
	memcpy(line + o, "\"}\n", 3);
	o += 3;
	log_raw_line(line, o);
}

void log_msgf(enum log_level l, const char *fmt, ...)
{
	if (!log_enabled(l))
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_msg(l, buf, NULL);
}

void log_raw_line(const char *json, size_t len)
{
	char buf[4096];
	if (len > 0 && json[len - 1] != '\n' && len < sizeof buf - 1) {
		memcpy(buf, json, len);
		buf[len++] = '\n';
		json = buf;
	}
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, json, len);
		if (n <= 0)
			return;
		json += n;
		len -= (size_t)n;
	}
}
