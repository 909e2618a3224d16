/* Fields of a plain HTML form's body (application/x-www-form-urlencoded). */
#include "fieldd/arena.h"
#include "fieldd/http.h"

#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *http_form_value(struct arena *a, const char *body, size_t len, const char *key)
{
	size_t klen = strlen(key);
	size_t i = 0;
	while (body && i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end - i > klen && body[i + klen] == '=' && !memcmp(body + i, key, klen)) {
			char *out = arena_alloc(a, end - i - klen);
			size_t o = 0;
			for (size_t p = i + klen + 1; p < end; p++) {
				int h1, h2;
				if (body[p] == '+')
					out[o++] = ' ';
				else if (body[p] == '%' && p + 2 < end &&
					 (h1 = hexval(body[p + 1])) >= 0 &&
					 (h2 = hexval(body[p + 2])) >= 0) {
					out[o++] = (char)(h1 * 16 + h2);
					p += 2;
				} else
					out[o++] = body[p];
			}
			out[o] = '\0';
			return out;
		}
		i = end + 1;
	}
	return NULL;
}
