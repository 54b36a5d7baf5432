#include "kbcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlversion.h>
#include <nettle/sha2.h>
#include <zlib.h>

#include "util/arena.h"
#include "config.h"	/* KBDIAG_VERSION, KBDIAG_KB_CODE: written by make */
#include "util/fileio.h"
#include "kbpriv.h"
#include "match.h"
#include "query.h"
#include "util/xmem.h"

/*
 * The file: magic, format, key, the lengths of the four parts of the
 * payload, the payload's CRC-32 (zlib's: it catches a file torn, cut or
 * with bits flipped, at a third of SHA-256's cost; the owner check keeps
 * others' files out), the payload: the kb, then its patterns as PCRE2
 * serialises them (match_codes_encode(); none when the file was
 * written without a matcher), then the query's index (query_index_save(),
 * query.c; none for a problems_only load, whose commands ask no query),
 * then the stamps of the rule base's files (kbcache_key_stamped(): what
 * stat() said of each file when it was hashed, so that a later start that
 * finds every file as it was need not read and hash them again to know the
 * key; none in a file written by kbcache_encode()). The kb part is field by field in the host's byte order (the key
 * names the machine): u32 counts and indices, i64 numbers, doubles as their
 * 8 bytes, strings as a u32 length (KBCACHE_NULL for NULL) and the bytes.
 * References between objects (a cause, an evidence value, a shared step)
 * are indices into the arrays they point into.
 *
 * The query's index is query.c's to write and read (query_index_save(),
 * query_index_load()); this file only keeps its bytes with the kb
 * (kb->qindex), under the same key and checksum. A field added to the index
 * (struct query_index or the structs it holds, query.c) stops the build at
 * query.c's size guards until it is either saved and loaded there (with
 * QUERY_INDEX_FORMAT raised) or derived in query_index_finish(), which runs
 * after a build and after a load alike; and since query.c and query.h are
 * among the sources of the key (KB_CODE_SRC, Makefile), any change to them
 * makes every cache written before it stale: an index is never read by a
 * build of query.c other than the one that wrote it. An index that does not
 * read against its kb is not used: query_index_new() builds one.
 */
#define KBCACHE_MAGIC		"KBDIAGC\n"
#define KBCACHE_FORMAT		6u	/* 5: steps carry needs; 6: the query's index,
					   the files' stamps, a CRC-32 */
#define KBCACHE_AT_LENS		(8 + 4 + KBCACHE_KEY_LEN)	/* kb, codes, index, stamps */
#define KBCACHE_NPARTS		4
#define KBCACHE_AT_DIGEST	(KBCACHE_AT_LENS + KBCACHE_NPARTS * 8)
#define KBCACHE_HEADER		(KBCACHE_AT_DIGEST + 4)
#define KBCACHE_NULL		UINT32_MAX
#define KBCACHE_MAX_FILE	(64u * 1024 * 1024)
#define KBCACHE_KEEP		16	/* cache files kept, one per rule base directory */

#ifndef KBDIAG_KB_CODE
#define KBDIAG_KB_CODE "unknown"
#endif

/*
 * Every field of these structs is written and read below (but struct kb's
 * load-time state: schema, lifted, rng, memo, on_valid, loading, capacities;
 * qindex, the query's index, is the file's third part, query.c's to write;
 * map is the cache file as mapped, when the kb was read from it). A
 * struct that grows (a new field in kb.h or kbpriv.h) stops the build here
 * until the field is cached too: else a kb read from the cache would
 * silently lack it. A guard, not a proof (a field may fill padding). Sizes
 * on LP64 (x86-64, arm64).
 */
#if defined(__LP64__)
#define KBCACHE_SIZE(t, n) \
	_Static_assert(sizeof(struct t) == (n), "kbcache.c: struct " #t " changed: " \
	    "cache its new fields, then update this size")
KBCACHE_SIZE(kb, 320);
KBCACHE_SIZE(kb_evidence_value, 48);
KBCACHE_SIZE(kb_evidence_source, 56);
KBCACHE_SIZE(kb_derive, 24);
KBCACHE_SIZE(kb_evidence_item, 40);
KBCACHE_SIZE(kb_cause, 56);
KBCACHE_SIZE(kb_symptom, 104);
KBCACHE_SIZE(kb_cause_ref, 24);
KBCACHE_SIZE(kb_part, 16);
KBCACHE_SIZE(kb_step, 112);
KBCACHE_SIZE(kb_para, 16);
KBCACHE_SIZE(kb_article, 208);
KBCACHE_SIZE(kb_decider, 32);
KBCACHE_SIZE(kb_overlap, 80);
KBCACHE_SIZE(kb_peer, 72);
KBCACHE_SIZE(kb_fix_command, 32);
KBCACHE_SIZE(kb_fix_variant, 32);
KBCACHE_SIZE(kb_fix_example, 32);
KBCACHE_SIZE(kb_fix, 272);
KBCACHE_SIZE(kb_row, 56);
KBCACHE_SIZE(kb_term, 48);
KBCACHE_SIZE(kb_context, 32);
#endif

const char *
kbcache_how_name(enum kbcache_how how)
{
	switch (how) {
	case KBCACHE_OFF:	return "off";
	case KBCACHE_HIT:	return "hit";
	case KBCACHE_BUILT:	return "built";
	case KBCACHE_STALE:	return "stale";
	case KBCACHE_CORRUPT:	return "corrupt";
	}
	return "unknown";
}

const char *
kbcache_dir(char buf[PATH_MAX])
{
	const char *env = getenv("KBDIAG_CACHE"), *base;
	int n;

	if (env != NULL) {
		if (env[0] == '\0' || strcmp(env, "off") == 0)
			return NULL;
		n = snprintf(buf, PATH_MAX, "%s", env);
	} else if ((base = getenv("XDG_CACHE_HOME")) != NULL && base[0] == '/')
		n = snprintf(buf, PATH_MAX, "%s/kbdiag", base);
	else if ((base = getenv("HOME")) != NULL && base[0] == '/')
		n = snprintf(buf, PATH_MAX, "%s/.cache/kbdiag", base);
	else
		return NULL;
	return n > 0 && n < PATH_MAX ? buf : NULL;
}

/* ---------------------------------------------------------------------- */
/* The key                                                                  */

static void kbcache_str(struct buf *b, const char *s);
static void kbcache_u32(struct buf *b, uint32_t v);

static void
kbcache_hash_str(struct sha256_ctx *c, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);

	sha256_update(c, sizeof(n), (const uint8_t *)&n);
	sha256_update(c, n, (const uint8_t *)s);
}

/*
 * A file's stamp: what stat() says of it, to know without reading it that
 * it is the file that was hashed (kbcache_stamps_hold()).
 */
struct kbcache_stamp {
	uint64_t	size, ino, dev;
	int64_t		mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
};

static void
kbcache_stamp_of(const struct stat *st, struct kbcache_stamp *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->size = (uint64_t)st->st_size;
	sp->ino = (uint64_t)st->st_ino;
	sp->dev = (uint64_t)st->st_dev;
	sp->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	sp->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
	sp->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	sp->ctime_nsec = (int64_t)st->st_ctim.tv_nsec;
}

/*
 * Hash a file's name, size and bytes, and when stamps is not NULL append its
 * name and stamp to it; -1 with err when it cannot be read.
 */
static int
kbcache_hash_file(struct sha256_ctx *c, const char *dir, const char *name,
    struct buf *stamps, char err[ERR_LEN])
{
	char path[PATH_MAX], chunk[65536];
	uint64_t size = 0;
	ssize_t r;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return err_set(err, "%s/%s: path too long", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (stamps != NULL) {
		struct kbcache_stamp sp;
		struct stat st;

		if (fstat(fd, &st) != 0) {
			err_set(err, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		kbcache_stamp_of(&st, &sp);
		kbcache_str(stamps, name);
		buf_append(stamps, &sp, sizeof(sp));
	}
	kbcache_hash_str(c, name);
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(err, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		sha256_update(c, (size_t)r, (const uint8_t *)chunk);
		size += (uint64_t)r;
	}
	close(fd);
	sha256_update(c, sizeof(size), (const uint8_t *)&size);
	return 0;
}

/* What the key says of the program and the load, before any file. */
static void
kbcache_hash_program(struct sha256_ctx *c, const char *dir, int problems_only)
{
	uint32_t word = (uint32_t)sizeof(void *) << 8 | 1, f = KBCACHE_FORMAT;

	kbcache_hash_str(c, "kbdiag " KBDIAG_VERSION " " KBDIAG_KB_CODE " libxml2 "
	    LIBXML_DOTTED_VERSION);
	sha256_update(c, sizeof(word), (const uint8_t *)&word);	/* byte order */
	sha256_update(c, sizeof(f), (const uint8_t *)&f);
	kbcache_hash_str(c, dir);
	kbcache_hash_str(c, problems_only ? "problems only" : "whole");
}

/* The files the key is made of: the fixed ones, then every article. */
static const char *const kbcache_fixed[] = {
	"schema/kb.rng", "evidence.xml", "causes.xml", "steps.xml",
	"tables/tcptsr.xml", "tables/protocol-ini.xml", "tables/builds.xml",
	"tables/switches.xml", "tables/peers.xml", "tables/ports.xml",
	"tables/gateway.xml",
	"tables/files.xml", "tables/stacks.xml", "vocabulary.xml", "overlaps.xml",
	"fixes.xml"
};
#define KBCACHE_NFIXED	(sizeof(kbcache_fixed) / sizeof(kbcache_fixed[0]))

/*
 * Leave a file's stamp as untrusted when it was changed less than this long
 * before the stamps were taken (or after): a change within the file
 * system's timestamp granularity would not show (git's "racy" files).
 */
#define KBCACHE_RACY_SEC	2

/*
 * The key (kbcache_key()), and when stamps is not NULL the stamps of the
 * files it read, appended to it: the program's digest, the time they were
 * taken, each file's name and stat(), the key.
 */
static int
kbcache_key_stamped(const char *dir, int problems_only, unsigned char key[KBCACHE_KEY_LEN],
    struct buf *stamps, char err[ERR_LEN])
{
	struct sha256_ctx c;
	char **names = NULL, name[PATH_MAX];
	size_t nnames = 0, i, at = 0;
	int rc = -1;

	if (stamps != NULL) {
		struct timespec now;
		int64_t t[2];
		uint8_t prog[KBCACHE_KEY_LEN];

		sha256_init(&c);
		kbcache_hash_program(&c, dir, problems_only);
		sha256_digest(&c, sizeof(prog), prog);
		clock_gettime(CLOCK_REALTIME, &now);
		t[0] = (int64_t)now.tv_sec;
		t[1] = (int64_t)now.tv_nsec;
		buf_append(stamps, prog, sizeof(prog));
		buf_append(stamps, t, sizeof(t));
		at = stamps->len;
		kbcache_u32(stamps, 0);		/* the count, below */
	}
	sha256_init(&c);
	kbcache_hash_program(&c, dir, problems_only);
	for (i = 0; i < KBCACHE_NFIXED; i++)
		if (kbcache_hash_file(&c, dir, kbcache_fixed[i], stamps, err) != 0)
			return -1;
	if (kb_article_names(dir, &names, &nnames, err) != 0)
		return -1;
	for (i = 0; i < nnames; i++) {
		snprintf(name, sizeof(name), "articles/%s", names[i]);
		if (kbcache_hash_file(&c, dir, name, stamps, err) != 0)
			goto out;
	}
	sha256_digest(&c, KBCACHE_KEY_LEN, key);
	if (stamps != NULL) {
		uint32_t n = (uint32_t)(KBCACHE_NFIXED + nnames);

		memcpy(stamps->data + at, &n, sizeof(n));
		buf_append(stamps, key, KBCACHE_KEY_LEN);
	}
	rc = 0;
out:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
kbcache_key(const char *dir, int problems_only, unsigned char key[KBCACHE_KEY_LEN],
    char err[ERR_LEN])
{
	return kbcache_key_stamped(dir, problems_only, key, NULL, err);
}

int
kbcache_stamps(const char *dir, int problems_only, unsigned char key[KBCACHE_KEY_LEN],
    struct buf *stamps, char err[ERR_LEN])
{
	return kbcache_key_stamped(dir, problems_only, key, stamps, err);
}

/* ---------------------------------------------------------------------- */
/* Writing                                                                  */

static void
kbcache_u32(struct buf *b, uint32_t v)
{
	buf_append(b, &v, sizeof(v));
}

static void
kbcache_i64(struct buf *b, long long v)
{
	int64_t x = v;

	buf_append(b, &x, sizeof(x));
}

static void
kbcache_f64(struct buf *b, double v)
{
	buf_append(b, &v, sizeof(v));
}

static void
kbcache_str(struct buf *b, const char *s)
{
	size_t n;

	if (s == NULL) {
		kbcache_u32(b, KBCACHE_NULL);
		return;
	}
	n = strlen(s);
	kbcache_u32(b, (uint32_t)n);
	buf_append(b, s, n);
}

static void
kbcache_strv(struct buf *b, const char * const *v, size_t n)
{
	size_t i;

	kbcache_u32(b, (uint32_t)n);
	for (i = 0; i < n; i++)
		kbcache_str(b, v[i]);
}

/* The index of p in base[0 .. n), or KBCACHE_NULL for NULL. */
static uint32_t
kbcache_index(const void *p, const void *base, size_t n, size_t size)
{
	size_t off;

	if (p == NULL)
		return KBCACHE_NULL;
	off = (size_t)((const char *)p - (const char *)base);
	if ((const char *)p < (const char *)base || off / size >= n || off % size != 0)
		xmem_oom(0);	/* cannot happen: kb_load() made every reference */
	return (uint32_t)(off / size);
}

/* An evidence source and one of its values, as two indices. */
static void
kbcache_value_ref(struct buf *b, const struct kb *kb, const struct kb_evidence_source *src,
    const struct kb_evidence_value *val)
{
	kbcache_u32(b, kbcache_index(src, kb->sources, kb->nsources, sizeof(*src)));
	kbcache_u32(b, src == NULL ? KBCACHE_NULL :
	    kbcache_index(val, src->values, src->nvalues, sizeof(*val)));
}

static void
kbcache_put_parts(struct buf *b, const struct kb_part *parts, size_t n)
{
	size_t i;

	kbcache_u32(b, (uint32_t)n);
	for (i = 0; i < n; i++) {
		kbcache_u32(b, (uint32_t)parts[i].kind);
		kbcache_u32(b, (uint32_t)parts[i].code);
		kbcache_str(b, parts[i].text);
	}
}

static void
kbcache_put_step(struct buf *b, const struct kb *kb, const struct kb_step *s)
{
	kbcache_str(b, s->id);
	kbcache_put_parts(b, s->parts, s->nparts);
	kbcache_u32(b, s->worked != NULL);
	if (s->worked != NULL)
		kbcache_put_parts(b, s->worked, s->nworked);
	kbcache_value_ref(b, kb, s->done_source, s->done_value);
	kbcache_u32(b, kbcache_index(s->fix, kb->fixes, kb->nfixes, sizeof(*kb->fixes)));
	kbcache_str(b, s->fix_id);
	kbcache_str(b, s->needs_id);
	kbcache_strv(b, s->addresses, s->naddresses);
	kbcache_strv(b, s->origins, s->norigins);
}

static void
kbcache_put_article(struct buf *b, const struct kb *kb, const struct kb_article *a)
{
	size_t i;

	kbcache_str(b, a->id);
	kbcache_str(b, a->kind);
	kbcache_str(b, a->title);
	kbcache_str(b, a->modified);
	kbcache_str(b, a->products);
	kbcache_str(b, a->summary);
	kbcache_str(b, a->keywords);
	kbcache_str(b, a->archive);
	kbcache_str(b, a->encoded);
	kbcache_str(b, a->file);
	kbcache_strv(b, a->notes, a->nnotes);
	kbcache_strv(b, a->related, a->nrelated);
	kbcache_u32(b, (uint32_t)a->nsymptoms);
	for (i = 0; i < a->nsymptoms; i++) {
		const struct kb_symptom *s = &a->symptoms[i];

		kbcache_str(b, s->id);
		kbcache_u32(b, (uint32_t)s->role);
		kbcache_u32(b, (uint32_t)s->severity);
		kbcache_u32(b, (uint32_t)s->caseless);
		kbcache_str(b, s->origin);
		kbcache_str(b, s->message);
		kbcache_str(b, s->pattern);
		kbcache_strv(b, s->examples, s->nexamples);
		kbcache_strv(b, s->counters, s->ncounters);
		kbcache_str(b, s->file);
		kbcache_i64(b, s->line);
		kbcache_u32(b, (uint32_t)s->retries_ended);
	}
	kbcache_u32(b, (uint32_t)a->ncauses);
	for (i = 0; i < a->ncauses; i++) {
		kbcache_u32(b, kbcache_index(a->causes[i].cause, kb->causes, kb->ncauses,
		    sizeof(*kb->causes)));
		kbcache_f64(b, a->causes[i].prior);
		kbcache_u32(b, (uint32_t)a->causes[i].inferred);
	}
	kbcache_u32(b, (uint32_t)a->steps_as_written);
	kbcache_u32(b, (uint32_t)a->knowledge);
	kbcache_u32(b, (uint32_t)a->nbody);
	for (i = 0; i < a->nbody; i++)
		kbcache_put_parts(b, a->body[i].parts, a->body[i].nparts);
	kbcache_u32(b, (uint32_t)a->nfacts);
	for (i = 0; i < a->nfacts; i++)
		kbcache_u32(b, kbcache_index(a->facts[i], kb->facts, kb->nfacts,
		    sizeof(*kb->facts)));
	kbcache_u32(b, (uint32_t)a->nsteps);
	for (i = 0; i < a->nsteps; i++) {
		const struct kb_step *s = a->steps[i];

		if (kb->nsteps > 0 && s >= kb->steps && s < kb->steps + kb->nsteps)
			kbcache_u32(b, (uint32_t)(s - kb->steps));
		else {
			kbcache_u32(b, KBCACHE_NULL);
			kbcache_put_step(b, kb, s);
		}
	}
}

static void
kbcache_put_fix(struct buf *b, const struct kb *kb, const struct kb_fix *f)
{
	size_t i;

	kbcache_str(b, f->id);
	kbcache_str(b, f->title);
	kbcache_u32(b, (uint32_t)f->kind);
	kbcache_u32(b, (uint32_t)f->nresolves);
	for (i = 0; i < f->nresolves; i++)
		kbcache_u32(b, kbcache_index(f->resolves[i], kb->causes, kb->ncauses,
		    sizeof(*kb->causes)));
	kbcache_strv(b, f->articles, f->narticles);
	kbcache_strv(b, f->sources, f->nsources);
	kbcache_str(b, f->file);
	kbcache_str(b, f->section);
	kbcache_u32(b, (uint32_t)f->driver_tcpip);
	kbcache_str(b, f->key);
	kbcache_str(b, f->value);
	kbcache_i64(b, f->at_least);
	kbcache_i64(b, f->at_most);
	kbcache_i64(b, f->dflt);
	kbcache_u32(b, (uint32_t)f->ncommands);
	for (i = 0; i < f->ncommands; i++) {
		kbcache_str(b, f->commands[i].name);
		kbcache_str(b, f->commands[i].arg);
		kbcache_str(b, f->commands[i].written);
		kbcache_u32(b, (uint32_t)f->commands[i].anchor);
		kbcache_u32(b, (uint32_t)f->commands[i].insert);
	}
	kbcache_str(b, f->command);
	kbcache_str(b, f->switch_name);
	kbcache_u32(b, (uint32_t)f->nvariants);
	for (i = 0; i < f->nvariants; i++) {
		kbcache_str(b, f->variants[i].stack);
		kbcache_str(b, f->variants[i].build);
		kbcache_str(b, f->variants[i].file);
		kbcache_str(b, f->variants[i].stack_name);
	}
	kbcache_value_ref(b, kb, f->in_place_source, f->in_place_value);
	kbcache_strv(b, f->proofs, f->nproofs);
	kbcache_str(b, f->verify);
	kbcache_u32(b, (uint32_t)f->nexamples);
	for (i = 0; i < f->nexamples; i++) {
		kbcache_u32(b, (uint32_t)f->examples[i].outcome);
		kbcache_str(b, f->examples[i].before);
		kbcache_str(b, f->examples[i].after);
		kbcache_i64(b, f->examples[i].line);
	}
	kbcache_strv(b, f->notes, f->nnotes);
	kbcache_str(b, f->kbfile);
	kbcache_i64(b, f->line);
}

static void
kbcache_put_kb(struct buf *b, const struct kb *kb)
{
	size_t i, j;

	kbcache_str(b, kb->dir);
	kbcache_u32(b, kb->probe_current);
	kbcache_u32(b, kb->probe_quiet);
	/* the shapes first: a value derives from values of any source, a step
	 * names any fix */
	kbcache_u32(b, (uint32_t)kb->nfixes);
	kbcache_u32(b, (uint32_t)kb->nsources);
	for (i = 0; i < kb->nsources; i++)
		kbcache_u32(b, (uint32_t)kb->sources[i].nvalues);
	for (i = 0; i < kb->nsources; i++) {
		const struct kb_evidence_source *s = &kb->sources[i];

		kbcache_str(b, s->id);
		kbcache_u32(b, (uint32_t)s->kind);
		kbcache_str(b, s->title);
		kbcache_str(b, s->question);
		kbcache_u32(b, s->layer);
		for (j = 0; j < s->nvalues; j++) {
			const struct kb_evidence_value *v = &s->values[j];
			size_t d, k;

			kbcache_str(b, v->id);
			kbcache_str(b, v->text);
			kbcache_u32(b, v->count);
			kbcache_u32(b, v->window);
			kbcache_u32(b, v->gap);
			kbcache_u32(b, v->reaches);
			kbcache_u32(b, (uint32_t)v->nderives);
			for (d = 0; d < v->nderives; d++) {
				kbcache_u32(b, (uint32_t)v->derives[d].n);
				for (k = 0; k < v->derives[d].n; k++)
					kbcache_value_ref(b, kb, v->derives[d].sources[k],
					    v->derives[d].values[k]);
			}
		}
	}
	kbcache_u32(b, (uint32_t)kb->ncauses);
	for (i = 0; i < kb->ncauses; i++) {
		const struct kb_cause *c = &kb->causes[i];

		kbcache_str(b, c->id);
		kbcache_str(b, c->title);
		kbcache_str(b, c->description);
		kbcache_str(b, c->file);
		kbcache_i64(b, c->line);
		kbcache_u32(b, (uint32_t)c->nevidence);
		for (j = 0; j < c->nevidence; j++) {
			kbcache_value_ref(b, kb, c->evidence[j].source, c->evidence[j].value);
			kbcache_u32(b, (uint32_t)c->evidence[j].confirms);
			kbcache_u32(b, (uint32_t)c->evidence[j].excludes);
			kbcache_f64(b, c->evidence[j].weight);
			kbcache_str(b, c->evidence[j].why);
		}
	}
	kbcache_u32(b, (uint32_t)kb->nsteps);
	for (i = 0; i < kb->nsteps; i++)
		kbcache_put_step(b, kb, &kb->steps[i]);
	kbcache_u32(b, (uint32_t)kb->nfacts);
	for (i = 0; i < kb->nfacts; i++) {
		const struct kb_row *r = &kb->facts[i];

		kbcache_str(b, r->table);
		kbcache_str(b, r->key);
		kbcache_strv(b, r->fields, r->nfields);
		kbcache_strv(b, r->values, r->nfields);
		kbcache_str(b, r->file);
		kbcache_i64(b, r->line);
	}
	kbcache_u32(b, (uint32_t)kb->nterms);
	for (i = 0; i < kb->nterms; i++) {
		const struct kb_term *t = &kb->terms[i];

		kbcache_str(b, t->means);
		kbcache_str(b, t->kind);
		kbcache_strv(b, t->said, t->nsaid);
		kbcache_str(b, t->file);
		kbcache_i64(b, t->line);
	}
	kbcache_u32(b, (uint32_t)kb->ncontexts);
	for (i = 0; i < kb->ncontexts; i++) {
		const struct kb_context *c = &kb->contexts[i];

		kbcache_str(b, c->topic);
		kbcache_str(b, c->words);
		kbcache_str(b, c->file);
		kbcache_i64(b, c->line);
	}
	kbcache_u32(b, (uint32_t)kb->npeers);
	for (i = 0; i < kb->npeers; i++) {
		const struct kb_peer *p = &kb->peers[i];

		kbcache_str(b, p->id);
		kbcache_str(b, p->product);
		kbcache_str(b, p->greeting);
		kbcache_strv(b, p->examples, p->nexamples);
		kbcache_strv(b, p->counters, p->ncounters);
		kbcache_str(b, p->file);
		kbcache_i64(b, p->line);
	}
	kbcache_u32(b, (uint32_t)kb->narticles);
	for (i = 0; i < kb->narticles; i++)
		kbcache_put_article(b, kb, kb->articles[i]);
	kbcache_u32(b, (uint32_t)kb->noverlaps);
	for (i = 0; i < kb->noverlaps; i++) {
		const struct kb_overlap *o = &kb->overlaps[i];

		kbcache_str(b, o->id);
		kbcache_str(b, o->kind);
		kbcache_strv(b, o->articles, o->narticles);
		kbcache_str(b, o->summary);
		kbcache_str(b, o->resolution);
		kbcache_str(b, o->file);
		kbcache_i64(b, o->line);
		kbcache_u32(b, (uint32_t)o->ndeciders);
		for (j = 0; j < o->ndeciders; j++) {
			kbcache_value_ref(b, kb, o->deciders[j].source, o->deciders[j].value);
			kbcache_str(b, o->deciders[j].article);
			kbcache_str(b, o->deciders[j].why);
		}
	}
	kbcache_u32(b, (uint32_t)kb->nfixes);
	for (i = 0; i < kb->nfixes; i++)
		kbcache_put_fix(b, kb, &kb->fixes[i]);
}

/* The header and the payload of its parts (lens[] bytes each) into out. */
static void
kbcache_frame(const unsigned char key[KBCACHE_KEY_LEN], const uint64_t lens[KBCACHE_NPARTS],
    const void *payload, size_t len, struct buf *out)
{
	uint32_t digest = (uint32_t)crc32_z(0, payload, len);

	buf_append(out, KBCACHE_MAGIC, 8);
	kbcache_u32(out, KBCACHE_FORMAT);
	buf_append(out, key, KBCACHE_KEY_LEN);
	buf_append(out, lens, KBCACHE_NPARTS * sizeof(lens[0]));
	buf_append(out, &digest, sizeof(digest));
	buf_append(out, payload, len);
}

/* kbcache_encode() with the files' stamps (NULL: none). */
static void
kbcache_encode_stamped(const struct kb *kb, const struct matcher *m,
    const unsigned char key[KBCACHE_KEY_LEN], const struct buf *stamps, struct buf *out)
{
	struct buf payload = BUF_INIT;
	uint64_t lens[KBCACHE_NPARTS];

	kbcache_put_kb(&payload, kb);
	lens[0] = payload.len;
	if (m == NULL || match_codes_encode(m, &payload) != 0)
		payload.len = (size_t)lens[0];
	lens[1] = payload.len - lens[0];
	lens[2] = kb->qindex_len;
	buf_append(&payload, kb->qindex, kb->qindex_len);
	lens[3] = stamps != NULL ? stamps->len : 0;
	if (stamps != NULL)
		buf_append(&payload, stamps->data, stamps->len);
	kbcache_frame(key, lens, payload.data, payload.len, out);
	buf_free(&payload);
}

void
kbcache_encode(const struct kb *kb, const struct matcher *m,
    const unsigned char key[KBCACHE_KEY_LEN], struct buf *out)
{
	kbcache_encode_stamped(kb, m, key, NULL, out);
}

void
kbcache_stamps_file(const void *stamps, size_t len, const unsigned char key[KBCACHE_KEY_LEN],
    struct buf *out)
{
	uint64_t lens[KBCACHE_NPARTS] = { 0, 0, 0, len };

	kbcache_frame(key, lens, stamps, len, out);
}

/* ---------------------------------------------------------------------- */
/* Reading: every read is checked against the bytes left                   */

struct kbcache_in {
	const unsigned char	*p;
	size_t			 left;
	int			 bad;	/* ran out, or a value out of range */
	struct kb		*kb;
	size_t			 nfixes;	/* kb->fixes is allocated for these */
};

static int
kbcache_take(struct kbcache_in *in, void *dst, size_t n)
{
	if (in->bad || in->left < n) {
		in->bad = 1;
		memset(dst, 0, n);
		return -1;
	}
	memcpy(dst, in->p, n);
	in->p += n;
	in->left -= n;
	return 0;
}

static uint32_t
kbcache_get_u32(struct kbcache_in *in)
{
	uint32_t v;

	kbcache_take(in, &v, sizeof(v));
	return v;
}

/* A u32 below limit (an enum, a flag); else the input is bad. */
static uint32_t
kbcache_get_below(struct kbcache_in *in, uint32_t limit)
{
	uint32_t v = kbcache_get_u32(in);

	if (v >= limit) {
		in->bad = 1;
		return 0;
	}
	return v;
}

static long long
kbcache_get_i64(struct kbcache_in *in)
{
	int64_t v;

	kbcache_take(in, &v, sizeof(v));
	return v;
}

static double
kbcache_get_f64(struct kbcache_in *in)
{
	double v;

	kbcache_take(in, &v, sizeof(v));
	return v;
}

/*
 * A count of items of at least min_bytes each: never more than the bytes
 * left could hold, so a corrupt count cannot make a huge allocation.
 */
static size_t
kbcache_get_count(struct kbcache_in *in, size_t min_bytes)
{
	uint32_t n = kbcache_get_u32(in);

	if (in->bad || (size_t)n > in->left / min_bytes) {
		in->bad = 1;
		return 0;
	}
	return n;
}

static const char *
kbcache_get_str(struct kbcache_in *in)
{
	uint32_t n = kbcache_get_u32(in);
	const char *s;

	if (in->bad || n == KBCACHE_NULL)
		return NULL;
	if (n > in->left || memchr(in->p, '\0', n) != NULL) {
		in->bad = 1;
		return NULL;
	}
	s = arena_strndup(&in->kb->arena, (const char *)in->p, n);
	in->p += n;
	in->left -= n;
	return s;
}

/* A string that must be there ("" when the input is bad). */
static const char *
kbcache_get_str_nonnull(struct kbcache_in *in)
{
	const char *s = kbcache_get_str(in);

	if (s == NULL) {
		in->bad = 1;
		return "";
	}
	return s;
}

/* A NULL-terminated array of strings (kb_split() makes them so). */
static const char **
kbcache_get_strv(struct kbcache_in *in, size_t *n)
{
	const char **v;
	size_t i;

	*n = kbcache_get_count(in, 4);
	v = arena_calloc(&in->kb->arena, *n + 1, sizeof(*v));
	for (i = 0; i < *n; i++)
		v[i] = kbcache_get_str_nonnull(in);
	return v;
}

/* An index below n, or NULL (KBCACHE_NULL) when may_be_null. */
static size_t
kbcache_get_index(struct kbcache_in *in, size_t n, int may_be_null, int *is_null)
{
	uint32_t v = kbcache_get_u32(in);

	*is_null = 0;
	if (in->bad)
		return 0;
	if (v == KBCACHE_NULL && may_be_null) {
		*is_null = 1;
		return 0;
	}
	if ((size_t)v >= n) {
		in->bad = 1;
		return 0;
	}
	return v;
}

static const struct kb_cause *
kbcache_get_cause(struct kbcache_in *in)
{
	int null;
	size_t i = kbcache_get_index(in, in->kb->ncauses, 0, &null);

	return in->bad ? NULL : &in->kb->causes[i];
}

static void
kbcache_get_value_ref(struct kbcache_in *in, const struct kb_evidence_source **src,
    const struct kb_evidence_value **val, int may_be_null)
{
	const struct kb_evidence_source *s;
	int null;
	size_t i = kbcache_get_index(in, in->kb->nsources, may_be_null, &null), j;

	*src = NULL;
	*val = NULL;
	if (in->bad || null) {
		/* no source, no value: one way to write it (fuzz_kbcache's oracle) */
		if (kbcache_get_u32(in) != KBCACHE_NULL)
			in->bad = 1;
		return;
	}
	s = &in->kb->sources[i];
	j = kbcache_get_index(in, s->nvalues, may_be_null, &null);
	if (in->bad)
		return;
	*src = s;
	*val = null ? NULL : &s->values[j];
}

static const struct kb_part *
kbcache_get_parts(struct kbcache_in *in, size_t *n)
{
	struct kb_part *parts;
	size_t i;

	*n = kbcache_get_count(in, 12);
	parts = arena_calloc(&in->kb->arena, *n + 1, sizeof(*parts));
	for (i = 0; i < *n && !in->bad; i++) {
		parts[i].kind = kbcache_get_below(in, KB_PART_LAST_SEEN + 1);
		parts[i].code = (int)kbcache_get_below(in, 2);
		parts[i].text = kbcache_get_str(in);
	}
	return parts;
}

static void
kbcache_get_step(struct kbcache_in *in, struct kb_step *s)
{
	int null;
	size_t k;

	s->id = kbcache_get_str_nonnull(in);
	s->parts = kbcache_get_parts(in, &s->nparts);
	if (kbcache_get_below(in, 2))
		s->worked = kbcache_get_parts(in, &s->nworked);
	kbcache_get_value_ref(in, &s->done_source, &s->done_value, 1);
	k = kbcache_get_index(in, in->nfixes, 1, &null);
	s->fix = in->bad || null ? NULL : &in->kb->fixes[k];
	s->fix_id = kbcache_get_str(in);
	s->needs_id = kbcache_get_str(in);
	s->addresses = kbcache_get_strv(in, &s->naddresses);
	s->origins = kbcache_get_strv(in, &s->norigins);
}

static struct kb_article *
kbcache_get_article(struct kbcache_in *in)
{
	struct kb *kb = in->kb;
	struct kb_article *a = arena_calloc(&kb->arena, 1, sizeof(*a));
	struct kb_symptom *sym;
	struct kb_cause_ref *causes;
	const struct kb_step **steps;
	struct kb_para *body;
	const struct kb_row **facts;
	size_t i;

	a->id = kbcache_get_str_nonnull(in);
	a->kind = kbcache_get_str(in);
	a->title = kbcache_get_str(in);
	a->modified = kbcache_get_str(in);
	a->products = kbcache_get_str(in);
	a->summary = kbcache_get_str(in);
	a->keywords = kbcache_get_str(in);
	a->archive = kbcache_get_str(in);
	a->encoded = kbcache_get_str(in);
	a->file = kbcache_get_str_nonnull(in);
	a->notes = kbcache_get_strv(in, &a->nnotes);
	a->related = kbcache_get_strv(in, &a->nrelated);
	a->nsymptoms = kbcache_get_count(in, 52);
	sym = arena_calloc(&kb->arena, a->nsymptoms + 1, sizeof(*sym));
	for (i = 0; i < a->nsymptoms && !in->bad; i++) {
		struct kb_symptom *s = &sym[i];
		size_t n;

		s->id = kbcache_get_str_nonnull(in);
		s->role = kbcache_get_below(in, KB_ROLE_DESCRIPTION + 1);
		s->severity = kbcache_get_below(in, KB_SEVERITY_INFO + 1);
		s->caseless = (int)kbcache_get_below(in, 2);
		s->origin = kbcache_get_str(in);
		s->message = kbcache_get_str(in);
		s->pattern = kbcache_get_str_nonnull(in);
		s->examples = kbcache_get_strv(in, &n);
		s->nexamples = n;
		s->counters = kbcache_get_strv(in, &n);
		s->ncounters = n;
		s->file = kbcache_get_str_nonnull(in);
		s->line = (long)kbcache_get_i64(in);
		s->retries_ended = (int)kbcache_get_below(in, 2);
	}
	a->symptoms = sym;
	a->ncauses = kbcache_get_count(in, 16);
	causes = arena_calloc(&kb->arena, a->ncauses + 1, sizeof(*causes));
	for (i = 0; i < a->ncauses && !in->bad; i++) {
		causes[i].cause = kbcache_get_cause(in);
		causes[i].prior = kbcache_get_f64(in);
		causes[i].inferred = (int)kbcache_get_below(in, 2);
	}
	a->causes = causes;
	a->steps_as_written = (int)kbcache_get_below(in, 2);
	a->knowledge = (int)kbcache_get_below(in, 2);
	a->nbody = kbcache_get_count(in, 4);
	body = arena_calloc(&kb->arena, a->nbody + 1, sizeof(*body));
	for (i = 0; i < a->nbody && !in->bad; i++)
		body[i].parts = kbcache_get_parts(in, &body[i].nparts);
	a->body = body;
	a->nfacts = kbcache_get_count(in, 4);
	facts = arena_calloc(&kb->arena, a->nfacts + 1, sizeof(*facts));
	for (i = 0; i < a->nfacts && !in->bad; i++) {
		int null;
		size_t k = kbcache_get_index(in, kb->nfacts, 0, &null);

		facts[i] = in->bad ? NULL : &kb->facts[k];
	}
	a->facts = facts;
	a->nsteps = kbcache_get_count(in, 4);
	steps = arena_calloc(&kb->arena, a->nsteps + 1, sizeof(*steps));
	for (i = 0; i < a->nsteps && !in->bad; i++) {
		int null;
		size_t k = kbcache_get_index(in, kb->nsteps, 1, &null);

		if (in->bad)
			break;
		if (!null)
			steps[i] = &kb->steps[k];
		else {
			struct kb_step *s = arena_calloc(&kb->arena, 1, sizeof(*s));

			kbcache_get_step(in, s);
			steps[i] = s;
		}
	}
	a->steps = steps;
	return a;
}

static void
kbcache_get_fix(struct kbcache_in *in, struct kb_fix *f)
{
	struct kb *kb = in->kb;
	const struct kb_cause **resolves;
	struct kb_fix_command *cmds;
	struct kb_fix_variant *vars;
	struct kb_fix_example *ex;
	size_t i;

	f->id = kbcache_get_str_nonnull(in);
	f->title = kbcache_get_str(in);
	f->kind = kbcache_get_below(in, KB_FIX_REPLACE + 1);
	f->nresolves = kbcache_get_count(in, 4);
	resolves = arena_calloc(&kb->arena, f->nresolves + 1, sizeof(*resolves));
	for (i = 0; i < f->nresolves && !in->bad; i++)
		resolves[i] = kbcache_get_cause(in);
	f->resolves = resolves;
	f->articles = kbcache_get_strv(in, &f->narticles);
	f->sources = kbcache_get_strv(in, &f->nsources);
	f->file = kbcache_get_str(in);
	f->section = kbcache_get_str(in);
	f->driver_tcpip = (int)kbcache_get_below(in, 2);
	f->key = kbcache_get_str(in);
	f->value = kbcache_get_str(in);
	f->at_least = (long)kbcache_get_i64(in);
	f->at_most = (long)kbcache_get_i64(in);
	f->dflt = (long)kbcache_get_i64(in);
	f->ncommands = kbcache_get_count(in, 20);
	cmds = arena_calloc(&kb->arena, f->ncommands + 1, sizeof(*cmds));
	for (i = 0; i < f->ncommands && !in->bad; i++) {
		cmds[i].name = kbcache_get_str(in);
		cmds[i].arg = kbcache_get_str(in);
		cmds[i].written = kbcache_get_str(in);
		cmds[i].anchor = (int)kbcache_get_below(in, 2);
		cmds[i].insert = (int)kbcache_get_below(in, 2);
	}
	f->commands = cmds;
	f->command = kbcache_get_str(in);
	f->switch_name = kbcache_get_str(in);
	f->nvariants = kbcache_get_count(in, 16);
	vars = arena_calloc(&kb->arena, f->nvariants + 1, sizeof(*vars));
	for (i = 0; i < f->nvariants && !in->bad; i++) {
		vars[i].stack = kbcache_get_str(in);
		vars[i].build = kbcache_get_str(in);
		vars[i].file = kbcache_get_str(in);
		vars[i].stack_name = kbcache_get_str(in);
	}
	f->variants = vars;
	kbcache_get_value_ref(in, &f->in_place_source, &f->in_place_value, 1);
	f->proofs = kbcache_get_strv(in, &f->nproofs);
	f->verify = kbcache_get_str(in);
	f->nexamples = kbcache_get_count(in, 20);
	ex = arena_calloc(&kb->arena, f->nexamples + 1, sizeof(*ex));
	for (i = 0; i < f->nexamples && !in->bad; i++) {
		ex[i].outcome = kbcache_get_below(in, KB_FIX_NOT_APPLICABLE + 1);
		ex[i].before = kbcache_get_str(in);
		ex[i].after = kbcache_get_str(in);
		ex[i].line = (long)kbcache_get_i64(in);
	}
	f->examples = ex;
	f->notes = kbcache_get_strv(in, &f->nnotes);
	f->kbfile = kbcache_get_str(in);
	f->line = (long)kbcache_get_i64(in);
}

static void
kbcache_get_kb(struct kbcache_in *in)
{
	struct kb *kb = in->kb;
	size_t i, j, n, cap;

	kb->dir = xstrdup(kbcache_get_str_nonnull(in));
	kb->probe_current = kbcache_get_u32(in);
	kb->probe_quiet = kbcache_get_u32(in);
	in->nfixes = kbcache_get_count(in, 124);
	kb->fixes = arena_calloc(&kb->arena, in->nfixes + 1, sizeof(*kb->fixes));
	kb->nsources = kbcache_get_count(in, 4);
	kb->sources = arena_calloc(&kb->arena, kb->nsources + 1, sizeof(*kb->sources));
	for (i = 0; i < kb->nsources && !in->bad; i++) {
		kb->sources[i].nvalues = kbcache_get_count(in, 32);
		kb->sources[i].values = arena_calloc(&kb->arena, kb->sources[i].nvalues + 1,
		    sizeof(*kb->sources[i].values));
	}
	for (i = 0; i < kb->nsources && !in->bad; i++) {
		struct kb_evidence_source *s = &kb->sources[i];
		struct kb_evidence_value *v = (struct kb_evidence_value *)s->values;

		s->id = kbcache_get_str_nonnull(in);
		s->kind = kbcache_get_below(in, KB_SOURCE_MANUAL + 1);
		s->title = kbcache_get_str(in);
		s->question = kbcache_get_str(in);
		s->layer = kbcache_get_u32(in);
		for (j = 0; j < s->nvalues && !in->bad; j++) {
			struct kb_derive *dv;
			size_t d, k;

			v[j].id = kbcache_get_str_nonnull(in);
			v[j].text = kbcache_get_str(in);
			v[j].count = kbcache_get_u32(in);
			v[j].window = kbcache_get_u32(in);
			v[j].gap = kbcache_get_u32(in);
			v[j].reaches = kbcache_get_u32(in);
			v[j].nderives = kbcache_get_count(in, 4);
			dv = arena_calloc(&kb->arena, v[j].nderives + 1, sizeof(*dv));
			for (d = 0; d < v[j].nderives && !in->bad; d++) {
				const struct kb_evidence_source **ds;
				const struct kb_evidence_value **dvals;

				dv[d].n = kbcache_get_count(in, 8);
				ds = arena_calloc(&kb->arena, dv[d].n + 1, sizeof(*ds));
				dvals = arena_calloc(&kb->arena, dv[d].n + 1, sizeof(*dvals));
				for (k = 0; k < dv[d].n && !in->bad; k++)
					kbcache_get_value_ref(in, &ds[k], &dvals[k], 0);
				dv[d].sources = ds;
				dv[d].values = dvals;
			}
			v[j].derives = dv;
		}
	}
	kb->ncauses = kbcache_get_count(in, 24);
	kb->causes = arena_calloc(&kb->arena, kb->ncauses + 1, sizeof(*kb->causes));
	/* cause evidence refers to sources only, so causes read in one pass */
	for (i = 0; i < kb->ncauses && !in->bad; i++) {
		struct kb_cause *c = &kb->causes[i];
		struct kb_evidence_item *ev;

		c->id = kbcache_get_str_nonnull(in);
		c->title = kbcache_get_str(in);
		c->description = kbcache_get_str(in);
		c->file = kbcache_get_str(in);
		c->line = (long)kbcache_get_i64(in);
		c->nevidence = kbcache_get_count(in, 28);
		ev = arena_calloc(&kb->arena, c->nevidence + 1, sizeof(*ev));
		for (j = 0; j < c->nevidence && !in->bad; j++) {
			kbcache_get_value_ref(in, &ev[j].source, &ev[j].value, 0);
			ev[j].confirms = (int)kbcache_get_below(in, 2);
			ev[j].excludes = (int)kbcache_get_below(in, 2);
			ev[j].weight = kbcache_get_f64(in);
			ev[j].why = kbcache_get_str(in);
		}
		c->evidence = ev;
	}
	kb->nsteps = kbcache_get_count(in, 36);
	kb->steps = arena_calloc(&kb->arena, kb->nsteps + 1, sizeof(*kb->steps));
	for (i = 0; i < kb->nsteps && !in->bad; i++)
		kbcache_get_step(in, &kb->steps[i]);
	n = kbcache_get_count(in, 28);
	cap = 0;
	kb->facts = xgrow(NULL, &cap, n + 1, sizeof(*kb->facts));
	memset(kb->facts, 0, (n + 1) * sizeof(*kb->facts));
	for (i = 0; i < n && !in->bad; i++) {
		struct kb_row *r = &kb->facts[i];
		size_t nv;

		r->table = kbcache_get_str_nonnull(in);
		r->key = kbcache_get_str(in);
		r->fields = kbcache_get_strv(in, &r->nfields);
		r->values = kbcache_get_strv(in, &nv);
		if (nv != r->nfields)
			in->bad = 1;
		r->file = kbcache_get_str(in);
		r->line = (long)kbcache_get_i64(in);
		kb->nfacts++;
	}
	n = kbcache_get_count(in, 24);
	cap = 0;
	kb->terms = xgrow(NULL, &cap, n + 1, sizeof(*kb->terms));
	memset(kb->terms, 0, (n + 1) * sizeof(*kb->terms));
	for (i = 0; i < n && !in->bad; i++) {
		struct kb_term *t = &kb->terms[i];

		t->means = kbcache_get_str_nonnull(in);
		t->kind = kbcache_get_str(in);
		t->said = kbcache_get_strv(in, &t->nsaid);
		t->file = kbcache_get_str(in);
		t->line = (long)kbcache_get_i64(in);
		kb->nterms++;
	}
	n = kbcache_get_count(in, 20);
	cap = 0;
	kb->contexts = xgrow(NULL, &cap, n + 1, sizeof(*kb->contexts));
	memset(kb->contexts, 0, (n + 1) * sizeof(*kb->contexts));
	for (i = 0; i < n && !in->bad; i++) {
		struct kb_context *c = &kb->contexts[i];

		c->topic = kbcache_get_str_nonnull(in);
		c->words = kbcache_get_str_nonnull(in);
		c->file = kbcache_get_str(in);
		c->line = (long)kbcache_get_i64(in);
		kb->ncontexts++;
	}
	n = kbcache_get_count(in, 28);
	kb->peers = xgrow(NULL, &kb->peers_cap, n + 1, sizeof(*kb->peers));
	memset(kb->peers, 0, (n + 1) * sizeof(*kb->peers));
	for (i = 0; i < n && !in->bad; i++) {
		struct kb_peer *p = &kb->peers[i];

		p->id = kbcache_get_str_nonnull(in);
		p->product = kbcache_get_str(in);
		p->greeting = kbcache_get_str_nonnull(in);
		p->examples = kbcache_get_strv(in, &p->nexamples);
		p->counters = kbcache_get_strv(in, &p->ncounters);
		p->file = kbcache_get_str(in);
		p->line = (long)kbcache_get_i64(in);
		kb->npeers++;
	}
	n = kbcache_get_count(in, 76);
	kb->articles = xgrow(NULL, &kb->articles_cap, n + 1, sizeof(*kb->articles));
	for (i = 0; i < n && !in->bad; i++)
		kb->articles[kb->narticles++] = kbcache_get_article(in);
	kb->noverlaps = kbcache_get_count(in, 36);
	kb->overlaps = arena_calloc(&kb->arena, kb->noverlaps + 1, sizeof(*kb->overlaps));
	for (i = 0; i < kb->noverlaps && !in->bad; i++) {
		struct kb_overlap *o = &kb->overlaps[i];
		struct kb_decider *d;

		o->id = kbcache_get_str_nonnull(in);
		o->kind = kbcache_get_str_nonnull(in);
		o->articles = kbcache_get_strv(in, &o->narticles);
		o->summary = kbcache_get_str(in);
		o->resolution = kbcache_get_str(in);
		o->file = kbcache_get_str(in);
		o->line = (long)kbcache_get_i64(in);
		o->ndeciders = kbcache_get_count(in, 16);
		d = arena_calloc(&kb->arena, o->ndeciders + 1, sizeof(*d));
		for (j = 0; j < o->ndeciders && !in->bad; j++) {
			kbcache_get_value_ref(in, &d[j].source, &d[j].value, 0);
			d[j].article = kbcache_get_str(in);
			d[j].why = kbcache_get_str(in);
		}
		o->deciders = d;
	}
	if (kbcache_get_u32(in) != in->nfixes)
		in->bad = 1;
	kb->nfixes = in->bad ? 0 : in->nfixes;
	for (i = 0; i < kb->nfixes && !in->bad; i++)
		kbcache_get_fix(in, &kb->fixes[i]);
	kb->fixes_loaded = 1;
	if (in->left != 0)
		in->bad = 1;
}

size_t
kbcache_header_len(void)
{
	return KBCACHE_HEADER;
}

/*
 * kbcache_decode(); with map set, data is the cache file as mapped, which
 * the kb takes (kb_free() unmaps it) and its query index is read in place.
 */
static int
kbcache_decode_map(const void *data, size_t len, const unsigned char *key, struct kb **out,
    const void **codes, size_t *codes_len, int map, char err[ERR_LEN]);

int
kbcache_decode(const void *data, size_t len, const unsigned char *key, struct kb **out,
    const void **codes, size_t *codes_len, char err[ERR_LEN])
{
	return kbcache_decode_map(data, len, key, out, codes, codes_len, 0, err);
}

static int
kbcache_decode_map(const void *data, size_t len, const unsigned char *key, struct kb **out,
    const void **codes, size_t *codes_len, int map, char err[ERR_LEN])
{
	const unsigned char *p = data;
	uint32_t format, digest, had;
	uint64_t kblen, codeslen, ixlen, stlen, payload;
	int rc;

	*out = NULL;
	if (len < KBCACHE_HEADER || memcmp(p, KBCACHE_MAGIC, 8) != 0)
		return err_set(err, "not a kbdiag rule base cache");
	memcpy(&format, p + 8, sizeof(format));
	if (format != KBCACHE_FORMAT)
		return 1;	/* another version's file: stale, not corrupt */
	if (key != NULL && memcmp(p + 12, key, KBCACHE_KEY_LEN) != 0)
		return 1;
	memcpy(&kblen, p + KBCACHE_AT_LENS, sizeof(kblen));
	memcpy(&codeslen, p + KBCACHE_AT_LENS + 8, sizeof(codeslen));
	memcpy(&ixlen, p + KBCACHE_AT_LENS + 16, sizeof(ixlen));
	memcpy(&stlen, p + KBCACHE_AT_LENS + 24, sizeof(stlen));
	payload = len - KBCACHE_HEADER;
	if (kblen > payload || codeslen > payload - kblen ||
	    ixlen > payload - kblen - codeslen ||
	    stlen != payload - kblen - codeslen - ixlen)
		return err_set(err, "cache cut short or too long (%zu bytes of payload, "
		    "header says %llu, %llu, %llu and %llu)", len - KBCACHE_HEADER,
		    (unsigned long long)kblen, (unsigned long long)codeslen,
		    (unsigned long long)ixlen, (unsigned long long)stlen);
	digest = (uint32_t)crc32_z(0, p + KBCACHE_HEADER, len - KBCACHE_HEADER);
	memcpy(&had, p + KBCACHE_AT_DIGEST, sizeof(had));
	if (digest != had)
		return err_set(err, "cache checksum does not match its contents");
	if (codes != NULL) {
		*codes = codeslen ? p + KBCACHE_HEADER + kblen : NULL;
		*codes_len = (size_t)codeslen;
	}
	if ((rc = kbcache_decode_payload(p + KBCACHE_HEADER, (size_t)kblen, out, err)) != 0)
		return rc;
	/* the query's index: read when a query asks (query_index_new()) */
	if (map) {
		(*out)->map = (void *)p;
		(*out)->map_len = len;
		(*out)->qindex = ixlen > 0 ? (unsigned char *)p + KBCACHE_HEADER + kblen + codeslen :
		    NULL;
	} else if (ixlen > 0) {
		(*out)->qindex = xmalloc((size_t)ixlen);
		memcpy((*out)->qindex, p + KBCACHE_HEADER + kblen + codeslen, (size_t)ixlen);
	}
	(*out)->qindex_len = (*out)->qindex != NULL ? (size_t)ixlen : 0;
	return 0;
}

int
kbcache_decode_payload(const void *data, size_t len, struct kb **out, char err[ERR_LEN])
{
	struct kbcache_in in = { 0 };

	*out = NULL;
	in.p = data;
	in.left = len;
	in.kb = xcalloc(1, sizeof(*in.kb));
	in.kb->from_cache = 1;
	kbcache_get_kb(&in);
	if (in.bad) {
		kb_free(in.kb);
		return err_set(err, "cache contents do not read as a rule base");
	}
	*out = in.kb;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The file                                                                 */

/* The cache file's path: one per rule base directory (as given and real). */
static int
kbcache_path(const char *cache_dir, const char *dir, int problems_only, char path[PATH_MAX])
{
	char real[PATH_MAX];
	struct sha256_ctx c;
	uint8_t h[KBCACHE_KEY_LEN];
	char hex[17];
	size_t i;

	if (realpath(dir, real) == NULL)
		return -1;
	sha256_init(&c);
	kbcache_hash_str(&c, real);
	kbcache_hash_str(&c, dir);
	sha256_digest(&c, sizeof(h), h);
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	/* a problems_only load (no knowledge articles, no vocabulary) is another kb */
	return snprintf(path, PATH_MAX, "%s/kb-%s%s.cache", cache_dir, hex,
	    problems_only ? "-problems" : "") < PATH_MAX ? 0 : -1;
}

/*
 * Map a whole file (at most KBCACHE_MAX_FILE) to read it (kbcache_unmap() it);
 * NULL when there is none. Mapped, not read: the cache's megabyte is not
 * copied, nor its pages allocated and cleared (1,120 -> 880 page faults of
 * a warm query). A cache file is never changed in place (kbcache_put_file()
 * renames a new one over it), so the mapping stays whole; one cut short in
 * place by another hand while mapped would stop the process (SIGBUS).
 */
static unsigned char *
kbcache_read_file(const char *path, size_t *len)
{
	struct stat st;
	void *data;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	/* only a file of ours: PCRE2's serialised form is not for strangers' bytes */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size < 0 ||
	    (uint64_t)st.st_size > KBCACHE_MAX_FILE) {
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {		/* there, empty: corrupt */
		static unsigned char empty[1];

		close(fd);
		*len = 0;
		return empty;
	}
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		return NULL;
	*len = (size_t)st.st_size;
	return data;
}

static void
kbcache_unmap(unsigned char *data, size_t len)
{
	if (len > 0)
		munmap(data, len);
}

static int
kbcache_mkdirs(const char *dir)
{
	char tmp[PATH_MAX];
	size_t i;

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -1;
	for (i = 1; tmp[i]; i++)
		if (tmp[i] == '/') {
			tmp[i] = '\0';
			if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
				return -1;
			tmp[i] = '/';
		}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Keep the newest KBCACHE_KEEP cache files of the directory: each rule base
 * directory (a test's copy, an old checkout) has a file of its own, and
 * nothing else would ever remove them. A removed file is only rebuilt.
 */
static void
kbcache_prune(const char *cache_dir)
{
	struct { char name[64]; struct timespec mtime; } files[KBCACHE_KEEP + 1];
	char path[PATH_MAX];
	size_t n = 0, i, oldest;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if ((d = opendir(cache_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (strncmp(de->d_name, "kb-", 3) != 0 || len >= sizeof(files[0].name) ||
		    len < 6 || strcmp(de->d_name + len - 6, ".cache") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", cache_dir, de->d_name) >=
		    (int)sizeof(path) || stat(path, &st) != 0)
			continue;
		memcpy(files[n].name, de->d_name, len + 1);
		files[n].mtime = st.st_mtim;
		if (++n <= KBCACHE_KEEP)
			continue;
		/* one too many: remove the oldest */
		for (oldest = 0, i = 1; i < n; i++)
			if (files[i].mtime.tv_sec < files[oldest].mtime.tv_sec ||
			    (files[i].mtime.tv_sec == files[oldest].mtime.tv_sec &&
			    files[i].mtime.tv_nsec < files[oldest].mtime.tv_nsec))
				oldest = i;
		snprintf(path, sizeof(path), "%s/%s", cache_dir, files[oldest].name);
		unlink(path);
		files[oldest] = files[--n];
	}
	closedir(d);
}

/* Write the cache file whole under a temporary name, then rename it. */
static void
kbcache_put_file(const char *path, const char *cache_dir, const struct buf *b)
{
	char tmp[PATH_MAX];
	int fd, failed;

	if (kbcache_mkdirs(cache_dir) != 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return;
	if ((fd = mkstemp(tmp)) < 0)
		return;
	/* no fsync: a file cut short fails its checksum and is rebuilt */
	failed = file_write_all(fd, b->data, b->len) != 0;
	if (close(fd) != 0 || failed || rename(tmp, path) != 0)
		unlink(tmp);
	else
		kbcache_prune(cache_dir);
}

static void
kbcache_write(const char *path, const char *cache_dir, const struct kb *kb,
    const struct matcher *m, const unsigned char key[KBCACHE_KEY_LEN],
    const struct buf *stamps)
{
	struct buf b = BUF_INIT;

	kbcache_encode_stamped(kb, m, key, stamps, &b);
	kbcache_put_file(path, cache_dir, &b);
	buf_free(&b);
}

/* The lengths of a file's parts, when its header is whole and adds up; else -1. */
static int
kbcache_parts(const unsigned char *p, size_t len, uint64_t lens[KBCACHE_NPARTS])
{
	uint32_t format;
	uint64_t left;
	size_t i;

	if (len < KBCACHE_HEADER || memcmp(p, KBCACHE_MAGIC, 8) != 0)
		return -1;
	memcpy(&format, p + 8, sizeof(format));
	if (format != KBCACHE_FORMAT)
		return -1;
	memcpy(lens, p + KBCACHE_AT_LENS, KBCACHE_NPARTS * sizeof(lens[0]));
	for (left = len - KBCACHE_HEADER, i = 0; i < KBCACHE_NPARTS; i++) {
		if (lens[i] > left)
			return -1;
		left -= lens[i];
	}
	return left == 0 ? 0 : -1;
}

/*
 * Does every file of the rule base at dir stand as the cache file's stamps
 * say (the same names, and for each the same size, inode, device,
 * modification and change times, none changed within KBCACHE_RACY_SEC of the
 * stamps being taken), for this program and load? Then the key the stamps
 * were taken with, which is the file's key, is the key now: into key, 1.
 * Else 0, and the key must be hashed. A file changed in any way gets a new
 * change time (ctime, which no one sets but the kernel), so a file edited,
 * replaced, added or removed is seen; its contents are not read.
 */
int
kbcache_stamps_hold(const void *data, size_t len, const char *dir, int problems_only,
    unsigned char key[KBCACHE_KEY_LEN])
{
	const unsigned char *p = data;
	struct kbcache_in in = { 0 };
	uint64_t lens[KBCACHE_NPARTS];
	uint8_t prog[KBCACHE_KEY_LEN], had[KBCACHE_KEY_LEN];
	struct sha256_ctx c;
	char **names = NULL, name[PATH_MAX], path[PATH_MAX], err[ERR_LEN];
	size_t nnames = 0, i;
	int64_t taken[2], racy;
	uint32_t n, nl;
	int holds = 0;

	if (kbcache_parts(p, len, lens) != 0 || lens[3] == 0)
		return 0;
	in.p = p + KBCACHE_HEADER + lens[0] + lens[1] + lens[2];
	in.left = (size_t)lens[3];
	sha256_init(&c);
	kbcache_hash_program(&c, dir, problems_only);
	sha256_digest(&c, sizeof(prog), prog);
	kbcache_take(&in, had, sizeof(had));
	kbcache_take(&in, taken, sizeof(taken));
	n = kbcache_get_u32(&in);
	/* a stamp of this time or later is racy (taken[0] as read: any value) */
	if (in.bad || memcmp(had, prog, sizeof(prog)) != 0 ||
	    taken[0] < INT64_MIN + KBCACHE_RACY_SEC ||
	    kb_article_names(dir, &names, &nnames, err) != 0)
		return 0;
	racy = taken[0] - KBCACHE_RACY_SEC;
	if (n != KBCACHE_NFIXED + nnames)
		goto out;
	for (i = 0; i < n; i++) {
		struct kbcache_stamp was, now;
		struct stat st;

		if (i < KBCACHE_NFIXED)
			snprintf(name, sizeof(name), "%s", kbcache_fixed[i]);
		else
			snprintf(name, sizeof(name), "articles/%s", names[i - KBCACHE_NFIXED]);
		nl = kbcache_get_u32(&in);
		if (in.bad || nl != strlen(name) || nl > in.left || memcmp(in.p, name, nl) != 0)
			goto out;
		in.p += nl;
		in.left -= nl;
		if (kbcache_take(&in, &was, sizeof(was)) != 0 ||
		    was.mtime_sec >= racy || was.ctime_sec >= racy ||
		    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
		    stat(path, &st) != 0)
			goto out;
		kbcache_stamp_of(&st, &now);
		if (memcmp(&was, &now, sizeof(was)) != 0)
			goto out;
	}
	/* the key they were taken with, which must be the file's */
	if (kbcache_take(&in, key, KBCACHE_KEY_LEN) == 0 && in.left == 0 &&
	    memcmp(key, p + 12, KBCACHE_KEY_LEN) == 0)
		holds = 1;
out:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	return holds;
}

/*
 * The cache file data (whole, read under key) written again with new
 * stamps: its files were touched but hash the same (a checkout, a copy).
 */
static void
kbcache_restamp(const char *path, const char *cache_dir, const unsigned char *data,
    size_t len, const unsigned char key[KBCACHE_KEY_LEN], const struct buf *stamps)
{
	uint64_t lens[KBCACHE_NPARTS];
	struct buf payload = BUF_INIT, b = BUF_INIT;
	size_t keep;

	if (kbcache_parts(data, len, lens) != 0)
		return;
	keep = (size_t)(lens[0] + lens[1] + lens[2]);
	buf_append(&payload, data + KBCACHE_HEADER, keep);
	buf_append(&payload, stamps->data, stamps->len);
	lens[3] = stamps->len;
	kbcache_frame(key, lens, payload.data, payload.len, &b);
	kbcache_put_file(path, cache_dir, &b);
	buf_free(&payload);
	buf_free(&b);
}

void
kbcache_add_query_index(struct kb *kb)
{
	struct query_index *ix;
	struct buf b = BUF_INIT;

	if (kb->qindex != NULL)
		return;
	ix = query_index_new(kb);
	query_index_save(ix, &b);
	query_index_free(ix);
	kb->qindex = (unsigned char *)b.data;
	kb->qindex_len = b.len;
}

int
kbcache_load(const struct kb_load_params *params, const char *cache_dir, struct kb **out,
    struct matcher **m, enum kbcache_how *how, char err[ERR_LEN])
{
	unsigned char key[KBCACHE_KEY_LEN], *data = NULL;
	char path[PATH_MAX], why[ERR_LEN];
	enum kbcache_how h = KBCACHE_OFF;
	struct matcher *built = NULL;
	struct buf stamps = BUF_INIT;
	const void *codes = NULL;
	size_t len = 0, codes_len = 0;
	int rc, hashed = 0;

	*out = NULL;
	if (m)
		*m = NULL;
	if (cache_dir == NULL || params->on_problem != NULL || params->keep_going ||
	    params->validate_all || params->on_valid != NULL || params->dir == NULL ||
	    params->override_path != NULL ||
	    kbcache_path(cache_dir, params->dir, params->problems_only, path) != 0)
		goto xml;	/* kb_load() says what is wrong with the rule base */
	data = kbcache_read_file(path, &len);
	/* the key: the file's, when every file stands as its stamps say; else hashed */
	if (data == NULL ||
	    !kbcache_stamps_hold(data, len, params->dir, params->problems_only, key)) {
		if (kbcache_key_stamped(params->dir, params->problems_only, key, &stamps,
		    why) != 0) {
			kbcache_unmap(data, len);
			data = NULL;
			goto xml;
		}
		hashed = 1;
	}
	h = KBCACHE_BUILT;
	if (data != NULL) {
		/* on success the kb keeps the mapping (its query index is read there) */
		rc = kbcache_decode_map(data, len, key, out, &codes, &codes_len, 1, why);
		if (rc == 0 && m != NULL && (codes == NULL ||
		    match_compile_codes(*out, codes, codes_len, m, why) != 0)) {
			/* PCRE2 refused its own form (another build): compile */
			rc = match_compile(*out, m, why);
			if (rc != 0) {
				buf_free(&stamps);
				kb_free(*out);	/* and the mapping with it */
				*out = NULL;
				err_set(err, "%s", why);
				return -2;
			}
		}
		if (rc == 0 && hashed)	/* the same files, touched: stamp them anew */
			kbcache_restamp(path, cache_dir, data, len, key, &stamps);
		if (rc != 0)
			kbcache_unmap(data, len);
		if (rc == 0) {
			buf_free(&stamps);
			if (how)
				*how = KBCACHE_HIT;
			return 0;
		}
		h = rc > 0 ? KBCACHE_STALE : KBCACHE_CORRUPT;
		if (!hashed) {
			/* the stamps held, but the file does not read: hash for the new one */
			if (kbcache_key_stamped(params->dir, params->problems_only, key, &stamps,
			    why) != 0)
				h = KBCACHE_OFF;
		}
	}
xml:
	if (how)
		*how = h;
	if (kb_load(params, out, err) != 0) {
		buf_free(&stamps);
		return -1;
	}
	if (m != NULL || h != KBCACHE_OFF) {
		/* compiled now for the cache even when the command needs no matcher */
		if (match_compile(*out, &built, err) != 0) {
			buf_free(&stamps);
			if (m == NULL)
				return 0;	/* no cache; the command does not match */
			kb_free(*out);
			*out = NULL;
			return -2;
		}
	}
	if (h != KBCACHE_OFF) {
		if (!params->problems_only)
			kbcache_add_query_index(*out);
		kbcache_write(path, cache_dir, *out, built, key, &stamps);
	}
	buf_free(&stamps);
	if (m != NULL)
		*m = built;
	else
		match_free(built);
	return 0;
}
