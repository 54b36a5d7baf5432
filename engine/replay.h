/*
 * replay: a diagnosis read back from the JSON that `kbdiag diagnose --format
 * json` wrote (docs/json.md), and ranked again from what it recorded: the
 * observations from the log and the probe outcomes. Nothing touches the
 * network or the logs, so a saved incident can be re-examined, and a ranking
 * tested exactly, with the rule base at hand (`kbdiag diagnose --replay`).
 *
 * The file is untrusted input: every string is sanitised for display
 * (text.h) and bounded, counts are checked, and an article the rule base
 * does not have is an error naming it. Keys this version does not know are
 * ignored; the causes, evidence, steps and not-checked lists in the file are
 * not read but computed again.
 */
#ifndef KBDIAG_REPLAY_H
#define KBDIAG_REPLAY_H

#include <stddef.h>

#include "diag.h"
#include "err.h"
#include "kb.h"

#define REPLAY_MAX_INCIDENTS	10000
#define REPLAY_MAX_ITEMS	1000	/* observations, probes, phases per incident */

/*
 * Parse data (len bytes) into *out, ranked and planned with kb. Returns 0,
 * or -1 with err naming what is wrong (with the incident's index, and the
 * JSON line and column for a syntax error).
 */
int replay_load(const char *data, size_t len, const struct kb *kb,
    struct diagnosis **out, char err[ERR_LEN]);

#endif
