/*
 * The body of the fuzz targets for the rule base's documents: the real rule
 * base (kb/) with one document replaced by the input (kb_load_params's
 * override), loaded; when it loads, compiled and linted as `kbdiag kb lint`
 * does, a saved diagnosis ranked and planned with it (replay), and rendered
 * in every format. The oracles: whatever the bytes, an error message is one
 * line of text safe to show (no control bytes, valid UTF-8), and a rule base
 * that loads renders without error, every line of it safe to show.
 *
 * A target defines KBDOC_PATH(data, size, &data, &size), which returns the
 * document's path in kb/ and may take a prefix of the input (to pick one of
 * several documents), then includes this file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "kb.h"
#include "lint.h"
#include "match.h"
#include "render.h"
#include "replay.h"
#include "util/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A diagnosis of the articles whose causes are the four shared ones. */
static const char kbdoc_saved[] =
	"{\"incidents\": [{\"article\": \"Q123827\", \"error\": \"Error (119) Network "
	"Write Error\", \"count\": 3, \"peer\": {\"host\": \"10.1.2.3\", \"port\": 25},"
	" \"observations\": [{\"source\": \"phase\", \"value\": \"data\", \"origin\": "
	"\"log\"}, {\"source\": \"tcp-connect\", \"value\": \"connected\", \"origin\": "
	"\"probe\"}, {\"source\": \"greeting\", \"value\": \"ok\", \"origin\": "
	"\"probe\"}]}, {\"article\": \"Q100709\", \"count\": 1, \"observations\": "
	"[{\"source\": \"peer-product\", \"value\": \"ibm-tcpip-v2r2\", \"origin\": "
	"\"probe\"}, {\"source\": \"protocol-ini\", \"value\": \"force-push-off\", "
	"\"origin\": \"file\"}]}]}";

static void
kbdoc_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;

	while (n > 0) {
		if ((k = text_utf8_len(p, n)) == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f)))
			abort();
		p += k;
		n -= k;
	}
}

/* A rendering a person reads: kbdoc_safe() line by line. */
static void
kbdoc_safe_lines(const struct buf *b)
{
	const char *p = b->data ? b->data : "", *end = p + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, n);
		size_t i;

		for (i = 0; i < n; i++)
			if (line[i] == '\t')
				line[i] = ' ';
		kbdoc_safe(line);
		free(line);
		p += n + (nl != NULL);
	}
}

static void
kbdoc_count(void *arg, const char *msg)
{
	kbdoc_safe(msg);
	++*(size_t *)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_load_params p = { 0 };
	struct diagnosis *d;
	struct buf out = BUF_INIT;
	struct matcher *m;
	struct kb *kb;
	char err[ERR_LEN];
	size_t problems = 0, i;
	int f;

	p.dir = TEST_SRCDIR "/kb";
	p.override_path = KBDOC_PATH(data, size, &data, &size);
	p.override_data = (const char *)data;
	p.override_len = size;
	p.on_problem = kbdoc_count;
	p.arg = &problems;
	if (kb_load(&p, &kb, err) != 0) {
		kbdoc_safe(err);
		return 0;
	}
	if (match_compile(kb, &m, err) == 0) {
		(void)lint_check(kb, m, kbdoc_count, &problems);
		match_free(m);
	} else
		kbdoc_safe(err);
	if (replay_load(kbdoc_saved, sizeof(kbdoc_saved) - 1, kb, &d, err) == 0) {
		for (f = RENDER_TEXT; f <= RENDER_JSON; f++) {
			buf_reset(&out);
			if (render_diagnosis_explain(d, (enum render_format)f, 1, &out, err) != 0)
				abort();
			kbdoc_safe_lines(&out);
		}
		diag_free(d);
	} else
		kbdoc_safe(err);
	for (i = 0; i < kb_article_count(kb) && i < 3; i++) {
		buf_reset(&out);
		if (render_kb_article(kb, kb_article_at(kb, i), RENDER_TEXT, &out, err) != 0)
			abort();
		kbdoc_safe_lines(&out);
	}
	buf_free(&out);
	kb_free(kb);
	return 0;
}
