/*
 * faultpeer: a scriptable SMTP peer for loopback tests.
 *
 * A small standalone program (libc only) that listens on a loopback address
 * and plays either a healthy ESMTP server or one fault, the same way for
 * every session: it resets, closes, stays silent, stops reading, closes in
 * the middle of DATA, sends bare LF, rejects EHLO, greets 554 or 421, or
 * greets as a chosen product. The probe tests (issue 6) and the gateway's
 * reliability tests (issue 7) drive it through the command line below; the
 * full description is in tests/peer/README.md and `faultpeer --help`.
 *
 *   faultpeer --listen ADDR:PORT [--port-file FILE] [--fault NAME]
 *             [--banner TEXT] [--maildir DIR] [--sessions N]
 *             [--transcript FILE] [--after N] [--ehlo-ext LIST] [--timeout S]
 *             [--push-ini FILE] [--max-concurrent N]
 *
 * One child process per session, so that a session that hangs on purpose
 * cannot hold up the others and each fault can be written as plain
 * sequential code. The parent accepts, counts sessions, reaps children and
 * on SIGTERM stops them and exits 0.
 *
 * Exit codes: 0 done (N sessions served, or SIGTERM), 1 a system error
 * (cannot listen, cannot write the port file), 2 a usage error.
 */
#define _GNU_SOURCE	/* POLLRDHUP: notice the client's FIN without reading */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <ctype.h>
#include <unistd.h>

/* The faults: name, what it does (for --help). One per run. */
#define FAULT_LIST(X) \
	X(NONE, "none", "a healthy ESMTP server (the default)") \
	X(RESET, "reset", "accept, then RST at once, before any greeting") \
	X(CLOSE_BEFORE_GREETING, "close-before-greeting", "accept and close (FIN) without a word") \
	X(CLOSE_AFTER_GREETING, "close-after-greeting", "send the 220, then close (FIN)") \
	X(SILENT, "silent", "accept and never send anything; keep the socket open") \
	X(NO_READ, "no-read", "answer until DATA's 354, then never read again") \
	X(CLOSE_IN_DATA, "close-in-data", "close (FIN) after --after N bytes of message data") \
	X(RESET_IN_DATA, "reset-in-data", "RST after --after N bytes of message data") \
	X(NO_FINAL_REPLY, "no-final-reply", "take the whole message, never answer the final dot") \
	X(BARE_LF, "bare-lf", "end every reply line with LF only") \
	X(EHLO_500, "ehlo-500", "answer EHLO with 500, HELO normally") \
	X(GREET_554, "greet-554", "greet with 554, then 503 to all but QUIT") \
	X(GREET_421, "greet-421", "greet with 421, then close") \
	X(REPLY_421, "reply-421", "answer reply number --after N after the greeting with 421, close") \
	X(HELO_DOMAIN_REQUIRED, "helo-domain-required", "501 to a HELO/EHLO without a domain") \
	X(RCPT_550, "rcpt-550", "550 to every RCPT (the recipient refused for good)") \
	X(NEEDS_PUSH, "needs-push", "withhold the reply to the final dot unless --push-ini " \
	    "FILE says ForcePushBit=1; close after --after N seconds")

enum fault {
#define X(id, name, help) FAULT_##id,
	FAULT_LIST(X)
#undef X
	FAULT_COUNT
};

static const struct {
	const char	*name;
	const char	*help;
} fault_table[] = {
#define X(id, name, help) { name, help },
	FAULT_LIST(X)
#undef X
};

/* The session's state machine; the transcript records each change. */
#define STATE_LIST(X) \
	X(GREETING, "greeting") \
	X(COMMAND, "command") \
	X(DATA, "data") \
	X(REJECTING, "rejecting")	/* after a 554 greeting: only QUIT works */ \
	X(HANGING, "hanging")		/* a fault keeps the socket open, sends nothing */ \
	X(CLOSING, "closing")		/* FIN sent, reading until the client closes */ \
	X(DONE, "done")

enum state {
#define X(id, text) STATE_##id,
	STATE_LIST(X)
#undef X
};

#define DEFAULT_BANNER	"faultpeer.test ESMTP faultpeer"
#define LINE_MAX_SMTP	1000	/* RFC 5321 4.5.3.1.6: text line, CRLF included */
#define IN_BUF		65536
#define MAX_RCPT	1000
#define ADDR_MAX	512

struct options {
	const char	*listen;	/* ADDR:PORT, an IP literal */
	const char	*port_file;	/* where to write the bound port, or NULL */
	enum fault	 fault;
	const char	*banner;	/* greeting text after the code */
	int		 banner_set;	/* --banner was given */
	const char	*maildir;	/* store accepted messages here, or NULL */
	unsigned long	 sessions;	/* exit after this many; 0 = run until killed */
	const char	*transcript;	/* append the dialogue here, or NULL */
	unsigned long	 after;		/* the count of the faults that take one */
	const char	*ehlo_ext;	/* comma-separated extra EHLO keywords */
	int		 timeout;	/* idle seconds before a 421 (healthy reads) */
	const char	*push_ini;	/* needs-push: the gateway PC's PROTOCOL.INI */
	unsigned long	 max_concurrent;	/* sessions at once; more get 421; 0 = no limit */
};

struct session {
	int		 fd;
	unsigned long	 id;		/* 1, 2, ... in accept order */
	enum state	 state;
	char		 in[IN_BUF];	/* received, not yet consumed */
	size_t		 inlen;
	unsigned long	 replies;	/* replies due so far (reply-421 counts them) */
	unsigned long	 messages;	/* accepted in this session */
	char		 helo[ADDR_MAX];
	int		 in_mail;	/* MAIL accepted */
	char		 from[ADDR_MAX];
	char		*rcpt[MAX_RCPT];
	size_t		 nrcpt;
};

static struct options opt;
static int transcript_fd = -1;
static char host[256];			/* the banner's first word */
static unsigned long long size_limit;	/* from "SIZE n" in --ehlo-ext; 0 = none */
static int sig_pipe[2] = { -1, -1 };

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "faultpeer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* ------------------------------------------------------------------ */
/* Transcript: "ID < line" received, "ID > line" sent, "ID * note". */

static void
tlog(const struct session *s, char dir, const char *text, size_t len)
{
	char line[1200];
	const char *mark = "";
	int n;

	if (transcript_fd < 0)
		return;
	if (len > 0 && text[len - 1] == '\n') {
		len--;
		if (len > 0 && text[len - 1] == '\r')
			len--;
		else if (dir == '<')
			mark = " [bare LF]";
	}
	if (len > 1000) {
		len = 1000;
		mark = " [...]";
	}
	n = snprintf(line, sizeof(line), "%lu %c %.*s%s\n", s->id, dir, (int)len, text, mark);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(transcript_fd, line, (size_t)n);	/* O_APPEND: one line, one write */
}

static void
tnote(const struct session *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tlog(s, '*', msg, strlen(msg));
}

static const char *
state_to_text(enum state st)
{
	static const char *const text[] = {
#define X(id, t) t,
		STATE_LIST(X)
#undef X
	};

	return text[st];
}

static void
enter_state(struct session *s, enum state st)
{
	if (s->state == st)
		return;
	tnote(s, "state %s -> %s", state_to_text(s->state), state_to_text(st));
	s->state = st;
}

/* ------------------------------------------------------------------ */
/* Socket I/O. */

static int
send_all(struct session *s, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tnote(s, "send: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Send one reply line; the line ending is CRLF, or LF for the bare-lf fault. */
static int
reply(struct session *s, const char *fmt, ...)
{
	char line[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		n = (int)sizeof(line) - 3;
	if (opt.fault != FAULT_BARE_LF)
		line[n++] = '\r';
	line[n++] = '\n';
	tlog(s, '>', line, (size_t)n);
	return send_all(s, line, (size_t)n);
}

enum rd { RD_OK, RD_EOF, RD_ERR, RD_TIMEOUT };

/*
 * Read more into s->in, waiting at most timeout_ms (-1: forever).
 */
static enum rd
fill(struct session *s, int timeout_ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (s->inlen == sizeof(s->in))
		return RD_OK;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return RD_TIMEOUT;
	do
		n = read(s->fd, s->in + s->inlen, sizeof(s->in) - s->inlen);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return RD_EOF;
	if (n < 0) {
		tnote(s, "read: %s", strerror(errno));
		return RD_ERR;
	}
	s->inlen += (size_t)n;
	return RD_OK;
}

/*
 * The next line, LF included, into out (at most cap bytes; a longer line is
 * returned in pieces of cap bytes without an LF). *len is its length.
 */
static enum rd
get_line(struct session *s, char *out, size_t cap, size_t *len, int timeout_ms)
{
	for (;;) {
		char *lf = memchr(s->in, '\n', s->inlen);
		size_t n = lf ? (size_t)(lf - s->in) + 1 : s->inlen;

		if (lf || s->inlen >= cap) {
			if (n > cap)
				n = cap;
			memcpy(out, s->in, n);
			memmove(s->in, s->in + n, s->inlen - n);
			s->inlen -= n;
			*len = n;
			return RD_OK;
		}
		enum rd r = fill(s, timeout_ms);

		if (r != RD_OK)
			return r;
	}
}

static int
idle_ms(void)
{
	return opt.timeout > 0 ? opt.timeout * 1000 : -1;
}

/* Close with an RST: SO_LINGER with a zero time makes close() abort. */
static void
close_rst(struct session *s)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	tnote(s, "reset (RST)");
	setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s->fd);
	s->fd = -1;
	enter_state(s, STATE_DONE);
}

/*
 * Close with a FIN: shut down our side, then read and drop what the client
 * still sends until it closes, so that the kernel never turns the close into
 * an RST because of unread data. The client sees end-of-file on read.
 */
static void
close_fin(struct session *s)
{
	unsigned long long dropped = s->inlen;

	enter_state(s, STATE_CLOSING);
	tnote(s, "close (FIN)");
	shutdown(s->fd, SHUT_WR);
	s->inlen = 0;
	while (fill(s, idle_ms()) == RD_OK) {
		dropped += s->inlen;
		s->inlen = 0;
	}
	if (dropped > 0)
		tnote(s, "dropped %llu bytes received after the close", dropped);
	close(s->fd);
	s->fd = -1;
	enter_state(s, STATE_DONE);
}

/*
 * Keep the socket open and send nothing. With reading, what comes is read
 * and dropped (silent, no-final-reply); without, nothing is read ever again
 * (no-read) and only the client's close or reset is noticed. Ends when the
 * client goes away (or faultpeer is stopped).
 */
static void
hang(struct session *s, int reading)
{
	enter_state(s, STATE_HANGING);
	if (reading) {
		s->inlen = 0;
		while (fill(s, -1) == RD_OK)
			s->inlen = 0;
	} else {
		struct pollfd p = { .fd = s->fd, .events = POLLRDHUP };

		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	}
	tnote(s, "client went away");
	close(s->fd);
	s->fd = -1;
	enter_state(s, STATE_DONE);
}

/* ------------------------------------------------------------------ */
/* SMTP. */

static void
reset_transaction(struct session *s)
{
	for (size_t i = 0; i < s->nrcpt; i++)
		free(s->rcpt[i]);
	s->nrcpt = 0;
	s->in_mail = 0;
	s->from[0] = '\0';
}

/*
 * "FROM:<path> params" after the verb: the path (without brackets) into
 * path, and *params at what follows. -1 when the keyword is missing.
 */
static int
parse_path(const char *arg, const char *kw, char *path, size_t cap, const char **params)
{
	size_t kwlen = strlen(kw), n;
	const char *p, *end;

	if (strncasecmp(arg, kw, kwlen) != 0)
		return -1;
	p = arg + kwlen;
	while (*p == ' ')
		p++;
	if (*p == '<') {
		end = strchr(p, '>');
		if (end == NULL)
			return -1;
		p++;
	} else {
		end = p + strcspn(p, " ");
		if (end == p)
			return -1;
	}
	n = (size_t)(end - p);
	if (n >= cap)
		return -1;
	memcpy(path, p, n);
	path[n] = '\0';
	*params = *end == '>' ? end + 1 : end;
	return 0;
}

/* SIZE=n among the MAIL parameters, or 0. */
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

static int
ehlo_reply(struct session *s, const char *arg)
{
	const char *ext = opt.ehlo_ext ? opt.ehlo_ext : "";
	char kw[512];

	if (*ext == '\0')
		return reply(s, "250 %s", host);
	if (reply(s, "250-%s Hello %s", host, arg) < 0)
		return -1;
	while (*ext) {
		size_t n = strcspn(ext, ",");
		int last = ext[n] == '\0';

		snprintf(kw, sizeof(kw), "%.*s", (int)n, ext);
		if (reply(s, "250%c%s", last ? ' ' : '-', kw) < 0)
			return -1;
		ext += last ? n : n + 1;
	}
	return 0;
}

/* A message file's name: unique across sessions and faultpeer processes. */
static void
message_name(const struct session *s, char *out, size_t cap)
{
	snprintf(out, cap, "%lld.P%ldS%luM%lu", (long long)time(NULL), (long)getpid(), s->id,
	    s->messages + 1);
}

/* Open DIR/tmp/NAME.eml and write the envelope block; -1 on error. */
static int
store_open(struct session *s, const char *name, char *tmp, size_t cap)
{
	char head[4096];
	int fd, n;

	snprintf(tmp, cap, "%s/tmp/%s.eml", opt.maildir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		tnote(s, "open %s: %s", tmp, strerror(errno));
		return -1;
	}
	n = snprintf(head, sizeof(head), "X-Faultpeer-Session: %lu\r\nX-Faultpeer-Helo: %s\r\n"
	    "X-Faultpeer-From: <%s>\r\n", s->id, s->helo, s->from);
	for (size_t i = 0; i < s->nrcpt && n > 0 && (size_t)n < sizeof(head); i++)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "X-Faultpeer-To: <%s>\r\n",
		    s->rcpt[i]);
	if (n < 0 || (size_t)n + 2 >= sizeof(head))
		n = (int)sizeof(head) - 3;	/* very many recipients: the block is cut */
	memcpy(head + n, "\r\n", 2);
	if (write(fd, head, (size_t)n + 2) != n + 2) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	return fd;
}

/* fsync, then rename DIR/tmp/NAME.eml to DIR/new/NAME.eml and fsync new/. */
static int
store_commit(int fd, const char *tmp, const char *name)
{
	char dst[PATH_MAX], dir[PATH_MAX];
	int dfd, rc = -1;

	snprintf(dst, sizeof(dst), "%s/new/%s.eml", opt.maildir, name);
	snprintf(dir, sizeof(dir), "%s/new", opt.maildir);
	if (fsync(fd) == 0 && close(fd) == 0 && rename(tmp, dst) == 0)
		rc = 0;
	else
		unlink(tmp);
	if (rc == 0 && (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return rc;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Count one reply due; for reply-421, answer the Nth with 421 and close. */
static int
reply_due(struct session *s)
{
	s->replies++;
	if (opt.fault == FAULT_REPLY_421 && s->replies == opt.after) {
		reply(s, "421 4.3.0 %s Service not available, closing transmission channel",
		    host);
		close_fin(s);
		return -1;
	}
	return 0;
}

/*
 * needs-push: does the gateway PC's PROTOCOL.INI set ForcePushBit=1 in
 * [TCPIP] or [TCPIP_XIF]? Read at each final dot, so that an edit shows at
 * once. A deliberately small reader (sections and names without regard to
 * case, blanks and a ';' comment dropped, the last setting counts, Ctrl-Z
 * ends the file); kbdiag's own reader is engine/probe_dos.c.
 */
static int
push_set(const char *path, char *why, size_t cap)
{
	char buf[65536], line[1024], section[64] = "";
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1, on = 0;
	ssize_t n;
	size_t i, k = 0;

	if (fd < 0) {
		snprintf(why, cap, "%s: %s", path ? path : "no --push-ini", strerror(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\n';
	for (i = 0; i <= (size_t)n && buf[i] != 0x1a; i++) {
		char *p, *e, *eq;

		if (buf[i] != '\r' && buf[i] != '\n') {
			if (k + 1 < sizeof(line))
				line[k++] = buf[i];
			continue;
		}
		line[k] = '\0';
		k = 0;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '[') {
			e = strchr(p, ']');
			snprintf(section, sizeof(section), "%.*s", (int)((e ? e : p + strlen(p)) -
			    p - 1), p + 1);
			continue;
		}
		if ((eq = strchr(p, '=')) == NULL || (strcasecmp(section, "TCPIP") != 0 &&
		    strcasecmp(section, "TCPIP_XIF") != 0))
			continue;
		for (e = eq; e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if ((size_t)(e - p) != 12 || strncasecmp(p, "ForcePushBit", 12) != 0)
			continue;
		for (p = eq + 1; *p == ' ' || *p == '\t'; p++)
			;
		e = p + strcspn(p, " \t;");
		on = e - p == 1 && *p == '1';
	}
	snprintf(why, cap, "ForcePushBit %s in %s", on ? "is 1" : "is not 1", path);
	return on;
}

/*
 * After the 354: the message up to the final dot, dot-unstuffed, into a
 * file of the maildir; then the reply. -1 when the session is over.
 */
static int
data_phase(struct session *s)
{
	char chunk[8192], name[128], tmp[PATH_MAX];
	unsigned long long received = 0;
	int at_bol = 1, fd = -1, failed = 0;
	int in_data_fault = opt.fault == FAULT_CLOSE_IN_DATA || opt.fault == FAULT_RESET_IN_DATA;
	size_t len;

	enter_state(s, STATE_DATA);
	if (reply(s, "354 End data with <CR><LF>.<CR><LF>") < 0)
		return -1;
	if (opt.fault == FAULT_NO_READ) {
		hang(s, 0);
		return -1;
	}
	message_name(s, name, sizeof(name));
	if (opt.maildir && (fd = store_open(s, name, tmp, sizeof(tmp))) < 0)
		failed = 1;
	for (;;) {
		size_t cap = sizeof(chunk);
		enum rd r;

		if (in_data_fault && opt.after - received < cap)
			cap = (size_t)(opt.after - received);
		r = get_line(s, chunk, cap, &len, idle_ms());
		if (r != RD_OK) {
			tnote(s, "%s in DATA after %llu bytes", r == RD_EOF ? "end of file" :
			    r == RD_TIMEOUT ? "timeout" : "read error", received);
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			if (r == RD_TIMEOUT)
				reply(s, "421 4.4.2 %s Error: timeout exceeded", host);
			return -1;
		}
		tlog(s, '<', chunk, len);
		if (at_bol && ((len == 3 && memcmp(chunk, ".\r\n", 3) == 0) ||
		    (len == 2 && memcmp(chunk, ".\n", 2) == 0)))
			break;
		received += len;
		if (fd >= 0 && !failed) {
			size_t skip = at_bol && chunk[0] == '.';

			if (write_all(fd, chunk + skip, len - skip) < 0)
				failed = 1;
		}
		at_bol = chunk[len - 1] == '\n';
		if (in_data_fault && received >= opt.after)
			break;
	}
	if (in_data_fault) {
		/* Also when the message was shorter than N: the dot gets no answer. */
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		tnote(s, "fault after %llu bytes of data", received);
		if (opt.fault == FAULT_RESET_IN_DATA)
			close_rst(s);
		else
			close_fin(s);
		return -1;
	}
	if (opt.fault == FAULT_NO_FINAL_REPLY) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		hang(s, 1);
		return -1;
	}
	if (opt.fault == FAULT_NEEDS_PUSH) {
		char why[PATH_MAX + 64];

		if (!push_set(opt.push_ini, why, sizeof(why))) {
			/* The dot sits in the TCP buffer: no reply; the host's own
			   timeout ends the session after --after seconds. */
			tnote(s, "PUSH not set (%s): the reply to the dot is withheld", why);
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			enter_state(s, STATE_HANGING);
			{
				unsigned long long end = (unsigned long long)time(NULL) + opt.after;

				s->inlen = 0;
				enum rd r = RD_OK;

				while ((unsigned long long)time(NULL) < end &&
				    (r = fill(s, 200)) != RD_EOF && r != RD_ERR)
					s->inlen = 0;
			}
			close_fin(s);
			return -1;
		}
		tnote(s, "PUSH set (%s): the dot is seen", why);
	}
	enter_state(s, STATE_COMMAND);
	if (reply_due(s) < 0) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	if (size_limit > 0 && received > size_limit) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		reset_transaction(s);
		return reply(s, "552 5.3.4 Error: message file too big");
	}
	if (failed || (fd >= 0 && store_commit(fd, tmp, name) < 0)) {
		if (fd >= 0)
			unlink(tmp);
		reset_transaction(s);
		return reply(s, "451 4.3.0 Error: cannot store the message");
	}
	s->messages++;
	tnote(s, "accepted %s (%llu bytes)", name, received);
	reset_transaction(s);
	return reply(s, "250 2.0.0 Ok: queued as %s", name);
}

/* One command line (CRLF stripped); -1 when the session is over. */
static int
command(struct session *s, char *line)
{
	char verb[16], path[ADDR_MAX];
	const char *arg, *params;
	size_t vlen = strcspn(line, " ");

	if (vlen >= sizeof(verb))
		vlen = sizeof(verb) - 1;
	memcpy(verb, line, vlen);
	verb[vlen] = '\0';
	arg = line + strcspn(line, " ");
	while (*arg == ' ')
		arg++;
	if (reply_due(s) < 0)
		return -1;

	if (s->state == STATE_REJECTING) {
		if (strcasecmp(verb, "QUIT") == 0) {
			reply(s, "221 2.0.0 Bye");
			return -1;
		}
		return reply(s, "503 5.5.1 Error: no SMTP service here");
	}
	if (strcasecmp(verb, "EHLO") == 0 || strcasecmp(verb, "HELO") == 0) {
		int ehlo = toupper((unsigned char)verb[0]) == 'E';

		if (*arg == '\0' && opt.fault == FAULT_HELO_DOMAIN_REQUIRED)
			return reply(s, "501 5.5.4 Syntax: %s hostname", ehlo ? "EHLO" : "HELO");
		if (ehlo && opt.fault == FAULT_EHLO_500)
			return reply(s, "500 Command not recognized");
		reset_transaction(s);
		snprintf(s->helo, sizeof(s->helo), "%s", arg);
		return ehlo ? ehlo_reply(s, arg) : reply(s, "250 %s", host);
	}
	if (strcasecmp(verb, "MAIL") == 0) {
		unsigned long long size;

		if (s->in_mail)
			return reply(s, "503 5.5.1 Error: nested MAIL command");
		if (parse_path(arg, "FROM:", path, sizeof(path), &params) < 0)
			return reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		size = mail_size(params);
		if (size_limit > 0 && size > size_limit)
			return reply(s, "552 5.3.4 Message size exceeds fixed limit");
		snprintf(s->from, sizeof(s->from), "%s", path);
		s->in_mail = 1;
		return reply(s, "250 2.1.0 Ok");
	}
	if (strcasecmp(verb, "RCPT") == 0) {
		if (!s->in_mail)
			return reply(s, "503 5.5.1 Error: need MAIL command");
		if (parse_path(arg, "TO:", path, sizeof(path), &params) < 0 || path[0] == '\0')
			return reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		if (opt.fault == FAULT_RCPT_550)
			return reply(s, "550 5.1.1 <%s>: Recipient address rejected: User unknown",
			    path);
		if (s->nrcpt == MAX_RCPT)
			return reply(s, "452 4.5.3 Error: too many recipients");
		/* In every mode: recipients named to be refused (README.md). */
		if (strncasecmp(path, "refuse-4", 8) == 0)
			return reply(s, "450 4.2.1 <%s>: Recipient address rejected: Mailbox busy",
			    path);
		if (strncasecmp(path, "refuse-5", 8) == 0)
			return reply(s, "550 5.1.1 <%s>: Recipient address rejected: User unknown",
			    path);
		s->rcpt[s->nrcpt++] = xstrdup(path);
		return reply(s, "250 2.1.5 Ok");
	}
	if (strcasecmp(verb, "DATA") == 0) {
		if (!s->in_mail)
			return reply(s, "503 5.5.1 Error: need MAIL command");
		if (s->nrcpt == 0)
			return reply(s, "554 5.5.1 Error: no valid recipients");
		return data_phase(s);
	}
	if (strcasecmp(verb, "RSET") == 0) {
		reset_transaction(s);
		return reply(s, "250 2.0.0 Ok");
	}
	if (strcasecmp(verb, "NOOP") == 0)
		return reply(s, "250 2.0.0 Ok");
	if (strcasecmp(verb, "VRFY") == 0)
		return reply(s, "252 2.0.0 Send some mail, I'll try my best");
	if (strcasecmp(verb, "QUIT") == 0) {
		reply(s, "221 2.0.0 Bye");
		return -1;
	}
	return reply(s, "500 5.5.2 Error: command not recognized");
}

static void
session_run(struct session *s)
{
	char line[LINE_MAX_SMTP + 1];
	size_t len;

	tnote(s, "connected, fault %s", fault_table[opt.fault].name);
	switch (opt.fault) {
	case FAULT_RESET:
		close_rst(s);
		return;
	case FAULT_CLOSE_BEFORE_GREETING:
		close_fin(s);
		return;
	case FAULT_SILENT:
		hang(s, 1);
		return;
	case FAULT_GREET_421:
		if (opt.banner_set)
			reply(s, "421 %s", opt.banner);
		else
			reply(s, "421 %s Service not available, closing transmission channel",
			    host);
		close_fin(s);
		return;
	case FAULT_GREET_554:
		if (opt.banner_set)
			reply(s, "554 %s", opt.banner);
		else
			reply(s, "554 %s No SMTP service here", host);
		enter_state(s, STATE_REJECTING);
		break;
	default:
		if (reply(s, "220 %s", opt.banner) < 0)
			goto out;
		if (opt.fault == FAULT_CLOSE_AFTER_GREETING) {
			close_fin(s);
			return;
		}
		enter_state(s, STATE_COMMAND);
		break;
	}
	for (;;) {
		enum rd r = get_line(s, line, LINE_MAX_SMTP, &len, idle_ms());

		if (r == RD_TIMEOUT) {
			reply(s, "421 4.4.2 %s Error: timeout exceeded", host);
			break;
		}
		if (r != RD_OK) {
			tnote(s, "%s", r == RD_EOF ? "client closed" : "read error");
			break;
		}
		tlog(s, '<', line, len);
		if (line[len - 1] != '\n') {	/* too long: drop the rest of it */
			do
				r = get_line(s, line, LINE_MAX_SMTP, &len, idle_ms());
			while (r == RD_OK && line[len - 1] != '\n');
			if (r != RD_OK || reply(s, "500 5.5.2 Error: line too long") < 0)
				break;
			continue;
		}
		line[--len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (command(s, line) < 0)
			break;
	}
out:
	reset_transaction(s);
	if (s->fd >= 0) {
		close(s->fd);
		s->fd = -1;
	}
	enter_state(s, STATE_DONE);
}

/* ------------------------------------------------------------------ */
/* The listener. */

static void
on_signal(int sig)
{
	int saved = errno;
	char c = sig == SIGCHLD ? 'C' : 'T';

	(void)!write(sig_pipe[1], &c, 1);
	errno = saved;
}

/* ADDR:PORT or [ADDR]:PORT, an IP literal (never a name: no DNS). */
static int
listen_on(const char *spec, unsigned *port)
{
	char addr[128];
	const char *colon = strrchr(spec, ':'), *a = spec;
	size_t alen;
	struct addrinfo hints = { 0 }, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1, rc;

	if (colon == NULL || colon[1] == '\0')
		die("--listen %s: want ADDR:PORT", spec);
	alen = (size_t)(colon - spec);
	if (alen >= 2 && spec[0] == '[' && colon[-1] == ']') {
		a++;
		alen -= 2;
	}
	if (alen == 0 || alen >= sizeof(addr))
		die("--listen %s: want ADDR:PORT", spec);
	memcpy(addr, a, alen);
	addr[alen] = '\0';
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(addr, colon + 1, &hints, &ai)) != 0) {
		fprintf(stderr, "faultpeer: --listen %s: %s (want an IP literal and a port)\n",
		    spec, gai_strerror(rc));
		exit(2);
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("bind %s: %s", spec, strerror(errno));
	if (listen(fd, 128) < 0)
		die("listen %s: %s", spec, strerror(errno));
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		die("getsockname: %s", strerror(errno));
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* The port into FILE through FILE.tmp and a rename, so readers never see half. */
static void
write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX], text[16];
	int fd, n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		die("--port-file %s: path too long", path);
	n = snprintf(text, sizeof(text), "%u\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, text, (size_t)n) < 0 || fsync(fd) < 0 || close(fd) < 0)
		die("%s: %s", tmp, strerror(errno));
	if (rename(tmp, path) < 0)
		die("rename %s: %s", path, strerror(errno));
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: faultpeer --listen ADDR:PORT [options]\n"
	    "A scriptable SMTP peer for loopback tests: a healthy ESMTP server, or one fault.\n"
	    "\n"
	    "  --listen ADDR:PORT   IP literal and port to listen on (PORT 0: any free port)\n"
	    "  --port-file FILE     write the bound port there (atomically) once listening\n"
	    "  --fault NAME         the fault to play in every session (default none)\n"
	    "  --banner TEXT        greeting text after \"220 \" (default \"%s\")\n"
	    "  --maildir DIR        store accepted messages in DIR/new/*.eml (DIR/tmp first)\n"
	    "  --sessions N         exit after N sessions (default: run until SIGTERM)\n"
	    "  --transcript FILE    append every line received (<) and sent (>), notes (*)\n"
	    "  --after N            the count for close-in-data, reset-in-data (bytes) and\n"
	    "                       reply-421 (replies after the greeting); default 1\n"
	    "  --ehlo-ext LIST      extra EHLO keywords, comma-separated, e.g.\n"
	    "                       \"PIPELINING,SIZE 10485760\" (SIZE n is enforced)\n"
	    "  --timeout SECONDS    idle time before a 421 in a healthy session (default 300;\n"
	    "                       0: none); the hanging faults never time out\n"
	    "  --push-ini FILE      needs-push: the gateway PC's PROTOCOL.INI; the reply to\n"
	    "                       the final dot comes only when it sets ForcePushBit=1\n"
	    "  --max-concurrent N   a session beyond N at once is greeted \"421 4.7.0 ... too\n"
	    "                       many sessions\" and closed, as a server with a limit per\n"
	    "                       client (default: no limit)\n"
	    "  --help               this text\n"
	    "\nIn every mode a recipient whose address starts with refuse-4 gets 450,\n"
	    "refuse-5 gets 550 (e.g. RCPT TO:<refuse-5-nobody@faultpeer.test>).\n"
	    "\nfaults:\n", DEFAULT_BANNER);
	for (int i = 0; i < FAULT_COUNT; i++)
		fprintf(f, "  %-22s %s\n", fault_table[i].name, fault_table[i].help);
}

static unsigned long
number(const char *name, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "faultpeer: %s %s: not a number\n", name, s);
		exit(2);
	}
	return v;
}

static void
parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "fault", required_argument, NULL, 'f' },
		{ "banner", required_argument, NULL, 'b' },
		{ "maildir", required_argument, NULL, 'm' },
		{ "sessions", required_argument, NULL, 's' },
		{ "transcript", required_argument, NULL, 't' },
		{ "after", required_argument, NULL, 'a' },
		{ "ehlo-ext", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "push-ini", required_argument, NULL, 'P' },
		{ "max-concurrent", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, i;

	opt.banner = DEFAULT_BANNER;
	opt.after = 1;
	opt.timeout = 300;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': opt.listen = optarg; break;
		case 'p': opt.port_file = optarg; break;
		case 'f':
			for (i = 0; i < FAULT_COUNT; i++)
				if (strcmp(optarg, fault_table[i].name) == 0)
					break;
			if (i == FAULT_COUNT) {
				fprintf(stderr, "faultpeer: --fault %s: no such fault "
				    "(faultpeer --help lists them)\n", optarg);
				exit(2);
			}
			opt.fault = (enum fault)i;
			break;
		case 'b':
			if (strpbrk(optarg, "\r\n")) {
				fprintf(stderr, "faultpeer: --banner: one line, please\n");
				exit(2);
			}
			opt.banner = optarg;
			opt.banner_set = 1;
			break;
		case 'm': opt.maildir = optarg; break;
		case 's': opt.sessions = number("--sessions", optarg); break;
		case 't': opt.transcript = optarg; break;
		case 'a': opt.after = number("--after", optarg); break;
		case 'e':
			if (strpbrk(optarg, "\r\n")) {
				fprintf(stderr, "faultpeer: --ehlo-ext: one line, please\n");
				exit(2);
			}
			opt.ehlo_ext = optarg;
			break;
		case 'T': opt.timeout = (int)number("--timeout", optarg); break;
		case 'P': opt.push_ini = optarg; break;
		case 'C': opt.max_concurrent = number("--max-concurrent", optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind < argc || opt.listen == NULL) {
		fprintf(stderr, "faultpeer: %s\n", optind < argc ? "unexpected argument" :
		    "--listen ADDR:PORT is required");
		usage(stderr);
		exit(2);
	}
	if (opt.after == 0) {
		fprintf(stderr, "faultpeer: --after must be at least 1\n");
		exit(2);
	}
	if ((opt.fault == FAULT_NEEDS_PUSH) != (opt.push_ini != NULL)) {
		fprintf(stderr, "faultpeer: --push-ini FILE goes with --fault needs-push, and "
		    "needs-push with --push-ini\n");
		exit(2);
	}
}

static void
setup(void)
{
	const char *p;

	snprintf(host, sizeof(host), "%.*s", (int)strcspn(opt.banner, " "), opt.banner);
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "faultpeer.test");
	if (opt.ehlo_ext && (p = strcasestr(opt.ehlo_ext, "SIZE ")) != NULL &&
	    (p == opt.ehlo_ext || p[-1] == ','))
		size_limit = strtoull(p + 5, NULL, 10);
	if (opt.maildir) {
		char sub[PATH_MAX];

		if (mkdir(opt.maildir, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %s", opt.maildir, strerror(errno));
		for (int i = 0; i < 2; i++) {
			snprintf(sub, sizeof(sub), "%s/%s", opt.maildir, i ? "new" : "tmp");
			if (mkdir(sub, 0755) < 0 && errno != EEXIST)
				die("mkdir %s: %s", sub, strerror(errno));
		}
	}
	if (opt.transcript) {
		transcript_fd = open(opt.transcript, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0644);
		if (transcript_fd < 0)
			die("%s: %s", opt.transcript, strerror(errno));
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	pid_t *kids = NULL;
	size_t nkids = 0, cap = 0;
	unsigned long accepted = 0;
	unsigned port;
	int lfd, stopping = 0;
	pid_t parent = getpid();

	parse_options(argc, argv);
	setup();
	lfd = listen_on(opt.listen, &port);
	if (pipe(sig_pipe) < 0)
		die("pipe: %s", strerror(errno));
	fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
	fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (opt.port_file)
		write_port_file(opt.port_file, port);

	while (!stopping && (lfd >= 0 || nkids > 0)) {
		struct pollfd p[2] = {
			{ .fd = sig_pipe[0], .events = POLLIN },
			{ .fd = lfd, .events = POLLIN },
		};
		char c;

		if (poll(p, lfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno != EINTR)
				die("poll: %s", strerror(errno));
			continue;
		}
		if (p[0].revents & POLLIN) {
			if (read(sig_pipe[0], &c, 1) == 1 && c == 'T')
				stopping = 1;
			for (;;) {
				pid_t pid = waitpid(-1, NULL, WNOHANG);

				if (pid <= 0)
					break;
				for (size_t i = 0; i < nkids; i++)
					if (kids[i] == pid)
						kids[i] = kids[--nkids];
			}
		}
		if (stopping || lfd < 0 || !(p[1].revents & POLLIN))
			continue;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			continue;
		accepted++;
		if (opt.max_concurrent > 0 && nkids >= opt.max_concurrent) {
			/* over the limit: refused at once by the parent, as a server
			 * with a per-client cap does (Postfix's smtpd says 421 4.7.0) */
			static const char busy[] = "421 4.7.0 faultpeer.test too many sessions\r\n";
			char note[128];
			int n = snprintf(note, sizeof(note), "* session %lu: over --max-concurrent %lu: "
			    "421\n", accepted, opt.max_concurrent);

			(void)!write(fd, busy, sizeof(busy) - 1);
			if (transcript_fd >= 0)
				(void)!write(transcript_fd, note, (size_t)n);
			close(fd);
			if (opt.sessions > 0 && accepted == opt.sessions) {
				close(lfd);
				lfd = -1;
			}
			continue;
		}
		pid_t pid = fork();

		if (pid == 0) {
			static struct session s;	/* static: IN_BUF is large */

			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			/* A faultpeer killed with SIGKILL takes its sessions with it. */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(0);
			close(lfd);
			close(sig_pipe[0]);
			close(sig_pipe[1]);
			s.fd = fd;
			s.id = accepted;
			s.state = STATE_GREETING;
			session_run(&s);
			_exit(0);
		}
		close(fd);
		if (pid < 0) {
			fprintf(stderr, "faultpeer: fork: %s\n", strerror(errno));
			continue;
		}
		if (nkids == cap) {
			cap = cap ? cap * 2 : 16;
			pid_t *k = realloc(kids, cap * sizeof(*kids));

			if (k == NULL)
				die("out of memory");
			kids = k;
		}
		kids[nkids++] = pid;
		if (opt.sessions > 0 && accepted == opt.sessions) {
			close(lfd);	/* no more sessions; exit once these end */
			lfd = -1;
		}
	}
	for (size_t i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	for (size_t i = 0; i < nkids; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(kids);
	return 0;
}
