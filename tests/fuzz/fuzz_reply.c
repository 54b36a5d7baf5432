/*
 * Fuzz target: the reply reader in its strict mode (engine/smtp/reply.c)
 * as the relay (gateway/relay.c) uses it, what the smart host sends, through
 * the whole client session: the greeting, EHLO (and HELO
 * after a refusal), MAIL, RCPT, DATA, the message, the final dot, RSET and
 * QUIT, over a transport of this file's own that hands the relay the input
 * in pieces and takes whatever it sends.
 *
 * The first byte seeds how the rest is cut into pieces; the second chooses
 * the message (one to three recipients, a data part with or without its final
 * CR LF). The relay must not crash or hang; a failure must name a legacy
 * condition and a state; and both logs, which get the smart host's replies
 * (the text log with -v and its transcript, the events), must stay safe to
 * show: one line per line, no control character, valid UTF-8 without C1
 * controls, and each event a JSON object.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "gwlog.h"
#include "relay.h"
#include "smtp/transport.h"
#include "spool.h"
#include "util/text.h"
#include "util/xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct transport_conn {
	const uint8_t	*in;
	size_t		 len, pos;
	unsigned	 seed;
	size_t		 sent;
};

static const uint8_t *fz_in;
static size_t fz_len;
static unsigned fz_seed;

static unsigned long long
fz_now_ms(void *arg)
{
	(void)arg;
	return 0;	/* never moves: every wait is ready at once */
}

static int
fz_open(const struct transport_params *p, struct transport_conn **out, int *err)
{
	struct transport_conn *c = xcalloc(1, sizeof(*c));

	(void)p;
	c->in = fz_in;
	c->len = fz_len;
	c->seed = fz_seed;
	*out = c;
	*err = 0;
	return 0;
}

static ssize_t
fz_send(struct transport_conn *c, const void *buf, size_t n, int more, int *err)
{
	(void)err;
	(void)buf;
	(void)more;
	c->sent += n;
	return (ssize_t)n;
}

static ssize_t
fz_recv(struct transport_conn *c, void *buf, size_t n, int *err)
{
	size_t k;

	(void)err;
	if (c->pos >= c->len)
		return 0;	/* the host closed */
	c->seed = c->seed * 1103515245u + 12345u;
	k = 1 + (c->seed >> 16) % 700;
	if (k > c->len - c->pos)
		k = c->len - c->pos;
	if (k > n)
		k = n;
	memcpy(buf, c->in + c->pos, k);
	c->pos += k;
	return (ssize_t)k;
}

static int
fz_wait(struct transport_conn *c, int what, unsigned long long deadline, int *err)
{
	(void)c;
	(void)what;
	(void)deadline;
	(void)err;
	return 1;	/* always ready: the input, or its end */
}

static int
fz_snapshot(struct transport_conn *c, struct tcpinfo_snap *out)
{
	(void)c;
	(void)out;
	return -1;
}

static int
fz_id(const struct transport_conn *c)
{
	(void)c;
	return 7;
}

static int
fz_local_literal(const struct transport_conn *c, char *out, size_t n)
{
	(void)c;
	return snprintf(out, n, "[192.0.2.7]") < (int)n ? 0 : -1;
}

static void
fz_close(struct transport_conn *c)
{
	free(c);
}

static const struct transport fz_transport = {
	"fuzz", fz_now_ms, fz_open, fz_wait, fz_send, fz_recv, fz_snapshot, fz_id,
	fz_local_literal, fz_close,
};

static int log_fd = -1, events_fd = -1;
static struct gwlog *fz_log;

/* The file (a memfd) holds only safe lines; then it is emptied. */
static void
check_and_empty(int fd, int json)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf;
	size_t i, k, start = 0;

	if (len < 0)
		abort();
	buf = xmalloc((size_t)len + 1);
	if (pread(fd, buf, (size_t)len, 0) != len)
		abort();
	buf[len] = '\0';
	for (i = 0; i < (size_t)len; i += k) {
		unsigned char c = (unsigned char)buf[i];

		k = 1;
		if (c == '\n') {
			if (json) {
				json_error_t e;
				json_t *o = json_loadb(buf + start, i - start, 0, &e);

				if (!json_is_object(o))
					abort();
				json_decref(o);
			}
			start = i + 1;
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			abort();	/* a control character reached the log */
		if ((k = text_utf8_len((const unsigned char *)buf + i, (size_t)len - i)) == 0)
			abort();	/* invalid UTF-8 or a C1 control */
	}
	if (start != (size_t)len)
		abort();	/* a line without its end */
	free(buf);
	if (ftruncate(fd, 0) != 0)
		abort();
}

static void
setup(void)
{
	struct gwlog_params lp;
	char lpath[64], epath[64], err[ERR_LEN];

	log_fd = memfd_create("fuzz_reply.log", 0);
	events_fd = memfd_create("fuzz_reply.events", 0);
	if (log_fd < 0 || events_fd < 0)
		abort();
	snprintf(lpath, sizeof(lpath), "/proc/self/fd/%d", log_fd);
	snprintf(epath, sizeof(epath), "/proc/self/fd/%d", events_fd);
	lp.log_path = lpath;
	lp.events_path = epath;
	lp.verbose = 1;
	if (gwlog_open(&lp, &fz_log, err) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *rcpts[] = { "b@example.org", "refuse-4@example.org", "c@example.org" };
	static char body[] = "Subject: fuzz\r\n\r\n..a dotted line\r\nno final line end";
	struct relay_params p;
	struct relay_rcpt codes[3];
	struct relay_failure f;
	struct gwlog_event ev;
	struct spool_msg m;
	struct relay *r = NULL;
	char line[2048];
	int rc, i;

	if (size < 2)
		return 0;
	if (fz_log == NULL)
		setup();
	fz_seed = data[0];
	fz_in = data + 2;
	fz_len = size - 2;
	memset(&p, 0, sizeof(p));
	p.host = "127.0.0.1";
	p.port = 25;
	p.helo = "gw.test";
	p.connect_ms = p.reply_ms = p.data_ms = 1000;
	p.log = fz_log;
	p.transport = &fz_transport;
	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "FUZZ.1");
	m.from = "a@example.org";
	m.rcpts = rcpts;
	m.nrcpts = 1 + data[1] % 3;
	m.data = body;
	m.size = (data[1] & 8) ? sizeof(body) - 1 : 35;	/* 35: up to a CR LF */
	if (relay_open(&p, &r, &f) != 0) {
		if (f.state > RELAY_FAILED || (unsigned)f.cond >= LEGACY_NCONDS)
			abort();
		relay_failure_event(&p, &f, m.id, &ev);
		gwlog_event(fz_log, &ev, line, sizeof(line));
	} else {
		for (i = 0; i < 2 && r != NULL; i++) {
			rc = relay_send_some(r, &m, (data[1] & 16) ? codes : NULL, &f);
			if (rc < -1 || rc > 1)
				abort();
			if (rc != 0) {
				if (f.state > RELAY_FAILED || (unsigned)f.cond >= LEGACY_NCONDS)
					abort();
				relay_failure_event(&p, &f, m.id, &ev);
				gwlog_event(fz_log, &ev, line, sizeof(line));
				if (rc < 0 && f.session_dead)
					break;
			}
		}
		relay_close(r);
	}
	check_and_empty(log_fd, 0);
	check_and_empty(events_fd, 1);
	return 0;
}
