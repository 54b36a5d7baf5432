/*
 * probe_hosts: probe rounds against several smart hosts at once.
 *
 * A diagnosis of a log that names several smart hosts probes each of them;
 * one round after another, N silent hosts took N rounds (a 1,000-host log,
 * hours). probe_hosts_run() runs the rounds in threads, all at once, so that
 * the whole takes about as long as the slowest round (about one probe
 * timeout against silent hosts, the round's time at most). How many hosts
 * are probed at all, and on which ports, is the caller's choice
 * (diag_probe(): --probe-max and tables/ports.xml).
 *
 * Ownership: each target's round is the caller's (probe_round_free()).
 */
#ifndef KBDIAG_PROBE_HOSTS_H
#define KBDIAG_PROBE_HOSTS_H

#include <stddef.h>

#include "util/err.h"
#include "probe.h"

/* Rounds run at once, at most (more targets wait for a free thread). */
#define PROBE_HOSTS_PARALLEL	64

struct probe_hosts_target {
	const char		*host;		/* the smart host, or NULL */
	unsigned		 port;		/* 0: 25 */
	const char		*skip_why;	/* not NULL: no network probe, this is
						   why (the DOS files are still read) */
	struct probe_round	*round;		/* out: NULL when the round could
						   not start (err in the target) */
	char			 err[ERR_LEN];
};

/*
 * Run one round per target with the settings of tmpl (its host, port and
 * skip_why are the target's), at most PROBE_HOSTS_PARALLEL at once. Every
 * target gets its round or its error; returns how many rounds ran.
 */
size_t probe_hosts_run(const struct probe_params *tmpl, struct probe_hosts_target *t,
    size_t n);

#endif
