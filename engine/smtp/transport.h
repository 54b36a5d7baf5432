/*
 * transport: the byte stream under every SMTP client of the tree, smtpgw's
 * relay (gateway/relay.c) and the probes' SMTP chain (engine/probe_net.c):
 * a struct of function pointers chosen by name (STYLE.md; OpenSMTPD's
 * queue backends).
 *
 *   "tcp"   a TCP connection (transport_tcp.c): getaddrinfo, a non-blocking
 *           connect, TCP_NODELAY and TCP_USER_TIMEOUT, poll, send (MSG_MORE),
 *           recv, the TCP_INFO snapshot of the socket (tcpinfo.h), the
 *           address literal of our end for EHLO
 *   "fake"  an SMTP peer played from a script in memory, on a virtual clock
 *           (transport_fake.h): for tests that need a fault no real peer can
 *           be made to show on cue, or a timeout that costs no time
 *
 * One clock: every time is in milliseconds on the transport's now_ms(arg),
 * and every deadline given to a transport is on that clock (the tcp one is
 * clock_ms(); the fake's moves only when its script says so).
 *
 * One errno convention: a call that fails returns -1 and puts the errno in
 * *err, as the socket call it stands for would have set errno (EAGAIN: would
 * block; EINTR: a signal came, look at your stop flag and call again), so
 * that a failure reads the same whatever carries the bytes, and nothing a
 * caller logs in between can change it.
 *
 * Ownership: a connection belongs to the caller from open() until close();
 * the transports themselves are static tables.
 */
#ifndef KBDIAG_SMTP_TRANSPORT_H
#define KBDIAG_SMTP_TRANSPORT_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "smtp/tcpinfo.h"

/* How often a wait looks at a stop flag (transport_params.stop, relay's). */
#define TRANSPORT_SLICE_MS	100

/* What wait() waits for. */
#define TRANSPORT_WAIT_READ	1
#define TRANSPORT_WAIT_WRITE	2

struct transport_params {
	const char	*host;		/* IP literal, or a name (not with numeric) */
	unsigned	 port;
	int		 numeric;	/* host must be an IP literal: never the
					   resolver; EINVAL when it is not one */
	unsigned	 connect_ms;	/* how long each address's connect may take */
	unsigned	 user_timeout_ms;	/* TCP_USER_TIMEOUT, 0: the kernel's */
	void		*arg;		/* the implementation's own: the fake's
					   struct transport_fake; NULL for tcp */
	const volatile sig_atomic_t *stop;	/* when it becomes nonzero, a connect in
					   progress gives up with EINTR within
					   TRANSPORT_SLICE_MS; NULL: never */
};

struct transport_conn;

struct transport {
	const char	*name;
	/* The clock of every deadline, in ms; arg: transport_params.arg. */
	unsigned long long (*now_ms)(void *arg);
	/*
	 * Connect. 0 and *out with *err 0; 0 and *out with *err ECONNRESET when
	 * the peer reset the connection right after the handshake (the next read
	 * sees the reset; the connection still has its snapshot); or -1 with
	 * *err: ECONNREFUSED, ETIMEDOUT (no answer in connect_ms), EHOSTUNREACH
	 * (also: the name does not resolve), ENETUNREACH, EINVAL (numeric and
	 * not an address), EINTR (the stop flag was set), ...
	 */
	int		(*open)(const struct transport_params *p, struct transport_conn **out,
			    int *err);
	/* Wait until c is readable or writable (TRANSPORT_WAIT_READ or _WRITE),
	   at most until deadline: 1 ready, 0 the deadline passed, -1 with *err. */
	int		(*wait)(struct transport_conn *c, int what, unsigned long long deadline,
			    int *err);
	/* Send without blocking: bytes taken (> 0), or -1 with *err (EAGAIN:
	   full). more: the next send follows at once (the body before its final
	   dot), so the bytes may wait to go out with it (MSG_MORE). */
	ssize_t		(*send)(struct transport_conn *c, const void *buf, size_t n, int more,
			    int *err);
	/* Receive without blocking: bytes (> 0), 0 at the end of the stream, or
	   -1 with *err (EAGAIN: nothing yet). */
	ssize_t		(*recv)(struct transport_conn *c, void *buf, size_t n, int *err);
	/* The connection's TCP snapshot now: 0, or -1 when there is none. */
	int		(*snapshot)(struct transport_conn *c, struct tcpinfo_snap *out);
	/* A number for the log's "SMTP_open(socket=N)". */
	int		(*id)(const struct transport_conn *c);
	/* The address literal of the connection's own end ("[192.0.2.1]",
	 * "[IPv6:2001:db8::1]", RFC 5321 4.1.3), for EHLO when the host has no
	 * fully qualified name: 0, or -1 when there is none. */
	int		(*local_literal)(const struct transport_conn *c, char *out, size_t n);
	/* Close and free c; NULL is accepted. */
	void		(*close)(struct transport_conn *c);
};

/* The transport of that name ("tcp", "fake"), or NULL. */
const struct transport *transport_find(const char *name);

/* The "tcp" transport, the default. */
extern const struct transport transport_tcp;

#endif
