/* listener: SMTP from local clients into the spool (see listener.h). */
#define _GNU_SOURCE	/* accept4, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "listener.h"
#include "peer.h"
#include "xmem.h"

#define CMD_MAX		2048	/* a command line longer than this gets 500 */
#define MAX_RCPTS	1000
#define MAX_ERRORS	20	/* then 421 and close: a client sending garbage */

struct listener {
	const struct listener_params *p;
	int		 fd;
	unsigned	 port;
	pid_t		*pids;		/* the sessions in progress */
	size_t		 npids, cap;
};

int
listener_open(const struct listener_params *p, struct listener **out, char err[ERR_LEN])
{
	struct addrinfo hints, *res = NULL;
	char host[PEER_HOST_MAX], port[16];
	unsigned nport;
	int fd, one = 1, rc;

	*out = NULL;
	if (peer_parse(p->addr, 0, host, &nport, err) != 0)
		return -1;
	if (nport == 0 && strchr(p->addr, ':') == NULL)
		return err_set(err, "--listen %s: give ADDR:PORT", p->addr);
	snprintf(port, sizeof(port), "%u", nport);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return err_set(err, "--listen %s: %s (an IP address is needed)", p->addr,
		    gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return err_set(err, "socket: %s", strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		int e = errno;
		struct gwlog_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.cond = LEGACY_BIND;
		ev.err = e;
		ev.peer = host;
		ev.port = nport;
		ev.bytes_sent = -1;
		gwlog_event(p->log, &ev, NULL, 0);
		close(fd);
		freeaddrinfo(res);
		return err_set(err, "%s (%s: %s)", legacy_get(LEGACY_BIND)->text, p->addr,
		    strerror(e));
	}
	freeaddrinfo(res);
	*out = xcalloc(1, sizeof(**out));
	(*out)->p = p;
	(*out)->fd = fd;
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		getsockname(fd, (struct sockaddr *)&ss, &len);
		(*out)->port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	gwlog_line(p->log, "SMTP_listen(port=%u)", (*out)->port);
	return 0;
}

unsigned
listener_port(const struct listener *l)
{
	return l->port;
}

int
listener_fd(const struct listener *l)
{
	return l->fd;
}

static unsigned
reap(struct listener *l, int options)
{
	unsigned n = 0;
	pid_t pid;
	size_t i;

	while (l->npids > 0 && (pid = waitpid(-1, NULL, options)) > 0) {
		for (i = 0; i < l->npids; i++)
			if (l->pids[i] == pid) {
				l->pids[i] = l->pids[--l->npids];
				n++;
				break;
			}
	}
	return n;
}

unsigned
listener_accept(struct listener *l)
{
	for (;;) {
		struct pollfd pfd = { l->fd, POLLIN, 0 };
		pid_t pid;
		int c;

		if (poll(&pfd, 1, 0) <= 0)
			break;
		c = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		pid = fork();
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			close(l->fd);
			listener_session(l->p, c);
			_exit(0);
		}
		if (pid > 0) {
			l->pids = xgrow(l->pids, &l->cap, l->npids + 1, sizeof(*l->pids));
			l->pids[l->npids++] = pid;
		}
		close(c);
	}
	return reap(l, WNOHANG);
}

void
listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	/* a session cut here has not had its 250: the client still has the
	 * message and will send it again */
	for (size_t i = 0; i < l->npids; i++)
		kill(l->pids[i], SIGTERM);
	reap(l, 0);
	free(l->pids);
	free(l);
}

/* ---- one session ---- */

struct session {
	const struct listener_params *p;
	int	 fd;
	char	 in[65536];
	size_t	 len;
	int	 dead;
};

/*
 * End a session so that the client reads the last reply: closing a socket
 * with unread input makes the kernel send an RST, and a client that had
 * pipelined more commands (a client sending garbage, before its 421) would
 * lose the replies not yet read. So: no more output (FIN), then what the
 * client still sends is read and dropped until it closes, for at most
 * LINGER_MS, then close.
 */
#define LINGER_MS	2000

static void
lingering_close(int fd)
{
	char junk[4096];
	struct timespec t0, t;
	long long waited = 0;

	shutdown(fd, SHUT_WR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (waited < LINGER_MS) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, (int)(LINGER_MS - waited)) <= 0 ||
		    read(fd, junk, sizeof(junk)) <= 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - t0.tv_sec) * 1000LL + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
	close(fd);
}

static void
reply(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reply(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	line[n++] = '\r';
	line[n++] = '\n';
	if (send(s->fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		s->dead = 1;
}

/*
 * The next line without its line end (LF or CRLF) in *line, *n bytes (the
 * buffer's bytes; valid until the next call). *toolong when the line was
 * longer than the buffer: its start is returned, the rest skipped later.
 * -1: closed, timed out or failed.
 */
static int
get_line(struct session *s, const char **line, size_t *n, size_t *used)
{
	long long deadline;
	struct timespec ts;

	if (*used > 0) {
		memmove(s->in, s->in + *used, s->len - *used);
		s->len -= *used;
		*used = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + s->p->timeout_ms;
	for (;;) {
		char *nl = memchr(s->in, '\n', s->len);
		struct pollfd pfd = { s->fd, POLLIN, 0 };
		long long left;
		ssize_t got;

		if (nl != NULL || s->len == sizeof(s->in)) {
			size_t k = nl ? (size_t)(nl - s->in) : s->len;

			*used = nl ? k + 1 : k;
			if (nl && k > 0 && s->in[k - 1] == '\r')
				k--;
			*line = s->in;
			*n = k;
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = deadline - ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		got = recv(s->fd, s->in + s->len, sizeof(s->in) - s->len, 0);
		if (got <= 0)
			return -1;
		s->len += (size_t)got;
	}
}

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
		if ((unsigned char)arg[j] <= ' ' || arg[j] == '<')
			return -1;
	if (j >= n || j - i - 1 >= outlen)
		return -1;
	memcpy(out, arg + i + 1, j - i - 1);
	out[j - i - 1] = '\0';
	*rest = arg + j + 1;
	return 0;
}

unsigned
listener_session(const struct listener_params *p, int fd)
{
	struct session *s = xcalloc(1, sizeof(*s));
	char from[1024], addr[1024], **rcpts = NULL, id[SPOOL_ID_MAX], err[ERR_LEN];
	size_t nrcpts = 0, cap = 0, n, used = 0, i;
	int have_from = 0, errors = 0;
	unsigned queued = 0;
	const char *line;

	s->p = p;
	s->fd = fd;
	reply(s, "220 %s smtpgw ESMTP", p->hostname);
	while (!s->dead && get_line(s, &line, &n, &used) == 0) {
		char cmd[CMD_MAX + 1];
		const char *rest;

		if (n > CMD_MAX) {
			reply(s, "500 5.5.2 line too long");
			goto error;
		}
		memcpy(cmd, line, n);
		cmd[n] = '\0';
		if (strncasecmp(cmd, "EHLO ", 5) == 0) {
			reply(s, "250-%s\r\n250-PIPELINING\r\n250-SIZE %zu\r\n250 8BITMIME",
			    p->hostname, p->max_size);
		} else if (strncasecmp(cmd, "HELO ", 5) == 0) {
			reply(s, "250 %s", p->hostname);
		} else if (strncasecmp(cmd, "MAIL ", 5) == 0) {
			if (have_from) {
				reply(s, "503 5.5.1 nested MAIL");
				goto error;
			}
			if (path_arg(cmd + 5, n - 5, "FROM:", from, sizeof(from), &rest) != 0) {
				reply(s, "501 5.1.7 bad sender address syntax");
				goto error;
			}
			if (strcasestr(rest, "SIZE=") != NULL &&
			    strtoull(strcasestr(rest, "SIZE=") + 5, NULL, 10) > p->max_size) {
				reply(s, "552 5.3.4 message too big");
				continue;
			}
			have_from = 1;
			reply(s, "250 2.1.0 ok");
		} else if (strncasecmp(cmd, "RCPT ", 5) == 0) {
			if (!have_from) {
				reply(s, "503 5.5.1 MAIL first");
				goto error;
			}
			if (path_arg(cmd + 5, n - 5, "TO:", addr, sizeof(addr), &rest) != 0 ||
			    addr[0] == '\0') {
				reply(s, "501 5.1.3 bad recipient address syntax");
				goto error;
			}
			if (nrcpts >= MAX_RCPTS) {
				reply(s, "452 4.5.3 too many recipients");
				continue;
			}
			rcpts = xgrow(rcpts, &cap, nrcpts + 1, sizeof(*rcpts));
			rcpts[nrcpts++] = xstrdup(addr);
			reply(s, "250 2.1.5 ok");
		} else if (strcasecmp(cmd, "DATA") == 0) {
			struct buf data = BUF_INIT;
			int too_big = 0, complete = 0;

			if (nrcpts == 0) {
				reply(s, "503 5.5.1 RCPT first");
				goto error;
			}
			reply(s, "354 end with <CR><LF>.<CR><LF>");
			while (get_line(s, &line, &n, &used) == 0) {
				if (n == 1 && line[0] == '.' && used > 0 &&
				    s->in[used - 1] == '\n') {
					complete = 1;
					break;
				}
				if (data.len + n + 2 > p->max_size)
					too_big = 1;
				if (!too_big) {
					buf_append(&data, line, n);
					/* a line cut by the buffer continues, no CRLF yet */
					if (s->in[used - 1] == '\n')
						buf_append(&data, "\r\n", 2);
				}
			}
			if (!complete) {
				/* the client went away in the middle: nothing is queued */
				buf_free(&data);
				break;
			}
			if (too_big)
				reply(s, "552 5.3.4 message too big");
			else if (spool_put(p->spool, from, rcpts, nrcpts, data.data ? data.data : "",
			    data.len, id, err) != 0) {
				gwlog_line(p->log, "ERROR spool: %s", err);
				reply(s, "451 4.3.0 cannot queue the message now");
			} else {
				queued++;
				reply(s, "250 2.0.0 queued as %s", id);
			}
			buf_free(&data);
			goto reset;
		} else if (strcasecmp(cmd, "RSET") == 0) {
			reply(s, "250 2.0.0 ok");
			goto reset;
		} else if (strcasecmp(cmd, "NOOP") == 0) {
			reply(s, "250 2.0.0 ok");
		} else if (strcasecmp(cmd, "QUIT") == 0) {
			reply(s, "221 2.0.0 bye");
			break;
		} else if (strncasecmp(cmd, "VRFY", 4) == 0) {
			reply(s, "252 2.5.2 cannot verify, will try");
		} else {
			reply(s, "500 5.5.1 command not recognized");
			goto error;
		}
		continue;
error:
		if (++errors >= MAX_ERRORS) {
			reply(s, "421 4.7.0 too many errors");
			break;
		}
		continue;
reset:
		for (i = 0; i < nrcpts; i++)
			free(rcpts[i]);
		nrcpts = 0;
		have_from = 0;
	}
	for (i = 0; i < nrcpts; i++)
		free(rcpts[i]);
	free(rcpts);
	lingering_close(fd);
	free(s);
	return queued;
}
