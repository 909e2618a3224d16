/*
 * arena.h — per-request memory.
 *
 * An arena hands out memory that lives until arena_free(). Nothing is freed
 * one by one. Foreign objects (PGresult, json_object, icalcomponent) register
 * a cleanup with arena_defer(); cleanups run in reverse order on arena_free().
 *
 * Allocation failure aborts the process: callers never check for NULL.
 * All returned pointers are owned by the arena.
 */
#ifndef FIELDD_ARENA_H
#define FIELDD_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* Returns a new arena, owned by the caller; free it with arena_free(). */
struct arena *arena_new(void);
/* Runs the cleanups, then releases every block. NULL is ignored. */
void arena_free(struct arena *a);

/* Memory aligned for any type. Zeroed. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
/* NUL-terminated copies; NULL in gives NULL out. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Calls fn(p) when the arena is freed. */
void arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Bytes handed out so far (for tests and metrics). */
size_t arena_used(const struct arena *a);

/*
 * A growable byte buffer inside an arena. Invariant: buf[len] == '\0'.
 */
struct abuf {
	struct arena *a;
	char *buf;
	size_t len, cap;
};
void abuf_init(struct abuf *b, struct arena *a);
void abuf_add(struct abuf *b, const void *p, size_t n);
void abuf_adds(struct abuf *b, const char *s);
void abuf_addf(struct abuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
