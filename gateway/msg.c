/* msg: recipients from a message header (sendmail -t). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "msg.h"
#include "util/xmem.h"

/* Length of the header: up to the first empty line (or all of msg). */
static size_t
header_len(const char *m, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(m + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - m) : len;

		if (end == i || (end == i + 1 && m[i] == '\r'))
			return i;
		i = nl ? end + 1 : len;
	}
	return len;
}

/* Call fn on each field (name, unfolded value) of the header. */
static void
fields(const char *m, size_t hlen, void (*fn)(void *, const char *, size_t, const char *,
    size_t, size_t, size_t), void *arg)
{
	size_t i = 0;

	while (i < hlen) {
		size_t start = i, colon;
		struct buf v = BUF_INIT;

		/* the field runs to a line that does not start with space/tab */
		do {
			const char *nl = memchr(m + i, '\n', hlen - i);

			i = nl ? (size_t)(nl - m) + 1 : hlen;
		} while (i < hlen && (m[i] == ' ' || m[i] == '\t'));
		for (colon = start; colon < i && m[colon] != ':'; colon++)
			;
		if (colon < i) {
			size_t k;

			for (k = colon + 1; k < i; k++)
				if (m[k] != '\r' && m[k] != '\n')
					buf_putc(&v, m[k]);
			fn(arg, m + start, colon - start, v.data ? v.data : "", v.len, start, i);
		}
		buf_free(&v);
	}
}

struct rlist {
	char	**list;
	size_t	 n, cap;
};

static void
add(struct rlist *l, const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || memchr(s, '@', n) == NULL)
		return;
	l->list = xgrow(l->list, &l->cap, l->n + 1, sizeof(*l->list));
	l->list[l->n++] = xstrndup(s, n);
}

/* Addresses of one To/Cc/Bcc value. */
static void
addresses(struct rlist *l, const char *v, size_t n)
{
	struct buf plain = BUF_INIT;	/* the item without quotes and comments */
	const char *angle = NULL, *angle_end = NULL;
	size_t i;
	int depth = 0, quoted = 0, group = 0;

	for (i = 0; i <= n; i++) {
		char c = i < n ? v[i] : ',';

		if (quoted) {
			if (c == '\\' && i + 1 < n)
				i++;
			else if (c == '"')
				quoted = 0;
			continue;
		}
		if (depth > 0) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			continue;
		}
		if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth = 1;
		else if (c == '<' && angle == NULL)
			angle = v + i + 1;
		else if (c == '>' && angle != NULL && angle_end == NULL)
			angle_end = v + i;
		else if (c == ':' && !group && angle == NULL) {
			group = 1;	/* "undisclosed-recipients:" a group name */
			buf_reset(&plain);
		} else if (c == ',' || c == ';') {
			if (angle != NULL && angle_end != NULL)
				add(l, angle, (size_t)(angle_end - angle));
			else if (angle == NULL)
				add(l, plain.data ? plain.data : "", plain.len);
			buf_reset(&plain);
			angle = angle_end = NULL;
		} else if (angle == NULL)
			buf_putc(&plain, c);
	}
	buf_free(&plain);
}

static void
on_field(void *arg, const char *name, size_t nlen, const char *v, size_t vlen, size_t start,
    size_t end)
{
	(void)start;
	(void)end;
	if ((nlen == 2 && (strncasecmp(name, "To", 2) == 0 || strncasecmp(name, "Cc", 2) == 0)) ||
	    (nlen == 3 && strncasecmp(name, "Bcc", 3) == 0))
		addresses(arg, v, vlen);
}

void
msg_recipients(const char *m, size_t len, char ***out, size_t *n)
{
	struct rlist l = { NULL, 0, 0 };

	fields(m, header_len(m, len), on_field, &l);
	*out = l.list;
	*n = l.n;
}

void
msg_free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

struct strip {
	const char	*m;
	struct buf	*out;
	size_t		 done;	/* bytes of m copied or skipped */
};

static void
on_strip(void *arg, const char *name, size_t nlen, const char *v, size_t vlen, size_t start,
    size_t end)
{
	struct strip *s = arg;

	(void)v;
	(void)vlen;
	if (nlen == 3 && strncasecmp(name, "Bcc", 3) == 0) {
		buf_append(s->out, s->m + s->done, start - s->done);
		s->done = end;
	}
}

char *
msg_strip_bcc(const char *m, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	struct strip s = { m, &b, 0 };

	fields(m, header_len(m, len), on_strip, &s);
	buf_append(&b, m + s.done, len - s.done);
	*outlen = b.len;
	return b.data ? buf_detach(&b) : xstrdup("");
}
