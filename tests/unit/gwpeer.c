/* gwpeer: build/faultpeer for the smtpgw suites (see gwpeer.h). */
#define _GNU_SOURCE	/* prctl */
#include "gwpeer.h"

#include <check.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "testutil.h"
#include "util/xmem.h"

#define GWPEER_ARGS	32

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void
gwpeer_start(struct gwpeer *p, const char *fault, const char *maildir, ...)
{
	static unsigned seq;
	char *argv[GWPEER_ARGS], *bin = tu_build("faultpeer");
	struct buf portf = BUF_INIT, tr = BUF_INIT;
	const char *a;
	va_list ap;
	long long t0;
	int n = 0, got;

	ck_assert_msg(access(bin, X_OK) == 0, "%s is not built (make %s)", bin, bin);
	ck_assert_msg(tu_scratch != NULL, "gwpeer needs the tu_scratch fixture");
	buf_printf(&portf, "%s/faultpeer.%d.%u.port", tu_scratch, (int)getpid(), seq);
	buf_printf(&tr, "%s/faultpeer.%d.%u.transcript", tu_scratch, (int)getpid(), seq++);
	unlink(buf_str(&portf));
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--port-file";
	argv[n++] = (char *)buf_str(&portf);
	argv[n++] = "--transcript";
	argv[n++] = (char *)buf_str(&tr);
	argv[n++] = "--fault";
	argv[n++] = (char *)fault;
	argv[n++] = "--ehlo-ext";
	argv[n++] = "PIPELINING,SIZE 104857600,8BITMIME";
	if (maildir != NULL) {
		argv[n++] = "--maildir";
		argv[n++] = (char *)maildir;
	}
	va_start(ap, maildir);
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert(n < GWPEER_ARGS - 1);
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
	for (t0 = clock_ms(), got = 0; !got && clock_ms() - t0 < TU_WAIT_MS; sleep_ms(10)) {
		FILE *f = fopen(buf_str(&portf), "r");	/* written atomically */

		if (f != NULL) {
			ck_assert(fscanf(f, "%u", &p->port) == 1);
			fclose(f);
			got = 1;
			break;
		}
		ck_assert_msg(waitpid(p->pid, NULL, WNOHANG) == 0, "faultpeer --fault %s exited "
		    "early", fault);
	}
	ck_assert_msg(got, "faultpeer wrote no port file in %d s", TU_WAIT_MS / 1000);
	p->transcript = buf_detach(&tr);
	buf_free(&portf);
	free(bin);
}

void
gwpeer_stop(struct gwpeer *p)
{
	long long t0;
	int status;
	pid_t r;

	if (p == NULL || p->pid <= 0)
		return;
	ck_assert(kill(p->pid, SIGTERM) == 0);
	for (t0 = clock_ms(), r = 0; r == 0 && clock_ms() - t0 < TU_WAIT_MS; sleep_ms(10))
		if ((r = waitpid(p->pid, &status, WNOHANG)) != 0)
			break;
	ck_assert_msg(r == p->pid, "faultpeer did not stop on SIGTERM in %d s", TU_WAIT_MS / 1000);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "faultpeer: status %d",
	    status);
	p->pid = 0;
	free(p->transcript);
	p->transcript = NULL;
}

size_t
gwpeer_count(const char *maildir)
{
	struct buf b = BUF_INIT;
	size_t n = 0;

	buf_printf(&b, "%s/new", maildir);
	if (access(buf_str(&b), F_OK) == 0)
		n = tu_count_files(maildir, "new", ".eml");
	buf_free(&b);
	return n;
}

static int
is_message(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

char *
gwpeer_message(const char *maildir, size_t i, size_t *len)
{
	struct buf path = BUF_INIT;
	struct dirent **list = NULL;
	char *data, *body, *out;
	size_t flen;
	int n, k;

	buf_printf(&path, "%s/new", maildir);
	n = scandir(buf_str(&path), &list, is_message, alphasort);
	ck_assert_msg(n >= 0, "scandir %s", buf_str(&path));
	ck_assert_msg(i < (size_t)n, "no message %zu in %s (%d there)", i, buf_str(&path), n);
	buf_printf(&path, "/%s", list[i]->d_name);
	for (k = 0; k < n; k++)
		free(list[k]);
	free(list);
	data = tu_read(buf_str(&path), &flen);
	/* the envelope block ends at the first empty line (CR LF) */
	body = strstr(data, "\r\n\r\n");
	ck_assert_msg(body != NULL, "%s: no envelope block", buf_str(&path));
	body += 4;
	*len = flen - (size_t)(body - data);
	out = xmalloc(*len + 1);
	memcpy(out, body, *len);
	out[*len] = '\0';
	free(data);
	buf_free(&path);
	return out;
}

char *
gwpeer_transcript(const struct gwpeer *p)
{
	if (p->transcript == NULL || access(p->transcript, R_OK) != 0)
		return xstrdup("(no transcript)");
	return tu_read(p->transcript, NULL);
}
