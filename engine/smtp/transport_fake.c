/*
 * transport_fake: a scripted SMTP peer in memory, behind the transport
 * interface (see transport_fake.h). Everything happens inside the client's
 * calls: a send plays the script as far as the client's lines allow, and a
 * wait for a reply plays delays by moving the fake's clock instead of
 * sleeping.
 */
#include "smtp/transport_fake.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/xmem.h"

struct transport_fake {
	const struct transport_fake_step *steps;
	size_t			 nsteps;
	size_t			 pc;		/* the next step to play */
	size_t			 delay_pc;	/* the DELAY step under way */
	unsigned		 delay_left;	/* its ms still to pass */
	unsigned long long	 clock;
	struct buf		 in;		/* client bytes not yet read */
	struct buf		 sent;		/* every client byte */
	struct buf		 out;		/* peer bytes */
	size_t			 out_off;	/* how many the client read */
	int			 closed;
	int			 recv_err;	/* reads fail with it (after out) */
	int			 send_err;	/* sends fail with it */
	unsigned		 connects;
	struct tcpinfo_snap	 snap;
	volatile sig_atomic_t	*stop;
	char			 error[ERR_LEN];
};

/* This transport's connection (each transport's .c has its own). */
struct transport_conn {
	struct transport_fake	*f;
};

const char *
transport_fake_op_name(enum transport_fake_op op)
{
	switch (op) {
#define X(id, name) case id: return name;
	TRANSPORT_FAKE_OPS(X)
#undef X
	}
	return "?";
}

struct transport_fake *
transport_fake_new(const struct transport_fake_step *steps, size_t nsteps)
{
	struct transport_fake *f = xcalloc(1, sizeof(*f));

	f->steps = steps;
	f->nsteps = nsteps;
	f->delay_pc = SIZE_MAX;
	buf_init(&f->in);
	buf_init(&f->sent);
	buf_init(&f->out);
	return f;
}

void
transport_fake_free(struct transport_fake *f)
{
	if (f == NULL)
		return;
	buf_free(&f->in);
	buf_free(&f->sent);
	buf_free(&f->out);
	free(f);
}

void
transport_fake_set_snapshot(struct transport_fake *f, const struct tcpinfo_snap *snap)
{
	f->snap = *snap;
}

void
transport_fake_stop_flag(struct transport_fake *f, volatile sig_atomic_t *flag)
{
	f->stop = flag;
}

unsigned long long
transport_fake_now(const struct transport_fake *f)
{
	return f->clock;
}

const char *
transport_fake_sent(const struct transport_fake *f)
{
	return buf_str(&f->sent);
}

const char *
transport_fake_error(const struct transport_fake *f)
{
	return f->error[0] ? f->error : NULL;
}

size_t
transport_fake_played(const struct transport_fake *f)
{
	return f->pc;
}

unsigned
transport_fake_connects(const struct transport_fake *f)
{
	return f->connects;
}

/* The script went wrong: keep the first reason, and reset the connection. */
static void
fake_mismatch(struct transport_fake *f, const char *line, size_t len)
{
	const struct transport_fake_step *st = &f->steps[f->pc];

	if (f->error[0] == '\0')
		(void)err_set(f->error, "step %zu (%s%s%s%s): the client sent \"%.*s\"",
		    f->pc + 1, transport_fake_op_name(st->op), st->text ? " \"" : "",
		    st->text ? st->text : "", st->text ? "\"" : "",
		    (int)(len > 200 ? 200 : len), line);
	f->recv_err = f->send_err = ECONNRESET;
}

/*
 * Take one line of the client's (without its line end) from f->in, or
 * return 0 when no whole line has come yet.
 */
static int
fake_line(struct transport_fake *f, struct buf *line)
{
	char *nl = f->in.len ? memchr(f->in.data, '\n', f->in.len) : NULL;
	size_t used, len;

	if (nl == NULL)
		return 0;
	used = (size_t)(nl - f->in.data) + 1;
	len = used - 1;
	if (len > 0 && f->in.data[len - 1] == '\r')
		len--;
	buf_reset(line);
	buf_append(line, f->in.data, len);
	memmove(f->in.data, f->in.data + used, f->in.len - used);
	f->in.len -= used;
	f->in.data[f->in.len] = '\0';
	return 1;
}

/* Play steps until one has to wait for the client or for time. */
static void
fake_play(struct transport_fake *f)
{
	struct buf line = BUF_INIT;

	while (!f->closed && !f->recv_err && f->pc < f->nsteps) {
		const struct transport_fake_step *st = &f->steps[f->pc];

		switch (st->op) {
		case FAKE_SAY:
			buf_puts(&f->out, st->text);
			break;
		case FAKE_EXPECT:
			if (!fake_line(f, &line))
				goto out;
			if (strncasecmp(buf_str(&line), st->text, strlen(st->text)) != 0) {
				fake_mismatch(f, line.data, line.len);
				goto out;
			}
			break;
		case FAKE_MESSAGE:
			for (;;) {
				if (!fake_line(f, &line))
					goto out;
				if (strcmp(buf_str(&line), ".") == 0)
					break;
			}
			break;
		case FAKE_CLOSE:
			f->closed = 1;
			break;
		case FAKE_RESET:
			f->recv_err = f->send_err = ECONNRESET;
			break;
		case FAKE_RECV_ERROR:
			f->recv_err = st->n ? (int)st->n : EIO;
			break;
		case FAKE_SEND_ERROR:
			f->send_err = st->n ? (int)st->n : EPIPE;
			break;
		case FAKE_STOP:
			if (f->stop != NULL)
				*f->stop = 1;
			break;
		case FAKE_DELAY:
		case FAKE_SILENT:
			goto out;	/* fake_wait() plays these */
		case FAKE_CONNECT_FAIL:
			if (f->error[0] == '\0')
				(void)err_set(f->error, "step %zu (connect-fail): only the "
				    "first step may be connect-fail", f->pc + 1);
			f->recv_err = f->send_err = ECONNRESET;
			goto out;
		}
		f->pc++;
	}
	if (f->pc == f->nsteps)
		f->closed = 1;	/* the end of the script */
out:
	buf_free(&line);
}

static unsigned long long
fake_now_ms(void *arg)
{
	return arg ? ((struct transport_fake *)arg)->clock : 0;
}

static int
fake_open(const struct transport_params *p, struct transport_conn **out, int *err)
{
	struct transport_fake *f = p->arg;

	*out = NULL;
	*err = 0;
	if (f == NULL) {
		*err = ENXIO;	/* no script given */
		return -1;
	}
	f->connects++;
	f->pc = 0;
	f->delay_pc = SIZE_MAX;
	f->closed = f->recv_err = f->send_err = 0;
	buf_reset(&f->in);
	buf_reset(&f->out);
	f->out_off = 0;
	if (f->nsteps > 0 && f->steps[0].op == FAKE_CONNECT_FAIL) {
		f->pc = 1;
		*err = (int)f->steps[0].n;
		if (*err == ETIMEDOUT)
			f->clock += p->connect_ms;
		if (*err != ECONNRESET)
			return -1;
		f->recv_err = f->send_err = ECONNRESET;
	}
	*out = xmalloc(sizeof(**out));
	(*out)->f = f;
	fake_play(f);
	return 0;
}

static int
fake_wait(struct transport_conn *c, int what, unsigned long long deadline, int *err)
{
	struct transport_fake *f = c->f;

	(void)err;
	if (what == TRANSPORT_WAIT_WRITE)
		return 1;	/* the fake takes any amount at once */
	for (;;) {
		const struct transport_fake_step *st;

		fake_play(f);
		if (f->out_off < f->out.len || f->closed || f->recv_err)
			return 1;
		st = &f->steps[f->pc];	/* pc < nsteps, else closed */
		if (st->op == FAKE_DELAY) {
			if (f->delay_pc != f->pc) {
				f->delay_pc = f->pc;
				f->delay_left = st->n;
			}
			if (f->clock + f->delay_left <= deadline) {
				f->clock += f->delay_left;
				f->delay_left = 0;
				f->pc++;
				continue;
			}
			if (f->clock < deadline) {
				f->delay_left -= (unsigned)(deadline - f->clock);
				f->clock = deadline;
			}
			return 0;
		}
		/* SILENT, or waiting for a line the client has not sent: no
		   reply will ever come. */
		if (f->clock < deadline)
			f->clock = deadline;
		return 0;
	}
}

static ssize_t
fake_send(struct transport_conn *c, const void *data, size_t n, int more, int *err)
{
	struct transport_fake *f = c->f;

	(void)more;
	if (f->send_err) {
		*err = f->send_err;
		return -1;
	}
	buf_append(&f->sent, data, n);
	if (!f->closed) {	/* after a close, TCP takes the bytes and drops them */
		buf_append(&f->in, data, n);
		fake_play(f);
	}
	return (ssize_t)n;
}

static ssize_t
fake_recv(struct transport_conn *c, void *data, size_t n, int *err)
{
	struct transport_fake *f = c->f;
	size_t have = f->out.len - f->out_off;

	if (have > 0) {
		if (n > have)
			n = have;
		memcpy(data, f->out.data + f->out_off, n);
		f->out_off += n;
		return (ssize_t)n;
	}
	if (f->recv_err) {
		*err = f->recv_err;
		return -1;
	}
	if (f->closed)
		return 0;
	*err = EAGAIN;
	return -1;
}

static int
fake_snapshot(struct transport_conn *c, struct tcpinfo_snap *out)
{
	if (!c->f->snap.valid) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	*out = c->f->snap;
	return 0;
}

static int
fake_id(const struct transport_conn *c)
{
	(void)c;
	return 3;
}

/* The fake's own end: an address of TEST-NET-1 (RFC 5737). */
static int
fake_local_literal(const struct transport_conn *c, char *out, size_t n)
{
	(void)c;
	return snprintf(out, n, "[192.0.2.1]") < (int)n ? 0 : -1;
}

static void
fake_close(struct transport_conn *c)
{
	free(c);
}

const struct transport transport_fake = {
	"fake", fake_now_ms, fake_open, fake_wait, fake_send, fake_recv, fake_snapshot, fake_id,
	fake_local_literal, fake_close,
};
