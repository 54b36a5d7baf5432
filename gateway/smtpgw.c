/*
 * smtpgw: the store-and-forward SMTP gateway (man smtpgw, docs/smtpgw.md).
 * main() parses options and maps errors to exit codes; the work is in
 * spool.c, relay.c, runner.c and gwlog.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "gwdiag.h"
#include "gwlog.h"
#include "listener.h"
#include "msg.h"
#include "peer.h"
#include "probe.h"
#include "runner.h"
#include "spool.h"
#include "xmem.h"

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
	const char	*helo;
	const char	*format;
	int		 once;
	int		 from_headers;	/* -t */
	int		 verbose;
	unsigned	 retries;	/* -Q */
	unsigned	 retry_wait;	/* -W */
	unsigned	 timeout;	/* seconds: replies */
	unsigned	 connect_timeout;
	unsigned	 data_timeout;
	unsigned	 max_size;	/* listener: bytes */
	int		 diagnose;	/* --diagnose: 1 offline, 2 probe */
	const char	*dos_root;	/* --dos-root DIR (probe) */
	unsigned	 probe_timeout;	/* --probe-timeout MS */
	const char	*reports;	/* --reports DIR */
	const char	*kb_dir;	/* --kb DIR */
	char		**args;
	int		 nargs;
};

static volatile sig_atomic_t stop;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fputs("usage: smtpgw submit --spool DIR [-f FROM] [-t] [RCPT...] < MESSAGE\n"
	    "       smtpgw run --spool DIR --smarthost HOST[:PORT] [--once | --listen ADDR:PORT]\n"
	    "                  [--log FILE]"
	    " [--events FILE] [-v] [-Q COUNT] [-W SECONDS]\n"
	    "       smtpgw queue --spool DIR [--format text|json]\n"
	    "       smtpgw flush --spool DIR [--smarthost HOST[:PORT]] [ID]\n"
	    "options: --helo NAME, --timeout S (replies, 300), --connect-timeout S (30),\n"
	    "         --data-timeout S (600), -Q/--retries COUNT (180), -W/--retry-wait S (120),\n"
	    "         --max-size BYTES (listener, 53477376), --diagnose[=offline|probe],\n"
	    "         --reports DIR (SPOOL/reports), --kb DIR, --dos-root DIR (probe),\n"
	    "         --probe-timeout MS (probe, 5000)\n",
	    f);
}

static int
parse_uint(const char *s, unsigned min, unsigned max, unsigned *out, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "smtpgw: %s: \"%s\" is not a number from %u to %u\n", what, s,
		    min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	enum { O_SPOOL = 256, O_SMARTHOST, O_LISTEN, O_LOG, O_EVENTS, O_ONCE, O_HELO,
	    O_FORMAT, O_TIMEOUT, O_CTIMEOUT, O_DTIMEOUT, O_MAXSIZE, O_DIAGNOSE, O_REPORTS,
	    O_KB, O_DOSROOT, O_PTIMEOUT };
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
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "diagnose", optional_argument, NULL, O_DIAGNOSE },
		{ "reports", required_argument, NULL, O_REPORTS },
		{ "kb", required_argument, NULL, O_KB },
		{ "dos-root", required_argument, NULL, O_DOSROOT },
		{ "probe-timeout", required_argument, NULL, O_PTIMEOUT },
		{ "retries", required_argument, NULL, 'Q' },
		{ "retry-wait", required_argument, NULL, 'W' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char err[ERR_LEN];
	int c;

	memset(o, 0, sizeof(*o));
	o->retries = 180;
	o->retry_wait = 120;
	o->timeout = 300;
	o->connect_timeout = 30;
	o->data_timeout = 600;
	o->max_size = 52428800 + 1048576;	/* 50 MB of message, with room for encoding */
	o->helo = "localhost";
	o->format = "text";
	if (argc < 2) {
		usage(stderr);
		return -1;
	}
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
	    strcmp(o->cmd, "flush")) {
		fprintf(stderr, "smtpgw: unknown command \"%s\"\n", o->cmd);
		usage(stderr);
		return -1;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "f:tvQ:W:h", longs, NULL)) != -1) {
		switch (c) {
		case O_SPOOL: o->spool = optarg; break;
		case O_SMARTHOST:
			if (peer_parse(optarg, PEER_SMTP_PORT, o->host, &o->port, err) != 0) {
				fprintf(stderr, "smtpgw: --smarthost: %s\n", err);
				return -1;
			}
			o->have_smarthost = 1;
			break;
		case O_LISTEN: o->listen = optarg; break;
		case O_LOG: o->log = optarg; break;
		case O_EVENTS: o->events = optarg; break;
		case O_ONCE: o->once = 1; break;
		case O_HELO: o->helo = optarg; break;
		case O_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr, "smtpgw: --format: text or json, not \"%s\"\n", optarg);
				return -1;
			}
			o->format = optarg;
			break;
		case O_TIMEOUT:
			if (parse_uint(optarg, 1, 86400, &o->timeout, "--timeout"))
				return -1;
			break;
		case O_CTIMEOUT:
			if (parse_uint(optarg, 1, 86400, &o->connect_timeout, "--connect-timeout"))
				return -1;
			break;
		case O_DTIMEOUT:
			if (parse_uint(optarg, 1, 86400, &o->data_timeout, "--data-timeout"))
				return -1;
			break;
		case O_DIAGNOSE:
			if (optarg != NULL && strcmp(optarg, "offline") != 0 &&
			    strcmp(optarg, "probe") != 0) {
				fprintf(stderr, "smtpgw: --diagnose: offline or probe, not \"%s\"\n",
				    optarg);
				return -1;
			}
			o->diagnose = optarg != NULL && strcmp(optarg, "probe") == 0 ? 2 : 1;
			break;
		case O_DOSROOT: o->dos_root = optarg; break;
		case O_PTIMEOUT:
			if (parse_uint(optarg, 1, 600000, &o->probe_timeout, "--probe-timeout"))
				return -1;
			break;
		case O_REPORTS: o->reports = optarg; break;
		case O_KB: o->kb_dir = optarg; break;
		case O_MAXSIZE:
			if (parse_uint(optarg, 1, 2000000000, &o->max_size, "--max-size"))
				return -1;
			break;
		case 'Q':
			if (parse_uint(optarg, 1, 1000000, &o->retries, "-Q"))
				return -1;
			break;
		case 'W':
			if (parse_uint(optarg, 0, 86400 * 7, &o->retry_wait, "-W"))
				return -1;
			break;
		case 'f': o->from = optarg; break;
		case 't': o->from_headers = 1; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		default: usage(stderr); return -1;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->spool == NULL) {
		fprintf(stderr, "smtpgw %s: --spool DIR is required\n", o->cmd);
		return -1;
	}
	return 0;
}

static char *
read_stdin(size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(stdin)) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.data ? buf_detach(&b) : xstrdup("");
}

static int
cmd_submit(const struct options *o, struct spool *s)
{
	char err[ERR_LEN], id[SPOOL_ID_MAX], **rcpts = NULL, *raw, *stripped, *wire;
	size_t len, slen, wlen, n = 0, i;
	int rc;

	if (o->nargs == 0 && !o->from_headers) {
		fputs("smtpgw submit: no recipients (give them, or -t to take them from the "
		    "header)\n", stderr);
		return EXIT_USAGE;
	}
	if ((raw = read_stdin(&len)) == NULL) {
		fprintf(stderr, "smtpgw submit: cannot read the message: %s\n", strerror(errno));
		return EXIT_BADINPUT;
	}
	if (o->from_headers)
		msg_recipients(raw, len, &rcpts, &n);
	for (i = 0; i < (size_t)o->nargs; i++) {
		rcpts = xrealloc(rcpts, (n + 1) * sizeof(*rcpts));
		rcpts[n++] = xstrdup(o->args[i]);
	}
	if (n == 0) {
		fputs("smtpgw submit: -t: the header names no recipient (To:, Cc:, Bcc:)\n",
		    stderr);
		free(raw);
		return EXIT_BADINPUT;
	}
	stripped = msg_strip_bcc(raw, len, &slen);
	wire = spool_wire(stripped, slen, &wlen);
	rc = spool_put(s, o->from ? o->from : "", rcpts, n, wire, wlen, id, err);
	if (rc == 0)
		printf("%s\n", id);
	else
		fprintf(stderr, "smtpgw submit: %s\n", err);
	free(raw);
	free(stripped);
	free(wire);
	msg_free_list(rcpts, n);
	return rc == 0 ? EXIT_OK : EXIT_BADINPUT;
}

static void
print_bad(void *arg, const char *id, const char *why)
{
	(void)arg;
	fprintf(stderr, "smtpgw: moved %s to bad/: %s\n", id, why);
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
		fprintf(stderr, "smtpgw queue: %s\n", err);
		return EXIT_BADINPUT;
	}
	if (strcmp(o->format, "json") == 0) {
		json_t *a = json_array();
		char *js;

		for (i = 0; i < n; i++) {
			json_t *m = json_object(), *r = json_array();
			size_t k;

			json_object_set_new(m, "id", json_string(list[i].id));
			json_object_set_new(m, "state",
			    json_string(spool_state_to_text(list[i].state)));
			json_object_set_new(m, "created", json_integer(list[i].created));
			json_object_set_new(m, "age_s", json_integer(now - list[i].created));
			json_object_set_new(m, "attempts", json_integer(list[i].attempts));
			json_object_set_new(m, "next_try", json_integer(list[i].next_try));
			json_object_set_new(m, "size", json_integer((json_int_t)list[i].size));
			json_object_set_new(m, "from", json_string(list[i].from ? list[i].from : ""));
			for (k = 0; k < list[i].nrcpts; k++)
				json_array_append_new(r, json_string(list[i].rcpts[k]));
			json_object_set_new(m, "rcpts", r);
			json_object_set_new(m, "last_error", list[i].last_error ?
			    json_string(list[i].last_error) : json_null());
			json_array_append_new(a, m);
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

			fmt_time(list[i].state == SPOOL_BAD ? -1 : list[i].next_try, next,
			    sizeof(next));
			if (list[i].state == SPOOL_BAD)
				snprintf(next, sizeof(next), "never");
			printf("%-40s %-8s %7llds %8u %-20s %s\n", list[i].id,
			    spool_state_to_text(list[i].state), age < 0 ? 0 : age, list[i].attempts,
			    next, list[i].last_error ? list[i].last_error : "-");
		}
	}
	spool_list_free(list, n);
	return EXIT_OK;
}

/* --diagnose: each failure through libkbdiag, the result in the log. */
struct diag_hook {
	struct gwdiag	*gd;
	struct gwlog	*log;
};

static void
diagnose_failure(void *arg, const struct gwlog_event *ev, const char *line)
{
	struct diag_hook *h = arg;
	char summary[1024], report[PATH_MAX + 8], err[ERR_LEN];
	char *js = gwlog_event_json(ev);

	(void)line;
	if (gwdiag_failure(h->gd, js, ev->queue_id, summary, sizeof(summary), report,
	    sizeof(report), err) != 0)
		gwlog_line(h->log, "Diagnosis failed: %s", err);
	else {
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

static void
save_smarthost(const struct options *o)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	smarthost_file(o, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	if (strchr(o->host, ':') != NULL)
		fprintf(f, "[%s]:%u\n", o->host, o->port);
	else
		fprintf(f, "%s:%u\n", o->host, o->port);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static int
cmd_deliver(struct options *o, struct spool *s)
{
	struct gwlog_params lp = { o->log, o->events, o->verbose };
	struct runner_params rp;
	struct runner_stats st;
	struct gwlog *log = NULL;
	struct listener_params lsp;
	struct listener *listener = NULL;
	struct diag_hook hook = { NULL, NULL };
	char err[ERR_LEN];
	int flush = strcmp(o->cmd, "flush") == 0, rc = EXIT_OK;

	if (!o->have_smarthost && (!flush || load_smarthost(o) != 0)) {
		fprintf(stderr, "smtpgw %s: --smarthost HOST[:PORT] is required%s\n", o->cmd,
		    flush ? " (no earlier run saved one in the spool)" : "");
		return EXIT_USAGE;
	}
	if (o->listen != NULL && (flush || o->once)) {
		fprintf(stderr, "smtpgw %s: --listen goes with run without --once\n", o->cmd);
		return EXIT_USAGE;
	}
	if (flush && o->nargs > 1) {
		fputs("smtpgw flush: at most one ID\n", stderr);
		return EXIT_USAGE;
	}
	if (gwlog_open(&lp, &log, err) != 0) {
		fprintf(stderr, "smtpgw %s: %s\n", o->cmd, err);
		return EXIT_BADINPUT;
	}
	if (!flush)
		save_smarthost(o);
	memset(&rp, 0, sizeof(rp));
	rp.spool = s;
	rp.log = log;
	rp.relay.host = o->host;
	rp.relay.port = o->port;
	rp.relay.helo = o->helo;
	rp.relay.connect_ms = (int)o->connect_timeout * 1000;
	rp.relay.reply_ms = (int)o->timeout * 1000;
	rp.relay.data_ms = (int)o->data_timeout * 1000;
	rp.relay.user_timeout_ms = o->timeout * 1000;
	rp.relay.log = log;
	rp.max_attempts = o->retries;
	rp.retry_wait_s = o->retry_wait;
	rp.flush = flush;
	rp.only_id = flush && o->nargs == 1 ? o->args[0] : NULL;
	if (o->diagnose) {
		char reports[PATH_MAX];

		if (o->reports)
			snprintf(reports, sizeof(reports), "%s", o->reports);
		else if (snprintf(reports, sizeof(reports), "%s/reports", o->spool) >=
		    (int)sizeof(reports)) {
			fprintf(stderr, "smtpgw %s: --spool name too long\n", o->cmd);
			gwlog_close(log);
			return EXIT_USAGE;
		}
		if (gwdiag_open(o->kb_dir, reports, &hook.gd, err) != 0) {
			fprintf(stderr, "smtpgw %s: %s\n", o->cmd, err);
			gwlog_close(log);
			return EXIT_BADINPUT;
		}
		if (o->diagnose == 2) {
			struct probe_params pp = { 0 };

			pp.timeout_ms = o->probe_timeout;
			pp.dos_root = o->dos_root;
			pp.helo_name = o->helo;
			gwdiag_set_probes(hook.gd, &pp, o->host, o->port);
		}
		hook.log = log;
		rp.on_failure = diagnose_failure;
		rp.arg = &hook;
	}
	gwlog_banner(log, "smtpgw " KBDIAG_VERSION " (Microsoft Mail Gateway to SMTP log format)");
	gwlog_line(log, "  SMTP Smart-Host IP = \"%s%s%s:%u\"", strchr(o->host, ':') ? "[" : "",
	    o->host, strchr(o->host, ':') ? "]" : "", o->port);
	gwlog_line(log, "Gateway initialized");
	if (flush && rp.only_id != NULL) {
		struct spool_msg m;

		if (spool_load(s, rp.only_id, 0, &m, err) != 0) {
			fprintf(stderr, "smtpgw flush: %s\n", err);
			gwdiag_close(hook.gd);
			gwlog_close(log);
			return EXIT_BADINPUT;
		}
		if (m.state == SPOOL_BAD)
			fprintf(stderr, "smtpgw flush: %s is in bad/: not delivered\n", m.id);
		spool_msg_free(&m);
	}
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	if (o->listen != NULL) {
		lsp.addr = o->listen;
		lsp.spool = s;
		lsp.log = log;
		lsp.hostname = o->helo;
		lsp.max_size = (size_t)o->max_size;
		lsp.timeout_ms = (int)o->timeout * 1000;
		if (listener_open(&lsp, &listener, err) != 0) {
			fprintf(stderr, "smtpgw run: %s\n", err);
			gwdiag_close(hook.gd);
			gwlog_close(log);
			return EXIT_BADINPUT;
		}
	}
	for (;;) {
		long long wait;

		if (runner_once(&rp, &st, err) != 0) {
			fprintf(stderr, "smtpgw %s: %s\n", o->cmd, err);
			rc = EXIT_BADINPUT;
			break;
		}
		if (o->once || flush) {
			if (st.deferred || st.bad || st.remaining)
				rc = EXIT_LEFT;
			break;
		}
		/* run: wait for the next due message or a new one: the spool is
		 * looked at every second, at once when a listener child ended */
		wait = runner_next_due(s, err);
		if (wait < 0 || wait > 1)
			wait = 1;
		if (stop)
			break;
		if (listener != NULL) {
			struct pollfd pfd = { listener_fd(listener), POLLIN, 0 };
			long long until = now_ms() + wait * 1000;

			while (!stop) {
				long long left = until - now_ms();

				if (left <= 0)
					break;
				(void)poll(&pfd, 1, (int)left);
				if (listener_accept(listener) > 0)
					break;	/* a session ended: a message may have come */
			}
		} else
			sleep((unsigned)wait);
		if (stop)
			break;
	}
	listener_close(listener);
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
	if (spool_open(o.spool, &s, err) != 0) {
		fprintf(stderr, "smtpgw %s: %s\n", o.cmd, err);
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
