/*
 * arena: a bump allocator for data that lives and dies together.
 *
 * The rule base holds thousands of small strings and arrays that are all
 * freed at once; an arena makes that one call and keeps the loaders free of
 * per-field cleanup. Memory comes from xmalloc (dies on OOM). A struct arena
 * is owned by its declarer: ARENA_INIT, allocate, arena_free().
 */
#ifndef KBDIAG_ARENA_H
#define KBDIAG_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk	*head;	/* newest chunk first */
};

#define ARENA_INIT { NULL }

/* n bytes, zeroed, aligned for any type; never NULL. */
void *arena_alloc(struct arena *a, size_t n);
/* nmemb * size bytes, zeroed, with an overflow check. */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
