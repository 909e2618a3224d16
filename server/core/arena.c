/* Arena allocator: bump allocation in chained blocks, deferred cleanups. */
#include "fieldd/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192
#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct block *head;
	struct cleanup *cleanups;
	size_t total;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("{\"level\":\"fatal\",\"msg\":\"out of memory\"}\n", stderr);
		abort();
	}
	return p;
}

static struct block *block_new(size_t need)
{
	size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
	struct block *b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *arena_new(void)
{
	struct arena *a = xmalloc(sizeof(*a));
	a->head = block_new(ARENA_BLOCK);
	a->cleanups = NULL;
	a->total = 0;
	return a;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	for (struct cleanup *c = a->cleanups; c; c = c->next)
		c->fn(c->p);
	struct block *b = a->head;
	while (b) {
		struct block *n = b->next;
		free(b);
		b = n;
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	if (n == 0)
		n = 1;
	size_t rounded = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded < n)
		abort();
	struct block *b = a->head;
	if (b->size - b->used < rounded) {
		struct block *nb = block_new(rounded);
		if (rounded > ARENA_BLOCK / 2) {
			/* a big one-off: keep the current block for small requests */
			nb->next = b->next;
			b->next = nb;
			b = nb;
		} else {
			nb->next = b;
			a->head = nb;
			b = nb;
		}
	}
	void *p = b->data + b->used;
	b->used += rounded;
	a->total += rounded;
	memset(p, 0, n);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);
	if (n)
		memcpy(q, p, n);
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *q = arena_alloc(a, n + 1);
	memcpy(q, s, n);
	q[n] = '\0';
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	char *s = arena_alloc(a, (size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return s;
}

void arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}

void abuf_init(struct abuf *b, struct arena *a)
{
	b->a = a;
	b->cap = 256;
	b->len = 0;
	b->buf = arena_alloc(a, b->cap);
}

void abuf_add(struct abuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap * 2;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *nb = arena_alloc(b->a, cap);
		memcpy(nb, b->buf, b->len);
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void abuf_adds(struct abuf *b, const char *s)
{
	abuf_add(b, s, strlen(s));
}

void abuf_addf(struct abuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(b->a, fmt, ap);
	va_end(ap);
	abuf_adds(b, s);
}
