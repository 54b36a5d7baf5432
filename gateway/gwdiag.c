/* gwdiag: in-process diagnosis of smtpgw's failures (see gwdiag.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fileio.h"
#include "diag.h"
#include "evidence.h"
#include "gwdiag.h"
#include "kb.h"
#include "match.h"
#include "probe.h"
#include "render.h"
#include "util/xmem.h"

/*
 * A quiet period of one smart host: the probe round that opened it, and the
 * report of each failure (article) diagnosed in it, which later failures of
 * the same article share.
 */
struct gwdiag_shared {
	char			*article;
	char			*report;	/* the report's path */
	char			*summary;	/* its log line */
	unsigned long		 failures;	/* diagnosed with it, this one first */
};

struct gwdiag_period {
	char			*key;		/* "host:port" */
	long long		 start_ms;	/* CLOCK_MONOTONIC: its first failure */
	char			 start_clock[9];	/* "10:00:02", for the log */
	struct probe_result	*probes;	/* the round (NULL: offline) */
	size_t			 nprobes;
	int			 probed;
	struct gwdiag_shared	*shared;
	size_t			 nshared;
};

/* Smart hosts remembered at once; the least recent is forgotten first. */
#define GWDIAG_MAX_PERIODS	64

struct gwdiag {
	struct kb	*kb;
	struct matcher	*m;
	char		*reports;
	char		*kb_dir;
	int		 probe;		/* gwdiag_set_probes() was called */
	struct probe_params tmpl;
	const char	*host;
	unsigned	 port;
	unsigned	 quiet_s;	/* the quiet period; 0: none */
	unsigned long	 rounds;	/* probe rounds run */
	struct gwdiag_period periods[GWDIAG_MAX_PERIODS];
	size_t		 nperiods;
};

int
gwdiag_open(const char *kb_dir, const char *reports_dir, struct gwdiag **out,
    char err[ERR_LEN])
{
	struct kb_load_params p = { 0 };
	char dirbuf[PATH_MAX], why[ERR_LEN];
	struct gwdiag *g;

	*out = NULL;
	if (mkdir(reports_dir, 0755) != 0 && errno != EEXIST)
		return err_set(err, "--reports %s: %s", reports_dir, strerror(errno));
	g = xcalloc(1, sizeof(*g));
	p.dir = kb_dir ? kb_dir : kb_default_dir(dirbuf);
	g->kb_dir = xstrdup(p.dir);
	g->reports = xstrdup(reports_dir);
	if (kb_load(&p, &g->kb, why) != 0 || match_compile(g->kb, &g->m, why) != 0) {
		err_set(err, "--diagnose: invalid rule base: %s", why);
		gwdiag_close(g);
		return -1;
	}
	g->quiet_s = kb_probe_quiet(g->kb) ? kb_probe_quiet(g->kb) : GWDIAG_QUIET_DEFAULT;
	*out = g;
	return 0;
}

static void
gwdiag_period_clear(struct gwdiag_period *p)
{
	size_t i;

	free(p->key);
	probe_results_free(p->probes, p->nprobes);
	for (i = 0; i < p->nshared; i++) {
		free(p->shared[i].article);
		free(p->shared[i].report);
		free(p->shared[i].summary);
	}
	free(p->shared);
	memset(p, 0, sizeof(*p));
}

void
gwdiag_close(struct gwdiag *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->nperiods; i++)
		gwdiag_period_clear(&g->periods[i]);
	match_free(g->m);
	kb_free(g->kb);
	free(g->reports);
	free(g->kb_dir);
	free(g);
}

void
gwdiag_set_probes(struct gwdiag *g, const struct probe_params *tmpl, const char *host,
    unsigned port)
{
	g->probe = 1;
	g->tmpl = *tmpl;
	g->tmpl.kb = g->kb;
	g->host = host;
	g->port = port;
}

void
gwdiag_set_quiet(struct gwdiag *g, unsigned seconds)
{
	g->quiet_s = seconds;
}

unsigned
gwdiag_quiet(const struct gwdiag *g)
{
	return g->quiet_s;
}

unsigned long
gwdiag_rounds(const struct gwdiag *g)
{
	return g->rounds;
}

const char *
gwdiag_kb_dir(const struct gwdiag *g)
{
	return g->kb_dir;
}

/*
 * The quiet period of the smart host key: the current one, or a new one
 * (replacing an expired one, else the least recent) with *fresh set.
 */
static struct gwdiag_period *
gwdiag_period(struct gwdiag *g, const char *key, long long now, int *fresh)
{
	struct gwdiag_period *p = NULL;
	size_t i, oldest = 0;
	time_t t;
	struct tm tm;

	*fresh = 0;
	for (i = 0; i < g->nperiods; i++) {
		if (strcmp(g->periods[i].key, key) == 0) {
			p = &g->periods[i];
			break;
		}
		if (g->periods[i].start_ms < g->periods[oldest].start_ms)
			oldest = i;
	}
	if (p != NULL && g->quiet_s > 0 && now - p->start_ms < (long long)g->quiet_s * 1000)
		return p;
	if (p == NULL)
		p = g->nperiods < GWDIAG_MAX_PERIODS ? &g->periods[g->nperiods++] :
		    &g->periods[oldest];
	gwdiag_period_clear(p);
	p->key = xstrdup(key);
	p->start_ms = now;
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(p->start_clock, sizeof(p->start_clock), "%H:%M:%S", &tm);
	*fresh = 1;
	return p;
}

/* The report of article in the period, or NULL. */
static struct gwdiag_shared *
gwdiag_shared_of(struct gwdiag_period *p, const char *article)
{
	size_t i;

	for (i = 0; i < p->nshared; i++)
		if (strcmp(p->shared[i].article, article) == 0)
			return &p->shared[i];
	return NULL;
}

/* "ARTICLE: top cause (NN%); first step: ..." for the log. */
static void
gwdiag_summary(const struct diag_incident *inc, char *summary, size_t summarylen)
{
	const struct diag_step *first = NULL;
	char *step, *dot;
	size_t i;

	/* The first thing to do: the first step not done already. */
	for (i = 0; i < inc->nsteps && first == NULL; i++)
		if (inc->steps[i].done == NULL)
			first = &inc->steps[i];
	step = first ? render_step_text(first) : xstrdup("-");
	/* The log gets the step's first sentence; the report has all of it. */
	if ((dot = strstr(step, ". ")) != NULL && dot[2] != '\0')
		memcpy(dot + 1, "..", 3);	/* dot[3] exists: dot[2] was not the end */
	/* The first cause the evidence has not ruled out (they are ranked). */
	for (i = 0; i < inc->ncauses && inc->causes[i].ruled_out; i++)
		;
	if (i < inc->ncauses)
		snprintf(summary, summarylen, "%s: %s (%.0f%%); first step: %s", inc->article,
		    inc->causes[i].title, inc->causes[i].confidence * 100, step);
	else if (inc->ncauses > 0)
		snprintf(summary, summarylen, "%s: the evidence rules out every known cause "
		    "(see the report); first step: %s", inc->article, step);
	else
		snprintf(summary, summarylen, "%s: no cause known; first step: %s",
		    inc->article, step);
	free(step);
}

int
gwdiag_failure(struct gwdiag *g, const char *event_json, const char *queue_id,
    char *summary, size_t summarylen, char *report, size_t reportlen, char err[ERR_LEN])
{
	struct diag_params p;
	struct diagnosis *d = NULL;
	struct buf md = BUF_INIT, line = BUF_INIT, key = BUF_INIT;
	struct gwdiag_period *period;
	struct gwdiag_shared *sh;
	char base[PATH_MAX], evpath[PATH_MAX + 8], mdpath[PATH_MAX + 8];
	const char *files[1], *host;
	unsigned port, n;
	long long now = clock_ms();
	int fresh, rc = -1;
	size_t i;

	summary[0] = '\0';
	report[0] = '\0';
	/*
	 * The message's first N whose files do not exist yet: its reports are
	 * numbered 1, 2, ... without a gap whatever other messages do, and a
	 * later process (the next `run --once`) numbers on, overwriting none.
	 */
	for (n = 1;; n++) {
		if (snprintf(base, sizeof(base), "%s/%s.%u", g->reports,
		    queue_id && queue_id[0] ? queue_id : "gateway", n) >= (int)sizeof(base))
			return err_set(err, "--reports %s: name too long", g->reports);
		snprintf(evpath, sizeof(evpath), "%s.json", base);
		snprintf(mdpath, sizeof(mdpath), "%s.md", base);
		if (access(evpath, F_OK) != 0 && access(mdpath, F_OK) != 0)
			break;
	}
	/* The event, read from memory under the name its file will have. */
	buf_printf(&line, "%s\n", event_json);
	memset(&p, 0, sizeof(p));
	p.kb = g->kb;
	p.matcher = g->m;
	files[0] = evpath;
	p.files = files;
	p.nfiles = 1;
	p.text = line.data;
	p.text_len = line.len;
	diag_run(&p, &d);
	if (d->nincidents == 0) {
		snprintf(summary, summarylen, "no article of the rule base is about this failure");
		rc = 0;
		goto out;
	}
	/* One quiet period per smart host: the probes and the reports of its failures. */
	host = g->host ? g->host : d->incidents[0].peer.host;
	port = g->host ? g->port : d->incidents[0].peer.port;
	buf_printf(&key, "%s:%u", host ? host : "-", port ? port : 25);
	period = gwdiag_period(g, buf_str(&key), now, &fresh);
	if (g->probe) {
		if (!period->probed) {
			diag_probe(d, g->kb, &g->tmpl, g->host, g->port, NULL, NULL);
			g->rounds++;
			period->probed = 1;
			if (d->incidents[0].nprobes > 0) {
				period->nprobes = d->incidents[0].nprobes;
				period->probes = xcalloc(period->nprobes, sizeof(*period->probes));
				for (i = 0; i < period->nprobes; i++)
					probe_result_copy(&period->probes[i],
					    &d->incidents[0].probes[i]);
			}
		} else {
			/* The round of this quiet period stands for this failure too. */
			for (i = 0; i < d->nincidents; i++)
				evidence_from_probes(&d->incidents[i], period->probes,
				    period->nprobes, g->kb);
			diag_rank(d, g->kb);
		}
	}
	/* A failure of the same article in the period shares its diagnosis. */
	if (!fresh && (sh = gwdiag_shared_of(period, d->incidents[0].article)) != NULL) {
		sh->failures++;
		snprintf(summary, summarylen, "%s (failure %lu of this quiet period of %s, "
		    "since %s: the same diagnosis and report)", sh->summary, sh->failures,
		    period->key, period->start_clock);
		snprintf(report, reportlen, "%s", sh->report);
		rc = 0;
		goto out;
	}
	gwdiag_summary(&d->incidents[0], summary, summarylen);
	if (file_replace(evpath, line.data, line.len, err) != 0)
		goto out;
	if (render_diagnosis(d, RENDER_MARKDOWN, &md, err) != 0 ||
	    file_replace(mdpath, md.data ? md.data : "", md.len, err) != 0)
		goto out;
	snprintf(report, reportlen, "%s", mdpath);
	period->shared = xrealloc(period->shared, (period->nshared + 1) *
	    sizeof(*period->shared));
	sh = &period->shared[period->nshared++];
	sh->article = xstrdup(d->incidents[0].article);
	sh->report = xstrdup(mdpath);
	sh->summary = xstrdup(summary);
	sh->failures = 1;
	rc = 0;
out:
	diag_free(d);
	buf_free(&md);
	buf_free(&line);
	buf_free(&key);
	return rc;
}
