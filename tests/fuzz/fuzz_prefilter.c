/*
 * Fuzz target: the literal scan (prefilter.h). Input: a count byte, then
 * that many literals (a length byte, then the bytes: any bytes, NULs and
 * newlines too), then the text. The oracle: every implementation the CPU
 * has, on the whole text (prefilter_scan), per line (prefilter_lines) and
 * per hit (prefilter_each: each reported occurrence is there), finds
 * exactly the ids of the literals that a brute-force search finds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"
#include "prefilter_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IDS	80

struct ctx {
	const struct prefilter	*pf;
	const char		*s;
	size_t			 len, next;
};

static int
on_hit(void *arg, size_t lit, size_t off, size_t len)
{
	struct ctx *c = arg;
	size_t l, k;
	const char *text = prefilter_literal(c->pf, lit, &l);

	if (l != len || off + len > c->len)
		abort();
	for (k = 0; k < len; k++)
		if (prefilter_ref_fold((unsigned char)c->s[off + k]) != (unsigned char)text[k])
			abort();
	return 0;
}

static int
on_line(void *arg, size_t off, size_t len, const uint64_t *ids)
{
	struct ctx *c = arg;
	uint64_t want[(IDS + 63) / 64] = { 0 };

	if (off < c->next || off + len > c->len || (off > 0 && c->s[off - 1] != '\n') ||
	    memchr(c->s + off, '\n', len) != NULL ||
	    (off + len < c->len && c->s[off + len] != '\n'))
		abort();
	prefilter_ref(c->pf, c->s + off, len, want);
	if (memcmp(want, ids, sizeof(want)) != 0)
		abort();
	c->next = off + len + 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const impls[] = { "scalar", "ssse3", "avx2" };
	uint64_t want[(IDS + 63) / 64], got[(IDS + 63) / 64];
	struct prefilter *pf;
	size_t n, i, l, p = 1, start, end;
	struct ctx c;
	const char *s;

	if (size < 1)
		return 0;
	pf = prefilter_new(IDS);
	n = data[0] % 24;
	for (i = 0; i < n && p < size; i++) {
		l = data[p++] % 40;
		if (l > size - p)
			l = size - p;
		prefilter_add(pf, (const char *)data + p, l, (i * 7 + l) % IDS);
		p += l;
	}
	s = (const char *)data + p;
	c.pf = pf;
	c.s = s;
	c.len = size - p;
	for (i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
		if (prefilter_use(pf, impls[i]) != 0)
			continue;
		memset(want, 0, sizeof(want));
		memset(got, 0, sizeof(got));
		prefilter_ref(pf, s, c.len, want);
		prefilter_scan(pf, s, c.len, got);
		if (memcmp(want, got, sizeof(want)) != 0)
			abort();
		(void)prefilter_each(pf, s, c.len, on_hit, &c);
		c.next = 0;
		(void)prefilter_lines(pf, s, c.len, on_line, &c);
		/* Lines it did not report hold no literal. */
		for (start = 0; start <= c.len; start = end + 1) {
			const char *nl = memchr(s + start, '\n', c.len - start);

			end = nl ? (size_t)(nl - s) : c.len;
			memset(want, 0, sizeof(want));
			memset(got, 0, sizeof(got));
			prefilter_ref(pf, s + start, end - start, want);
			prefilter_scan(pf, s + start, end - start, got);
			if (memcmp(want, got, sizeof(want)) != 0)
				abort();
			if (nl == NULL)
				break;
		}
	}
	prefilter_free(pf);
	return 0;
}
