/*
 * Fuzz target: an error text pasted into `kbdiag query`, in every format.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/buf.h"
#include "kb.h"
#include "match.h"
#include "query.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;
static struct matcher *m;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_results *q;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	int f;

	if (kb == NULL) {
		struct kb_load_params p = { 0 };

		p.dir = TEST_SRCDIR "/kb";
		if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0)
			abort();
	}
	q = query_run(kb, m, (const char *)data, size);
	for (f = RENDER_TEXT; f <= RENDER_JSON; f++) {
		if (render_query(q, (enum render_format)f, &out, err) != 0)
			abort();
		buf_reset(&out);
	}
	buf_free(&out);
	query_free(q);
	return 0;
}
