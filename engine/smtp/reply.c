/* reply: the SMTP reply reader (see reply.h). */
#include "smtp/reply.h"

#include <string.h>

void
smtp_reader_init(struct smtp_reader *rd, enum smtp_reply_mode mode)
{
	memset(rd, 0, sizeof(*rd));
	rd->mode = mode;
	buf_init(&rd->in);
}

void
smtp_reader_free(struct smtp_reader *rd)
{
	buf_free(&rd->in);
	rd->used = 0;
}

/* Take the line given last off the buffer. */
static void
take_used(struct smtp_reader *rd)
{
	if (rd->used == 0)
		return;
	memmove(rd->in.data, rd->in.data + rd->used, rd->in.len - rd->used);
	rd->in.len -= rd->used;
	rd->in.data[rd->in.len] = '\0';
	rd->used = 0;
}

void
smtp_reader_begin(struct smtp_reader *rd)
{
	take_used(rd);
	rd->nlines = 0;
	rd->code = 0;
}

void
smtp_reader_feed(struct smtp_reader *rd, const void *data, size_t n)
{
	take_used(rd);
	buf_append(&rd->in, data, n);
}

size_t
smtp_reader_pending(const struct smtp_reader *rd)
{
	return rd->in.len - rd->used;
}

const char *
smtp_reply_mode_to_text(enum smtp_reply_mode mode)
{
	return mode == SMTP_REPLY_STRICT ? "strict" : "lenient";
}

static int
digit(char c, char lo)
{
	return c >= lo && c <= '9';
}

/* The code of a line of at least 3 bytes, its first digit from lo to 5; 0: none. */
static int
code_of(const char *s, char lo)
{
	if (!digit(s[0], lo) || s[0] > '5' || !digit(s[1], '0') || !digit(s[2], '0'))
		return 0;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* The strict grammar: "ddd", "ddd text", "ddd-text", one code a reply. */
static void
judge_strict(struct smtp_reader *rd, struct smtp_line *l)
{
	const char *s = l->text;
	size_t n = l->len;
	int c;

	l->last = 1;
	if (n < 3 || (c = code_of(s, '2')) == 0 || (n > 3 && s[3] != ' ' && s[3] != '-')) {
		l->verdict = SMTP_LINE_MALFORMED;
		return;
	}
	if (l->index == 0)
		rd->code = c;
	else if (c != rd->code) {
		l->verdict = SMTP_LINE_MIXED;
		return;
	}
	l->last = n == 3 || s[3] == ' ';
}

/* The lenient reading: the first line's code if it has one; '-' goes on. */
static void
judge_lenient(struct smtp_reader *rd, struct smtp_line *l)
{
	if (l->index == 0 && l->len >= 3)
		rd->code = code_of(l->text, '1');
	l->last = !(l->len >= 4 && l->text[3] == '-');
	if (!l->last && rd->nlines >= SMTP_REPLY_LINES_MAX)
		l->verdict = SMTP_LINE_TOO_MANY;
}

enum smtp_read
smtp_reader_next(struct smtp_reader *rd, struct smtp_line *l)
{
	const char *nl;
	size_t len;

	take_used(rd);
	nl = rd->in.len ? memchr(rd->in.data, '\n', rd->in.len) : NULL;
	if (nl == NULL) {
		/* strict: no room left for a line end; lenient: a line of
		   SMTP_REPLY_LINE_MAX may still need its CR LF */
		if (rd->mode == SMTP_REPLY_STRICT ? rd->in.len >= SMTP_REPLY_LINE_MAX :
		    rd->in.len > SMTP_REPLY_LINE_MAX + 1)
			return SMTP_READ_TOOLONG;
		return SMTP_READ_MORE;
	}
	len = (size_t)(nl - rd->in.data);
	/* one read can bring a whole line: its length is checked here */
	if (rd->mode == SMTP_REPLY_STRICT && len >= SMTP_REPLY_LINE_MAX)
		return SMTP_READ_TOOLONG;
	memset(l, 0, sizeof(*l));
	l->text = rd->in.data;
	rd->used = len + 1;
	if (len > 0 && rd->in.data[len - 1] == '\r')
		len--;
	else
		l->bare_lf = 1;
	if (rd->mode == SMTP_REPLY_LENIENT && len > SMTP_REPLY_LINE_MAX) {
		rd->used = 0;
		return SMTP_READ_TOOLONG;
	}
	l->len = len;
	l->index = rd->nlines++;
	if (rd->mode == SMTP_REPLY_STRICT)
		judge_strict(rd, l);
	else
		judge_lenient(rd, l);
	l->code = rd->code;
	return SMTP_READ_LINE;
}
