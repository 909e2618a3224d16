/* Declarative JSON parsing and small reply helpers; see jspec.h. */
#include "fieldd/jspec.h"
#include "fieldd/arena.h"
#include "fieldd/util.h"

#include <json-c/json.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON owned by an arena ---- */

/* The mark on an object or array an arena owns (json-c's userdata; doubles use theirs). */
static const char arena_owned = 'a';

static bool owned(struct json_object *o)
{
	return o && json_object_get_userdata(o) == (void *)&arena_owned;
}

static void put_json(void *p)
{
	json_object_put(p);
}

struct json_object *jspec_adopt(struct arena *a, struct json_object *o)
{
	if (!o || owned(o))
		return o;
	if (json_object_is_type(o, json_type_object) || json_object_is_type(o, json_type_array))
		json_object_set_userdata(o, (void *)&arena_owned, NULL);
	arena_defer(a, put_json, o);
	return o;
}

struct json_object *jspec_ref(struct json_object *o)
{
	return owned(o) ? json_object_get(o) : o;
}

struct json_object *jobj(struct arena *a)
{
	return jspec_adopt(a, json_object_new_object());
}

struct json_object *jarr(struct arena *a)
{
	return jspec_adopt(a, json_object_new_array());
}

static bool all_finite(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			struct json_object *e = json_object_array_get_idx(o, i);
			if (e && !all_finite(e))
				return false;
		}
		return true;
	case json_type_object: {
		json_object_object_foreach(o, key, val)
		{
			(void)key;
			if (val && !all_finite(val))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/* A \u0000 escape: "u0000" after an odd run of backslashes (valid JSON has it only in
 * strings, keys included). */
static bool has_nul_escape(const char *buf, size_t len)
{
	for (size_t i = 1; i + 5 <= len; i++) {
		if (buf[i] != 'u' || memcmp(buf + i + 1, "0000", 4) != 0)
			continue;
		size_t bs = 0;
		while (bs < i && buf[i - 1 - bs] == '\\')
			bs++;
		if (bs % 2 == 1)
			return true;
	}
	return false;
}

/* What json-c 0.16's strict mode still lets through: single-quoted keys ({'a':1})
 * and raw control characters inside strings (RFC 8259 §7 wants them escaped). */
static bool strict_lexing(const char *buf, size_t len)
{
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (in_str) {
			if (c == '\\')
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_str = false;
			else if (c < 0x20)
				return false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '\'') {
			return false;
		}
	}
	return true;
}

/* ---- what json-c decodes silently: lone surrogates and repeated keys ----
 *
 * json-c turns an escaped lone surrogate ("\ud800", "\udc00", a high one not
 * followed by a low one) into U+FFFD, changing the text sent, and keeps the
 * last of two equal keys in an object. RFC 8259 §8.2 and §4 leave both to the
 * receiver; fieldd refuses them. This pass runs over a body json-c accepted,
 * so the structure is known to be well formed. */

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the string starting after its opening quote at buf[*i] into out
 * (at least as long as the raw text); *i ends after the closing quote.
 * Returns the decoded length, or -1 on a lone surrogate. */
static long decode_string(const char *buf, size_t len, size_t *i, char *out)
{
	size_t n = 0, p = *i;
	while (p < len && buf[p] != '"') {
		if (buf[p] != '\\') {
			out[n++] = buf[p++];
			continue;
		}
		char e = buf[p + 1];
		p += 2;
		switch (e) {
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u': {
			int cp = p + 4 <= len ? hex4(buf + p) : -1;
			if (cp < 0)
				return -1;
			p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1; /* a low surrogate with no high one before it */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				int lo = p + 6 <= len && buf[p] == '\\' && buf[p + 1] == 'u'
					     ? hex4(buf + p + 2)
					     : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return -1; /* a high surrogate not followed by a low one */
				p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			n += put_utf8(out + n, (unsigned)cp);
			break;
		}
		default:
			out[n++] = e;
			break; /* " \ / */
		}
	}
	*i = p + 1;
	return (long)n;
}

struct jkey {
	const char *s;
	size_t n;
};

static int jkey_cmp(const void *a, const void *b)
{
	const struct jkey *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* NULL when the text is fine; otherwise why not. Keys live in a; *dup_key is
 * the repeated key. */
static const char *surrogates_and_duplicates(struct arena *a, const char *buf, size_t len,
					     const char **dup_key)
{
	size_t cap = 64, nkeys = 0, depth = 0;
	size_t starts[JSPEC_MAX_DEPTH + 2];
	bool is_obj[JSPEC_MAX_DEPTH + 2];
	struct jkey *keys = malloc(cap * sizeof *keys);
	char *scratch = arena_alloc(a, len + 1);
	const char *why = NULL;
	if (!keys)
		abort();
	for (size_t i = 0; i < len && !why;) {
		char c = buf[i];
		if (c == '{' || c == '[') {
			if (depth < JSPEC_MAX_DEPTH + 1) {
				starts[depth] = nkeys;
				is_obj[depth] = c == '{';
			}
			depth++;
			i++;
		} else if (c == '}' || c == ']') {
			depth--;
			if (depth <= JSPEC_MAX_DEPTH && is_obj[depth]) {
				size_t s0 = starts[depth], k = nkeys - s0;
				qsort(keys + s0, k, sizeof *keys, jkey_cmp);
				for (size_t j = 1; j < k && !why; j++)
					if (!jkey_cmp(&keys[s0 + j - 1], &keys[s0 + j])) {
						*dup_key = arena_strndup(a, keys[s0 + j].s,
									 keys[s0 + j].n);
						why = "duplicate";
					}
				nkeys = s0;
			}
			i++;
		} else if (c == '"') {
			i++;
			long n = decode_string(buf, len, &i, scratch);
			if (n < 0) {
				why = "surrogate";
				break;
			}
			size_t j = i;
			while (j < len && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\n' ||
					   buf[j] == '\r'))
				j++;
			if (j < len && buf[j] == ':' && depth > 0 && depth <= JSPEC_MAX_DEPTH + 1) {
				if (nkeys == cap) {
					cap *= 2;
					struct jkey *nk = realloc(keys, cap * sizeof *keys);
					if (!nk)
						abort();
					keys = nk;
				}
				keys[nkeys].s = arena_strndup(a, scratch, (size_t)n);
				keys[nkeys].n = (size_t)n;
				nkeys++;
			}
		} else {
			i++;
		}
	}
	free(keys);
	return why;
}

struct json_object *jspec_tokenize(struct arena *a, const char *buf, size_t len, const char **why)
{
	if (len == 0) {
		*why = "the body is empty";
		return NULL;
	}
	if (len > (size_t)INT32_MAX || !util_utf8_valid(buf, len)) {
		*why = "the body is not valid UTF-8";
		return NULL;
	}
	struct json_tokener *tok = json_tokener_new_ex(JSPEC_MAX_DEPTH);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	bool short_body = e == json_tokener_continue;
	if (short_body) {
		/* a top-level number or literal ("1", "true") ends only at the end of input */
		o = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		used = len;
	}
	json_tokener_free(tok);
	if (!o || e != json_tokener_success) {
		if (o)
			json_object_put(o);
		*why = e == json_tokener_error_depth ? "the body is nested too deeply"
		       : e == json_tokener_success   ? "the body must be a JSON object, not null"
		       : short_body		     ? "the body ends too early"
						     : "the body is not valid JSON";
		return NULL;
	}
	/* json-c takes NaN and Infinity, which RFC 8259 does not have */
	if (!all_finite(o)) {
		json_object_put(o);
		*why = "the body holds NaN, Infinity or a number out of range";
		return NULL;
	}
	/* "\u0000" would cut C strings short: "ab\u0000cd" must not pass as "ab" */
	if (has_nul_escape(buf, len)) {
		json_object_put(o);
		*why = "the body holds a NUL character (\\u0000)";
		return NULL;
	}
	if (!strict_lexing(buf, len)) {
		json_object_put(o);
		*why = "the body is not valid JSON";
		return NULL;
	}
	const char *dup = NULL;
	const char *bad = surrogates_and_duplicates(a, buf, len, &dup);
	if (bad) {
		json_object_put(o);
		*why = !strcmp(bad, "surrogate")
			   ? "the body holds a lone UTF-16 surrogate escape (\\ud800-\\udfff "
			     "not in a high-low pair)"
			   : arena_printf(a, "the key \"%s\" appears twice in one object", dup);
		return NULL;
	}
	/* allow trailing whitespace only */
	for (size_t i = used; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t') {
			json_object_put(o);
			*why = "the body has bytes after the JSON value";
			return NULL;
		}
	}
	arena_defer(a, put_json, o);
	return o;
}

static void add_err(struct json_object *errors, const char *field, const char *msg)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_array_add(errors, e);
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

bool jspec_is_rfc3339(const char *s)
{
	return util_is_rfc3339(s);
}

static bool in_enum(const char *const *enums, const char *s)
{
	for (; enums && *enums; enums++)
		if (strcmp(*enums, s) == 0)
			return true;
	return false;
}

static char *enum_list(struct arena *a, const char *const *enums)
{
	struct abuf b;
	abuf_init(&b, a);
	for (const char *const *e = enums; e && *e; e++)
		abuf_addf(&b, "%s%s", e == enums ? "" : ", ", *e);
	return b.buf;
}

static bool parse_strv(struct arena *a, const struct jfield *f, struct json_object *v,
		       struct json_object *errors)
{
	if (!json_object_is_type(v, json_type_array)) {
		add_err(errors, f->name, "must be an array of strings");
		return false;
	}
	size_t n = json_object_array_length(v);
	if (n > 256) {
		add_err(errors, f->name, "has too many elements (at most 256)");
		return false;
	}
	struct jstrv *sv = f->out;
	sv->n = (int)n;
	sv->v = arena_alloc(a, sizeof(char *) * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string)) {
			add_err(errors, f->name, "must be an array of strings");
			return false;
		}
		const char *s = json_object_get_string(e);
		if (f->type == J_ENUM_ARRAY) {
			if (!in_enum(f->enums, s)) {
				add_err(errors, f->name,
					arena_printf(a, "\"%s\" is not one of: %s", s,
						     enum_list(a, f->enums)));
				return false;
			}
			for (size_t j = 0; j < i; j++)
				if (strcmp(sv->v[j], s) == 0) {
					add_err(errors, f->name,
						arena_printf(a, "\"%s\" appears twice", s));
					return false;
				}
		} else {
			size_t len = utf8_chars(s);
			if ((f->min && len < (size_t)f->min) || (f->max && len > (size_t)f->max)) {
				add_err(errors, f->name,
					arena_printf(a,
						     "each element must be %lld to %lld characters",
						     (long long)f->min, (long long)f->max));
				return false;
			}
		}
		sv->v[i] = arena_strdup(a, s);
	}
	return true;
}

static bool parse_one(struct arena *a, const struct jfield *f, struct json_object *v,
		      struct json_object *errors)
{
	switch (f->type) {
	case J_STRING:
	case J_TIME:
	case J_TIMESTAMP:
	case J_ENUM: {
		if (!json_object_is_type(v, json_type_string)) {
			add_err(errors, f->name, "must be a string");
			return false;
		}
		const char *s = json_object_get_string(v);
		size_t len = utf8_chars(s);
		if (f->type == J_ENUM && !in_enum(f->enums, s)) {
			add_err(errors, f->name,
				arena_printf(a, "must be one of: %s", enum_list(a, f->enums)));
			return false;
		}
		time_t instant = 0;
		if ((f->type == J_TIME || f->type == J_TIMESTAMP) &&
		    (!jspec_is_rfc3339(s) || util_parse_rfc3339(s, &instant) < 0)) {
			add_err(errors, f->name,
				"must be an RFC 3339 date-time with offset, e.g. "
				"2026-11-23T10:00:00+09:00");
			return false;
		}
		if (f->type == J_STRING) {
			if (f->min && len < (size_t)f->min) {
				add_err(errors, f->name,
					f->min == 1
					    ? "must not be empty"
					    : arena_printf(a, "must be at least %lld characters",
							   (long long)f->min));
				return false;
			}
			if (f->max && len > (size_t)f->max) {
				add_err(errors, f->name,
					arena_printf(a, "must be at most %lld characters",
						     (long long)f->max));
				return false;
			}
		}
		if (f->type == J_TIMESTAMP) {
			struct jtimestamp *ts = f->out;
			ts->t = instant;
			ts->text = arena_strdup(a, s);
			return true;
		}
		*(const char **)f->out = arena_strdup(a, s);
		return true;
	}
	case J_INT:
	case J_ID: {
		if (!json_object_is_type(v, json_type_int)) {
			add_err(errors, f->name, "must be an integer");
			return false;
		}
		/* json-c clamps out-of-range literals; compare the text to catch it.
		 * Below INT64_MIN it keeps no trace, so INT64_MIN itself is refused. */
		errno = 0;
		int64_t n = json_object_get_int64(v);
		const char *txt = json_object_to_json_string(v);
		char back[32];
		snprintf(back, sizeof back, "%lld", (long long)n);
		if (strcmp(back, txt) != 0 || n == INT64_MIN) {
			add_err(errors, f->name, "is out of range");
			return false;
		}
		if (f->type == J_ID && n <= 0) {
			add_err(errors, f->name, "must be a positive id");
			return false;
		}
		if ((f->min || f->max) && (n < f->min || n > f->max)) {
			add_err(errors, f->name,
				arena_printf(a, "must be from %lld to %lld", (long long)f->min,
					     (long long)f->max));
			return false;
		}
		*(int64_t *)f->out = n;
		return true;
	}
	case J_NUMBER: {
		if (!json_object_is_type(v, json_type_int) &&
		    !json_object_is_type(v, json_type_double)) {
			add_err(errors, f->name, "must be a number");
			return false;
		}
		double d = json_object_get_double(v);
		if (!isfinite(d) ||
		    ((f->min || f->max) && (d < (double)f->min || d > (double)f->max))) {
			add_err(errors, f->name, "is out of range");
			return false;
		}
		*(double *)f->out = d;
		return true;
	}
	case J_BOOL:
		if (!json_object_is_type(v, json_type_boolean)) {
			add_err(errors, f->name, "must be true or false");
			return false;
		}
		*(bool *)f->out = json_object_get_boolean(v);
		return true;
	case J_STRING_ARRAY:
	case J_ENUM_ARRAY:
		return parse_strv(a, f, v, errors);
	case J_OBJECT:
		if (!json_object_is_type(v, json_type_object)) {
			add_err(errors, f->name, "must be an object");
			return false;
		}
		*(struct json_object **)f->out = v;
		return true;
	case J_ANY:
		*(struct json_object **)f->out = v;
		return true;
	case J_ARRAY:
		if (!json_object_is_type(v, json_type_array)) {
			add_err(errors, f->name, "must be an array");
			return false;
		}
		*(struct json_object **)f->out = v;
		return true;
	}
	return false;
}

bool jspec_parse(struct arena *a, struct json_object *obj, const struct jfield *spec,
		 struct json_object *errors)
{
	bool ok = true;
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		add_err(errors, "", "the body must be a JSON object");
		return false;
	}
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		const struct jfield *f = spec;
		while (f->name && strcmp(f->name, key) != 0)
			f++;
		if (!f->name) {
			add_err(errors, key, "is not a known field");
			ok = false;
		}
	}
	for (const struct jfield *f = spec; f->name; f++) {
		struct json_object *v = NULL;
		bool has = json_object_object_get_ex(obj, f->name, &v);
		if (f->present)
			*f->present = has;
		if (!has) {
			if (f->required) {
				add_err(errors, f->name, "is required");
				ok = false;
			}
			continue;
		}
		if (v == NULL) { /* JSON null */
			if (!f->nullable) {
				add_err(errors, f->name,
					f->required ? "is required" : "must not be null");
				ok = false;
			}
			continue;
		}
		if (!parse_one(a, f, v, errors))
			ok = false;
	}
	return ok;
}

const char *jspec_dump(struct arena *a, struct json_object *o, size_t *len)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (len)
		*len = n;
	return arena_strndup(a, s, n);
}

struct json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *jint(int64_t v)
{
	return json_object_new_int64(v);
}

struct json_object *jbool(bool v)
{
	return json_object_new_boolean(v);
}

struct json_object *jint_text(const char *s)
{
	return s ? json_object_new_int64(strtoll(s, NULL, 10)) : NULL;
}
