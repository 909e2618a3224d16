/*
 * events.h — the listener thread (server/jobs/events_listener.c) and the
 * making of SSE blocks from the change feed's payloads.
 *
 * The listener holds the process's one LISTEN connection (fieldd_events),
 * turns each notification into an evbus event and publishes it; it
 * publishes a heartbeat every EVENTS_HEARTBEAT_S seconds, and a resync
 * (reason "database") after it lost the connection and got it back.
 */
#ifndef FIELDD_EVENTS_H
#define FIELDD_EVENTS_H

#include "fieldd/evbus.h"

#include <stdint.h>

#define EVENTS_HEARTBEAT_S 15
#define EVENTS_RETRY_MS	   3000

/* One malloc'd block (free() it): the event with its frame and arrays; NULL when the
 * payload is not a change-feed row. */
struct evbus_event *events_parse(const char *payload);
/* An `event: resync` block with id newest; malloc'd, free() it. */
struct evbus_event *events_resync(int64_t newest, const char *reason);

/* Starts and stops the listener thread (serve only). */
int events_listener_start(void);
void events_listener_stop(void);
/* 1 while the LISTEN connection is up (for /metrics and tests). */
int events_listener_up(void);

#endif
