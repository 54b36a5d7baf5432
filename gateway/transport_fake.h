/*
 * transport_fake: the "fake" transport (transport.h), an in-memory smart host
 * that plays a script, for tests of the relay. Nothing touches the network
 * and nothing waits, except a wait for input that will never come, which
 * sleeps its timeout and reports it (so a test's deadlines are its own).
 *
 * The script is a list of steps, taken in order. A step waits for its
 * expect, then queues its reply and does its action:
 *
 *   expect NULL   nothing: the step follows the one before at once (the
 *                 greeting, or a fault right after a reply)
 *   expect "."    the message data, up to the line that is a lone dot
 *   expect TEXT   the client's next line, which must start with TEXT (any
 *                 case); a line that does not is counted as a mismatch in the
 *                 record and answered "503 5.5.1 fake: unexpected command"
 *
 * After the last step QUIT is answered 221, anything else is a mismatch.
 * The script is passed as transport_params.arg (const; the record it points
 * to is written).
 */
#ifndef SMTPGW_TRANSPORT_FAKE_H
#define SMTPGW_TRANSPORT_FAKE_H

#include <stddef.h>

#include "util/buf.h"
#include "smtp/tcpinfo.h"
#include "transport.h"

#define TRANSPORT_FAKE_ACTIONS(X) \
	X(FAKE_REPLY,      "reply")      /* only the reply */ \
	X(FAKE_SILENT,     "silent")     /* then nothing: a wait for input times out */ \
	X(FAKE_CLOSE,      "close")      /* then the end of the stream; sends: EPIPE */ \
	X(FAKE_RECV_ERROR, "recv-error") /* then reads fail with err */ \
	X(FAKE_SEND_ERROR, "send-error") /* sends fail with err from now on */

enum transport_fake_action {
#define X(e, s) e,
	TRANSPORT_FAKE_ACTIONS(X)
#undef X
};

struct transport_fake_step {
	const char			*expect;	/* see above */
	const char			*reply;		/* bytes as they go, NULL: none */
	enum transport_fake_action	 action;
	int				 err;		/* the errno of the errors */
};

/* What the client did, for the test to look at. */
struct transport_fake_record {
	struct buf	 sent;		/* every byte the client sent */
	unsigned	 opened;	/* connections opened */
	unsigned	 mismatches;
	char		 first_mismatch[256];	/* the first unexpected line */
	size_t		 steps_done;	/* of the last connection */
};

struct transport_fake_script {
	int					 connect_err;	/* 0: the connect works */
	const struct transport_fake_step	*steps;
	size_t					 nsteps;
	struct tcpinfo_snap			 snap;	/* the snapshot; valid 0: none */
	struct transport_fake_record		*record;	/* may be NULL */
};

extern const struct transport transport_fake;

/* "reply", "silent", ... */
const char *transport_fake_action_to_text(enum transport_fake_action a);

#endif
