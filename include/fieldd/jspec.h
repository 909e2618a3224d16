/*
 * jspec.h — declarative JSON request parsing on json-c.
 *
 * A handler declares an array of jfield rows ending with JSPEC_END and makes
 * one call. Fields not in the spec are refused (allow-list). Every failure
 * is reported as {field, message} in the errors array; nothing is written to
 * outputs of a spec that failed... except fields parsed before the failure,
 * which the handler must not use when the call returns false.
 */
#ifndef FIELDD_JSPEC_H
#define FIELDD_JSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct arena;
struct json_object;

enum jtype {
	J_STRING,	/* const char **; min/max are lengths in characters */
	J_INT,		/* int64_t *; min/max are values */
	J_ID,		/* int64_t *; a positive integer id */
	J_BOOL,		/* bool * */
	J_NUMBER,	/* double *; min/max are values */
	J_ENUM,		/* const char **; one of enums[] */
	J_ENUM_ARRAY,	/* struct jstrv *; each one of enums[], no duplicates */
	J_STRING_ARRAY, /* struct jstrv *; each a string of min..max characters */
	J_TIME,		/* const char **; RFC 3339 date-time with offset (prefer J_TIMESTAMP) */
	J_TIMESTAMP,	/* struct jtimestamp *; RFC 3339 date-time with offset, parsed */
	J_OBJECT,	/* struct json_object **, borrowed from the document */
	J_ARRAY,	/* struct json_object **, borrowed from the document */
	J_ANY,		/* struct json_object **: any value, NULL for JSON null (borrowed) */
};

/* J_TIMESTAMP's output: the instant, and the text as sent (its offset kept, for SQL and
 * for echoing). Left {0, NULL} when the member is absent or null. */
struct jtimestamp {
	time_t t;
	const char *text;
};

struct jstrv {
	int n;
	const char **v;
};

struct jfield {
	const char *name;
	enum jtype type;
	bool required;
	bool nullable;		  /* JSON null accepted: output left NULL/0, *present set */
	int64_t min, max;	  /* 0,0 = no limit */
	const char *const *enums; /* NULL-terminated, for J_ENUM */
	void *out;
	bool *present; /* optional: set when the member appears */
};
/* A spec is an array of designated initialisers, {.name = "login", .type = J_STRING,
 * .required = true, .max = 64, .out = &u.login}, ended by JSPEC_END. */
#define JSPEC_END                                                                                  \
	{                                                                                          \
		.name = NULL                                                                       \
	}

/* Nesting allowed in request bodies. */
#define JSPEC_MAX_DEPTH 16

/*
 * Strict tokenizing: RFC 8259 only, valid UTF-8, depth <= JSPEC_MAX_DEPTH,
 * no trailing bytes. Returns the document (arena-owned: released with the
 * arena) or NULL with a short reason in *why.
 */
struct json_object *jspec_tokenize(struct arena *a, const char *buf, size_t len, const char **why);

/* Parses obj against spec. On failure appends {field, message} objects to errors. */
bool jspec_parse(struct arena *a, struct json_object *obj, const struct jfield *spec,
		 struct json_object *errors);

/* Serializes o compactly into the arena; does not take o. */
const char *jspec_dump(struct arena *a, struct json_object *o, size_t *len);

/* RFC 3339 date-time with a mandatory offset ("Z" or ±hh:mm). */
bool jspec_is_rfc3339(const char *s);

/*
 * JSON owned by an arena (json_object_put when the arena is freed), so that a
 * handler never writes a json_object_put of its own. jobj()/jarr() make an
 * object or array that is the arena's from the start; jspec_adopt() hands the
 * arena a root made otherwise, once (adopting an arena's root again does
 * nothing). The reply functions that take an object adopt it. An arena's root
 * put into another object needs its own reference: jspec_ref().
 */
struct json_object *jobj(struct arena *a);
struct json_object *jarr(struct arena *a);
struct json_object *jspec_adopt(struct arena *a, struct json_object *o);
/* A reference to o for json_object_object_add/array_add: o itself when nobody owns it,
 * a new reference when an arena does. */
struct json_object *jspec_ref(struct json_object *o);

/* json-c helpers for replies: NULL becomes JSON null. */
struct json_object *jstr(const char *s);
struct json_object *jint(int64_t v);
struct json_object *jbool(bool v);
/* A column value that holds an integer; NULL stays null. */
struct json_object *jint_text(const char *s);

#endif
