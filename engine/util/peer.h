/*
 * peer: a smart host or next hop, as the command line or a log names it.
 *
 * Host names come from untrusted logs and are later shown to the user and
 * (in probes) resolved, so only two shapes are accepted: a name or IPv4
 * address made of letters, digits, '.', '-' and '_' (not starting with '-' or
 * '.'), or an IPv6 address that inet_pton() reads, with an optional %zone.
 *
 * The notations read:
 *
 *   host, host:port                  the command line, smtpgw's log
 *   [v6], [v6]:port                  an IPv6 address in brackets
 *   [host], [host]:port              Postfix's relayhost (no MX lookup)
 *   host[addr], host[addr]:port      Postfix's client ("connect to ...")
 *   host [addr], host [addr]:port    Exim ("H=host [addr]")
 *   host. [addr], [addr], host.      Sendmail ("relay=host. [addr]", "by host.")
 *
 * A name given as "unknown" (Postfix, when the address has no name) or as the
 * address itself is the address.
 *
 * peer_server_line() says whether a line is a receiving server's view of a
 * session ("from NAME[ADDRESS]"): query and diagnose leave such lines out of
 * what they read as a client's failure.
 */
#ifndef KBDIAG_PEER_H
#define KBDIAG_PEER_H

#include <stddef.h>

#include "err.h"

#define PEER_HOST_MAX	256	/* bytes, including the NUL */
#define PEER_ADDR_MAX	64	/* an address, with an IPv6 zone */
#define PEER_SMTP_PORT	25

/* A peer as a log line names it; empty strings and 0 for what it does not say. */
struct peer_ref {
	char		 host[PEER_HOST_MAX];	/* the name, or the address */
	char		 addr[PEER_ADDR_MAX];	/* the address, when named */
	unsigned	 port;
};

/*
 * Parse "host", "host:port", "[v6]", "[v6]:port", "[host]", "[host]:port",
 * "host[addr]" or "host[addr]:port" (s is NUL-terminated). On success fills
 * host (without brackets; for host[addr] the name) and *port (default_port
 * when none is given) and returns 0; else -1 with err saying what is wrong.
 */
int peer_parse(const char *s, unsigned default_port, char host[PEER_HOST_MAX],
    unsigned *port, char err[ERR_LEN]);
/* The same, also giving the address of "host[addr]" in addr ("" when none). */
int peer_parse_ref(const char *s, unsigned default_port, struct peer_ref *out,
    char err[ERR_LEN]);

/* Is s (NUL-terminated) acceptable as a host name or address? */
int peer_valid_host(const char *s);
/* Is [s, s+n) an IPv4 address (dotted quad), or an IPv6 address? */
int peer_is_ipv4(const char *s, size_t n);
int peer_is_ipv6(const char *s, size_t n);

/*
 * Read a peer in a log's notation (above) at the start of s: "host[addr]",
 * "host [addr]", "[addr]", each with an optional ":port", or with
 * names_alone a bare "host" or "host." too. Returns the bytes it took (0: no
 * peer there) and fills out; a host that is not valid is no peer.
 */
size_t peer_read(const char *s, size_t n, int names_alone, struct peer_ref *out);

/*
 * Is the line a receiving server's view of a session: does it name where
 * the connection came from, as only a server writes it ("from
 * NAME[ADDRESS]", Postfix's smtpd; "from (HELO) [ADDRESS]", Exim)?
 */
int peer_server_line(const char *s, size_t len);

#endif
