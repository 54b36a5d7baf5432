/*
 * strmap: a hash map from byte strings to indexes (size_t), for the tables
 * the correlator and the summary keep per log: incidents by article, peer and
 * source; delivery attempts by session; messages by id.
 *
 * Open addressing with linear probing, FNV-1a hashes, grown at half full, so
 * a lookup costs one hash of the key and a probe or two. Keys are copied.
 *
 * Ownership: a struct strmap owns its keys; strmap_free() accepts NULL.
 */
#ifndef KBDIAG_STRMAP_H
#define KBDIAG_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);
/* Forget every key (the map keeps its capacity). */
void strmap_clear(struct strmap *m);
size_t strmap_count(const struct strmap *m);

/* The value of key (n bytes, may hold NULs): 1 and *value, or 0 if absent. */
int strmap_get(const struct strmap *m, const void *key, size_t n, size_t *value);
/* Set key's value (added, or replaced). */
void strmap_put(struct strmap *m, const void *key, size_t n, size_t value);

#endif
