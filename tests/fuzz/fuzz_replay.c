/*
 * Fuzz target: a saved diagnosis read back by `kbdiag diagnose --replay`,
 * ranked again and rendered in every format; what it renders as JSON must
 * read back and render the same (the replay is exact).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "kb.h"
#include "render.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diagnosis *d, *again;
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	char err[ERR_LEN];
	int f;

	if (kb == NULL) {
		struct kb_load_params p = { 0 };

		p.dir = TEST_SRCDIR "/kb";
		if (kb_load(&p, &kb, err) != 0)
			abort();
	}
	if (replay_load((const char *)data, size, kb, &d, err) != 0)
		return 0;
	for (f = RENDER_TEXT; f <= RENDER_JSON; f++) {
		buf_reset(&out);
		if (render_diagnosis_explain(d, (enum render_format)f, 1, &out, err) != 0)
			abort();
	}
	/* out holds the JSON now */
	if (replay_load(out.data, out.len, kb, &again, err) != 0)
		abort();
	if (render_diagnosis(again, RENDER_JSON, &out2, err) != 0 || out.len != out2.len ||
	    memcmp(out.data, out2.data, out.len) != 0)
		abort();
	diag_free(again);
	diag_free(d);
	buf_free(&out);
	buf_free(&out2);
	return 0;
}
