/*
 * probe_fake: the "fake" probe transport (probe_transport.h), an SMTP peer
 * played from a script in memory, for tests of the SMTP chain that take no
 * wall-clock time and need no socket.
 *
 * A script is an array of steps, played in order from connect() on:
 *
 *   { PROBE_FAKE_CONNECT_FAIL, NULL, ECONNREFUSED }   first step only
 *   { PROBE_FAKE_SAY, "220 mx ESMTP\r\n", 0 }
 *   { PROBE_FAKE_EXPECT, "EHLO", 0 }
 *   { PROBE_FAKE_SAY, "250 mx\r\n", 0 }
 *   ...
 *
 * The fake has its own clock (probe_fake_now()), which moves only when a
 * step or a wait says so: a DELAY moves it by its milliseconds (or to the
 * deadline of the wait it falls in, leaving the rest for the next wait); a
 * wait for a reply that the script will never give (SILENT, or an EXPECT
 * for a line the client has not sent) moves it to the wait's deadline and
 * reports a timeout at once; a connect that fails with ETIMEDOUT moves it
 * to the connect's deadline. So elapsed times in the results are exact.
 *
 * When the script runs out, the peer closes the connection (reads see the
 * end of the stream).
 *
 * Ownership: probe_fake_new() copies nothing: the steps and their texts
 * must outlive the fake. probe_fake_free() accepts NULL.
 */
#ifndef KBDIAG_PROBE_FAKE_H
#define KBDIAG_PROBE_FAKE_H

#include <stddef.h>

#include "probe_transport.h"

/*
 * The steps:
 *   connect-fail  n: the errno of connect() (first step only); ETIMEDOUT
 *                 after the whole deadline; ECONNRESET connects, then the
 *                 first read sees the reset
 *   say           text: bytes the peer sends, as given (put in the CR LF)
 *   expect        text: how the next line the client sends starts (any
 *                 case); another line is a mismatch (probe_fake_error()),
 *                 and the peer resets
 *   message       the client's message text, up to and with the line "."
 *   delay         n: milliseconds before the next step
 *   silent        nothing more, ever: every wait for a reply times out
 *   close         the peer closes: reads get what was said, then the end
 *   reset         the peer resets: reads get what was said, then
 *                 ECONNRESET; writes fail with ECONNRESET
 */
#define PROBE_FAKE_OPS(X) \
	X(PROBE_FAKE_CONNECT_FAIL,	"connect-fail") \
	X(PROBE_FAKE_SAY,		"say") \
	X(PROBE_FAKE_EXPECT,		"expect") \
	X(PROBE_FAKE_MESSAGE,		"message") \
	X(PROBE_FAKE_DELAY,		"delay") \
	X(PROBE_FAKE_SILENT,		"silent") \
	X(PROBE_FAKE_CLOSE,		"close") \
	X(PROBE_FAKE_RESET,		"reset")

enum probe_fake_op {
#define X(op, name) op,
	PROBE_FAKE_OPS(X)
#undef X
};

struct probe_fake_step {
	enum probe_fake_op	 op;
	const char		*text;	/* SAY, EXPECT */
	unsigned		 n;	/* DELAY: ms; CONNECT_FAIL: errno */
};

struct probe_fake;

/* A fake peer playing steps[0..nsteps); its clock starts at 0. */
struct probe_fake *probe_fake_new(const struct probe_fake_step *steps, size_t nsteps);
void probe_fake_free(struct probe_fake *f);

/* Its clock, in ms. */
unsigned long long probe_fake_now(const struct probe_fake *f);
/* Everything the client sent, in order (NUL-terminated; owned by f). */
const char *probe_fake_sent(const struct probe_fake *f);
/* The first script mismatch ("step 3 (expect "RCPT"): the client sent
   "DATA""), or NULL when the client did what the script expected. */
const char *probe_fake_error(const struct probe_fake *f);
/* How many steps were played; nsteps when the script ran to its end. */
size_t probe_fake_played(const struct probe_fake *f);
/* How many connections were made (each plays the script from its start). */
unsigned probe_fake_connects(const struct probe_fake *f);

/* "say", "expect", ...; "?" for a value out of range. */
const char *probe_fake_op_name(enum probe_fake_op op);

/* The transport: probe_params.transport_arg is the struct probe_fake *. */
extern const struct probe_transport probe_fake_transport;

#endif
