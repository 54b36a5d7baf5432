/*
 * faultpeer: the scriptable SMTP peer of the integration tests
 * (tests/peer/faultpeer.c), run as build/faultpeer on 127.0.0.1 and checked
 * with a plain socket client: what a client sees for each fault (RST =
 * ECONNRESET on read, FIN = 0 bytes, silence = nothing within a poll
 * timeout, bare LF, reply codes) and the messages it stores.
 */
#define _GNU_SOURCE	/* prctl */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
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
#include "testutil.h"

/* A running faultpeer: its directory (port file, transcript, maildir). */
struct fp {
	pid_t	 pid;
	unsigned port;
	char	 dir[4096];
};

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Start build/faultpeer on 127.0.0.1:0 with its files under
 * tu_scratch/tag/ and the given extra arguments (NULL-terminated); wait for
 * its port file. It gets SIGTERM if this test process dies first.
 */
static void
fp_start(struct fp *p, const char *tag, ...)
{
	char *argv[32], *bin = tu_build("faultpeer");
	struct buf portf = BUF_INIT, tr = BUF_INIT, md = BUF_INIT, dir = BUF_INIT;
	const char *a;
	va_list ap;
	long long t0;
	int n = 0;

	ck_assert_msg(access(bin, X_OK) == 0, "%s is not built (make %s)", bin, bin);
	buf_printf(&dir, "%s/%s", tu_scratch, tag);
	ck_assert(mkdir(buf_str(&dir), 0755) == 0);
	buf_printf(&portf, "%s/port", buf_str(&dir));
	buf_printf(&tr, "%s/transcript", buf_str(&dir));
	buf_printf(&md, "%s/maildir", buf_str(&dir));
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = (char *)buf_str(&portf);
	argv[n++] = "--transcript";
	argv[n++] = (char *)buf_str(&tr);
	argv[n++] = "--maildir";
	argv[n++] = (char *)buf_str(&md);
	va_start(ap, tag);
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < 31);
		argv[n++] = (char *)a;
	}
	va_end(ap);
	argv[n] = NULL;
	p->pid = fork();
	ck_assert(p->pid >= 0);
	if (p->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(bin, argv);
		_exit(127);
	}
	for (t0 = clock_ms(), p->port = 0; clock_ms() - t0 < TU_WAIT_MS; sleep_ms(10)) {
		FILE *f = fopen(buf_str(&portf), "r");	/* written atomically */

		if (f) {
			ck_assert(fscanf(f, "%u", &p->port) == 1);
			fclose(f);
			break;
		}
		ck_assert_msg(waitpid(p->pid, NULL, WNOHANG) == 0, "faultpeer exited early");
	}
	ck_assert_msg(p->port != 0, "faultpeer wrote no port file in %d s", TU_WAIT_MS / 1000);
	snprintf(p->dir, sizeof(p->dir), "%s", buf_str(&dir));
	buf_free(&dir);
	buf_free(&portf);
	buf_free(&tr);
	buf_free(&md);
	free(bin);
}

/* Wait up to TU_WAIT_MS for faultpeer to exit by itself; its exit status. */
static int
fp_wait(struct fp *p)
{
	long long t0;
	int status;

	for (t0 = clock_ms(); clock_ms() - t0 < TU_WAIT_MS; sleep_ms(10)) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		ck_assert(r >= 0);
		if (r == p->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	ck_abort_msg("faultpeer did not exit");
	return -1;
}

/* SIGTERM, then it must exit 0. */
static void
fp_stop(struct fp *p)
{
	ck_assert(kill(p->pid, SIGTERM) == 0);
	ck_assert_int_eq(fp_wait(p), 0);
}

static char *
fp_file(const struct fp *p, const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", p->dir, name);
	return buf_detach(&b);
}

static size_t
fp_stored(const struct fp *p)
{
	char *md = fp_file(p, "maildir");
	size_t n = tu_count_files(md, "new", ".eml");

	free(md);
	return n;
}

/* A client connection to the peer; reads time out after 10 s, not forever. */
static int
cl_connect(const struct fp *p)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p->port) };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "connect: %s",
	    strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
cl_send(int fd, const char *s)
{
	size_t len = strlen(s);

	ck_assert_msg(send(fd, s, len, MSG_NOSIGNAL) == (ssize_t)len, "send: %s",
	    strerror(errno));
}

/* One line, LF included (byte by byte: nothing past it is consumed). */
static size_t
cl_line(int fd, char *out, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = recv(fd, out + n, 1, 0);

		ck_assert_msg(r == 1, "reading a line after \"%.*s\": %s", (int)n, out,
		    r == 0 ? "end of file" : strerror(errno));
		if (out[n++] == '\n')
			break;
	}
	out[n] = '\0';
	return n;
}

/* A whole (multi-line) reply, CRLF-terminated, whose last line starts with want. */
static void
cl_expect(int fd, const char *want)
{
	char line[2048];

	do {
		size_t n = cl_line(fd, line, sizeof(line));

		ck_assert_msg(n >= 5 && line[n - 2] == '\r', "not a CRLF reply line: \"%s\"", line);
	} while (line[3] == '-');
	ck_assert_msg(strncmp(line, want, strlen(want)) == 0, "expected \"%s\", got \"%s\"",
	    want, line);
}

/* Nothing arrives within ms (silence; not a timing claim, just "nothing"). */
static void
cl_expect_silence(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	ck_assert_msg(poll(&pfd, 1, ms) == 0, "the peer sent something or closed");
}

/* The next read gives end of file (FIN). */
static void
cl_expect_eof(int fd)
{
	char c;
	ssize_t r = recv(fd, &c, 1, 0);

	ck_assert_msg(r == 0, "expected end of file, got %s",
	    r > 0 ? "data" : strerror(errno));
}

/* The next read fails with ECONNRESET (RST). */
static void
cl_expect_reset(int fd)
{
	char buf[4096];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	ck_assert_msg(r < 0 && errno == ECONNRESET, "expected ECONNRESET, got %s",
	    r == 0 ? "end of file" : strerror(errno));
}

/* Greeting, EHLO, one envelope up to the 354. */
static void
cl_to_data(int fd)
{
	cl_expect(fd, "220 ");
	cl_send(fd, "EHLO client.test\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "MAIL FROM:<alice@client.test>\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "RCPT TO:<bob@faultpeer.test>\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "DATA\r\n");
	cl_expect(fd, "354 ");
}

#define MSG	"Subject: test\r\n\r\nline one\r\n..leading dot\r\n.\r\n"

START_TEST(healthy_stores_messages)
{
	struct fp p;
	char *md, *data, *path;
	struct buf b = BUF_INIT;
	int fd;

	fp_start(&p, "healthy", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, MSG);
	cl_expect(fd, "250 2.0.0 Ok: queued as ");
	/* a second message in the same session, after RSET and NOOP */
	cl_send(fd, "RSET\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "NOOP\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "MAIL FROM:<>\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "RCPT TO:<c1@faultpeer.test>\r\nRCPT TO:<c2@faultpeer.test>\r\n");
	cl_expect(fd, "250 ");
	cl_expect(fd, "250 ");
	cl_send(fd, "DATA\r\n");
	cl_expect(fd, "354 ");
	cl_send(fd, "x\r\n.\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "QUIT\r\n");
	cl_expect(fd, "221 ");
	cl_expect_eof(fd);
	close(fd);
	ck_assert_uint_eq(fp_stored(&p), 2);

	/* the first: envelope block, then the data unstuffed, CRLF kept */
	md = fp_file(&p, "maildir/new");
	{
		char *cmd[] = { "/bin/sh", "-c", NULL, NULL };
		struct tu_run r;

		buf_printf(&b, "cat \"%s\"/*S1M1.eml", md);
		cmd[2] = (char *)buf_str(&b);
		tu_runv(&r, NULL, 0, cmd);
		ck_assert_int_eq(r.status, 0);
		ck_assert_str_eq(r.out, "X-Faultpeer-Session: 1\r\nX-Faultpeer-Helo: client.test\r\n"
		    "X-Faultpeer-From: <alice@client.test>\r\nX-Faultpeer-To: <bob@faultpeer.test>\r\n"
		    "\r\nSubject: test\r\n\r\nline one\r\n.leading dot\r\n");
		tu_run_free(&r);
		buf_reset(&b);
		buf_printf(&b, "cat \"%s\"/*S1M2.eml", md);
		cmd[2] = (char *)buf_str(&b);
		tu_runv(&r, NULL, 0, cmd);
		ck_assert_int_eq(r.status, 0);
		ck_assert_contains(r.out, "X-Faultpeer-From: <>\r\nX-Faultpeer-To: <c1@faultpeer.test>"
		    "\r\nX-Faultpeer-To: <c2@faultpeer.test>\r\n\r\nx\r\n");
		tu_run_free(&r);
	}
	path = fp_file(&p, "transcript");
	data = tu_read(path, NULL);
	ck_assert_contains(data, "1 > 220 faultpeer.test ESMTP faultpeer\n");
	ck_assert_contains(data, "1 < EHLO client.test\n");
	ck_assert_contains(data, "1 < ..leading dot\n");
	ck_assert_contains(data, "1 > 221 2.0.0 Bye\n");
	free(data);
	free(path);
	free(md);
	buf_free(&b);
	fp_stop(&p);
}
END_TEST

START_TEST(healthy_sequence_errors)
{
	struct fp p;
	char line[2048];
	int fd;

	fp_start(&p, "sequence", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_send(fd, "RCPT TO:<a@b>\r\n");
	cl_expect(fd, "503 ");
	cl_send(fd, "DATA\r\n");
	cl_expect(fd, "503 ");
	cl_send(fd, "MAIL TO:<a@b>\r\n");
	cl_expect(fd, "501 ");
	cl_send(fd, "MAIL FROM:<a@b>\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "MAIL FROM:<a@b>\r\n");
	cl_expect(fd, "503 ");
	cl_send(fd, "DATA\r\n");
	cl_expect(fd, "554 ");
	cl_send(fd, "FROB\r\n");
	cl_expect(fd, "500 ");
	memset(line, 'x', sizeof(line));
	memcpy(line + sizeof(line) - 3, "\r\n", 3);
	cl_send(fd, line);
	cl_expect(fd, "500 5.5.2 Error: line too long");
	cl_send(fd, "HELO\r\n");	/* without the fault, a bare HELO is fine */
	cl_expect(fd, "250 ");
	cl_send(fd, "QUIT\r\n");
	cl_expect(fd, "221 ");
	close(fd);
	ck_assert_uint_eq(fp_stored(&p), 0);
	fp_stop(&p);
}
END_TEST

START_TEST(pipelining_and_size)
{
	struct fp p;
	char line[256];
	int fd;

	fp_start(&p, "size", "--ehlo-ext", "PIPELINING,SIZE 100", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_send(fd, "EHLO client.test\r\n");
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "250-faultpeer.test Hello client.test\r\n");
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "250-PIPELINING\r\n");
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "250 SIZE 100\r\n");
	cl_send(fd, "MAIL FROM:<a@b> SIZE=101\r\n");
	cl_expect(fd, "552 ");
	/* one write, three replies */
	cl_send(fd, "MAIL FROM:<a@b> SIZE=50\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	cl_expect(fd, "250 ");
	cl_expect(fd, "250 ");
	cl_expect(fd, "354 ");
	cl_send(fd, "short\r\n.\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	cl_expect(fd, "250 ");
	cl_expect(fd, "250 ");
	cl_expect(fd, "354 ");
	memset(line, 'y', 200);
	memcpy(line + 200, "\r\n.\r\n", 6);
	cl_send(fd, line);
	cl_expect(fd, "552 ");
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 1);
}
END_TEST

START_TEST(banner_as_ibm_host)
{
	static const char *const banners[] = {
		"MVS1.EXAMPLE.COM running IBM TCP/IP V2R2 SMTP Server",
		"VMHOST.EXAMPLE.COM running IBM VM SMTP V2R2 on Tue, 07 Mar 95 10:14:06 EST",
	};
	char line[256], want[256];

	for (int i = 0; i < 2; i++) {
		struct fp p;
		int fd;

		fp_start(&p, i ? "vm" : "mvs", "--banner", banners[i], NULL);
		fd = cl_connect(&p);
		cl_line(fd, line, sizeof(line));
		snprintf(want, sizeof(want), "220 %s\r\n", banners[i]);
		ck_assert_str_eq(line, want);
		cl_send(fd, "HELO client.test\r\n");
		cl_line(fd, line, sizeof(line));
		ck_assert_str_eq(line, i ? "250 VMHOST.EXAMPLE.COM\r\n" : "250 MVS1.EXAMPLE.COM\r\n");
		close(fd);
		fp_stop(&p);
	}
}
END_TEST

START_TEST(fault_reset)
{
	struct fp p;
	int fd;

	fp_start(&p, "reset", "--fault", "reset", NULL);
	fd = cl_connect(&p);
	cl_expect_reset(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_close_before_greeting)
{
	struct fp p;
	int fd;

	fp_start(&p, "cbg", "--fault", "close-before-greeting", NULL);
	fd = cl_connect(&p);
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_close_after_greeting)
{
	struct fp p;
	int fd;

	fp_start(&p, "cag", "--fault", "close-after-greeting", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_send(fd, "EHLO client.test\r\n");	/* drained, not answered with an RST */
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_silent)
{
	struct fp p;
	int fd;

	fp_start(&p, "silent", "--fault", "silent", NULL);
	fd = cl_connect(&p);
	cl_expect_silence(fd, 300);
	cl_send(fd, "EHLO client.test\r\n");
	cl_expect_silence(fd, 300);
	/* stopping faultpeer ends the session: the client then sees the close */
	fp_stop(&p);
	cl_expect_eof(fd);
	close(fd);
}
END_TEST

START_TEST(fault_no_read)
{
	struct fp p;
	struct pollfd pfd;
	char chunk[65536];
	size_t sent = 0;
	int fd, stalled = 0;

	fp_start(&p, "noread", "--fault", "no-read", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	ck_assert(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	memset(chunk, 'z', sizeof(chunk));
	while (sent < 256u << 20) {
		ssize_t n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);

		if (n < 0) {
			ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK, "send: %s",
			    strerror(errno));
			stalled = 1;
			break;
		}
		sent += (size_t)n;
	}
	ck_assert_msg(stalled, "sent %zu bytes and the writes never stalled", sent);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	ck_assert_msg(poll(&pfd, 1, 300) == 0, "the peer read again");
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 0);
}
END_TEST

START_TEST(fault_close_in_data)
{
	struct fp p;
	int fd;

	fp_start(&p, "cid", "--fault", "close-in-data", "--after", "10", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, "Subject: a message longer than ten bytes\r\n");
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 0);
}
END_TEST

START_TEST(fault_close_in_data_short_message)
{
	struct fp p;
	int fd;

	/* the message ends before N bytes: the final dot still gets no reply */
	fp_start(&p, "cidshort", "--fault", "close-in-data", "--after", "100000", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, MSG);
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 0);
}
END_TEST

START_TEST(fault_reset_in_data)
{
	struct fp p;
	int fd;

	fp_start(&p, "rid", "--fault", "reset-in-data", "--after", "10", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, "Subject: a message longer than ten bytes\r\n");
	cl_expect_reset(fd);
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 0);
}
END_TEST

START_TEST(fault_no_final_reply)
{
	struct fp p;
	int fd;

	fp_start(&p, "nfr", "--fault", "no-final-reply", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, MSG);
	cl_expect_silence(fd, 300);
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 0);
}
END_TEST

/*
 * needs-push: the dot is answered only while the PROTOCOL.INI given sets
 * ForcePushBit=1 in [TCPIP] or [TCPIP_XIF]; read at each dot, so an edit
 * between two messages of one session shows at once.
 */
START_TEST(fault_needs_push)
{
	struct fp p;
	char *ini = tu_scratch_path("push.ini"), *tr;
	int fd;

	tu_write_str(ini, "[TCPIP]\r\nDRIVERNAME = TCPIP$\r\nForcePushBit = 0\r\n");
	fp_start(&p, "push", "--fault", "needs-push", "--push-ini", ini, "--after", "1", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, MSG);
	/* no reply to the dot: what comes is the host's timeout (--after 1 s), a
	 * FIN; waiting on the FIN, not on a clock, so a loaded machine cannot make
	 * a slow send look like an answer */
	cl_expect_eof(fd);
	close(fd);
	ck_assert_uint_eq(fp_stored(&p), 0);
	/* In [TCPIP_XIF], lower case, with a comment: the dot is answered. */
	tu_write_str(ini, "[tcpip_xif]\nforcepushbit=1 ; PUSH\n");
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, MSG);
	cl_expect(fd, "250 ");
	/* Set back to 0 in another section only: withheld again. */
	tu_write_str(ini, "[TCPIP]\nForcePushBit=0\n[PROTMAN]\nForcePushBit=1\n");
	cl_send(fd, "MAIL FROM:<a@client.test>\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "RCPT TO:<b@faultpeer.test>\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "DATA\r\n");
	cl_expect(fd, "354 ");
	cl_send(fd, MSG);
	cl_expect_eof(fd);	/* withheld again: no reply, then the timeout's FIN */
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 1);
	tr = fp_file(&p, "transcript");
	{
		char *t = tu_read(tr, NULL);

		ck_assert_contains(t, "PUSH not set");
		ck_assert_contains(t, "PUSH set (ForcePushBit is 1");
		free(t);
	}
	free(tr);
	free(ini);
}
END_TEST

START_TEST(fault_needs_push_usage)
{
	struct tu_run r;
	char *bin = tu_build("faultpeer");
	char *argv[] = { bin, "--listen", "127.0.0.1:0", "--fault", "needs-push", NULL };

	tu_runv(&r, NULL, 0, argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--push-ini");
	tu_run_free(&r);
	free(bin);
}
END_TEST

START_TEST(fault_bare_lf)
{
	struct fp p;
	char line[256];
	int fd;

	fp_start(&p, "barelf", "--fault", "bare-lf", NULL);
	fd = cl_connect(&p);
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "220 faultpeer.test ESMTP faultpeer\n");
	cl_send(fd, "EHLO client.test\r\n");
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "250 faultpeer.test\n");
	cl_send(fd, "QUIT\r\n");
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "221 2.0.0 Bye\n");
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_ehlo_500)
{
	struct fp p;
	char line[256];
	int fd;

	fp_start(&p, "ehlo500", "--fault", "ehlo-500", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_send(fd, "EHLO client.test\r\n");
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "500 Command not recognized\r\n");
	cl_send(fd, "HELO client.test\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	cl_expect(fd, "250 ");
	cl_expect(fd, "250 ");
	cl_expect(fd, "354 ");
	cl_send(fd, MSG);
	cl_expect(fd, "250 ");
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 1);
}
END_TEST

START_TEST(fault_greet_554)
{
	struct fp p;
	int fd;

	fp_start(&p, "g554", "--fault", "greet-554", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "554 faultpeer.test ");
	cl_send(fd, "EHLO client.test\r\n");
	cl_expect(fd, "503 ");
	cl_send(fd, "MAIL FROM:<a@b>\r\n");
	cl_expect(fd, "503 ");
	cl_send(fd, "QUIT\r\n");
	cl_expect(fd, "221 ");
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_greet_421)
{
	struct fp p;
	int fd;

	fp_start(&p, "g421", "--fault", "greet-421", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "421 faultpeer.test Service not available, closing transmission channel");
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_reply_421)
{
	struct fp p;
	int fd;

	/* the second reply after the greeting: EHLO passes, MAIL gets the 421 */
	fp_start(&p, "r421", "--fault", "reply-421", "--after", "2", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_send(fd, "EHLO client.test\r\n");
	cl_expect(fd, "250 ");
	cl_send(fd, "MAIL FROM:<a@b>\r\n");
	cl_expect(fd, "421 ");
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(fault_reply_421_to_final_dot)
{
	struct fp p;
	int fd;

	/* EHLO, MAIL, RCPT, DATA, then the final dot is the fifth */
	fp_start(&p, "r421dot", "--fault", "reply-421", "--after", "5", NULL);
	fd = cl_connect(&p);
	cl_to_data(fd);
	cl_send(fd, MSG);
	cl_expect(fd, "421 ");
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 0);
}
END_TEST

START_TEST(fault_helo_domain_required)
{
	struct fp p;
	int fd;

	fp_start(&p, "helodom", "--fault", "helo-domain-required", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_send(fd, "EHLO\r\n");
	cl_expect(fd, "501 ");
	cl_send(fd, "HELO\r\n");
	cl_expect(fd, "501 ");
	cl_send(fd, "EHLO client.test\r\n");
	cl_expect(fd, "250 ");
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(concurrent_sessions)
{
	struct fp p;
	int a, b;

	fp_start(&p, "concurrent", NULL);
	a = cl_connect(&p);
	cl_expect(a, "220 ");
	cl_send(a, "EHLO first.test\r\n");
	cl_expect(a, "250 ");
	b = cl_connect(&p);	/* while a is still open */
	cl_to_data(b);
	cl_send(b, MSG);
	cl_expect(b, "250 ");
	cl_send(a, "NOOP\r\n");
	cl_expect(a, "250 ");
	close(a);
	close(b);
	fp_stop(&p);
	ck_assert_uint_eq(fp_stored(&p), 1);
}
END_TEST

START_TEST(sessions_limit_exits)
{
	struct fp p;
	int i, fd;

	fp_start(&p, "limit", "--sessions", "2", NULL);
	for (i = 0; i < 2; i++) {
		fd = cl_connect(&p);
		cl_expect(fd, "220 ");
		cl_send(fd, "QUIT\r\n");
		cl_expect(fd, "221 ");
		close(fd);
	}
	ck_assert_int_eq(fp_wait(&p), 0);
}
END_TEST

START_TEST(idle_timeout_421)
{
	struct fp p;
	int fd;

	fp_start(&p, "idle", "--timeout", "1", NULL);
	fd = cl_connect(&p);
	cl_expect(fd, "220 ");
	cl_expect(fd, "421 4.4.2 faultpeer.test Error: timeout exceeded");
	cl_expect_eof(fd);
	close(fd);
	fp_stop(&p);
}
END_TEST

START_TEST(sigkill_ends_sessions)
{
	struct fp p;
	int fd;

	/* a silent session outlives nothing: faultpeer killed hard, the client sees the close */
	fp_start(&p, "sigkill", "--fault", "silent", NULL);
	fd = cl_connect(&p);
	cl_expect_silence(fd, 200);
	ck_assert(kill(p.pid, SIGKILL) == 0);
	ck_assert_int_eq(fp_wait(&p), 128 + SIGKILL);
	cl_expect_eof(fd);
	close(fd);
}
END_TEST

START_TEST(listen_ipv6)
{
	char *bin = tu_build("faultpeer"), *pf = tu_scratch_path("v6port");
	char *argv[] = { bin, "--listen", "[::1]:0", "--port-file", pf, "--sessions", "1", NULL };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	pid_t pid;
	long long t0;
	int fd, status;
	unsigned port = 0;
	char line[256];

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		tu_skip("faultpeer/listen_ipv6", "no IPv6 loopback here: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		free(bin);
		free(pf);
		return;
	}
	close(fd);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(bin, argv);
		_exit(127);
	}
	for (t0 = clock_ms(); port == 0 && clock_ms() - t0 < TU_WAIT_MS; ) {
		FILE *f = fopen(pf, "r");

		if (f) {
			ck_assert(fscanf(f, "%u", &port) == 1);
			fclose(f);
		} else
			sleep_ms(10);
	}
	ck_assert_uint_ne(port, 0);
	sin6.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	ck_assert(connect(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0);
	cl_line(fd, line, sizeof(line));
	ck_assert_str_eq(line, "220 faultpeer.test ESMTP faultpeer\r\n");
	close(fd);
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(bin);
	free(pf);
}
END_TEST

START_TEST(usage_errors)
{
	char *bin = tu_build("faultpeer");
	struct tu_run r;
	char *help[] = { bin, "--help", NULL };
	char *bad_fault[] = { bin, "--listen", "127.0.0.1:0", "--fault", "bogus", NULL };
	char *no_listen[] = { bin, NULL };
	char *name[] = { bin, "--listen", "localhost:0", NULL };
	char *bad_after[] = { bin, "--listen", "127.0.0.1:0", "--after", "x", NULL };

	tu_runv(&r, NULL, 0, help);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "--listen ADDR:PORT");
	ck_assert_contains(r.out, "helo-domain-required");
	ck_assert_contains(r.out, "close-in-data");
	tu_run_free(&r);
	tu_runv(&r, NULL, 0, bad_fault);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--fault bogus: no such fault");
	tu_run_free(&r);
	tu_runv(&r, NULL, 0, no_listen);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "--listen ADDR:PORT is required");
	tu_run_free(&r);
	tu_runv(&r, NULL, 0, name);	/* an IP literal only: never a DNS lookup */
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "IP literal");
	tu_run_free(&r);
	tu_runv(&r, NULL, 0, bad_after);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	free(bin);
}
END_TEST

/* ------------------------------------------------------------------ */
/*
 * tests/peer/postfix.sh: a private Postfix on 127.0.0.1, the healthy smart
 * host. Needs root and the postfix package: otherwise the test says SKIP and
 * why. The instances live in tu_scratch/pfA and pfB; the teardown stops them
 * even when a test failed.
 */

static const char *const pf_names[] = { "pfA", "pfB" };

/* Run postfix.sh with arguments (NULL-terminated) into r. */
static void
pf_run(struct tu_run *r, ...)
{
	char *argv[16], *script = tu_src("tests/peer/postfix.sh");
	const char *a;
	va_list ap;
	int n = 0;

	argv[n++] = "/bin/bash";
	argv[n++] = script;
	va_start(ap, r);
	while ((a = va_arg(ap, const char *)) != NULL && n < 15)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	tu_runv(r, NULL, 0, argv);
	free(script);
}

/*
 * postfix.sh VERB DIR for both instances at once (a start takes some 2 s
 * and a stop 1.5 s, mostly waiting on Postfix, so the two overlap): each
 * exit status asserted, with what it said. A start goes through
 * tests/lib.sh's postfix_start, which picks a free port and takes another
 * when a process took it first; the ports then in port_s.
 */
static void
pf_both(const char *verb, char *const dir[2], char port_s[2][16])
{
	char *script = tu_src("tests/peer/postfix.sh"), *lib = tu_src("tests/lib.sh"), *out[2];
	pid_t pid[2];
	int i, status;

	for (i = 0; i < 2; i++) {
		out[i] = tu_scratch_path(i ? "pf-both.1.out" : "pf-both.0.out");
		pid[i] = fork();
		ck_assert(pid[i] >= 0);
		if (pid[i] == 0) {
			int fd = open(out[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(126);
			if (port_s != NULL)
				execl("/bin/bash", "bash", "-c", ". \"$1\" && POSTFIX_SH=$2 "
				    "postfix_start \"$3\"", "bash", lib, script, dir[i], (char *)NULL);
			else
				execl("/bin/bash", "bash", script, verb, dir[i], (char *)NULL);
			_exit(127);
		}
	}
	for (i = 0; i < 2; i++) {
		char *said;

		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		said = tu_read(out[i], NULL);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "postfix.sh %s %s: status %d: %s", verb, dir[i], status, said);
		free(said);
		free(out[i]);
		if (port_s != NULL) {
			struct buf pf = BUF_INIT;

			buf_printf(&pf, "%s.port", dir[i]);
			said = tu_read(buf_str(&pf), NULL);
			snprintf(port_s[i], 16, "%.*s", (int)strcspn(said, "\n"), said);
			free(said);
			buf_free(&pf);
		}
	}
	free(script);
	free(lib);
}


static void
pf_setup(void)
{
	tu_scratch_setup();
	chmod(tu_scratch, 0755);	/* Postfix's daemons run as postfix */
}

static void
pf_teardown(void)
{
	struct tu_run r;

	for (size_t i = 0; i < sizeof(pf_names) / sizeof(pf_names[0]); i++) {
		char *dir = tu_scratch_path(pf_names[i]);
		struct stat st;

		if (stat(dir, &st) == 0) {
			pf_run(&r, "stop", dir, NULL);
			tu_run_free(&r);
		}
		free(dir);
	}
	tu_scratch_teardown();
}

/* Send one message with a plain socket client to 127.0.0.1:port. */
static void
pf_send(unsigned port, const char *msgid)
{
	struct fp p = { .port = port };
	struct buf b = BUF_INIT;
	int fd = cl_connect(&p);

	cl_to_data(fd);
	buf_printf(&b, "Message-ID: <%s>\r\nSubject: postfix test\r\n\r\nbody\r\n..dot\r\n.\r\n",
	    msgid);
	cl_send(fd, buf_str(&b));
	cl_expect(fd, "250 2.0.0 Ok: queued as ");
	cl_send(fd, "QUIT\r\n");
	cl_expect(fd, "221 ");
	close(fd);
	buf_free(&b);
}

START_TEST(postfix_delivers_side_by_side)
{
	char *dir[2], port_s[2][16];
	struct tu_run r;
	int i;

	pf_run(&r, "check", NULL);
	if (r.status != 0) {
		tu_skip("faultpeer/postfix_delivers_side_by_side", "%s", r.err);
		tu_run_free(&r);
		return;
	}
	tu_run_free(&r);
	for (i = 0; i < 2; i++)
		dir[i] = tu_scratch_path(pf_names[i]);
	pf_both("start", dir, port_s);	/* on free ports: in port_s */
	/* two instances at once: one message to A, two to B */
	pf_send((unsigned)atoi(port_s[0]), "a1@client.test");
	pf_send((unsigned)atoi(port_s[1]), "b1@client.test");
	pf_send((unsigned)atoi(port_s[1]), "b2@client.test");
	pf_run(&r, "wait", dir[1], "2", NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_run_free(&r);
	pf_run(&r, "wait", dir[0], "1", NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_run_free(&r);
	pf_run(&r, "count", dir[0], NULL);
	ck_assert_str_eq(r.out, "1\n");
	tu_run_free(&r);
	pf_run(&r, "count", dir[1], NULL);
	ck_assert_str_eq(r.out, "2\n");
	tu_run_free(&r);
	pf_run(&r, "ids", dir[0], NULL);
	ck_assert_str_eq(r.out, "<a1@client.test>\n");
	tu_run_free(&r);
	pf_run(&r, "ids", dir[1], NULL);
	ck_assert_contains(r.out, "<b1@client.test>\n");
	ck_assert_contains(r.out, "<b2@client.test>\n");
	tu_run_free(&r);
	pf_both("stop", dir, NULL);
	for (i = 0; i < 2; i++) {
		struct fp p = { .port = (unsigned)atoi(port_s[i]) };
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p.port) };
		int fd;

		/* stopped: nothing listens on its port any more */
		fd = socket(AF_INET, SOCK_STREAM, 0);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
		    errno == ECONNREFUSED, "port %u still answers after stop", p.port);
		close(fd);
	}
	/* a restart in the same DIR (the quick path: no second postfix check) keeps
	 * what was delivered and delivers again */
	pf_run(&r, "start", dir[0], port_s[0], NULL);
	ck_assert_msg(r.status == 0, "postfix.sh start again: %s", r.err);
	tu_run_free(&r);
	pf_send((unsigned)atoi(port_s[0]), "a2@client.test");
	pf_run(&r, "wait", dir[0], "2", NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_run_free(&r);
	pf_run(&r, "ids", dir[0], NULL);
	ck_assert_str_eq(r.out, "<a1@client.test>\n<a2@client.test>\n");
	tu_run_free(&r);
	pf_run(&r, "stop", dir[0], NULL);
	ck_assert_msg(r.status == 0, "postfix.sh stop: %s", r.err);
	tu_run_free(&r);
	free(dir[0]);
	free(dir[1]);
}
END_TEST

Suite *
faultpeer_suite(void)
{
	Suite *s = suite_create("faultpeer");
	TCase *tc = tcase_create("faultpeer");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, healthy_stores_messages);
	tcase_add_test(tc, healthy_sequence_errors);
	tcase_add_test(tc, pipelining_and_size);
	tcase_add_test(tc, banner_as_ibm_host);
	tcase_add_test(tc, fault_reset);
	tcase_add_test(tc, fault_close_before_greeting);
	tcase_add_test(tc, fault_close_after_greeting);
	tcase_add_test(tc, fault_silent);
	tcase_add_test(tc, fault_no_read);
	tcase_add_test(tc, fault_close_in_data);
	tcase_add_test(tc, fault_close_in_data_short_message);
	tcase_add_test(tc, fault_reset_in_data);
	tcase_add_test(tc, fault_no_final_reply);
	tcase_add_test(tc, fault_needs_push);
	tcase_add_test(tc, fault_needs_push_usage);
	tcase_add_test(tc, fault_bare_lf);
	tcase_add_test(tc, fault_ehlo_500);
	tcase_add_test(tc, fault_greet_554);
	tcase_add_test(tc, fault_greet_421);
	tcase_add_test(tc, fault_reply_421);
	tcase_add_test(tc, fault_reply_421_to_final_dot);
	tcase_add_test(tc, fault_helo_domain_required);
	tcase_add_test(tc, concurrent_sessions);
	tcase_add_test(tc, sessions_limit_exits);
	tcase_add_test(tc, idle_timeout_421);
	tcase_add_test(tc, sigkill_ends_sessions);
	tcase_add_test(tc, listen_ipv6);
	tcase_add_test(tc, usage_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("postfix");
	tcase_add_unchecked_fixture(tc, pf_setup, pf_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, postfix_delivers_side_by_side);
	suite_add_tcase(s, tc);
	return s;
}
