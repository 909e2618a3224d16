/*
 * Connections, statements, result copying and the transaction runner.
 * See include/fieldd/db.h for the contract.
 */
#include "fieldd/db.h"
#include "fieldd/arena.h"
#include "fieldd/config.h"
#include "fieldd/log.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG(db) ((PGconn *)(db)->pg)

static atomic_int next_slot;
static atomic_long st_connections, st_reconnects, st_failures, st_retries, st_generation;
/* 1 when the last contact with PostgreSQL (any thread) succeeded, 0 when it failed */
static atomic_int st_reachable = -1; /* -1: no contact yet */

/* Returns the state before. */
static int mark_reachable(int up)
{
	int was = atomic_load_explicit(&st_reachable, memory_order_relaxed);
	if (was != up)
		was = atomic_exchange(&st_reachable, up);
	return was;
}

bool db_reachable(void)
{
	return atomic_load(&st_reachable) == 1;
}
/* Each thread's connection; closed by the key's destructor when the thread ends. */
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_db_free(void *p);
static void make_key(void)
{
	pthread_key_create(&thread_key, thread_db_free);
}

void db_global_init(void)
{
	pthread_once(&thread_once, make_key);
}

/* Session settings for every server connection (SPEC: times in FIELDD_TZ). */
static int db_session_setup(struct db *db)
{
	char sql[512];
	/* tz comes from the operator's environment; quote it as a literal */
	char *tz =
	    PQescapeLiteral(PG(db), cfg.tz ? cfg.tz : "UTC", strlen(cfg.tz ? cfg.tz : "UTC"));
	if (!tz)
		return -1;
	snprintf(sql, sizeof sql,
		 "SET statement_timeout = '5s'; SET lock_timeout = '2s';"
		 " SET idle_in_transaction_session_timeout = '15s';"
		 " SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET TimeZone = %s",
		 tz);
	PQfreemem(tz);
	PGresult *r = PQexec(PG(db), sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r); /* on failure the callers report PQerrorMessage */
	return ok ? 0 : -1;
}

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

static PGconn *connect_url(const char *url)
{
	const char *keys[] = {
	    "connect_timeout",	   "application_name", "keepalives", "keepalives_idle",
	    "keepalives_interval", "keepalives_count", "dbname",     NULL};
	const char *vals[] = {"3", "fieldd", "1", "30", "10", "3", url ? url : "", NULL};
	/* the URL comes last so its own settings win over these defaults */
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c)
		PQsetNoticeReceiver(c, notice_quiet, NULL);
	return c;
}

/* First line of a libpq message, without the password that a URL might hold. */
static void first_line(char *dst, size_t n, const char *msg)
{
	snprintf(dst, n, "%s", msg ? msg : "unknown error");
	char *nl = strchr(dst, '\n');
	if (nl)
		*nl = '\0';
}

struct db *db_open(const char *url, char *err, size_t errlen)
{
	PGconn *c = connect_url(url);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		char line[256];
		first_line(line, sizeof line, c ? PQerrorMessage(c) : "out of memory");
		snprintf(err, errlen, "could not connect to the database: %s", line);
		PQfinish(c);
		return NULL;
	}
	struct db *db = calloc(1, sizeof *db);
	if (!db)
		abort();
	db->pg = (struct pg_conn *)c;
	db->up = true;
	atomic_fetch_add(&st_connections, 1);
	if (db_session_setup(db) < 0) {
		char line[256];
		first_line(line, sizeof line, PQerrorMessage(c));
		snprintf(err, errlen, "cannot configure the database session (FIELDD_TZ?): %s",
			 line);
		db_close(db);
		return NULL;
	}
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->up)
		atomic_fetch_sub(&st_connections, 1);
	PQfinish(PG(db));
	free(db);
}

/*
 * Brings db's connection up if it is down: reset, forget prepared
 * statements, set the session up again. Returns 0 when usable.
 */
static int ensure_up(struct db *db)
{
	if (PQstatus(PG(db)) == CONNECTION_OK && db->up)
		return 0;
	if (db->up) {
		db->up = false;
		atomic_fetch_sub(&st_connections, 1);
	}
	atomic_fetch_add(&st_reconnects, 1);
	PQreset(PG(db));
	db->in_tx = false;
	memset(db->prepared, 0, sizeof db->prepared);
	if (PQstatus(PG(db)) != CONNECTION_OK || db_session_setup(db) < 0) {
		atomic_fetch_add(&st_failures, 1);
		/* logged when the database goes away, not at every retry of every worker */
		if (mark_reachable(0) != 0) {
			char line[256];
			first_line(line, sizeof line, PQerrorMessage(PG(db)));
			log_msg(LOG_WARN, "could not connect to the database", line);
		}
		return -1;
	}
	db->up = true;
	atomic_fetch_add(&st_connections, 1);
	/* the database may not be the one caches were read from (a restore, a failover) */
	atomic_fetch_add(&st_generation, 1);
	return 0;
}

struct db *db_thread(void)
{
	pthread_once(&thread_once, make_key);
	struct db *db = pthread_getspecific(thread_key);
	if (!db) {
		db = calloc(1, sizeof *db);
		if (!db)
			abort();
		db->pg = (struct pg_conn *)connect_url(cfg.database_url);
		if (!db->pg)
			abort();
		pthread_setspecific(thread_key, db);
		if (PQstatus(PG(db)) == CONNECTION_OK && db_session_setup(db) == 0) {
			db->up = true;
			atomic_fetch_add(&st_connections, 1);
			return db;
		}
	}
	return ensure_up(db) == 0 ? db : NULL;
}

static void thread_db_free(void *p)
{
	db_close(p);
}

void db_thread_release(void)
{
	pthread_once(&thread_once, make_key);
	struct db *db = pthread_getspecific(thread_key);
	if (!db)
		return;
	pthread_setspecific(thread_key, NULL);
	db_close(db);
}

static int classify(struct db *db, PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *cons = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
	snprintf(db->constraint, sizeof db->constraint, "%s", cons ? cons : "");
	/* A lost connection. libpq reports some losses (a failed send: "server closed the
	 * connection unexpectedly") with no SQLSTATE while PQstatus still says OK; mark the
	 * connection down so that ensure_up() resets it before the retry. */
	if (PQstatus(PG(db)) != CONNECTION_OK || !state) {
		snprintf(db->sqlstate, sizeof db->sqlstate, "08006");
		if (db->up) {
			db->up = false;
			atomic_fetch_sub(&st_connections, 1);
		}
		return DB_SOFT;
	}
	if (!strcmp(db->sqlstate, "40001") || !strcmp(db->sqlstate, "40P01"))
		return DB_SOFT;
	if (db->sqlstate[0] == '2' && db->sqlstate[1] == '3')
		return DB_HARD; /* constraint: the caller maps it */
	char line[256];
	first_line(line, sizeof line, PQerrorMessage(PG(db)));
	log_msg(db_err_unavailable(db) ? LOG_WARN : LOG_ERROR, "query failed", line);
	return DB_HARD;
}

static int prepare(struct db *db, struct db_stmt *st)
{
	int slot = __atomic_load_n(&st->slot, __ATOMIC_ACQUIRE);
	if (slot < 0) {
		int mine = atomic_fetch_add(&next_slot, 1);
		if (mine >= DB_MAX_STMTS)
			abort();
		int expected = -1;
		if (!__atomic_compare_exchange_n(&st->slot, &expected, mine, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			mine = expected; /* another thread won; its slot stands */
		slot = mine;
	}
	if (db->prepared[slot])
		return 0;
	char name[80];
	snprintf(name, sizeof name, "s%d_%s", slot, st->name);
	PGresult *r = PQprepare(PG(db), name, st->sql, 0, NULL);
	int rc = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = classify(db, r);
		if (rc == DB_HARD)
			log_msg(LOG_ERROR, "cannot prepare statement", st->name);
	} else {
		db->prepared[slot] = 1;
	}
	PQclear(r);
	return rc;
}

static void copy_rows(struct arena *a, PGresult *r, struct db_rows *out)
{
	out->n = PQntuples(r);
	out->ncols = PQnfields(r);
	out->cols = arena_alloc(a, sizeof(char *) * (size_t)(out->ncols ? out->ncols : 1));
	for (int c = 0; c < out->ncols; c++)
		out->cols[c] = arena_strdup(a, PQfname(r, c));
	size_t cells = (size_t)out->n * (size_t)out->ncols;
	out->vals = arena_alloc(a, sizeof(char *) * (cells ? cells : 1));
	for (int i = 0; i < out->n; i++)
		for (int c = 0; c < out->ncols; c++)
			if (!PQgetisnull(r, i, c))
				out->vals[(size_t)i * (size_t)out->ncols + (size_t)c] =
				    arena_strndup(a, PQgetvalue(r, i, c),
						  (size_t)PQgetlength(r, i, c));
}

int db_exec(struct db *db, struct arena *a, struct db_stmt *st, struct db_rows *out, int nparams,
	    const char *const *params)
{
	db->sqlstate[0] = db->constraint[0] = '\0';
	if (out)
		memset(out, 0, sizeof *out);
	int rc = prepare(db, st);
	if (rc < 0)
		return rc;
	char name[80];
	snprintf(name, sizeof name, "s%d_%s", st->slot, st->name);
	PGresult *r = PQexecPrepared(PG(db), name, nparams, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
		mark_reachable(1);
	if (s == PGRES_TUPLES_OK) {
		if (out)
			copy_rows(a, r, out);
		rc = PQntuples(r);
	} else if (s == PGRES_COMMAND_OK) {
		const char *n = PQcmdTuples(r);
		rc = n && *n ? atoi(n) : 0;
	} else {
		rc = classify(db, r);
	}
	PQclear(r);
	return rc;
}

int db_exec_simple(struct db *db, const char *sql)
{
	db->sqlstate[0] = db->constraint[0] = '\0';
	PGresult *r = PQexec(PG(db), sql);
	ExecStatusType s = PQresultStatus(r);
	int rc = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) ? 0 : classify(db, r);
	if (rc == 0)
		mark_reachable(1);
	PQclear(r);
	return rc;
}

static int col_index(const struct db_rows *r, const char *col)
{
	for (int c = 0; c < r->ncols; c++)
		if (strcmp(r->cols[c], col) == 0)
			return c;
	log_msg(LOG_ERROR, "cannot find result column", col);
	abort();
}

const char *db_val(const struct db_rows *r, int row, const char *col)
{
	if (row < 0 || row >= r->n)
		abort();
	return r->vals[(size_t)row * (size_t)r->ncols + (size_t)col_index(r, col)];
}

int db_col(const struct db_rows *r, const char *col)
{
	return col_index(r, col);
}

const char *db_cell(const struct db_rows *r, int row, int col)
{
	if (row < 0 || row >= r->n || col < 0 || col >= r->ncols)
		abort();
	return r->vals[(size_t)row * (size_t)r->ncols + (size_t)col];
}

int64_t db_int(const struct db_rows *r, int row, const char *col)
{
	const char *v = db_val(r, row, col);
	return v ? strtoll(v, NULL, 10) : 0;
}

bool db_bool(const struct db_rows *r, int row, const char *col)
{
	const char *v = db_val(r, row, col);
	return v && v[0] == 't';
}

char *db_time(struct arena *a, const struct db_rows *r, int row, const char *col)
{
	const char *v = db_val(r, row, col);
	if (!v)
		return NULL;
	/* ISO DateStyle: "2026-11-22 09:00:00.123+09" or "...+05:30" */
	size_t n = strlen(v);
	char *out = arena_alloc(a, n + 8);
	size_t o = 0, i = 0;
	for (; i < n && v[i] != '+' && !(v[i] == '-' && i > 10); i++) {
		char c = v[i] == ' ' ? 'T' : v[i];
		if (v[i] == '.') { /* drop fractional seconds: RFC 3339 to the second */
			while (i + 1 < n && v[i + 1] >= '0' && v[i + 1] <= '9')
				i++;
			continue;
		}
		out[o++] = c;
	}
	const char *off = v + i;
	size_t offlen = n - i;
	memcpy(out + o, off, offlen);
	o += offlen;
	if (offlen == 3) { /* "+09" → "+09:00" */
		memcpy(out + o, ":00", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *db_param_int(struct arena *a, int64_t v)
{
	return arena_printf(a, "%lld", (long long)v);
}

const char *db_param_id(struct arena *a, int64_t v)
{
	return v > 0 ? db_param_int(a, v) : NULL;
}

int db_begin(struct db *db, enum db_iso iso)
{
	static const char *const sql[] = {
	    "BEGIN ISOLATION LEVEL READ COMMITTED",
	    "BEGIN ISOLATION LEVEL SERIALIZABLE",
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	};
	int rc = db_exec_simple(db, sql[iso]);
	if (rc == 0)
		db->in_tx = true;
	return rc;
}

int db_commit(struct db *db)
{
	int rc = db_exec_simple(db, "COMMIT");
	db->in_tx = false;
	return rc;
}

void db_rollback(struct db *db)
{
	if (PQstatus(PG(db)) == CONNECTION_OK) {
		PGresult *r = PQexec(PG(db), "ROLLBACK");
		PQclear(r);
	}
	db->in_tx = false;
}

void db_backoff(int attempt)
{
	atomic_fetch_add(&st_retries, 1);
	long base_us = 2000L << (attempt < 6 ? attempt : 6);
	long us = base_us / 2 + (long)randombytes_uniform((uint32_t)base_us);
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

int db_tx_run(struct db *db, enum db_iso iso, db_tx_body body, void *ctx)
{
	int rc = DB_SOFT;
	for (int attempt = 1; attempt <= DB_TX_ATTEMPTS; attempt++) {
		if (attempt > 1)
			db_backoff(attempt);
		if (ensure_up(db) < 0) { /* PostgreSQL is away: retrying now will not bring it */
			snprintf(db->sqlstate, sizeof db->sqlstate, "08006");
			return DB_SOFT;
		}
		rc = db_begin(db, iso);
		if (rc == 0) {
			bool commit = true;
			rc = body(db, ctx, &commit);
			if (rc >= 0 && commit) {
				int c = db_commit(db);
				if (c < 0)
					rc = c;
			} else {
				db_rollback(db);
			}
		}
		if (rc != DB_SOFT)
			return rc;
		db_rollback(db);
	}
	return rc;
}

bool db_err_unique(const struct db *db)
{
	return strcmp(db->sqlstate, "23505") == 0;
}

bool db_err_exclusion(const struct db *db)
{
	return strcmp(db->sqlstate, "23P01") == 0;
}

bool db_err_foreign_key(const struct db *db)
{
	return strcmp(db->sqlstate, "23503") == 0;
}

bool db_err_unavailable(const struct db *db)
{
	const char *s = db->sqlstate;
	return (s[0] == '0' && s[1] == '8') || !strcmp(s, "57014") || !strcmp(s, "55P03") ||
	       !strcmp(s, "57P01") || !strcmp(s, "57P02") || !strcmp(s, "57P03") ||
	       !strcmp(s, "53300");
}

long db_generation(void)
{
	return atomic_load(&st_generation);
}

void db_pool_stats(struct db_pool_stats *out)
{
	out->connections = atomic_load(&st_connections);
	out->reconnects = atomic_load(&st_reconnects);
	out->failures = atomic_load(&st_failures);
	out->retries = atomic_load(&st_retries);
}
