/*
 * Fuzz target: the readers of a log line's delivery (mta.h) and of a peer in
 * every notation (peer.h). Input: a line (no program), then the same line
 * as Postfix's, Exim's and Sendmail's, and as a --smarthost value. The
 * oracles: a peer read from a log is a valid host with an address that is
 * one; a port is 1..65535; what peer_parse() accepts is a valid host; the
 * ids are bounded and NUL-terminated; nothing reads past the line (ASan);
 * a line mta_failure_line() calls a failed delivery holds one of
 * mta_failure_words (the matcher's prefilter asks it only about such lines);
 * a cached status is held. The input cut at its first newline is a line and
 * the next one, for mta_continuation(): a piece it joins starts with a
 * field, KEY=.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mta.h"
#include "util/peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Does one of mta_failure_words occur in [s, s+n), ignoring ASCII case? */
static int
has_failure_word(const char *s, size_t n)
{
	size_t i, j, w, l;

	for (w = 0; mta_failure_words[w] != NULL; w++) {
		l = strlen(mta_failure_words[w]);
		for (i = 0; i + l <= n; i++) {
			for (j = 0; j < l; j++) {
				unsigned char a = (unsigned char)s[i + j];

				if ((a >= 'A' && a <= 'Z' ? a + 32 : a) !=
				    (unsigned char)mta_failure_words[w][j])
					break;
			}
			if (j == l)
				return 1;
		}
	}
	return 0;
}

static void
check_peer(const struct peer_ref *p)
{
	if (p->host[0] != '\0' && !peer_valid_host(p->host))
		abort();
	if (p->addr[0] != '\0' && !peer_is_ipv4(p->addr, strlen(p->addr)) &&
	    !peer_is_ipv6(p->addr, strlen(p->addr)))
		abort();
	if (p->port > 65535)
		abort();
}

static void
check_line(const struct mta_line *l)
{
	check_peer(&l->peer);
	if (strlen(l->session) >= MTA_ID_MAX || strlen(l->message) >= MTA_ID_MAX ||
	    strlen(l->domain) >= MTA_DOMAIN_MAX)
		abort();
	if (l->kind > MTA_DELIVERED || l->origin > MTA_SENDMAIL)
		abort();
	if (l->cached && l->kind != MTA_HELD)
		abort();
}

/* The line before the first newline, and the one after it, as pieces. */
static void
check_continuation(const char *line, size_t size)
{
	const char *nl = memchr(line, '\n', size);
	size_t plen = nl ? (size_t)(nl - line) : size, nlen = nl ? size - plen - 1 : 0, k;
	const char *next = nl ? nl + 1 : line + size;
	enum mta_join j;

	(void)mta_unfinished(line, plen);
	(void)mta_unfinished(next, nlen);
	j = mta_continuation(line, plen, next, nlen);
	if (j > MTA_JOIN_DIRECT)
		abort();
	if (j != MTA_JOIN_NONE) {
		for (k = 0; k < nlen && ((next[k] >= 'a' && next[k] <= 'z') || next[k] == '_'); k++)
			;
		if (k == 0 || k >= nlen || next[k] != '=')
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const programs[] = { NULL, "postfix/smtp", "exim", "sendmail" };
	static const char *const hints[] = { NULL, "postfix", "exim", "sendmail", "gateway" };
	/* An exact-size copy, so that ASan sees any read past the line. */
	char *line = malloc(size ? size : 1), *s;
	struct mta_line l;
	struct peer_ref ref;
	char err[ERR_LEN], host[PEER_HOST_MAX];
	unsigned port;
	size_t i, k;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		for (k = 0; k < sizeof(hints) / sizeof(hints[0]); k++) {
			mta_parse(programs[i], (long)i * 100, line, size, hints[k], &l);
			check_line(&l);
		}
	for (i = 0; i < size; i++)
		if (peer_read(line + i, size - i, (int)(i & 1), &ref) > size - i)
			abort();
		else
			check_peer(&ref);
	(void)peer_server_line(line, size);
	check_continuation(line, size);
	if (mta_failure_line(line, size) && !has_failure_word(line, size))
		abort();
	free(line);
	/* As --smarthost: a NUL-terminated string. */
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (peer_parse_ref(s, 25, &ref, err) == 0) {
		check_peer(&ref);
		if (ref.host[0] == '\0' || ref.port == 0)
			abort();
	}
	if (peer_parse(s, 25, host, &port, err) == 0 && !peer_valid_host(host))
		abort();
	free(s);
	return 0;
}
