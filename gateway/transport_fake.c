/* transport_fake: an in-memory smart host that plays a script (see transport_fake.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "transport_fake.h"
#include "util/xmem.h"

struct transport_conn {
	const struct transport_fake_script *s;
	size_t		 pos;		/* the next step */
	struct buf	 in;		/* sent by the client, not yet taken by a step */
	struct buf	 out;		/* for the client to read */
	size_t		 outpos;
	int		 closed;	/* FAKE_CLOSE done */
	int		 recv_err;	/* FAKE_RECV_ERROR done: its errno */
	int		 send_err;	/* FAKE_SEND_ERROR done: its errno */
};

static const char *const fake_actions[] = {
#define X(e, s) s,
	TRANSPORT_FAKE_ACTIONS(X)
#undef X
};

const char *
transport_fake_action_to_text(enum transport_fake_action a)
{
	return (unsigned)a < sizeof(fake_actions) / sizeof(fake_actions[0]) ?
	    fake_actions[a] : "?";
}

static void
fake_reply(struct transport_conn *c, const char *text)
{
	if (text != NULL)
		buf_puts(&c->out, text);
}

static void
fake_act(struct transport_conn *c, const struct transport_fake_step *st)
{
	fake_reply(c, st->reply);
	switch (st->action) {
	case FAKE_REPLY:
	case FAKE_SILENT:	/* nothing more is queued: waits time out */
		break;
	case FAKE_CLOSE:
		c->closed = 1;
		break;
	case FAKE_RECV_ERROR:
		c->recv_err = st->err ? st->err : EIO;
		break;
	case FAKE_SEND_ERROR:
		c->send_err = st->err ? st->err : EPIPE;
		break;
	}
}

static void
fake_mismatch(struct transport_conn *c, const char *line, size_t n)
{
	struct transport_fake_record *rec = c->s->record;

	if (rec != NULL && rec->mismatches++ == 0)
		snprintf(rec->first_mismatch, sizeof(rec->first_mismatch), "%.*s",
		    (int)(n < 200 ? n : 200), line);
}

/* Take one line (with its end) off the front of c->in; its length, or 0. */
static size_t
fake_line(struct transport_conn *c, const char **line)
{
	const char *nl = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;

	*line = c->in.data;
	return nl ? (size_t)(nl - c->in.data) + 1 : 0;
}

static void
fake_consume(struct transport_conn *c, size_t n)
{
	memmove(c->in.data, c->in.data + n, c->in.len - n);
	c->in.len -= n;
}

/* Run the steps that can run with what the client has sent. */
static void
fake_advance(struct transport_conn *c)
{
	const struct transport_fake_script *s = c->s;

	while (!c->closed && !c->send_err) {
		const struct transport_fake_step *st = c->pos < s->nsteps ? &s->steps[c->pos] : NULL;
		const char *line;
		size_t n;

		if (st != NULL && st->expect == NULL) {
			fake_act(c, st);
			c->pos++;
			continue;
		}
		if ((n = fake_line(c, &line)) == 0)
			return;		/* more input first */
		if (st != NULL && strcmp(st->expect, ".") == 0) {
			int dot = n >= 2 && line[0] == '.' && (line[1] == '\r' || line[1] == '\n');

			fake_consume(c, n);
			if (dot) {
				fake_act(c, st);
				c->pos++;
			}
			continue;
		}
		if (st != NULL && strncasecmp(line, st->expect, strlen(st->expect)) == 0) {
			fake_consume(c, n);
			fake_act(c, st);
			c->pos++;
			continue;
		}
		if (st == NULL && n >= 4 && strncasecmp(line, "QUIT", 4) == 0)
			fake_reply(c, "221 2.0.0 Bye\r\n");
		else {
			fake_mismatch(c, line, n);
			fake_reply(c, "503 5.5.1 fake: unexpected command\r\n");
		}
		fake_consume(c, n);
	}
}

static int
fake_open(const struct transport_params *p, struct transport_conn **out, int *err)
{
	const struct transport_fake_script *s = p->arg;
	struct transport_conn *c;

	*out = NULL;
	if (s == NULL) {
		*err = EINVAL;
		return -1;
	}
	if (s->record != NULL)
		s->record->opened++;
	if (s->connect_err != 0) {
		*err = s->connect_err;
		return -1;
	}
	*err = 0;
	c = xcalloc(1, sizeof(*c));
	c->s = s;
	buf_init(&c->in);
	buf_init(&c->out);
	fake_advance(c);
	*out = c;
	return 0;
}

static ssize_t
fake_send(struct transport_conn *c, const void *buf, size_t n, int more)
{
	(void)more;
	if (c->send_err) {
		errno = c->send_err;
		return -1;
	}
	if (c->closed) {
		errno = EPIPE;
		return -1;
	}
	if (c->s->record != NULL)
		buf_append(&c->s->record->sent, buf, n);
	buf_append(&c->in, buf, n);
	fake_advance(c);
	return (ssize_t)n;
}

static ssize_t
fake_recv(struct transport_conn *c, void *buf, size_t n)
{
	size_t left = c->out.len - c->outpos;

	if (left > 0) {
		if (n > left)
			n = left;
		memcpy(buf, c->out.data + c->outpos, n);
		c->outpos += n;
		return (ssize_t)n;
	}
	if (c->recv_err) {
		errno = c->recv_err;
		return -1;
	}
	if (c->closed)
		return 0;
	errno = EAGAIN;
	return -1;
}

static int
fake_wait(struct transport_conn *c, short events, int timeout_ms)
{
	if ((events & POLLOUT) != 0)
		return 1;
	if (c->out.len > c->outpos || c->closed || c->recv_err)
		return 1;
	/* nothing will come before the client sends more: the wait times out */
	if (timeout_ms > 0)
		usleep((useconds_t)timeout_ms * 1000);
	return 0;
}

static int
fake_snapshot(struct transport_conn *c, struct tcpinfo_snap *out)
{
	if (!c->s->snap.valid) {
		memset(out, 0, sizeof(*out));
		errno = ENOTSOCK;
		return -1;
	}
	*out = c->s->snap;
	return 0;
}

static int
fake_id(const struct transport_conn *c)
{
	(void)c;
	return 3;
}

static void
fake_close(struct transport_conn *c)
{
	if (c == NULL)
		return;
	if (c->s->record != NULL)
		c->s->record->steps_done = c->pos;
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* The fake's own end: an address of TEST-NET-1 (RFC 5737). */
static int
fake_local_literal(const struct transport_conn *c, char *out, size_t n)
{
	(void)c;
	return snprintf(out, n, "[192.0.2.1]") < (int)n ? 0 : -1;
}

const struct transport transport_fake = {
	"fake", fake_open, fake_send, fake_recv, fake_wait, fake_snapshot, fake_id,
	fake_local_literal,
	fake_close,
};
