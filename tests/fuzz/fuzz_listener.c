/*
 * Fuzz target: the listener's command and DATA parser (gateway/smtpd.c), the
 * SMTP server side of smtpgw, as a client's byte stream.
 *
 * The first byte chooses: bit 0 the bare-LF policy (reject / normalize),
 * bit 1 a sink that cannot begin every third message, bit 2 a sink whose
 * writes fail after 1 KiB (a full disk); the next byte seeds how the rest,
 * the client's bytes, is cut into pieces. The session is run twice, with all
 * the bytes at once and in pieces, and must give the same replies and the
 * same messages (a piece boundary never makes a line end: the 64 KiB cut of
 * issue 14). Every stored message must be wire form that cannot end early at
 * the smart host: CR LF line ends only, no line that is a lone dot, a final
 * CR LF (or nothing); every reply line must be "DDD" then " " or "-", CR LF.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "smtpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem_sink {
	int		 flags;
	unsigned	 begun;
	struct buf	 stored;	/* every committed message, each after a marker */
	struct buf	 cur;
	int		 open;
};

static void *
mem_begin(void *arg, const char *from, char *const *rcpts, size_t nrcpts)
{
	struct mem_sink *m = arg;

	if (m->open || nrcpts == 0 || from == NULL || rcpts[0] == NULL)
		abort();	/* one at a time, with an envelope */
	if ((m->flags & 2) && ++m->begun % 3 == 0)
		return NULL;
	buf_reset(&m->cur);
	m->open = 1;
	return m;
}

static int
mem_write(void *h, const char *p, size_t n)
{
	struct mem_sink *m = h;

	if (!m->open || n == 0)
		abort();
	if ((m->flags & 4) && m->cur.len + n > 1024)
		return -1;
	buf_append(&m->cur, p, n);
	return 0;
}

/* The wire form's promises (smtpd.h, spool.h). */
static void
check_message(const char *p, size_t n)
{
	size_t i;

	if (n > 0 && (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n'))
		abort();	/* no final CR LF */
	if (n >= 3 && memcmp(p, ".\r\n", 3) == 0)
		abort();	/* a lone dot first */
	for (i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			abort();	/* a bare LF */
		if (p[i] == '\n' && i + 3 < n && memcmp(p + i + 1, ".\r\n", 3) == 0)
			abort();	/* a lone dot: the end of data, early */
	}
}

static int
mem_commit(void *h, char id[SPOOL_ID_MAX])
{
	struct mem_sink *m = h;

	if (!m->open)
		abort();
	check_message(m->cur.data ? m->cur.data : "", m->cur.len);
	buf_printf(&m->stored, "\n--- message %u, %zu bytes\n", m->begun, m->cur.len);
	buf_append(&m->stored, m->cur.data ? m->cur.data : "", m->cur.len);
	snprintf(id, SPOOL_ID_MAX, "ID%zu", m->stored.len);
	m->open = 0;
	return 0;
}

static void
mem_abort(void *h)
{
	struct mem_sink *m = h;

	if (!m->open)
		abort();
	m->open = 0;
}

static const struct smtpd_sink mem_ops = { mem_begin, mem_write, mem_commit, mem_abort };

static void
check_replies(const struct buf *out)
{
	size_t i = 0;

	while (i < out->len) {
		const char *nl = memchr(out->data + i, '\n', out->len - i);
		const char *l = out->data + i;
		size_t n;

		if (nl == NULL)
			abort();	/* a reply without its line end */
		n = (size_t)(nl - l);
		if (n < 5 || l[n - 1] != '\r' || l[0] < '2' || l[0] > '5' || l[1] < '0' ||
		    l[1] > '9' || l[2] < '0' || l[2] > '9' || (l[3] != ' ' && l[3] != '-'))
			abort();
		if (memchr(l, '\r', n - 1) != NULL)
			abort();	/* a reply that makes two lines */
		i += n + 1;
	}
}

/* One session over in[0, n), in pieces from seed (0: all at once). */
static void
run(const uint8_t *in, size_t n, int flags, unsigned seed, struct buf *replies,
    struct buf *stored)
{
	struct smtpd_params p;
	struct mem_sink m;
	struct smtpd *s;
	size_t i = 0;
	enum smtpd_status st = SMTPD_OPEN;

	memset(&m, 0, sizeof(m));
	m.flags = flags;
	memset(&p, 0, sizeof(p));
	p.hostname = "gw.test";
	p.max_size = 4096;
	p.bare_lf = (flags & 1) ? SMTPD_BARE_LF_NORMALIZE : SMTPD_BARE_LF_REJECT;
	p.sink = &mem_ops;
	p.sink_arg = &m;
	s = smtpd_new(&p);
	smtpd_greeting(s, replies);
	while (i < n && st == SMTPD_OPEN) {
		size_t k = n - i;

		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 97;
			if (k > n - i)
				k = n - i;
		}
		st = smtpd_feed(s, (const char *)in + i, k, replies);
		i += k;
	}
	if (st == SMTPD_OPEN)
		smtpd_timeout(s, replies);
	if (smtpd_in_data(s) && st == SMTPD_CLOSE)
		abort();	/* closed, yet still in the data */
	smtpd_free(s);
	if (m.open)
		abort();	/* smtpd_free must abort a message in progress */
	check_replies(replies);
	buf_append(stored, m.stored.data ? m.stored.data : "", m.stored.len);
	buf_free(&m.stored);
	buf_free(&m.cur);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf r1 = BUF_INIT, s1 = BUF_INIT, r2 = BUF_INIT, s2 = BUF_INIT;
	int flags;
	unsigned seed;

	if (size < 2)
		return 0;
	flags = data[0] & 7;
	seed = 1u + data[1];
	run(data + 2, size - 2, flags, 0, &r1, &s1);
	run(data + 2, size - 2, flags, seed, &r2, &s2);
	if (r1.len != r2.len || memcmp(r1.data, r2.data, r1.len) != 0)
		abort();	/* the replies depend on how the bytes were cut */
	if (s1.len != s2.len || (s1.len && memcmp(s1.data, s2.data, s1.len) != 0))
		abort();	/* so do the messages */
	buf_free(&r1);
	buf_free(&s1);
	buf_free(&r2);
	buf_free(&s2);
	return 0;
}
