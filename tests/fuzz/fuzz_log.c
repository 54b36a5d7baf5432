/*
 * Fuzz target: a gateway log through the whole diagnosis path (reader,
 * matcher, correlator, ranker, planner) and every renderer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/buf.h"
#include "correlate.h"
#include "diag.h"
#include "kb.h"
#include "match.h"
#include "plan.h"
#include "rank.h"
#include "reader.h"
#include "render.h"
#include "util/xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;
static struct matcher *m;

static void
fuzz_init(void)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];

	p.dir = TEST_SRCDIR "/kb";
	if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct reader_record *rec;
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	struct diag_peer fallback = { NULL, 0, NULL };
	struct diagnosis *d;
	struct correlator *c;
	struct reader *r;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	size_t i, n;
	int f;

	if (kb == NULL)
		fuzz_init();
	d = xcalloc(1, sizeof(*d));
	c = correlate_new(d, &fallback);
	r = reader_open_mem("fuzz.log", (const char *)data, size);
	while (reader_next(r, &rec, err) > 0) {
		n = match_line(m, rec->subject, rec->subjectlen, &hits, &gave_up);
		correlate_record(c, rec, hits, n);
		if (n == 0 && match_looks_like_delivery(m))
			correlate_delivery(c, rec);
	}
	reader_close(r);
	correlate_free(c);
	for (i = 0; i < d->nincidents; i++) {
		rank_causes(&d->incidents[i]);
		plan_steps(&d->incidents[i]);
	}
	for (f = RENDER_TEXT; f <= RENDER_JSON; f++) {
		if (render_diagnosis(d, (enum render_format)f, &out, err) != 0)
			abort();
		buf_reset(&out);
	}
	buf_free(&out);
	diag_free(d);
	return 0;
}
