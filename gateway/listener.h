/*
 * listener: the SMTP server side of smtpgw: accepts mail from local clients
 * into the spool. Each connection is served by a child process (fork), so
 * that a slow or hostile client never holds up delivery or other clients;
 * the child answers 250 to the final dot only after spool_put() has made
 * the message durable, and 451 when it could not (a full disk).
 *
 * Bind failures are reported the legacy way: an address in use is
 * "Error bind (110) smtp_listen system error" in the log and an event.
 *
 * Ownership: listener_close() closes the socket and frees; the params'
 * pointers must outlive the listener.
 */
#ifndef SMTPGW_LISTENER_H
#define SMTPGW_LISTENER_H

#include <stddef.h>

#include "err.h"
#include "gwlog.h"
#include "spool.h"

struct listener_params {
	const char	*addr;		/* "ADDR:PORT", IPv6 in brackets */
	struct spool	*spool;
	struct gwlog	*log;		/* may be NULL */
	const char	*hostname;	/* in the greeting and EHLO reply */
	size_t		 max_size;	/* SIZE: larger messages get 552 */
	int		 timeout_ms;	/* deadline of each client command */
};

struct listener;

/* Bind and listen. On failure logs the legacy line (BIND) and fills err. */
int listener_open(const struct listener_params *p, struct listener **out, char err[ERR_LEN]);
/* The port it listens on (for ADDR:0). */
unsigned listener_port(const struct listener *l);
/* The listening socket, for poll(). */
int listener_fd(const struct listener *l);
/* Accept the waiting connections and fork a child for each; reap children
 * that ended. Returns how many children ended since the last call. */
unsigned listener_accept(struct listener *l);
/* Stop: end the sessions in progress (SIGTERM; none of them has had its
 * 250) and wait for them. */
void listener_close(struct listener *l);

/*
 * Serve one SMTP session on fd (the child's work; also usable in-process by
 * tests). Returns the number of messages queued.
 */
unsigned listener_session(const struct listener_params *p, int fd);

#endif
