#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

struct strmap_slot {
	char		*key;		/* NULL: empty */
	size_t		 n;
	uint64_t	 hash;
	size_t		 value;
};

struct strmap {
	struct strmap_slot	*slots;
	size_t			 cap;	/* a power of two */
	size_t			 count;
};

static uint64_t
strmap_hash(const void *key, size_t n)
{
	/*
	 * Eight bytes a multiply (FNV-1a's byte a multiply was 1.8% of a
	 * diagnosis of MTA logs, whose keys are a line's shape); nothing
	 * depends on the values but the table's own slots.
	 */
	const unsigned char *p = key;
	uint64_t h = UINT64_C(14695981039346656037) ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
	return h ^ (h >> 32);
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void
strmap_clear(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
		m->slots[i].key = NULL;
	}
	m->count = 0;
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	strmap_clear(m);
	free(m->slots);
	free(m);
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

/* The slot of key, or the empty slot where it would go. */
static struct strmap_slot *
strmap_slot(const struct strmap *m, const void *key, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);
	struct strmap_slot *s;

	for (;;) {
		s = &m->slots[i];
		if (s->key == NULL || (s->hash == h && s->n == n && memcmp(s->key, key, n) == 0))
			return s;
		i = (i + 1) & (m->cap - 1);
	}
}

int
strmap_get(const struct strmap *m, const void *key, size_t n, size_t *value)
{
	struct strmap_slot *s = strmap_slot(m, key, n, strmap_hash(key, n));

	if (s->key == NULL)
		return 0;
	*value = s->value;
	return 1;
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap_slot *old = m->slots, *s;
	size_t oldcap = m->cap, i;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = strmap_slot(m, old[i].key, old[i].n, old[i].hash);
		*s = old[i];
	}
	free(old);
}

void
strmap_put(struct strmap *m, const void *key, size_t n, size_t value)
{
	uint64_t h = strmap_hash(key, n);
	struct strmap_slot *s = strmap_slot(m, key, n, h);

	if (s->key == NULL) {
		if ((m->count + 1) * 2 > m->cap) {
			strmap_grow(m);
			s = strmap_slot(m, key, n, h);
		}
		s->key = xmalloc(n ? n : 1);
		memcpy(s->key, key, n);
		s->n = n;
		s->hash = h;
		m->count++;
	}
	s->value = value;
}
