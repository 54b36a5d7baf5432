/* gwlog: the legacy text log and the NDJSON events (jansson). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "gwlog.h"
#include "util/text.h"
#include "util/xmem.h"

struct gwlog {
	int	log_fd;		/* -1 = none */
	int	events_fd;
	int	own_log;	/* close log_fd at the end */
	int	verbose;
};

static int
open_append(const char *path, char err[ERR_LEN])
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd < 0)
		err_set(err, "cannot open %s: %s", path, strerror(errno));
	return fd;
}

int
gwlog_open(const struct gwlog_params *p, struct gwlog **out, char err[ERR_LEN])
{
	struct gwlog *g = xcalloc(1, sizeof(*g));

	g->log_fd = g->events_fd = -1;
	g->verbose = p->verbose;
	if (p->log_path != NULL) {
		if (strcmp(p->log_path, "-") == 0)
			g->log_fd = STDERR_FILENO;
		else if ((g->log_fd = open_append(p->log_path, err)) < 0)
			goto fail;
		else
			g->own_log = 1;
	}
	if (p->events_path != NULL && (g->events_fd = open_append(p->events_path, err)) < 0)
		goto fail;
	*out = g;
	return 0;
fail:
	gwlog_close(g);
	*out = NULL;
	return -1;
}

void
gwlog_close(struct gwlog *g)
{
	if (g == NULL)
		return;
	if (g->own_log && g->log_fd >= 0)
		close(g->log_fd);
	if (g->events_fd >= 0)
		close(g->events_fd);
	free(g);
}

int
gwlog_verbose(const struct gwlog *g)
{
	return g != NULL && g->verbose;
}

/* One write per line; a short write to a log is not worth failing a delivery. */
static void
put(int fd, const char *s, size_t n)
{
	(void)file_write_all(fd, s, n);
}

/*
 * Every line goes through the project's one sanitiser (text.h): the message
 * may hold a peer's reply, a file's name or an error about a file's contents,
 * and whoever reads the log with tail -f must get neither escape sequences
 * nor a second line. Our own words are printable ASCII and pass unchanged.
 */
/* One line, "HH:MM:SS - " and the message made safe, appended to b. */
static void
stamped(struct buf *b, const char *msg, size_t n)
{
	char stamp[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S - ", &tm);
	buf_puts(b, stamp);
	text_escape(b, msg, n);
	buf_putc(b, '\n');
}

static void
vline(struct gwlog *g, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT, msg = BUF_INIT;

	buf_vprintf(&msg, fmt, ap);
	stamped(&b, msg.data ? msg.data : "", msg.len);
	put(g->log_fd, b.data, b.len);
	buf_free(&msg);
	buf_free(&b);
}

void
gwlog_line(struct gwlog *g, const char *fmt, ...)
{
	va_list ap;

	if (g == NULL || g->log_fd < 0)
		return;
	va_start(ap, fmt);
	vline(g, fmt, ap);
	va_end(ap);
}

void
gwlog_banner(struct gwlog *g, const char *what)
{
	time_t now = time(NULL);
	char date[32];
	struct tm tm;

	localtime_r(&now, &tm);
	/* ctime() without its newline: "Tue Nov 24 02:30:00 2026" */
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	gwlog_line(g, "%s %s", date, what);
}

static void
transcript(struct gwlog *g, const char *tag, const char *line, size_t n)
{
	struct buf b = BUF_INIT;

	if (g == NULL || g->log_fd < 0 || !g->verbose)
		return;
	buf_puts(&b, tag);
	/* what the peer sent, made safe like every line (vline) */
	text_escape(&b, line, n < 1000 ? n : 1000);
	buf_putc(&b, '\n');
	put(g->log_fd, b.data, b.len);
	buf_free(&b);
}

void
gwlog_tx(struct gwlog *g, const char *line, size_t n)
{
	transcript(g, " [tx] ", line, n);
}

void
gwlog_rx(struct gwlog *g, const char *line, size_t n)
{
	transcript(g, " [rx] ", line, n);
}

void
gwlog_state(struct gwlog *g, const char *from, const char *to)
{
	struct buf b = BUF_INIT;

	if (g == NULL || g->log_fd < 0 || g->verbose < 2)
		return;
	buf_printf(&b, " [state] %s -> %s\n", from, to);
	put(g->log_fd, b.data, b.len);
	buf_free(&b);
}

/* A string from anywhere (a peer's reply among them) through the sanitiser:
 * valid UTF-8 without controls, so jansson takes it and no reader of the
 * events gets an escape sequence. */
static void
set_str(json_t *o, const char *k, const char *v)
{
	struct buf b = BUF_INIT;
	json_t *s;

	if (v == NULL)
		return;
	text_escape(&b, v, strlen(v));
	if ((s = json_string(buf_str(&b))) != NULL)
		json_object_set_new(o, k, s);
	buf_free(&b);
}

static json_t *
tcp_json(const struct tcpinfo_snap *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(t->state ? t->state : "?"));
#define TCP_KEY(key, type, rank) \
	json_object_set_new(o, #key, json_integer((json_int_t)t->key));
	TCPINFO_KEYS(TCP_KEY)
#undef TCP_KEY
	return o;
}

char *
gwlog_event_json(const struct gwlog_event *ev)
{
	const struct legacy_entry *e = legacy_get(ev->cond);
	char text[1200], stamp[40];
	struct timeval tv;
	struct tm tm;
	json_t *o;
	char *js, *out;

	snprintf(text, sizeof(text), "%s%s", e->text, ev->detail ? ev->detail : "");
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ",
	    (long)(tv.tv_usec / 1000));
	o = json_object();
	json_object_set_new(o, "time", json_string(stamp));
	set_str(o, "text", text);
	json_object_set_new(o, "code", e->code ? json_integer(e->code) : json_null());
	json_object_set_new(o, "class", json_string(legacy_class_to_text(e->class)));
	json_object_set_new(o, "rfc3463", json_string(e->rfc3463));
	set_str(o, "phase", smtp_phase_to_text(ev->phase));
	set_str(o, "last_command", ev->last_command);
	set_str(o, "last_reply", ev->last_reply);
	set_str(o, "helo", ev->helo);
	if (ev->err != 0) {
		const char *name = legacy_errno_name(ev->err);

		if (name != NULL)
			json_object_set_new(o, "errno", json_string(name));
		set_str(o, "errno_text", strerror(ev->err));
	}
	set_str(o, "peer", ev->peer);
	if (ev->port)
		json_object_set_new(o, "port", json_integer(ev->port));
	set_str(o, "queue_id", ev->queue_id);
	if (ev->bytes_sent >= 0)
		json_object_set_new(o, "bytes_sent", json_integer(ev->bytes_sent));
	if (ev->tcp != NULL && ev->tcp->valid)
		json_object_set_new(o, "tcp_info", tcp_json(ev->tcp));
	js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (js == NULL)
		xmem_oom(1);
	/* jansson's memory is freed with free(); hand back our own copy */
	out = xstrdup(js);
	free(js);
	return out;
}

void
gwlog_event(struct gwlog *g, const struct gwlog_event *ev, char *line, size_t linelen)
{
	const struct legacy_entry *e = legacy_get(ev->cond);
	char text[1200];
	char *js;

	snprintf(text, sizeof(text), "%s%s", e->text, ev->detail ? ev->detail : "");
	if (line != NULL)
		snprintf(line, linelen, "%s", text);
	if (g == NULL)
		return;
	if (g->log_fd >= 0) {
		struct buf b = BUF_INIT;
		const char *companion = legacy_get(LEGACY_RECV_SYSTEM)->text;

		/* the line and its companion in one write: with several sessions
		 * logging at once, nothing comes between them (kbdiag and every
		 * reader of the original's log take the next line as the pair) */
		stamped(&b, text, strlen(text));
		if (ev->cond == LEGACY_READ_CLOSED)
			stamped(&b, companion, strlen(companion));
		put(g->log_fd, b.data, b.len);
		buf_free(&b);
	}
	if (g->events_fd < 0)
		return;
	js = gwlog_event_json(ev);
	{
		size_t n = strlen(js);

		js = xrealloc(js, n + 2);
		js[n] = '\n';
		put(g->events_fd, js, n + 1);
	}
	free(js);
}
