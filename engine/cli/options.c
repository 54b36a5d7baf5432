/*
 * options: kbdiag's options (see cli.h), read with getopt_long; each
 * problem worded by usage.c, each option's help in cli_options_help.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/usage.h"
#include "config.h"	/* KBDIAG_VERSION: written by make */
#include "logtime.h"
#include "util/duration.h"

const char cli_options_help[] =
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
"                           syslog (journalctl's short forms too), journal\n"
"                           (journalctl -o json, json-seq, export), docker\n"
"                           (json-file, docker logs --timestamps) or text\n"
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
"  -V, --version          show the version and exit\n";

/* A whole number from 1 to max, digits only: 0 and *n, or -1. */
static int
parse_count(const char *arg, unsigned long max, unsigned long *n)
{
	char *end;

	errno = 0;
	*n = strtoul(arg, &end, 10);
	return errno || end == arg || *end || arg[0] == '-' || *n == 0 || *n > max ? -1 : 0;
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

/* getopt's codes of the long options that have no short one */
enum { OPT_KB = 256, OPT_SMARTHOST, OPT_OFFLINE, OPT_KEEP_GOING, OPT_SYNTAX,
    OPT_INPUT_FORMAT, OPT_FOLLOW, OPT_DATE, OPT_SINCE, OPT_UNTIL, OPT_TOP,
    OPT_EXPLAIN, OPT_REPLAY, OPT_TIMEOUT, OPT_ROUND_TIMEOUT, OPT_DOS_ROOT, OPT_DNS_SERVER,
    OPT_HELO, OPT_RESEND_FROM, OPT_RESEND_TO, OPT_DRY_RUN, OPT_APPLY, OPT_UNDO, OPT_WATCH,
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
/* ':' first: getopt says nothing, and usage.c words each problem */
static const char shortopts[] = ":f:o:qhV";

/*
 * The options that only set a flag or keep their value as given, by
 * getopt's code: the others are read by the switch in cli_options().
 */
static const struct {
	int		 val;
	enum { FLAG, TEXT } kind;	/* int set to 1; const char * set to optarg */
	size_t		 offset;	/* in struct options */
} plain[] = {
	{ 'o', TEXT, offsetof(struct options, output) },
	{ OPT_OFFLINE, FLAG, offsetof(struct options, offline) },
	{ OPT_PROBE, FLAG, offsetof(struct options, probe_always) },
	{ OPT_ANSWERS, TEXT, offsetof(struct options, answers) },
	{ OPT_ASK, FLAG, offsetof(struct options, ask) },
	{ OPT_KEEP_GOING, FLAG, offsetof(struct options, keep_going) },
	{ OPT_FOLLOW, FLAG, offsetof(struct options, reader.follow) },
	{ OPT_REPLAY, TEXT, offsetof(struct options, replay) },
	{ OPT_EXPLAIN, FLAG, offsetof(struct options, explain) },
	{ OPT_DOS_ROOT, TEXT, offsetof(struct options, probe.dos_root) },
	{ OPT_DNS_SERVER, TEXT, offsetof(struct options, probe.dns_server) },
	{ OPT_HELO, TEXT, offsetof(struct options, probe.helo_name) },
	{ OPT_RESEND_FROM, TEXT, offsetof(struct options, probe.resend_from) },
	{ OPT_RESEND_TO, TEXT, offsetof(struct options, probe.resend_to) },
	{ 'q', FLAG, offsetof(struct options, quiet) },
};

/* Option c when it is a plain one (a flag, a value kept as given): 1, else 0. */
static int
take_plain(struct options *o, int c)
{
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (plain[i].val != c)
			continue;
		if (plain[i].kind == FLAG)
			*(int *)(void *)((char *)o + plain[i].offset) = 1;
		else
			*(const char **)(void *)((char *)o + plain[i].offset) = optarg;
		return 1;
	}
	return 0;
}

int
cli_options(int argc, char **argv, struct options *o)
{
	char err[ERR_LEN];
	int c;

	memset(o, 0, sizeof(*o));
	o->format = RENDER_TEXT;
	/* getopt names the program by argv[0]: "kbdiag", not its path. */
	argv[0] = "kbdiag";
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (take_plain(o, c))
			continue;
		switch (c) {
		case OPT_KB:
			if (optarg[0] == '\0')
				return cli_usage_error("option '--kb': give a directory");
			o->kb_dir = optarg;
			break;
		case 'f':
			if (render_format_parse(optarg, &o->format, err) != 0)
				return cli_usage_error("option '--format': %s", err);
			o->format_set = 1;
			break;
		case OPT_SMARTHOST:
			if (peer_parse(optarg, PEER_SMTP_PORT, o->smarthost, &o->smarthost_port,
			    err) != 0)
				return cli_usage_error("option '--smarthost': %s", err);
			o->have_smarthost = 1;
			break;
		case OPT_OBSERVE:
			if (o->nobserve == OBSERVE_MAX)
				return cli_usage_error("option '--observe': at most %d; --answers "
				    "FILE takes any number", OBSERVE_MAX);
			o->observe[o->nobserve++] = optarg;
			break;
		case OPT_PROBE_WINDOW: {
			unsigned long long ms;

			if (duration_parse(optarg, 1000, 1000, 366ULL * 86400 * 1000, &ms, err) != 0)
				return cli_usage_error("option '--probe-window': %s", err);
			o->probe_window = (unsigned)(ms / 1000);
			break;
		}
		case OPT_INPUT_FORMAT:
			if (reader_format_parse(optarg, &o->reader.format) != 0)
				return cli_usage_error("option '--input-format': '%s' is not auto, "
				    "legacy, ndjson, syslog, journal, docker or text", optarg);
			break;
		case OPT_TOP: {
			unsigned long n;

			if (parse_count(optarg, 1000, &n) != 0)
				return cli_usage_error("option '--top': '%s' is not a number from 1 "
				    "to 1000", optarg);
			o->top = (size_t)n;
			break;
		}
		case OPT_TIMEOUT:
		case OPT_ROUND_TIMEOUT: {
			unsigned long long ms;

			/* a bare number is milliseconds, as it always was */
			if (duration_parse(optarg, 1, 1, c == OPT_TIMEOUT ? 600000 : 3600000,
			    &ms, err) != 0)
				return cli_usage_error("option '--%s': %s", c == OPT_TIMEOUT ?
				    "timeout" : "round-timeout", err);
			if (c == OPT_TIMEOUT)
				o->probe.timeout_ms = (unsigned)ms;
			else
				o->probe.round_timeout_ms = (unsigned)ms;
			break;
		}
		case OPT_PROBE_MAX: {
			unsigned long n;

			if (parse_count(optarg, 10000, &n) != 0)
				return cli_usage_error("--probe-max: '%s' is not a number of smart "
				    "hosts from 1 to 10000", optarg);
			o->probe.max_hosts = (unsigned)n;
			break;
		}
		case OPT_DATE:
			if (parse_log_time(optarg, 1, &o->reader.date) != 0)
				return cli_usage_error("option '--date': '%s' is not a date "
				    "(YYYY-MM-DD)", optarg);
			o->reader.has_date = 1;
			/* Year-less syslog stamps are dated at or before its end. */
			o->reader.has_anchor = 1;
			o->reader.anchor = o->reader.date + 86399;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			if (parse_log_time(optarg, 0, c == OPT_SINCE ? &o->since : &o->until) != 0)
				return cli_usage_error("option '--%s': '%s' is not a time "
				    "(YYYY-MM-DD[THH:MM[:SS]])", c == OPT_SINCE ? "since" :
				    "until", optarg);
			if (c == OPT_SINCE)
				o->has_since = 1;
			else {
				o->has_until = 1;
				if (strlen(optarg) == 10)	/* all of that day */
					o->until += LOGTIME_DAY - 1;
			}
			break;
		case OPT_SYNTAX:
			if (strcmp(optarg, "pcre") != 0 && strcmp(optarg, "ere") != 0)
				return cli_usage_error("option '--syntax': '%s' is not pcre or ere",
				    optarg);
			o->ere = strcmp(optarg, "ere") == 0;
			break;
		case OPT_DRY_RUN:
		case OPT_APPLY:
		case OPT_UNDO:
			if (o->fix_mode_set)
				return cli_usage_error("fix: give one of --dry-run, --apply and "
				    "--undo");
			o->fix_mode = c == OPT_APPLY ? FIX_APPLY : c == OPT_UNDO ? FIX_UNDO :
			    FIX_DRY_RUN;
			o->fix_mode_set = 1;
			break;
		case OPT_WATCH:
			if (optarg[0] == '\0' || strcmp(optarg, "-") == 0)
				return cli_usage_error("option '--watch': give a log file to "
				    "follow");
			o->watch = optarg;
			break;
		case OPT_FOR:
			/* a bare number is seconds; at most a day */
			if (duration_parse(optarg, 1000, 1, 24ULL * 3600 * 1000, &o->watch_ms,
			    err) != 0)
				return cli_usage_error("option '--for': %s", err);
			o->has_for = 1;
			break;
		case 'h':
			cli_usage(stdout);
			return cli_info_done();
		case 'V':
			printf("kbdiag %s\n", KBDIAG_VERSION);
			return cli_info_done();
		case ':':
		case '?':
			usage_bad_option("kbdiag", longopts, argv[optind - 1], c == ':');
			return EXIT_USAGE;
		default:
			return cli_usage_error("option '%s': not handled", argv[optind - 1]);
		}
	}
	/* -o report.html: the file's extension says the format, unless --format did */
	if (o->output != NULL && !o->format_set)
		output_format(o->output, &o->format);
	if (o->has_since && o->has_until && o->since > o->until)
		return cli_usage_error("option '--since': later than --until: no line could be "
		    "in both");
	return CLI_RUN;
}
