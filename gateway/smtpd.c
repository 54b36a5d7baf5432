/* smtpd: the server side of an SMTP session, without I/O (see smtpd.h). */
#define _GNU_SOURCE	/* strcasestr */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtpd.h"
#include "util/xmem.h"

/* Data is handed to the sink in pieces of this size. */
#define SMTPD_OUT_CHUNK	65536

static const char *const bare_lf_names[] = {
#define X(e, s) s,
	SMTPD_BARE_LF_LIST(X)
#undef X
};

const char *
smtpd_bare_lf_to_text(enum smtpd_bare_lf b)
{
	return (unsigned)b < SMTPD_BARE_LF_COUNT ? bare_lf_names[b] : "?";
}

int
smtpd_bare_lf_from_text(const char *s)
{
	int i;

	for (i = 0; i < SMTPD_BARE_LF_COUNT; i++)
		if (strcmp(s, bare_lf_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Where the DATA parser is, byte by byte (smtpd.h says what ends the data):
 * at the start of a line after CR LF (or at the start of the data), at the
 * start of a line after a bare LF, after a dot at either, after that dot and
 * a CR, in a line, after a CR in a line.
 */
enum data_state {
	D_BOL,		/* a line starts; the line end before it was CR LF */
	D_BOL_LF,	/* a line starts after a bare LF (normalize only) */
	D_DOT,		/* "." at D_BOL */
	D_DOT_CR,	/* ".\r" at D_BOL: an LF now is the end of the data */
	D_LFDOT,	/* "." at D_BOL_LF */
	D_LFDOT_CR,	/* ".\r" at D_BOL_LF: never the end */
	D_MID,		/* in a line */
	D_CR		/* a CR in a line: an LF makes it a line end */
};

enum mode {
	M_COMMAND,
	M_DATA,
	M_CLOSED	/* the session is over: input is ignored */
};

struct smtpd {
	const struct smtpd_params *p;
	enum mode	 mode;
	/* the command line being read */
	char		 line[SMTPD_CMD_MAX + 2];
	size_t		 linelen;
	int		 toolong;	/* the line passed SMTPD_CMD_MAX: skipped to its end */
	unsigned char	 last;		/* the line's last byte so far (a CR before the LF?) */
	int		 errors;
	unsigned	 queued;
	/* the transaction */
	int		 have_from;
	char		 from[SMTPD_ADDR_MAX];
	char		**rcpts;
	size_t		 nrcpts, rcap;
	/* the data */
	enum data_state	 ds;
	void		*h;		/* the sink's handle, NULL when begin failed */
	struct buf	 out;		/* data not yet handed to the sink */
	size_t		 size;		/* bytes of data stored (wire form) */
	int		 too_big;
	int		 failed;	/* the sink failed: 451 at the end */
};

struct smtpd *
smtpd_new(const struct smtpd_params *p)
{
	struct smtpd *s = xcalloc(1, sizeof(*s));

	s->p = p;
	s->mode = M_COMMAND;
	return s;
}

static void
reset_transaction(struct smtpd *s)
{
	size_t i;

	for (i = 0; i < s->nrcpts; i++)
		free(s->rcpts[i]);
	s->nrcpts = 0;
	s->have_from = 0;
	s->from[0] = '\0';
}

static void
drop_data(struct smtpd *s)
{
	if (s->h != NULL)
		s->p->sink->abort(s->h);
	s->h = NULL;
	buf_free(&s->out);
}

void
smtpd_free(struct smtpd *s)
{
	if (s == NULL)
		return;
	drop_data(s);
	reset_transaction(s);
	free(s->rcpts);
	free(s);
}

unsigned
smtpd_queued(const struct smtpd *s)
{
	return s->queued;
}

int
smtpd_in_data(const struct smtpd *s)
{
	return s->mode == M_DATA;
}

static void
reply(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reply(struct buf *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(out, fmt, ap);
	va_end(ap);
	buf_append(out, "\r\n", 2);
}

void
smtpd_greeting(struct smtpd *s, struct buf *out)
{
	reply(out, "220 %s smtpgw ESMTP", s->p->hostname);
}

static void
close_with(struct smtpd *s, struct buf *out, const char *text)
{
	drop_data(s);
	reply(out, "%s", text);
	s->mode = M_CLOSED;
}

void
smtpd_timeout(struct smtpd *s, struct buf *out)
{
	char text[300];

	if (s->mode == M_CLOSED)
		return;
	snprintf(text, sizeof(text), "421 4.4.2 %.200s timeout, closing the connection",
	    s->p->hostname);
	close_with(s, out, text);
}

void
smtpd_shutdown(struct smtpd *s, struct buf *out)
{
	char text[300];

	if (s->mode == M_CLOSED)
		return;
	snprintf(text, sizeof(text), "421 4.3.2 %.200s shutting down, try again later",
	    s->p->hostname);
	close_with(s, out, text);
}

/* Postfix's smtpd_forbid_bare_newline = reject: the reply, and the end. */
static void
bare_lf(struct smtpd *s, struct buf *out)
{
	close_with(s, out, "550 5.5.2 bare <LF> received: lines must end in <CR><LF> "
	    "(RFC 5321 2.3.8)");
}

/* ---- commands ---- */

/* The address in "FROM:<addr> ..." / "TO:<addr>": into out; -1 if malformed. */
static int
path_arg(const char *arg, size_t n, const char *key, char *out, size_t outlen,
    const char **rest)
{
	size_t kl = strlen(key), i, j;

	if (n < kl || strncasecmp(arg, key, kl) != 0)
		return -1;
	i = kl;
	while (i < n && arg[i] == ' ')
		i++;
	if (i >= n || arg[i] != '<')
		return -1;
	for (j = i + 1; j < n && arg[j] != '>'; j++)
		if ((unsigned char)arg[j] <= ' ' || arg[j] == '<' || arg[j] == 0x7f)
			return -1;
	if (j >= n || j - i - 1 >= outlen)
		return -1;
	memcpy(out, arg + i + 1, j - i - 1);
	out[j - i - 1] = '\0';
	*rest = arg + j + 1;
	return 0;
}

/* SIZE=n among MAIL's parameters (a word of its own), or 0. */
static unsigned long long
mail_size(const char *params)
{
	const char *p = params;

	while ((p = strcasestr(p, "SIZE=")) != NULL) {
		if (p == params || p[-1] == ' ')
			return strtoull(p + 5, NULL, 10);
		p += 5;
	}
	return 0;
}

static void begin_data(struct smtpd *s);

/* One command line (without its line end, NUL-terminated, n bytes). 0, or
 * -1 when it was refused (counted as an error). */
static int
command(struct smtpd *s, const char *cmd, size_t n, struct buf *out)
{
	const struct smtpd_params *p = s->p;
	char addr[SMTPD_ADDR_MAX];
	const char *rest;

	if (memchr(cmd, '\0', n) != NULL) {
		reply(out, "500 5.5.1 command not recognized");
		return -1;
	}
	if (strncasecmp(cmd, "EHLO ", 5) == 0) {
		reply(out, "250-%s\r\n250-PIPELINING\r\n250-SIZE %zu\r\n250 8BITMIME",
		    p->hostname, p->max_size);
		reset_transaction(s);
	} else if (strncasecmp(cmd, "HELO ", 5) == 0) {
		reply(out, "250 %s", p->hostname);
		reset_transaction(s);
	} else if (strncasecmp(cmd, "MAIL ", 5) == 0) {
		if (s->have_from) {
			reply(out, "503 5.5.1 nested MAIL");
			return -1;
		}
		if (path_arg(cmd + 5, n - 5, "FROM:", s->from, sizeof(s->from), &rest) != 0) {
			s->from[0] = '\0';
			reply(out, "501 5.1.7 bad sender address syntax");
			return -1;
		}
		if (mail_size(rest) > p->max_size) {
			s->from[0] = '\0';
			reply(out, "552 5.3.4 message too big");
			return 0;
		}
		s->have_from = 1;
		reply(out, "250 2.1.0 ok");
	} else if (strncasecmp(cmd, "RCPT ", 5) == 0) {
		if (!s->have_from) {
			reply(out, "503 5.5.1 MAIL first");
			return -1;
		}
		if (path_arg(cmd + 5, n - 5, "TO:", addr, sizeof(addr), &rest) != 0 ||
		    addr[0] == '\0') {
			reply(out, "501 5.1.3 bad recipient address syntax");
			return -1;
		}
		if (s->nrcpts >= SMTPD_MAX_RCPTS) {
			reply(out, "452 4.5.3 too many recipients");
			return 0;
		}
		s->rcpts = xgrow(s->rcpts, &s->rcap, s->nrcpts + 1, sizeof(*s->rcpts));
		s->rcpts[s->nrcpts++] = xstrdup(addr);
		reply(out, "250 2.1.5 ok");
	} else if (strcasecmp(cmd, "DATA") == 0) {
		if (s->nrcpts == 0) {
			reply(out, "503 5.5.1 RCPT first");
			return -1;
		}
		reply(out, "354 end with <CR><LF>.<CR><LF>");
		begin_data(s);
	} else if (strcasecmp(cmd, "RSET") == 0) {
		reply(out, "250 2.0.0 ok");
		reset_transaction(s);
	} else if (strcasecmp(cmd, "NOOP") == 0 || strncasecmp(cmd, "NOOP ", 5) == 0) {
		reply(out, "250 2.0.0 ok");
	} else if (strcasecmp(cmd, "QUIT") == 0) {
		reply(out, "221 2.0.0 bye");
		s->mode = M_CLOSED;
	} else if (strncasecmp(cmd, "VRFY", 4) == 0 && (n == 4 || cmd[4] == ' ')) {
		reply(out, "252 2.5.2 cannot verify, will try");
	} else {
		reply(out, "500 5.5.1 command not recognized");
		return -1;
	}
	return 0;
}

/* A whole command line has been read (without its line end). */
static void
line_done(struct smtpd *s, struct buf *out)
{
	int refused;

	if (s->toolong) {
		reply(out, "500 5.5.2 line too long");
		refused = 1;
	} else {
		s->line[s->linelen] = '\0';
		refused = command(s, s->line, s->linelen, out) != 0;
	}
	s->linelen = 0;
	s->toolong = 0;
	s->last = 0;
	if (refused && ++s->errors >= SMTPD_MAX_ERRORS && s->mode != M_CLOSED)
		close_with(s, out, "421 4.7.0 too many errors");
}

/* Command bytes from in[0, n) up to the end of one command line (or all of
 * them); returns the bytes used. */
static size_t
feed_command(struct smtpd *s, const char *in, size_t n, struct buf *out)
{
	const char *lf = memchr(in, '\n', n);
	size_t take = lf ? (size_t)(lf - in) : n;

	if (take > 0) {
		s->last = (unsigned char)in[take - 1];
		/* room for the command and the CR of its line end; a longer
		 * line is skipped to its end */
		if (!s->toolong && s->linelen + take > SMTPD_CMD_MAX + 1)
			s->toolong = 1;
		if (!s->toolong) {
			memcpy(s->line + s->linelen, in, take);
			s->linelen += take;
		}
	}
	if (lf == NULL)
		return n;
	if (s->last == '\r') {
		if (!s->toolong)
			s->linelen--;
	} else if (s->p->bare_lf == SMTPD_BARE_LF_REJECT) {
		bare_lf(s, out);
		return take + 1;
	}
	if (s->linelen > SMTPD_CMD_MAX)
		s->toolong = 1;
	line_done(s, out);
	return take + 1;
}

/* ---- data ---- */

static void
begin_data(struct smtpd *s)
{
	s->mode = M_DATA;
	s->ds = D_BOL;
	s->size = 0;
	s->too_big = 0;
	s->failed = 0;
	buf_reset(&s->out);
	s->h = s->p->sink->begin(s->p->sink_arg, s->from, s->rcpts, s->nrcpts);
	if (s->h == NULL)
		s->failed = 1;
}

/* Hand what is buffered to the sink. */
static void
flush_data(struct smtpd *s)
{
	if (s->out.len == 0)
		return;
	if (s->h != NULL && !s->failed && !s->too_big &&
	    s->p->sink->write(s->h, s->out.data, s->out.len) != 0)
		s->failed = 1;
	buf_reset(&s->out);
}

/* Store bytes of the wire form (unless the message is already refused). */
static void
store(struct smtpd *s, const char *p, size_t n)
{
	if (s->failed || s->too_big)
		return;
	if (s->size + n > s->p->max_size) {
		s->too_big = 1;
		buf_reset(&s->out);
		return;
	}
	s->size += n;
	buf_append(&s->out, p, n);
	if (s->out.len >= SMTPD_OUT_CHUNK)
		flush_data(s);
}

/* CR LF . CR LF: the message is complete. */
static void
end_data(struct smtpd *s, struct buf *out)
{
	char id[SPOOL_ID_MAX];

	flush_data(s);
	if (s->too_big) {
		drop_data(s);
		reply(out, "552 5.3.4 message too big");
	} else if (s->failed || s->h == NULL) {
		drop_data(s);
		reply(out, "451 4.3.0 cannot queue the message now");
	} else {
		void *h = s->h;

		s->h = NULL;
		if (s->p->sink->commit(h, id) != 0)
			reply(out, "451 4.3.0 cannot queue the message now");
		else {
			s->queued++;
			reply(out, "250 2.0.0 queued as %s", id);
		}
	}
	buf_free(&s->out);
	reset_transaction(s);
	s->mode = M_COMMAND;
}

/*
 * Data bytes from in[0, n); returns the bytes used: all of them, or those
 * up to the end of the data (the rest are commands) or to a refused bare LF.
 */
static size_t
feed_data(struct smtpd *s, const char *in, size_t n, struct buf *out)
{
	int normalize = s->p->bare_lf == SMTPD_BARE_LF_NORMALIZE;
	size_t i = 0;

	while (i < n) {
		char c = in[i];

		switch (s->ds) {
		case D_BOL:
		case D_BOL_LF:
			if (c == '.') {
				s->ds = s->ds == D_BOL ? D_DOT : D_LFDOT;
				i++;
				continue;
			}
			s->ds = D_MID;
			continue;	/* the same byte, in a line */
		case D_DOT:
		case D_LFDOT:
			if (c == '\r') {
				s->ds = s->ds == D_DOT ? D_DOT_CR : D_LFDOT_CR;
				i++;
				continue;
			}
			if (c == '\n') {
				/* ". LF": a bare LF; never the end */
				if (!normalize) {
					bare_lf(s, out);
					return i + 1;
				}
				store(s, "..\r\n", 4);
				s->ds = D_BOL_LF;
				i++;
				continue;
			}
			store(s, ".", 1);	/* a line that starts with a dot */
			s->ds = D_MID;
			continue;
		case D_DOT_CR:
			if (c == '\n') {
				end_data(s, out);
				return i + 1;
			}
			store(s, ".", 1);
			s->ds = D_CR;
			continue;	/* ".\r" then not LF: the CR is data */
		case D_LFDOT_CR:
			if (c == '\n') {
				/* "LF . CR LF": a dot line, not the end */
				store(s, "..\r\n", 4);
				s->ds = D_BOL;
				i++;
				continue;
			}
			store(s, ".", 1);
			s->ds = D_CR;
			continue;
		case D_CR:
			if (c == '\n') {
				store(s, "\r\n", 2);
				s->ds = D_BOL;
				i++;
				continue;
			}
			store(s, "\r", 1);	/* a bare CR is data */
			s->ds = D_MID;
			continue;
		case D_MID: {
			size_t run = i;

			while (run < n && in[run] != '\r' && in[run] != '\n')
				run++;
			store(s, in + i, run - i);
			i = run;
			if (i == n)
				break;
			if (in[i] == '\r') {
				s->ds = D_CR;
				i++;
				continue;
			}
			/* an LF without a CR */
			if (!normalize) {
				bare_lf(s, out);
				return i + 1;
			}
			store(s, "\r\n", 2);
			s->ds = D_BOL_LF;
			i++;
			continue;
		}
		}
	}
	return n;
}

enum smtpd_status
smtpd_feed(struct smtpd *s, const char *in, size_t n, struct buf *out)
{
	size_t used;

	while (n > 0 && s->mode != M_CLOSED) {
		if (s->mode == M_DATA)
			used = feed_data(s, in, n, out);
		else
			used = feed_command(s, in, n, out);
		in += used;
		n -= used;
	}
	return s->mode == M_CLOSED ? SMTPD_CLOSE : SMTPD_OPEN;
}
