/*
 * diagnosis: the diagnosis's data model (diagnosis.h): what fills it that
 * every stage shares (warnings, observations) and what frees it, apart from
 * the pipeline that makes it (diag.c), so that the stages that fill a
 * diagnosis do not depend on the driver that calls them.
 */
#include "diagnosis.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "probe_result.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/xmem.h"

void
diag_warn(struct diagnosis *d, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (d->nwarnings >= DIAG_MAX_WARNINGS) {
		d->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->warnings = xrealloc(d->warnings, (d->nwarnings + 1) * sizeof(*d->warnings));
	d->warnings[d->nwarnings++] = buf_detach(&b);
}

size_t
diag_input_errors(const struct diagnosis *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->ninputs; i++)
		if (d->inputs[i].error)
			n++;
	return n;
}

static void
diag_free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---------------------------------------------------------------------- */
/*
 * The diagnosis's strings kept once (diagnosis.h diag_strings_of()): a set
 * of NUL-terminated strings in an arena, open addressing, FNV-1a, grown at
 * half full. Thousands of incidents of one article carry the same cause
 * titles, evidence reasons and step texts.
 */
struct diag_block;

struct diag_strings {
	struct arena	 arena;
	const char	**slots;
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 n;
	/* the packed lists, each once (diag_block_share()) */
	struct diag_block **blocks;
	size_t		 bcap;		/* a power of two, or 0 */
	size_t		 nblocks;
};

/*
 * Eight bytes at a time, then mixed (where FNV-1a took a multiply a byte:
 * a third of ranking's and planning's instructions at 10,000 incidents,
 * whose step texts are hundreds of bytes). Only a slot's place depends on it.
 */
static size_t
diag_strings_hash(const char *s)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	size_t n = strlen(s), i;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	if (i < n) {
		w = 0;
		memcpy(&w, s + i, n - i);
		h = (h ^ w) * k;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (size_t)h;
}

struct diag_strings *
diag_strings_of(struct diagnosis *d)
{
	if (d->strings == NULL)
		d->strings = xcalloc(1, sizeof(*d->strings));
	return d->strings;
}

static void
diag_strings_free(struct diag_strings *t)
{
	if (t == NULL)
		return;
	arena_free(&t->arena);
	free(t->slots);
	free(t->blocks);	/* empty: the incidents released theirs before */
	free(t);
}

static const char *
diag_intern(struct diag_strings *t, const char *s)
{
	size_t i, j;

	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256;
		const char **slots = xcalloc(cap, sizeof(*slots));

		for (i = 0; i < t->cap; i++)
			if (t->slots[i] != NULL) {
				for (j = diag_strings_hash(t->slots[i]) & (cap - 1); slots[j];
				    j = (j + 1) & (cap - 1))
					;
				slots[j] = t->slots[i];
			}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	for (i = diag_strings_hash(s) & (t->cap - 1); t->slots[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->slots[i], s) == 0)
			return t->slots[i];
	t->n++;
	return t->slots[i] = arena_strdup(&t->arena, s);
}

/* ---------------------------------------------------------------------- */
/*
 * Packing: a list a stage built field by field (an array, the arrays and
 * strings its elements point to) copied into one allocation, the array at
 * its start, so that free() of the array frees it all. An incident holds a
 * few dozen strings per list, and each allocation of its own costs malloc's
 * header and rounding, and the spare room of an array grown by doubling.
 * Each packer runs twice: with base NULL it only adds up the bytes. With
 * the incident's diagnosis's strings (diag_strings_of()) the strings are
 * kept there once, and the block holds the arrays only.
 */
/*
 * A packed list is a block: a header, then the list. With the diagnosis's
 * strings set, a list equal to one already there (the same words, its own
 * arrays' addresses taken as offsets: diag_block_word()) is that one,
 * counted once more: the incidents of one host share its probe round, those
 * of one article most of their unchecked evidence. Blocks are released,
 * never freed (diag_list_release()).
 */
enum { DIAG_LIST_CAUSES = 1, DIAG_LIST_STEPS, DIAG_LIST_UNCHECKED, DIAG_LIST_PROBES };

struct diag_block {
	struct diag_block	*next;		/* in its bucket, or NULL */
	size_t			 refs;
	size_t			 hash;
	size_t			 size;		/* of the list */
	int			 kind;		/* DIAG_LIST_* */
	int			 shared;	/* in the set */
	alignas(max_align_t) unsigned char data[];
};

/*
 * A block with the set's strings is whole words: arrays of structs whose
 * strings are pointers into the set, whose arrays are pointers into the
 * block itself. Two equal lists differ only in the latter, so a word that
 * points into its block is taken as its offset there.
 */
static uintptr_t
diag_block_word(const struct diag_block *b, size_t i)
{
	uintptr_t w, lo = (uintptr_t)b->data;

	memcpy(&w, b->data + i * sizeof(w), sizeof(w));
	return w >= lo && w < lo + b->size ? (w - lo) ^ (uintptr_t)0x5bd1e995 : w;
}

static size_t
diag_block_hash(const struct diag_block *b)
{
	size_t h = (size_t)14695981039346656037ULL ^ (size_t)b->kind, i;

	for (i = 0; i < b->size / sizeof(uintptr_t); i++)
		h = (h ^ diag_block_word(b, i)) * (size_t)1099511628211ULL;
	return h;
}

static int
diag_block_equal(const struct diag_block *a, const struct diag_block *b)
{
	size_t i;

	if (a->hash != b->hash || a->kind != b->kind || a->size != b->size)
		return 0;
	for (i = 0; i < a->size / sizeof(uintptr_t); i++)
		if (diag_block_word(a, i) != diag_block_word(b, i))
			return 0;
	return 1;
}

static struct diag_block *
diag_block_of(void *list)
{
	return (struct diag_block *)((unsigned char *)list - offsetof(struct diag_block, data));
}

/* The list in b, or the same list already in the set (b freed). */
static void *
diag_block_share(struct diag_strings *t, struct diag_block *b)
{
	struct diag_block *o, **slot;
	size_t i;

	b->hash = diag_block_hash(b);
	if (2 * (t->nblocks + 1) > t->bcap) {
		size_t cap = t->bcap ? 2 * t->bcap : 256;
		struct diag_block **v = xcalloc(cap, sizeof(*v));

		for (i = 0; i < t->bcap; i++)
			while ((o = t->blocks[i]) != NULL) {
				t->blocks[i] = o->next;
				o->next = v[o->hash & (cap - 1)];
				v[o->hash & (cap - 1)] = o;
			}
		free(t->blocks);
		t->blocks = v;
		t->bcap = cap;
	}
	slot = &t->blocks[b->hash & (t->bcap - 1)];
	for (o = *slot; o != NULL; o = o->next)
		if (diag_block_equal(o, b)) {
			o->refs++;
			free(b);
			return o->data;
		}
	b->shared = 1;
	b->next = *slot;
	*slot = b;
	t->nblocks++;
	return b->data;
}

void
diag_list_release(struct diag_incident *inc, void *list)
{
	struct diag_block *b, **p;
	struct diag_strings *t = inc->strings;

	if (list == NULL)
		return;
	b = diag_block_of(list);
	if (--b->refs > 0)
		return;
	if (b->shared && t != NULL) {
		for (p = &t->blocks[b->hash & (t->bcap - 1)]; *p != b; p = &(*p)->next)
			;
		*p = b->next;
		t->nblocks--;
	}
	free(b);
}

struct diag_pack {
	char			*base;		/* NULL: measuring */
	size_t			 used;
	struct diag_strings	*strings;	/* strings kept there, or NULL: in
						   the block */
};

static void *
diag_pack_array(struct diag_pack *pk, const void *v, size_t n, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	void *p = NULL;

	if (n == 0 || v == NULL)
		return NULL;
	pk->used = (pk->used + align - 1) & ~(align - 1);
	if (pk->base != NULL)
		p = memcpy(pk->base + pk->used, v, n * size);
	pk->used += n * size;
	return p;
}

static char *
diag_pack_str(struct diag_pack *pk, const char *s)
{
	size_t n;
	char *p = NULL;

	if (s == NULL)
		return NULL;
	if (pk->strings != NULL)	/* never written through: const in the set */
		return pk->base != NULL ? (char *)diag_intern(pk->strings, s) : NULL;
	n = strlen(s) + 1;
	if (pk->base != NULL)
		p = memcpy(pk->base + pk->used, s, n);
	pk->used += n;
	return p;
}
/* After measuring: the block, and the copy to start at its list. */
static void
diag_pack_alloc(struct diag_pack *pk, int kind)
{
	struct diag_block *b = xcalloc(1, sizeof(*b) + (pk->used ? pk->used : 1));

	b->refs = 1;
	b->kind = kind;
	b->size = pk->used;
	pk->base = (char *)b->data;
	pk->used = 0;
}

/* The packed list, shared with an equal one when there is a set. */
static void *
diag_pack_done(struct diag_pack *pk)
{
	struct diag_block *b = diag_block_of(pk->base);

	/* only with the set's strings is a block whole words (diag_block_word()) */
	return pk->strings != NULL ? diag_block_share(pk->strings, b) : b->data;
}

static struct diag_evidence *
diag_pack_evidence(struct diag_pack *pk, const struct diag_evidence *v, size_t n)
{
	struct diag_evidence *d = diag_pack_array(pk, v, n, sizeof(*v)), x;
	size_t i;

	for (i = 0; i < n; i++) {
		struct diag_evidence *o = d != NULL ? &d[i] : &x;

		o->ref = diag_pack_str(pk, v[i].ref);
		o->why = diag_pack_str(pk, v[i].why);
		o->origin = diag_pack_str(pk, v[i].origin);
		o->detail = diag_pack_str(pk, v[i].detail);
	}
	return d;
}

static struct diag_cause *
diag_pack_causes(struct diag_pack *pk, const struct diag_cause *v, size_t n)
{
	struct diag_cause *d = diag_pack_array(pk, v, n, sizeof(*v)), x;
	size_t i;

	for (i = 0; i < n; i++) {
		struct diag_cause *o = d != NULL ? &d[i] : &x;

		o->id = diag_pack_str(pk, v[i].id);
		o->title = diag_pack_str(pk, v[i].title);
		o->evidence = diag_pack_evidence(pk, v[i].evidence, v[i].nevidence);
	}
	return d;
}

static struct diag_span *
diag_pack_spans(struct diag_pack *pk, const struct diag_span *v, size_t n)
{
	struct diag_span *d = diag_pack_array(pk, v, n, sizeof(*v)), x;
	size_t i;

	for (i = 0; i < n; i++)
		(d != NULL ? &d[i] : &x)->text = diag_pack_str(pk, v[i].text);
	return d;
}

static char **
diag_pack_strs(struct diag_pack *pk, char *const *v, size_t n)
{
	char **d = diag_pack_array(pk, v, n, sizeof(*v)), *x;
	size_t i;

	for (i = 0; i < n; i++)
		*(d != NULL ? &d[i] : &x) = diag_pack_str(pk, v[i]);
	return d;
}

static struct diag_step *
diag_pack_steps(struct diag_pack *pk, const struct diag_step *v, size_t n)
{
	struct diag_step *d = diag_pack_array(pk, v, n, sizeof(*v)), x;
	size_t i;

	for (i = 0; i < n; i++) {
		struct diag_step *o = d != NULL ? &d[i] : &x;

		o->id = diag_pack_str(pk, v[i].id);
		o->spans = diag_pack_spans(pk, v[i].spans, v[i].nspans);
		o->worked = diag_pack_spans(pk, v[i].worked, v[i].nworked);
		o->addresses = diag_pack_strs(pk, v[i].addresses, v[i].naddresses);
		o->done_ref = diag_pack_str(pk, v[i].done_ref);
		o->done = diag_pack_str(pk, v[i].done);
		o->found = diag_pack_str(pk, v[i].found);
		o->because = diag_pack_str(pk, v[i].because);
	}
	return d;
}

static struct diag_unchecked *
diag_pack_unchecked(struct diag_pack *pk, const struct diag_unchecked *v, size_t n)
{
	struct diag_unchecked *d = diag_pack_array(pk, v, n, sizeof(*v)), x;
	size_t i;

	for (i = 0; i < n; i++) {
		struct diag_unchecked *o = d != NULL ? &d[i] : &x;

		o->source = diag_pack_str(pk, v[i].source);
		o->title = diag_pack_str(pk, v[i].title);
		o->why = diag_pack_str(pk, v[i].why);
	}
	return d;
}

static struct probe_result *
diag_pack_probes(struct diag_pack *pk, const struct probe_result *v, size_t n)
{
	struct probe_result *d = diag_pack_array(pk, v, n, sizeof(*v)), x;
	size_t i;

	for (i = 0; i < n; i++) {
		struct probe_result *o = d != NULL ? &d[i] : &x;

		o->probe = diag_pack_str(pk, v[i].probe);
		o->source = diag_pack_str(pk, v[i].source);
		o->value = diag_pack_str(pk, v[i].value);
		o->target = diag_pack_str(pk, v[i].target);
		o->detail = diag_pack_str(pk, v[i].detail);
		o->transcript = diag_pack_strs(pk, v[i].transcript, v[i].ntranscript);
	}
	return d;
}

struct probe_result *
diag_probes_pack(const struct probe_result *r, size_t n, struct diag_strings *strings)
{
	struct diag_pack pk = { NULL, 0, strings };

	if (n == 0)
		return NULL;
	diag_pack_probes(&pk, r, n);
	diag_pack_alloc(&pk, DIAG_LIST_PROBES);
	diag_pack_probes(&pk, r, n);
	return diag_pack_done(&pk);
}

struct diag_cause *
diag_causes_pack(struct diag_cause *c, size_t n,
    struct diag_strings *strings)
{
	struct diag_cause *packed = NULL;
	size_t i, j;

	if (n > 0) {
		struct diag_pack pk = { NULL, 0, strings };

		diag_pack_causes(&pk, c, n);
		diag_pack_alloc(&pk, DIAG_LIST_CAUSES);
		diag_pack_causes(&pk, c, n);
		packed = diag_pack_done(&pk);
	}
	for (i = 0; i < n; i++) {
		free(c[i].id);
		free(c[i].title);
		for (j = 0; j < c[i].nevidence; j++) {
			free(c[i].evidence[j].ref);
			free(c[i].evidence[j].why);
			free(c[i].evidence[j].origin);
			free(c[i].evidence[j].detail);
		}
		free(c[i].evidence);
	}
	free(c);
	return packed;
}

void
diag_incident_unrank(struct diag_incident *inc)
{
	diag_list_release(inc, inc->causes);
	diag_list_release(inc, inc->unchecked);
	diag_list_release(inc, inc->steps);
	diag_list_release(inc, inc->unneeded);
	inc->causes = NULL;
	inc->unchecked = NULL;
	inc->steps = inc->unneeded = NULL;
	inc->ncauses = inc->nunchecked = inc->nsteps = inc->nunneeded = 0;
}
struct diag_unchecked *
diag_unchecked_pack(struct diag_unchecked *u, size_t n,
    struct diag_strings *strings)
{
	struct diag_unchecked *packed = NULL;
	size_t i;

	if (n > 0) {
		struct diag_pack pk = { NULL, 0, strings };

		diag_pack_unchecked(&pk, u, n);
		diag_pack_alloc(&pk, DIAG_LIST_UNCHECKED);
		diag_pack_unchecked(&pk, u, n);
		packed = diag_pack_done(&pk);
	}
	/* the source's id and title are the rule base's (diagnosis.h) */
	for (i = 0; i < n; i++)
		free(u[i].why);
	free(u);
	return packed;
}

void
diag_observations_free(struct diag_observation *o, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(o[i].source);
		free(o[i].value);
		free(o[i].origin);
		free(o[i].detail);
	}
	free(o);
}

void
diag_observe(struct diag_incident *inc, const char *source, const char *value,
    const char *origin, const char *detail)
{
	struct diag_observation *o;
	size_t i;

	/* One value per source: the first observation stands. */
	for (i = 0; i < inc->nobservations; i++)
		if (strcmp(inc->observations[i].source, source) == 0)
			return;
	inc->observations = xrealloc(inc->observations,
	    (inc->nobservations + 1) * sizeof(*inc->observations));
	o = &inc->observations[inc->nobservations++];
	o->source = xstrdup(source);
	o->value = xstrdup(value);
	o->origin = xstrdup(origin);
	o->detail = xstrdup_or_null(detail);
}

void
diag_incident_clear(struct diag_incident *inc)
{
	size_t i;

	free(inc->article);
	free(inc->tcp);
	free(inc->title);
	free(inc->error);
	free(inc->first_seen);
	free(inc->last_seen);
	free(inc->phase);
	free(inc->last_command);
	free(inc->last_reply);
	free(inc->greeting);
	free(inc->helo);
	free(inc->helo_reply);
	free(inc->gateway_version);
	free(inc->ended_article);
	free(inc->ended_peer);
	free(inc->ended_first_seen);
	free(inc->probe_skip);
	free(inc->origin);
	free(inc->source);
	free(inc->site);
	free(inc->file);
	free(inc->failure);
	diag_free_strings(inc->queue_ids, inc->nqueue_ids);
	free(inc->peer.address);
	for (i = 0; i < inc->nphases; i++)
		free(inc->phases[i].phase);
	free(inc->phases);
	free(inc->peer.host);
	for (i = 0; i < inc->nlocations; i++)
		free(inc->locations[i].file);
	free(inc->locations);
	free(inc->errno_name);
	diag_observations_free(inc->observations, inc->nobservations);
	diag_list_release(inc, inc->probes);
	diag_incident_unrank(inc);
	memset(inc, 0, sizeof(*inc));
}

static char **
diag_strings_copy(char *const *v, size_t n, size_t cap)
{
	char **c;
	size_t i;

	if (v == NULL)
		return NULL;
	c = xcalloc(cap > n ? cap : n ? n : 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void
diag_incident_copy_log(struct diag_incident *dst, const struct diag_incident *src,
    struct diag_strings *strings)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->article = xstrdup(src->article);
	dst->title = xstrdup_or_null(src->title);
	dst->error = xstrdup(src->error ? src->error : "");
	dst->count = src->count;
	dst->lines = src->lines;
	dst->companions = src->companions;
	dst->first_seen = xstrdup(src->first_seen ? src->first_seen : "");
	dst->last_seen = xstrdup(src->last_seen ? src->last_seen : "");
	dst->year_inferred = src->year_inferred;
	dst->origin = xstrdup_or_null(src->origin);
	dst->source = xstrdup_or_null(src->source);
	dst->site = xstrdup_or_null(src->site);
	dst->file = xstrdup_or_null(src->file);
	dst->episode = src->episode;
	dst->failure = xstrdup_or_null(src->failure);
	/* the array has room for DIAG_MAX_QUEUE_IDS, as correlate and replay make it */
	dst->queue_ids = diag_strings_copy(src->queue_ids, src->nqueue_ids,
	    DIAG_MAX_QUEUE_IDS);
	dst->nqueue_ids = src->queue_ids ? src->nqueue_ids : 0;
	dst->messages = src->messages;
	dst->held = src->held;
	dst->delivered_later = src->delivered_later;
	dst->delivered_elsewhere = src->delivered_elsewhere;
	dst->retries_ended = src->retries_ended;
	dst->ended_article = xstrdup_or_null(src->ended_article);
	dst->ended_peer = xstrdup_or_null(src->ended_peer);
	dst->ended_first_seen = xstrdup_or_null(src->ended_first_seen);
	dst->ended_index = src->ended_index;
	dst->phase = xstrdup_or_null(src->phase);
	dst->last_command = xstrdup_or_null(src->last_command);
	dst->last_reply = xstrdup_or_null(src->last_reply);
	dst->greeting = xstrdup_or_null(src->greeting);
	dst->helo = xstrdup_or_null(src->helo);
	dst->helo_reply = xstrdup_or_null(src->helo_reply);
	dst->gateway_version = xstrdup_or_null(src->gateway_version);
	if (src->nphases > 0) {
		dst->phases = xcalloc(src->nphases, sizeof(*dst->phases));
		for (i = 0; i < src->nphases; i++) {
			dst->phases[i].phase = xstrdup(src->phases[i].phase);
			dst->phases[i].count = src->phases[i].count;
		}
		dst->nphases = src->nphases;
	}
	dst->timed = src->timed;
	dst->dated = src->dated;
	dst->first_t = src->first_t;
	dst->last_t = src->last_t;
	dst->rate_per_hour = src->rate_per_hour;
	dst->frequent = src->frequent;
	dst->peer.host = xstrdup_or_null(src->peer.host);
	dst->peer.port = src->peer.port;
	dst->peer.address = xstrdup_or_null(src->peer.address);
	dst->peer_from_cli = src->peer_from_cli;
	dst->locations = xcalloc(src->nlocations ? src->nlocations : 1,
	    sizeof(*dst->locations));
	for (i = 0; i < src->nlocations && i < DIAG_MAX_LOCATIONS; i++) {
		dst->locations[i].file = xstrdup(src->locations[i].file);
		dst->locations[i].line = src->locations[i].line;
		dst->nlocations++;
	}
	dst->errno_name = xstrdup_or_null(src->errno_name);
	if (src->tcp != NULL) {
		dst->tcp = xcalloc(1, sizeof(*dst->tcp));
		*dst->tcp = *src->tcp;
	}
	dst->article_confidence = src->article_confidence;
	dst->kb_article = src->kb_article;
	dst->strings = strings;
}

static void
diag_spans_free(struct diag_span *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

struct diag_step *
diag_steps_pack(struct diag_step *v, size_t n,
    struct diag_strings *strings)
{
	struct diag_step *packed = NULL;
	size_t i;

	if (n > 0) {
		struct diag_pack pk = { NULL, 0, strings };

		diag_pack_steps(&pk, v, n);
		diag_pack_alloc(&pk, DIAG_LIST_STEPS);
		diag_pack_steps(&pk, v, n);
		packed = diag_pack_done(&pk);
	}
	for (i = 0; i < n; i++) {
		struct diag_step *s = &v[i];

		free(s->id);
		diag_spans_free(s->spans, s->nspans);
		diag_spans_free(s->worked, s->nworked);
		diag_free_strings(s->addresses, s->naddresses);
		free(s->done_ref);
		free(s->done);
		free(s->found);
		free(s->because);
	}
	free(v);
	return packed;
}

void
diag_group_free(struct diag_group *g)
{
	free(g->program);
	free(g->shape);
	free(g->sample.file);
	free(g->sample.text);
}

void
diag_free(struct diagnosis *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ninputs; i++) {
		free(d->inputs[i].name);
		free(d->inputs[i].format);
		free(d->inputs[i].error);
		free(d->inputs[i].set);
		free(d->inputs[i].year_from);
		free(d->inputs[i].year_anchor);
	}
	for (i = 0; i < d->summary.nunmatched_groups; i++)
		diag_group_free(&d->summary.unmatched_groups[i]);
	free(d->summary.unmatched_groups);
	free(d->inputs);
	for (i = 0; i < d->summary.narticles; i++)
		free(d->summary.articles[i].article);
	free(d->summary.articles);
	for (i = 0; i < d->summary.ngroups; i++)
		free(d->summary.groups[i].article);
	free(d->summary.groups);
	for (i = 0; i < d->summary.nsamples; i++) {
		free(d->summary.samples[i].file);
		free(d->summary.samples[i].text);
	}
	for (i = 0; i < d->nincidents; i++)
		diag_incident_clear(&d->incidents[i]);
	free(d->incidents);
	diag_strings_free(d->strings);	/* after the incidents that point into it */
	diag_free_strings(d->warnings, d->nwarnings);
	for (i = 0; i < d->nhistory; i++)
		diag_history_clear(&d->history[i]);
	free(d->history);
	free(d->probe_note);
	free(d);
}

void
diag_history_clear(struct diag_history *h)
{
	size_t i;

	free(h->when);
	free(h->outcome);
	free(h->applied_when);
	for (i = 0; i < h->napplied; i++) {
		free(h->applied[i].fix);
		free(h->applied[i].path);
		free(h->applied[i].what);
	}
	free(h->applied);
	free(h->watch);
	for (i = 0; i < h->nverdicts; i++) {
		struct diag_verdict *v = &h->verdicts[i];

		free(v->article);
		free(v->peer);
		free(v->cause);
		free(v->outcome);
		free(v->why);
		diag_observations_free(v->seen, v->nseen);
		free(v->next_cause);
		free(v->next_title);
		diag_free_strings(v->next_steps, v->nnext_steps);
		diag_free_strings(v->next_fixes, v->nnext_fixes);
	}
	free(h->verdicts);
	memset(h, 0, sizeof(*h));
}
