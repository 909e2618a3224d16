/*
 * router.h — matching a method and path against a route table.
 */
#ifndef FIELDD_ROUTER_H
#define FIELDD_ROUTER_H

#include "fieldd/http.h"

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD };

/*
 * Finds the route for method and path in table[0..n). On ROUTER_FOUND sets
 * *index and fills params with arena copies of the {x} segments. On
 * ROUTER_METHOD writes the allowed methods ("GET, POST") into allow.
 */
enum router_result router_match(struct arena *a, const struct route *table, size_t n,
				const char *method, const char *path, int *index,
				const char **params, int *nparams, char *allow, size_t allowlen);

#endif
