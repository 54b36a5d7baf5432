/*
 * peer: host[:port] as a log or the command line names a smart host.
 *
 * Host names come from untrusted logs and are later shown to the user and
 * (in probes) resolved, so only two shapes are accepted: a name or IPv4
 * address made of letters, digits, '.', '-' and '_' (not starting with '-' or
 * '.'), or an IPv6 address that inet_pton() reads, with an optional %zone;
 * in host[:port] form the IPv6 address is in brackets.
 */
#ifndef KBDIAG_PEER_H
#define KBDIAG_PEER_H

#include "err.h"

#define PEER_HOST_MAX	256	/* bytes, including the NUL */
#define PEER_SMTP_PORT	25

/*
 * Parse "host", "host:port", "[v6]" or "[v6]:port" (s is NUL-terminated).
 * On success fills host (without brackets) and *port (default_port when none
 * is given) and returns 0; else -1 with err saying what is wrong.
 */
int peer_parse(const char *s, unsigned default_port, char host[PEER_HOST_MAX],
    unsigned *port, char err[ERR_LEN]);

/* Is s (NUL-terminated) acceptable as a host name or address? */
int peer_valid_host(const char *s);

#endif
