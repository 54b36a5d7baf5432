/*
 * Fuzz target: the fix journal (fix.h fix_journal_parse()), which --undo
 * reads back from DIR/.kbdiag/journal and trusts for nothing: any bytes are
 * refused or give a journal whose every file is a plain path under the root
 * (no "..", not absolute), whose backups are plain names in .kbdiag (no '/',
 * not hidden, not the journal itself, all distinct) with SHA-256 hashes of 64
 * hex digits; and whose strings shown to people are sanitised.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const char *s)
{
	if (s == NULL || s[0] == '\0' || s[0] == '.' || strchr(s, '/') != NULL ||
	    strcmp(s, "journal") == 0)
		abort();
}

static void
check_shown(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; s && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fix_journal *j;
	char err[ERR_LEN];
	size_t i, k;

	if (fix_journal_parse((const char *)data, size, &j, err) != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	if (j->nfiles == 0 || j->nfiles > FIX_MAX_FILES || (j->version != 1 && j->version != 2))
		abort();
	for (i = 0; i < j->nfiles; i++) {
		const struct fix_journal_file *f = &j->files[i];
		const char *p = f->path;

		if (p[0] == '/' || strstr(p, "//") != NULL || strcmp(p, "..") == 0 ||
		    strncmp(p, "../", 3) == 0 || strstr(p, "/../") != NULL ||
		    (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0))
			abort();
		check_name(f->backup);
		if (f->written)
			check_name(f->written);
		if (strlen(f->before) != 64 || strlen(f->after) != 64)
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(j->files[k].backup, f->backup) == 0 ||
			    strcmp(j->files[k].path, f->path) == 0)
				abort();
	}
	for (i = 0; i < j->nfixes; i++) {
		check_shown(j->fixes[i].id);
		check_shown(j->fixes[i].path);
		check_shown(j->fixes[i].what);
	}
	check_shown(j->applied);
	fix_journal_free(j);
	return 0;
}
