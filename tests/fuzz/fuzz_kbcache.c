/*
 * Fuzz target: the reader of the rule base cache (kbcache.h), which parses a
 * file from disk. Input: a cache payload (what follows the header; the
 * fuzzer cannot forge the header's digest), and the same bytes as a whole
 * cache file. The oracle: a payload the reader accepts is a rule base whose
 * every reference is valid, written back byte for byte the same.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "kb.h"
#include "kbcache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[KBCACHE_KEY_LEN];
	struct buf b = BUF_INIT;
	struct kb *kb;
	char err[ERR_LEN];
	size_t hdr = kbcache_header_len();

	if (kbcache_decode(data, size, NULL, &kb, NULL, NULL, err) == 0)
		kb_free(kb);
	if (kbcache_decode_payload(data, size, &kb, err) != 0)
		return 0;
	/* kbcache_encode() checks every reference it follows (else exit 4) */
	kbcache_encode(kb, NULL, key, &b);
	if (b.len != hdr + size || memcmp(b.data + hdr, data, size) != 0)
		abort();
	kb_free(kb);
	kb = NULL;
	/* the whole file, digest and all, reads back */
	if (kbcache_decode(b.data, b.len, key, &kb, NULL, NULL, err) != 0)
		abort();
	kb_free(kb);
	buf_free(&b);
	return 0;
}
