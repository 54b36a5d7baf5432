/*
 * probe: the live checks of the expert system, and the reads of the DOS
 * client's files, each reported as evidence (kb/evidence.xml SOURCE:VALUE)
 * with what was seen.
 *
 * One round runs every probe that applies, concurrently, each with its own
 * deadline, so that a round takes about as long as the slowest probe's
 * timeout and not their sum. Network probes contact only params->host (the
 * smart host an incident or the command line names) and never run with
 * params->offline. Nothing a probe reads is ever passed to a shell.
 *
 * The round's data (struct probe_params, probe_result, probe_round) is in
 * probe_result.h, which the probe implementations include instead of this
 * header.
 */
#ifndef KBDIAG_PROBE_H
#define KBDIAG_PROBE_H

#include <stddef.h>

#include "util/err.h"
#include "kb.h"
#include "probe_result.h"

/*
 * Run one round (its settings, results and round: probe_result.h). Returns 0
 * and sets *out (free with probe_round_free()), or -1 with err when the round
 * cannot start at all (a bad parameter). A probe that fails is a result, not
 * an error.
 */
int probe_run(const struct probe_params *params, struct probe_round **out,
    char err[ERR_LEN]);

#endif
