/*
 * Fuzz target: an answers file (kbdiag diagnose --answers, diag_answers())
 * over a diagnosis of two failures whose causes name evidence only a person
 * can give. Whatever it holds, the diagnosis ranks and renders, and what it
 * renders as JSON reads back and renders the same (the answers replay).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "diag.h"
#include "kb.h"
#include "match.h"
#include "render.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;
static struct matcher *m;
static char logpath[] = "/tmp/fuzz_answers.XXXXXX";

static void
remove_log(void)
{
	unlink(logpath);
}

static void
init(void)
{
	static const char log[] = "09:14:02 - ERROR socket: (123) network error\n"
	    "10:00:00 - Error SMTPGet 52 a file open error has occurred\n";
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	int fd;

	p.dir = TEST_SRCDIR "/kb";
	if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0)
		abort();
	if ((fd = mkstemp(logpath)) < 0 || write(fd, log, sizeof(log) - 1) !=
	    (ssize_t)(sizeof(log) - 1) || close(fd) != 0)
		abort();
	atexit(remove_log);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *files[1] = { logpath };
	struct diag_params p = { 0 };
	struct diagnosis *d, *again;
	struct buf out = BUF_INIT, out2 = BUF_INIT;
	char err[ERR_LEN];

	if (kb == NULL)
		init();
	p.kb = kb;
	p.matcher = m;
	p.files = files;
	p.nfiles = 1;
	if (diag_run(&p, &d) != 0 && d == NULL)
		abort();
	if (d->nincidents != 2)
		abort();
	(void)diag_answers(d, kb, (const char *)data, size, "fuzz", err);
	diag_rank(d, kb);
	if (render_diagnosis_explain(d, RENDER_JSON, 1, &out, err) != 0 ||
	    replay_load(out.data, out.len, kb, &again, err) != 0 ||
	    render_diagnosis_explain(again, RENDER_JSON, 1, &out2, err) != 0 ||
	    out.len != out2.len || memcmp(out.data, out2.data, out.len) != 0)
		abort();
	diag_free(again);
	diag_free(d);
	buf_free(&out);
	buf_free(&out2);
	return 0;
}
