/*
 * kbdiag diagnose [LOG]...: the logs read, matched, correlated, probed and
 * ranked (diag_run(), diag_follow(), diag_probe()), with the evidence a
 * person gives; diagnose --replay FILE ranks a saved diagnosis again.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "diag.h"
#include "kb.h"
#include "match.h"
#include "util/clock.h"

struct progress {
	int		shown;
	double		start;	/* clock_s() */
};

/* Seconds since the progress started. */
static double
progress_elapsed(const struct progress *p)
{
	return clock_s() - p->start;
}

/* Shown on a terminal once reading has taken more than a second. */
static void
show_progress(void *arg, const char *file, unsigned long long done,
    unsigned long long total)
{
	struct progress *p = arg;

	if (!p->shown && (done >= total || progress_elapsed(p) < 1.0))
		return;
	if (total > 0 && done < total) {
		fprintf(stderr, "\rkbdiag: reading %s: %3llu%% of %llu MB ", file,
		    done * 100 / total, total >> 20);
		p->shown = 1;
	} else if (total == 0 && done > 0) {
		fprintf(stderr, "\rkbdiag: reading %s: %llu MB ", file, done >> 20);
		p->shown = 1;
	} else if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = 0;
	}
}

/* --follow: one line per new incident, and when one becomes frequent. */
static void
follow_incident(void *arg, const struct diag_incident *inc, int became_frequent)
{
	const struct options *o = arg;

	if (o->format == RENDER_JSON) {
		/* Through jansson, so that every text is escaped as JSON wants. */
		json_t *ev = json_pack("{s:s, s:s, s:I, s:s}",
		    "event", became_frequent ? "frequent" : "incident",
		    "article", inc->article, "count", (json_int_t)inc->count,
		    "when", inc->last_seen ? inc->last_seen : "");

		if (ev != NULL) {
			json_dumpf(ev, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(ev);
		} else
			fprintf(stderr, "kbdiag: --follow: cannot write the event of %s as JSON\n",
			    inc->article);
	} else if (became_frequent)
		printf("%s  %s is now frequent: %lu times, %.1f per hour\n",
		    inc->last_seen && inc->last_seen[0] ? inc->last_seen : "--:--:--",
		    inc->article, inc->count, inc->rate_per_hour);
	else
		printf("%s  new incident: %s at %s: %s\n",
		    inc->first_seen[0] ? inc->first_seen : "--:--:--", inc->article,
		    inc->peer.host ? inc->peer.host : "(smart host not named)", inc->error);
	fflush(stdout);
}

static void
show_probing(void *arg, const char *host, unsigned port)
{
	const struct options *o = arg;

	fprintf(stderr, "kbdiag: probing %s port %u (each probe waits at most %u ms)\n", host,
	    port, o->probe.timeout_ms ? o->probe.timeout_ms : PROBE_DEFAULT_TIMEOUT_MS);
}

/* kbdiag diagnose --replay FILE */
static int
diagnose_replay(const struct options *o, struct kb *kb)
{
	struct diagnosis *d = NULL;
	int rc;

	if ((rc = cli_saved_load(o->replay, "diagnose --replay", kb, &d)) == 0 &&
	    (rc = cli_manual_evidence(o, kb, d)) == 0)
		rc = cli_render_diagnosis(o, d, d->nincidents > 0);
	diag_free(d);
	kb_free(kb);
	return rc;
}

/* Inputs that could not be opened or read at all. */
static size_t
unread_inputs(const struct diagnosis *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->ninputs; i++)
		n += d->inputs[i].format == NULL;
	return n;
}

/* The logs of the command line (standard input when none) read into *d:
 * diag_run(), or diag_follow() for --follow. */
static void
diagnose_read(const struct options *o, struct kb *kb, struct matcher *m, char **files,
    int nfiles, struct diagnosis **d)
{
	static const char *const stdin_only[] = { "-" };
	struct diag_params p = { 0 };
	struct progress prog = { 0 };
	size_t i;

	p.kb = kb;
	p.matcher = m;
	p.files = nfiles ? (const char * const *)files : stdin_only;
	p.nfiles = nfiles ? (size_t)nfiles : 1;
	if (o->have_smarthost) {
		p.smarthost = o->smarthost;
		p.smarthost_port = o->smarthost_port;
	}
	p.reader = o->reader;
	p.has_since = o->has_since;
	p.since = o->since;
	p.has_until = o->has_until;
	p.until = o->until;
	if (!o->quiet && isatty(STDERR_FILENO) && !o->reader.follow) {
		prog.start = clock_s();
		p.progress = show_progress;
		p.progress_arg = &prog;
	}
	if (!o->quiet && isatty(STDIN_FILENO)) {
		for (i = 0; i < p.nfiles; i++)
			if (strcmp(p.files[i], "-") == 0) {
				fputs("kbdiag: reading the log from the terminal; end it with "
				    "Ctrl-D\n", stderr);
				break;
			}
	}
	if (o->reader.follow) {
		cli_catch_stop();
		p.on_incident = follow_incident;
		p.on_notice = cli_notice;
		p.follow_arg = (void *)o;
		p.stop = &cli_stop;
		diag_follow(&p, d);
	} else {
		p.rank_later = 1;	/* diagnose_probe() ranks */
		diag_run(&p, d);
	}
}

/*
 * The prober: live checks of the smart host, the DOS client's files.
 * Live probes describe the network now: only current failures are
 * probed, unless --probe (or --follow, which reads them as they come).
 */
static void
diagnose_probe(const struct options *o, const struct kb *kb, struct diagnosis *d)
{
	struct probe_params pp = o->probe;

	if (!o->offline && !o->probe_always && !o->reader.follow)
		diag_probe_policy(d, time(NULL), o->probe_window ? o->probe_window :
		    kb_probe_current(kb) ? kb_probe_current(kb) : DIAG_PROBE_WINDOW);
	pp.offline = o->offline;
	diag_probe(d, kb, &pp, o->have_smarthost ? o->smarthost : NULL,
	    o->smarthost_port, !o->quiet && isatty(STDERR_FILENO) ? show_probing : NULL,
	    (void *)o);
}

/* On standard error: the logs that could not be read, and unless -q the
 * warnings about them. */
static void
say_input_problems(const struct options *o, const struct diagnosis *d)
{
	size_t i;

	for (i = 0; i < d->ninputs; i++)
		if (d->inputs[i].error)
			fprintf(stderr, "kbdiag: %s\n", d->inputs[i].error);
	if (o->quiet)
		return;
	for (i = 0; i < d->nwarnings; i++)
		fprintf(stderr, "kbdiag: warning: %s\n", d->warnings[i]);
	if (d->warnings_dropped)
		fprintf(stderr, "kbdiag: warning: %zu more warnings not shown\n",
		    d->warnings_dropped);
}

static int
diagnose_main(const struct options *o, char **files, int nfiles)
{
	struct diagnosis *d = NULL;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	int rc;

	if (o->replay != NULL && nfiles > 0)
		return cli_usage_error("diagnose: --replay reads a saved diagnosis, not logs");
	if (o->replay != NULL && o->reader.follow)
		return cli_usage_error("diagnose: --replay and --follow do not go together");
	/* replay ranks what was recorded: the patterns are not needed */
	/* a diagnosis needs no knowledge article: they are not even parsed */
	if ((rc = cli_open_kb(o, 0, 1, &kb, o->replay != NULL ? NULL : &m)) != 0)
		return rc;
	if (o->replay != NULL)
		return diagnose_replay(o, kb);
	diagnose_read(o, kb, m, files, nfiles, &d);
	diagnose_probe(o, kb, d);
	/* What a person tells: after the log and the probes, whose word stands. */
	if ((rc = cli_manual_evidence(o, kb, d)) != 0)
		goto out;
	say_input_problems(o, d);
	if (unread_inputs(d) == d->ninputs) {
		/*
		 * Nothing was read: no report at all, so that nothing downstream
		 * (a script mailing standard output, -o FILE) takes it for an
		 * all-clear. The reasons are on standard error above.
		 */
		fprintf(stderr, "kbdiag: diagnose: no log could be read: no diagnosis\n");
		rc = EXIT_BADINPUT;
		goto out;
	}
	rc = cli_render_diagnosis(o, d, d->nincidents > 0);
	/* a log that could not be read through: its report, and exit 3 */
	if ((rc == EXIT_FOUND || rc == EXIT_NOTHING) && diag_input_errors(d))
		rc = EXIT_BADINPUT;
out:
	diag_free(d);
	match_free(m);
	kb_free(kb);
	return rc;
}

const struct command cmd_diagnose = {
	"diagnose", diagnose_main,
"  diagnose [LOG]...      diagnose gateway logs (standard input when none, or -)\n",
	0
};
