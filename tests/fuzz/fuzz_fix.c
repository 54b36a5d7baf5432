/*
 * Fuzz target: the editor of the declared fixes (fix.h, kb/fixes.xml) over any
 * bytes. It never crashes; every text fix (a setting in PROTOCOL.INI or
 * CONFIG.SYS, the start-up order, the retry switch) either leaves the bytes
 * alone or edits them so that a second edit has nothing to do; a setting's
 * edit touches one line only (the bytes before and after the change are the
 * original's); the diff of an edit is not empty; and applying then undoing
 * the ForcePushBit edit through real files under a temporary DOS root gives
 * the original bytes back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "diag.h"
#include "fix.h"
#include "kb.h"
#include "util/xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kb *kb;

/* Write the file, apply the edit as a plan, undo it, compare. */
static void
round_trip(const char *data, size_t size, const char *after, size_t after_len)
{
	char root[] = "/tmp/fuzz_fix.XXXXXX", path[64], err[ERR_LEN];
	struct fix_plan plan;
	struct fix_edit e;
	struct buf msg = BUF_INIT;
	FILE *f;
	char *back;
	long n;

	if (mkdtemp(root) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/PROTOCOL.INI", root);
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, size, f) != size ||
	    fclose(f) != 0)
		abort();
	memset(&plan, 0, sizeof(plan));
	memset(&e, 0, sizeof(e));
	e.path = "PROTOCOL.INI";
	e.what = "fuzz";
	e.fixes = "force-push-bit";
	e.before = (char *)data;
	e.before_len = size;
	e.after = (char *)after;
	e.after_len = after_len;
	fix_hash(data, size, e.hash_before);
	fix_hash(after, after_len, e.hash_after);
	plan.edits = &e;
	plan.nedits = 1;
	if (fix_apply(&plan, root, &msg, err) != 0 || fix_undo(root, &msg, err) != 0)
		abort();
	if ((f = fopen(path, "rb")) == NULL)
		abort();
	back = xmalloc(size + 1);
	n = (long)fread(back, 1, size + 1, f);
	fclose(f);
	if ((size_t)n != size || memcmp(back, data, size) != 0)
		abort();
	free(back);
	buf_free(&msg);
	unlink(path);
	if (rmdir(root) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t i;

	if (kb == NULL) {
		struct kb_load_params p = { 0 };
		char err[ERR_LEN];

		p.dir = TEST_SRCDIR "/kb";
		if (kb_load(&p, &kb, err) != 0)
			abort();
	}
	for (i = 0; i < kb_fix_count(kb); i++) {
		const struct kb_fix *f = kb_fix_at(kb, i);
		struct buf out = BUF_INIT, again = BUF_INIT, diff = BUF_INIT;
		char *what = NULL;
		enum fix_status st;
		size_t pre = 0, suf = 0;

		if (f->kind == KB_FIX_REPLACE)
			continue;
		st = fix_edit_text(f, s, size, &out, &what);
		if (what == NULL)
			abort();
		if (st != FIX_EDITED) {
			if (out.len != 0 || (st != FIX_ALREADY && st != FIX_NOT_APPLICABLE))
				abort();
			free(what);
			buf_free(&out);
			continue;
		}
		if (fix_edit_text(f, out.data, out.len, &again, NULL) != FIX_ALREADY)
			abort();
		fix_diff(f->file, s, size, out.data, out.len, &diff);
		if (diff.len == 0)
			abort();
		if (f->kind == KB_FIX_SET) {
			/* One change in one place: common prefix and suffix cover the rest. */
			while (pre < size && pre < out.len && s[pre] == out.data[pre])
				pre++;
			while (suf < size - pre && suf < out.len - pre &&
			    s[size - 1 - suf] == out.data[out.len - 1 - suf])
				suf++;
			if (memchr(s + pre, '\n', size - pre - suf) != NULL)
				abort();
			if (strcmp(f->id, "force-push-bit") == 0 && size <= 4096)
				round_trip(s, size, out.data, out.len);
		}
		free(what);
		buf_free(&out);
		buf_free(&again);
		buf_free(&diff);
	}
	return 0;
}
