/*
 * Fuzz target: a saved diagnosis read from its file the way the commands
 * read it (replay_load_file: a window of the file scanned, then each
 * incident read again at its offset) must give what the same bytes give in
 * memory (replay_load): the same diagnosis as JSON, or the same error after
 * the file's name, with the same return code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "util/buf.h"
#include "kb.h"
#include "render.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;
static char path[64];

static void
rm_path(void)
{
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diagnosis *m = NULL, *f = NULL;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char em[ERR_LEN], ef[ERR_LEN], want[2 * ERR_LEN];
	int rm, rf, fd;

	if (kb == NULL) {
		struct kb_load_params p = { 0 };

		p.dir = TEST_SRCDIR "/kb";
		if (kb_load(&p, &kb, em) != 0)
			abort();
		snprintf(path, sizeof(path), "/tmp/fuzz_replay_file.%ld.json", (long)getpid());
		atexit(rm_path);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (size > 0 && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
		abort();
	rm = replay_load((const char *)data, size, kb, &m, em);
	rf = replay_load_file(path, kb, &f, ef);
	if (rm != rf)
		abort();
	if (rm == 0) {
		if (render_diagnosis(m, RENDER_JSON, &a, em) != 0 ||
		    render_diagnosis(f, RENDER_JSON, &b, ef) != 0 || a.len != b.len ||
		    memcmp(a.data, b.data, a.len) != 0)
			abort();
	} else {
		snprintf(want, sizeof(want), "%s: %s", path, em);
		if (strcmp(want, ef) != 0)
			abort();
	}
	diag_free(m);
	diag_free(f);
	buf_free(&a);
	buf_free(&b);
	return 0;
}
