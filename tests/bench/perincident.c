/*
 * perincident: the heap a diagnosis holds per incident, through the public
 * library (malloc's in-use bytes, mmapped blocks included, before and after
 * kbdiag_diagnose_files(), divided by the incidents). Run it against two
 * builds of libkbdiag.so to compare them:
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iengine tests/bench/perincident.c \
 *       -o perincident -Lbuild -l:libkbdiag.so.1 -Wl,-rpath,$PWD/build
 *   ./perincident kb LOG
 *
 * (issue notes: an incident record with its TCP_INFO out of line.)
 */
#include <malloc.h>
#include <stdio.h>

#include "kbdiag.h"

int
main(int argc, char **argv)
{
	struct kbdiag_kb *kb;
	struct kbdiag_result *r;
	struct mallinfo2 a, b;
	char err[KBDIAG_ERR_LEN];
	const char *files[1];
	size_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: perincident KB_DIR LOG\n");
		return 2;
	}
	files[0] = argv[2];
	if (kbdiag_kb_load(argv[1], &kb, err) != 0) {
		fprintf(stderr, "perincident: %s\n", err);
		return 2;
	}
	malloc_trim(0);
	a = mallinfo2();
	if (kbdiag_diagnose_files(kb, files, 1, NULL, 0, &r, err) != 0) {
		fprintf(stderr, "perincident: %s\n", err);
		return 2;
	}
	malloc_trim(0);
	b = mallinfo2();
	n = kbdiag_result_incident_count(r);
	printf("%zu incidents, %zu bytes held, %.1f per incident\n", n,
	    (b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd),
	    n ? (double)((b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd)) / (double)n : 0.0);
	kbdiag_result_free(r);
	kbdiag_kb_free(kb);
	return 0;
}
