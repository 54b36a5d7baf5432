/*
 * Fuzz target: an article document (XML) added to the real rule base, then
 * compiled by the matcher and shown by `kb show`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/buf.h"
#include "kb.h"
#include "match.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_load_params p = { 0 };
	struct buf out = BUF_INIT;
	struct matcher *m;
	char err[ERR_LEN];
	struct kb *kb;

	p.dir = TEST_SRCDIR "/kb";
	if (kb_load(&p, &kb, err) != 0)
		abort();
	if (kb_add_article(kb, "Q999999.xml", (const char *)data, size, err) == 0) {
		const struct kb_article *a = kb_find_article(kb, "Q999999");

		if (a == NULL)
			abort();
		if (match_compile(kb, &m, err) == 0) {
			match_selftest(m, NULL, NULL);
			match_free(m);
		}
		if (render_kb_article(kb, a, RENDER_TEXT, &out, err) != 0 ||
		    render_kb_article(kb, a, RENDER_JSON, &out, err) != 0)
			abort();
	}
	buf_free(&out);
	kb_free(kb);
	return 0;
}
