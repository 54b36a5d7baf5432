#include "shape.h"

#include <ctype.h>
#include <string.h>

#include "util/peer.h"

/*
 * A word of a line's shape: names, addresses, numbers and ids masked, so
 * that lines that differ only in them group together.
 */
static void
shape_word(struct buf *out, const char *w, size_t n)
{
	struct peer_ref ref;
	size_t i, lo = 0, hi = n, digits = 0, alpha = 0, dots = 0, colons = 0, brackets = 0;
	int host = 1;

	/* Most words are plain words: nothing to mask. */
	for (i = 0; i < n && (isalpha((unsigned char)w[i]) || w[i] == ',' || w[i] == '-' ||
	    w[i] == '(' || w[i] == ')'); i++)
		;
	if (i == n) {
		buf_append(out, w, n);
		return;
	}
	/* (strchr()'s sets, whose NUL is a member too) */
	while (lo < hi && (w[lo] == '<' || w[lo] == '(' || w[lo] == '[' || w[lo] == '"' ||
	    w[lo] == '\'' || w[lo] == '\0'))
		lo++;
	/* Trailing punctuation, but the ']' of a NAME[ADDRESS]. */
	while (hi > lo && (w[hi - 1] == '>' || w[hi - 1] == ')' || w[hi - 1] == ']' ||
	    w[hi - 1] == '"' || w[hi - 1] == '\'' || w[hi - 1] == ',' || w[hi - 1] == ';' ||
	    w[hi - 1] == ':' || w[hi - 1] == '.' || w[hi - 1] == '\0') &&
	    !(w[hi - 1] == ']' && memchr(w + lo, '[', hi - lo) != NULL))
		hi--;
	buf_append(out, w, lo);
	/* One pass, ctype's classes of the C locale by arithmetic: words are short. */
	for (i = lo; i < hi; i++) {
		unsigned char c = (unsigned char)w[i];
		int a = (unsigned)((c | 0x20) - 'a') < 26u, dg = (unsigned)(c - '0') < 10u;

		digits |= (size_t)dg;
		alpha |= (size_t)a;
		if (!a && !dg) {
			dots += c == '.';
			colons |= c == ':';
			brackets |= c == '[';
			if (c != '.' && c != '-' && c != '_')
				host = 0;
		}
	}
	/*
	 * The peer tests only where they can say yes: peer_read() (no name
	 * alone) needs a '[', an IPv4 address three dots and no letter, an
	 * IPv6 address a ':'.
	 */
	if (hi == lo)
		;
	else if (memchr(w + lo, '@', hi - lo))
		buf_puts(out, "ADDRESS");
	else if (brackets && peer_read(w + lo, hi - lo, 0, &ref) == hi - lo)
		buf_puts(out, "HOST[ADDR]");
	else if ((dots == 3 && alpha == 0 && peer_is_ipv4(w + lo, hi - lo)) ||
	    (colons && peer_is_ipv6(w + lo, hi - lo)))
		buf_puts(out, "ADDR");
	else if (digits > 0 && alpha == 0)
		buf_puts(out, "N");
	else if (host && dots > 0 && alpha > 0 && isalpha((unsigned char)w[hi - 1]) &&
	    hi - lo > 3)
		buf_puts(out, "HOST");
	else if (digits > 0 && alpha > 0 && hi - lo >= 5)
		buf_puts(out, "ID");
	else {
		/* Digits inside a word: each run is N. */
		size_t run;

		for (i = lo; i < hi; i = run) {
			if (isdigit((unsigned char)w[i])) {
				for (run = i; run < hi && isdigit((unsigned char)w[run]); run++)
					;
				buf_putc(out, 'N');
			} else {
				for (run = i; run < hi && !isdigit((unsigned char)w[run]); run++)
					;
				buf_append(out, w + i, run - i);
			}
		}
	}
	buf_append(out, w + hi, n - hi);
}

void
shape_of(struct buf *out, const char *s, size_t n, size_t max)
{
	size_t i = 0, j, eq;

	buf_reset(out);
	while (i < n && out->len < max) {
		if (s[i] == ' ' || s[i] == '\t') {
			if (out->len && out->data[out->len - 1] != ' ')
				buf_putc(out, ' ');
			i++;
			continue;
		}
		/* the word's end, and its first '=' or '[' (j when none), in one pass */
		for (j = i, eq = n; j < n; j++) {
			unsigned char c = (unsigned char)s[j];

			if (c > '[' || (c != ' ' && c != '\t' && c != '=' && c != '['))
				continue;
			if (c == ' ' || c == '\t')
				break;
			if (eq == n)
				eq = j;
		}
		if (eq == n)
			eq = j;
		if (eq < j && s[eq] == '=' && eq > i) {
			buf_append(out, s + i, eq + 1 - i);
			shape_word(out, s + eq + 1, j - eq - 1);
		} else
			shape_word(out, s + i, j - i);
		i = j;
	}
}
