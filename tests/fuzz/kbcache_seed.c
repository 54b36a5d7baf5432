/*
 * kbcache_seed: the seeds of fuzz_kbcache's corpus, made from the rule base
 * by this build's cache writer, so that they are in the cache's current
 * format (KBCACHE_FORMAT) and the fuzzer starts from payloads the reader
 * accepts. `make fuzz-seeds` runs it after a format change.
 *
 *   kbcache_seed KBDIR OUTDIR [QIDXDIR [STAMPDIR]]
 *
 * writes into OUTDIR (payloads: the file without its header, as the target
 * takes them):
 *   full-kb          the whole rule base
 *   two-articles     the rule base with only the articles Q100709 and
 *                    Q123827 (the unit tests' pair, tu_kb_mini)
 *   rejected-null-source-with-a-value
 *                    full-kb with one reference that has no source given a
 *                    value: the reader must refuse it (kbcache.c, "no source,
 *                    no value")
 * and, with a third argument, into QIDXDIR fuzz_qindex's seed (its kb is
 * two-articles'):
 *   two-articles     the query's index of that rule base (query_index_save())
 * and, with a fourth, into STAMPDIR fuzz_kbstamps's:
 *   kb               the stamps of KBDIR's files (kbcache_stamps())
 * A seed whose name starts with "rejected-" is one the reader must refuse;
 * every other one it must accept (tests/unit/check_kbcache.c checks both).
 * Exit 0, or 1 with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "kbcache.h"
#include "kbpriv.h"
#include "query.h"
#include "kbpair.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fileio.h"

static const unsigned char no_key[KBCACHE_KEY_LEN];

/* kb's cache payload into b (reset first). */
static void
payload(const struct kb *kb, struct buf *b)
{
	struct buf whole = BUF_INIT;
	size_t hdr = kbcache_header_len();

	buf_reset(b);
	kbcache_encode(kb, NULL, no_key, &whole);
	buf_append(b, whole.data + hdr, whole.len - hdr);
	buf_free(&whole);
}

static int
put(const char *dir, const char *name, const struct buf *b)
{
	char path[4096], err[ERR_LEN];
	struct kb *kb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* what it says of itself: accepted, or refused */
	if (kbcache_decode_payload(b->data, b->len, &kb, err) == 0) {
		kb_free(kb);
		if (strncmp(name, "rejected-", 9) == 0) {
			fprintf(stderr, "kbcache_seed: %s: the reader accepts it\n", name);
			return -1;
		}
	} else if (strncmp(name, "rejected-", 9) != 0) {
		fprintf(stderr, "kbcache_seed: %s: the reader refuses it: %s\n", name, err);
		return -1;
	}
	if (file_replace(path, b->data, b->len, err) != 0) {
		fprintf(stderr, "kbcache_seed: %s\n", err);
		return -1;
	}
	printf("%s: %zu bytes\n", path, b->len);
	return 0;
}

static struct kb *
load(const char *dir)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	struct kb *kb;

	p.dir = dir;
	if (kb_load(&p, &kb, err) != 0) {
		fprintf(stderr, "kbcache_seed: %s\n", err);
		exit(1);
	}
	return kb;
}

/*
 * full with one step's "no source" reference given a value: found as the
 * bytes that change when that step is given the first source's first value.
 */
static int
null_source_with_a_value(struct kb *kb, const struct buf *full, struct buf *out)
{
	struct buf b = BUF_INIT;
	struct kb_step *s = NULL;
	size_t i, off;

	for (i = 0; i < kb->nsteps && s == NULL; i++)
		if (kb->steps[i].done_source == NULL)
			s = &kb->steps[i];
	if (s == NULL || kb->nsources == 0 || kb->sources[0].nvalues == 0) {
		fprintf(stderr, "kbcache_seed: no step without a done source to change\n");
		return -1;
	}
	s->done_source = &kb->sources[0];
	s->done_value = &kb->sources[0].values[0];
	payload(kb, &b);
	s->done_source = NULL;
	s->done_value = NULL;
	for (off = 0; off < full->len && off < b.len && full->data[off] == b.data[off]; off++)
		;
	/* the source's index, then the value's: 8 bytes of KBCACHE_NULL before */
	if (b.len != full->len || off + 8 > full->len ||
	    memcmp(full->data + off, "\xff\xff\xff\xff\xff\xff\xff\xff", 8) != 0) {
		fprintf(stderr, "kbcache_seed: the step's reference is not where expected\n");
		buf_free(&b);
		return -1;
	}
	buf_reset(out);
	buf_append(out, full->data, full->len);
	memcpy(out->data + off + 4, b.data + off + 4, 4);	/* the value, not the source */
	buf_free(&b);
	return 0;
}

int
main(int argc, char **argv)
{
	struct buf full = BUF_INIT, b = BUF_INIT;
	struct kb *kb;
	int rc = 0;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: kbcache_seed KBDIR OUTDIR [QIDXDIR [STAMPDIR]]\n");
		return 2;
	}
	kb = load(argv[1]);
	payload(kb, &full);
	rc |= put(argv[2], "full-kb", &full);
	rc |= null_source_with_a_value(kb, &full, &b) ||
	    put(argv[2], "rejected-null-source-with-a-value", &b);
	kbpair_keep(kb);
	payload(kb, &b);
	rc |= put(argv[2], "two-articles", &b);
	if (argc == 5) {
		unsigned char key[KBCACHE_KEY_LEN];
		char path[4096], err[ERR_LEN];

		buf_reset(&b);
		snprintf(path, sizeof(path), "%s/kb", argv[4]);
		if (kbcache_stamps(argv[1], 0, key, &b, err) != 0 ||
		    file_replace(path, b.data, b.len, err) != 0) {
			fprintf(stderr, "kbcache_seed: %s\n", err);
			rc = 1;
		} else
			printf("%s: %zu bytes\n", path, b.len);
	}
	if (argc >= 4) {
		struct query_index *ix = query_index_new(kb);
		char path[4096], err[ERR_LEN];

		buf_reset(&b);
		query_index_save(ix, &b);
		query_index_free(ix);
		snprintf(path, sizeof(path), "%s/two-articles", argv[3]);
		if (file_replace(path, b.data, b.len, err) != 0) {
			fprintf(stderr, "kbcache_seed: %s\n", err);
			rc = 1;
		} else
			printf("%s: %zu bytes\n", path, b.len);
	}
	kb_free(kb);
	buf_free(&full);
	buf_free(&b);
	return rc ? 1 : 0;
}
