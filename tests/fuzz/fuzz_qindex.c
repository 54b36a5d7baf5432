/*
 * Fuzz target: the reader of the query's index as the rule base cache keeps
 * it (query_index_load(), query.c), which parses bytes from disk. The kb is
 * the source tree's rule base with only the articles Q100709 and Q123827
 * (the seeds in tests/fuzz/corpus/qindex are its index, written by
 * kbcache_seed). The oracle: an index the reader accepts answers a query
 * without reading out of bounds, and is written and read back again.
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

static void
fuzz_qindex_kb(void)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];

	p.dir = TEST_SRCDIR "/kb";
	if (kb_load(&p, &kb, err) != 0)
		abort();
	kbpair_keep(kb);
	if (match_compile(kb, &m, err) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char text[] = "Error (119) Network Write Error to netwrok host, FILES=40 -Q90";
	struct query_index *ix, *again;
	struct query_results *q;
	struct buf b = BUF_INIT;
	char err[ERR_LEN];

	if (kb == NULL)
		fuzz_qindex_kb();
	if ((ix = query_index_load(kb, data, size, err)) == NULL)
		return 0;
	q = query_ask(ix, m, text, sizeof(text) - 1);
	query_free(q);
	query_index_save(ix, &b);
	if ((again = query_index_load(kb, b.data, b.len, err)) == NULL)
		abort();
	query_index_free(again);
	query_index_free(ix);
	buf_free(&b);
	return 0;
}
