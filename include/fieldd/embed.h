/*
 * embed.h — files compiled into the binary at build time (cmake/embed.cmake):
 * the migrations, docs/openapi.json and the web apps. Data is static,
 * NUL-terminated after len bytes, and lives for the whole process.
 */
#ifndef FIELDD_EMBED_H
#define FIELDD_EMBED_H

#include <stddef.h>

struct embed_file {
	const char *name; /* path relative to its folder, e.g. "0001_accounts.sql" */
	const unsigned char *data;
	size_t len;
};

extern const struct embed_file embed_migrations[];
extern const size_t embed_migrations_count;
/* the .sql files of server/db/sql: functions re-applied by every migrate, in name order */
extern const struct embed_file embed_sql[];
extern const size_t embed_sql_count;
extern const struct embed_file embed_docs[];
extern const size_t embed_docs_count;
extern const struct embed_file embed_demo[];
extern const size_t embed_demo_count;
/* mobile-web/ (URL paths without the leading slash) and the npm modules as vendor/... */
extern const struct embed_file embed_web[];
extern const size_t embed_web_count;

/* Finds name in files[0..n); NULL when absent. */
const struct embed_file *embed_find(const struct embed_file *files, size_t n, const char *name);

#endif
