/*
 * Fuzz target: the reader of a rule base cache file's stamps (kbcache.h,
 * kbcache_stamps_hold()), which parses bytes from disk to decide whether the
 * rule base must be hashed. Input: the stamps part; the target frames it as
 * a cache file and checks it against the source tree's rule base (the seed
 * in tests/fuzz/corpus/kbstamps is that rule base's stamps as kbcache_seed
 * took them: its names read, its stat() values another machine's). The
 * oracle: when it holds, the key it gives is the file's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "kbcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[KBCACHE_KEY_LEN] = { 1, 2, 3 };
	unsigned char got[KBCACHE_KEY_LEN];
	struct buf b = BUF_INIT;

	kbcache_stamps_file(data, size, key, &b);
	if (kbcache_stamps_hold(b.data, b.len, TEST_SRCDIR "/kb", 0, got) == 1 &&
	    memcmp(got, key, sizeof(key)) != 0)
		abort();
	/* cut anywhere: refused, never read past */
	if (b.len > 0 && kbcache_stamps_hold(b.data, b.len - 1, TEST_SRCDIR "/kb", 0, got) != 0)
		abort();
	buf_free(&b);
	return 0;
}
