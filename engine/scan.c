#define _GNU_SOURCE	/* memrchr */

#include "scan.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "prefilter.h"
#include "reader.h"
#include "util/xmem.h"

struct scan_slot {
	struct scan_block	 b;
	char			*buf;		/* READER_MAX_LINE + SCAN_READ */
	size_t			 lines_cap, nhits, hits_cap;
	int			 full;		/* filled; the caller's until given back */
	int			 last;		/* nothing after it */
};

struct scan {
	int			 fd;		/* read(), or -1: */
	struct reader		*r;		/* reader_read() */
	char			*name;
	struct matcher		*m;
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct scan_slot	 slot[SCAN_BLOCKS];
	size_t			 take;		/* the caller's next slot */
	int			 held;		/* the caller holds take - 1 */
	int			 ended;		/* the caller took the last */
	int			 stop;		/* the caller wants no more */
	char			 err[ERR_LEN];	/* a read error, said at the end */
	/* the worker's own */
	char			*carry;		/* the start of a line without its end */
	size_t			 carry_len;
	int			 carry_truncated;
	unsigned long long	 carry_at;	/* its offset */
	int			 skip_lf;	/* a CR ended the last block */
	unsigned long long	 pos;		/* bytes read */
	/* the block's candidate lines (prefilter_lines()), in order */
	int			 every_line;	/* some pattern has no literal */
	size_t			 words;		/* of an id set */
	size_t			*cand_at;	/* a candidate line's first byte */
	uint64_t		*cand_ids;	/* its ids, words each */
	size_t			 ncand, cand_cap, cand_ids_cap, cand_next;
};

unsigned long long
scan_offset(const struct scan_block *b, const struct scan_line *l)
{
	return l->pos == 0 ? b->first : b->base + l->pos;
}

/*
 * The ids of the line at at when the block was scanned whole: 1 with *ids
 * (NULL: no literal in it), 0 when the line must be scanned on its own.
 */
static int
scan_ids(struct scan *s, int whole, size_t at, const uint64_t **ids)
{
	*ids = NULL;
	if (!whole)
		return 0;
	while (s->cand_next < s->ncand && s->cand_at[s->cand_next] < at)
		s->cand_next++;
	if (s->cand_next < s->ncand && s->cand_at[s->cand_next] == at)
		*ids = s->cand_ids + s->cand_next++ * s->words;
	return 1;
}

/*
 * One line of the block, [at, end) of its data, and what matching finds in
 * it; whole: the block's candidates were found by one scan of its data.
 */
static void
scan_line(struct scan *s, struct scan_slot *sl, size_t at, size_t end, int truncated,
    int nuls, int whole)
{
	const uint64_t *ids;
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	struct scan_line *l;
	const char *p = sl->buf + at;
	size_t len = end - at, n, k, need;

	if (len > READER_MAX_LINE) {
		len = READER_MAX_LINE;
		truncated = 1;
	}
	if (sl->b.nlines == sl->lines_cap)
		sl->b.lines = xgrow(sl->b.lines, &sl->lines_cap, sl->b.nlines + 1,
		    sizeof(*sl->b.lines));
	l = &sl->b.lines[sl->b.nlines++];
	l->pos = (uint32_t)at;
	l->len = (uint32_t)len;
	l->hit = (uint32_t)sl->nhits;
	l->nhits = 0;
	l->flags = truncated ? SCAN_TRUNCATED : 0;
	if (nuls && memchr(p, '\0', len) != NULL)
		l->flags |= SCAN_NUL;
	for (k = 0; k < len && (p[k] == ' ' || p[k] == '\t'); k++)
		;
	if (k < len && (p[k] == '{' || p[k] == '\x1e')) {	/* '\x1e': json-seq's RS */
		l->flags |= SCAN_SELF;
		sl->b.wholes = 1;
		return;
	}
	if (scan_ids(s, whole && !truncated, at, &ids)) {
		if (ids == NULL)
			return;		/* no literal: no hit, no error or delivery word */
		n = match_line_ids(s->m, p, len, ids, &hits, &gave_up);
	} else
		n = match_line(s->m, p, len, &hits, &gave_up);
	if (match_looks_like_error(s->m))
		l->flags |= SCAN_ERROR;
	if (match_looks_like_delivery(s->m))
		l->flags |= SCAN_DELIVERY;
	if (gave_up != NULL)
		l->flags |= SCAN_GAVE_UP;
	if (n == 0 && !(l->flags & SCAN_WHOLE))
		return;
	sl->b.wholes = 1;
	need = sl->nhits + n + (gave_up != NULL);
	if (need == sl->nhits)
		return;		/* an error or delivery word, no hit */
	sl->b.hits = xgrow(sl->b.hits, &sl->hits_cap, need, sizeof(*sl->b.hits));
	if (n > 0)
		memcpy(sl->b.hits + sl->nhits, hits, n * sizeof(*hits));
	if (gave_up != NULL) {
		sl->b.hits[sl->nhits + n].article = NULL;
		sl->b.hits[sl->nhits + n].symptom = gave_up;
	}
	sl->nhits = need;
	l->nhits = (uint16_t)n;
}

static int
scan_collect(void *arg, size_t off, size_t len, const uint64_t *ids)
{
	struct scan *s = arg;

	(void)len;
	s->cand_at = xgrow(s->cand_at, &s->cand_cap, s->ncand + 1, sizeof(*s->cand_at));
	s->cand_ids = xgrow(s->cand_ids, &s->cand_ids_cap, (s->ncand + 1) * s->words,
	    sizeof(*s->cand_ids));
	s->cand_at[s->ncand] = off;
	memcpy(s->cand_ids + s->ncand * s->words, ids, s->words * sizeof(*ids));
	s->ncand++;
	return 0;
}

/*
 * Find the candidate lines of [at, len) of the block's data with one scan of
 * the buffer (prefilter_lines()): its lines end at '\n' alone, as the
 * block's do when it holds no CR. The start of a last line without its end
 * waits for the next block, unless it is the end of the input.
 */
static void
scan_candidates(struct scan *s, const char *buf, size_t at, size_t len, int eof)
{
	const char *nl;
	size_t end = len, i;

	s->ncand = s->cand_next = 0;
	if (!eof) {
		nl = at < len ? memrchr(buf + at, '\n', len - at) : NULL;
		end = nl ? (size_t)(nl - buf) + 1 : at;
	}
	if (end <= at)
		return;
	prefilter_lines(match_prefilter(s->m), buf + at, end - at, scan_collect, s);
	for (i = 0; i < s->ncand; i++)
		s->cand_at[i] += at;
}

/*
 * scan_line() for the common line of a block scanned whole: no candidate at
 * at, not cut, no NUL in the block, not an event: its record only, inline
 * (most lines of a log are such; the call and its checks were half of the
 * worker's line loop). 0 when scan_line() must see the line.
 */
static inline int
scan_line_plain(struct scan *s, struct scan_slot *sl, size_t at, size_t end)
{
	const char *p = sl->buf + at;
	size_t len = end - at, k;
	struct scan_line *l;

	while (s->cand_next < s->ncand && s->cand_at[s->cand_next] < at)
		s->cand_next++;
	if ((s->cand_next < s->ncand && s->cand_at[s->cand_next] == at) ||
	    len > READER_MAX_LINE || sl->b.nlines == sl->lines_cap)
		return 0;
	for (k = 0; k < len && (p[k] == ' ' || p[k] == '\t'); k++)
		;
	if (k < len && (p[k] == '{' || p[k] == '\x1e'))
		return 0;
	l = &sl->b.lines[sl->b.nlines++];
	l->pos = (uint32_t)at;
	l->len = (uint32_t)len;
	l->hit = (uint32_t)sl->nhits;
	l->nhits = 0;
	l->flags = 0;
	return 1;
}

/*
 * The lines of [at, len) of the block's data that end at a '\n' (the data
 * holds no CR), given to scan_line() in order: the start of the first one
 * after them (len when the data ends with a '\n').
 */
static size_t
scan_lf_lines(struct scan *s, struct scan_slot *sl, size_t at, size_t len, int truncated,
    int nuls, int whole)
{
	const char *buf = sl->buf, *nl;
	size_t i = at;
#ifdef __SSE2__
	const __m128i lf = _mm_set1_epi8('\n');
	int plain = whole && !nuls;

	for (; i + 16 <= len; i += 16) {
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(buf + i)), lf));

		for (; mask != 0; mask &= mask - 1) {
			size_t end = i + (size_t)__builtin_ctz(mask);

			if (!plain || (at == 0 && truncated) ||
			    !scan_line_plain(s, sl, at, end))
				scan_line(s, sl, at, end, at == 0 && truncated, nuls, whole);
			at = end + 1;
		}
	}
#endif
	for (; i < len && (nl = memchr(buf + i, '\n', len - i)) != NULL; i = at) {
		scan_line(s, sl, at, (size_t)(nl - buf), at == 0 && truncated, nuls, whole);
		at = (size_t)(nl - buf) + 1;
	}
	return at;
}

/*
 * Split the block's data (the carried start of a line, then got bytes read)
 * into lines as reader_next() does, and keep the start of a last line
 * without its end for the next block (all of it at the end of the file).
 */
static void
scan_split(struct scan *s, struct scan_slot *sl, size_t got, int eof)
{
	char *buf = sl->buf;
	size_t len = s->carry_len + got, at = 0, from = s->carry_len, end, kept;
	int truncated = s->carry_truncated, crs, nuls, whole;
	const char *nl, *cr;

	sl->b.data = buf;
	sl->b.nlines = 0;
	sl->b.wholes = 0;
	sl->nhits = 0;
	sl->b.base = s->pos - got - s->carry_len;
	sl->b.first = s->carry_len ? s->carry_at : s->pos - got;
	if (s->skip_lf && got > 0) {
		/* CR LF is one line end, even across blocks */
		s->skip_lf = 0;
		if (buf[0] == '\n')
			at = from = 1;
	}
	crs = memchr(buf + from, '\r', len - from) != NULL;
	nuls = memchr(buf, '\0', len) != NULL;
	whole = !crs && !s->every_line;
	if (whole)
		scan_candidates(s, buf, at, len, eof);
	if (!crs) {
		/* Lines end at '\n' alone: found 16 bytes at a time, most lines are short. */
		at = scan_lf_lines(s, sl, at, len, truncated, nuls, whole);
		goto split;
	}
	for (;;) {
		nl = memchr(buf + from, '\n', len - from);
		end = nl ? (size_t)(nl - buf) : len;
		if (crs && (cr = memchr(buf + from, '\r', end - from)) != NULL)
			end = (size_t)(cr - buf);
		if (end == len)
			break;
		scan_line(s, sl, at, end, at == 0 && truncated, nuls, whole);
		at = end + 1;
		if (buf[end] == '\r') {
			if (at < len) {
				if (buf[at] == '\n')
					at++;
			} else if (!eof)
				s->skip_lf = 1;
		}
		from = at;
	}
split:
	truncated = at == 0 && truncated;
	if (eof) {
		if (at < len || truncated)
			scan_line(s, sl, at, len, truncated, nuls, whole);
		s->carry_len = 0;
		return;
	}
	kept = len - at;
	if (kept > READER_MAX_LINE) {
		kept = READER_MAX_LINE;
		truncated = 1;
	}
	s->carry_at = at == 0 ? sl->b.first : sl->b.base + at;
	memmove(s->carry, buf + at, kept);
	s->carry_len = kept;
	s->carry_truncated = truncated;
}

/* Fill a block: 1 when it is the last one. */
static int
scan_fill(struct scan *s, struct scan_slot *sl)
{
	size_t got = 0;
	ssize_t n = 1;

	memcpy(sl->buf, s->carry, s->carry_len);
	while (got < SCAN_READ) {
		if (s->fd < 0)
			n = reader_read(s->r, sl->buf + s->carry_len + got, SCAN_READ - got,
			    s->err);
		else if ((n = read(s->fd, sl->buf + s->carry_len + got,
		    SCAN_READ - got)) < 0 && errno == EINTR)
			continue;
		else if (n < 0)
			snprintf(s->err, sizeof(s->err), "%s: read error at byte %llu: %s",
			    s->name, s->pos + got, strerror(errno));
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	s->pos += got;
	/* After a read error the lines read so far, as the reader gives them. */
	scan_split(s, sl, got, n == 0);
	return n <= 0;
}

static void *
scan_worker(void *arg)
{
	struct scan *s = arg;
	size_t k = 0;
	int last;

	do {
		struct scan_slot *sl = &s->slot[k];

		pthread_mutex_lock(&s->mu);
		while (sl->full && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		last = s->stop;
		pthread_mutex_unlock(&s->mu);
		if (last)
			break;
		last = scan_fill(s, sl);
		pthread_mutex_lock(&s->mu);
		sl->full = 1;
		sl->last = last;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
		k = (k + 1) % SCAN_BLOCKS;
	} while (!last);
	return NULL;
}

static void
scan_free(struct scan *s)
{
	size_t i;

	for (i = 0; i < SCAN_BLOCKS; i++) {
		free(s->slot[i].buf);
		free(s->slot[i].b.lines);
		free(s->slot[i].b.hits);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->carry);
	free(s->cand_at);
	free(s->cand_ids);
	free(s->name);
	free(s);
}

struct scan *
scan_start(int fd, struct reader *r, const char *name, struct matcher *m)
{
	struct scan *s = xcalloc(1, sizeof(*s));
	sigset_t all, old;
	size_t i;
	int rc;

	s->fd = fd;
	s->r = r;
	s->name = xstrdup(name);
	s->m = m;
	s->every_line = match_every_line(m);
	s->words = prefilter_words(match_prefilter(m));
	s->carry = xmalloc(READER_MAX_LINE);
	for (i = 0; i < SCAN_BLOCKS; i++)
		s->slot[i].buf = xmalloc(READER_MAX_LINE + SCAN_READ);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	/*
	 * The worker takes no signal: they go to the caller's thread as they
	 * did before there was a worker (a handler that interrupts a read, a
	 * SIGINT that stops a run).
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, scan_worker, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		scan_free(s);
		return NULL;
	}
	return s;
}

const struct scan_block *
scan_next(struct scan *s)
{
	struct scan_slot *sl;

	pthread_mutex_lock(&s->mu);
	if (s->held) {
		s->slot[(s->take + SCAN_BLOCKS - 1) % SCAN_BLOCKS].full = 0;
		s->held = 0;
		pthread_cond_broadcast(&s->cv);
	}
	if (s->ended) {
		pthread_mutex_unlock(&s->mu);
		return NULL;
	}
	sl = &s->slot[s->take];
	while (!sl->full)
		pthread_cond_wait(&s->cv, &s->mu);
	s->take = (s->take + 1) % SCAN_BLOCKS;
	s->held = 1;
	s->ended = sl->last;
	pthread_mutex_unlock(&s->mu);
	return &sl->b;
}

int
scan_end(struct scan *s, unsigned long long *bytes, char err[ERR_LEN])
{
	int rc = 0;

	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	*bytes = s->pos;
	if (s->err[0])
		rc = err_set(err, "%s", s->err);
	scan_free(s);
	return rc;
}
