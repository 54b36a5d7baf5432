/*
 * Fuzz target: the SMTP reply reader itself (engine/smtp/reply.c), both
 * modes, fed in pieces. fuzz_reply (the relay, strict) and fuzz_probe_reply
 * (the probes, lenient) drive the same reader through whole sessions; this
 * one checks its own promises on any bytes:
 *   - a line's text is inside what was fed, holds no LF, and ends before
 *     its line end; its length is within the mode's limit
 *   - strict: an OK line is "ddd", "ddd text" or "ddd-text" with the
 *     reply's code; lenient: at most SMTP_REPLY_LINES_MAX lines a reply
 *   - every byte fed is given back as a line, or still pending, or the
 *     reader said a line was too long
 * The first byte chooses the mode (bit 0) and seeds how the rest is cut.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const struct smtp_reader *rd, const struct smtp_line *l)
{
	if (memchr(l->text, '\n', l->len) != NULL)
		abort();
	if (rd->mode == SMTP_REPLY_STRICT) {
		if (l->len + !l->bare_lf >= SMTP_REPLY_LINE_MAX)
			abort();
		if (l->verdict == SMTP_LINE_OK && (l->len < 3 || l->text[0] < '2' ||
		    l->text[0] > '5' || (l->len > 3 && l->text[3] != ' ' &&
		    l->text[3] != '-') || (l->text[0] - '0') * 100 + (l->text[1] - '0') * 10 +
		    (l->text[2] - '0') != l->code))
			abort();
		if (l->verdict == SMTP_LINE_TOO_MANY)
			abort();
	} else {
		if (l->len > SMTP_REPLY_LINE_MAX || l->index >= SMTP_REPLY_LINES_MAX)
			abort();
		if (l->verdict == SMTP_LINE_MALFORMED || l->verdict == SMTP_LINE_MIXED)
			abort();
		if (l->code != 0 && (l->code < 100 || l->code > 599))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reader rd;
	struct smtp_line l;
	unsigned seed;
	size_t pos = 0, taken = 0;

	if (size < 1)
		return 0;
	seed = data[0];
	smtp_reader_init(&rd, (data[0] & 1) ? SMTP_REPLY_LENIENT : SMTP_REPLY_STRICT);
	data++;
	size--;
	smtp_reader_begin(&rd);
	for (;;) {
		enum smtp_read st = smtp_reader_next(&rd, &l);

		if (st == SMTP_READ_TOOLONG)
			break;
		if (st == SMTP_READ_MORE) {
			size_t k;

			if (pos == size) {
				/* all fed: every byte given as a line, or pending */
				if (taken + smtp_reader_pending(&rd) != pos)
					abort();
				break;
			}
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 700;
			if (k > size - pos)
				k = size - pos;
			smtp_reader_feed(&rd, data + pos, k);
			pos += k;
			continue;
		}
		check_line(&rd, &l);
		/* the line is the next bytes fed, up to its line end */
		if (memcmp(l.text, data + taken, l.len) != 0)
			abort();
		taken += l.len + (l.bare_lf ? 1 : 2);
		if (l.last || l.verdict != SMTP_LINE_OK)
			smtp_reader_begin(&rd);
	}
	if (taken > pos)
		abort();
	smtp_reader_free(&rd);
	return 0;
}
