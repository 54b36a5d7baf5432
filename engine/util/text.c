#include "text.h"

#include <string.h>

#include "buf.h"
#include "xmem.h"

size_t
text_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	/* C1 controls U+0080..U+009F are as unsafe on a terminal as C0. */
	if (cp >= 0x80 && cp <= 0x9F)
		return 0;
	return len;
}

void
text_escape_into(char *dst, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;

	if (cap == 0)
		return;
	while (i < n) {
		if (p[i] == '\t' || ((k = text_utf8_len(p + i, n - i)) == 1 &&
		    (p[i] < 0x20 || p[i] == 0x7F)) || k == 0) {
			char esc[5];
			size_t e = 1;

			if (p[i] == '\t')
				esc[0] = ' ';
			else {
				static const char hex[] = "0123456789ABCDEF";

				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[p[i] >> 4];
				esc[3] = hex[p[i] & 15];
				e = 4;
			}
			if (o + e >= cap)
				break;
			memcpy(dst + o, esc, e);
			o += e;
			i++;
			continue;
		}
		if (o + k >= cap)
			break;
		memcpy(dst + o, p + i, k);
		o += k;
		i += k;
	}
	dst[o] = '\0';
}

void
text_escape_err(char err[ERR_LEN])
{
	char copy[ERR_LEN];

	if (err == NULL)
		return;
	memcpy(copy, err, ERR_LEN);
	copy[ERR_LEN - 1] = '\0';
	text_escape_into(err, ERR_LEN, copy);
}

/*
 * Could the n bytes at s, fewer than their lead byte announces, be the start
 * of a character that text_utf8_len() would accept? Second-byte ranges after
 * E0, ED, F0 and F4 are those of Unicode's table 3-7.
 */
static int
text_utf8_prefix(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 4;
	else
		return 0;
	if (n >= need)
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return 1;
}

static int
text_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Escape p[start, end): the shared loop of text_sanitize() and text_escape(). */
static void
escape_range(struct buf *b, const unsigned char *p, size_t start, size_t end, size_t n,
    int cut)
{
	size_t i, k;

	for (i = start; i < end; i += k) {
		if (p[i] >= 0x20 && p[i] < 0x7F) {
			/* A run of printable ASCII, as it is, at once. */
			for (k = 1; i + k < end && p[i + k] >= 0x20 && p[i + k] < 0x7F; k++)
				;
			buf_append(b, p + i, k);
		} else if (p[i] == '\t') {
			buf_putc(b, ' ');
			k = 1;
		} else if (p[i] < 0x20 || p[i] == 0x7F) {
			buf_printf(b, "\\x%02X", p[i]);
			k = 1;
		} else if ((k = text_utf8_len(p + i, end - i)) == 0) {
			/* A cut in the middle of a character is not corruption,
			 * but bytes that were invalid anyway are still shown. */
			if (cut && end == n && text_utf8_prefix(p + i, end - i))
				break;
			buf_printf(b, "\\x%02X", p[i]);
			k = 1;
		} else
			buf_append(b, p + i, k);
	}
}

char *
text_sanitize(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b = BUF_INIT;
	size_t end, start;
	int cut = 0;

	if (max && n > max) {
		n = max;
		cut = 1;
	}
	start = 0;
	while (start < n && text_space(p[start]))
		start++;
	end = n;
	while (end > start && text_space(p[end - 1]))
		end--;
	escape_range(&b, p, start, end, n, cut);
	if (cut)
		buf_puts(&b, "...");
	return buf_detach(&b);
}

void
text_escape(struct buf *out, const char *s, size_t n)
{
	escape_range(out, (const unsigned char *)s, 0, n, n, 0);
}
