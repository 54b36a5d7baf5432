/*
 * Fuzz target: the reply reader in its lenient mode (engine/smtp/reply.c)
 * and the probes' SMTP chain above it
 * (greeting, EHLO/HELO, peer-product, the test message, QUIT), against a
 * smart host whose every byte comes from the input, through the "fake"
 * transport (no socket, no sleep: its clock moves instead).
 *
 * The input is the peer's side, in pieces separated by NUL bytes. The first
 * piece is said at once (the greeting); each later one after the next line
 * the client sends, unless it starts with a control byte:
 *   \x01 A B   a delay of (A * 256 + B) % 4000 ms
 *   \x02       silence from then on
 *   \x03       the peer closes      \x04  the peer resets
 *
 * The oracles: every string of every result is valid UTF-8 without control
 * characters (what reaches a terminal or the JSON); the chain ends within
 * the round's time plus QUIT's second; a greeting taken as ok or bare-lf
 * began with 220 in a line of at most 4096 bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "probe.h"
#include "smtp/transport_fake.h"
#include "probe_net.h"
#include "smtp/transport.h"
#include "util/text.h"
#include "util/xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSLOTS		5
#define TIMEOUT_MS	1000
#define ROUND_MS	3000
#define MAX_STEPS	256

static struct kb *kb;

/* Valid UTF-8 with no C0 or C1 controls (text_sanitize's promise). */
static void
check_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	if (s == NULL)
		return;
	n = strlen(s);
	while (n > 0) {
		if ((k = text_utf8_len(p, n)) == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f)))
			abort();
		p += k;
		n -= k;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[NSLOTS] = {
		"tcp-connect", "greeting", "ehlo", "peer-product", "resend"
	};
	struct transport_fake_step steps[MAX_STEPS];
	char *copy, *piece, *end;
	struct probe_result *slots = xcalloc(NSLOTS, sizeof(*slots));
	struct probe_params p;
	struct transport_fake *f;
	size_t n = 0, i, j;

	if (kb == NULL) {
		struct kb_load_params kp = { 0 };
		char err[ERR_LEN];

		kp.dir = TEST_SRCDIR "/kb";
		if (kb_load(&kp, &kb, err) != 0)
			abort();
	}
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	end = copy + size;
	for (piece = copy; piece <= end && n + 2 <= MAX_STEPS; piece += strlen(piece) + 1) {
		unsigned char c = (unsigned char)piece[0];

		if (c == 1) {
			unsigned ms = piece[1] && piece[2] ? (((unsigned char)piece[1] << 8) |
			    (unsigned char)piece[2]) % 4000 : 0;

			steps[n++] = (struct transport_fake_step){ FAKE_DELAY, NULL, ms };
			continue;
		}
		if (c == 2 || c == 3 || c == 4) {
			steps[n++] = (struct transport_fake_step){ c == 2 ? FAKE_SILENT :
			    c == 3 ? FAKE_CLOSE : FAKE_RESET, NULL, 0 };
			break;
		}
		if (n > 0)	/* after any line of the client's */
			steps[n++] = (struct transport_fake_step){ FAKE_EXPECT, "", 0 };
		steps[n++] = (struct transport_fake_step){ FAKE_SAY, piece, 0 };
	}
	f = transport_fake_new(steps, n);
	memset(&p, 0, sizeof(p));
	p.kb = kb;
	p.host = "192.0.2.25";
	p.timeout_ms = TIMEOUT_MS;
	p.helo_name = "fuzz.test";
	p.resend_from = "probe@gw.test";
	p.resend_to = "postmaster@mx.test";
	p.transport = transport_find("fake");
	p.transport_arg = f;
	for (i = 0; i < NSLOTS; i++)
		probe_result_init(&slots[i], names[i], names[i]);
	probe_net_smtp(&p, "192.0.2.25", 25, TIMEOUT_MS, ROUND_MS, slots);

	if (transport_fake_now(f) > ROUND_MS + 1000)
		abort();
	for (i = 0; i < NSLOTS; i++) {
		check_text(slots[i].value);
		check_text(slots[i].target);
		check_text(slots[i].detail);
		for (j = 0; j < slots[i].ntranscript; j++)
			check_text(slots[i].transcript[j]);
	}
	if (slots[1].value && (strcmp(slots[1].value, "ok") == 0 ||
	    strcmp(slots[1].value, "bare-lf") == 0)) {
		const char *t = slots[1].ntranscript ? slots[1].transcript[0] : "";

		/* "S: 220..." and the line (sanitised, so at most 4 bytes a byte) */
		if (strncmp(t, "S: 220", 6) != 0 || strlen(t) > 3 + 4 * 4096)
			abort();
	}
	probe_results_free(slots, NSLOTS);
	transport_fake_free(f);
	free(copy);
	return 0;
}
