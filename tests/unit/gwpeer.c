/* gwpeer: the smtpgw suites' loopback SMTP server (see gwpeer.h). */
#include "gwpeer.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int
listen_any(unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	ck_assert(listen(fd, 16) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

unsigned
gwpeer_free_port(void)
{
	unsigned port;
	int fd = listen_any(&port);

	close(fd);
	return port;
}

struct conn {
	int	fd;
	char	in[65536];
	size_t	len;
	int	bare_lf;
};

static void
say(struct conn *c, const char *s)
{
	char out[1024];
	size_t i, n = 0;

	for (i = 0; s[i] && n + 2 < sizeof(out); i++) {
		if (s[i] == '\n' && !c->bare_lf)
			out[n++] = '\r';
		out[n++] = s[i];
	}
	if (write(c->fd, out, n) < 0)
		_exit(0);
}

/* One line (with its line end stripped); -1 at the end of the stream. */
static int
get_line(struct conn *c, char *line, size_t max)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->len);
		ssize_t got;

		if (nl != NULL) {
			size_t n = (size_t)(nl - c->in), used = n + 1;

			if (n > 0 && c->in[n - 1] == '\r')
				n--;
			if (n >= max)
				n = max - 1;
			memcpy(line, c->in, n);
			line[n] = '\0';
			memmove(c->in, c->in + used, c->len - used);
			c->len -= used;
			return 0;
		}
		if (c->len == sizeof(c->in))
			c->len = 0;	/* an overlong line: dropped */
		got = read(c->fd, c->in + c->len, sizeof(c->in) - c->len);
		if (got <= 0)
			return -1;
		c->len += (size_t)got;
	}
}

static void
reset_conn(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static void
session(int fd, const char *fault, const char *dir, unsigned *nmsg)
{
	struct conn c;
	char line[8192];

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.bare_lf = strcmp(fault, "bare-lf") == 0;
	if (strcmp(fault, "reset") == 0) {
		reset_conn(fd);
		return;
	}
	if (strcmp(fault, "silent") == 0) {
		while (get_line(&c, line, sizeof(line)) == 0)
			;
		close(fd);
		return;
	}
	if (strcmp(fault, "greet-421") == 0) {
		say(&c, "421 gwpeer busy\n");
		close(fd);
		return;
	}
	say(&c, "220 gwpeer ESMTP\n");
	if (strcmp(fault, "close-after-greeting") == 0) {
		/* the peer closes its side; what the gateway sends is read and
		 * dropped, so that it sees the end of the stream, not a reset */
		shutdown(fd, SHUT_WR);
		while (get_line(&c, line, sizeof(line)) == 0)
			;
		close(fd);
		return;
	}
	while (get_line(&c, line, sizeof(line)) == 0) {
		if (strncasecmp(line, "EHLO", 4) == 0) {
			if (strcmp(fault, "ehlo-500") == 0)
				say(&c, "500 command not recognized\n");
			else
				say(&c, "250-gwpeer\n250-PIPELINING\n250-SIZE 10000000\n250 8BITMIME\n");
		} else if (strncasecmp(line, "HELO", 4) == 0)
			say(&c, "250 gwpeer\n");
		else if (strncasecmp(line, "MAIL", 4) == 0 || strncasecmp(line, "RSET", 4) == 0)
			say(&c, "250 ok\n");
		else if (strncasecmp(line, "RCPT", 4) == 0)
			say(&c, strcmp(fault, "rcpt-550") == 0 ? "550 5.1.1 no such user\n" :
			    "250 ok\n");
		else if (strncasecmp(line, "DATA", 4) == 0) {
			char path[4096];
			FILE *f = NULL;
			int lines = 0;

			say(&c, "354 go ahead\n");
			snprintf(path, sizeof(path), "%s/tmp.%d", dir, (int)getpid());
			f = fopen(path, "w");
			for (;;) {
				if (get_line(&c, line, sizeof(line)) != 0) {
					/* cut off before the dot: nothing was received */
					fclose(f);
					unlink(path);
					close(fd);
					return;
				}
				if (++lines == 2 && strcmp(fault, "close-in-data") == 0) {
					close(fd);
					fclose(f);
					return;
				}
				if (lines == 2 && strcmp(fault, "reset-in-data") == 0) {
					reset_conn(fd);
					fclose(f);
					return;
				}
				if (strcmp(line, ".") == 0)
					break;
				fprintf(f, "%s\n", line[0] == '.' ? line + 1 : line);
			}
			fclose(f);
			if (strcmp(fault, "no-final-reply") == 0) {
				unlink(path);
				continue;
			}
			{
				char final[4096];

				snprintf(final, sizeof(final), "%s/msg.%d.%u", dir, (int)getpid(),
				    (*nmsg)++);
				rename(path, final);
			}
			say(&c, "250 2.0.0 queued\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			say(&c, "221 bye\n");
			break;
		} else
			say(&c, "500 what\n");
	}
	close(fd);
}

void
gwpeer_start(struct gwpeer *p, const char *fault, const char *dir)
{
	int lfd = listen_any(&p->port);

	mkdir(dir, 0700);
	p->pid = fork();
	ck_assert(p->pid >= 0);
	if (p->pid == 0) {
		unsigned nmsg = 0;

		signal(SIGPIPE, SIG_IGN);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0) {
				if (errno == EINTR)
					continue;
				_exit(1);
			}
			session(fd, fault, dir, &nmsg);
		}
	}
	close(lfd);
}

void
gwpeer_stop(struct gwpeer *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
	}
	p->pid = 0;
}

size_t
gwpeer_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "msg.", 4) == 0)
			n++;
	closedir(d);
	return n;
}
