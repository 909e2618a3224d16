/*
 * db.h — the database layer. SQL lives only in server/db/.
 *
 * Connections: one PGconn per thread (db_thread()), never shared. A broken
 * connection is reset on the next db_thread() call; prepared statements are
 * prepared lazily on each connection, so they come back after a reset.
 *
 * Status: every query returns an int — DB_HARD (< DB_SOFT) for errors a
 * retry cannot fix, DB_SOFT for serialization failures, deadlocks and lost
 * connections (the transaction runner retries those), 0 for no rows, n > 0
 * for n rows. After an error, db->sqlstate and db->constraint say what
 * happened (e.g. "23P01" and the exclusion constraint's name).
 *
 * Results are copied into the caller's arena and the PGresult is cleared
 * before the call returns. Columns are read by name.
 */
#ifndef FIELDD_DB_H
#define FIELDD_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct pg_conn;

/* The statuses a db_/pg_ function answers with; a count of rows (>= 0) otherwise,
 * which is why the functions return int and not this enum. */
enum db_status { DB_HARD = -2, DB_SOFT = -1, DB_NONE = 0 };

/* On every fallible db_/pg_ function: a status left unread is a compile error in the
 * presets (-Werror). Where a failure truly changes nothing, say so with db_ignore(). */
#define DB_CHECK __attribute__((warn_unused_result))
static inline void db_ignore(int status)
{
	(void)status;
}

#define DB_MAX_STMTS 512

/* A statement prepared once per connection. Declare with DB_STMT. */
struct db_stmt {
	const char *name;
	const char *sql;
	int slot; /* assigned on first use; -1 before */
};
#define DB_STMT(var, text) static struct db_stmt var = {#var, text, -1}

struct db {
	struct pg_conn *pg; /* PGconn, opaque outside server/db */
	char sqlstate[6];   /* of the last error, "" if none */
	char constraint[64];
	bool in_tx;
	bool up; /* connected and set up (counted in the pool stats) */
	unsigned char prepared[DB_MAX_STMTS];
};

/* A copied result: values are arena strings, NULL for SQL NULL. */
struct db_rows {
	int n, ncols;
	char **cols;
	char **vals; /* n * ncols */
};

/* Process-wide set-up; call before threads start. */
void db_global_init(void);

/*
 * This thread's connection, connected (or reset) as needed. Returns NULL
 * when the database cannot be reached; the caller answers 503. Borrowed:
 * lives until db_thread_release() on this thread.
 */
DB_CHECK struct db *db_thread(void);
void db_thread_release(void);
/* The last contact any thread had with PostgreSQL succeeded (false before the first). */
bool db_reachable(void);

/* Opens a fresh connection for a one-off command (migrate, CLI). Caller frees with db_close. */
DB_CHECK struct db *db_open(const char *url, char *err, size_t errlen);
void db_close(struct db *db);

/*
 * Runs a prepared statement with text parameters (NULL = SQL NULL).
 * out may be NULL when the rows are not wanted.
 */
DB_CHECK int db_exec(struct db *db, struct arena *a, struct db_stmt *st, struct db_rows *out,
		     int nparams, const char *const *params);
#define DB_ARGS(...)                                                                               \
	(int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *const[]) \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}
/* Integer parameters, the one way: decimal text in the arena; db_param_id() gives NULL
 * (SQL NULL) for an id <= 0 ("none"). */
const char *db_param_int(struct arena *a, int64_t v);
const char *db_param_id(struct arena *a, int64_t v);
/* Runs SQL text without parameters (DDL, migrations, BEGIN). */
DB_CHECK int db_exec_simple(struct db *db, const char *sql);

/* Accessors: col must exist (a missing column is a programming error and aborts). */
const char *db_val(const struct db_rows *r, int row, const char *col);
int64_t db_int(const struct db_rows *r, int row, const char *col);
bool db_bool(const struct db_rows *r, int row, const char *col);
/* A column's index, looked up once for a loop over many rows (a missing column aborts),
 * and row's value in it (NULL for SQL NULL). */
int db_col(const struct db_rows *r, const char *col);
const char *db_cell(const struct db_rows *r, int row, int col);
/* timestamptz text → RFC 3339 with offset ("2026-11-22T09:00:00+09:00"), arena-owned. */
char *db_time(struct arena *a, const struct db_rows *r, int row, const char *col);

/* Transactions. */
enum db_iso { DB_READ_COMMITTED, DB_SERIALIZABLE, DB_READ_ONLY };
DB_CHECK int db_begin(struct db *db, enum db_iso iso);
DB_CHECK int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Retries soft failures: how many attempts the runner makes in all. */
#define DB_TX_ATTEMPTS 5
/* Sleeps a short jittered back-off before retry number attempt (1-based). */
void db_backoff(int attempt);

/*
 * The one transaction runner, for the server's requests (http/txn.c), the
 * command line and migrations: runs body inside one transaction at iso and
 * runs it again after DB_SOFT (serialization failure, deadlock, lost
 * connection), DB_TX_ATTEMPTS times in all with a jittered back-off. body
 * returns a db status; with a status >= 0 the runner commits, unless body set
 * *commit to false (a refusal that must leave nothing behind, or nothing to
 * do): then it rolls back. Returns body's status, the commit's failure, or
 * DB_SOFT when the attempts ran out or the connection could not be made again
 * (db->sqlstate "08006", and db_err_unavailable() says so).
 */
typedef int (*db_tx_body)(struct db *db, void *ctx, bool *commit);
DB_CHECK int db_tx_run(struct db *db, enum db_iso iso, db_tx_body body, void *ctx);

/* Error classification of the last error. */
bool db_err_unique(const struct db *db);      /* 23505 */
bool db_err_exclusion(const struct db *db);   /* 23P01 */
bool db_err_foreign_key(const struct db *db); /* 23503 */
bool db_err_unavailable(const struct db *db); /* lost connection, timeouts */

/* Pool state for /metrics. */
struct db_pool_stats {
	long connections, reconnects, failures, retries;
};
void db_pool_stats(struct db_pool_stats *out);
/* How many times a connection was made again: a cache of database state read
 * under one value is stale under another (the schedule cache checks it). */
long db_generation(void);

#endif
