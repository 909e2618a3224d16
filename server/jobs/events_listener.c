#define _GNU_SOURCE /* pipe2 */
/*
 * The change feed's listener: one thread, one LISTEN connection, the bus.
 * See include/fieldd/events.h and docs/architecture.md ("The live event stream").
 */
#include "fieldd/events.h"
#include "fieldd/log.h"
#include "fieldd/pg_events.h"

#include <json-c/json.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t *int_array(struct json_object *arr, int *n)
{
	*n = 0;
	if (!arr || !json_object_is_type(arr, json_type_array))
		return NULL;
	size_t len = json_object_array_length(arr);
	if (!len)
		return NULL;
	int64_t *out = malloc(len * sizeof *out);
	if (!out)
		abort();
	for (size_t i = 0; i < len; i++)
		out[(*n)++] = json_object_get_int64(json_object_array_get_idx(arr, i));
	return out;
}

struct evbus_event *events_parse(const char *payload)
{
	struct json_object *o = json_tokener_parse(payload);
	struct json_object *id, *kind;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "id", &id) ||
	    !json_object_object_get_ex(o, "kind", &kind) ||
	    !json_object_is_type(kind, json_type_string)) {
		json_object_put(o);
		return NULL;
	}
	int np, nt;
	struct json_object *jp = NULL, *jt = NULL;
	json_object_object_get_ex(o, "people", &jp);
	json_object_object_get_ex(o, "teams", &jt);
	int64_t *people = int_array(jp, &np), *teams = int_array(jt, &nt);
	json_object_object_del(o, "people");
	json_object_object_del(o, "teams");
	int64_t eid = json_object_get_int64(id);
	size_t dlen;
	const char *data = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &dlen);
	const char *k = json_object_get_string(kind);
	size_t flen = dlen + strlen(k) + 64;
	size_t arrays = (size_t)(np + nt) * sizeof(int64_t);
	struct evbus_event *ev = malloc(sizeof *ev + arrays + flen);
	if (!ev)
		abort();
	int64_t *mem = (int64_t *)(ev + 1);
	if (np)
		memcpy(mem, people, (size_t)np * sizeof(int64_t));
	if (nt)
		memcpy(mem + np, teams, (size_t)nt * sizeof(int64_t));
	char *frame = (char *)(mem + np + nt);
	int fl =
	    snprintf(frame, flen, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)eid, k, data);
	*ev = (struct evbus_event){.type = EVBUS_CHANGE,
				   .id = eid,
				   .people = mem,
				   .npeople = np,
				   .teams = mem + np,
				   .nteams = nt,
				   .frame = frame,
				   .frame_len = (size_t)fl};
	free(people);
	free(teams);
	json_object_put(o);
	return ev;
}

struct evbus_event *events_resync(int64_t newest, const char *reason)
{
	char at[40];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm);
	size_t flen = 256;
	struct evbus_event *ev = malloc(sizeof *ev + flen);
	if (!ev)
		abort();
	char *frame = (char *)(ev + 1);
	int fl = snprintf(frame, flen,
			  "id: %lld\nevent: resync\ndata: {\"id\":%lld,\"kind\":\"resync\","
			  "\"reason\":\"%s\",\"at\":\"%s.%03ldZ\"}\n\n",
			  (long long)newest, (long long)newest, reason, at, ts.tv_nsec / 1000000);
	*ev = (struct evbus_event){
	    .type = EVBUS_RESYNC, .id = newest, .frame = frame, .frame_len = (size_t)fl};
	return ev;
}

/* ---- the thread ---- */

static pthread_t thread;
static int stop_pipe[2] = {-1, -1};
static atomic_int up;
static bool running;

static void on_payload(void *ctx, const char *payload)
{
	(void)ctx;
	struct evbus_event *ev = events_parse(payload);
	if (!ev) {
		log_msg(LOG_WARN, "events", "a notification that is not a change-feed row");
		return;
	}
	evbus_publish(ev);
	free(ev);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *listener_main(void *arg)
{
	(void)arg;
	static const char hb[] = ": heartbeat\n\n";
	const struct evbus_event heartbeat = {
	    .type = EVBUS_HEARTBEAT, .frame = hb, .frame_len = sizeof hb - 1};
	struct db_listener *l = NULL;
	bool lost = false; /* events may have been missed since the last connection */
	int64_t next_beat = mono_ms() + EVENTS_HEARTBEAT_S * 1000, next_try = 0;
	for (;;) {
		int64_t now = mono_ms();
		if (!l && now >= next_try) {
			l = db_listen_open();
			if (l) {
				atomic_store(&up, 1);
				if (lost) {
					/* whatever was committed while we were away is unknown:
					 * every stream reloads */
					int64_t newest = db_listen_newest(l);
					struct evbus_event *ev =
					    events_resync(newest < 0 ? 0 : newest, "database");
					evbus_publish(ev);
					free(ev);
					log_msg(LOG_INFO, "events",
						"listening again; streams resync");
				}
				lost = false;
			} else {
				lost = true;
				next_try = now + 1000;
			}
		}
		if (now >= next_beat) {
			evbus_publish(&heartbeat);
			next_beat = now + EVENTS_HEARTBEAT_S * 1000;
		}
		int64_t wait = next_beat - now;
		if (!l && next_try - now < wait)
			wait = next_try - now;
		if (wait < 0)
			wait = 0;
		struct pollfd pf[2] = {{stop_pipe[0], POLLIN, 0},
				       {l ? db_listen_socket(l) : -1, POLLIN, 0}};
		int rc = poll(pf, l ? 2 : 1, (int)wait);
		if (rc < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		if (l && pf[1].revents) {
			if (db_listen_drain(l, on_payload, NULL) < 0) {
				log_msg(LOG_WARN, "events",
					"lost the LISTEN connection; reconnecting");
				db_listen_close(l);
				l = NULL;
				atomic_store(&up, 0);
				lost = true;
				next_try = mono_ms() + 200;
			}
		}
	}
	db_listen_close(l);
	atomic_store(&up, 0);
	return NULL;
}

int events_listener_start(void)
{
	if (pipe2(stop_pipe, O_CLOEXEC) < 0)
		return -1;
	if (pthread_create(&thread, NULL, listener_main, NULL) != 0) {
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		return -1;
	}
	running = true;
	return 0;
}

void events_listener_stop(void)
{
	if (!running)
		return;
	if (write(stop_pipe[1], "x", 1) != 1)
		log_msg(LOG_WARN, "events", "cannot wake the listener");
	pthread_join(thread, NULL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	running = false;
}

int events_listener_up(void)
{
	return atomic_load(&up);
}
