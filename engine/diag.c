#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <ctype.h>
#include <pthread.h>

#include "util/buf.h"
#include "correlate.h"
#include "evidence.h"
#include "logtime.h"
#include "mta.h"
#include "util/peer.h"
#include "plan.h"
#include "probe_hosts.h"
#include "rank.h"
#include "reader.h"
#include "scan.h"
#include "shape.h"
#include "util/strmap.h"
#include "util/text.h"
#include "util/xmem.h"

/* Report progress at most every this many bytes. */
#define DIAG_PROGRESS_STEP	(4ULL * 1024 * 1024)

/* A warning whose text comes from elsewhere (it may hold a file name). */
static void
diag_warn_safe(struct diagnosis *d, const char *msg)
{
	char *safe = text_sanitize(msg, strlen(msg), 0);

	diag_warn(d, "%s", safe);
	free(safe);
}

/* Per-log state for warnings that should be said once per log. */
struct diag_file {
	int	warned_nul;
	int	warned_long;
	int	warned_json;
	int	warned_undated;
};

/* Distinct shapes of unmatched lines counted apart; the rest are "other". */
#define DIAG_MAX_SHAPES		4096

/* A run: the diagnosis being built and what builds it. */
struct diag_state {
	const struct diag_params	*p;
	struct diagnosis		*d;
	struct correlator		*c;
	size_t				 articles_cap;
	/* unmatched error-looking lines, by program and shape */
	struct strmap			*shapes;
	struct diag_group		*shape_groups;
	size_t				 nshape_groups, shape_cap;
	struct buf			 shape, key;
	size_t				 groups_cap;
	struct matcher			*wm;	/* scan.h's worker's, or NULL */
	/* what the worker read of the line at hand, its reader having split it
	 * as the worker did (scan_pre_fits()), or NULL */
	const struct scan_block		*pre_block;
	const struct scan_pre		*pre;
	struct mta_line			 pre_mta;
};

/* One more line under key in the list (*v, *n, *cap). */
static void
diag_count_lines(struct diag_article_lines **v, size_t *n, size_t *cap, const char *key)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].article, key) == 0) {
			(*v)[i].lines++;
			return;
		}
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[*n].article = xstrdup(key);
	(*v)[*n].lines = 1;
	(*n)++;
}

static int
diag_cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A matched line: once per article it matched, and once under all of them. */
static void
diag_count_hits(struct diag_state *st, const struct match_hit *hits, size_t n)
{
	struct diag_summary *sum = &st->d->summary;
	const char *ids[16];
	struct buf key = BUF_INIT;
	size_t i, j, nids = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nids && strcmp(ids[j], hits[i].article->id) != 0; j++)
			;
		if (j < nids)
			continue;
		diag_count_lines(&sum->articles, &sum->narticles, &st->articles_cap,
		    hits[i].article->id);
		if (nids < sizeof(ids) / sizeof(ids[0]))
			ids[nids++] = hits[i].article->id;
	}
	qsort(ids, nids, sizeof(ids[0]), diag_cmp_id);
	/* Once per matched line: appended, not formatted (vsnprintf was 3% of the thread). */
	for (i = 0; i < nids; i++) {
		if (i)
			buf_putc(&key, '+');
		buf_puts(&key, ids[i]);
	}
	diag_count_lines(&sum->groups, &sum->ngroups, &st->groups_cap, buf_str(&key));
	buf_free(&key);
}

/* Is the record inside --since / --until? Undated records always are. */
static int
diag_in_time(struct diag_state *st, struct diag_file *f, const struct reader_record *rec,
    const char *safe_name)
{
	const struct diag_params *p = st->p;

	if (!p->has_since && !p->has_until)
		return 1;
	if (!rec->has_date) {
		if (rec->kind == READER_EVENT && !f->warned_undated) {
			diag_warn(st->d, "%s:%lu: the log gives no date (no start-up line; "
			    "--date gives one), so --since and --until do not apply to "
			    "its undated lines", safe_name, rec->line);
			f->warned_undated = 1;
		}
		return 1;
	}
	return (!p->has_since || rec->t >= p->since) && (!p->has_until || rec->t <= p->until);
}

/* Count an unmatched error-looking line in its group. */
static void
diag_group(struct diag_state *st, const struct reader_record *rec, const char *safe_name)
{
	struct diag_group *g;
	size_t i, k;

	const char *shape;
	size_t slen;

	if (st->shapes == NULL)
		st->shapes = strmap_new();
	if (st->pre != NULL && (st->pre->what & SCAN_PRE_SHAPE))
		shape = scan_pre_shape(st->pre_block, st->pre, &slen);
	else {
		shape_of(&st->shape, rec->text, rec->len, SCAN_SHAPE_MAX);
		shape = st->shape.data;
		slen = st->shape.len;
	}
	buf_reset(&st->key);
	if (rec->program != NULL)
		for (k = 0; rec->program[k]; k++)
			buf_putc(&st->key, isdigit((unsigned char)rec->program[k]) ? 'N' :
			    rec->program[k]);
	/* "N.N.N.N" of an instance name reads as one N. */
	buf_putc(&st->key, '\x1f');
	buf_append(&st->key, shape, slen);
	if (strmap_get(st->shapes, st->key.data, st->key.len, &i)) {
		st->shape_groups[i].count++;
		return;
	}
	if (st->nshape_groups >= DIAG_MAX_SHAPES) {
		st->d->summary.unmatched_other++;
		return;
	}
	st->shape_groups = xgrow(st->shape_groups, &st->shape_cap, st->nshape_groups + 1,
	    sizeof(*st->shape_groups));
	g = &st->shape_groups[st->nshape_groups];
	memset(g, 0, sizeof(*g));
	k = (size_t)((const char *)memchr(st->key.data, '\x1f', st->key.len) - st->key.data);
	g->program = text_sanitize(st->key.data, k, 64);
	g->shape = text_sanitize(shape, slen, 160);
	g->count = 1;
	g->sample.file = xstrdup(safe_name);
	g->sample.line = rec->line;
	g->sample.text = text_sanitize(rec->text, rec->len, 160);
	strmap_put(st->shapes, st->key.data, st->key.len, st->nshape_groups++);
}

static int
diag_group_cmp(const void *a, const void *b)
{
	const struct diag_group *x = a, *y = b;

	int r;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	/* Ties in a fixed order: by file, then line. */
	if ((r = strcmp(x->sample.file, y->sample.file)) != 0)
		return r;
	return x->sample.line < y->sample.line ? -1 : x->sample.line > y->sample.line;
}

/* The biggest groups go into the summary, the rest are counted as other. */
static void
diag_groups_finish(struct diag_state *st)
{
	struct diag_summary *sum = &st->d->summary;
	size_t i, keep;

	if (st->nshape_groups > 1) {
		/* Insertion sort keeps ties in order; fall back to qsort when large. */
		if (st->nshape_groups <= 512) {
			size_t j;

			for (i = 1; i < st->nshape_groups; i++) {
				struct diag_group g = st->shape_groups[i];

				for (j = i; j > 0 && st->shape_groups[j - 1].count < g.count; j--)
					st->shape_groups[j] = st->shape_groups[j - 1];
				st->shape_groups[j] = g;
			}
		} else
			qsort(st->shape_groups, st->nshape_groups, sizeof(*st->shape_groups),
			    diag_group_cmp);
	}
	keep = st->nshape_groups < DIAG_MAX_GROUPS ? st->nshape_groups : DIAG_MAX_GROUPS;
	for (i = keep; i < st->nshape_groups; i++) {
		sum->unmatched_other += st->shape_groups[i].count;
		diag_group_free(&st->shape_groups[i]);
	}
	sum->unmatched_groups = st->shape_groups;
	sum->nunmatched_groups = keep;
	st->shape_groups = NULL;
	st->nshape_groups = 0;
	strmap_free(st->shapes);
	st->shapes = NULL;
	buf_free(&st->shape);
	buf_free(&st->key);
}

/*
 * A line's first steps: counted, warned about once, and 0 when --since or
 * --until leave it out (counted as such), else 1.
 */
static int
diag_record_head(struct diag_state *st, struct diag_file *f,
    const struct reader_record *rec, const char *safe_name)
{
	struct diagnosis *d = st->d;
	struct diag_summary *sum = &d->summary;

	sum->lines++;
	if (rec->truncated && !f->warned_long) {
		diag_warn(d, "%s:%lu: line longer than %d bytes (at byte %llu): only its "
		    "first %d bytes were examined", safe_name, rec->line, READER_MAX_LINE,
		    rec->offset, READER_MAX_LINE);
		f->warned_long = 1;
	}
	if (rec->has_nul && !f->warned_nul) {
		diag_warn(d, "%s:%lu: NUL bytes (binary data?) at byte %llu; lines are "
		    "examined as text", safe_name, rec->line, rec->offset);
		f->warned_nul = 1;
	}
	if (rec->bad_json && !f->warned_json) {
		if (rec->bad_json == 2)
			diag_warn(d, "%s:%lu: a JSON object that is neither smtpgw's event, nor "
			    "journalctl's entry, nor docker's line (at byte %llu); such lines "
			    "are examined as text", safe_name, rec->line, rec->offset);
		else
			diag_warn(d, "%s:%lu: a line that starts like an event is not a JSON "
			    "object (at byte %llu); such lines are examined as text", safe_name,
			    rec->line, rec->offset);
		f->warned_json = 1;
	}
	if (!diag_in_time(st, f, rec, safe_name)) {
		sum->out_of_time++;
		return 0;
	}
	return 1;
}

/*
 * What matching found in a line (match_line(): n hits, the symptom that gave
 * up, an error word, a delivery word): counted, grouped, correlated.
 */
static void
diag_record_hits(struct diag_state *st, const struct reader_record *rec,
    const char *safe_name, const struct match_hit *hits, size_t n,
    const struct kb_symptom *gave_up, int error_word, int delivery_word)
{
	struct diagnosis *d = st->d;
	struct diag_summary *sum = &d->summary;
	struct diag_sample *sample;

	if (gave_up)
		diag_warn(d, "%s:%lu: the pattern of symptom '%s' (%s:%ld) gave up on "
		    "this line (match limit), so the line was not matched against it",
		    safe_name, rec->line, gave_up->id, gave_up->file, gave_up->line);
	if (n > 0) {
		sum->matched++;
		diag_count_hits(st, hits, n);
	} else if (error_word) {
		if (st->pre != NULL && (st->pre->what & (SCAN_PRE_SERVER | SCAN_PRE_SHAPE)) ?
		    (st->pre->what & SCAN_PRE_SERVER) != 0 : peer_server_line(rec->text, rec->len))
			sum->unmatched_server++;
		else {
			sum->unmatched_errors++;
			if (sum->nsamples < DIAG_MAX_SAMPLES) {
				sample = &sum->samples[sum->nsamples++];
				sample->file = xstrdup(safe_name);
				sample->line = rec->line;
				sample->text = text_sanitize(rec->text, rec->len, 160);
			}
			diag_group(st, rec, safe_name);
		}
	}
	if (n == 0) {
		if (delivery_word && st->pre != NULL && scan_pre_mta_fits(st->pre_block,
		    st->pre, rec->program, rec->pid)) {
			scan_pre_mta(st->pre_block, st->pre, &st->pre_mta);
			correlate_premade(st->c, &st->pre_mta, st->pre->hint);
			correlate_delivery(st->c, rec);
			correlate_premade(st->c, NULL, NULL);
		} else if (delivery_word)
			correlate_delivery(st->c, rec);
		return;
	}
	if (st->pre != NULL && scan_pre_mta_fits(st->pre_block, st->pre, rec->program,
	    rec->pid)) {
		scan_pre_mta(st->pre_block, st->pre, &st->pre_mta);
		correlate_premade(st->c, &st->pre_mta, st->pre->hint);
		correlate_record(st->c, rec, hits, n);
		correlate_premade(st->c, NULL, NULL);
		return;
	}
	correlate_record(st->c, rec, hits, n);
}

static void
diag_record(struct diag_state *st, struct diag_file *f, const struct reader_record *rec,
    const char *safe_name)
{
	struct matcher *m = st->p->matcher;
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	size_t n;

	if (!diag_record_head(st, f, rec, safe_name))
		return;
	n = match_line(m, rec->subject, rec->subjectlen, &hits, &gave_up);
	diag_record_hits(st, rec, safe_name, hits, n, gave_up, match_looks_like_error(m),
	    match_looks_like_delivery(m));
}

/*
 * A record the worker did not match itself: a line of a record of several
 * lines is only counted, the record they make (reader.h: self) is matched
 * here.
 */
static void
diag_record_some(struct diag_state *st, struct diag_file *f,
    const struct reader_record *rec, const char *safe_name)
{
	if (rec->self)
		diag_record(st, f, rec, safe_name);
	else
		diag_record_head(st, f, rec, safe_name);
}

/* Open one input; on failure record why and return NULL. */
static struct reader *
diag_open(struct diag_state *st, const char *file, struct diag_input *in, int follow)
{
	struct reader_params rp = st->p->reader;
	struct reader *r;
	char err[ERR_LEN];

	rp.follow = follow;
	in->name = text_sanitize(file, strlen(file), 0);
	if (st->p->text != NULL && !follow)
		return reader_open_mem_params(file, st->p->text, st->p->text_len, &rp);
	if (reader_open_params(file, &rp, &r, err) != 0) {
		in->error = text_sanitize(err, strlen(err), 0);
		return NULL;
	}
	free(in->name);
	in->name = text_sanitize(reader_name(r), strlen(reader_name(r)), 0);
	return r;
}

static void
diag_close(struct diag_state *st, struct reader *r, struct diag_input *in)
{
	enum reader_year_from from;
	long long anchor;
	char when[32];

	in->format = xstrdup(reader_format_name(reader_format(r)));
	if ((from = reader_year(r, &anchor)) != READER_YEAR_NONE) {
		in->year_from = xstrdup(reader_year_from_text(from));
		logtime_format(anchor, 1, when);
		in->year_anchor = xstrdup(when);
	}
	st->d->summary.bytes += reader_bytes(r);
	reader_close(r);
	correlate_end_input(st->c);
}

/*
 * The rotation set of a log's name, and its place in the set: "mail.log.2.gz"
 * is of "mail.log", older than "mail.log.1", which is older than "mail.log";
 * "mail.log-20261231" (logrotate's dateext) is older than "mail.log-20270107".
 * *age: larger is older.
 */
static char *
diag_rotation(const char *name, long long *age)
{
	size_t n = strlen(name), k;
	char *set;

	*age = 0;
	if (strcmp(name, "-") == 0)
		return xstrdup("<stdin>");
	if (n > 3 && strcmp(name + n - 3, ".gz") == 0)
		n -= 3;
	for (k = n; k > 0 && isdigit((unsigned char)name[k - 1]); k--)
		;
	if (k > 1 && k < n && n - k <= 4 && name[k - 1] == '.') {
		*age = 100000000LL + strtol(name + k, NULL, 10);
		n = k - 1;
	} else if (k > 1 && n - k == 8 && name[k - 1] == '-') {
		/* The larger the date, the younger. */
		*age = 100000000LL - strtol(name + k, NULL, 10);
		n = k - 1;
	} else if (n != strlen(name)) {
		*age = 1;		/* "mail.log.gz": older than "mail.log" */
	}
	set = xstrndup(name, n);
	return set;
}

/*
 * The order to read the inputs in: each rotation set takes the place of its
 * first member on the command line, and its members are read oldest first.
 */
static size_t *
diag_read_order(const struct diag_params *p, char ***sets)
{
	size_t *order = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*order));
	long long *age = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*age));
	size_t *first = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*first));
	size_t i, j, k, n = 0;

	*sets = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(**sets));
	for (i = 0; i < p->nfiles; i++) {
		(*sets)[i] = diag_rotation(p->files[i], &age[i]);
		for (first[i] = i, j = 0; j < i; j++)
			if (strcmp((*sets)[j], (*sets)[i]) == 0) {
				first[i] = first[j];
				break;
			}
	}
	for (i = 0; i < p->nfiles; i++) {
		if (first[i] != i)
			continue;
		k = n;
		for (j = i; j < p->nfiles; j++) {
			size_t at;

			if (first[j] != i)
				continue;
			/* Insert by age, oldest (largest) first; a tie keeps its order. */
			for (at = n; at > k && !p->keep_order && age[order[at - 1]] < age[j]; at--)
				order[at] = order[at - 1];
			order[at] = j;
			n++;
		}
	}
	free(age);
	free(first);
	return order;
}

/*
 * Read a log with scan.h (a regular file directly, fd; anything else through
 * the reader, fd -1): the worker thread splits and matches, this
 * one moves the reader on through every line and takes whole only the lines
 * the worker found something in. The same diagnosis as reader_next() and
 * diag_record() give, line for line. 0, or -1 when the worker cannot start
 * (nothing was read: read it the plain way).
 */
static int
diag_read_fast(struct diag_state *st, struct reader *r, int fd, struct diag_file *f,
    struct diag_input *in)
{
	const struct diag_params *p = st->p;
	unsigned long long next_report = DIAG_PROGRESS_STEP, bytes;
	const struct reader_record *rec;
	const struct scan_block *b;
	struct scan *sc;
	char err[ERR_LEN];
	size_t i;
	int timed = p->has_since || p->has_until;

	if ((sc = scan_start(fd, fd < 0 ? r : NULL, reader_name(r), st->wm)) == NULL)
		return -1;
	while ((b = scan_next(sc)) != NULL) {
		size_t pk = 0;	/* the block's next scan_pre */

		st->pre_block = b;
		for (i = 0; i < b->nlines; i++) {
			const struct scan_line *l = &b->lines[i];
			const char *line = b->data + l->pos;
			unsigned long long at = scan_offset(b, l);

			in->lines++;
			if (l->flags & SCAN_SELF) {
				rec = reader_feed(r, line, l->len, at, l->flags & SCAN_TRUNCATED,
				    (l->flags & SCAN_NUL) != 0, 1);
				diag_record(st, f, rec, in->name);
			} else if (l->nhits || (l->flags & SCAN_WHOLE)) {
				const struct match_hit *hits = l->nhits ||
				    (l->flags & SCAN_GAVE_UP) ? b->hits + l->hit : NULL;

				rec = reader_feed(r, line, l->len, at, l->flags & SCAN_TRUNCATED,
				    (l->flags & SCAN_NUL) != 0, 1);
				if (pk < b->npre && b->pre[pk].line == i) {
					const struct scan_pre *pre = &b->pre[pk++];

					if (scan_pre_fits(pre, rec->raw, rec->text, rec->len))
						st->pre = pre;
				}
				/* a line of an export entry is not matched; its end is */
				if (rec->inner || rec->self)
					diag_record_some(st, f, rec, in->name);
				else if (diag_record_head(st, f, rec, in->name))
					diag_record_hits(st, rec, in->name, hits, l->nhits,
					    l->flags & SCAN_GAVE_UP ? hits[l->nhits].symptom :
					    NULL, (l->flags & SCAN_ERROR) != 0,
					    (l->flags & SCAN_DELIVERY) != 0);
				st->pre = NULL;
			} else if (!timed) {
				/* Nothing in it: it only moves the reader on, and counts
				 * (unless it ends a record of several lines: that is whole). */
				if ((rec = reader_skim(r, line, l->len, at)) != NULL)
					diag_record(st, f, rec, in->name);
				else
					st->d->summary.lines++;
			} else {
				/* ... and is left out or not by its time. */
				rec = reader_feed(r, line, l->len, at, 0, 0, 0);
				diag_record_some(st, f, rec, in->name);
			}
			if (p->progress && at >= next_report) {
				p->progress(p->progress_arg, in->name, at, reader_size(r));
				next_report = at + DIAG_PROGRESS_STEP;
			}
		}
	}
	st->pre_block = NULL;
	if (scan_end(sc, &bytes, err) != 0)
		in->error = text_sanitize(err, strlen(err), 0);
	reader_feed_end(r, bytes);
	return 0;
}

/* Is the plain path forced (KBDIAG_SCAN=plain: tests compare the two)? */
static int
diag_plain_forced(void)
{
	const char *v = getenv("KBDIAG_SCAN");

	return v != NULL && strcmp(v, "plain") == 0;
}

static void
diag_read_input(struct diag_state *st, const char *file, const char *set,
    struct diag_input *in)
{
	const struct diag_params *p = st->p;
	const struct reader_record *rec;
	struct diag_file f = { 0, 0, 0, 0 };
	unsigned long long next_report = DIAG_PROGRESS_STEP;
	struct reader *r;
	char err[ERR_LEN];
	int rc, fd;

	in->set = text_sanitize(set, strlen(set), 0);
	if ((r = diag_open(st, file, in, 0)) == NULL)
		return;
	correlate_begin_input(st->c, set);
	if (st->wm != NULL && p->text == NULL && ((fd = reader_plain_fd(r)) >= 0 ||
	    reader_scannable(r)) && diag_read_fast(st, r, fd, &f, in) == 0)
		rc = 0;
	else while ((rc = reader_next(r, &rec, err)) > 0) {
		diag_record(st, &f, rec, in->name);
		in->lines++;
		if (p->progress && reader_bytes(r) >= next_report) {
			p->progress(p->progress_arg, in->name, reader_bytes(r), reader_size(r));
			next_report = reader_bytes(r) + DIAG_PROGRESS_STEP;
		}
	}
	if (rc < 0)
		in->error = text_sanitize(err, strlen(err), 0);
	if (reader_notice(r))
		diag_warn_safe(st->d, reader_notice(r));
	if (p->progress)
		p->progress(p->progress_arg, in->name, reader_bytes(r), reader_size(r));
	diag_close(st, r, in);
}

static void
diag_start(const struct diag_params *p, struct diag_state *st)
{
	const struct kb_evidence_source *src;
	struct diag_peer fallback = { NULL, 0, NULL };
	size_t i;

	memset(st, 0, sizeof(*st));
	st->p = p;
	st->d = xcalloc(1, sizeof(*st->d));
	fallback.host = (char *)p->smarthost;
	fallback.port = p->smarthost_port;
	st->c = correlate_new(st->d, &fallback);
	correlate_set_max(st->c, p->max_incidents);
	/* "Frequent" is the rule base's to define (evidence.xml). */
	if ((src = kb_find_source(p->kb, "frequency")) != NULL)
		for (i = 0; i < src->nvalues; i++)
			if (strcmp(src->values[i].id, "frequent") == 0)
				correlate_set_frequency(st->c, src->values[i].count,
				    src->values[i].window);
	/* So is the quiet gap that ends an episode. */
	if ((src = kb_find_source(p->kb, "episode")) != NULL)
		for (i = 0; i < src->nvalues; i++)
			if (src->values[i].gap > 0)
				correlate_set_gap(st->c, src->values[i].gap);
	st->d->inputs = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*st->d->inputs));
}

static struct diagnosis *
diag_finish(struct diag_state *st)
{
	size_t i;

	correlate_free(st->c);
	diag_groups_finish(st);
	if (st->d->summary.incidents_not_held)
		diag_warn(st->d, "%llu incidents not held in memory: kbdiag keeps at most %zu "
		    "(the first); their %llu lines are counted in the summary",
		    st->d->summary.incidents_not_held, st->d->nincidents,
		    st->d->summary.lines_not_held);
	for (i = 0; i < st->d->nincidents; i++)
		if (st->d->incidents[i].ended_index == 0)
			evidence_from_log(&st->d->incidents[i], st->p->kb);
	/*
	 * A consequence (a message gave up) takes the log evidence of the
	 * failure whose retries it ended first: that is what its causes are
	 * about; its own line adds what that does not say.
	 */
	for (i = 0; i < st->d->nincidents; i++)
		if (st->d->incidents[i].ended_index != 0) {
			evidence_from_failure(&st->d->incidents[i],
			    &st->d->incidents[st->d->incidents[i].ended_index - 1]);
			evidence_from_log(&st->d->incidents[i], st->p->kb);
		}
	if (st->p->rank_later) {
		/* diag_probe() ranks once its rounds are in (diag_params). */
		for (i = 0; i < st->d->nincidents; i++)
			evidence_derive(&st->d->incidents[i], st->p->kb);
	} else
		diag_rank(st->d, st->p->kb);
	return st->d;
}

int
diag_run(const struct diag_params *p, struct diagnosis **out)
{
	struct diag_state st;
	char **sets;
	size_t i, *order;

	diag_start(p, &st);
	if (!diag_plain_forced())
		st.wm = match_clone(p->matcher);
	order = diag_read_order(p, &sets);
	/* inputs[] stays in command-line order; order says when each was read. */
	st.d->ninputs = p->nfiles;
	for (i = 0; i < p->nfiles; i++) {
		st.d->inputs[order[i]].order = (unsigned)(i + 1);
		diag_read_input(&st, p->files[order[i]], sets[order[i]],
		    &st.d->inputs[order[i]]);
	}
	for (i = 0; i < p->nfiles; i++)
		free(sets[i]);
	free(sets);
	free(order);
	match_free(st.wm);
	*out = diag_finish(&st);
	return 0;
}

/* Following: how long to sleep when no input has anything new. */
#define DIAG_FOLLOW_PAUSE_NS	(200 * 1000 * 1000L)
/* Records taken from one input before looking at the others. */
#define DIAG_FOLLOW_BATCH	4096

/* Tell the caller about new incidents, and incidents that became frequent. */
static void
diag_tell(struct diag_state *st, struct buf *told)
{
	const struct diag_params *p = st->p;
	size_t j;

	for (j = 0; j < st->d->nincidents; j++) {
		const struct diag_incident *inc = &st->d->incidents[j];

		if (j >= told->len) {
			buf_putc(told, (char)inc->frequent);
			if (p->on_incident)
				p->on_incident(p->follow_arg, inc, 0);
		} else if (inc->frequent && !told->data[j]) {
			told->data[j] = 1;
			if (p->on_incident)
				p->on_incident(p->follow_arg, inc, 1);
		}
	}
}

/*
 * A notice of the reader's own (lines of short-monotonic, journal entries
 * whose MESSAGE was null, an export entry cut at the end): in the report's
 * warnings, as when not following, and, while the logs are waited on (tell),
 * told now.
 */
static void
diag_follow_notice(struct diag_state *st, struct reader *r, int tell)
{
	const char *n;
	char *safe;

	reader_notice_clear(r);	/* a rotation or truncation: told when found */
	n = reader_notice(r);
	if (n == NULL)
		return;
	diag_warn_safe(st->d, n);
	if (tell && st->p->on_notice) {
		safe = text_sanitize(n, strlen(n), 0);
		st->p->on_notice(st->p->follow_arg, safe);
		free(safe);
	}
}

int
diag_follow(const struct diag_params *p, struct diagnosis **out)
{
	const struct reader_record *rec;
	struct diag_state st;
	struct reader **readers;
	struct diag_file *files;
	struct timespec pause = { 0, DIAG_FOLLOW_PAUSE_NS };
	char err[ERR_LEN];
	struct buf told = BUF_INIT;	/* per incident: 1 once told it is frequent */
	char **sets;
	size_t i, k, open = 0, *order;
	int rc, busy;

	diag_start(p, &st);
	readers = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*readers));
	files = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*files));
	order = diag_read_order(p, &sets);
	for (i = 0; i < p->nfiles; i++) {
		st.d->inputs[order[i]].order = (unsigned)(i + 1);
		st.d->inputs[i].set = text_sanitize(sets[i], strlen(sets[i]), 0);
		readers[i] = diag_open(&st, p->files[i], &st.d->inputs[i], 1);
		st.d->ninputs++;
		open += readers[i] != NULL;
		/* said now, not only in the report at the end: the others go on */
		if (readers[i] == NULL && st.d->inputs[i].error && p->on_notice)
			p->on_notice(p->follow_arg, st.d->inputs[i].error);
	}
	free(order);
	while (open > 0 && !(p->stop && *p->stop)) {
		busy = 0;
		for (i = 0; i < p->nfiles; i++) {
			struct diag_input *in = &st.d->inputs[i];

			if (readers[i] == NULL)
				continue;
			correlate_begin_input(st.c, sets[i]);
			for (k = 0; k < DIAG_FOLLOW_BATCH; k++) {
				if ((rc = reader_next(readers[i], &rec, err)) != 1)
					break;
				busy = 1;
				in->lines++;
				diag_record(&st, &files[i], rec, in->name);
				diag_tell(&st, &told);
			}
			if (k < DIAG_FOLLOW_BATCH && rc != 1 && rc != READER_WAIT) {
				/* The end of a pipe, or an error: this input is done. */
				if (rc < 0)
					in->error = text_sanitize(err, strlen(err), 0);
				diag_follow_notice(&st, readers[i], 0);
				diag_close(&st, readers[i], in);
				readers[i] = NULL;
				open--;
			}
		}
		if (busy)
			continue;
		for (i = 0; i < p->nfiles; i++)
			if (readers[i] && reader_follow(readers[i]) && p->on_notice) {
				/* The notice names the file as given: made safe first. */
				const char *n = reader_notice(readers[i]);
				char *safe = text_sanitize(n, strlen(n), 0);

				p->on_notice(p->follow_arg, safe);
				free(safe);
			} else if (readers[i])
				diag_follow_notice(&st, readers[i], 1);
		nanosleep(&pause, NULL);
	}
	for (i = 0; i < p->nfiles; i++)
		if (readers[i]) {
			diag_follow_notice(&st, readers[i], 0);
			diag_close(&st, readers[i], &st.d->inputs[i]);
		}
	free(readers);
	free(files);
	for (i = 0; i < p->nfiles; i++)
		free(sets[i]);
	free(sets);
	buf_free(&told);
	*out = diag_finish(&st);
	return 0;
}

int
diag_observe_manual(struct diagnosis *d, const struct kb *kb, const char *given,
    const char *detail, char err[ERR_LEN])
{
	const struct kb_evidence_source *src;
	/* What a person typed or a file held: shown only sanitised (text.h). */
	char *spec = text_sanitize(given, strlen(given), 200);
	const char *colon = strchr(spec, ':'), *value;
	char id[128];
	size_t i, n;
	int rc = -1;

	if (colon == NULL || colon == spec || (size_t)(colon - spec) >= sizeof(id)) {
		err_set(err, "'%s' is not SOURCE:VALUE (the rule base's sources and "
		    "values: kb/evidence.xml, docs/probes.md)", spec);
		goto out;
	}
	memcpy(id, spec, (size_t)(colon - spec));
	id[colon - spec] = '\0';
	value = colon + 1;
	if ((src = kb_find_source(kb, id)) == NULL) {
		err_set(err, "'%s': the rule base has no evidence source '%s'", spec, id);
		goto out;
	}
	rc = 0;
	if (strcmp(value, "?") == 0)
		goto out;
	for (i = 0; i < src->nvalues; i++)
		if (strcmp(src->values[i].id, value) == 0)
			break;
	if (i == src->nvalues) {
		struct buf b = BUF_INIT;

		for (n = 0; n < src->nvalues; n++)
			buf_printf(&b, "%s%s", n ? ", " : "", src->values[n].id);
		err_set(err, "'%s': '%s' is not a value of %s (%s: %s; or ? for don't know)",
		    spec, value, id, id, buf_str(&b));
		buf_free(&b);
		rc = -1;
		goto out;
	}
	for (n = 0; n < d->nincidents; n++) {
		struct diag_incident *inc = &d->incidents[n];
		size_t j;

		for (j = 0; j < inc->nobservations; j++)
			if (strcmp(inc->observations[j].source, id) == 0)
				break;
		if (j < inc->nobservations) {
			if (strcmp(inc->observations[j].value, value) != 0)
				diag_warn(d, "%s: incident %zu (%s) already shows %s:%s (%s), which "
				    "stands", spec, n + 1, inc->article ? inc->article : "-", id,
				    inc->observations[j].value, inc->observations[j].origin);
			continue;
		}
		diag_observe(inc, id, value, "manual", detail);
	}
out:
	free(spec);
	return rc;
}

int
diag_answers(struct diagnosis *d, const struct kb *kb, const char *data, size_t len,
    const char *name, char err[ERR_LEN])
{
	struct buf detail = BUF_INIT;
	char *text = xmalloc(len + 1), *line, *next, *end, why[ERR_LEN];
	unsigned long n = 0;
	int rc = 0;

	memcpy(text, data, len);
	text[len] = '\0';
	for (line = text; rc == 0 && line < text + len; line = next) {
		n++;
		if ((next = memchr(line, '\n', (size_t)(text + len - line))) != NULL)
			*next++ = '\0';
		else
			next = text + len;
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		buf_reset(&detail);
		buf_printf(&detail, "answered in %s, line %lu", name, n);
		if (diag_observe_manual(d, kb, line, buf_str(&detail), why) != 0) {
			err_set(err, "%s:%lu: %s", name, n, why);
			rc = -1;
		}
	}
	buf_free(&detail);
	free(text);
	return rc;
}

void
diag_rank(struct diagnosis *d, const struct kb *kb)
{
	size_t i;

	for (i = 0; i < d->nincidents; i++)
		evidence_derive(&d->incidents[i], kb);
	rank_diagnosis(d, kb);
	for (i = 0; i < d->nincidents; i++)
		plan_steps(&d->incidents[i]);
}

/* One smart host of the incidents, and what diag_probe() does with it. */
struct diag_target {
	const char		*host;		/* an incident's, or NULL */
	unsigned		 port;		/* 0: 25 */
	size_t			 first;		/* its first incident */
	unsigned long long	 attempts;	/* its incidents' counts */
	size_t			 job;		/* the round it gets (probe_hosts.h) */
	int			 current;	/* one of its incidents is current */
	const struct diag_incident *latest;	/* its latest incident */
	struct buf		 why;		/* not probed: why */
};

static int
diag_same_peer(const struct diag_peer *a, const struct diag_peer *b)
{
	if (a->host == NULL || b->host == NULL)
		return a->host == b->host;
	return strcasecmp(a->host, b->host) == 0 && a->port == b->port;
}

/* qsort() has no argument: the diagnosis the comparisons below look at. */
static const struct diagnosis *diag_sort_d;

/* Incidents by smart host (any case), port, then their order. */
static int
diag_cmp_peer(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const struct diag_peer *a = &diag_sort_d->incidents[i].peer;
	const struct diag_peer *b = &diag_sort_d->incidents[j].peer;
	int c;

	if (a->host == NULL || b->host == NULL)
		c = (a->host != NULL) - (b->host != NULL);
	else if ((c = strcasecmp(a->host, b->host)) == 0)
		c = (a->port > b->port) - (a->port < b->port);
	return c ? c : (i > j) - (i < j);
}

/* Targets by attempts, most first, then in the order the logs name them. */
static const struct diag_target *diag_sort_tg;

static int
diag_cmp_busy(const void *x, const void *y)
{
	const struct diag_target *a = &diag_sort_tg[*(const size_t *)x];
	const struct diag_target *b = &diag_sort_tg[*(const size_t *)y];

	if (a->attempts != b->attempts)
		return a->attempts > b->attempts ? -1 : 1;
	return (a->first > b->first) - (a->first < b->first);
}

/* Rounds run and held at once, at most, apart from the network rounds. */
#define DIAG_PROBE_BATCH	1024

/*
 * A round to run: a smart host (or none) and why it is not probed, or NULL.
 * The rounds are run a batch at a time, each batch's targets (with room for
 * an error each, ERR_LEN bytes) made for it: 10,000 targets held at once
 * were 5 MiB.
 */
struct diag_job {
	const char	*host;
	unsigned	 port;
	const char	*skip_why;
};

/* A round that goes on the network (the slow kind, run all at once). */
static int
diag_live_job(const struct diag_job *j, const struct probe_params *p)
{
	return j->host != NULL && j->skip_why == NULL && !p->offline;
}

/* diag_probe()'s apply: what a round found, observed in the incident. */
struct diag_observe_ctx {
	struct diagnosis	*d;
	const struct kb		*kb;
};

static void
diag_observe_round(void *arg, size_t i, const struct probe_result *r, size_t n)
{
	const struct diag_observe_ctx *c = arg;

	evidence_from_probes(&c->d->incidents[i], r, n, c->kb);
}

size_t
diag_probe(struct diagnosis *d, const struct kb *kb, const struct probe_params *tmpl,
    const char *override_host, unsigned override_port,
    void (*on_round)(void *arg, const char *host, unsigned port), void *arg)
{
	struct diag_observe_ctx c = { d, kb };
	size_t i, rounds;

	if (d->nincidents == 0)
		return 0;
	/*
	 * The ranking is made again once the probes have spoken: the one made
	 * before them (diag_run()) goes now, not after the rounds are held.
	 */
	for (i = 0; i < d->nincidents; i++)
		diag_incident_unrank(&d->incidents[i]);
	rounds = diag_probe_rounds(d, kb, tmpl, override_host, override_port, on_round, arg,
	    diag_observe_round, &c, d);
	diag_rank(d, kb);
	return rounds;
}

size_t
diag_probe_rounds(const struct diagnosis *d, const struct kb *kb,
    const struct probe_params *tmpl, const char *override_host, unsigned override_port,
    void (*on_round)(void *arg, const char *host, unsigned port), void *arg,
    void (*apply)(void *arg, size_t i, const struct probe_result *r, size_t n),
    void *apply_arg, struct diagnosis *warn)
{
	struct probe_hosts_target *run;
	struct diag_job *jobs;
	struct diag_target *tg;
	struct probe_params p = *tmpl;
	struct buf why_cap = BUF_INIT;
	char ports[64];
	size_t *order, *target_of, *cand, i, k, s, e, ntg = 0, ncand = 0, njobs = 0, rounds;
	size_t over_cap = 0, wrong_port = 0, cap_job = 0;
	size_t max = tmpl->max_hosts ? tmpl->max_hosts : PROBE_DEFAULT_MAX_HOSTS;

	if (d->nincidents == 0)
		return 0;
	p.kb = kb;
	/* Each smart host once: the incidents sorted by host and port (not
	 * every incident against every other), then runs of the same one. */
	order = xcalloc(d->nincidents, sizeof(*order));
	target_of = xcalloc(d->nincidents, sizeof(*target_of));
	tg = xcalloc(d->nincidents, sizeof(*tg));
	for (i = 0; i < d->nincidents; i++)
		order[i] = i;
	diag_sort_d = d;
	if (override_host == NULL)
		qsort(order, d->nincidents, sizeof(*order), diag_cmp_peer);
	for (i = 0; i < d->nincidents; i++) {
		const struct diag_incident *inc = &d->incidents[order[i]];

		if (i == 0 || (override_host == NULL &&
		    !diag_same_peer(&d->incidents[order[i - 1]].peer, &inc->peer))) {
			tg[ntg].host = override_host ? override_host : inc->peer.host;
			tg[ntg].port = override_host ? override_port : inc->peer.port;
			tg[ntg].first = order[i];
			buf_init(&tg[ntg].why);
			ntg++;
		}
		tg[ntg - 1].attempts += inc->count;
		target_of[order[i]] = ntg - 1;
	}
	/*
	 * Only what is current is probed (diag_probe_policy()): a host none
	 * of whose incidents is gets a round without network probes that says
	 * why, of its latest incident. One pass over the incidents.
	 */
	for (i = 0; i < d->nincidents; i++) {
		struct diag_target *t = &tg[target_of[i]];
		const struct diag_incident *inc = &d->incidents[i];

		if (inc->probe_skip == NULL)
			t->current = 1;
		if (t->latest == NULL || (inc->dated && inc->timed && (!t->latest->dated ||
		    !t->latest->timed || inc->last_t > t->latest->last_t)))
			t->latest = inc;
	}
	for (i = 0; i < ntg; i++)
		if (!p.offline && !tg[i].current && tg[i].latest->probe_skip != NULL)
			buf_puts(&tg[i].why, tg[i].latest->probe_skip);
	/*
	 * Which are probed: the command line's smart host, and with no host
	 * or offline the round as before (the DOS files, no network); else a
	 * host a log names on a port the rule base expects a smart host on
	 * (tables/ports.xml), the busiest max of them. The others get a round
	 * without network probes that says why (the DOS files still read).
	 */
	kb_smarthost_ports(kb, ports, sizeof(ports));
	cand = xcalloc(ntg, sizeof(*cand));
	for (i = 0; i < ntg; i++) {
		unsigned port = tg[i].port ? tg[i].port : PEER_SMTP_PORT;

		if (tg[i].why.len || tg[i].host == NULL || override_host != NULL || p.offline)
			continue;
		if (!kb_smarthost_port(kb, port)) {
			buf_printf(&tg[i].why, "not probed: port %u is not one the rule base "
			    "expects a smart host on (%s: tables/ports.xml); --smarthost %s:%u "
			    "probes it", port, ports, tg[i].host, port);
			wrong_port++;
		} else
			cand[ncand++] = i;
	}
	diag_sort_tg = tg;
	qsort(cand, ncand, sizeof(*cand), diag_cmp_busy);
	for (k = max; k < ncand; k++, over_cap++)
		if (k == max)
			buf_printf(&why_cap, "not probed: the logs name %zu smart hosts, more than "
			    "--probe-max (%zu): the %zu with the most attempts were probed", ncand,
			    max, max);
	jobs = xcalloc(ntg + 1, sizeof(*jobs));
	for (i = 0; i < ntg; i++) {
		if (tg[i].why.len) {
			jobs[njobs].host = tg[i].host;
			jobs[njobs].port = tg[i].port;
			jobs[njobs].skip_why = buf_str(&tg[i].why);
			tg[i].job = njobs++;
		}
	}
	for (k = 0; k < ncand; k++) {
		struct diag_target *t = &tg[cand[k]];

		if (k < max) {
			jobs[njobs].host = t->host;
			jobs[njobs].port = t->port;
			t->job = njobs++;
		} else {
			if (k == max) {
				jobs[njobs].skip_why = buf_str(&why_cap);	/* one for all */
				cap_job = njobs++;
			}
			t->job = cap_job;
		}
	}
	for (i = 0; i < ntg; i++)
		if (tg[i].why.len == 0 && (tg[i].host == NULL || override_host != NULL ||
		    p.offline)) {
			jobs[njobs].host = tg[i].host;
			jobs[njobs].port = tg[i].port;
			tg[i].job = njobs++;
		}
	if (on_round != NULL && !p.offline)
		for (i = 0; i < njobs; i++)
			if (jobs[i].host != NULL && jobs[i].skip_why == NULL)
				on_round(arg, jobs[i].host, jobs[i].port ? jobs[i].port :
				    PEER_SMTP_PORT);
	/*
	 * The rounds in batches of DIAG_PROBE_BATCH, each copied into its
	 * incidents and freed before the next (a round of skipped probes is
	 * some kilobytes: 10,000 of them held at once were the peak of a
	 * diagnosis). The network rounds (--probe-max of them, in a row) are
	 * never split: all at once, the whole takes about one round.
	 */
	rounds = 0;
	for (s = 0; s < njobs; s = e) {
		for (e = s + DIAG_PROBE_BATCH < njobs ? s + DIAG_PROBE_BATCH : njobs;
		    e < njobs && diag_live_job(&jobs[e], &p) && diag_live_job(&jobs[e - 1], &p);
		    e++)
			;
		run = xcalloc(e - s, sizeof(*run));
		for (i = s; i < e; i++) {
			run[i - s].host = jobs[i].host;
			run[i - s].port = jobs[i].port;
			run[i - s].skip_why = jobs[i].skip_why;
		}
		rounds += probe_hosts_run(&p, run, e - s);
		for (i = s; i < e; i++)
			if (run[i - s].round == NULL && warn != NULL)
				diag_warn(warn, "probes: %s", run[i - s].err);
		for (i = 0; i < d->nincidents; i++) {
			size_t j = tg[target_of[i]].job;
			const struct probe_round *r = j >= s && j < e ? run[j - s].round : NULL;

			if (r != NULL)
				apply(apply_arg, i, r->results, r->nresults);
		}
		for (i = s; i < e; i++)
			probe_round_free(run[i - s].round);
		free(run);
	}
	if (over_cap && warn != NULL)
		diag_warn(warn, "probes: %zu smart host%s not probed: the logs name %zu, more than "
		    "--probe-max (%zu); the %zu with the most attempts were probed", over_cap,
		    over_cap == 1 ? "" : "s", ncand, max, max);
	if (wrong_port && warn != NULL)
		diag_warn(warn, "probes: %zu smart host%s not probed: on a port the rule base "
		    "does not expect a smart host on (only %s); --smarthost HOST:PORT probes "
		    "one", wrong_port, wrong_port == 1 ? "" : "s", ports);
	for (i = 0; i < ntg; i++)
		buf_free(&tg[i].why);
	buf_free(&why_cap);
	free(jobs);
	free(cand);
	free(tg);
	free(order);
	free(target_of);
	return rounds;
}

/* Now on the log's clock: seconds as logtime.h counts them. */
static long long
diag_logtime_of(const struct tm *tm)
{
	return logtime_days(tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday) * LOGTIME_DAY +
	    tm->tm_hour * 3600LL + tm->tm_min * 60LL + (tm->tm_sec > 59 ? 59 : tm->tm_sec);
}

/* "1h", "10m", "90s": a window in the words of --probe-window. */
static void
diag_window_text(unsigned s, char *out, size_t n)
{
	if (s % 3600 == 0)
		snprintf(out, n, "%uh", s / 3600);
	else if (s % 60 == 0)
		snprintf(out, n, "%um", s / 60);
	else
		snprintf(out, n, "%us", s);
}

/*
 * An undated log's incident is current when its log file was last written
 * within the window of now and the failure's time of day is within the
 * window of that moment's (local clock): the log was being written then,
 * and the failure was among its last lines. 0 when either is not so, or the
 * log is not a file (standard input).
 */
static int
diag_undated_current(const struct diagnosis *d, const struct diag_incident *inc,
    time_t now, unsigned window)
{
	struct stat st;
	struct tm tm;
	time_t newest = 0;
	long long tod, mod, gap;
	size_t i;

	if (!inc->timed || inc->file == NULL)
		return 0;
	for (i = 0; i < d->ninputs; i++)
		if ((strcmp(d->inputs[i].name, inc->file) == 0 || (d->inputs[i].set != NULL &&
		    strcmp(d->inputs[i].set, inc->file) == 0)) && strcmp(d->inputs[i].name,
		    "-") != 0 && stat(d->inputs[i].name, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime > newest)
			newest = st.st_mtime;
	if (newest == 0 || newest > now + (time_t)window || newest < now - (time_t)window ||
	    localtime_r(&newest, &tm) == NULL)
		return 0;
	mod = tm.tm_hour * 3600LL + tm.tm_min * 60LL + (tm.tm_sec > 59 ? 59 : tm.tm_sec);
	tod = ((inc->last_t % LOGTIME_DAY) + LOGTIME_DAY) % LOGTIME_DAY;
	gap = mod - tod;
	if (gap < 0)
		gap += LOGTIME_DAY;	/* the failure before midnight, the file after */
	return gap <= (long long)window;
}

size_t
diag_probe_policy(struct diagnosis *d, time_t now, unsigned window)
{
	struct tm tm;
	long long local = 0, utc = 0;
	const char *last = NULL;
	char win[32], why[256];
	size_t i, marked = 0, undated = 0;

	if (localtime_r(&now, &tm) != NULL)
		local = diag_logtime_of(&tm);
	if (gmtime_r(&now, &tm) != NULL)
		utc = diag_logtime_of(&tm);
	diag_window_text(window, win, sizeof(win));
	for (i = 0; i < d->nincidents; i++) {
		struct diag_incident *inc = &d->incidents[i];

		free(inc->probe_skip);
		inc->probe_skip = NULL;
		if (!inc->timed || !inc->dated) {
			if (diag_undated_current(d, inc, now, window))
				continue;
			snprintf(why, sizeof(why), "not probed: the log gives no date, and its "
			    "file was not written within %s of the failure's time of day, so the "
			    "failure cannot be told current (--probe)", win);
			undated++;
		} else if ((inc->last_t >= local - (long long)window &&
		    inc->last_t <= local + (long long)window) ||
		    (inc->last_t >= utc - (long long)window &&
		    inc->last_t <= utc + (long long)window))
			continue;
		else
			snprintf(why, sizeof(why), "not probed: not current (the smart host's last "
			    "failure %s, more than %s before now; --probe)", inc->last_seen, win);
		inc->probe_skip = xstrdup(why);
		if (inc->timed && inc->dated && (last == NULL || strcmp(inc->last_seen, last) > 0))
			last = inc->last_seen;
		marked++;
	}
	free(d->probe_note);
	d->probe_note = NULL;
	if (marked > 0) {
		struct buf b = BUF_INIT;

		if (marked == d->nincidents)
			buf_puts(&b, "Not probed: the failures are not current");
		else
			buf_printf(&b, "Not probed: %zu of the %zu incidents, which are not current",
			    marked, d->nincidents);
		if (last != NULL)
			buf_printf(&b, " (the last line %s is more than %s before now)", last, win);
		if (undated)
			buf_printf(&b, "%s%zu with no date in the log%s", last ? " and " : " (",
			    undated, last ? "" : ")");
		buf_puts(&b, ", and live probes describe the network now, not then; "
		    "--probe probes anyway.");
		d->probe_note = buf_detach(&b);
	}
	return marked;
}
