/* The migration runner; see migrate.h. */
#include "fieldd/migrate.h"
#include "fieldd/arena.h"
#include "fieldd/db.h"
#include "fieldd/embed.h"
#include "fieldd/log.h"
#include "fieldd/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int version_of(const char *name)
{
	/* "0001_name.sql" */
	if (strlen(name) < 6 || name[4] != '_')
		return -1;
	for (int i = 0; i < 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	return atoi(name);
}

int migrate_latest(void)
{
	int v = 0;
	for (size_t i = 0; i < embed_migrations_count; i++) {
		int m = version_of(embed_migrations[i].name);
		if (m > v)
			v = m;
	}
	return v;
}

DB_STMT(q_mig_exists, "SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
DB_STMT(q_mig_version, "SELECT coalesce(max(version), 0) AS v FROM schema_migrations");
DB_STMT(q_mig_get, "SELECT checksum FROM schema_migrations WHERE version = $1::int");
DB_STMT(q_mig_put,
	"INSERT INTO schema_migrations (version, name, checksum) VALUES ($1::int, $2, $3)");
DB_STMT(q_mig_lock, "SELECT pg_advisory_lock(1000, 1)");
DB_STMT(q_mig_unlock, "SELECT pg_advisory_unlock(1000, 1)");

int migrate_current(struct db *db, int *version, char *err, size_t errlen)
{
	struct arena *a = arena_new();
	struct db_rows rows;
	int rc = db_exec(db, a, &q_mig_exists, &rows, 0, NULL);
	*version = 0;
	if (rc > 0 && db_bool(&rows, 0, "present")) {
		rc = db_exec(db, a, &q_mig_version, &rows, 0, NULL);
		if (rc > 0)
			*version = (int)db_int(&rows, 0, "v");
	}
	arena_free(a);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the schema version");
		return -1;
	}
	return 0;
}

struct mig_tx {
	struct arena *a;
	const struct embed_file *f;
	const char *vs, *sum;
	bool present, changed, script_failed;
};

/* One migration in its transaction (db_tx_run): nothing to do when it is recorded. */
static int mig_tx(struct db *db, void *ctx, bool *commit)
{
	struct mig_tx *m = ctx;
	struct db_rows rows;
	m->present = m->changed = m->script_failed = false;
	int rc = db_exec(db, m->a, &q_mig_get, &rows, DB_ARGS(m->vs));
	if (rc < 0)
		return rc;
	if (rc > 0) {
		m->present = true;
		m->changed = strcmp(db_val(&rows, 0, "checksum"), m->sum) != 0;
		*commit = false;
		return 0;
	}
	if ((rc = db_exec_simple(db, (const char *)m->f->data)) < 0) {
		m->script_failed = true;
		return rc;
	}
	return db_exec(db, m->a, &q_mig_put, NULL, DB_ARGS(m->vs, m->f->name, m->sum));
}

static int apply_one(struct db *db, struct arena *a, const struct embed_file *f, int *applied,
		     char *err, size_t errlen)
{
	char vs[16];
	snprintf(vs, sizeof vs, "%d", version_of(f->name));
	struct mig_tx m = {.a = a, .f = f, .vs = vs, .sum = util_sha256_hex(a, f->data, f->len)};
	int rc = db_tx_run(db, DB_READ_COMMITTED, mig_tx, &m);
	if (rc >= 0 && m.changed) {
		snprintf(err, errlen,
			 "migration %s was changed after it was applied; add a new migration "
			 "instead",
			 f->name);
		return -1;
	}
	if (rc >= 0) {
		if (!m.present) {
			log_msgf(LOG_INFO, "applied migration %s", f->name);
			(*applied)++;
		}
		return 0;
	}
	if (m.script_failed)
		snprintf(err, errlen, "migration %s failed (SQLSTATE %s)", f->name, db->sqlstate);
	else
		snprintf(err, errlen, "could not apply migration %s (SQLSTATE %s)", f->name,
			 db->sqlstate);
	return -1;
}

/* Every file of server/db/sql in one transaction (db_tx_run); *ctx: the one that failed. */
static int functions_tx(struct db *db, void *ctx, bool *commit)
{
	(void)commit;
	size_t *failed = ctx;
	*failed = embed_sql_count;
	for (size_t i = 0; i < embed_sql_count; i++) {
		int rc = db_exec_simple(db, (const char *)embed_sql[i].data);
		if (rc < 0) {
			*failed = i;
			return rc;
		}
	}
	return 0;
}

/*
 * The SQL functions of server/db/sql (documents, visibility, schedules, calendar
 * marks, the report), applied again on every run after the versioned files, all in
 * one transaction: a function is changed by editing its file, not by a migration,
 * and a database whose functions drifted gets them back. Each file is CREATE OR
 * REPLACE only, so running it twice changes nothing. A database already migrated by a
 * newer fieldd keeps the newer binary's functions: an older one's would put older
 * shapes back under servers that expect the new ones.
 */
static int apply_functions(struct db *db, struct arena *a, char *err, size_t errlen)
{
	struct db_rows rows;
	if (db_exec(db, a, &q_mig_version, &rows, 0, NULL) <= 0)
		goto fail;
	if (db_int(&rows, 0, "v") > migrate_latest()) {
		log_msgf(LOG_WARN,
			 "the database was migrated by a newer fieldd (version %lld); "
			 "its SQL functions are left as they are",
			 (long long)db_int(&rows, 0, "v"));
		return 0;
	}
	size_t failed = embed_sql_count; /* the file that failed, if one did */
	if (db_tx_run(db, DB_READ_COMMITTED, functions_tx, &failed) >= 0) {
		log_msgf(LOG_DEBUG, "applied the SQL functions (%zu files)", embed_sql_count);
		return 0;
	}
	if (failed < embed_sql_count) {
		snprintf(err, errlen, "server/db/sql/%s failed (SQLSTATE %s)",
			 embed_sql[failed].name, db->sqlstate);
		return -1;
	}
fail:
	snprintf(err, errlen, "could not apply the SQL functions (SQLSTATE %s)", db->sqlstate);
	return -1;
}

int migrate_run(struct db *db, int *applied, char *err, size_t errlen)
{
	*applied = 0;
	for (size_t i = 0; i < embed_migrations_count; i++)
		if (version_of(embed_migrations[i].name) < 0) {
			snprintf(err, errlen, "migration file name %s is not NNNN_name.sql",
				 embed_migrations[i].name);
			return -1;
		}
	struct arena *a = arena_new();
	int ret = -1;
	if (db_exec(db, a, &q_mig_lock, NULL, 0, NULL) < 0) {
		snprintf(err, errlen, "could not take the migration lock");
		goto out;
	}
	if (db_exec_simple(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			       " version integer PRIMARY KEY, name text NOT NULL,"
			       " checksum text NOT NULL,"
			       " applied_at timestamptz NOT NULL DEFAULT now())") < 0) {
		snprintf(err, errlen, "cannot create schema_migrations (SQLSTATE %s)",
			 db->sqlstate);
		goto unlock;
	}
	/* the embedded list is sorted by name, hence by version */
	for (size_t i = 0; i < embed_migrations_count; i++)
		if (apply_one(db, a, &embed_migrations[i], applied, err, errlen) < 0)
			goto unlock;
	if (apply_functions(db, a, err, errlen) < 0)
		goto unlock;
	ret = 0;
unlock:
	/* a failure here means the connection is gone, and the lock with it */
	db_ignore(db_exec(db, a, &q_mig_unlock, NULL, 0, NULL));
out:
	arena_free(a);
	return ret;
}
