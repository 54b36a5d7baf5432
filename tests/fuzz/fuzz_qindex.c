/*
 * Fuzz target: the reader of the query's index as the rule base cache keeps
 * it (query_index_load(), query.c), which parses bytes from disk. The kb is
 * the source tree's rule base with only the articles Q100709 and Q123827.
 * An input is either a whole index (it starts with the index's magic, as
 * the seed two-articles, written by kbcache_seed, does), or a patch of that
 * kb's own index, small enough for `make fuzz`'s 64 KiB inputs: a u32
 * offset, a u32 length the index is cut to (modulo its length + 1), then
 * the bytes written at the offset. The oracle: an index the reader accepts
 * answers a query without reading out of bounds, and is written and read
 * back again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "kb.h"
#include "match.h"
#include "query.h"
#include "kbpair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;
static struct matcher *m;
static struct buf own = BUF_INIT;	/* kb's own index, saved */

static void
fuzz_qindex_kb(void)
{
	struct kb_load_params p = { 0 };
	struct query_index *ix;
	char err[ERR_LEN];

	p.dir = TEST_SRCDIR "/kb";
	if (kb_load(&p, &kb, err) != 0)
		abort();
	kbpair_keep(kb);
	if (match_compile(kb, &m, err) != 0)
		abort();
	ix = query_index_new(kb);
	query_index_save(ix, &own);
	query_index_free(ix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char text[] = "Error (119) Network Write Error to netwrok host, FILES=40 -Q90";
	struct query_index *ix, *again;
	struct query_results *q;
	struct buf b = BUF_INIT;
	unsigned char *patched = NULL;
	char err[ERR_LEN];

	if (kb == NULL)
		fuzz_qindex_kb();
	if (size >= 8 && memcmp(data, own.data, 4) != 0) {
		/* a patch: exactly the bytes it leaves, so that ASan sees a read past */
		uint32_t off, cut;
		size_t n = own.len;

		memcpy(&off, data, 4);
		memcpy(&cut, data + 4, 4);
		off %= (uint32_t)own.len + 1;
		if (size - 8 > own.len - off)
			size = own.len - off + 8;
		if (cut != 0)
			n = cut % (own.len + 1);
		patched = malloc(own.len ? own.len : 1);
		if (patched == NULL)
			abort();
		memcpy(patched, own.data, own.len);
		memcpy(patched + off, data + 8, size - 8);
		data = patched;
		size = n;
		patched = realloc(patched, n ? n : 1);
		if (patched == NULL)
			abort();
		data = patched;
	}
	ix = query_index_load(kb, data, size, err);
	if (ix == NULL) {
		free(patched);
		return 0;
	}
	q = query_ask(ix, m, text, sizeof(text) - 1);
	query_free(q);
	query_index_save(ix, &b);
	if ((again = query_index_load(kb, b.data, b.len, err)) == NULL)
		abort();
	query_index_free(again);
	query_index_free(ix);
	buf_free(&b);
	free(patched);
	return 0;
}
