/*
 * transport: how the relay reaches the smart host, a struct of function
 * pointers chosen by name (STYLE.md; OpenSMTPD's queue backends):
 *
 *   "tcp"   a TCP connection: getaddrinfo, a non-blocking connect bounded by
 *           connect_ms, TCP_NODELAY and TCP_USER_TIMEOUT, poll, send, recv,
 *           and the TCP_INFO snapshot of the socket (tcpinfo.h)
 *   "fake"  an in-memory smart host that plays a script (transport_fake.h):
 *           for tests of the relay's state machine that need a fault no real
 *           peer can be made to show on cue (a write that fails with ENOTCONN,
 *           a read error that is not a reset)
 *
 * The calls have the shape of the socket calls they stand for, errors as an
 * errno, so that the relay's mapping to the legacy lines (legacy.h) is the
 * same whatever carries the bytes.
 *
 * Ownership: a connection belongs to the caller from open until close.
 */
#ifndef SMTPGW_TRANSPORT_H
#define SMTPGW_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "smtp/tcpinfo.h"

/* How often a wait looks at a stop flag (transport_params, relay_params). */
#define TRANSPORT_SLICE_MS	100

struct transport_params {
	const char	*host;		/* IP literal or name */
	unsigned	 port;
	int		 connect_ms;	/* deadline of the connect */
	unsigned	 user_timeout_ms;	/* TCP_USER_TIMEOUT, 0: the kernel's */
	const void	*arg;		/* the implementation's own: the fake's script */
	const volatile sig_atomic_t *stop;	/* when it becomes nonzero, a connect in
					   progress gives up with EINTR; NULL: never */
};

struct transport_conn;

struct transport {
	const char	*name;
	/*
	 * Connect. 0 and *out with *err 0; 0 and *out with *err ECONNRESET when
	 * the peer reset the connection right after the handshake (the
	 * connection is returned for its snapshot; it is of no other use); or
	 * -1 with *err an errno: ECONNREFUSED, ETIMEDOUT (no answer before
	 * connect_ms), EHOSTUNREACH (also: the name does not resolve), EINTR
	 * (params' stop was set), ...
	 */
	int		(*open)(const struct transport_params *p, struct transport_conn **out,
			    int *err);
	/* Send without blocking: bytes taken (> 0), or -1 with errno (EAGAIN: full).
	 * more: the next send follows at once (the body before its final dot),
	 * so the bytes may wait to go out with it (MSG_MORE). */
	ssize_t		(*send)(struct transport_conn *c, const void *buf, size_t n, int more);
	/* Receive: bytes (> 0), 0 at the end of the stream, or -1 with errno. */
	ssize_t		(*recv)(struct transport_conn *c, void *buf, size_t n);
	/* Wait for POLLIN or POLLOUT: 1 ready, 0 timeout_ms passed, -1 with errno. */
	int		(*wait)(struct transport_conn *c, short events, int timeout_ms);
	/* The connection's TCP snapshot now: 0, or -1 when there is none. */
	int		(*snapshot)(struct transport_conn *c, struct tcpinfo_snap *out);
	/* A number for the log's "SMTP_open(socket=N)". */
	int		(*id)(const struct transport_conn *c);
	/* The address literal of the connection's own end ("[192.0.2.1]",
	 * "[IPv6:2001:db8::1]", RFC 5321 4.1.3), for EHLO when the host has no
	 * fully qualified name: 0, or -1 when there is none. */
	int		(*local_literal)(const struct transport_conn *c, char *out, size_t n);
	void		(*close)(struct transport_conn *c);
};

/* The transport of that name ("tcp", "fake"), or NULL. */
const struct transport *transport_find(const char *name);

#endif
