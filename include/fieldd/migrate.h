/*
 * migrate.h — forward-only schema migrations compiled into the binary.
 *
 * migrations/NNNN_name.sql are applied in order, each once, each in its own
 * transaction, recorded in schema_migrations, all under one advisory lock
 * so several processes migrating at once wait for each other.
 */
#ifndef FIELDD_MIGRATE_H
#define FIELDD_MIGRATE_H

#include "fieldd/db.h"

#include <stddef.h>

struct db;

/* The highest migration this binary knows. */
int migrate_latest(void);
/* Applies what is missing; *applied = how many. -1 with err on failure. */
DB_CHECK int migrate_run(struct db *db, int *applied, char *err, size_t errlen);
/* Version recorded in the database (0 when none); -1 with err on failure. */
DB_CHECK int migrate_current(struct db *db, int *version, char *err, size_t errlen);

#endif
