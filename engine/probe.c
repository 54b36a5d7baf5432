/*
 * probe: one round of probes, run concurrently.
 *
 * The round is a handful of threads, each owning its own result slots, so no
 * locks are needed: the files, ping-loopback and ping-gateway start at once;
 * the calling thread resolves the host, then ping-peer runs in a thread of
 * its own while the calling thread runs the SMTP chain (tcp-connect,
 * greeting, ehlo, peer-product, resend), whose layers depend on each other.
 * Every wait inside a probe is bounded by its own deadline, so a round
 * takes about the longest chain of timeouts, not their sum; and a layer of
 * the chain starts only while a whole timeout of the round's time is left,
 * so no round outlasts round_timeout_ms.
 */
#include "probe.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ares.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/peer.h"
#include "probe_dos.h"
#include "probe_net.h"
#include "util/text.h"
#include "util/xmem.h"

/* Each layer's probe and evidence source (PROBE_SLOTS, probe_result.h). */
static const struct {
	const char	*probe;
	const char	*source;
} probe_slots[SLOT_COUNT] = {
#define X(slot, probe, source, good) { probe, source },
	PROBE_SLOTS(X)
#undef X
};

/* ---------------------------------------------------------------------- */
/* The round                                                                */

struct probe_job {
	const struct probe_params	*params;
	struct probe_result		*slots;
	unsigned			 timeout_ms;
	char				 peer_addr[INET6_ADDRSTRLEN];
	char				 gateway[INET_ADDRSTRLEN];
};

static void *
probe_thread_loopback(void *arg)
{
	struct probe_job *j = arg;

	probe_net_ping(&j->slots[SLOT_PING_LO], "127.0.0.1", j->timeout_ms);
	return NULL;
}

/* Is host "localhost", an address in 127.0.0.0/8, or ::1? */
static int
probe_loopback_literal(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (host == NULL)
		return 0;
	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static void *
probe_thread_gateway(void *arg)
{
	struct probe_job *j = arg;
	struct probe_result *r = &j->slots[SLOT_PING_GW];
	const char *file = j->params->route_file ? j->params->route_file : "/proc/net/route";
	char err[ERR_LEN];
	int rc;

	/*
	 * A smart host on this machine is reached without any gateway: the
	 * layer does not apply, and the gateway is then no business of ours.
	 * (A routing table given by the caller asks for the gateway anyway.)
	 */
	if (j->params->route_file == NULL && probe_loopback_literal(j->params->host)) {
		probe_skip(r, "the smart host is this machine (loopback): no gateway on the way");
		return NULL;
	}
	rc = probe_net_default_gateway(file, j->gateway, err);
	if (rc < 0)
		probe_fail(r, "%s", err);
	else if (rc == 0)
		probe_skip(r, "no default route in %s", file);
	else
		probe_net_ping(r, j->gateway, j->timeout_ms);
	return NULL;
}

static void *
probe_thread_peer(void *arg)
{
	struct probe_job *j = arg;

	probe_net_ping(&j->slots[SLOT_PING_PEER], j->peer_addr, j->timeout_ms);
	return NULL;
}

static void *
probe_thread_files(void *arg)
{
	struct probe_job *j = arg;

	/* The file slots are probe_dos's results, in its order. */
	probe_dos_run(j->params->dos_root, j->params->kb, &j->slots[SLOT_TCPTSR]);
	return NULL;
}

/* A thread, or the same work inline when no thread can be made. */
static int
probe_spawn(pthread_t *t, void *(*fn)(void *), struct probe_job *j)
{
	if (pthread_create(t, NULL, fn, j) == 0)
		return 1;
	fn(j);
	return 0;
}

/* "ADDR", "ADDR:PORT" or "[V6]:PORT" with numeric addresses only. */
static int
probe_valid_server(const char *s)
{
	char host[PEER_HOST_MAX], err[ERR_LEN];
	unsigned port;
	unsigned char a[16];

	if (peer_parse(s, 53, host, &port, err) != 0)
		return 0;
	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Mail addresses for the resend: no angle brackets, blanks or controls. */
static int
probe_valid_mailbox(const char *s)
{
	const unsigned char *p;

	if (s[0] == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

static int
probe_check_params(const struct probe_params *p, char err[ERR_LEN])
{
	const unsigned char *s;

	if (p->kb == NULL)
		return err_set(err, "probe: no rule base given");
	if (p->host && !peer_valid_host(p->host))
		return err_set(err, "probe: '%s' is not a host name or address", p->host);
	if (p->port > 65535)
		return err_set(err, "probe: port %u is out of range (1-65535)", p->port);
	if (p->round_timeout_ms != 0 && p->round_timeout_ms <
	    (p->timeout_ms ? p->timeout_ms : PROBE_DEFAULT_TIMEOUT_MS))
		return err_set(err, "probe: the round's time (%u ms) is shorter than one "
		    "probe's timeout (%u ms)", p->round_timeout_ms,
		    p->timeout_ms ? p->timeout_ms : PROBE_DEFAULT_TIMEOUT_MS);
	if (p->dns_server && !probe_valid_server(p->dns_server))
		return err_set(err, "probe: DNS server '%s' is not ADDR[:PORT] with a "
		    "numeric address", p->dns_server);
	if ((p->resend_from == NULL) != (p->resend_to == NULL))
		return err_set(err, "probe: a resend needs both the sender and the recipient");
	if (p->resend_from && (!probe_valid_mailbox(p->resend_from) ||
	    !probe_valid_mailbox(p->resend_to)))
		return err_set(err, "probe: resend addresses must be plain addresses "
		    "without blanks or angle brackets");
	if (p->helo_name)
		for (s = (const unsigned char *)p->helo_name; *s; s++)
			if (*s <= ' ' || *s == 0x7f)
				return err_set(err, "probe: the HELO name may not contain "
				    "blanks or control characters");
	return 0;
}

/* c-ares's library counter (probe_run()). */
static pthread_mutex_t probe_ares_lock = PTHREAD_MUTEX_INITIALIZER;

int
probe_run(const struct probe_params *params, struct probe_round **out, char err[ERR_LEN])
{
	struct probe_round *round;
	struct probe_job job;
	struct probe_result *s;
	pthread_t t_lo, t_gw, t_peer, t_files;
	int h_lo = 0, h_gw = 0, h_peer = 0, h_files = 0, net, ares_ok;
	unsigned long long start = probe_now_ms();
	size_t i;

	*out = NULL;
	if (probe_check_params(params, err) != 0)
		return -1;
	round = xcalloc(1, sizeof(*round));
	round->host = xstrdup_or_null(params->host);
	round->port = params->port ? params->port : PEER_SMTP_PORT;
	round->results = xcalloc(SLOT_COUNT, sizeof(*round->results));
	round->nresults = SLOT_COUNT;
	s = round->results;
	for (i = 0; i < SLOT_COUNT; i++)
		probe_result_init(&s[i], probe_slots[i].probe, probe_slots[i].source);

	memset(&job, 0, sizeof(job));
	job.params = params;
	job.slots = s;
	job.timeout_ms = params->timeout_ms ? params->timeout_ms : PROBE_DEFAULT_TIMEOUT_MS;
	net = !params->offline && params->host != NULL;
	/*
	 * Not thread-safe by its documentation: before this round's threads,
	 * and under a lock, since rounds of several hosts run at once
	 * (diag_probe()).
	 */
	if (net) {
		pthread_mutex_lock(&probe_ares_lock);
		ares_ok = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS;
		pthread_mutex_unlock(&probe_ares_lock);
	} else
		ares_ok = 0;

	if (params->dos_root)
		h_files = probe_spawn(&t_files, probe_thread_files, &job);
	else
		for (i = SLOT_TCPTSR; i <= SLOT_VARIANT; i++)
			probe_skip(&s[i], "no DOS client files given (--dos-root)");
	if (!net) {
		const char *why = params->skip_why ? params->skip_why : params->offline ?
		    (params->offline_why ? params->offline_why : "offline: no live probes") :
		    "no smart host given";

		for (i = SLOT_DNS; i <= SLOT_RESEND; i++)
			probe_skip(&s[i], "%s", why);
	} else {
		h_lo = probe_spawn(&t_lo, probe_thread_loopback, &job);
		h_gw = probe_spawn(&t_gw, probe_thread_gateway, &job);
		if (!ares_ok)
			probe_fail(&s[SLOT_DNS], "the resolver library could not start");
		else if (probe_net_dns(&s[SLOT_DNS], params->host, params->dns_server,
		    job.timeout_ms, job.peer_addr) == 0) {
			round->address = xstrdup(job.peer_addr);
			h_peer = probe_spawn(&t_peer, probe_thread_peer, &job);
			unsigned long long end = start + (params->round_timeout_ms ?
			    params->round_timeout_ms :
			    (unsigned long long)PROBE_ROUND_FACTOR * job.timeout_ms),
			    now = probe_now_ms();

			probe_net_smtp(params, job.peer_addr, round->port, job.timeout_ms,
			    now < end ? (unsigned)(end - now) : 0, &s[SLOT_CONNECT]);
		}
		if (round->address == NULL)
			for (i = SLOT_PING_PEER; i <= SLOT_RESEND; i++)
				probe_skip(&s[i], "the host name did not resolve");
	}
	if (h_lo)
		pthread_join(t_lo, NULL);
	if (h_gw)
		pthread_join(t_gw, NULL);
	if (h_peer)
		pthread_join(t_peer, NULL);
	if (h_files)
		pthread_join(t_files, NULL);
	if (ares_ok) {
		pthread_mutex_lock(&probe_ares_lock);
		ares_library_cleanup();
		pthread_mutex_unlock(&probe_ares_lock);
	}
	round->elapsed_ms = (unsigned)(probe_now_ms() - start);
	*out = round;
	return 0;
}
