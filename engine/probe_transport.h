/*
 * probe_transport: the byte stream under the probes' SMTP chain
 * (tcp-connect, greeting, ehlo, peer-product, resend: probe_net_smtp()),
 * swappable by name in the manner of OpenSMTPD's queue_backend.c.
 *
 *   "tcp"   real sockets: non-blocking, every wait a poll() (the default,
 *           when probe_params.transport is NULL);
 *   "fake"  an in-memory scripted peer for tests (probe_fake.h), with its
 *           own clock, so that a timeout costs no wall-clock time.
 *
 * dns (c-ares) and the pings (ICMP) do not go through a transport: they
 * always use the network.
 *
 * Errors are errno values, as the socket calls give them, so that the chain
 * reports them the same way whatever the transport. Times are milliseconds
 * on the transport's own clock (now_ms), and every deadline given to a
 * transport is on that clock.
 *
 * Ownership: a connection belongs to the caller of connect() until it is
 * given to close(). The transports themselves are static tables.
 */
#ifndef KBDIAG_PROBE_TRANSPORT_H
#define KBDIAG_PROBE_TRANSPORT_H

#include <sys/types.h>

/* One open connection; what it holds is the transport's business. */
struct probe_conn;

/* What wait() waits for. */
#define PROBE_WAIT_READ		1
#define PROBE_WAIT_WRITE	2

struct probe_transport {
	const char	*name;		/* "tcp", "fake" */
	/* The clock of every deadline below, in ms. arg: probe_params's
	   transport_arg. */
	unsigned long long (*now_ms)(void *arg);
	/*
	 * Connect to addr (numeric, IPv4 or IPv6) and port, waiting at most
	 * until deadline. 0 and *conn set when connected (*e is then 0, or
	 * ECONNRESET when the peer reset the connection as soon as it was
	 * made, which the next read will see); else -1 and *e: ECONNREFUSED,
	 * ETIMEDOUT (the deadline passed), EHOSTUNREACH, ENETUNREACH, EINVAL
	 * (addr is not a numeric address), or another errno.
	 */
	int	(*connect)(void *arg, const char *addr, unsigned port,
		    unsigned long long deadline, struct probe_conn **conn, int *e);
	/*
	 * Wait until c is readable or writable (what: PROBE_WAIT_READ or
	 * PROBE_WAIT_WRITE), at most until deadline: 1 ready, 0 the deadline
	 * passed, -1 with *e.
	 */
	int	(*wait)(struct probe_conn *c, int what, unsigned long long deadline,
		    int *e);
	/* Like send(2) and recv(2) on a non-blocking socket: the bytes moved,
	   recv 0 at the end of the stream, or -1 with *e (EAGAIN: wait). */
	ssize_t	(*send)(struct probe_conn *c, const void *data, size_t n, int *e);
	ssize_t	(*recv)(struct probe_conn *c, void *data, size_t n, int *e);
	/* Close and free c; NULL is accepted. */
	void	(*close)(struct probe_conn *c);
};

/* The transport with this name, or NULL. */
const struct probe_transport *probe_transport_find(const char *name);

/* The "tcp" transport, the default. */
extern const struct probe_transport probe_transport_tcp;

#endif
