/*
 * The data-driven cases in the files tests/cases/NAME.test (format: tests/cases/README.md):
 * each case is one loop iteration of the `cases` suite, and a failure names
 * the case's file and line.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "diag.h"
#include "util/peer.h"
#include "query.h"
#include "evidence.h"
#include "probe.h"
#include "rank.h"
#include "testutil.h"
#include "util/xmem.h"

struct tc_section {
	char	*name;		/* "log", "expect", ... */
	char	*arg;		/* the rest of the "-- " line, or "" */
	struct buf content;
	long	 line;
};

struct tc_case {
	char			*file;	/* relative to the source tree */
	long			 line;
	char			*kind;
	char			*name;
	struct tc_section	*sec;
	size_t			 nsec;
};

static struct tc_case *cases;
static size_t ncases;

/* Sections whose content is verbatim: '#' lines are content there. */
static int
tc_verbatim(const char *section)
{
	return strcmp(section, "log") == 0 || strcmp(section, "log-escaped") == 0 ||
	    strcmp(section, "file") == 0;
}

static void
tc_parse_file(const char *path, const char *rel)
{
	char *data, *line, *next, chunk[65536];
	struct buf b = BUF_INIT;
	FILE *f = fopen(path, "rb");
	size_t n;
	struct tc_case *c = NULL;
	struct tc_section *s = NULL;
	long lineno = 0;

	/* Runs while the suite is built, outside any test: no ck_assert here. */
	if (f == NULL) {
		perror(path);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	data = buf_detach(&b);
	for (line = data; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strncmp(line, "%% ", 3) == 0) {
			char *colon = strchr(line + 3, ':');

			cases = xrealloc(cases, (ncases + 1) * sizeof(*cases));
			c = &cases[ncases++];
			memset(c, 0, sizeof(*c));
			c->file = xstrdup(rel);
			c->line = lineno;
			c->kind = xstrndup(line + 3, colon ? (size_t)(colon - line - 3) :
			    strlen(line + 3));
			c->name = xstrdup(colon ? colon + 1 + strspn(colon + 1, " ") : "");
			s = NULL;
		} else if (strncmp(line, "-- ", 3) == 0 && c) {
			char *name = line + 3, *sp = strchr(name, ' ');

			c->sec = xrealloc(c->sec, (c->nsec + 1) * sizeof(*c->sec));
			s = &c->sec[c->nsec++];
			memset(s, 0, sizeof(*s));
			s->name = xstrndup(name, sp ? (size_t)(sp - name) : strlen(name));
			s->arg = xstrdup(sp ? sp + 1 : "");
			s->line = lineno;
		} else if (s && (tc_verbatim(s->name) || line[0] != '#')) {
			int strip = line[0] == '\\' && strcmp(s->name, "log-escaped") != 0;

			buf_puts(&s->content, strip ? line + 1 : line);
			buf_putc(&s->content, '\n');
		}
	}
	free(data);
}

static void
tc_load_all(void)
{
	char *pattern = tu_src("tests/cases/*.test");
	glob_t g;
	size_t i, skip = strlen(TEST_SRCDIR) + 1;

	if (glob(pattern, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			tc_parse_file(g.gl_pathv[i], g.gl_pathv[i] + skip);
		globfree(&g);
	}
	free(pattern);
}

static const struct tc_section *
tc_find(const struct tc_case *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nsec; i++)
		if (strcmp(c->sec[i].name, name) == 0)
			return &c->sec[i];
	return NULL;
}

/* Content without its trailing line ends. */
static char *
tc_text(const struct tc_section *s)
{
	const char *p = buf_str(&s->content);
	size_t n = s->content.len;

	while (n > 0 && p[n - 1] == '\n')
		n--;
	return xstrndup(p, n);
}

static int
tc_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Interpret \r \n \t \\ \xNN; every physical line end is dropped. */
static void
tc_unescape(const struct buf *in, struct buf *out)
{
	const char *p = buf_str(in), *end = p + in->len;

	for (; p < end; p++) {
		if (*p == '\n')
			continue;
		if (*p != '\\' || p + 1 >= end) {
			buf_putc(out, *p);
			continue;
		}
		switch (*++p) {
		case 'r':
			buf_putc(out, '\r');
			break;
		case 'n':
			buf_putc(out, '\n');
			break;
		case 't':
			buf_putc(out, '\t');
			break;
		case 'x':
			ck_assert_msg(p + 2 < end && tc_hex(p[1]) >= 0 && tc_hex(p[2]) >= 0,
			    "bad \\x escape");
			buf_putc(out, (char)(tc_hex(p[1]) * 16 + tc_hex(p[2])));
			p += 2;
			break;
		default:
			buf_putc(out, *p);
		}
	}
}

static const char *
tc_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void
tc_digest_diagnosis(const struct diagnosis *d, struct buf *out)
{
	size_t i, j;

	for (i = 0; i < d->nincidents; i++) {
		const struct diag_incident *inc = &d->incidents[i];

		buf_printf(out, "incident %s count=%lu companions=%lu peer=%s:%u first=%s "
		    "last=%s", inc->article, inc->count, inc->companions,
		    inc->peer.host ? inc->peer.host : "-", inc->peer.port,
		    inc->first_seen[0] ? inc->first_seen : "-",
		    inc->last_seen[0] ? inc->last_seen : "-");
		if (inc->article_confidence < 1)
			buf_printf(out, " explains=%.2f", inc->article_confidence);
		buf_printf(out, "\n  error %s\n", inc->error);
		buf_printf(out, "  seen attempts=%lu lines=%lu held=%lu phase=%s origin=%s "
		    "source=%s episode=%u year=%s failure=%s\n", inc->count, inc->lines,
		    inc->held, inc->phase ? inc->phase : "-", inc->origin ? inc->origin : "-",
		    inc->source ? tc_base(inc->source) : "-", inc->episode,
		    inc->year_inferred ? "inferred" : "-", inc->failure ? inc->failure : "-");
		if (inc->peer.address)
			buf_printf(out, "  address %s\n", inc->peer.address);
		if (inc->ended_article)
			buf_printf(out, "  ended %s %s\n", inc->ended_article,
			    inc->ended_peer ? inc->ended_peer : "-");
		if (inc->messages) {
			buf_printf(out, "  messages %lu delivered_later=%lu delivered_elsewhere=%lu "
			    "retries_ended=%lu ids=", inc->messages, inc->delivered_later,
			    inc->delivered_elsewhere, inc->retries_ended);
			for (j = 0; j < inc->nqueue_ids; j++)
				buf_printf(out, "%s%s", j ? "," : "", inc->queue_ids[j]);
			buf_putc(out, '\n');
		}
		buf_puts(out, "  causes");
		for (j = 0; j < inc->ncauses; j++)
			buf_printf(out, " %s=%.2f%s", inc->causes[j].id, inc->causes[j].confidence,
			    inc->causes[j].ruled_out ? "(out)" : "");
		for (j = 0; j < inc->ncauses; j++) {
			const struct diag_cause *cs = &inc->causes[j];
			size_t k;

			if (cs->nevidence == 0)
				continue;
			buf_printf(out, "\n  evidence %s", cs->id);
			for (k = 0; k < cs->nevidence; k++)
				buf_printf(out, " %c%s", cs->evidence[k].confirms ? '+' : '-',
				    cs->evidence[k].ref);
		}
		buf_puts(out, "\n  steps");
		for (j = 0; j < inc->nsteps; j++)
			buf_printf(out, " %s%s", inc->steps[j].id, inc->steps[j].done ? "(done)" : "");
		buf_puts(out, "\n");
		for (j = 0; j < inc->nsteps; j++) {
			if (inc->steps[j].done)
				buf_printf(out, "  done %s %s: %s\n", inc->steps[j].id,
				    inc->steps[j].done_ref, inc->steps[j].done);
			if (inc->steps[j].found)
				buf_printf(out, "  found %s %s\n", inc->steps[j].id,
				    inc->steps[j].found);
		}
		for (j = 0; j < inc->nunneeded; j++)
			buf_printf(out, "  not-needed %s: %s\n", inc->unneeded[j].id,
			    inc->unneeded[j].because);
		if (inc->nsteps) {
			buf_puts(out, "  step1 ");
			for (j = 0; j < inc->steps[0].nspans; j++)
				buf_puts(out, inc->steps[0].spans[j].text);
			buf_puts(out, "\n");
		}
		buf_puts(out, "  where ");
		for (j = 0; j < inc->nlocations; j++)
			buf_printf(out, "%s%s:%lu", j ? "," : "", tc_base(inc->locations[j].file),
			    inc->locations[j].line);
		buf_puts(out, "\n");
	}
	for (i = 0; i < d->nwarnings; i++)
		buf_printf(out, "warning %s\n", d->warnings[i]);
	if (d->nincidents == 0)
		buf_puts(out, "(no incidents)\n");
}

static void
tc_digest_query(const struct query_results *q, struct buf *out)
{
	size_t i, j;

	buf_printf(out, "answer %s\n", query_answer_name(q->answer));
	if (q->fact.row)
		buf_printf(out, "fact %s:%s\n", q->fact.row->table, q->fact.row->key);
	for (i = 0; i < q->nresults; i++) {
		const struct query_result *r = &q->results[i];

		buf_printf(out, "result %s score=%.2f %s", r->article->id, r->score,
		    query_how_name(r->how));
		if (r->how == QUERY_PATTERN)
			buf_printf(out, " %s%s", r->symptom->id, r->nwords ? " shares" : "");
		for (j = 0; j < r->nwords; j++)
			buf_printf(out, "%s%s", j ? "," : " ", r->words[j]);
		buf_putc(out, '\n');
	}
	if (q->nresults == 0)
		buf_puts(out, "(no results)\n");
}

/* Compare line by line; fail naming the case and the first difference. */
static void
tc_compare(const struct tc_case *c, const struct tc_section *expect, const char *actual)
{
	char *want = tc_text(expect), *got = xstrdup(actual);
	size_t n = strlen(got);
	char *w = want, *g = got, *wn, *gn;
	long k = 1;

	while (n > 0 && got[n - 1] == '\n')
		got[--n] = '\0';
	while (w || g) {
		wn = w ? strchr(w, '\n') : NULL;
		gn = g ? strchr(g, '\n') : NULL;
		if (wn)
			*wn = '\0';
		if (gn)
			*gn = '\0';
		ck_assert_msg(w && g && strcmp(w, g) == 0,
		    "%s:%ld: case '%s': line %ld of the result differs\n"
		    "  expected: %s\n  actual:   %s\nwhole result:\n%s",
		    c->file, expect->line + k, c->name, k, w ? w : "(end)", g ? g : "(end)",
		    actual);
		w = wn ? wn + 1 : NULL;
		g = gn ? gn + 1 : NULL;
		k++;
	}
	free(want);
	free(got);
}

/* Replace every occurrence of `what` in s by `with`. */
static char *
tc_replace(const char *s, const char *what, const char *with)
{
	struct buf b = BUF_INIT;
	const char *p;
	size_t n = strlen(what);

	while ((p = strstr(s, what)) != NULL) {
		buf_append(&b, s, (size_t)(p - s));
		buf_puts(&b, with);
		s = p + n;
	}
	buf_puts(&b, s);
	return buf_detach(&b);
}

/*
 * "-- observe": one SOURCE:VALUE per line (then, after a blank, what was
 * seen, else "(case)"), as a probe round (or the DOS client's files) would
 * report it, for every incident, through the prober's own intake (the
 * layered test included); then rank and plan again.
 */
static void
tc_observe(const struct tc_case *c, const struct tc_section *obs, const struct kb *kb,
    struct diagnosis *d)
{
	char *text = tc_text(obs), *line, *next, *colon, *detail;
	struct probe_result *r = NULL;
	size_t i, n = 0;
	long k = 1;

	for (line = text; line != NULL && *line; line = next, k++) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		colon = strchr(line, ':');
		ck_assert_msg(colon != NULL, "%s:%ld: case '%s': observe wants SOURCE:VALUE, "
		    "not '%s'", c->file, obs->line + k, c->name, line);
		*colon = '\0';
		ck_assert_msg(kb_find_source(kb, line) != NULL, "%s:%ld: case '%s': no "
		    "evidence source '%s'", c->file, obs->line + k, c->name, line);
		if ((detail = strchr(colon + 1, ' ')) != NULL)
			*detail++ = '\0';
		r = xrealloc(r, (n + 1) * sizeof(*r));
		probe_result_init(&r[n], line, line);
		probe_observe(&r[n], colon + 1, "%s", detail ? detail : "(case)");
		n++;
	}
	for (i = 0; i < d->nincidents; i++) {
		diag_list_release(&d->incidents[i], d->incidents[i].probes);	/* packed */
		d->incidents[i].probes = NULL;
		d->incidents[i].nprobes = 0;
		evidence_from_probes(&d->incidents[i], r, n, kb);
	}
	probe_results_free(r, n);
	free(text);
	diag_rank(d, kb);
}

static time_t tc_utc(const char *s);

/*
 * "-- dos-file REL [SIZE [YYYY-MM-DDTHH:MM:SS]]": a file of the DOS client
 * (REL with / between folders) with the section's content, padded with
 * zeros to SIZE bytes and dated (UTC) when given. The dos-file sections
 * make one DOS root; the real file probes read it (no network) and the
 * incidents are ranked and planned again with what they observed.
 */
static void
tc_dos_files(const struct tc_case *c, const struct kb *kb, struct diagnosis *d)
{
	struct probe_params pp = { 0 };
	char *root = NULL;
	size_t i;

	for (i = 0; i < c->nsec; i++) {
		const struct tc_section *sec = &c->sec[i];
		char rel[512], when[64], *path, *slash;
		unsigned long size = 0;
		struct buf data = BUF_INIT;
		int n;

		if (strcmp(sec->name, "dos-file") != 0)
			continue;
		when[0] = '\0';
		n = sscanf(sec->arg, "%511s %lu %63s", rel, &size, when);
		ck_assert_msg(n >= 1 && (n < 3 || tc_utc(when) != (time_t)-1),
		    "%s:%ld: dos-file wants REL [SIZE [YYYY-MM-DDTHH:MM:SS]]", c->file,
		    sec->line);
		if (root == NULL)
			root = tu_tmpdir();
		{
			struct buf pb = BUF_INIT;

			buf_printf(&pb, "%s/%s", root, rel);
			path = buf_detach(&pb);
		}
		for (slash = path + strlen(root) + 1; (slash = strchr(slash, '/')) != NULL;
		    slash++) {
			*slash = '\0';
			ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST, "%s: %s", path,
			    strerror(errno));
			*slash = '/';
		}
		buf_append(&data, sec->content.data, sec->content.len);
		while (data.len < size)
			buf_append(&data, "", 1);
		tu_write(path, data.data ? data.data : "", data.len);
		if (n == 3) {
			struct timespec ts[2];

			ts[0].tv_sec = ts[1].tv_sec = tc_utc(when);
			ts[0].tv_nsec = ts[1].tv_nsec = 0;
			ck_assert_msg(utimensat(AT_FDCWD, path, ts, 0) == 0, "%s: %s", path,
			    strerror(errno));
		}
		buf_free(&data);
		free(path);
	}
	if (root == NULL)
		return;
	pp.offline = 1;
	pp.dos_root = root;
	diag_probe(d, kb, &pp, NULL, 0, NULL, NULL);
	tu_rmtree(root);
	free(root);
}

/* "YYYY-MM-DDTHH:MM:SS" (UTC) as a time_t, for "-- mtime"; -1 if not one. */
static time_t
tc_utc(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return (time_t)-1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return timegm(&tm);
}

static void
tc_run_diagnose(const struct tc_case *c)
{
	const struct tc_section *lf = tc_find(c, "log-file"), *sh = tc_find(c, "smarthost");
	const struct tc_section *expect = tc_find(c, "expect"), *obs;
	struct diag_params p = { 0 };
	struct diagnosis *d;
	struct buf digest = BUF_INIT;
	char *dir = NULL, *paths[16], host[PEER_HOST_MAX], err[ERR_LEN];
	const char *files[16];
	struct kb *kb = tu_kb();
	struct matcher *m = tu_matcher(kb);
	size_t i, nfiles = 0, nlogs = 0;

	ck_assert_msg(expect, "%s:%ld: case '%s' has no '-- expect'", c->file, c->line, c->name);
	for (i = 0; i < c->nsec; i++)
		nlogs += strcmp(c->sec[i].name, "log") == 0 ||
		    strcmp(c->sec[i].name, "log-escaped") == 0;
	ck_assert_msg((nlogs > 0) + (lf != NULL) == 1,
	    "%s:%ld: case '%s' needs log or log-escaped sections, or one log-file", c->file,
	    c->line, c->name);
	/* Logs are dated from their files' times: always on the same clock. */
	setenv("TZ", "UTC", 1);
	tzset();
	if (lf) {
		paths[nfiles++] = tu_src(lf->arg);
	} else {
		dir = tu_tmpdir();
		for (i = 0; i < c->nsec; i++) {
			const struct tc_section *sec = &c->sec[i];
			struct buf pb = BUF_INIT, data = BUF_INIT;

			if (strcmp(sec->name, "log") != 0 && strcmp(sec->name, "log-escaped") != 0)
				continue;
			ck_assert_msg(nfiles < 16, "%s:%ld: too many logs", c->file, sec->line);
			/* "-- log NAME" names the file; the first one is case.log by default. */
			buf_printf(&pb, "%s/%s", dir, sec->arg[0] ? sec->arg : "case.log");
			paths[nfiles++] = buf_detach(&pb);
			if (strcmp(sec->name, "log-escaped") == 0)
				tc_unescape(&sec->content, &data);
			else
				buf_append(&data, sec->content.data, sec->content.len);
			tu_write(paths[nfiles - 1], buf_str(&data), data.len);
			buf_free(&data);
		}
		/* "-- mtime NAME YYYY-MM-DDTHH:MM:SS": when a log was last changed (UTC). */
		for (i = 0; i < c->nsec; i++) {
			const struct tc_section *sec = &c->sec[i];
			char name[256], when[64], *path;
			struct timespec ts[2];
			struct buf pb = BUF_INIT;

			if (strcmp(sec->name, "mtime") != 0)
				continue;
			ck_assert_msg(sscanf(sec->arg, "%255s %63s", name, when) == 2 &&
			    tc_utc(when) != (time_t)-1, "%s:%ld: mtime wants NAME "
			    "YYYY-MM-DDTHH:MM:SS", c->file, sec->line);
			buf_printf(&pb, "%s/%s", dir, name);
			path = buf_detach(&pb);
			ts[0].tv_sec = ts[1].tv_sec = tc_utc(when);
			ts[0].tv_nsec = ts[1].tv_nsec = 0;
			ck_assert_msg(utimensat(AT_FDCWD, path, ts, 0) == 0, "%s:%ld: %s: %s",
			    c->file, sec->line, path, strerror(errno));
			free(path);
		}
	}
	p.kb = kb;
	p.matcher = m;
	for (i = 0; i < nfiles; i++)
		files[i] = paths[i];
	p.files = files;
	p.nfiles = nfiles;
	if (sh) {
		ck_assert_msg(peer_parse(sh->arg, PEER_SMTP_PORT, host, &p.smarthost_port,
		    err) == 0, "%s:%ld: %s", c->file, sh->line, err);
		p.smarthost = host;
	}
	diag_run(&p, &d);
	if ((obs = tc_find(c, "observe")) != NULL)
		tc_observe(c, obs, kb, d);
	tc_dos_files(c, kb, d);
	tc_digest_diagnosis(d, &digest);
	if (dir) {
		/* Warnings name the log by its path: keep only "case.log". */
		struct buf pb = BUF_INIT;
		char *prefix, *clean;

		buf_printf(&pb, "%s/", dir);
		prefix = buf_detach(&pb);
		clean = tc_replace(buf_str(&digest), prefix, "");
		buf_reset(&digest);
		buf_puts(&digest, clean);
		free(clean);
		free(prefix);
	}
	tc_compare(c, expect, buf_str(&digest));
	diag_free(d);
	buf_free(&digest);
	tu_rmtree(dir);
	free(dir);
	for (i = 0; i < nfiles; i++)
		free(paths[i]);
	match_free(m);
	kb_free(kb);
}

static void
tc_run_query(const struct tc_case *c)
{
	const struct tc_section *text = tc_find(c, "text"), *expect = tc_find(c, "expect");
	struct query_results *q;
	struct buf digest = BUF_INIT;
	struct kb *kb = tu_kb();
	struct matcher *m = tu_matcher(kb);
	char *t;

	ck_assert_msg(text && expect, "%s:%ld: case '%s' needs text and expect", c->file,
	    c->line, c->name);
	t = tc_text(text);
	q = query_run(kb, m, t, strlen(t));
	tc_digest_query(q, &digest);
	tc_compare(c, expect, buf_str(&digest));
	query_free(q);
	buf_free(&digest);
	free(t);
	match_free(m);
	kb_free(kb);
}

static void
tc_run_kb_error(const struct tc_case *c)
{
	const struct tc_section *expect = tc_find(c, "error");
	struct kb_load_params p = { 0 };
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char err[ERR_LEN], *dir = tu_kb_copy(), *want, *got, *path;
	size_t i;
	int failed;

	ck_assert_msg(expect, "%s:%ld: case '%s' has no '-- error'", c->file, c->line, c->name);
	for (i = 0; i < c->nsec; i++) {
		const struct tc_section *s = &c->sec[i];

		struct buf pb = BUF_INIT;

		buf_printf(&pb, "%s/%s", dir, s->arg);
		path = buf_detach(&pb);
		if (strcmp(s->name, "file") == 0)
			tu_write(path, s->content.data ? s->content.data : "", s->content.len);
		else if (strcmp(s->name, "remove") == 0)
			ck_assert_msg(remove(path) == 0, "%s:%ld: cannot remove %s", c->file,
			    s->line, s->arg);
		free(path);
	}
	p.dir = dir;
	failed = kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0;
	ck_assert_msg(failed, "%s:%ld: case '%s': the rule base was accepted", c->file,
	    c->line, c->name);
	want = tc_text(expect);
	got = tc_replace(err, dir, "$KB");
	ck_assert_msg(strcmp(want, got) == 0, "%s:%ld: case '%s': wrong message\n"
	    "  expected: %s\n  actual:   %s", c->file, expect->line + 1, c->name, want, got);
	free(want);
	free(got);
	match_free(m);
	kb_free(kb);
	tu_kb_copy_free(dir);
}

START_TEST(run_case)
{
	const struct tc_case *c = &cases[_i];

	if (strcmp(c->kind, "diagnose") == 0)
		tc_run_diagnose(c);
	else if (strcmp(c->kind, "query") == 0)
		tc_run_query(c);
	else if (strcmp(c->kind, "kb-error") == 0)
		tc_run_kb_error(c);
	else
		ck_abort_msg("%s:%ld: unknown case kind '%s'", c->file, c->line, c->kind);
}
END_TEST

START_TEST(there_are_cases)
{
	ck_assert_uint_gt(ncases, 10);
}
END_TEST

Suite *
cases_suite(void)
{
	Suite *s = suite_create("cases");
	TCase *tc = tcase_create("files");

	if (cases == NULL)
		tc_load_all();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, there_are_cases);
	if (ncases)
		tcase_add_loop_test(tc, run_case, 0, (int)ncases);
	suite_add_tcase(s, tc);
	return s;
}
