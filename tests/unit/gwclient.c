/* gwclient: smtpgw's listener and its clients for the tests (see gwclient.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "gwclient.h"
#include "listener.h"
#include "testutil.h"
#include "util/xmem.h"

/* The log from offset from on ("" when there is no log yet). */
static char *
log_since(const char *log, size_t from)
{
	char *text;
	size_t len;

	if (access(log, F_OK) != 0)
		return xstrdup("");
	text = tu_read(log, &len);
	if (from > 0 && from <= len)
		memmove(text, text + from, len - from + 1);
	return text;
}

pid_t
gwclient_gateway(const char *spool, const char *smarthost, unsigned *port, const char *log,
    ...)
{
	char *argv[64], *text = NULL;
	const char *a, *at;
	struct stat st;
	size_t from;
	long long t0;
	va_list ap;
	int n = 0, status = 0;
	pid_t pid = -1;

	argv[n++] = tu_build("smtpgw");
	argv[n++] = "run";
	argv[n++] = "--spool";
	argv[n++] = (char *)spool;
	argv[n++] = "--smarthost";
	argv[n++] = (char *)smarthost;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--log";
	argv[n++] = (char *)log;
	va_start(ap, log);
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < 62);
		argv[n++] = (char *)a;
	}
	va_end(ap);
	argv[n] = NULL;
	/*
	 * Port 0: the kernel gives the listener a free port, which its log names
	 * ("SMTP_listen(port=N)"), so no other process can take it between a
	 * choice and the bind.
	 */
	from = stat(log, &st) == 0 ? (size_t)st.st_size : 0;	/* an earlier run's log */
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		/* its standard error ("listening on port N") beside the log */
		char errpath[4096];
		int e;

		snprintf(errpath, sizeof(errpath), "%s.stderr", log);
		if ((e = open(errpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0)
			dup2(e, 2);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(argv[0], argv);
		_exit(127);
	}
	for (t0 = clock_ms(); ; usleep(10000)) {
		free(text);
		text = log_since(log, from);
		if ((at = strstr(text, "SMTP_listen(port=")) != NULL && strchr(at, '\n') != NULL)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			free(text);
			text = log_since(log, from);
			ck_abort_msg("smtpgw run --listen 127.0.0.1:0 ended (status %d) before it "
			    "listened:\n%.2000s", status, text);
		}
		if (clock_ms() - t0 > TU_WAIT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			ck_abort_msg("smtpgw run --listen 127.0.0.1:0 did not listen in %d s:\n%.2000s",
			    TU_WAIT_MS / 1000, text);
		}
	}
	ck_assert_msg(sscanf(at, "SMTP_listen(port=%u)", port) == 1 && *port > 0,
	    "smtpgw run --listen 127.0.0.1:0 logged no port: %.200s", at);
	free(text);
	free(argv[0]);
	return pid;
}

void
gwclient_stop(pid_t pid, long long *ms)
{
	long long t0 = clock_ms();
	int status = 0;
	pid_t r;

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && clock_ms() - t0 < TU_WAIT_MS)
		usleep(5000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("smtpgw did not stop within %d s of SIGTERM", TU_WAIT_MS / 1000);
	}
	if (ms != NULL)
		*ms = clock_ms() - t0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "smtpgw: status %d", status);
}

int
gwclient_connect_from(const char *src, unsigned port)
{
	struct sockaddr_in sa;
	long long t0;

	for (t0 = clock_ms(); clock_ms() - t0 < TU_WAIT_MS; usleep(50000)) {	/* refused: retried */
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		ck_assert(fd >= 0);
		if (src != NULL) {
			memset(&sa, 0, sizeof(sa));
			sa.sin_family = AF_INET;
			ck_assert(inet_pton(AF_INET, src, &sa.sin_addr) == 1);
			ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s: %s",
			    src, strerror(errno));
		}
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((unsigned short)port);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
	}
	ck_abort_msg("cannot connect to the listener on port %u in %d s", port, TU_WAIT_MS / 1000);
	return -1;
}

int
gwclient_connect(unsigned port)
{
	return gwclient_connect_from(NULL, port);
}

void
gwclient_send(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, s, len, MSG_NOSIGNAL);

		ck_assert_msg(w > 0, "send: %s", strerror(errno));
		s += w;
		len -= (size_t)w;
	}
}

void
gwclient_send_str(int fd, const char *s)
{
	gwclient_send(fd, s, strlen(s));
}

char *
gwclient_read_until(int fd, const char *want, int timeout_ms)
{
	struct buf b = BUF_INIT;
	long long until = clock_ms() + timeout_ms;
	char chunk[4096];

	while (want == NULL || strstr(buf_str(&b), want) == NULL) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = until - clock_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		buf_append(&b, chunk, (size_t)n);
	}
	return buf_detach(&b);
}

void
gwclient_expect(int fd, const char *want)
{
	char *got = gwclient_read_until(fd, want, TU_WAIT_MS);

	ck_assert_msg(strstr(got, want) != NULL, "no \"%s\" from the listener; got:\n%.2000s",
	    want, got);
	free(got);
}

int
gwclient_closed(int fd, int timeout_ms)
{
	long long until = clock_ms() + timeout_ms;
	char chunk[4096];

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = until - clock_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return 0;
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return 1;
		if (n < 0)
			return 0;
	}
}

size_t
gwclient_processes(const char *path)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		char p[300], cmd[4096];
		FILE *f;
		size_t len, i;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		for (i = 0; i < len; i++)
			if (cmd[i] == '\0')
				cmd[i] = ' ';
		cmd[len] = '\0';
		/* a zombie has an empty command line: it has ended */
		if (len > 0 && strstr(cmd, "smtpgw") != NULL && strstr(cmd, path) != NULL)
			n++;
	}
	closedir(d);
	return n;
}

/* Writes the script while the session reads, so that a script larger than
 * the socket's buffer does not block. */
struct feeder {
	int		 fd;
	const char	*p;
	size_t		 n;
};

static void *
feed(void *arg)
{
	struct feeder *f = arg;

	while (f->n > 0) {
		ssize_t w = send(f->fd, f->p, f->n, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		f->p += w;
		f->n -= (size_t)w;
	}
	shutdown(f->fd, SHUT_WR);
	return NULL;
}

static void *
drain(void *arg)
{
	struct { int fd; struct buf *out; } *d = arg;
	char chunk[4096];
	ssize_t n;

	while ((n = read(d->fd, chunk, sizeof(chunk))) > 0)
		buf_append(d->out, chunk, (size_t)n);
	return NULL;
}

char *
gwclient_session(struct spool *sp, enum smtpd_bare_lf bare_lf, const char *script,
    size_t len, size_t max_size, unsigned *queued)
{
	struct listener_params p;
	struct buf out = BUF_INIT;
	struct feeder f;
	struct { int fd; struct buf *out; } d;
	pthread_t tf, td;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f.fd = d.fd = sv[0];
	f.p = script;
	f.n = len;
	d.out = &out;
	ck_assert_int_eq(pthread_create(&tf, NULL, feed, &f), 0);
	ck_assert_int_eq(pthread_create(&td, NULL, drain, &d), 0);
	memset(&p, 0, sizeof(p));
	p.spool = sp;
	p.hostname = "gw.test";
	p.max_size = max_size;
	p.timeout_ms = 2000;
	p.bare_lf = bare_lf;
	p.notify_fd = -1;
	*queued = listener_session(&p, sv[1]);	/* closes sv[1] */
	pthread_join(tf, NULL);
	pthread_join(td, NULL);
	close(sv[0]);
	return out.data ? buf_detach(&out) : xstrdup("");
}

struct spool *
gwclient_spool(const char *name)
{
	char *dir = tu_scratch_path(name), err[ERR_LEN];
	struct spool *s;

	ck_assert_msg(spool_open(dir, &s, err) == 0, "%s", err);
	free(dir);
	return s;
}
