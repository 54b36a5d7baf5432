/*
 * probe_fake: a scripted SMTP peer in memory, behind the probe transport
 * interface. Everything happens inside the client's calls: a send plays the
 * script as far as the client's lines allow, and a wait for a reply plays
 * delays by moving the fake's clock instead of sleeping.
 */
#include "probe_fake.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/xmem.h"

struct probe_fake {
	const struct probe_fake_step	*steps;
	size_t				 nsteps;
	size_t				 pc;		/* the next step to play */
	size_t				 delay_pc;	/* the DELAY step under way */
	unsigned			 delay_left;	/* its ms still to pass */
	unsigned long long		 clock;
	struct buf			 in;		/* client bytes not yet read */
	struct buf			 sent;		/* every client byte */
	struct buf			 out;		/* peer bytes */
	size_t				 out_off;	/* how many the client read */
	int				 closed;
	int				 reset;
	unsigned			 connects;
	char				 error[ERR_LEN];
};

/* This transport's connection (each transport's .c has its own). */
struct probe_conn {
	struct probe_fake	*f;
};

const char *
probe_fake_op_name(enum probe_fake_op op)
{
	switch (op) {
#define X(id, name) case id: return name;
	PROBE_FAKE_OPS(X)
#undef X
	}
	return "?";
}

struct probe_fake *
probe_fake_new(const struct probe_fake_step *steps, size_t nsteps)
{
	struct probe_fake *f = xcalloc(1, sizeof(*f));

	f->steps = steps;
	f->nsteps = nsteps;
	f->delay_pc = SIZE_MAX;
	buf_init(&f->in);
	buf_init(&f->sent);
	buf_init(&f->out);
	return f;
}

void
probe_fake_free(struct probe_fake *f)
{
	if (f == NULL)
		return;
	buf_free(&f->in);
	buf_free(&f->sent);
	buf_free(&f->out);
	free(f);
}

unsigned long long
probe_fake_now(const struct probe_fake *f)
{
	return f->clock;
}

const char *
probe_fake_sent(const struct probe_fake *f)
{
	return buf_str(&f->sent);
}

const char *
probe_fake_error(const struct probe_fake *f)
{
	return f->error[0] ? f->error : NULL;
}

size_t
probe_fake_played(const struct probe_fake *f)
{
	return f->pc;
}

unsigned
probe_fake_connects(const struct probe_fake *f)
{
	return f->connects;
}

/* The script went wrong: keep the first reason, and reset the connection. */
static void
fake_mismatch(struct probe_fake *f, const char *line, size_t len)
{
	const struct probe_fake_step *st = &f->steps[f->pc];

	if (f->error[0] == '\0')
		(void)err_set(f->error, "step %zu (%s%s%s%s): the client sent \"%.*s\"",
		    f->pc + 1, probe_fake_op_name(st->op), st->text ? " \"" : "",
		    st->text ? st->text : "", st->text ? "\"" : "",
		    (int)(len > 200 ? 200 : len), line);
	f->reset = 1;
}

/*
 * Take one line of the client's (without its line end) from f->in, or
 * return 0 when no whole line has come yet.
 */
static int
fake_line(struct probe_fake *f, struct buf *line)
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
fake_play(struct probe_fake *f)
{
	struct buf line = BUF_INIT;

	while (!f->closed && !f->reset && f->pc < f->nsteps) {
		const struct probe_fake_step *st = &f->steps[f->pc];

		switch (st->op) {
		case PROBE_FAKE_SAY:
			buf_puts(&f->out, st->text);
			break;
		case PROBE_FAKE_EXPECT:
			if (!fake_line(f, &line))
				goto out;
			if (strncasecmp(buf_str(&line), st->text, strlen(st->text)) != 0) {
				fake_mismatch(f, line.data, line.len);
				goto out;
			}
			break;
		case PROBE_FAKE_MESSAGE:
			for (;;) {
				if (!fake_line(f, &line))
					goto out;
				if (strcmp(buf_str(&line), ".") == 0)
					break;
			}
			break;
		case PROBE_FAKE_CLOSE:
			f->closed = 1;
			break;
		case PROBE_FAKE_RESET:
			f->reset = 1;
			break;
		case PROBE_FAKE_DELAY:
		case PROBE_FAKE_SILENT:
			goto out;	/* fake_wait() plays these */
		case PROBE_FAKE_CONNECT_FAIL:
			if (f->error[0] == '\0')
				(void)err_set(f->error, "step %zu (connect-fail): only the "
				    "first step may be connect-fail", f->pc + 1);
			f->reset = 1;
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
	return arg ? ((struct probe_fake *)arg)->clock : 0;
}

static int
fake_connect(void *arg, const char *addr, unsigned port, unsigned long long deadline,
    struct probe_conn **conn, int *e)
{
	struct probe_fake *f = arg;

	(void)addr;
	(void)port;
	*conn = NULL;
	*e = 0;
	if (f == NULL) {
		*e = ENXIO;	/* no script given */
		return -1;
	}
	f->connects++;
	f->pc = 0;
	f->delay_pc = SIZE_MAX;
	f->closed = f->reset = 0;
	buf_reset(&f->in);
	buf_reset(&f->out);
	f->out_off = 0;
	if (f->nsteps > 0 && f->steps[0].op == PROBE_FAKE_CONNECT_FAIL) {
		f->pc = 1;
		*e = (int)f->steps[0].n;
		if (*e == ETIMEDOUT && f->clock < deadline)
			f->clock = deadline;
		if (*e != ECONNRESET)
			return -1;
		f->reset = 1;
	}
	*conn = xmalloc(sizeof(**conn));
	(*conn)->f = f;
	fake_play(f);
	return 0;
}

static int
fake_wait(struct probe_conn *c, int what, unsigned long long deadline, int *e)
{
	struct probe_fake *f = c->f;

	(void)e;
	if (what == PROBE_WAIT_WRITE)
		return 1;	/* the fake takes any amount at once */
	for (;;) {
		const struct probe_fake_step *st;

		fake_play(f);
		if (f->out_off < f->out.len || f->closed || f->reset)
			return 1;
		st = &f->steps[f->pc];	/* pc < nsteps, else closed */
		if (st->op == PROBE_FAKE_DELAY) {
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
fake_send(struct probe_conn *c, const void *data, size_t n, int *e)
{
	struct probe_fake *f = c->f;

	if (f->reset) {
		*e = ECONNRESET;
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
fake_recv(struct probe_conn *c, void *data, size_t n, int *e)
{
	struct probe_fake *f = c->f;
	size_t have = f->out.len - f->out_off;

	if (have > 0) {
		if (n > have)
			n = have;
		memcpy(data, f->out.data + f->out_off, n);
		f->out_off += n;
		return (ssize_t)n;
	}
	if (f->reset) {
		*e = ECONNRESET;
		return -1;
	}
	if (f->closed)
		return 0;
	*e = EAGAIN;
	return -1;
}

static void
fake_close(struct probe_conn *c)
{
	free(c);
}

const struct probe_transport probe_fake_transport = {
	"fake", fake_now_ms, fake_connect, fake_wait, fake_send, fake_recv, fake_close
};
