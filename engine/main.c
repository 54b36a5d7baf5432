/*
 * kbdiag: the command line. It parses options, calls libkbdiag and maps
 * results and errors to the exit codes promised in docs/kbdiag.1:
 *
 *   0 found something, 1 found nothing, 2 usage error, 3 bad input,
 *   4 internal error (including out of memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "cli/usage.h"
#include "config.h"	/* KBDIAG_VERSION: written by make */
#include "consult.h"
#include "diag.h"
#include "util/duration.h"
#include "util/fileio.h"
#include "fix.h"
#include "kb.h"
#include "kbcache.h"
#include "lint.h"
#include "logtime.h"
#include "match.h"
#include "pattern.h"
#include "util/peer.h"
#include "probe.h"
#include "query.h"
#include "render.h"
#include "render_probe.h"
#include "render_report.h"
#include "replay.h"
#include "verify.h"
#include "util/xmem.h"



enum {
	EXIT_FOUND = 0,
	EXIT_NOTHING = 1,
	EXIT_USAGE = 2,
	EXIT_BADINPUT = 3,
	EXIT_INTERNAL = 4
};

/* The most --observe options (--answers FILE takes any number). */
#define OBSERVE_MAX	256

struct options {
	const char		*kb_dir;	/* --kb, or NULL for the default */
	enum render_format	 format;	/* --format, or from -o FILE's extension */
	int			 format_set;	/* --format was given */
	const char		*output;	/* -o, or NULL for stdout */
	char			 smarthost[PEER_HOST_MAX];	/* --smarthost host */
	unsigned		 smarthost_port;
	int			 have_smarthost;
	int			 offline;	/* --offline */
	int			 probe_always;	/* --probe: also what is not current */
	unsigned		 probe_window;	/* --probe-window, seconds; 0: the
						   rule base's (kb_probe_current()) */
	int			 quiet;		/* -q */
	int			 keep_going;	/* --keep-going */
	int			 ere;		/* --syntax ere (kb patterns) */
	struct reader_params	 reader;	/* --input-format, --date, --follow */
	int			 explain;	/* --explain */
	const char		*replay;	/* --replay FILE */
	const char		*observe[OBSERVE_MAX];	/* --observe SOURCE:VALUE, in
						   order */
	size_t			 nobserve;
	const char		*answers;	/* --answers FILE */
	int			 ask;		/* --ask */
	size_t			 top;		/* --top N; 0: all */
	int			 has_since, has_until;	/* --since, --until */
	long long		 since, until;
	struct probe_params	 probe;		/* --timeout, --dos-root, --dns-server,
						   --helo, --resend-from, --resend-to */
	enum { FIX_DRY_RUN, FIX_APPLY, FIX_UNDO } fix_mode;	/* fix: --dry-run... */
	int			 fix_mode_set;
	const char		*watch;		/* verify: --watch LOG */
	unsigned long long	 watch_ms;	/* verify: --for DURATION */
	int			 has_for;
};

static void
usage(FILE *to)
{
	fputs(
"Usage: kbdiag [OPTION]... COMMAND [ARG]...\n"
"Find out why a Microsoft Mail Gateway to SMTP (or smtpgw) failed, from its logs,\n"
"with a rule base made from the Microsoft Knowledge Base articles about it.\n"
"\n"
"Commands:\n"
"  diagnose [LOG]...      diagnose gateway logs (standard input when none, or -)\n"
"  query TEXT...          rank the articles for an error text (- reads it from\n"
"                           standard input: several lines, up to 1 MiB)\n"
"  probe HOST[:PORT]      run the layered live checks against a smart host:\n"
"                           DNS, ping (loopback, gateway, host), TCP connect,\n"
"                           greeting, EHLO/HELO, the peer's product, and with\n"
"                           --dos-root the DOS client's files; exit 0 when\n"
"                           every layer that ran passed, 1 when one failed\n"
"                           or none ran\n"
"  report FILE.json      render a saved diagnosis (diagnose --format json) as a\n"
"                           fix report: per incident the cause that stands,\n"
"                           its evidence, the steps as a checklist, and with\n"
"                           --dos-root the proposed edits as diffs\n"
"  fix FILE.json [--dry-run|--apply|--undo]\n"
"                         show (the default), apply or undo the edits the saved\n"
"                           diagnosis proposes under --dos-root DIR (the rule\n"
"                           base's fixes: ForcePushBit=1 in PROTOCOL.INI, FILES=\n"
"                           in CONFIG.SYS, the start-up order, -Q, the gateway's\n"
"                           variant); --apply keeps backups and one journal in\n"
"                           DIR/.kbdiag, --undo restores all of them\n"
"  verify FILE.json [--watch LOG --for DURATION]\n"
"                         did the fix work? probe again (as diagnose does) and\n"
"                           check the files under --dos-root; with --watch,\n"
"                           follow LOG for DURATION (90s, 10m, 2h) for the\n"
"                           error coming back. Says fixed (exit 0), not fixed\n"
"                           (with the next cause to fix) or inconclusive (both\n"
"                           exit 1), and appends it to FILE.json's history\n"
"                           (--dry-run: not appended)\n"
"  kb lint                check the rule base: schema, references, patterns,\n"
"                           overlaps between articles\n"
"  kb test                run every article's examples and counter-examples,\n"
"                           with a report per article\n"
"  kb list                list the articles\n"
"  kb show ID             show one article (for example Q123827)\n"
"  kb patterns            print the patterns tried on log lines, one per line\n"
"                           (for grep -f, pcre2grep -f, rg -f)\n"
"\n"
"Options:\n"
"      --kb DIR           the rule base to use (default: $KBDIAG_KB, else the\n"
"                           built-in one); read once, then from a cache in\n"
"                           ~/.cache/kbdiag ($KBDIAG_CACHE=DIR, or off)\n"
"  -f, --format FORMAT    text (the default), markdown, html or json\n"
"  -o, --output FILE      write the result to FILE instead of standard output;\n"
"                           FILE is replaced only once the result is complete;\n"
"                           without --format, a name ending in .html, .md,\n"
"                           .json or .txt sets the format\n"
"      --smarthost HOST[:PORT]\n"
"                         the smart host to report when a log names none, and\n"
"                           the only one diagnose probes when given (PORT\n"
"                           defaults to 25; [HOST]:PORT and HOST[ADDR]:PORT, as\n"
"                           Postfix writes them, are taken too)\n"
"      --offline          run no live probes: diagnose and probe then read\n"
"                           only the logs and the DOS client's files\n"
"      --probe            diagnose: probe even when the failures are old;\n"
"                           by default only current ones are (live probes\n"
"                           describe the network now, not then)\n"
"      --observe SOURCE:VALUE\n"
"                         diagnose: evidence only a person can give (the\n"
"                           router's firmware, the address map, ...; the\n"
"                           rule base's sources, kb/evidence.xml), for every\n"
"                           incident; repeatable; VALUE ? is don't know\n"
"      --answers FILE     diagnose: the same, one SOURCE:VALUE a line (#\n"
"                           comments)\n"
"      --ask              diagnose: on the terminal, ask the questions whose\n"
"                           answers would most change the ranking, one at a\n"
"                           time, until no answer could change it\n"
"      --probe-window DURATION\n"
"                         diagnose: how recent a failure's last line must be\n"
"                           to count as current (default: the rule base's,\n"
"                           1h): 30m, 2h, 48h\n"
"      --timeout DURATION each probe's deadline (default 5s): 500ms, 5s, 2m;\n"
"                           a bare number is milliseconds\n"
"      --round-timeout DURATION\n"
"                         the whole round's (default 3 timeouts): a layer that\n"
"                           would end after it is skipped\n"
"      --probe-max N      probe at most N of the smart hosts the logs name,\n"
"                           those with the most attempts, all at once (default\n"
"                           16); a smart host a log names is probed only on a\n"
"                           port the rule base expects (25, 587)\n"
"      --dos-root DIR     the DOS client's files (PROTOCOL.INI, TCPTSR.EXE),\n"
"                           found without regard to case\n"
"      --dns-server ADDR[:PORT]\n"
"                         ask this DNS server, not resolv.conf\n"
"      --helo NAME        the name probes send in EHLO/HELO (default: this\n"
"                           host's name; '' sends none)\n"
"      --resend-from ADDR, --resend-to ADDR\n"
"                         also send a test message through the smart host\n"
"      --input-format FORMAT\n"
"                         auto (the default: found per line), legacy, ndjson,\n"
"                           syslog or text\n"
"      --follow           keep reading the logs as they grow, like tail -F\n"
"                           (rotation and truncation included), report each\n"
"                           incident as it forms, and the whole diagnosis on\n"
"                           Ctrl-C (SIGINT) or SIGTERM\n"
"      --date YYYY-MM-DD  the date of a legacy log that has no start-up line;\n"
"                           syslog stamps without a year are dated at or\n"
"                           before its end (else before the file's last change)\n"
"      --since TIME, --until TIME\n"
"                         only lines logged at or after / at or before TIME\n"
"                           (YYYY-MM-DD[THH:MM[:SS]], log time)\n"
"  -q, --quiet            do not print warnings about the logs\n"
"      --top N            query: only the N best results\n"
"      --explain          diagnose: show how each cause's confidence came about,\n"
"                           every probe with its transcript, and what was not\n"
"                           checked and why; query: why each result scores\n"
"                           what it does\n"
"      --replay FILE      diagnose: rank again the saved JSON diagnosis FILE\n"
"                           from the evidence it recorded (no logs, no network)\n"
"      --dry-run, --apply, --undo\n"
"                         fix: show the diff (the default), write it (needs\n"
"                           --dos-root), or restore the original; verify\n"
"                           --dry-run leaves FILE.json as it is\n"
"      --watch LOG, --for DURATION\n"
"                         verify: follow LOG (from its end) for DURATION\n"
"      --syntax pcre|ere  kb patterns: PCRE2 as written (the default), or the\n"
"                           extended syntax of grep -E and rg (a superset)\n"
"      --keep-going       use the valid part of a rule base with invalid\n"
"                           articles, saying what was skipped (not for kb lint)\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"Exit status: 0 found something (an incident, a matching article, a valid rule\n"
"base; for verify: fixed), 1 found nothing (verify: not fixed or inconclusive),\n"
"2 usage error, 3 bad input (a log that cannot be read, an invalid rule base),\n"
"4 internal error.\n"
"\n"
"Examples:\n"
"  kbdiag diagnose /var/log/smtpgw/smtpgate.log\n"
"  kbdiag query 'Error (119) Network Write Error'\n"
"  kbdiag query --top 3 --explain 'netwrok write eror 119'\n"
"  kbdiag diagnose --format html -o report.html smtpgate.log\n"
"  kbdiag diagnose --since 2026-11-23T08:00 /var/log/mail.log.1.gz\n"
"  kbdiag diagnose --follow /var/log/smtpgw/smtpgate.log\n"
"  kbdiag probe --timeout 2s --dos-root /mnt/gatewaypc mail.example.com\n"
"  kbdiag report --format markdown --dos-root /mnt/gatewaypc diagnosis.json\n"
"  kbdiag fix --apply --dos-root /mnt/gatewaypc diagnosis.json\n"
"  kbdiag verify --dos-root /mnt/gatewaypc --watch smtpgate.log --for 10m \\\n"
"      diagnosis.json\n"
"\n"
"See kbdiag(1) for details.\n", to);
}

/* After --help or --version: a write error (a full disk) is reported. */
static int
info_done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "kbdiag: cannot write the output: %s\n", strerror(errno));
		return EXIT_BADINPUT;
	}
	return EXIT_FOUND;
}

/* A whole number from 1 to max, digits only: 0 and *n, or -1. */
static int
parse_count(const char *arg, unsigned long max, unsigned long *n)
{
	char *end;

	errno = 0;
	*n = strtoul(arg, &end, 10);
	return errno || end == arg || *end || arg[0] == '-' || *n == 0 || *n > max ? -1 : 0;
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The usage errors of both programs are worded by engine/cli/usage.c. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("kbdiag", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

static int
bad_option(const struct option *longopts, const char *arg, int missing_value)
{
	usage_bad_option("kbdiag", longopts, arg, missing_value);
	return EXIT_USAGE;
}

/*
 * A time on the command line: "YYYY-MM-DD" (date_only) or also
 * "YYYY-MM-DDTHH:MM[:SS]" (a space for the T is fine). No zone: it is
 * compared with log times as they are written. An --until without a time
 * means the end of that day.
 */
static int
parse_log_time(const char *s, int date_only, long long *t)
{
	size_t used, n = strlen(s);

	if (logtime_parse_iso(s, n, t, &used) != 0 || used != n)
		return -1;
	if (date_only && n != 10)
		return -1;
	return 0;
}

/*
 * The format a file name asks for: .html/.htm, .md/.markdown, .json, .txt
 * (any case). Other names leave *f as it is.
 */
static void
output_format(const char *path, enum render_format *f)
{
	static const struct {
		const char		*ext;
		enum render_format	 format;
	} exts[] = {
		{ ".html", RENDER_HTML }, { ".htm", RENDER_HTML },
		{ ".md", RENDER_MARKDOWN }, { ".markdown", RENDER_MARKDOWN },
		{ ".json", RENDER_JSON }, { ".txt", RENDER_TEXT },
	};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t i;

	if (dot == NULL || (slash && slash > dot))
		return;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot, exts[i].ext) == 0) {
			*f = exts[i].format;
			return;
		}
}

/* ---------------------------------------------------------------------- */
/* Finding the rule base                                                    */

static void
print_problem(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "kbdiag: %s\n", msg);
}

static void
print_skipped(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "kbdiag: skipped (--keep-going): %s\n", msg);
}

/*
 * --keep-going: drop the articles whose patterns do not compile, so that the
 * matcher can be built from the rest.
 */
static void
drop_uncompilable(struct kb *kb)
{
	char err[ERR_LEN];
	size_t i = 0;

	while (i < kb_article_count(kb)) {
		const struct kb_article *a = kb_article_at(kb, i);

		if (match_article_compiles(a, err) == 0) {
			i++;
			continue;
		}
		print_skipped(NULL, err);
		kb_drop_article(kb, a);
	}
}

/*
 * Load and compile the rule base (m NULL: load only, for what needs no
 * patterns); on failure print why and return 3. For kb lint (list_all)
 * every problem is printed as it is found.
 */
static int
open_kb_for(const struct options *o, int list_all, int problems_only, struct kb **kb,
    struct matcher **m)
{
	struct kb_load_params p = { 0 };
	char dirbuf[PATH_MAX], cachebuf[PATH_MAX], err[ERR_LEN];

	p.dir = o->kb_dir ? o->kb_dir : kb_default_dir(dirbuf);
	p.problems_only = problems_only;
	/* kb lint: every document through the schema, known to this build or not */
	p.validate_all = list_all;
	if (list_all)
		p.on_problem = print_problem;
	else if (o->keep_going) {
		p.keep_going = 1;
		p.on_problem = print_skipped;
	}
	if (!list_all && !o->keep_going) {
		/* through the rule base cache (kbcache.h): the whole load, compiled */
		switch (kbcache_load(&p, kbcache_dir(cachebuf), kb, m, NULL, err)) {
		case 0:
			return 0;
		case -2:
			fprintf(stderr, "kbdiag: invalid rule base: %s\n", err);
			return EXIT_BADINPUT;
		default:
			fprintf(stderr, "kbdiag: invalid rule base: %s\n", err);
			fputs("kbdiag: (--keep-going uses the valid articles and says which "
			    "it skipped)\n", stderr);
			return EXIT_BADINPUT;
		}
	}
	if (kb_load(&p, kb, err) != 0) {
		if (!list_all)
			fprintf(stderr, "kbdiag: invalid rule base: %s\n", err);
		if (!list_all && !o->keep_going)
			fputs("kbdiag: (--keep-going uses the valid articles and says which "
			    "it skipped)\n", stderr);
		return EXIT_BADINPUT;
	}
	if (p.keep_going) {
		drop_uncompilable(*kb);
		if (kb_skipped(*kb) > 0)
			fprintf(stderr, "kbdiag: rule base %s: skipped %zu invalid "
			    "article%s or overlap%s; using %zu articles\n", kb_dir(*kb),
			    kb_skipped(*kb), kb_skipped(*kb) == 1 ? "" : "s",
			    kb_skipped(*kb) == 1 ? "" : "s", kb_article_count(*kb));
		if (kb_article_count(*kb) == 0) {
			fprintf(stderr, "kbdiag: invalid rule base: %s: no valid articles\n",
			    kb_dir(*kb));
			kb_free(*kb);
			*kb = NULL;
			return EXIT_BADINPUT;
		}
	}
	if (m != NULL &&
	    match_compile_report(*kb, list_all ? print_problem : NULL, NULL, m, err) != 0) {
		if (!list_all)
			fprintf(stderr, "kbdiag: invalid rule base: %s\n", err);
		kb_free(*kb);
		*kb = NULL;
		return EXIT_BADINPUT;
	}
	return 0;
}

static int
open_kb(const struct options *o, int list_all, struct kb **kb, struct matcher **m)
{
	return open_kb_for(o, list_all, 0, kb, m);
}

/* ---------------------------------------------------------------------- */
/* Output                                                                   */

/*
 * Write the result to standard output, or to o->output by file_replace():
 * a regular file is replaced atomically, so that a reader never sees half a
 * report and a failed run leaves the old file alone; a device such as
 * /dev/null is written, not replaced.
 */
static int
emit(const struct options *o, const struct buf *out)
{
	char err[ERR_LEN];

	if (o->output == NULL || strcmp(o->output, "-") == 0) {
		if (file_write_all(STDOUT_FILENO, buf_str(out), out->len) != 0) {
			if (errno == EPIPE)
				return 0;
			fprintf(stderr, "kbdiag: cannot write the output: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (file_replace(o->output, buf_str(out), out->len, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                 */

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

static volatile sig_atomic_t follow_stop;

static void
follow_signal(int sig)
{
	(void)sig;
	follow_stop = 1;
}

/* --follow: one line per new incident, and when one becomes frequent. */
static void
follow_incident(void *arg, const struct diag_incident *inc, int became_frequent)
{
	const struct options *o = arg;

	if (o->format == RENDER_JSON) {
		printf("{\"event\":\"%s\",\"article\":\"%s\",\"count\":%lu,"
		    "\"when\":\"%s\"}\n", became_frequent ? "frequent" : "incident",
		    inc->article, inc->count, inc->last_seen ? inc->last_seen : "");
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
follow_notice(void *arg, const char *msg)
{
	const struct options *o = arg;

	if (!o->quiet)
		fprintf(stderr, "kbdiag: %s\n", msg);
}

/* Read a whole file (at most max bytes) into out; 0, or -1 with err. */
static int
read_file(const char *path, size_t max, struct buf *out, char err[ERR_LEN])
{
	char chunk[65536];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, "%s: %s", path, strerror(errno));
			break;
		}
		if (n == 0) {
			close(fd);
			return 0;
		}
		if (out->len + (size_t)n > max) {
			err_set(err, "%s: larger than %zu MiB", path, max >> 20);
			break;
		}
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	return -1;
}

static void
show_probing(void *arg, const char *host, unsigned port)
{
	const struct options *o = arg;

	fprintf(stderr, "kbdiag: probing %s port %u (each probe waits at most %u ms)\n", host,
	    port, o->probe.timeout_ms ? o->probe.timeout_ms : PROBE_DEFAULT_TIMEOUT_MS);
}

/*
 * report, fix and diagnose --replay read a saved diagnosis: say what was
 * expected when FILE is something else (a report, a log), before any JSON
 * parser's words. 0 when it may be one, or -1 with err.
 */
static int
saved_check(const char *file, const struct buf *in, const char *cmd, char err[ERR_LEN])
{
	const char *p = in->data ? in->data : "", *what = NULL;
	size_t n = in->len;

	if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3, n -= 3;
	while (n > 0 && strchr(" \t\r\n", *p))
		p++, n--;
	if (n == 0)
		what = "an empty file";
	else if (*p == '<')
		what = "HTML or XML (a report?)";
	else if (*p == '#')
		what = "Markdown (a report?)";
	else if (n >= 2 && (unsigned char)p[0] == 0x1f && (unsigned char)p[1] == 0x8b)
		what = "gzip-compressed (a log?)";
	else if (*p != '{' && *p != '[')
		what = "text (a report or a log?)";
	if (what == NULL)
		return 0;
	return err_set(err, "%s: this is %s, not a saved diagnosis: %s reads the JSON that "
	    "'kbdiag diagnose --format json' writes", file, what, cmd);
}

/* The saved diagnosis in FILE, read and ranked again; 0, or -1 (or
 * REPLAY_OOM: exit status 4) with err. */
static int
saved_load(const char *file, const char *cmd, const struct kb *kb, struct diagnosis **d,
    char err[ERR_LEN])
{
	struct buf in = BUF_INIT;
	char why[ERR_LEN];
	int rc;

	/* bounded while read (replay.h): REPLAY_OOM when memory ran out */
	if ((rc = replay_read_file(file, &in, err)) != 0 ||
	    (rc = saved_check(file, &in, cmd, err)) != 0)
		;
	else if ((rc = replay_load(in.data ? in.data : "", in.len, kb, d, why)) == REPLAY_OOM)
		err_set(err, "%s: %s", file, why);
	else if (rc != 0)
		err_set(err, "%s: not a saved diagnosis (%s reads the JSON that 'kbdiag "
		    "diagnose --format json' writes): %s", file, cmd, why);
	buf_free(&in);
	return rc;
}

/* The most questions --ask asks (each source once in any case). */
#define ASK_MAX	32

/*
 * --ask: on the terminal (/dev/tty, so that a log on standard input and a
 * report on standard output stay as they are), the question whose answer
 * would most change the ranking, with why it is asked; a number, a value
 * or ? (don't know, or an empty line) answers it. Until no answer could
 * change a standing cause (consult.h), or end of input. The answers are
 * manual observations, as --observe's.
 */
static int
ask_questions(const struct options *o, const struct kb *kb, struct diagnosis *d)
{
	const char *asked[ASK_MAX];
	struct consult_question q;
	char line[256], spec[256], err[ERR_LEN];
	size_t nasked = 0, i;
	FILE *tty;
	int fd;

	(void)o;
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0 || !isatty(fd) ||
	    (tty = fdopen(fd, "r+")) == NULL) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "kbdiag: --ask needs a terminal to ask on; --answers FILE gives "
		    "the answers without one\n");
		return EXIT_USAGE;
	}
	setvbuf(tty, NULL, _IONBF, 0);
	while (nasked < ASK_MAX && consult_next(d, kb, asked, nasked, &q)) {
		const struct kb_evidence_source *s = q.source;
		const struct kb_evidence_value *v = NULL;

		asked[nasked++] = s->id;
		if (s->question != NULL)
			fprintf(tty, "\nQuestion %zu: %s\n", nasked, s->question);
		else
			fprintf(tty, "\nQuestion %zu: %s: which of these holds?\n", nasked, s->title);
		fprintf(tty, "  Why: the answer can change what stands first for incident %zu "
		    "(%s, now %s at %.0f%%): by %.0f points at most, %.0f expected.\n",
		    q.incident + 1, d->incidents[q.incident].article, q.cause_id ? q.cause_id : "-",
		    q.confidence * 100, q.best_change * 100, q.value * 100);
		for (i = 0; i < s->nvalues; i++)
			fprintf(tty, "  %zu) %s: %s\n", i + 1, s->values[i].id, s->values[i].text);
		fprintf(tty, "  ?) don't know\n");
		for (;;) {
			char *p = line, *end;

			fprintf(tty, "Answer [1-%zu, ?]: ", s->nvalues);
			if (fgets(line, sizeof(line), tty) == NULL) {
				fprintf(tty, "\n");
				goto done;
			}
			while (*p == ' ' || *p == '\t')
				p++;
			end = p + strcspn(p, "\r\n");
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			*end = '\0';
			if (*p == '\0' || strcmp(p, "?") == 0 || strcasecmp(p, "don't know") == 0) {
				v = NULL;
				break;
			}
			for (i = 0; i < s->nvalues; i++) {
				char num[24];

				snprintf(num, sizeof(num), "%zu", i + 1);
				if (strcmp(p, num) == 0 || strcmp(p, s->values[i].id) == 0)
					break;
			}
			if (i < s->nvalues) {
				v = &s->values[i];
				break;
			}
			fprintf(tty, "  '%s' is not one of the answers: a number from 1 to %zu, the "
			    "value's name, or ? for don't know.\n", p, s->nvalues);
		}
		if (v == NULL)
			continue;
		snprintf(spec, sizeof(spec), "%s:%s", s->id, v->id);
		if (diag_observe_manual(d, kb, spec, "answered at the terminal (--ask)", err) != 0) {
			fprintf(stderr, "kbdiag: --ask: %s\n", err);
			fclose(tty);
			return EXIT_INTERNAL;
		}
		diag_rank(d, kb);
	}
	fprintf(tty, "\nNo answer to another question could change what stands first: "
	    "done asking.\n");
done:
	fclose(tty);
	return 0;
}

/* The most of an answers file (--answers) read. */
#define ANSWERS_MAX	(1024 * 1024)

/*
 * Evidence a person gives: --observe, then --answers FILE ("SOURCE:VALUE" a
 * line; blank lines and # comments skipped), then --ask on a terminal; the
 * incidents are ranked again. 0, or an exit code after a message.
 */
static int
manual_evidence(const struct options *o, const struct kb *kb, struct diagnosis *d)
{
	char err[ERR_LEN];
	size_t i;

	if (o->nobserve == 0 && o->answers == NULL && !o->ask)
		return 0;
	for (i = 0; i < o->nobserve; i++)
		if (diag_observe_manual(d, kb, o->observe[i], "given with --observe", err) != 0) {
			fprintf(stderr, "kbdiag: --observe %s\n", err);
			return EXIT_USAGE;
		}
	if (o->answers != NULL) {
		struct buf text = BUF_INIT;
		int rc = 0;

		if (read_file(o->answers, ANSWERS_MAX, &text, err) != 0 ||
		    diag_answers(d, kb, text.data ? text.data : "", text.len, o->answers, err) != 0)
			rc = EXIT_BADINPUT;
		buf_free(&text);
		if (rc != 0) {
			fprintf(stderr, "kbdiag: --answers: %s\n", err);
			return rc;
		}
	}
	diag_rank(d, kb);
	if (o->ask)
		return ask_questions(o, kb, d);
	return 0;
}

/* kbdiag diagnose --replay FILE */
static int
cmd_replay(const struct options *o, struct kb *kb)
{
	struct diagnosis *d = NULL;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	int rc;

	if ((rc = saved_load(o->replay, "diagnose --replay", kb, &d, err)) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = rc == REPLAY_OOM ? EXIT_INTERNAL : EXIT_BADINPUT;
	} else if ((rc = manual_evidence(o, kb, d)) != 0)
		;
	else if (render_diagnosis_explain(d, o->format, o->explain, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_INTERNAL;
	} else if (emit(o, &out) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = d->nincidents ? EXIT_FOUND : EXIT_NOTHING;
	buf_free(&out);
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

static int
cmd_diagnose(const struct options *o, char **files, int nfiles)
{
	static const char *const stdin_only[] = { "-" };
	struct diag_params p = { 0 };
	struct progress prog = { 0 };
	struct diagnosis *d = NULL;
	struct buf out = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char err[ERR_LEN];
	size_t i;
	int rc;

	if (o->replay != NULL && nfiles > 0)
		return usage_error("diagnose: --replay reads a saved diagnosis, not logs");
	if (o->replay != NULL && o->reader.follow)
		return usage_error("diagnose: --replay and --follow do not go together");
	/* replay ranks what was recorded: the patterns are not needed */
	/* a diagnosis needs no knowledge article: they are not even parsed */
	if ((rc = open_kb_for(o, 0, 1, &kb, o->replay != NULL ? NULL : &m)) != 0)
		return rc;
	if (o->replay != NULL)
		return cmd_replay(o, kb);
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
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = follow_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		p.on_incident = follow_incident;
		p.on_notice = follow_notice;
		p.follow_arg = (void *)o;
		p.stop = &follow_stop;
		diag_follow(&p, &d);
	} else
		diag_run(&p, &d);
	/*
	 * The prober: live checks of the smart host, the DOS client's files.
	 * Live probes describe the network now: only current failures are
	 * probed, unless --probe (or --follow, which reads them as they come).
	 */
	if (!o->offline && !o->probe_always && !o->reader.follow)
		diag_probe_policy(d, time(NULL), o->probe_window ? o->probe_window :
		    kb_probe_current(kb) ? kb_probe_current(kb) : DIAG_PROBE_WINDOW);
	{
		struct probe_params pp = o->probe;

		pp.offline = o->offline;
		diag_probe(d, kb, &pp, o->have_smarthost ? o->smarthost : NULL,
		    o->smarthost_port, !o->quiet && isatty(STDERR_FILENO) ? show_probing : NULL,
		    (void *)o);
	}
	/* What a person tells: after the log and the probes, whose word stands. */
	if ((rc = manual_evidence(o, kb, d)) != 0) {
		diag_free(d);
		match_free(m);
		kb_free(kb);
		return rc;
	}
	for (i = 0; i < d->ninputs; i++)
		if (d->inputs[i].error)
			fprintf(stderr, "kbdiag: %s\n", d->inputs[i].error);
	if (!o->quiet) {
		for (i = 0; i < d->nwarnings; i++)
			fprintf(stderr, "kbdiag: warning: %s\n", d->warnings[i]);
		if (d->warnings_dropped)
			fprintf(stderr, "kbdiag: warning: %zu more warnings not shown\n",
			    d->warnings_dropped);
	}
	if (unread_inputs(d) == d->ninputs) {
		/*
		 * Nothing was read: no report at all, so that nothing downstream
		 * (a script mailing standard output, -o FILE) takes it for an
		 * all-clear. The reasons are on standard error above.
		 */
		fprintf(stderr, "kbdiag: diagnose: no log could be read: no diagnosis\n");
		rc = EXIT_BADINPUT;
	} else if (render_diagnosis_explain(d, o->format, o->explain, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_INTERNAL;
	} else if (emit(o, &out) != 0)
		rc = EXIT_BADINPUT;
	else if (diag_input_errors(d))
		rc = EXIT_BADINPUT;
	else
		rc = d->nincidents ? EXIT_FOUND : EXIT_NOTHING;
	buf_free(&out);
	diag_free(d);
	match_free(m);
	kb_free(kb);
	return rc;
}

/* The most of standard input `kbdiag query -` reads. */
#define QUERY_INPUT_MAX	(1024 * 1024)

/* `kbdiag query -`: the text from standard input (pasted lines, a file). */
static int
read_query_input(struct buf *text)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "kbdiag: query: cannot read standard input: %s\n",
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		if (text->len + (size_t)n > QUERY_INPUT_MAX) {
			buf_append(text, chunk, QUERY_INPUT_MAX - text->len);
			fprintf(stderr, "kbdiag: query: only the first %d bytes of standard "
			    "input are used\n", QUERY_INPUT_MAX);
			return 0;
		}
		buf_append(text, chunk, (size_t)n);
	}
}

static int
cmd_query(const struct options *o, char **words, int nwords)
{
	struct query_results *q;
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char err[ERR_LEN];
	int i, rc;

	if (nwords == 1 && strcmp(words[0], "-") == 0) {
		if (read_query_input(&text) != 0) {
			buf_free(&text);
			return EXIT_BADINPUT;
		}
	} else
		for (i = 0; i < nwords; i++)
			buf_printf(&text, "%s%s", i ? " " : "", words[i]);
	if (strspn(buf_str(&text), " \t\r\n") == text.len) {
		buf_free(&text);
		return usage_error("query: give the error text to look up");
	}
	if ((rc = open_kb(o, 0, &kb, &m)) != 0) {
		buf_free(&text);
		return rc;
	}
	q = query_run(kb, m, text.data, text.len);
	if (o->top)
		query_keep(q, o->top);
	if (render_query_explain(q, o->format, o->explain, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_INTERNAL;
	} else if (emit(o, &out) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = q->nresults ? EXIT_FOUND : EXIT_NOTHING;
	query_free(q);
	buf_free(&out);
	buf_free(&text);
	match_free(m);
	kb_free(kb);
	return rc;
}

/*
 * kb patterns: every pattern tried on log lines, once each, one per line. A
 * pattern with no ERE form is left out with a warning.
 */
static void
kb_patterns(const struct kb *kb, int ere, struct buf *out)
{
	struct buf seen = BUF_INIT, one = BUF_INIT;
	char err[ERR_LEN];
	size_t i, j;

	buf_putc(&seen, '\n');
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			if (s->role == KB_ROLE_DESCRIPTION)
				continue;
			buf_reset(&one);
			buf_putc(&one, '\n');
			if (!ere)
				buf_puts(&one, s->pattern);
			else if (pattern_to_ere(s->pattern, &one, err) != 0) {
				fprintf(stderr, "kbdiag: %s symptom '%s': left out: %s\n", a->id,
				    s->id, err);
				continue;
			}
			/* Patterns are one line each; a newline would split one in two. */
			if (strchr(buf_str(&one) + 1, '\n'))
				continue;
			buf_putc(&one, '\n');
			/* seen is "\nP1\nP2\n": one, "\nP\n", is in it once printed. */
			if (strstr(buf_str(&seen), buf_str(&one)) == NULL) {
				buf_append(&seen, one.data + 1, one.len - 1);
				buf_append(out, one.data + 1, one.len - 1);
			}
		}
	}
	buf_free(&one);
	buf_free(&seen);
}

static int
cmd_kb(const struct options *o, char **args, int nargs)
{
	const struct kb_article *a;
	struct buf out = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char err[ERR_LEN];
	size_t failures;
	int rc;

	if (nargs < 1)
		return usage_error("kb: give a subcommand: lint, test, list, show ID or patterns");
	if (strcmp(args[0], "lint") && strcmp(args[0], "test") && strcmp(args[0], "list") &&
	    strcmp(args[0], "show") && strcmp(args[0], "patterns"))
		return usage_error("kb: unknown subcommand '%s' (use lint, test, list, show or "
		    "patterns)", args[0]);
	if (strcmp(args[0], "show") == 0 && nargs != 2)
		return usage_error("kb show: give one article id, such as Q123827");
	if (strcmp(args[0], "show") != 0 && nargs != 1)
		return usage_error("kb %s: unexpected argument '%s'", args[0], args[1]);
	if ((rc = open_kb(o, strcmp(args[0], "lint") == 0, &kb, &m)) != 0)
		return rc;
	rc = EXIT_FOUND;
	if (strcmp(args[0], "lint") == 0) {
		struct lint_backtrack_stats bs;

		failures = lint_check(kb, m, print_problem, NULL);
		failures += lint_backtracking(kb, print_problem, NULL, &bs);
		if (failures > 0) {
			fprintf(stderr, "kbdiag: %s: invalid: %zu %s\n", kb_dir(kb), failures,
			    failures == 1 ? "problem" : "problems");
			rc = EXIT_BADINPUT;
		} else
			buf_printf(&out, "%s: valid: %zu articles, %zu causes, %zu patterns, "
			    "%zu evidence sources, %zu overlaps, %zu peers, %zu fixes; no "
			    "pattern backtracks catastrophically (%zu crafted lines, %.1f s)\n",
			    kb_dir(kb), kb_article_count(kb), kb_cause_count(kb),
			    match_pattern_count(m), kb_source_count(kb), kb_overlap_count(kb),
			    kb_peer_count(kb), kb_fix_count(kb), bs.lines, bs.usec / 1e6);
	} else if (strcmp(args[0], "test") == 0) {
		struct lint_article *report;
		struct lint_totals totals;

		failures = lint_test(kb, m, print_problem, NULL, &report, &totals);
		if (render_kb_test(kb, report, &totals, o->format, &out, err) != 0)
			rc = usage_error("%s", err);	/* a format it does not support */
		else if (failures)
			rc = EXIT_BADINPUT;
		free(report);
	} else if (strcmp(args[0], "patterns") == 0) {
		kb_patterns(kb, o->ere, &out);
	} else if (strcmp(args[0], "list") == 0) {
		if (render_kb_list(kb, o->format, &out, err) != 0)
			rc = usage_error("%s", err);	/* a format it does not support */
	} else if ((a = kb_find_article(kb, args[1])) == NULL) {
		fprintf(stderr, "kbdiag: no article %s in the rule base %s (see 'kbdiag kb list')\n",
		    args[1], kb_dir(kb));
		rc = EXIT_NOTHING;
	} else if (render_kb_article(kb, a, o->format, &out, err) != 0)
		rc = usage_error("%s", err);	/* a format it does not support */
	if (out.len && emit(o, &out) != 0)
		rc = EXIT_BADINPUT;
	buf_free(&out);
	match_free(m);
	kb_free(kb);
	return rc;
}

/*
 * probe HOST[:PORT]: one round of probes, a verdict per layer. Exit 0 when
 * every layer that ran passed, 1 when one failed or none ran.
 */
static int
cmd_probe(const struct options *o, char **args, int nargs)
{
	struct probe_params p = o->probe;
	struct probe_round *round = NULL;
	struct buf out = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char host[PEER_HOST_MAX], err[ERR_LEN];
	size_t i;
	int rc;

	if (nargs != 1)
		return usage_error("probe: give one smart host, HOST[:PORT]");
	if (peer_parse(args[0], PEER_SMTP_PORT, host, &p.port, err) != 0)
		return usage_error("probe: %s", err);
	p.host = host;
	p.offline = o->offline;
	if ((rc = open_kb(o, 0, &kb, &m)) != 0)
		return rc;
	p.kb = kb;
	if (probe_run(&p, &round, err) != 0) {
		rc = usage_error("%s", err);
		goto out;
	}
	if (render_probe_round(round, o->format, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_INTERNAL;
		goto out;
	}
	if (emit(o, &out) != 0) {
		rc = EXIT_BADINPUT;
		goto out;
	}
	/* 1 when a layer failed, and when none ran: nothing was shown to work */
	rc = render_probe_ran(round->results, round->nresults) ? EXIT_FOUND : EXIT_NOTHING;
	for (i = 0; i < round->nresults; i++)
		if (probe_result_failed(&round->results[i]))
			rc = EXIT_NOTHING;
out:
	probe_round_free(round);
	buf_free(&out);
	match_free(m);
	kb_free(kb);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* report and fix: a saved diagnosis, its fix report, its edits             */

/* Read and rank FILE.json again, then plan its edits; 0 or an exit code. */
static int
load_saved(const struct options *o, const char *cmd, const char *file, struct kb **kb,
    struct diagnosis **d, struct fix_plan **plan)
{
	char err[ERR_LEN];
	int rc;

	if (open_kb(o, 0, kb, NULL) != 0)
		return EXIT_BADINPUT;
	if ((rc = saved_load(file, cmd, *kb, d, err)) != 0 ||
	    (rc = fix_plan(*d, o->probe.dos_root, *kb, plan, err)) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		return rc == REPLAY_OOM ? EXIT_INTERNAL : EXIT_BADINPUT;
	}
	return 0;
}

/* kbdiag report FILE.json */
static int
cmd_report(const struct options *o, char **args, int nargs)
{
	struct kb *kb = NULL;
	struct diagnosis *d = NULL;
	struct fix_plan *plan = NULL;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	int rc;

	if (nargs != 1)
		return usage_error("report: give one saved diagnosis (FILE.json)");
	if (o->fix_mode_set)
		return usage_error("report: --dry-run, --apply and --undo are for fix");
	if ((rc = load_saved(o, "report", args[0], &kb, &d, &plan)) != 0)
		;
	else if (render_report(d, plan, o->format, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_INTERNAL;
	} else if (emit(o, &out) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = d->nincidents || plan->nedits ? EXIT_FOUND : EXIT_NOTHING;
	buf_free(&out);
	fix_plan_free(plan);
	diag_free(d);
	kb_free(kb);
	return rc;
}

/* kbdiag fix FILE.json [--dry-run|--apply|--undo] */
static int
cmd_fix(const struct options *o, char **args, int nargs)
{
	struct kb *kb = NULL;
	struct diagnosis *d = NULL;
	struct fix_plan *plan = NULL;
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	int rc;

	if (o->fix_mode != FIX_UNDO && nargs != 1)
		return usage_error("fix: give one saved diagnosis (FILE.json)");
	if (o->fix_mode == FIX_UNDO && nargs > 1)
		return usage_error("fix: --undo takes at most one saved diagnosis");
	if (o->fix_mode != FIX_DRY_RUN && o->probe.dos_root == NULL)
		return usage_error("fix: --%s needs --dos-root DIR", o->fix_mode == FIX_APPLY ?
		    "apply" : "undo");
	if (o->fix_mode == FIX_UNDO) {
		/* The journal says what to restore: the diagnosis is not needed. */
		rc = fix_undo(o->probe.dos_root, &out, err);
		if (rc < 0) {
			fputs(buf_str(&out), stdout);	/* what changed since --apply */
			fprintf(stderr, "kbdiag: %s\n", err);
			rc = EXIT_BADINPUT;
		} else if (emit(o, &out) != 0)
			rc = EXIT_BADINPUT;
		else
			rc = rc == 0 ? EXIT_FOUND : EXIT_NOTHING;
		buf_free(&out);
		return rc;
	}
	if ((rc = load_saved(o, "fix", args[0], &kb, &d, &plan)) != 0)
		;
	else if (o->fix_mode == FIX_DRY_RUN || plan->nedits == 0) {
		if (render_fix_plan(plan, o->format, &out, err) != 0) {
			fprintf(stderr, "kbdiag: %s\n", err);
			rc = EXIT_INTERNAL;
		} else if (emit(o, &out) != 0)
			rc = EXIT_BADINPUT;
		else
			rc = plan->nedits ? EXIT_FOUND : EXIT_NOTHING;
	} else {
		size_t i;

		for (i = 0; i < plan->nwarnings; i++)
			fprintf(stderr, "kbdiag: warning: %s\n", plan->warnings[i]);
		for (i = 0; i < plan->nedits; i++)
			buf_puts(&out, plan->edits[i].diff);
		if (fix_apply(plan, o->probe.dos_root, &out, err) != 0) {
			fprintf(stderr, "kbdiag: %s\n", err);
			rc = EXIT_BADINPUT;
		} else if (emit(o, &out) != 0)
			rc = EXIT_BADINPUT;
		else
			rc = EXIT_FOUND;
	}
	buf_free(&out);
	fix_plan_free(plan);
	diag_free(d);
	kb_free(kb);
	return rc;
}

/* Replace path by out (file_replace(): atomically, mode kept). */
static int
replace_file(const char *path, const struct buf *out, char err[ERR_LEN])
{
	return file_replace(path, buf_str(out), out->len, err);
}

/* kbdiag verify FILE.json [--watch LOG --for DURATION] */
static int
cmd_verify(const struct options *o, char **args, int nargs)
{
	struct verify_params vp;
	const struct diag_history *entry;
	struct diagnosis *d = NULL;
	struct buf out = BUF_INIT, saved = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	struct sigaction sa;
	char err[ERR_LEN];
	int rc, recorded = 0;

	if (nargs != 1)
		return usage_error("verify needs one saved diagnosis (FILE.json)");
	if (o->fix_mode_set && o->fix_mode != FIX_DRY_RUN)
		return usage_error("options '--apply' and '--undo': for fix, not verify");
	if (o->watch != NULL && !o->has_for)
		return usage_error("option '--watch': give --for DURATION too (for example --for 10m)");
	if (o->watch == NULL && o->has_for)
		return usage_error("option '--for': give --watch LOG too");
	if ((rc = open_kb(o, 0, &kb, o->watch ? &m : NULL)) != 0)
		return rc;
	if ((rc = saved_load(args[0], "verify", kb, &d, err)) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = rc == REPLAY_OOM ? EXIT_INTERNAL : EXIT_BADINPUT;
		goto out;
	}
	memset(&vp, 0, sizeof(vp));
	vp.kb = kb;
	vp.matcher = m;
	vp.probe = o->probe;
	vp.probe.offline = o->offline;
	if (o->have_smarthost) {
		vp.smarthost = o->smarthost;
		vp.smarthost_port = o->smarthost_port;
	}
	vp.watch = o->watch;
	vp.watch_ms = o->watch_ms;
	vp.reader = o->reader;
	vp.stop = &follow_stop;
	vp.on_notice = follow_notice;	/* progress, unless -q */
	vp.arg = (void *)o;
	/* Ctrl-C ends the watch early; the verdict is still given. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = follow_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (verify_run(d, &vp, &entry, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_BADINPUT;
		goto out;
	}
	/* The diagnosis as read, and one more entry of history. */
	if (!o->fix_mode_set) {
		if (render_diagnosis(d, RENDER_JSON, &saved, err) != 0 ||
		    replace_file(args[0], &saved, err) != 0)
			fprintf(stderr, "kbdiag: the outcome is not recorded: %s\n", err);
		else
			recorded = 1;
	}
	if (render_verify(entry, recorded ? args[0] : NULL, o->format, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_INTERNAL;
	} else if (emit(o, &out) != 0 || (!o->fix_mode_set && !recorded))
		rc = EXIT_BADINPUT;
	else
		rc = strcmp(entry->outcome, VERIFY_FIXED) == 0 ? EXIT_FOUND : EXIT_NOTHING;
out:
	buf_free(&out);
	buf_free(&saved);
	diag_free(d);
	match_free(m);
	kb_free(kb);
	return rc;
}

/* ---------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	enum { OPT_KB = 256, OPT_SMARTHOST, OPT_OFFLINE, OPT_KEEP_GOING, OPT_SYNTAX,
	    OPT_INPUT_FORMAT, OPT_FOLLOW, OPT_DATE, OPT_SINCE, OPT_UNTIL, OPT_TOP,
	    OPT_EXPLAIN, OPT_REPLAY, OPT_TIMEOUT, OPT_ROUND_TIMEOUT, OPT_DOS_ROOT, OPT_DNS_SERVER, OPT_HELO,
	    OPT_RESEND_FROM, OPT_RESEND_TO, OPT_DRY_RUN, OPT_APPLY, OPT_UNDO, OPT_WATCH,
	    OPT_FOR, OPT_PROBE_MAX, OPT_PROBE, OPT_PROBE_WINDOW, OPT_OBSERVE, OPT_ANSWERS,
	    OPT_ASK };
	static const struct option longopts[] = {
		{ "kb", required_argument, NULL, OPT_KB },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "smarthost", required_argument, NULL, OPT_SMARTHOST },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "probe", no_argument, NULL, OPT_PROBE },
		{ "probe-window", required_argument, NULL, OPT_PROBE_WINDOW },
		{ "observe", required_argument, NULL, OPT_OBSERVE },
		{ "answers", required_argument, NULL, OPT_ANSWERS },
		{ "ask", no_argument, NULL, OPT_ASK },
		{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
		{ "syntax", required_argument, NULL, OPT_SYNTAX },
		{ "input-format", required_argument, NULL, OPT_INPUT_FORMAT },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "round-timeout", required_argument, NULL, OPT_ROUND_TIMEOUT },
		{ "probe-max", required_argument, NULL, OPT_PROBE_MAX },
		{ "dos-root", required_argument, NULL, OPT_DOS_ROOT },
		{ "dns-server", required_argument, NULL, OPT_DNS_SERVER },
		{ "helo", required_argument, NULL, OPT_HELO },
		{ "resend-from", required_argument, NULL, OPT_RESEND_FROM },
		{ "resend-to", required_argument, NULL, OPT_RESEND_TO },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "apply", no_argument, NULL, OPT_APPLY },
		{ "undo", no_argument, NULL, OPT_UNDO },
		{ "watch", required_argument, NULL, OPT_WATCH },
		{ "for", required_argument, NULL, OPT_FOR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	/* ':' first: getopt says nothing, and usage_error() words each problem */
	static const char shortopts[] = ":f:o:qhV";
	struct options o;
	char err[ERR_LEN];
	const char *cmd;
	int c;

	memset(&o, 0, sizeof(o));
	o.format = RENDER_TEXT;
	/* getopt names the program by argv[0]: "kbdiag", not its path. */
	argv[0] = "kbdiag";
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_KB:
			if (optarg[0] == '\0')
				return usage_error("option '--kb': give a directory");
			o.kb_dir = optarg;
			break;
		case 'f':
			if (render_format_parse(optarg, &o.format, err) != 0)
				return usage_error("option '--format': %s", err);
			o.format_set = 1;
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_SMARTHOST:
			if (peer_parse(optarg, PEER_SMTP_PORT, o.smarthost, &o.smarthost_port,
			    err) != 0)
				return usage_error("option '--smarthost': %s", err);
			o.have_smarthost = 1;
			break;
		case OPT_OFFLINE:
			o.offline = 1;
			break;
		case OPT_PROBE:
			o.probe_always = 1;
			break;
		case OPT_OBSERVE:
			if (o.nobserve == OBSERVE_MAX)
				return usage_error("option '--observe': at most %d; --answers FILE "
				    "takes any number", OBSERVE_MAX);
			o.observe[o.nobserve++] = optarg;
			break;
		case OPT_ANSWERS:
			o.answers = optarg;
			break;
		case OPT_ASK:
			o.ask = 1;
			break;
		case OPT_PROBE_WINDOW: {
			unsigned long long ms;

			if (duration_parse(optarg, 1000, 1000, 366ULL * 86400 * 1000, &ms, err) != 0)
				return usage_error("option '--probe-window': %s", err);
			o.probe_window = (unsigned)(ms / 1000);
			break;
		}
		case OPT_KEEP_GOING:
			o.keep_going = 1;
			break;
		case OPT_INPUT_FORMAT:
			if (reader_format_parse(optarg, &o.reader.format) != 0)
				return usage_error("option '--input-format': '%s' is not auto, legacy, "
				    "ndjson, syslog or text", optarg);
			break;
		case OPT_FOLLOW:
			o.reader.follow = 1;
			break;
		case OPT_TOP: {
			unsigned long n;

			if (parse_count(optarg, 1000, &n) != 0)
				return usage_error("option '--top': '%s' is not a number from 1 to 1000",
				    optarg);
			o.top = (size_t)n;
			break;
		}
		case OPT_REPLAY:
			o.replay = optarg;
			break;
		case OPT_EXPLAIN:
			o.explain = 1;
			break;
		case OPT_TIMEOUT:
		case OPT_ROUND_TIMEOUT: {
			unsigned long long ms;

			/* a bare number is milliseconds, as it always was */
			if (duration_parse(optarg, 1, 1, c == OPT_TIMEOUT ? 600000 : 3600000,
			    &ms, err) != 0)
				return usage_error("option '--%s': %s", c == OPT_TIMEOUT ?
				    "timeout" : "round-timeout", err);
			if (c == OPT_TIMEOUT)
				o.probe.timeout_ms = (unsigned)ms;
			else
				o.probe.round_timeout_ms = (unsigned)ms;
			break;
		}
		case OPT_PROBE_MAX: {
			unsigned long n;

			if (parse_count(optarg, 10000, &n) != 0)
				return usage_error("--probe-max: '%s' is not a number of smart "
				    "hosts from 1 to 10000", optarg);
			o.probe.max_hosts = (unsigned)n;
			break;
		}
		case OPT_DOS_ROOT:
			o.probe.dos_root = optarg;
			break;
		case OPT_DNS_SERVER:
			o.probe.dns_server = optarg;
			break;
		case OPT_HELO:
			o.probe.helo_name = optarg;
			break;
		case OPT_RESEND_FROM:
			o.probe.resend_from = optarg;
			break;
		case OPT_RESEND_TO:
			o.probe.resend_to = optarg;
			break;
		case OPT_DATE:
			if (parse_log_time(optarg, 1, &o.reader.date) != 0)
				return usage_error("option '--date': '%s' is not a date (YYYY-MM-DD)",
				    optarg);
			o.reader.has_date = 1;
			/* Year-less syslog stamps are dated at or before its end. */
			o.reader.has_anchor = 1;
			o.reader.anchor = o.reader.date + 86399;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_log_time(optarg, 0, c == OPT_SINCE ? &o.since : &o.until) != 0)
				return usage_error("option '--%s': '%s' is not a time "
				    "(YYYY-MM-DD[THH:MM[:SS]])", c == OPT_SINCE ? "since" :
				    "until", optarg);
			if (c == OPT_SINCE)
				o.has_since = 1;
			else {
				o.has_until = 1;
				if (strlen(optarg) == 10)	/* all of that day */
					o.until += LOGTIME_DAY - 1;
			}
			break;
		case OPT_SYNTAX:
			if (strcmp(optarg, "pcre") != 0 && strcmp(optarg, "ere") != 0)
				return usage_error("option '--syntax': '%s' is not pcre or ere", optarg);
			o.ere = strcmp(optarg, "ere") == 0;
			break;
		case OPT_DRY_RUN:
		case OPT_APPLY:
		case OPT_UNDO:
			if (o.fix_mode_set)
				return usage_error("fix: give one of --dry-run, --apply and --undo");
			o.fix_mode = c == OPT_APPLY ? FIX_APPLY : c == OPT_UNDO ? FIX_UNDO :
			    FIX_DRY_RUN;
			o.fix_mode_set = 1;
			break;
		case OPT_WATCH:
			if (optarg[0] == '\0' || strcmp(optarg, "-") == 0)
				return usage_error("option '--watch': give a log file to follow");
			o.watch = optarg;
			break;
		case OPT_FOR:
			/* a bare number is seconds; at most a day */
			if (duration_parse(optarg, 1000, 1, 24ULL * 3600 * 1000, &o.watch_ms,
			    err) != 0)
				return usage_error("option '--for': %s", err);
			o.has_for = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return info_done();
		case 'V':
			printf("kbdiag %s\n", KBDIAG_VERSION);
			return info_done();
		case ':':
		case '?':
			return bad_option(longopts, argv[optind - 1], c == ':');
		default:
			return usage_error("option '%s': not handled", argv[optind - 1]);
		}
	}
	/* -o report.html: the file's extension says the format, unless --format did */
	if (o.output != NULL && !o.format_set)
		output_format(o.output, &o.format);
	if (o.has_since && o.has_until && o.since > o.until)
		return usage_error("option '--since': later than --until: no line could be in both");
	if (optind >= argc)
		return usage_error("no command given: use diagnose, query, report, fix, verify, "
		    "probe or kb");
	cmd = argv[optind++];
	if (strcmp(cmd, "diagnose") == 0)
		return cmd_diagnose(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "query") == 0)
		return cmd_query(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "kb") == 0)
		return cmd_kb(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "fix") == 0)
		return cmd_fix(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return info_done();
	}
	return usage_error("unknown command '%s': use diagnose, query, report, fix, verify, "
	    "probe or kb", cmd);
}
