/*
 * listener: the SMTP server side of smtpgw: accepts mail from local clients
 * into the spool. The accepting process never delivers (smtpgw run --listen
 * delivers in a process of its own), so a slow smart host never holds up a
 * greeting. Each connection is served by a child process (fork), at most
 * max_sessions at once and max_client_sessions from one client address; a
 * connection over either cap gets "421 4.7.0 ..." at once and is closed. The
 * session's protocol is smtpd.h's; its data is written to the spool as it
 * arrives (spool_writer), never held in memory, and the 250 to the final dot
 * goes out only after the message is durable (451 when it could not be
 * written: a full disk). After each message queued a byte is written to
 * notify_fd, so that the delivery side can start at once.
 *
 * Bind failures are reported the legacy way: an address in use is
 * "Error bind (110) smtp_listen system error" in the log and an event.
 *
 * Ownership: listener_close() closes the socket and frees; the params'
 * pointers must outlive the listener.
 */
#ifndef SMTPGW_LISTENER_H
#define SMTPGW_LISTENER_H

#include <signal.h>
#include <stddef.h>

#include "util/err.h"
#include "gwlog.h"
#include "smtpd.h"
#include "spool.h"

struct listener_params {
	const char	*addr;		/* "ADDR:PORT", IPv6 in brackets */
	struct spool	*spool;
	struct gwlog	*log;		/* may be NULL */
	const char	*hostname;	/* in the greeting and EHLO reply */
	size_t		 max_size;	/* SIZE: larger messages get 552 */
	int		 timeout_ms;	/* a session ends (421) after this long without input */
	enum smtpd_bare_lf bare_lf;	/* what a bare LF gets (smtpd.h) */
	unsigned	 max_sessions;	/* sessions at once; more get 421 (0: no cap) */
	unsigned	 max_client_sessions;	/* from one client address (0: no cap) */
	int		 notify_fd;	/* a byte is written here per message queued; -1: none */
	const volatile sig_atomic_t *stop;	/* nonzero (SIGTERM): a session ends with 421
					   at once; NULL: never */
};

struct listener;

/* Bind and listen. On failure logs the legacy line (BIND) and fills err. */
int listener_open(const struct listener_params *p, struct listener **out, char err[ERR_LEN]);
/* The port it listens on (for ADDR:0). */
unsigned listener_port(const struct listener *l);
/* The listening socket (non-blocking), for poll(). */
int listener_fd(const struct listener *l);
/* Accept the waiting connections: a child for each within the caps, 421 to
 * the others. Reaps children that ended; returns how many ended. */
unsigned listener_accept(struct listener *l);
/* Reap the sessions that ended; how many. */
unsigned listener_reap(struct listener *l);
/* Sessions in progress. */
size_t listener_sessions(const struct listener *l);
/* In a child that is not a session (the delivery process): close the
 * listening socket and forget the sessions, without touching them. */
void listener_forget(struct listener *l);
/* Stop: no more accepting; the sessions in progress get SIGTERM (they answer
 * 421: none of them has had its 250, so their clients still hold their
 * messages), are waited for at most grace_ms, then killed. */
void listener_close(struct listener *l, int grace_ms);

/*
 * Serve one SMTP session on fd (the child's work; also usable in-process by
 * tests). Returns the number of messages queued.
 */
unsigned listener_session(const struct listener_params *p, int fd);

#endif
