/*
 * Route matching: segment by segment, literal segments must be equal, {x}
 * segments match one non-empty segment. Tables are small (tens of rows) so
 * a linear scan beats any index here.
 */
#include "fieldd/router.h"

#include <stdio.h>
#include <string.h>

/* Matches and, when params is non-NULL, records {x} segment spans. */
static int match(const char *pat, const char *path, const char **starts, size_t *lens, int *np)
{
	int n = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return 0;
		pat++, path++;
		const char *pe = strchr(pat, '/');
		const char *se = strchr(path, '/');
		size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t sl = se ? (size_t)(se - path) : strlen(path);
		const char *close = pl >= 2 && pat[0] == '{' ? memchr(pat, '}', pl) : NULL;
		if (close) {
			/* {x} or {x}.ext: the parameter is the segment less the suffix */
			size_t suf = pl - (size_t)(close + 1 - pat);
			if (sl <= suf || n >= HTTP_MAX_PARAMS ||
			    memcmp(path + sl - suf, close + 1, suf))
				return 0;
			if (starts) {
				starts[n] = path;
				lens[n] = sl - suf;
			}
			n++;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return 0;
		}
		pat += pl, path += sl;
	}
	if (*pat || *path)
		return 0;
	if (np)
		*np = n;
	return 1;
}

enum router_result router_match(struct arena *a, const struct route *table, size_t n,
				const char *method, const char *path, int *index,
				const char **params, int *nparams, char *allow, size_t allowlen)
{
	int path_seen = 0;
	size_t used = 0;
	allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *starts[HTTP_MAX_PARAMS];
		size_t lens[HTTP_MAX_PARAMS];
		int np = 0;
		if (!match(table[i].pattern, path, starts, lens, &np))
			continue;
		int same_method =
		    strcmp(table[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(table[i].method, "GET") == 0);
		if (same_method) {
			*index = (int)i;
			for (int k = 0; k < np; k++)
				params[k] = arena_strndup(a, starts[k], lens[k]);
			*nparams = np;
			return ROUTER_FOUND;
		}
		if (!strstr(allow, table[i].method)) {
			int w = snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "",
					 table[i].method);
			if (w > 0 && used + (size_t)w < allowlen)
				used += (size_t)w;
			else
				allow[used] = '\0'; /* whole method names only, never a cut one */
		}
		path_seen = 1;
	}
	return path_seen ? ROUTER_METHOD : ROUTER_NOT_FOUND;
}
