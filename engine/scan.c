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

#include "mta.h"
#include "prefilter.h"
#include "reader.h"
#include "shape.h"
#include "util/peer.h"
#include "util/xmem.h"

struct scan_slot {
	struct scan_block	 b;
	char			*buf;		/* READER_MAX_LINE + SCAN_READ */
	size_t			 lines_cap, nhits, hits_cap, pre_cap;
	char			*strs;		/* b.strs */
	size_t			 nstrs, strs_cap;
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
	struct buf		 shape;		/* scan_pre()'s */
	int			 pre_mode;	/* SCAN_PRE_ADAPT, _ALL, _NONE */
	int			 pre_level;	/* scan_pre() for this block: 0 none, 1 lines
						   with hits or an error word, 2 and with a
						   delivery word (scan_worker()) */
	int			 waited;	/* the caller waited for a block */
	int			 calm;		/* blocks begun since it last did */
};

enum { SCAN_PRE_ADAPT, SCAN_PRE_ALL, SCAN_PRE_NONE };

/*
 * Blocks begun in a row without the caller waiting for one before the worker
 * reads the lines with a delivery word for it too (level 2): the least
 * saving for the worker's time, and the most of them in an MTA's log.
 */
#define SCAN_CALM	4

int
scan_pre_mta_fits(const struct scan_block *b, const struct scan_pre *p,
    const char *program, long pid)
{
	const char *line = b->data + b->lines[p->line].pos;

	if (!(p->what & SCAN_PRE_MTA) || pid != p->pid)
		return 0;
	if (p->prog_len == 0)
		return program == NULL;
	return program != NULL && strncmp(program, line + p->prog, p->prog_len) == 0 &&
	    program[p->prog_len] == '\0';
}

void
scan_pre_mta(const struct scan_block *b, const struct scan_pre *p, struct mta_line *out)
{
	const char *q = b->strs + p->strs + p->shape_len;

	memset(out, 0, sizeof(*out));
	out->origin = (enum mta_origin)p->origin;
	out->kind = (enum mta_kind)p->kind;
	out->phase = (enum smtp_phase)p->phase;
	out->cached = p->cached;
	out->failure = p->failure;
	out->peer.port = p->port;
	memcpy(out->session, q, p->lens[0]);
	q += p->lens[0] + 1;
	memcpy(out->message, q, p->lens[1]);
	q += p->lens[1] + 1;
	memcpy(out->peer.host, q, p->lens[2]);
	q += p->lens[2] + 1;
	memcpy(out->peer.addr, q, p->lens[3]);
	q += p->lens[3] + 1;
	memcpy(out->domain, q, p->lens[4]);
}

/* Add n bytes and a NUL to the slot's strings. */
static void
scan_strs_put(struct scan_slot *sl, const char *s, size_t n)
{
	sl->strs = xgrow(sl->strs, &sl->strs_cap, sl->nstrs + n + 1, 1);
	memcpy(sl->strs + sl->nstrs, s, n);
	sl->strs[sl->nstrs + n] = '\0';
	sl->nstrs += n + 1;
}

/*
 * What the caller would read of the message of the line p (len bytes, the
 * slot's last): with hits, its MTA parse (with the first hit's symptom's
 * origin as the hint, as correlate.c gives it); with an error word and no
 * hit, whether a server wrote it and else its shape (diag.c's unmatched
 * groups); with a delivery word and no hit, its MTA parse without a hint
 * (correlate_delivery()). Only the line's bytes are read, and the rule
 * base; mta.h's, shape.h's and peer.h's functions keep no state.
 */
static void
scan_pre(struct scan *s, struct scan_slot *sl, const char *p, size_t len,
    const struct match_hit *hits, size_t n, int error, int delivery)
{
	struct reader_guess g;
	struct scan_pre *pr;
	struct mta_line m;
	const char *text;
	char prog[64];
	size_t tlen, k;

	if (!reader_guess_text(p, len, &g) || g.prog_len >= sizeof(prog))
		return;
	text = p + g.text;
	tlen = len - g.text;
	sl->b.pre = xgrow(sl->b.pre, &sl->pre_cap, sl->b.npre + 1, sizeof(*sl->b.pre));
	pr = &sl->b.pre[sl->b.npre++];
	memset(pr, 0, sizeof(*pr));
	pr->line = (uint32_t)(sl->b.nlines - 1);
	pr->text = (uint32_t)g.text;
	pr->text_len = (uint32_t)tlen;
	pr->prog = (uint32_t)g.prog;
	pr->prog_len = (uint32_t)g.prog_len;
	pr->pid = g.pid;
	pr->strs = (uint32_t)sl->nstrs;
	if (n == 0 && error) {
		if (peer_server_line(text, tlen))
			pr->what = SCAN_PRE_SERVER;
		else {
			shape_of(&s->shape, text, tlen, SCAN_SHAPE_MAX);
			pr->what = SCAN_PRE_SHAPE;
			pr->shape_len = (uint32_t)s->shape.len;
			scan_strs_put(sl, s->shape.data, s->shape.len);
			sl->nstrs--;	/* no NUL after the shape */
		}
	}
	if (n == 0 && !delivery)
		return;
	memcpy(prog, p + g.prog, g.prog_len);
	prog[g.prog_len] = '\0';
	/* correlate_delivery() reads a delivery with no hint */
	pr->hint = n > 0 ? hits[0].symptom->origin : NULL;
	pr->what |= SCAN_PRE_MTA;
	mta_parse(g.prog_len ? prog : NULL, g.pid, text, tlen, pr->hint, &m);
	pr->origin = (uint8_t)m.origin;
	pr->kind = (uint8_t)m.kind;
	pr->phase = (uint8_t)m.phase;
	pr->cached = (uint8_t)(m.cached != 0);
	pr->failure = m.failure;
	pr->port = m.peer.port;
	{
		const char *f[5] = { m.session, m.message, m.peer.host, m.peer.addr, m.domain };

		for (k = 0; k < 5; k++) {
			size_t fl = strlen(f[k]);

			pr->lens[k] = (uint8_t)fl;
			scan_strs_put(sl, f[k], fl);
		}
	}
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
	if (s->pre_level > 0 && !(l->flags & (SCAN_TRUNCATED | SCAN_NUL)) &&
	    (n > 0 || (l->flags & SCAN_ERROR) ||
	    ((l->flags & SCAN_DELIVERY) && s->pre_level > 1)))
		scan_pre(s, sl, p, len, hits, n, (l->flags & SCAN_ERROR) != 0,
		    (l->flags & SCAN_DELIVERY) && s->pre_level > 1);
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
	sl->b.npre = 0;
	sl->nstrs = 0;
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
	sl->b.strs = sl->strs;
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
		/*
		 * The caller waited for a block since the last one was begun: the
		 * worker is the slower thread, and reads less of the lines'
		 * messages for the caller (a level down); else the caller is, and
		 * the worker reads more (a level up, the lines that save the caller
		 * the most for the worker's time first). The caller's result is
		 * the same at every level, whichever thread read a message.
		 */
		if (s->pre_mode == SCAN_PRE_ADAPT && s->waited) {
			s->pre_level -= s->pre_level > 0;
			s->calm = 0;
		} else if (s->pre_mode == SCAN_PRE_ADAPT && ++s->calm >= SCAN_CALM)
			s->pre_level = 2;
		else if (s->pre_mode == SCAN_PRE_ADAPT && s->pre_level == 0)
			s->pre_level = 1;
		s->waited = 0;
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
		free(s->slot[i].b.pre);
		free(s->slot[i].strs);
	}
	buf_free(&s->shape);
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
	const char *v;
	sigset_t all, old;
	size_t i;
	int rc;

	s->fd = fd;
	s->r = r;
	s->name = xstrdup(name);
	s->m = m;
	s->every_line = match_every_line(m);
	s->words = prefilter_words(match_prefilter(m));
	if ((v = getenv("KBDIAG_SCAN_PRE")) != NULL && strcmp(v, "all") == 0) {
		s->pre_mode = SCAN_PRE_ALL;
		s->pre_level = 2;
	} else if (v != NULL && strcmp(v, "none") == 0)
		s->pre_mode = SCAN_PRE_NONE;
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
	while (!sl->full) {
		s->waited = 1;
		pthread_cond_wait(&s->cv, &s->mu);
	}
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
