/*
 * Replays a fuzz target over files, without libFuzzer: `make check` runs
 * every target over its corpus (tests/fuzz/corpus/TARGET/) with any compiler,
 * so inputs that once crashed stay fixed. `make fuzz` links the same targets
 * with libFuzzer instead to search for new ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		unsigned char *data = NULL;
		size_t len = 0, cap = 0, got;

		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		do {
			if (len == cap) {
				cap = cap ? cap * 2 : 65536;
				if ((data = realloc(data, cap)) == NULL)
					return 1;
			}
			got = fread(data + len, 1, cap - len, f);
			len += got;
		} while (got > 0);
		fclose(f);
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		n++;
	}
	printf("%s: %d inputs replayed\n", argv[0], n);
	return 0;
}
