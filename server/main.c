/*
 * fieldd — command line: serve, migrate, user add/passwd.
 * Every failure is one line on stderr and a non-zero exit.
 */
#include "fieldd/config.h"
#include "fieldd/events.h"
#include "fieldd/db.h"
#include "fieldd/domain.h"
#include "fieldd/handlers.h"
#include "fieldd/http.h"
#include "fieldd/jobs.h"
#include "fieldd/jspec.h"
#include "fieldd/log.h"
#include "fieldd/migrate.h"
#include "fieldd/pg.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FIELDD_VERSION
#define FIELDD_VERSION "0.0.0"
#endif

static const char usage[] =
    "usage: fieldd COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  serve                 run the HTTP server (FIELDD_LISTEN, default 127.0.0.1:8080)\n"
    "  migrate               apply the database migrations this binary carries\n"
    "  user add --login LOGIN --role ROLE --name NAME [--team ID] [--phone P] [--email E]\n"
    "           [--generate-password] [--if-absent]\n"
    "                        create an account; the password is read from standard input\n"
    "                        (one line) unless --generate-password prints a new one\n"
    "  demo                  load the demo organisation (teams, engineers, customers,\n"
    "                        devices, 90 days of tickets, today's and tomorrow's visits)\n"
    "                        into an empty database; prints the demo logins once\n"
    "  user passwd --login LOGIN\n"
    "                        set a new password read from standard input\n"
    "  --help, --version\n"
    "\n"
    "environment:\n"
    "  DATABASE_URL          libpq URI of the database (required)\n"
    "  FIELDD_LISTEN         HOST:PORT to listen on (default 127.0.0.1:8080)\n"
    "  FIELDD_THREADS        worker threads = database connections (default 4)\n"
    "  FIELDD_BASE_URL       public URL of this server (default http://FIELDD_LISTEN)\n"
    "  FIELDD_TZ             display time zone (default Asia/Seoul)\n"
    "  FIELDD_LOG_LEVEL      debug, info, warn or error (default info)\n"
    "  FIELDD_SECRET         key for calendar feed URLs, at least 32 characters\n"
    "  FIELDD_ORGANIZER_EMAIL, FIELDD_CONN_LIMIT, FIELDD_PER_IP_LIMIT, FIELDD_CONN_TIMEOUT,\n"
    "  FIELDD_MAX_INFLIGHT, FIELDD_SESSION_HOURS, FIELDD_SLA_HOURS,\n"
    "  FIELDD_REPEAT_WINDOW_DAYS  see README.md, \"Configuration\"\n"
    "  FIELDD_DEMO_NOW       demo: load as if at this RFC 3339 time (tests)\n"
    "  FIELDD_SMTP_URL       mail server for e-mail notices (smtp://host:587)\n"
    "  FIELDD_WEBHOOK_URL    SMS gateway webhook (with FIELDD_WEBHOOK_SECRET)\n"
    "  FIELDD_OUTBOX_DIR     without either: notices are written here as files\n";

static int fail(const char *fmt, const char *arg)
{
	fputs("fieldd: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 1;
}

static struct db *open_db(void)
{
	if (!cfg.database_url) {
		fail("%s", "DATABASE_URL is not set; give it a libpq URI such as "
			   "postgresql:///fieldd?host=/run/postgresql");
		return NULL;
	}
	char err[512];
	struct db *db = db_open(cfg.database_url, err, sizeof err);
	if (!db)
		fail("%s", err);
	return db;
}

static int cmd_migrate(void)
{
	struct db *db = open_db();
	if (!db)
		return 1;
	char err[512];
	int applied = 0, version = 0;
	int rc = migrate_run(db, &applied, err, sizeof err);
	if (rc == 0)
		rc = migrate_current(db, &version, err, sizeof err);
	db_close(db);
	if (rc < 0)
		return fail("%s", err);
	printf("applied %d migration%s; schema at version %d\n", applied, applied == 1 ? "" : "s",
	       version);
	return 0;
}

static int cmd_serve(void)
{
	if (!cfg.database_url)
		return fail("%s", "DATABASE_URL is not set; give it a libpq URI such as "
				  "postgresql:///fieldd?host=/run/postgresql");
	/* PostgreSQL down at start is not fatal: orchestrators start services in any
	 * order. fieldd serves with /readyz saying not ready; the database workers
	 * connect when they can and check the schema then. A schema that is too old
	 * when the database is reachable now stops the start, as before. */
	char err[512];
	struct db *db = db_open(cfg.database_url, err, sizeof err);
	if (!db && strncmp(err, "could not connect", 17) != 0)
		return fail("%s", err); /* reached, but refused our settings (FIELDD_TZ) */
	if (!db) {
		log_msgf(LOG_WARN, "%s; serving anyway, /readyz says not ready until it connects",
			 err);
	} else {
		int version = 0;
		int rc = migrate_current(db, &version, err, sizeof err);
		db_close(db);
		if (rc < 0)
			return fail("%s", err);
		if (version < migrate_latest()) {
			fprintf(stderr,
				"fieldd: the database schema is at version %d but this fieldd "
				"needs %d; run \"fieldd migrate\" first\n",
				version, migrate_latest());
			return 1;
		}
	}
	/* signals are taken by sigwait() below; workers inherit the mask */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (http_start(handler_routes, handler_nroutes) < 0)
		return 1;
	if (jobs_start() < 0) { /* the outbox's delivery workers (server/jobs) */
		http_stop();
		return 1;
	}
	/* the change feed's LISTEN connection and thread (GET /api/v1/events) */
	if (events_listener_start() < 0) {
		jobs_stop();
		http_stop();
		return fail("%s", "cannot start the event listener");
	}
	int sig = 0;
	sigwait(&set, &sig);
	log_msgf(LOG_INFO, "received %s; finishing requests in progress",
		 sig == SIGTERM ? "SIGTERM" : "SIGINT");
	/* the listener first: new clients are refused at once even while a delivery
	 * worker still waits on PostgreSQL or a mail server; http_stop() also ends the
	 * event streams */
	http_stop();
	jobs_stop();
	events_listener_stop();
	db_thread_release();
	return 0;
}

static int cmd_demo(void)
{
	struct db *db = open_db();
	if (!db)
		return 1;
	char pw[64], err[512];
	unsigned char raw[12];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	struct arena *a = arena_new();
	const char *hash = util_password_hash(a, pw);
	enum demo_state state = DEMO_LOADED_NOW;
	/* tests load the demo as if at another moment; nothing in it happens after "now" */
	const char *now = getenv("FIELDD_DEMO_NOW");
	if (now && !util_is_rfc3339(now)) {
		arena_free(a);
		db_close(db);
		return fail("FIELDD_DEMO_NOW: expected an RFC 3339 time with an offset, got \"%s\"",
			    now);
	}
	int rc = hash ? pg_demo_load(db, hash, now, &state, err, sizeof err) : -1;
	if (!hash)
		snprintf(err, sizeof err, "cannot hash the demo password");
	arena_free(a);
	db_close(db);
	if (rc < 0)
		return fail("%s", err);
	if (state == DEMO_ALREADY)
		printf("demo data already loaded (logins dispatcher, lead1-lead3, eng01-eng15; "
		       "their password was printed when it was loaded)\n");
	else if (state == DEMO_NOT_EMPTY)
		printf("demo data not loaded: the database already holds an organisation of its "
		       "own (the demo goes only into an empty one)\n");
	else
		printf("demo data loaded: 3 teams, 15 engineers, 300 customers, 600 devices, "
		       "3000 tickets\n"
		       "demo logins: dispatcher, lead1, lead2, lead3, eng01 ... eng15 — password: "
		       "%s\n",
		       pw);
	sodium_memzero(pw, sizeof pw);
	return 0;
}

static int read_password(char *buf, size_t n)
{
	if (!fgets(buf, (int)n, stdin))
		return fail("%s", "cannot read the password: standard input is empty");
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	const char *why = domain_check_password(buf);
	if (why) {
		fprintf(stderr, "fieldd: the password %s\n", why);
		return 1;
	}
	return 0;
}

struct user_cmd {
	struct user_new u;
	const char *password;
	bool if_absent, exists, passwd;
	int64_t id;
	struct arena *a;
};

/* The audit trail of a change made on the command line (no actor; never the password). */
static int audit_cli(struct db *db, struct user_cmd *c, const char *action, int64_t id,
		     bool password)
{
	struct json_object *o = jobj(c->a);
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "login", json_object_new_string(c->u.login));
	if (!password)
		json_object_object_add(o, "role", json_object_new_string(c->u.role));
	else
		json_object_object_add(o, "password_changed", json_object_new_boolean(1));
	json_object_object_add(o, "via", json_object_new_string("command line"));
	return pg_audit(db, c->a, 0, 0, 0, action, NULL, jspec_dump(c->a, o, NULL));
}

static int user_tx(struct db *db, void *ctx, bool *commit)
{
	(void)commit;
	struct user_cmd *c = ctx;
	struct user_row row;
	int rc = pg_user_by_login(db, c->a, c->u.login, &row);
	if (rc < 0)
		return rc;
	c->exists = rc > 0;
	if (c->passwd) {
		if (!c->exists)
			return 0;
		struct user_patch p = {
		    .team_id = -1, .active = -1, .password_hash = c->u.password_hash};
		if ((rc = pg_user_update(db, c->a, row.id, &p)) < 0 ||
		    (rc = pg_user_sessions_end(db, c->a, row.id)) < 0)
			return rc;
		return audit_cli(db, c, "user.changed", row.id, true);
	}
	if (c->exists)
		return 0;
	if ((rc = pg_user_insert(db, c->a, &c->u, &c->id)) < 0)
		return rc;
	return audit_cli(db, c, "user.created", c->id, false);
}

static int cmd_user(int argc, char **argv)
{
	if (argc < 1 || (strcmp(argv[0], "add") && strcmp(argv[0], "passwd")))
		return fail("%s", "expected \"user add\" or \"user passwd\"; see fieldd --help");
	struct user_cmd c = {.passwd = !strcmp(argv[0], "passwd")};
	bool generate = false;
	const char *team = NULL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char **dst = !strcmp(o, "--login")   ? &c.u.login
				   : !strcmp(o, "--role")  ? &c.u.role
				   : !strcmp(o, "--name")  ? &c.u.name
				   : !strcmp(o, "--team")  ? &team
				   : !strcmp(o, "--phone") ? &c.u.phone
				   : !strcmp(o, "--email") ? &c.u.email
							   : NULL;
		if (dst) {
			if (i + 1 >= argc)
				return fail("option %s needs a value", o);
			*dst = argv[++i];
		} else if (!strcmp(o, "--generate-password")) {
			generate = true;
		} else if (!strcmp(o, "--if-absent")) {
			c.if_absent = true;
		} else {
			return fail("unknown option \"%s\"; see fieldd --help", o);
		}
	}
	if (!c.u.login)
		return fail("%s", "--login is required");
	const char *why = domain_check_login(c.u.login);
	if (why)
		return fail("the login %s", why);
	if (!c.passwd) {
		if (!c.u.role || !role_bit(c.u.role))
			return fail("%s", "--role must be admin, dispatcher, lead or engineer");
		if (!c.u.name || !*c.u.name)
			return fail("%s", "--name is required");
		if (team && util_parse_id(team, &c.u.team_id) < 0)
			return fail("--team \"%s\" is not a team id", team);
	}
	char pw[1100];
	if (generate) {
		unsigned char raw[18];
		randombytes_buf(raw, sizeof raw);
		sodium_bin2base64(pw, sizeof pw, raw, sizeof raw,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	} else if (read_password(pw, sizeof pw)) {
		return 1;
	}
	struct db *db = open_db();
	if (!db)
		return 1;
	c.a = arena_new();
	c.u.password_hash = util_password_hash(c.a, pw);
	c.u.skills = "";
	int rc = c.u.password_hash ? db_tx_run(db, DB_SERIALIZABLE, user_tx, &c) : DB_HARD;
	int ret = 0;
	if (rc < 0 && db_err_foreign_key(db))
		ret = fail("there is no team %s", team);
	else if (rc < 0)
		ret = fail("could not save the user (SQLSTATE %s)",
			   db->sqlstate[0] ? db->sqlstate : "none");
	else if (c.passwd && !c.exists)
		ret = fail("there is no user \"%s\"", c.u.login);
	else if (c.passwd)
		printf("password changed for %s; their sessions were ended\n", c.u.login);
	else if (c.exists && c.if_absent)
		printf("user %s already exists; password unchanged\n", c.u.login);
	else if (c.exists)
		ret = fail("user \"%s\" already exists", c.u.login);
	else if (generate)
		printf("created %s %s (id %lld) with password: %s\n", c.u.role, c.u.login,
		       (long long)c.id, pw);
	else
		printf("created %s %s (id %lld)\n", c.u.role, c.u.login, (long long)c.id);
	sodium_memzero(pw, sizeof pw);
	arena_free(c.a);
	db_close(db);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("fieldd %s\n", FIELDD_VERSION);
		return 0;
	}
	char err[512];
	if (config_load(err, sizeof err) < 0)
		return fail("%s", err);
	/* working hours and calendar times are local to FIELDD_TZ: set it before any thread */
	setenv("TZ", cfg.tz, 1);
	tzset();
	if (util_init() < 0)
		return fail("%s", "cannot initialise libsodium");
	db_global_init();
	if (!strcmp(argv[1], "serve") && argc == 2)
		return cmd_serve();
	if (!strcmp(argv[1], "migrate") && argc == 2)
		return cmd_migrate();
	if (!strcmp(argv[1], "demo") && argc == 2)
		return cmd_demo();
	if (!strcmp(argv[1], "user"))
		return cmd_user(argc - 2, argv + 2);
	if (!strcmp(argv[1], "serve") || !strcmp(argv[1], "migrate"))
		return fail("\"%s\" takes no arguments; see fieldd --help", argv[1]);
	return fail("unknown command \"%s\"; see fieldd --help", argv[1]);
}
