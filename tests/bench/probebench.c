/*
 * probebench: how long a probe round takes against peers that make probes
 * wait their whole timeout, against the time the same probes would take one
 * after another. Everything is on 127.0.0.1; the routing table is one with no
 * default route, so nothing else is contacted.
 *
 * Scenarios:
 *   silent-peer  a listener that never accepts: the connection opens and
 *                the greeting waits its whole timeout;
 *   silent-dns   a DNS server (a UDP socket) that never answers: the
 *                resolver waits its whole timeout.
 *
 * With --only NAME, only the silent peer, reported as NAME; with --gateway
 * ADDR, the routing table's default route goes via ADDR. tests/bench/probe.sh
 * uses both inside a network namespace of its own that ignores ICMP echo,
 * where ping-loopback, ping-gateway and ping-peer wait their whole timeout
 * too, beside the silent greeting.
 *
 * Prints one line per scenario for tests/bench/probe.sh:
 *
 *   scenario timeout_ms runs median_round_ms max_round_ms probes_run sum_probe_ms
 *   serial_bound_ms
 *
 * where probes_run counts the results that ran (not skipped), sum_probe_ms
 * adds their own elapsed times (one probe after another, as they went), and
 * serial_bound_ms is probes_run times the timeout: what one after another
 * may take when each waits its whole timeout.
 *
 *   build/probebench [--runs N] [--timeout MS] [--only NAME] [--gateway ADDR] KBDIR
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kb.h"
#include "probe.h"

static int
pb_socket(int type, unsigned *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) != 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
		perror("probebench: socket");
		exit(1);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
pb_cmp(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static void
pb_scenario(const char *name, struct probe_params *p, int runs)
{
	unsigned *ms = calloc((size_t)runs, sizeof(*ms)), sum = 0, ran = 0;
	char err[ERR_LEN];
	int i;
	size_t k;

	for (i = 0; i < runs; i++) {
		struct probe_round *r;

		if (probe_run(p, &r, err) != 0) {
			fprintf(stderr, "probebench: %s\n", err);
			exit(1);
		}
		ms[i] = r->elapsed_ms;
		if (i == 0)
			for (k = 0; k < r->nresults; k++)
				if (r->results[k].status != PROBE_SKIPPED) {
					ran++;
					sum += r->results[k].elapsed_ms;
				}
		probe_round_free(r);
	}
	qsort(ms, (size_t)runs, sizeof(*ms), pb_cmp);
	printf("%s %u %d %u %u %u %u %u\n", name, p->timeout_ms, runs, ms[(runs - 1) / 2],
	    ms[runs - 1], ran, sum, ran * p->timeout_ms);
	free(ms);
}

int
main(int argc, char **argv)
{
	struct kb_load_params lp = { 0 };
	struct probe_params p;
	struct kb *kb;
	char err[ERR_LEN], route[] = "/tmp/probebench-route.XXXXXX", server[64];
	unsigned port, dport;
	const char *only = NULL, *gateway = NULL;
	char line[256];
	int runs = 3, timeout = 2000, i, tcp, udp, fd, n;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--runs") == 0)
			runs = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[i + 1];
		else if (strcmp(argv[i], "--gateway") == 0)
			gateway = argv[i + 1];
	}
	if (i != argc - 1 || runs < 1 || timeout < 1) {
		fputs("usage: probebench [--runs N] [--timeout MS] KBDIR\n", stderr);
		return 2;
	}
	lp.dir = argv[i];
	if (kb_load(&lp, &kb, err) != 0) {
		fprintf(stderr, "probebench: %s\n", err);
		return 1;
	}
	n = snprintf(line, sizeof(line), "Iface\tDestination\tGateway\tFlags\n");
	if (gateway) {
		struct in_addr a;

		if (inet_pton(AF_INET, gateway, &a) != 1) {
			fprintf(stderr, "probebench: --gateway %s: not an IPv4 address\n", gateway);
			return 2;
		}
		n += snprintf(line + n, sizeof(line) - (size_t)n, "lo\t00000000\t%08X\t0003\n",
		    (unsigned)a.s_addr);
	}
	if ((fd = mkstemp(route)) < 0 || write(fd, line, (size_t)n) != n) {
		perror("probebench: routing table");
		return 1;
	}
	close(fd);
	tcp = pb_socket(SOCK_STREAM, &port);	/* never accepts */
	udp = pb_socket(SOCK_DGRAM, &dport);	/* never answers */
	snprintf(server, sizeof(server), "127.0.0.1:%u", dport);

	memset(&p, 0, sizeof(p));
	p.kb = kb;
	p.timeout_ms = (unsigned)timeout;
	p.route_file = route;
	p.helo_name = "probebench.test";
	p.host = "127.0.0.1";
	p.port = port;
	pb_scenario(only ? only : "silent-peer", &p, runs);
	if (only == NULL) {
		p.host = "smarthost.test";
		p.dns_server = server;
		pb_scenario("silent-dns", &p, runs);
	}

	close(tcp);
	close(udp);
	unlink(route);
	kb_free(kb);
	return 0;
}
