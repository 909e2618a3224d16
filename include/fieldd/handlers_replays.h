/*
 * handlers_replays.h — replays refused on an engineer's phone
 * (server/handlers/replay_failures.c). The route table is the only caller.
 */
#ifndef FIELDD_HANDLERS_REPLAYS_H
#define FIELDD_HANDLERS_REPLAYS_H

#include "fieldd/http.h"

int h_me_replay_failure_create(struct http_req *r, struct db *db);
int h_replay_failures_list(struct http_req *r, struct db *db);
int h_replay_failures_get(struct http_req *r, struct db *db);
int h_replay_failure_handle(struct http_req *r, struct db *db);

#endif
