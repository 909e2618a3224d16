/* Fuzz target: route matching over the real route table, any method and path. */
#include "fieldd/arena.h"
#include "fieldd/handlers.h"
#include "fieldd/router.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
	if (size < 1)
		return 0;
	struct arena *a = arena_new();
	char *path = arena_strndup(a, (const char *)data + 1, size - 1);
	if (strlen(path) == size - 1) { /* MHD never hands over a path with a NUL */
		const char *params[HTTP_MAX_PARAMS];
		int idx = -1, np = 0;
		char allow[64];
		router_match(a, handler_routes, handler_nroutes, methods[data[0] % 6], path, &idx,
			     params, &np, allow, sizeof allow);
	}
	arena_free(a);
	return 0;
}
