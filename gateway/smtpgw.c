/*
 * smtpgw: the store-and-forward SMTP gateway (man smtpgw, docs/smtpgw.md).
 * main() parses options and maps errors to exit codes; the work is in
 * spool.c, relay.c, runner.c and gwlog.c.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/clock.h"
#include "cli/usage.h"
#include "config.h"
#include "util/duration.h"
#include "util/fileio.h"
#include "gwdiag.h"
#include "gwlog.h"
#include "helo.h"
#include "listener.h"
#include "msg.h"
#include "util/peer.h"
#include "probe.h"
#include "runner.h"
#include "smtpd.h"
#include "spool.h"
#include "util/text.h"
#include "smtp/transport.h"
#include "util/xmem.h"

/* Exit codes (docs/smtpgw.1). */
enum {
	EXIT_OK = 0,
	EXIT_LEFT = 1,		/* run/flush: a message was not delivered */
	EXIT_USAGE = 2,
	EXIT_BADINPUT = 3,	/* unreadable spool, bad message */
	EXIT_INTERNAL = 4
};

struct options {
	const char	*cmd;
	const char	*spool;
	char		 host[PEER_HOST_MAX];
	unsigned	 port;
	int		 have_smarthost;
	const char	*listen;
	const char	*log;
	const char	*events;
	const char	*from;
	const char	*helo;		/* --helo NAME, or NULL: helo.h */
	const char	*format;
	int		 once;
	int		 from_headers;	/* -t */
	int		 verbose;
	unsigned	 retries;	/* -Q */
	unsigned	 retry_wait_s;	/* -W, in whole seconds (the spool's unit) */
	unsigned	 timeout_ms;	/* replies; the listener's idle clients */
	unsigned	 connect_timeout_ms;
	unsigned	 data_timeout_ms;
	unsigned	 concurrency;	/* sessions to the smart host at once */
	unsigned	 max_size;	/* listener and submit: bytes */
	unsigned	 max_sessions;	/* listener: sessions at once */
	unsigned	 max_client_sessions;	/* listener: from one address */
	int		 bare_lf;	/* listener: enum smtpd_bare_lf */
	int		 diagnose;	/* --diagnose: 1 offline, 2 probe */
	const char	*dos_root;	/* --dos-root DIR (probe) */
	unsigned	 probe_timeout_ms;	/* --probe-timeout */
	unsigned	 probe_quiet;	/* --probe-quiet: seconds */
	int		 probe_quiet_set;
	const char	*reports;	/* --reports DIR */
	const char	*kb_dir;	/* --kb DIR */
	char		**args;
	int		 nargs;
};

/* Sessions to the smart host at once unless --concurrency says (docs/smtpgw.md). */
#define DEFAULT_CONCURRENCY	5

/* How long the children of run --listen get to end after SIGTERM. */
#define STOP_GRACE_MS		1500
/* What dead writers left in tmp/ is looked for this often, and must be this old. */
#define CLEAN_TMP_EVERY_S	600
#define CLEAN_TMP_AGE_S		60

static volatile sig_atomic_t stop;
/* The self-pipe that wakes the supervisor of run --listen (signals), written
 * by the handler only in that process (its children inherit the handler). */
static int sig_pipe[2] = { -1, -1 };
static pid_t sig_owner;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD)
		stop = 1;
	if (sig_pipe[1] >= 0 && getpid() == sig_owner)
		(void)!write(sig_pipe[1], "s", 1);
	errno = saved;
}

/*
 * A message to standard error through the sanitiser (text.h): errors can
 * name a spool file's contents (an id, a recipient) and go to a terminal.
 */
static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	struct buf msg = BUF_INIT, safe = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	text_escape(&safe, buf_str(&msg), msg.len);
	buf_putc(&safe, '\n');
	fputs(buf_str(&safe), stderr);
	buf_free(&msg);
	buf_free(&safe);
}

/* s made safe for a terminal or JSON (text.h); caller frees. */
static char *
safe_text(const char *s)
{
	struct buf b = BUF_INIT;

	text_escape(&b, s ? s : "", s ? strlen(s) : 0);
	return buf_detach(&b);
}

static void
usage(FILE *f)
{
	fputs("usage: smtpgw submit --spool DIR [-f FROM] [-t] [--max-size BYTES] [RCPT...] < MESSAGE\n"
	    "       smtpgw run --spool DIR --smarthost HOST[:PORT] [--once | --listen ADDR:PORT]\n"
	    "                  [--concurrency N] [--log FILE] [--events FILE] [-v]\n"
	    "                  [-Q COUNT] [-W DURATION]\n"
	    "       smtpgw queue --spool DIR [--format text|json]\n"
	    "       smtpgw flush --spool DIR [--smarthost HOST[:PORT]] [--concurrency N] [ID]\n"
	    "delivery: --concurrency N (sessions to the smart host at once, 5),\n"
	    "         --helo NAME (the host's fully qualified name),\n"
	    "         -Q/--retries COUNT (180), -W/--retry-wait DURATION (2m)\n"
	    "durations: 500ms, 30s, 2m, 1h; a bare number is in seconds, or for\n"
	    "         --probe-timeout in milliseconds:\n"
	    "         --timeout (replies, 5m), --connect-timeout (30s), --data-timeout (10m),\n"
	    "         --probe-timeout (5s)\n"
	    "diagnosis: --diagnose[=offline|probe], --reports DIR (SPOOL/reports), --kb DIR,\n"
	    "         --dos-root DIR (probe), --probe-quiet DURATION (a smart host probed,\n"
	    "         and a failure reported, once per quiet period: 10m; 0 each time)\n"
	    "listener: --listen ADDR:PORT (PORT 0: a free port, printed and logged),\n"
	    "         --max-sessions N (100), --max-client-sessions N (50),\n"
	    "         --bare-lf reject|normalize (reject), --max-size BYTES (53477376;\n"
	    "         submit too)\n"
	    "logging: --log FILE (the legacy text log), --events FILE (NDJSON),\n"
	    "         -v (and the SMTP transcript), -vv (and the relay's state moves)\n"
	    "See man smtpgw.\n",
	    f);
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One wording for every usage error, kbdiag's (engine/cli/usage.h). */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("smtpgw", fmt, ap);
	va_end(ap);
	return -1;
}

/* A whole number from min to max for option name: 0, or -1 said. */
static int
parse_uint(const char *s, unsigned min, unsigned max, unsigned *out, const char *name)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return usage_error("option '%s': '%s' is not a number from %u to %u", name, s, min,
		    max);
	*out = (unsigned)v;
	return 0;
}

/* A duration for option name (engine/util/duration.h): a bare number is bare_ms
 * milliseconds per unit. 0, or -1 said. */
static int
parse_ms(const char *s, unsigned long bare_ms, unsigned long long min, unsigned long long max,
    unsigned *out, const char *name)
{
	unsigned long long ms;
	char err[ERR_LEN];

	if (duration_parse(s, bare_ms, min, max, &ms, err) != 0)
		return usage_error("option '%s': %s", name, err);
	*out = (unsigned)ms;
	return 0;
}

#define HOUR_MS		(60ULL * 60 * 1000)

static int
parse_options(int argc, char **argv, struct options *o)
{
	enum { O_SPOOL = 256, O_SMARTHOST, O_LISTEN, O_LOG, O_EVENTS, O_ONCE, O_HELO,
	    O_FORMAT, O_TIMEOUT, O_CTIMEOUT, O_DTIMEOUT, O_MAXSIZE, O_DIAGNOSE, O_REPORTS,
	    O_KB, O_DOSROOT, O_PTIMEOUT, O_MAXSESS, O_MAXCLIENT, O_BARELF, O_CONCURRENCY, O_PQUIET };
	static const struct option longs[] = {
		{ "spool", required_argument, NULL, O_SPOOL },
		{ "smarthost", required_argument, NULL, O_SMARTHOST },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "log", required_argument, NULL, O_LOG },
		{ "events", required_argument, NULL, O_EVENTS },
		{ "once", no_argument, NULL, O_ONCE },
		{ "helo", required_argument, NULL, O_HELO },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "connect-timeout", required_argument, NULL, O_CTIMEOUT },
		{ "data-timeout", required_argument, NULL, O_DTIMEOUT },
		{ "concurrency", required_argument, NULL, O_CONCURRENCY },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "diagnose", optional_argument, NULL, O_DIAGNOSE },
		{ "reports", required_argument, NULL, O_REPORTS },
		{ "kb", required_argument, NULL, O_KB },
		{ "dos-root", required_argument, NULL, O_DOSROOT },
		{ "probe-timeout", required_argument, NULL, O_PTIMEOUT },
		{ "probe-quiet", required_argument, NULL, O_PQUIET },
		{ "max-sessions", required_argument, NULL, O_MAXSESS },
		{ "max-client-sessions", required_argument, NULL, O_MAXCLIENT },
		{ "bare-lf", required_argument, NULL, O_BARELF },
		{ "retries", required_argument, NULL, 'Q' },
		{ "retry-wait", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char err[ERR_LEN];
	unsigned ms;
	int c;

	memset(o, 0, sizeof(*o));
	o->retries = 180;
	o->retry_wait_s = 120;
	o->timeout_ms = 300 * 1000;
	o->connect_timeout_ms = 30 * 1000;
	o->data_timeout_ms = 600 * 1000;
	o->concurrency = DEFAULT_CONCURRENCY;
	o->max_size = 52428800 + 1048576;	/* 50 MB of message, with room for encoding */
	o->max_sessions = 100;
	o->max_client_sessions = 50;	/* half, as Postfix's smtpd_client_connection_count_limit */
	o->bare_lf = SMTPD_BARE_LF_REJECT;
	o->format = "text";
	if (argc < 2)
		return usage_error("no command given: use submit, run, queue or flush");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		exit(EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("smtpgw %s\n", KBDIAG_VERSION);
		exit(EXIT_OK);
	}
	o->cmd = argv[1];
	if (strcmp(o->cmd, "submit") && strcmp(o->cmd, "run") && strcmp(o->cmd, "queue") &&
	    strcmp(o->cmd, "flush"))
		return usage_error("unknown command '%s': use submit, run, queue or flush", o->cmd);
	optind = 2;
	opterr = 0;	/* usage_bad_option() words getopt's complaints */
	while ((c = getopt_long(argc, argv, ":f:tvQ:W:h", longs, NULL)) != -1) {
		switch (c) {
		case O_SPOOL: o->spool = optarg; break;
		case O_SMARTHOST:
			if (peer_parse(optarg, PEER_SMTP_PORT, o->host, &o->port, err) != 0)
				return usage_error("option '--smarthost': %s", err);
			o->have_smarthost = 1;
			break;
		case O_LISTEN: o->listen = optarg; break;
		case O_LOG: o->log = optarg; break;
		case O_EVENTS: o->events = optarg; break;
		case O_ONCE: o->once = 1; break;
		case O_HELO:
			if (!helo_valid(optarg))
				return usage_error("option '--helo': '%s' is not a host name (or an "
				    "address literal such as [192.0.2.1])", optarg);
			o->helo = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return usage_error("option '--format': '%s' is not text or json",
				    optarg);
			o->format = optarg;
			break;
		/* durations: a bare number keeps the unit the option always had */
		case O_TIMEOUT:
			if (parse_ms(optarg, 1000, 1, 24 * HOUR_MS, &o->timeout_ms, "--timeout"))
				return -1;
			break;
		case O_CTIMEOUT:
			if (parse_ms(optarg, 1000, 1, 24 * HOUR_MS, &o->connect_timeout_ms,
			    "--connect-timeout"))
				return -1;
			break;
		case O_DTIMEOUT:
			if (parse_ms(optarg, 1000, 1, 24 * HOUR_MS, &o->data_timeout_ms,
			    "--data-timeout"))
				return -1;
			break;
		case O_PTIMEOUT:
			if (parse_ms(optarg, 1, 1, 600000, &o->probe_timeout_ms, "--probe-timeout"))
				return -1;
			break;
		case 'W':
			if (parse_ms(optarg, 1000, 0, 7 * 24 * HOUR_MS, &ms, "--retry-wait"))
				return -1;
			o->retry_wait_s = ms / 1000 + (ms % 1000 != 0);	/* whole seconds, up */
			break;
		case O_CONCURRENCY:
			if (parse_uint(optarg, 1, RUNNER_SESSIONS_MAX, &o->concurrency,
			    "--concurrency"))
				return -1;
			break;
		case O_DIAGNOSE:
			if (optarg != NULL && strcmp(optarg, "offline") != 0 &&
			    strcmp(optarg, "probe") != 0)
				return usage_error("option '--diagnose': '%s' is not offline or probe",
				    optarg);
			o->diagnose = optarg != NULL && strcmp(optarg, "probe") == 0 ? 2 : 1;
			break;
		case O_DOSROOT: o->dos_root = optarg; break;
		case O_PQUIET: {
			unsigned long long qms;
			char why[ERR_LEN];

			if (strcmp(optarg, "0") == 0)
				qms = 0;
			else if (duration_parse(optarg, 1000, 1000, 24 * HOUR_MS, &qms, why) != 0)
				return usage_error("option '--probe-quiet': %s", why);
			o->probe_quiet = (unsigned)(qms / 1000);
			o->probe_quiet_set = 1;
			break;
		}
		case O_REPORTS: o->reports = optarg; break;
		case O_KB: o->kb_dir = optarg; break;
		case O_MAXSIZE:
			if (parse_uint(optarg, 1, 2000000000, &o->max_size, "--max-size"))
				return -1;
			break;
		case O_MAXSESS:
			if (parse_uint(optarg, 1, 100000, &o->max_sessions, "--max-sessions"))
				return -1;
			break;
		case O_MAXCLIENT:
			if (parse_uint(optarg, 1, 100000, &o->max_client_sessions,
			    "--max-client-sessions"))
				return -1;
			break;
		case O_BARELF:
			if ((o->bare_lf = smtpd_bare_lf_from_text(optarg)) < 0)
				return usage_error("option '--bare-lf': '%s' is not reject or normalize",
				    optarg);
			break;
		case 'Q':
			if (parse_uint(optarg, 1, 1000000, &o->retries, "--retries"))
				return -1;
			break;
		case 'f': o->from = optarg; break;
		case 't': o->from_headers = 1; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case ':':
		case '?':
			usage_bad_option("smtpgw", longs, argv[optind - 1], c == ':');
			return -1;
		default:
			return usage_error("option '%s': not handled", argv[optind - 1]);
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->spool == NULL)
		return usage_error("%s: --spool DIR is required", o->cmd);
	if (strcmp(o->cmd, "submit") == 0 && o->nargs == 0 && !o->from_headers)
		return usage_error("submit: no recipients (give them, or -t to take them from "
		    "the header)");
	if (strcmp(o->cmd, "run") == 0 && !o->have_smarthost)
		return usage_error("run: --smarthost HOST[:PORT] is required");
	if (o->listen != NULL && (strcmp(o->cmd, "run") != 0 || o->once))
		return usage_error("%s: --listen goes with run without --once", o->cmd);
	if (strcmp(o->cmd, "flush") == 0 && o->nargs > 1)
		return usage_error("flush: at most one ID");
	if (o->nargs > 0 && strcmp(o->cmd, "submit") != 0 && strcmp(o->cmd, "flush") != 0)
		return usage_error("%s: unexpected argument '%s'", o->cmd, o->args[0]);
	return 0;
}

/* The header is read whole for -t and Bcc:, at most this much of it. */
#define SUBMIT_HEADER_MAX	(1024 * 1024)
#define SUBMIT_CHUNK		65536

/* Where the header of m[0, n) ends (after its empty line), or 0 when the
 * empty line has not come yet. */
static size_t
header_end(const char *m, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(m + i, '\n', n - i);

		if (nl == NULL)
			return 0;
		if (nl == m + i || (nl == m + i + 1 && m[i] == '\r'))
			return (size_t)(nl - m) + 1;
		i = (size_t)(nl - m) + 1;
	}
	return 0;
}

/*
 * Read standard input until the header is complete (its empty line), it is
 * SUBMIT_HEADER_MAX long, or the input ends. *hlen: the header's bytes in
 * head (whole lines); what was read after it follows in head. -1: a read
 * error.
 */
static int
read_header(struct buf *head, size_t *hlen, int *eof)
{
	char chunk[SUBMIT_CHUNK];
	size_t n;

	*eof = 0;
	for (;;) {
		size_t end = header_end(head->data ? head->data : "", head->len);

		if (end > 0) {
			*hlen = end;
			return 0;
		}
		if (head->len >= SUBMIT_HEADER_MAX || *eof) {
			/* no empty line: whole lines of it are the header */
			const char *last = head->len ? memrchr(head->data, '\n', head->len) : NULL;

			*hlen = *eof || last == NULL ? head->len : (size_t)(last - head->data) + 1;
			return 0;
		}
		n = fread(chunk, 1, sizeof(chunk), stdin);
		if (n > 0)
			buf_append(head, chunk, n);
		else if (ferror(stdin))
			return -1;
		else
			*eof = 1;
	}
}

/* The wire form so far to the spool, when it is big enough (or at the end). */
static int
submit_flush(struct spool_writer *w, struct buf *wire, size_t max_size, int force,
    char err[ERR_LEN])
{
	if (wire->len == 0 || (!force && wire->len < SUBMIT_CHUNK))
		return 0;
	if (spool_writer_size(w) + wire->len > max_size) {
		errno = EFBIG;
		return err_set(err, "the message is larger than --max-size (%zu bytes)",
		    max_size);
	}
	if (spool_writer_write(w, wire->data, wire->len, err) != 0)
		return -1;
	buf_reset(wire);
	return 0;
}

/*
 * submit: the message streams from standard input to the spool in its wire
 * form; only the header is held (for -t and for removing Bcc:).
 */
static int
cmd_submit(const struct options *o, struct spool *s)
{
	struct buf head = BUF_INIT, wire = BUF_INIT;
	struct spool_wire_state ws;
	struct spool_writer *w = NULL;
	char err[ERR_LEN], id[SPOOL_ID_MAX], **rcpts = NULL, *stripped = NULL;
	char chunk[SUBMIT_CHUNK];
	size_t hlen, slen, n = 0, i, got;
	int eof, rc = EXIT_BADINPUT;

	if (read_header(&head, &hlen, &eof) != 0) {
		fprintf(stderr, "smtpgw: submit: cannot read the message: %s\n", strerror(errno));
		goto out;
	}
	if (o->from_headers)
		msg_recipients(head.data ? head.data : "", hlen, &rcpts, &n);
	for (i = 0; i < (size_t)o->nargs; i++) {
		rcpts = xrealloc(rcpts, (n + 1) * sizeof(*rcpts));
		rcpts[n++] = xstrdup(o->args[i]);
	}
	if (n == 0) {
		fputs("smtpgw: submit: -t: the header names no recipient (To:, Cc:, Bcc:)\n",
		    stderr);
		goto out;
	}
	if (spool_writer_open(s, o->from ? o->from : "", rcpts, n, &w, err) != 0) {
		say("smtpgw: submit: %s", err);
		goto out;
	}
	spool_wire_init(&ws);
	stripped = msg_strip_bcc(head.data ? head.data : "", hlen, &slen);
	spool_wire_feed(&ws, stripped, slen, &wire);
	spool_wire_feed(&ws, head.data ? head.data + hlen : "", head.len - hlen, &wire);
	buf_free(&head);
	if (submit_flush(w, &wire, o->max_size, 0, err) != 0)
		goto fail;
	while (!eof) {
		got = fread(chunk, 1, sizeof(chunk), stdin);
		if (got == 0) {
			if (ferror(stdin)) {
				err_set(err, "cannot read the message: %s", strerror(errno));
				goto fail;
			}
			break;
		}
		spool_wire_feed(&ws, chunk, got, &wire);
		if (submit_flush(w, &wire, o->max_size, 0, err) != 0)
			goto fail;
	}
	spool_wire_end(&ws, &wire);
	if (submit_flush(w, &wire, o->max_size, 1, err) != 0)
		goto fail;
	if (spool_writer_commit(w, id, err) != 0) {
		w = NULL;
		say("smtpgw: submit: %s", err);
		goto out;
	}
	w = NULL;
	printf("%s\n", id);
	rc = EXIT_OK;
	goto out;
fail:
	say("smtpgw: submit: %s", err);
out:
	spool_writer_abort(w);
	free(stripped);
	buf_free(&head);
	buf_free(&wire);
	msg_free_list(rcpts, n);
	return rc;
}

static void
print_bad(void *arg, const char *id, const char *why)
{
	(void)arg;
	say("smtpgw: moved %s to bad/: %s", id, why);
}

static void
fmt_time(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, n, "now");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
cmd_queue(const struct options *o, struct spool *s)
{
	struct spool_msg *list;
	char err[ERR_LEN], next[32];
	size_t n, i;
	long long now = (long long)time(NULL);

	if (spool_list(s, 1, &list, &n, print_bad, NULL, err) != 0) {
		say("smtpgw: queue: %s", err);
		return EXIT_BADINPUT;
	}
	/* what a spool file says goes to a terminal (or a JSON reader) only
	 * through the sanitiser: files can be damaged, or made by hand */
	if (strcmp(o->format, "json") == 0) {
		json_t *a = json_array();
		char *js;

		for (i = 0; i < n; i++) {
			json_t *m = json_object(), *r = json_array();
			char *id = safe_text(list[i].id), *from = safe_text(list[i].from);
			size_t k;

			json_object_set_new(m, "id", json_string(id));
			json_object_set_new(m, "state",
			    json_string(spool_state_to_text(list[i].state)));
			json_object_set_new(m, "created", json_integer(list[i].created));
			json_object_set_new(m, "age_s", json_integer(now - list[i].created));
			json_object_set_new(m, "attempts", json_integer(list[i].attempts));
			json_object_set_new(m, "next_try", json_integer(list[i].next_try));
			json_object_set_new(m, "size", json_integer((json_int_t)list[i].size));
			json_object_set_new(m, "from", json_string(from));
			for (k = 0; k < list[i].nrcpts; k++) {
				char *rc = safe_text(list[i].rcpts[k]);

				json_array_append_new(r, json_string(rc));
				free(rc);
			}
			json_object_set_new(m, "rcpts", r);
			if (list[i].last_error != NULL) {
				char *le = safe_text(list[i].last_error);

				json_object_set_new(m, "last_error", json_string(le));
				free(le);
			} else
				json_object_set_new(m, "last_error", json_null());
			json_array_append_new(a, m);
			free(id);
			free(from);
		}
		js = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", js ? js : "[]");
		free(js);
		json_decref(a);
	} else {
		if (n == 0)
			printf("The queue is empty.\n");
		else
			printf("%-40s %-8s %8s %8s %-20s %s\n", "ID", "STATE", "AGE", "ATTEMPTS",
			    "NEXT TRY", "LAST ERROR");
		for (i = 0; i < n; i++) {
			long long age = now - list[i].created;
			char *id = safe_text(list[i].id), *le = safe_text(list[i].last_error ?
			    list[i].last_error : "-");

			fmt_time(list[i].state == SPOOL_BAD ? -1 : list[i].next_try, next,
			    sizeof(next));
			if (list[i].state == SPOOL_BAD)
				snprintf(next, sizeof(next), "never");
			printf("%-40s %-8s %7llds %8u %-20s %s\n", id,
			    spool_state_to_text(list[i].state), age < 0 ? 0 : age, list[i].attempts,
			    next, le);
			free(id);
			free(le);
		}
	}
	spool_list_free(list, n);
	return EXIT_OK;
}

/*
 * After each failure: with --diagnose, the failure through libkbdiag, the
 * result in the log; for flush and run --once, what failed on standard error
 * (a person waits for them), unless the log goes there already.
 */
struct failure_hook {
	const char	*cmd;
	int		 tell;		/* standard error */
	struct gwdiag	*gd;		/* --diagnose, or NULL */
	struct gwlog	*log;
};

static void
on_failure(void *arg, const struct gwlog_event *ev, const char *line)
{
	struct failure_hook *h = arg;
	char summary[1400], report[PATH_MAX + 8], err[ERR_LEN], why[256] = "";
	char *js;
	unsigned long rounds;

	if (h->tell) {
		if (ev->err != 0)
			snprintf(why, sizeof(why), " (%s)", strerror(ev->err));
		if (ev->queue_id != NULL)
			say("smtpgw: %s: %s%s%s:%u: message %s: %s%s", h->cmd,
			    strchr(ev->peer, ':') ? "[" : "", ev->peer,
			    strchr(ev->peer, ':') ? "]" : "", ev->port, ev->queue_id, line, why);
		else
			say("smtpgw: %s: %s%s%s:%u: %s%s", h->cmd, strchr(ev->peer, ':') ? "[" : "",
			    ev->peer, strchr(ev->peer, ':') ? "]" : "", ev->port, line, why);
	}
	if (h->gd == NULL)
		return;
	js = gwlog_event_json(ev);
	rounds = gwdiag_rounds(h->gd);
	if (gwdiag_failure(h->gd, js, ev->queue_id, summary, sizeof(summary), report,
	    sizeof(report), err) != 0)
		gwlog_line(h->log, "Diagnosis failed: %s", err);
	else {
		if (gwdiag_rounds(h->gd) > rounds)
			gwlog_line(h->log, "Diagnosis probes: round %lu (a smart host is probed "
			    "at most once per quiet period of %u s)", gwdiag_rounds(h->gd),
			    gwdiag_quiet(h->gd));
		gwlog_line(h->log, "Diagnosis: %s", summary);
		if (report[0])
			gwlog_line(h->log, "Diagnosis report: %s", report);
	}
	free(js);
}

/* flush without --smarthost uses the one the last `run` saved in the spool. */
static void
smarthost_file(const struct options *o, char *path, size_t n)
{
	snprintf(path, n, "%s/smarthost", o->spool);
}

static int
load_smarthost(struct options *o)
{
	char path[PATH_MAX], line[PEER_HOST_MAX + 16], err[ERR_LEN];
	FILE *f;

	smarthost_file(o, path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (peer_parse(line, PEER_SMTP_PORT, o->host, &o->port, err) != 0)
		return -1;
	o->have_smarthost = 1;
	return 0;
}

/* The smart host in the spool for a later flush (file_replace()). 0, or -1
 * with err. */
static int
save_smarthost(const struct options *o, char err[ERR_LEN])
{
	char path[PATH_MAX], line[PEER_HOST_MAX + 16];
	int n;

	smarthost_file(o, path, sizeof(path));
	if (strchr(o->host, ':') != NULL)
		n = snprintf(line, sizeof(line), "[%s]:%u\n", o->host, o->port);
	else
		n = snprintf(line, sizeof(line), "%s:%u\n", o->host, o->port);
	if (n < 0 || n >= (int)sizeof(line))
		return err_set(err, "cannot write %s: the smart host's name is too long", path);
	return file_replace(path, line, (size_t)n, err);
}

/* Remove what dead writers left in tmp/ (spool_clean_tmp), now and then. */
static void
clean_tmp(struct spool *s, struct gwlog *log, long long *last)
{
	char err[ERR_LEN];
	unsigned removed;

	if (*last != 0 && clock_ms() - *last < CLEAN_TMP_EVERY_S * 1000LL)
		return;
	*last = clock_ms();
	if (spool_clean_tmp(s, CLEAN_TMP_AGE_S, &removed, err) != 0)
		gwlog_line(log, "ERROR spool: %s", err);
	else if (removed > 0)
		gwlog_line(log, "Spool: removed %u unfinished file%s left in tmp/ by writers that "
		    "ended", removed, removed == 1 ? "" : "s");
}

/* Wait up to ms for a wake-up byte on wake_fd (-1: none), in slices, so that
 * a stop is seen at once. */
static void
wait_for_work(int wake_fd, long long ms)
{
	long long until = clock_ms() + ms;

	while (!stop) {
		long long left = until - clock_ms();
		struct pollfd pfd = { wake_fd, POLLIN, 0 };
		char drain[256];

		if (left <= 0)
			return;
		if (poll(&pfd, wake_fd >= 0 ? 1 : 0, (int)(left > 100 ? 100 : left)) > 0) {
			while (read(wake_fd, drain, sizeof(drain)) > 0)
				;
			return;	/* a message came */
		}
	}
}

/* What flush and run --once did, added up over their passes. */
struct outcome {
	unsigned long	delivered, deferred, bad, unrecorded, not_due;
	size_t		busy;
	int		interrupted;
	char		unrecorded_err[ERR_LEN];
};

static void
outcome_add(struct outcome *oc, const struct runner_stats *st)
{
	oc->delivered += st->delivered;
	oc->deferred += st->deferred;
	oc->bad += st->bad;
	if (st->unrecorded > 0 && oc->unrecorded == 0)
		snprintf(oc->unrecorded_err, sizeof(oc->unrecorded_err), "%s", st->unrecorded_err);
	oc->unrecorded += st->unrecorded;
	oc->not_due = st->remaining - st->unrecorded;
	oc->interrupted |= st->interrupted;
}

/* On standard error, for a person: what was not delivered, and where to look. */
static void
outcome_tell(const struct options *o, const struct outcome *oc)
{
	unsigned long left = oc->deferred + oc->bad + oc->unrecorded;
	char wait[32];
	struct buf b = BUF_INIT;

	if (oc->unrecorded > 0)
		say("smtpgw: %s: %lu failed attempt%s could not be recorded (the message%s stay "
		    "as %s were): %s", o->cmd, oc->unrecorded, oc->unrecorded == 1 ? "" : "s",
		    oc->unrecorded == 1 ? "" : "s", oc->unrecorded == 1 ? "it" : "they",
		    oc->unrecorded_err);
	if (oc->busy > 0)
		say("smtpgw: %s: %zu message%s left to another process that was attempting %s",
		    o->cmd, oc->busy, oc->busy == 1 ? "" : "s", oc->busy == 1 ? "it" : "them");
	if (oc->interrupted)
		say("smtpgw: %s: stopped; what was not delivered stays queued", o->cmd);
	if (left > 0) {
		buf_printf(&b, "smtpgw: %s: %lu of %lu message%s not delivered:", o->cmd, left,
		    left + oc->delivered, left + oc->delivered == 1 ? "" : "s");
		if (oc->deferred > 0)
			buf_printf(&b, " %lu deferred (next try in %s)%s", oc->deferred,
			    duration_format(o->retry_wait_s * 1000ULL, wait),
			    oc->bad || oc->unrecorded ? "," : "");
		if (oc->bad > 0)
			buf_printf(&b, " %lu moved to bad/%s", oc->bad, oc->unrecorded ? "," : "");
		if (oc->unrecorded > 0)
			buf_printf(&b, " %lu as they were", oc->unrecorded);
		buf_printf(&b, "; 'smtpgw queue --spool %s' lists them", o->spool);
		say("%s", buf_str(&b));
		buf_free(&b);
	} else if (oc->not_due > 0 && oc->delivered == 0 && !oc->interrupted)
		say("smtpgw: %s: nothing was due: %lu queued message%s wait%s for %s next try",
		    o->cmd, oc->not_due, oc->not_due == 1 ? "" : "s", oc->not_due == 1 ? "s" : "",
		    oc->not_due == 1 ? "its" : "their");
}

/*
 * The delivery passes of run, run --once and flush (and of run --listen's
 * delivery process, woken through wake_fd by the listener's sessions).
 * tell: say on standard error what was not delivered (flush, run --once).
 * Returns the exit status.
 */
static int
deliver_loop(const struct options *o, struct spool *s, struct runner_params *rp,
    struct gwlog *log, int wake_fd, int tell)
{
	struct runner_backoff backoff;
	struct runner_stats st;
	struct outcome oc;
	char err[ERR_LEN], **busy = NULL;
	size_t nbusy = 0;
	int flush = strcmp(o->cmd, "flush") == 0, left = 0, rc = EXIT_OK;
	long long cleaned = 0;

	memset(&backoff, 0, sizeof(backoff));
	memset(&oc, 0, sizeof(oc));
	rp->backoff = o->once || flush ? NULL : &backoff;
	for (;;) {
		long long wait_ms, due;

		clean_tmp(s, log, &cleaned);
		if (runner_once(rp, &st, err) != 0) {
			say("smtpgw: %s: %s", o->cmd, err);
			runner_stats_free(&st);
			rc = EXIT_BADINPUT;
			break;
		}
		if (o->once || flush) {
			outcome_add(&oc, &st);
			left |= st.deferred || st.bad || st.remaining || st.interrupted;
			if (flush && st.nbusy > 0 && !stop) {
				/* another process is attempting them: flush waits for it,
				 * then tries what it left (flush ignores next-try) */
				msg_free_list(busy, nbusy);
				busy = st.busy;
				nbusy = st.nbusy;
				st.busy = NULL;
				st.nbusy = 0;
				rp->only_ids = busy;
				rp->nonly = nbusy;
				wait_for_work(-1, 200);
				continue;
			}
			if (st.nbusy > 0)
				left = 1;	/* run --once: another process has them */
			oc.busy = st.nbusy;
			runner_stats_free(&st);
			if (tell)
				outcome_tell(o, &oc);
			rc = left ? EXIT_LEFT : EXIT_OK;
			break;
		}
		/* run: the next pass when a message comes (wake_fd), when one is
		 * due, or after a second; later after a full disk (backoff) */
		due = runner_next_due(s, err);
		wait_ms = (st.delivered + st.deferred + st.bad > 0 && due == 0) ? 0 : 1000;
		if (backoff.wait_s > 0 && backoff.until_ms - clock_ms() > wait_ms)
			wait_ms = backoff.until_ms - clock_ms();
		runner_stats_free(&st);
		if (stop)
			break;
		wait_for_work(wake_fd, wait_ms);
		if (stop)
			break;
	}
	msg_free_list(busy, nbusy);
	return rc;
}

/* The delivery process of run --listen: a child, so that accepting never
 * waits for a smart host. */
static pid_t
start_worker(const struct options *o, struct spool *s, struct runner_params *rp,
    struct gwlog *log, struct listener *l, int wake[2])
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0) {
		if (pid < 0)
			gwlog_line(log, "ERROR run: cannot start the delivery process: %s",
			    strerror(errno));
		return pid < 0 ? 0 : pid;
	}
	/* it does not outlive the gateway, even a SIGKILLed one */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	prctl(PR_SET_NAME, "smtpgw-deliver");	/* for ps and top */
	listener_forget(l);
	close(wake[1]);
	_exit(deliver_loop(o, s, rp, log, wake[0], 0));
}

/* Wait for pid to end, at most until (clock_ms() time); then SIGKILL. */
static void
end_child(pid_t pid, long long until)
{
	while (clock_ms() < until) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * run --listen: this process accepts (a child per session) and supervises
 * the delivery process, starting it again should it die. SIGTERM stops
 * both: the sessions answer 421, the delivery in flight is abandoned (the
 * message stays queued as it was), and whatever has not ended after
 * STOP_GRACE_MS is killed.
 */
static int
supervise(const struct options *o, struct spool *s, struct runner_params *rp,
    struct gwlog *log, struct listener *l, int wake[2])
{
	pid_t worker = start_worker(o, s, rp, log, l, wake);
	long long restart_at = 0;

	while (!stop) {
		struct pollfd pfd[2] = {
			{ listener_fd(l), POLLIN, 0 },
			{ sig_pipe[0], POLLIN, 0 },
		};
		char drain[64];
		int status;

		(void)poll(pfd, 2, 1000);
		while (read(sig_pipe[0], drain, sizeof(drain)) > 0)
			;
		if (stop)
			break;
		listener_accept(l);
		if (worker > 0 && waitpid(worker, &status, WNOHANG) == worker) {
			gwlog_line(log, "ERROR run: the delivery process ended (%s %d); it is "
			    "started again", WIFSIGNALED(status) ? "signal" : "status",
			    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			worker = 0;
			restart_at = clock_ms() + 1000;	/* not in a loop, should it die at once */
		}
		if (worker == 0 && clock_ms() >= restart_at)
			worker = start_worker(o, s, rp, log, l, wake);
	}
	{
		long long until = clock_ms() + STOP_GRACE_MS;

		if (worker > 0)
			kill(worker, SIGTERM);
		listener_close(l, STOP_GRACE_MS);
		if (worker > 0)
			end_child(worker, until);
	}
	return EXIT_OK;
}

static void
on_signals(int supervisor)
{
	struct sigaction sa;

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (supervisor) {
		sa.sa_flags = SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	}
}

static int
cmd_deliver(struct options *o, struct spool *s)
{
	struct gwlog_params lp = { o->log, o->events, o->verbose };
	struct runner_params rp;
	struct gwlog *log = NULL;
	struct listener_params lsp;
	struct listener *listener = NULL;
	struct failure_hook hook = { o->cmd, 0, NULL, NULL };
	char err[ERR_LEN], *only[1], fqdn[HELO_NAME_MAX];
	const char *ehlo;
	int flush = strcmp(o->cmd, "flush") == 0, rc = EXIT_OK, wake[2] = { -1, -1 };
	size_t n;

	if (!o->have_smarthost && load_smarthost(o) != 0) {
		usage_error("flush: --smarthost HOST[:PORT] is required (no earlier run saved one "
		    "in the spool)");
		return EXIT_USAGE;
	}
	if (gwlog_open(&lp, &log, err) != 0) {
		say("smtpgw: %s: %s", o->cmd, err);
		return EXIT_BADINPUT;
	}
	/* EHLO: --helo, else the host's qualified name, else (NULL) the
	 * connection's address literal; the listener greets with a name */
	if (o->helo != NULL)
		ehlo = o->helo;
	else
		ehlo = helo_fqdn("/etc/hosts", fqdn) ? fqdn : NULL;
	/* flush without --smarthost needs it later; run goes on without it */
	if (!flush && save_smarthost(o, err) != 0) {
		gwlog_line(log, "ERROR run: the smart host is not saved for a later flush: %s",
		    err);
		if (o->log == NULL)	/* no log: said where it is seen */
			say("smtpgw: %s: the smart host is not saved for a later flush: %s",
			    o->cmd, err);
	}
	memset(&rp, 0, sizeof(rp));
	rp.spool = s;
	rp.log = log;
	rp.relay.host = o->host;
	rp.relay.port = o->port;
	rp.relay.helo = ehlo;
	rp.relay.connect_ms = (int)o->connect_timeout_ms;
	rp.relay.reply_ms = (int)o->timeout_ms;
	rp.relay.data_ms = (int)o->data_timeout_ms;
	rp.relay.user_timeout_ms = o->timeout_ms;
	rp.relay.log = log;
	rp.relay.stop = &stop;
	rp.stop = &stop;
	rp.sessions = o->concurrency;
	rp.max_attempts = o->retries;
	rp.retry_wait_s = o->retry_wait_s;
	rp.flush = flush;
	/* flush and run --once: a person waits; say what failed, unless the
	 * log goes to standard error already */
	hook.tell = (flush || o->once) && !(o->log != NULL && strcmp(o->log, "-") == 0);
	hook.log = log;
	rp.on_failure = on_failure;
	rp.arg = &hook;
	if (flush && o->nargs == 1) {
		only[0] = o->args[0];
		rp.only_ids = only;
		rp.nonly = 1;
	}
	if (o->diagnose) {
		char reports[PATH_MAX];

		if (o->reports)
			snprintf(reports, sizeof(reports), "%s", o->reports);
		else if (snprintf(reports, sizeof(reports), "%s/reports", o->spool) >=
		    (int)sizeof(reports)) {
			usage_error("%s: the --spool name is too long", o->cmd);
			gwlog_close(log);
			return EXIT_USAGE;
		}
		if (gwdiag_open(o->kb_dir, reports, &hook.gd, err) != 0) {
			say("smtpgw: %s: %s", o->cmd, err);
			gwlog_close(log);
			return EXIT_BADINPUT;
		}
		if (o->probe_quiet_set)
			gwdiag_set_quiet(hook.gd, o->probe_quiet);
		if (o->diagnose == 2) {
			struct probe_params pp = { 0 };

			pp.timeout_ms = o->probe_timeout_ms;
			pp.dos_root = o->dos_root;
			pp.helo_name = ehlo;
			gwdiag_set_probes(hook.gd, &pp, o->host, o->port);
		}
	}
	gwlog_banner(log, "smtpgw " KBDIAG_VERSION " (Microsoft Mail Gateway to SMTP log format)");
	gwlog_line(log, "  SMTP Smart-Host IP = \"%s%s%s:%u\"", strchr(o->host, ':') ? "[" : "",
	    o->host, strchr(o->host, ':') ? "]" : "", o->port);
	gwlog_line(log, "Gateway initialized");
	if (flush && rp.only_ids != NULL) {
		struct spool_msg m;

		if (spool_load(s, rp.only_ids[0], 0, &m, err) != 0) {
			say("smtpgw: flush: %s", err);
			gwdiag_close(hook.gd);
			gwlog_close(log);
			return EXIT_BADINPUT;
		}
		if (m.state == SPOOL_BAD)
			say("smtpgw: flush: %s is in bad/: not delivered", m.id);
		spool_msg_free(&m);
	}
	if (o->listen == NULL) {
		on_signals(0);
		rc = deliver_loop(o, s, &rp, log, -1, hook.tell);
		goto out;
	}
	memset(&lsp, 0, sizeof(lsp));
	lsp.addr = o->listen;
	lsp.spool = s;
	lsp.log = log;
	lsp.hostname = o->helo != NULL ? o->helo : fqdn;
	lsp.max_size = (size_t)o->max_size;
	lsp.timeout_ms = (int)o->timeout_ms;
	lsp.bare_lf = (enum smtpd_bare_lf)o->bare_lf;
	lsp.max_sessions = o->max_sessions;
	lsp.max_client_sessions = o->max_client_sessions;
	lsp.stop = &stop;
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0 || pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		say("smtpgw: run: pipe: %s", strerror(errno));
		rc = EXIT_INTERNAL;
		goto out;
	}
	lsp.notify_fd = wake[1];
	sig_owner = getpid();
	on_signals(1);
	if (listener_open(&lsp, &listener, err) != 0) {
		say("smtpgw: run: %s", err);
		rc = EXIT_BADINPUT;
		goto out;
	}
	/* the log has it too (SMTP_listen(port=N)); port 0: the kernel's choice */
	n = strlen(o->listen);
	if (n > 2 && strcmp(o->listen + n - 2, ":0") == 0)
		say("smtpgw: run: listening on port %u", listener_port(listener));
	rc = supervise(o, s, &rp, log, listener, wake);
out:
	gwdiag_close(hook.gd);
	gwlog_close(log);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct spool *s;
	char err[ERR_LEN];
	int rc;

	if (parse_options(argc, argv, &o) != 0)
		return EXIT_USAGE;
#ifdef M_ARENA_MAX
	/* One malloc arena for the delivery sessions (threads): they allocate
	 * little, and glibc's arena per thread let the memory of 16 sessions
	 * creep up by about 14 bytes a message (200 KB over 30,000 messages);
	 * with one it stays flat (docs/benchmarks.md). */
	mallopt(M_ARENA_MAX, 1);
#endif
	/* queue and flush only look at a spool, or take from it: a name
	 * mistyped must not make an empty spool that looks like an empty queue */
	if ((strcmp(o.cmd, "queue") == 0 || strcmp(o.cmd, "flush") == 0 ?
	    spool_open_existing(o.spool, &s, err) : spool_open(o.spool, &s, err)) != 0) {
		say("smtpgw: %s: %s", o.cmd, err);
		return EXIT_BADINPUT;
	}
	if (strcmp(o.cmd, "submit") == 0)
		rc = cmd_submit(&o, s);
	else if (strcmp(o.cmd, "queue") == 0)
		rc = cmd_queue(&o, s);
	else
		rc = cmd_deliver(&o, s);
	spool_close(s);
	return rc;
}
