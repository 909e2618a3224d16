/* Fuzz target: the strict JSON tokenizer and a request spec with every field type. */
#include "fieldd/arena.h"
#include "fieldd/jspec.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"a", "b", "c", NULL};
	struct arena *a = arena_new();
	const char *why = NULL;
	struct json_object *doc = jspec_tokenize(a, (const char *)data, size, &why);
	if (doc) {
		const char *s = NULL, *e = NULL, *t = NULL;
		int64_t i = 0, id = 0;
		double d = 0;
		bool b = false, present = false;
		struct jstrv sv = {0, NULL}, ev = {0, NULL};
		struct json_object *o = NULL, *arr = NULL, *any = NULL;
		struct jtimestamp ts = {0, NULL};
		const struct jfield spec[] = {
		    {"s", J_STRING, false, true, 1, 10, NULL, &s, &present},
		    {"i", J_INT, false, false, -5, 5, NULL, &i, NULL},
		    {"id", J_ID, false, false, 0, 0, NULL, &id, NULL},
		    {"b", J_BOOL, false, false, 0, 0, NULL, &b, NULL},
		    {"d", J_NUMBER, false, false, 0, 0, NULL, &d, NULL},
		    {"e", J_ENUM, false, false, 0, 0, kinds, &e, NULL},
		    {"ev", J_ENUM_ARRAY, false, false, 0, 0, kinds, &ev, NULL},
		    {"sv", J_STRING_ARRAY, false, false, 1, 5, NULL, &sv, NULL},
		    {"t", J_TIME, false, false, 0, 0, NULL, &t, NULL},
		    {.name = "ts", .type = J_TIMESTAMP, .nullable = true, .out = &ts},
		    {"o", J_OBJECT, false, false, 0, 0, NULL, &o, NULL},
		    {"arr", J_ARRAY, false, false, 0, 0, NULL, &arr, NULL},
		    {"any", J_ANY, false, true, 0, 0, NULL, &any, NULL},
		    JSPEC_END,
		};
		jspec_parse(a, doc, spec, jarr(a));
		jspec_dump(a, doc, NULL);
	}
	arena_free(a);
	return 0;
}
