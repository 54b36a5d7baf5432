/*
 * probe_net: the network probes of a round (probe.c runs them).
 *
 * Each fills a struct probe_result that probe_result_init() has prepared;
 * every wait is bounded by timeout_ms from the probe's start. Only the
 * address given is contacted (and, for ping-gateway, the default gateway the
 * routing table names). Ping uses an ICMP echo (a ping socket, else a raw
 * socket), and when neither is allowed a UDP datagram to the discard port,
 * saying so in the detail.
 */
#ifndef KBDIAG_PROBE_NET_H
#define KBDIAG_PROBE_NET_H

#include <arpa/inet.h>

#include "util/err.h"
#include "probe_result.h"

struct kb;

/*
 * dns: resolve host with c-ares (ares_library_init() done by the caller),
 * asking dns_server ("ADDR[:PORT]") instead of resolv.conf and the hosts
 * file when it is given. An address literal is not looked up. Returns 0 and
 * fills addr (numeric) when the name resolved, else -1 (the result says why).
 */
int probe_net_dns(struct probe_result *r, const char *host, const char *dns_server,
    unsigned timeout_ms, char addr[INET6_ADDRSTRLEN]);

/* ICMP echo to a numeric address: reply, no-reply or unreachable. */
void probe_net_ping(struct probe_result *r, const char *addr, unsigned timeout_ms);

/*
 * The default gateway in a routing table in the format of /proc/net/route.
 * 1 and addr filled, 0 when there is no default route, -1 with err when the
 * file cannot be read.
 */
int probe_net_default_gateway(const char *route_file, char addr[INET_ADDRSTRLEN],
    char err[ERR_LEN]);

/*
 * The SMTP chain against addr:port: slots[0] tcp-connect, [1] greeting,
 * [2] ehlo, [3] peer-product, [4] resend, through p->transport (NULL: tcp;
 * smtp/transport.h). A layer whose predecessor failed is skipped with the
 * reason. A layer starts only when a whole timeout_ms is left of the round's
 * round_left_ms (counted from this call, on the transport's clock), else it
 * and the rest are skipped as out of the round's time: no layer ever runs
 * with a shortened deadline, which would make a slow peer look silent. The
 * session ends with QUIT.
 */
void probe_net_smtp(const struct probe_params *p, const char *addr, unsigned port,
    unsigned timeout_ms, unsigned round_left_ms, struct probe_result *slots);

/*
 * The peer product a greeting names (tables/peers.xml, first pattern that
 * matches, caseless): its id with *product its name, or "other" with
 * *product NULL; NULL with err when a pattern does not compile. The same
 * reading for a probe's greeting and a log's.
 */
const char *probe_peer_product(const struct kb *kb, const char *greeting,
    const char **product, char err[ERR_LEN]);

#endif
