/*
 * Fuzz target: what an SMTP client sends to faultpeer (tests/peer/faultpeer.c):
 * its command parser, the DATA phase with dot-unstuffing, the transcript, and
 * every fault's session logic. The first byte picks the fault, the second
 * the --after count; the rest is the client's byte stream, fed through a
 * socketpair whose other end a thread drains so that replies never block.
 * faultpeer is a standalone program: it is compiled in here, its main()
 * renamed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int faultpeer_main(int argc, char **argv);
#define main faultpeer_main
#include "../peer/faultpeer.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX	(64 * 1024)	/* within the socket buffer: no-read never reads */

static void *
drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[65536];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

/* Write all of it, then close our sending side: the session sees EOF. */
static void *
feed(void *arg)
{
	const struct { int fd; const uint8_t *p; size_t n; } *f = arg;
	size_t off = 0;

	while (off < f->n) {
		ssize_t w = send(f->fd, f->p + off, f->n - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(f->fd, SHUT_WR);
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session s;
	struct { int fd; const uint8_t *p; size_t n; } f;
	pthread_t reader, writer;
	int sv[2];

	if (size < 2 || size > FUZZ_MAX)
		return 0;
	memset(&opt, 0, sizeof(opt));
	opt.fault = (enum fault)(data[0] % FAULT_COUNT);
	opt.after = 1 + data[1] % 64;
	opt.banner = DEFAULT_BANNER;
	opt.ehlo_ext = "PIPELINING,SIZE 1000";
	opt.timeout = 0;
	snprintf(host, sizeof(host), "faultpeer.test");
	size_limit = 1000;
	if (transcript_fd < 0)
		transcript_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	f.fd = sv[1];
	f.p = data + 2;
	f.n = size - 2;
	if (pthread_create(&reader, NULL, drain, &sv[1]) != 0 ||
	    pthread_create(&writer, NULL, feed, &f) != 0)
		abort();
	memset(&s, 0, sizeof(s));
	s.fd = sv[0];
	s.id = 1;
	s.state = STATE_GREETING;
	session_run(&s);	/* closes sv[0] */
	pthread_join(writer, NULL);
	pthread_join(reader, NULL);
	close(sv[1]);
	return 0;
}
