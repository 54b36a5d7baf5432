/* gwdiag: in-process diagnosis of smtpgw's failures (see gwdiag.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "gwdiag.h"
#include "kb.h"
#include "match.h"
#include "probe.h"
#include "render.h"
#include "xmem.h"

struct gwdiag {
	struct kb	*kb;
	struct matcher	*m;
	char		*reports;
	char		*kb_dir;
	unsigned	 seq;
	int		 probe;		/* gwdiag_set_probes() was called */
	struct probe_params tmpl;
	const char	*host;
	unsigned	 port;
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
	*out = g;
	return 0;
}

void
gwdiag_close(struct gwdiag *g)
{
	if (g == NULL)
		return;
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

const char *
gwdiag_kb_dir(const struct gwdiag *g)
{
	return g->kb_dir;
}

static int
write_file(const char *path, const char *data, size_t len, char err[ERR_LEN])
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return err_set(err, "%s: name too long", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return err_set(err, "cannot write %s: %s", tmp, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		unlink(tmp);
		return err_set(err, "cannot write %s: %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) != 0)
		return err_set(err, "cannot rename %s: %s", tmp, strerror(errno));
	return 0;
}

int
gwdiag_failure(struct gwdiag *g, const char *event_json, const char *queue_id,
    char *summary, size_t summarylen, char *report, size_t reportlen, char err[ERR_LEN])
{
	struct diag_params p;
	struct diagnosis *d = NULL;
	struct buf md = BUF_INIT, line = BUF_INIT;
	char base[PATH_MAX], evpath[PATH_MAX + 8], mdpath[PATH_MAX + 8];
	const char *files[1];
	int rc = -1;

	summary[0] = '\0';
	report[0] = '\0';
	/*
	 * The next N whose files do not exist yet: a later process (the next
	 * `run --once`) must not overwrite the reports of an earlier one.
	 */
	do {
		g->seq++;
		if (snprintf(base, sizeof(base), "%s/%s.%u", g->reports,
		    queue_id && queue_id[0] ? queue_id : "gateway", g->seq) >= (int)sizeof(base))
			return err_set(err, "--reports %s: name too long", g->reports);
		snprintf(evpath, sizeof(evpath), "%s.json", base);
		snprintf(mdpath, sizeof(mdpath), "%s.md", base);
	} while (access(evpath, F_OK) == 0 || access(mdpath, F_OK) == 0);
	buf_printf(&line, "%s\n", event_json);
	if (write_file(evpath, line.data, line.len, err) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.kb = g->kb;
	p.matcher = g->m;
	files[0] = evpath;
	p.files = files;
	p.nfiles = 1;
	diag_run(&p, &d);
	if (g->probe && d->nincidents > 0)
		diag_probe(d, g->kb, &g->tmpl, g->host, g->port, NULL, NULL);
	if (d->nincidents == 0) {
		snprintf(summary, summarylen, "no article of the rule base is about this failure");
		rc = 0;
		goto out;
	}
	{
		const struct diag_incident *inc = &d->incidents[0];
		char *step = inc->nsteps ? render_step_text(&inc->steps[0]) : xstrdup("-");
		char *dot = strstr(step, ". ");
		size_t i;

		/* The log gets the step's first sentence; the report has all of it. */
		if (dot != NULL && dot[2] != '\0')
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
	if (render_diagnosis(d, RENDER_MARKDOWN, &md, err) != 0 ||
	    write_file(mdpath, md.data ? md.data : "", md.len, err) != 0)
		goto out;
	snprintf(report, reportlen, "%s", mdpath);
	rc = 0;
out:
	diag_free(d);
	buf_free(&md);
	buf_free(&line);
	return rc;
}
