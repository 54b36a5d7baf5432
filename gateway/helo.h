/*
 * helo: the name smtpgw gives itself: in EHLO (and HELO) to the smart host,
 * and in the listener's greeting. RFC 5321 4.1.1.1 asks a client for its
 * fully qualified domain name, and `localhost` tells a smart host nothing
 * (some refuse it).
 *
 * The name is found without asking DNS, since a gateway whose network is in
 * trouble must not wait for its own name: the host name (gethostname) when
 * it has a dot, else the first name with a dot on a line of the hosts file
 * that names the host (Debian's installer writes "127.0.1.1
 * host.example.org host" there); "localhost.localdomain" and its like do not
 * count. When neither gives a fully qualified name,
 * EHLO carries the address literal of the connection's own end instead,
 * "[192.0.2.1]", as RFC 5321 4.1.4 says a client without a meaningful name
 * should (relay.h); `--helo NAME` overrides all this.
 */
#ifndef SMTPGW_HELO_H
#define SMTPGW_HELO_H

#include <stddef.h>

#define HELO_NAME_MAX	256	/* bytes, with the NUL */

/*
 * The fully qualified name of this host into out: 1 when found; 0 when
 * there is none, with the plain host name in out (for a greeting; or
 * "localhost" when even that is missing or not a host name). hosts_path:
 * the hosts file ("/etc/hosts"), NULL for none.
 */
int helo_fqdn(const char *hosts_path, char out[HELO_NAME_MAX]);
/* The same for the host name host (gethostname()'s, for helo_fqdn()). */
int helo_fqdn_of(const char *host, const char *hosts_path, char out[HELO_NAME_MAX]);

/* Is name one a host may give in EHLO: letters, digits, '-' and '.', 1 to
 * 253 bytes, no empty label; or an address literal, "[192.0.2.1]",
 * "[IPv6:2001:db8::1]"? */
int helo_valid(const char *name);

#endif
