#define _XOPEN_SOURCE 700
#include "testutil.h"
#include "../fuzz/kbpair.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xmem.h"

extern char **environ;

char *
tu_join(const char *dir, const char *rel)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", dir, rel);
	return buf_detach(&b);
}

char *
tu_src(const char *rel)
{
	return tu_join(TEST_SRCDIR, rel);
}

char *
tu_build(const char *rel)
{
	return tu_join(TEST_BUILDDIR, rel);
}

void
tu_skip(const char *what, const char *fmt, ...)
{
	va_list ap;
	struct buf line = BUF_INIT;
	const char *log = getenv("TU_SKIP_LOG");
	int fd;

	buf_printf(&line, "%s: ", what);
	va_start(ap, fmt);
	buf_vprintf(&line, fmt, ap);
	va_end(ap);
	if (line.len > 0 && line.data[line.len - 1] != '\n')
		buf_putc(&line, '\n');
	fprintf(stderr, "SKIP %s", buf_str(&line));
	/* O_APPEND: the tests run in forked children, each adds its lines */
	if (log != NULL && (fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC)) >= 0) {
		if (write(fd, line.data, line.len) != (ssize_t)line.len)
			fprintf(stderr, "tu_skip: %s: short write\n", log);
		close(fd);
	}
	buf_free(&line);
}

char *
tu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path = tu_join(base && base[0] ? base : "/tmp", "kbdiag-test.XXXXXX");

	ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp: %s", strerror(errno));
	return path;
}

static int
tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tu_rmtree(const char *dir)
{
	if (dir && strstr(dir, "kbdiag-test."))
		nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Outside any test (check's assertions would fail there): NULL when it cannot. */
char *
tu_cache_run_setup(void)
{
	const char *base = getenv("TMPDIR");
	char *root = tu_join(base && base[0] ? base : "/tmp", "kbdiag-test.XXXXXX");

	if (mkdtemp(root) == NULL) {
		fprintf(stderr, "check_kbdiag: mkdtemp %s: %s\n", root, strerror(errno));
		free(root);
		return NULL;
	}
	setenv("TU_CACHE_ROOT", root, 1);
	setenv("KBDIAG_CACHE", root, 1);
	return root;
}

void
tu_cache_own(void)
{
	const char *root = getenv("TU_CACHE_ROOT"), *cur = getenv("KBDIAG_CACHE");
	char own[PATH_MAX];

	if (root == NULL || cur == NULL || strcmp(root, cur) != 0)
		return;
	ck_assert(snprintf(own, sizeof(own), "%s/test-%ld", root, (long)getpid()) <
	    (int)sizeof(own));
	setenv("KBDIAG_CACHE", own, 1);
}

/* A socket of type bound to 127.0.0.1 on a port the kernel picks (in *port),
 * close-on-exec; SO_REUSEADDR when reuse. */
static int
loopback_socket(int type, int reuse, unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	if (reuse)
		ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0, "bind 127.0.0.1:0: %s",
	    strerror(errno));
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

int
tu_loopback_bind(int type, unsigned *port)
{
	return loopback_socket(type, type == SOCK_STREAM, port);
}

unsigned
tu_refused_port(void)
{
	unsigned port;

	(void)loopback_socket(SOCK_STREAM, 0, &port);	/* stays open (bound) until the test ends */
	return port;
}

/*
 * A fresh directory for a copy of the rule base: in /dev/shm (tmpfs) when
 * $TMPDIR is not set and /dev/shm is there. Some fifty tests each copy the
 * 157 files of kb/, and on ext4 creating that many inodes right after as
 * many were deleted cost some 150 ms a copy (kernel time in cp: 78% of the
 * kb suite's 11 s).
 */
static char *
tu_kb_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if ((base && base[0]) || access("/dev/shm", W_OK | X_OK) != 0)
		return tu_tmpdir();
	path = tu_join("/dev/shm", "kbdiag-test.XXXXXX");
	ck_assert_msg(mkdtemp(path) != NULL, "mkdtemp: %s", strerror(errno));
	return path;
}

char *
tu_kb_copy(void)
{
	char *dir = tu_kb_tmpdir(), *src = tu_src("kb/."), *dst = tu_join(dir, "kb");
	char *argv[] = { "/bin/cp", "-R", src, dst, NULL };
	struct tu_run r;

	tu_runv(&r, NULL, 0, argv);
	ck_assert_msg(r.status == 0, "cp failed: %s", r.err);
	tu_run_free(&r);
	free(src);
	free(dir);
	return dst;
}

void
tu_kb_copy_free(char *kbdir)
{
	char *slash = strrchr(kbdir, '/');

	ck_assert(slash != NULL);
	*slash = '\0';
	tu_rmtree(kbdir);
	free(kbdir);
}

void
tu_edit_in(const char *dir, const char *rel, const char *from, const char *to)
{
	char *path = tu_join(dir, rel), *data = tu_read(path, NULL), *at;
	struct buf b = BUF_INIT;

	at = strstr(data, from);
	ck_assert_msg(at != NULL, "%s no longer holds \"%s\": update this test", rel, from);
	buf_append(&b, data, (size_t)(at - data));
	buf_puts(&b, to);
	buf_puts(&b, at + strlen(from));
	tu_write_str(path, buf_str(&b));
	buf_free(&b);
	free(data);
	free(path);
}

char *
tu_article(const char *id, const char *symptoms, const char *causes, const char *steps)
{
	struct buf b = BUF_INIT;

	buf_printf(&b,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<article id=\"%s\" kind=\"errmsg\">\n"
	    "  <title>t</title>\n"
	    "  <applies-to><product name=\"p\" versions=\"1\"/></applies-to>\n"
	    "  <summary>s</summary>\n"
	    "  <symptoms>\n"
	    "%s\n"
	    "  </symptoms>\n"
	    "  <causes>%s</causes>\n"
	    "  <resolution>%s</resolution>\n"
	    "<provenance archive=\"t\" encoded=\"2026-01-01\"/></article>\n",
	    id, symptoms ? symptoms : TU_SYMPTOM, causes ? causes : TU_CAUSE,
	    steps ? steps : TU_STEP);
	return buf_detach(&b);
}

void
tu_record_problem(void *arg, const char *msg)
{
	struct tu_problems *pr = arg;

	if (pr->n < TU_MAX_PROBLEMS)
		snprintf(pr->msg[pr->n], ERR_LEN, "%s", msg);
	pr->n++;
}

void
tu_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert(fwrite(data, 1, len, f) == len);
	ck_assert(fclose(f) == 0);
}

void
tu_write_str(const char *path, const char *s)
{
	tu_write(path, s, strlen(s));
}

void
tu_write_in(const char *dir, const char *rel, const char *s)
{
	char *path = tu_join(dir, rel);

	tu_write_str(path, s);
	free(path);
}

char *
tu_read(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	if (len)
		*len = b.len;
	return buf_detach(&b);
}

struct kb *
tu_kb(void)
{
	struct kb_load_params p = { 0 };
	char err[ERR_LEN];
	struct kb *kb;
	char *dir = tu_src("kb");

	p.dir = dir;
	ck_assert_msg(kb_load(&p, &kb, err) == 0, "kb_load: %s", err);
	free(dir);
	return kb;
}

struct kb *
tu_kb_mini(void)
{
	struct kb *kb = tu_kb();

	kbpair_keep(kb);
	return kb;
}

struct matcher *
tu_matcher(const struct kb *kb)
{
	struct matcher *m;
	char err[ERR_LEN];

	ck_assert_msg(match_compile(kb, &m, err) == 0, "match_compile: %s", err);
	return m;
}

void
tu_runv(struct tu_run *r, const char *in, size_t len, char *const argv[])
{
	int inp[2], outp[2], errp[2], status;
	posix_spawn_file_actions_t fa;
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct pollfd pfd[3];
	size_t written = 0;
	char chunk[65536];
	pid_t pid;
	ssize_t n;

	tu_cache_own();
	ck_assert(pipe(inp) == 0 && pipe(outp) == 0 && pipe(errp) == 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, inp[0], 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
	posix_spawn_file_actions_addclose(&fa, inp[1]);
	posix_spawn_file_actions_addclose(&fa, outp[0]);
	posix_spawn_file_actions_addclose(&fa, errp[0]);
	ck_assert_msg(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) == 0,
	    "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	close(inp[0]);
	close(outp[1]);
	close(errp[1]);
	signal(SIGPIPE, SIG_IGN);
	if (in == NULL || len == 0) {
		close(inp[1]);
		inp[1] = -1;
	} else	/* a child that stops reading must not block us in write() */
		ck_assert(fcntl(inp[1], F_SETFL, O_NONBLOCK) == 0);
	pfd[0].fd = outp[0];
	pfd[1].fd = errp[0];
	pfd[2].fd = inp[1];
	for (;;) {
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[2].events = POLLOUT;
		if (pfd[0].fd < 0 && pfd[1].fd < 0)
			break;
		if (poll(pfd, 3, -1) < 0) {
			ck_assert(errno == EINTR);
			continue;
		}
		if (pfd[2].fd >= 0 && (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(pfd[2].fd, in + written, len - written);
			if (n > 0)
				written += (size_t)n;
			if ((n < 0 && errno != EAGAIN) || written == len) {
				close(pfd[2].fd);
				pfd[2].fd = -1;
			}
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n > 0)
				buf_append(i == 0 ? &out : &err, chunk, (size_t)n);
			else {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	if (pfd[2].fd >= 0)
		close(pfd[2].fd);
	while (waitpid(pid, &status, 0) < 0)
		ck_assert(errno == EINTR);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->outlen = out.len;
	r->out = buf_detach(&out);
	r->errlen = err.len;
	r->err = buf_detach(&err);
}

static void
tu_kbdiag_va(struct tu_run *r, const char *in, size_t len, int live, va_list ap)
{
	char *argv[64], *bin = tu_build("kbdiag");
	const char *a;
	int n = 0;

	argv[n++] = bin;
	if (!live)
		argv[n++] = (char *)"--offline";
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < 63);
		argv[n++] = (char *)a;
	}
	argv[n] = NULL;
	unsetenv("KBDIAG_KB");
	tu_runv(r, in, len, argv);
	free(bin);
}

void
tu_kbdiag(struct tu_run *r, const char *in, size_t len, ...)
{
	va_list ap;

	va_start(ap, len);
	tu_kbdiag_va(r, in, len, 0, ap);
	va_end(ap);
}

void
tu_kbdiag_live(struct tu_run *r, const char *in, size_t len, ...)
{
	va_list ap;

	va_start(ap, len);
	tu_kbdiag_va(r, in, len, 1, ap);
	va_end(ap);
}

void
tu_smtpgw(struct tu_run *r, const char *in, ...)
{
	char *argv[64];
	va_list ap;
	int n = 0;

	argv[n++] = tu_build("smtpgw");
	va_start(ap, in);
	while ((argv[n] = va_arg(ap, char *)) != NULL && n < 62)
		n++;
	va_end(ap);
	argv[n] = NULL;
	tu_runv(r, in, in ? strlen(in) : 0, argv);
	free(argv[0]);
}

void
tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

size_t
tu_count_files(const char *dir, const char *sub, const char *suffix)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	size_t n = 0, slen = strlen(suffix);
	DIR *d;

	buf_printf(&path, "%s/%s", dir, sub);
	d = opendir(buf_str(&path));
	ck_assert_msg(d != NULL, "opendir %s", buf_str(&path));
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' && len > slen &&
		    strcmp(de->d_name + len - slen, suffix) == 0)
			n++;
	}
	closedir(d);
	buf_free(&path);
	return n;
}

char *tu_scratch;

void
tu_scratch_setup(void)
{
	tu_scratch = tu_tmpdir();
}

void
tu_scratch_teardown(void)
{
	tu_rmtree(tu_scratch);
	free(tu_scratch);
	tu_scratch = NULL;
}

char *
tu_scratch_path(const char *name)
{
	struct buf b = BUF_INIT;

	ck_assert_ptr_nonnull(tu_scratch);
	buf_printf(&b, "%s/%s", tu_scratch, name);
	return buf_detach(&b);
}
