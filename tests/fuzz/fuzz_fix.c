/*
 * Fuzz target: the PROTOCOL.INI editor (fix.h) over any bytes. It never
 * crashes; an edit touches nothing but one line (the bytes before and after
 * the change are the original's), the edited file reads as ForcePushBit = 1
 * (a second edit has nothing to do), the diff of an edit is not empty, and
 * applying then undoing an edit through real files under a temporary DOS
 * root gives the original bytes back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fix.h"
#include "xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	struct buf out = BUF_INIT, again = BUF_INIT, diff = BUF_INIT;
	char *section = NULL, *what = NULL;
	size_t pre = 0, suf = 0;

	if (fix_ini_force_push(s, size, &out, &section, &what) != FIX_INI_EDITED) {
		if (out.len != 0 || section != NULL || what != NULL)
			abort();
		return 0;
	}
	if (section == NULL || what == NULL || out.len == 0)
		abort();
	/* One change in one place: common prefix and suffix cover the rest. */
	while (pre < size && pre < out.len && s[pre] == out.data[pre])
		pre++;
	while (suf < size - pre && suf < out.len - pre &&
	    s[size - 1 - suf] == out.data[out.len - 1 - suf])
		suf++;
	if (memchr(s + pre, '\n', size - pre - suf) != NULL)
		abort();
	if (fix_ini_force_push(out.data, out.len, &again, NULL, NULL) != FIX_INI_ALREADY)
		abort();
	fix_diff("PROTOCOL.INI", s, size, out.data, out.len, &diff);
	if (diff.len == 0)
		abort();
	if (size <= 4096)
		round_trip(s, size, out.data, out.len);
	free(section);
	free(what);
	buf_free(&out);
	buf_free(&again);
	buf_free(&diff);
	return 0;
}
