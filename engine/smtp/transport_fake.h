/*
 * transport_fake: the "fake" transport (transport.h), an SMTP peer played
 * from a script in memory, for tests of the relay and of the probes' SMTP
 * chain that take no wall-clock time and need no socket.
 *
 * A script is an array of steps, played in order from each connect on:
 *
 *   { FAKE_CONNECT_FAIL, NULL, ECONNREFUSED }   first step only
 *   { FAKE_SAY, "220 mx ESMTP\r\n", 0 }
 *   { FAKE_EXPECT, "EHLO", 0 }
 *   { FAKE_SAY, "250 mx\r\n", 0 }
 *   ...
 *
 * The fake has its own clock (transport_fake_now(), the transport's now_ms),
 * which moves only when a step or a wait says so: a DELAY moves it by its
 * milliseconds (or to the deadline of the wait it falls in, leaving the rest
 * for the next wait); a wait for a reply that the script will never give
 * (SILENT, or an EXPECT for a line the client has not sent) moves it to the
 * wait's deadline and reports a timeout at once; a connect that fails with
 * ETIMEDOUT moves it by connect_ms. So elapsed times are exact. A wait to
 * write is always ready: the fake takes any amount at once.
 *
 * When the script runs out, the peer closes the connection (reads see the
 * end of the stream; what the client sends after a close is taken and
 * dropped, as TCP does).
 *
 * Ownership: transport_fake_new() copies nothing: the steps and their texts
 * must outlive the fake. transport_fake_free() accepts NULL. The fake is
 * transport_params.arg (relay_params.transport_arg,
 * probe_params.transport_arg).
 */
#ifndef KBDIAG_SMTP_TRANSPORT_FAKE_H
#define KBDIAG_SMTP_TRANSPORT_FAKE_H

#include <signal.h>
#include <stddef.h>

#include "smtp/tcpinfo.h"
#include "smtp/transport.h"

/*
 * The steps:
 *   connect-fail  n: the errno of the connect (first step only); ETIMEDOUT
 *                 after connect_ms; ECONNRESET connects, then the first
 *                 read sees the reset
 *   say           text: bytes the peer sends, as given (put in the CR LF)
 *   expect        text: how the next line the client sends starts (any
 *                 case); another line is a mismatch (transport_fake_error()),
 *                 and the peer resets
 *   message       the client's message text, up to and with the line "."
 *   delay         n: milliseconds before the next step
 *   silent        nothing more, ever: every wait for a reply times out
 *   close         the peer closes: reads get what was said, then the end
 *   reset         the peer resets: reads get what was said, then
 *                 ECONNRESET; sends fail with ECONNRESET
 *   recv-error    n: reads get what was said, then fail with errno n (EIO
 *                 when 0), as a read error that is not a reset
 *   send-error    n: sends fail with errno n (EPIPE when 0) from now on
 *                 (ENOTCONN, EIO: faults no real peer shows on cue)
 *   stop          the client is told to stop (SIGTERM): sets the flag given
 *                 to transport_fake_stop_flag()
 */
#define TRANSPORT_FAKE_OPS(X) \
	X(FAKE_CONNECT_FAIL,	"connect-fail") \
	X(FAKE_SAY,		"say") \
	X(FAKE_EXPECT,		"expect") \
	X(FAKE_MESSAGE,		"message") \
	X(FAKE_DELAY,		"delay") \
	X(FAKE_SILENT,		"silent") \
	X(FAKE_CLOSE,		"close") \
	X(FAKE_RESET,		"reset") \
	X(FAKE_RECV_ERROR,	"recv-error") \
	X(FAKE_SEND_ERROR,	"send-error") \
	X(FAKE_STOP,		"stop")

enum transport_fake_op {
#define X(op, name) op,
	TRANSPORT_FAKE_OPS(X)
#undef X
};

struct transport_fake_step {
	enum transport_fake_op	 op;
	const char		*text;	/* SAY, EXPECT */
	unsigned		 n;	/* DELAY: ms; CONNECT_FAIL, RECV_ERROR,
					   SEND_ERROR: errno */
};

struct transport_fake;

/* A fake peer playing steps[0..nsteps); its clock starts at 0. */
struct transport_fake *transport_fake_new(const struct transport_fake_step *steps,
    size_t nsteps);
void transport_fake_free(struct transport_fake *f);

/* The snapshot its connections give (copied); none until this is called. */
void transport_fake_set_snapshot(struct transport_fake *f, const struct tcpinfo_snap *snap);
/* The flag a "stop" step sets (it must outlive the fake). */
void transport_fake_stop_flag(struct transport_fake *f, volatile sig_atomic_t *flag);

/* Its clock, in ms. */
unsigned long long transport_fake_now(const struct transport_fake *f);
/* Everything the client sent, in order (NUL-terminated; owned by f). */
const char *transport_fake_sent(const struct transport_fake *f);
/* The first script mismatch ("step 3 (expect "RCPT"): the client sent
   "DATA""), or NULL when the client did what the script expected. */
const char *transport_fake_error(const struct transport_fake *f);
/* How many steps the last connection played; nsteps when the script ran to
   its end. */
size_t transport_fake_played(const struct transport_fake *f);
/* How many connections were tried (each plays the script from its start). */
unsigned transport_fake_connects(const struct transport_fake *f);

/* "say", "expect", ...; "?" for a value out of range. */
const char *transport_fake_op_name(enum transport_fake_op op);

extern const struct transport transport_fake;

#endif
