/*
 * relay: one SMTP client session to the smart host, as an explicit state
 * machine (OpenSMTPD's mta_session.c): an enum of states, one enter_state()
 * that logs each move at the verbose level, and relay_state_to_text().
 *
 *   CONNECT -> GREETING -> EHLO [-> HELO when EHLO gets 5xx] -> READY
 *   READY -> MAIL -> RCPT -> DATA -> BODY -> END_OF_DATA -> READY   (per message)
 *   READY -> QUIT -> CLOSED;  any failure -> FAILED (or READY after RSET)
 *
 * Every wait has a deadline on the transport's clock (smtp/transport.h; a
 * poll() over tcp): connect_ms, reply_ms, data_ms,
 * reset by progress while the body is written), and TCP_USER_TIMEOUT bounds
 * how long the kernel keeps unacknowledged data, so no phase blocks for the
 * kernel's many minutes; the waits look at a stop flag every
 * TRANSPORT_SLICE_MS, so that SIGTERM ends a session at once (the reply to
 * the final dot gets one second more: the host has the message, and leaving
 * without its 250 means sending it again later). PIPELINING (MAIL, RCPT..., DATA in one write) and
 * SIZE are used when the EHLO reply offers them. Lines are CRLF; the message
 * data comes from the spool already dot-stuffed (spool.h), and the end of
 * data always goes as CRLF . CRLF (a CRLF is added before the dot when the
 * data does not end with one: a file written by an older version).
 *
 * A failure fills struct relay_failure (condition, errno, phase, the last
 * command and reply, a TCP_INFO snapshot taken at that moment); the caller
 * logs it (gwlog_event) and decides about the message. Warnings that do not
 * stop the session (a bare LF from the peer) are logged by the relay itself.
 *
 * Ownership: relay_close() sends QUIT when the session is usable, closes and
 * frees. Parameters' strings must outlive the relay.
 */
#ifndef SMTPGW_RELAY_H
#define SMTPGW_RELAY_H

#include <signal.h>
#include <stddef.h>

#include "gwlog.h"
#include "legacy.h"
#include "spool.h"
#include "smtp/phase.h"
#include "smtp/tcpinfo.h"

#define RELAY_STATE_LIST(X) \
	X(INIT,        "init",        NONE) \
	X(CONNECT,     "connect",     CONNECT) \
	X(GREETING,    "greeting",    GREETING) \
	X(EHLO,        "ehlo",        HELO) \
	X(HELO,        "helo",        HELO) \
	X(READY,       "ready",       NONE) \
	X(MAIL,        "mail",        MAIL) \
	X(RCPT,        "rcpt",        RCPT) \
	X(DATA,        "data",        DATA) \
	X(BODY,        "body",        BODY) \
	X(END_OF_DATA, "end-of-data", END_OF_DATA) \
	X(RSET,        "rset",        MAIL) \
	X(QUIT,        "quit",        QUIT) \
	X(CLOSED,      "closed",      NONE) \
	X(FAILED,      "failed",      NONE)

enum relay_state {
#define X(e, text, phase) RELAY_##e,
	RELAY_STATE_LIST(X)
#undef X
};

const char *relay_state_to_text(enum relay_state s);
/* The SMTP phase of a state (docs/events.md), SMTP_PHASE_NONE for none. */
enum smtp_phase relay_state_phase(enum relay_state s);

struct transport;

struct relay_params {
	const char	*host;		/* smart host: IP literal or name */
	unsigned	 port;
	const char	*helo;		/* our name in EHLO/HELO; NULL: the address
					   literal of our end ("[192.0.2.1]"), for
					   a host without a qualified name (helo.h) */
	int		 connect_ms;	/* deadline of the TCP connect */
	int		 reply_ms;	/* deadline of each reply (greeting, commands) */
	int		 data_ms;	/* idle deadline while writing the body, and
					   the deadline of the reply to the final dot */
	unsigned	 user_timeout_ms;	/* TCP_USER_TIMEOUT, 0 = kernel default */
	struct gwlog	*log;		/* may be NULL */
	const struct transport *transport;	/* how to reach the host
					   (smtp/transport.h); NULL: "tcp" */
	void		*transport_arg;	/* the transport's own (the fake:
					   its struct transport_fake) */
	const volatile sig_atomic_t *stop;	/* when it becomes nonzero (SIGTERM), the
					   session gives up within about
					   TRANSPORT_SLICE_MS: the failure has
					   interrupted set; NULL: never */
};

#define RELAY_TEXT_MAX	512

struct relay_failure {
	enum legacy_cond	 cond;
	int			 err;		/* errno, 0 = none */
	int			 reply_code;	/* the SMTP reply that failed it, 0 = none */
	int			 permanent;	/* a 5xx reply: do not retry the message */
	int			 session_dead;	/* the connection cannot be used again */
	int			 interrupted;	/* not a failure: params' stop was set and the
						   session was abandoned (cond and the rest
						   say nothing); the message is as it was */
	enum relay_state	 state;		/* where it failed */
	char			 detail[RELAY_TEXT_MAX + 32];	/* after the legacy text */
	char			 last_command[RELAY_TEXT_MAX];
	char			 last_reply[RELAY_TEXT_MAX];
	long long		 bytes_sent;	/* of the message's data, -1 = none */
	struct tcpinfo_snap	 tcp;
	int			 closed_socket;	/* the connection this failure closed,
						   -1 none: the caller logs its
						   "SMTP_close(socket=N)" after the
						   failure's lines */
};

struct relay;

/* Connect, read the greeting, EHLO (or HELO). */
int relay_open(const struct relay_params *p, struct relay **out, struct relay_failure *f);

/*
 * Send one message (msg->data loaded). 0 = the smart host answered 2xx to
 * the final dot. -1 = not delivered: f says why; when !f->session_dead the
 * session is back in READY for the next message.
 */
int relay_send(struct relay *r, const struct spool_msg *msg, struct relay_failure *f);

/* One recipient's answer to RCPT, for relay_send_some(). */
struct relay_rcpt {
	int	 code;				/* 0 when RCPT was not reached */
	char	 reply[RELAY_TEXT_MAX];		/* the reply's last line */
};

/*
 * The same, delivering to the recipients the smart host accepts when it
 * refuses only some: rcpts (msg->nrcpts entries) gets each RCPT's reply.
 * 0 = delivered to all; 1 = delivered to those with a 2xx code, the others
 * refused (f describes the first refusal; the session is READY); -1 = not
 * delivered, as relay_send(). With rcpts NULL a refused recipient fails the
 * whole message, as relay_send() does.
 */
int relay_send_some(struct relay *r, const struct spool_msg *msg, struct relay_rcpt *rcpts,
    struct relay_failure *f);

/* What the greeting and EHLO told. */
int relay_has_pipelining(const struct relay *r);
unsigned long long relay_size_limit(const struct relay *r);	/* 0 = none said */
int relay_used_helo(const struct relay *r);
enum relay_state relay_state(const struct relay *r);

/* QUIT (when READY), close, free. NULL is fine. */
void relay_close(struct relay *r);

/* Fill an event from a failure (the strings point into f). */
void relay_failure_event(const struct relay_params *p, const struct relay_failure *f,
    const char *queue_id, struct gwlog_event *ev);

#endif
