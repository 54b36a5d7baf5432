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

#include "util/buf.h"
#include "diagnosis.h"
#include "util/err.h"
#include "kb.h"

/*
 * Limits, checked while the file is read (jsonscan.h), before anything is
 * built: a file over them is refused with a message that names the limit
 * and the line. Every diagnosis kbdiag writes is within them.
 */
#define REPLAY_MAX_BYTES	(256u << 20)	/* the file */
#define REPLAY_MAX_INCIDENTS	DIAG_MAX_INCIDENTS	/* elements of
					   "incidents" (and of any other top-level
					   array): what diagnose writes at most */
#define REPLAY_MAX_ITEMS	1000	/* observations, probes, phases per incident */
#define REPLAY_MAX_DEPTH	32	/* arrays and objects inside each other */
#define REPLAY_MAX_STRING	(1u << 20)	/* bytes of one string, as written */
#define REPLAY_MAX_MEMBERS	64	/* of the top-level object */
#define REPLAY_MAX_VALUES	250000	/* values of one incident (or other
					   unit): what one jansson parse holds */

/* Returned (instead of -1) when memory ran out: the CLI's exit status 4. */
#define REPLAY_OOM		(-2)

/*
 * Parse data (len bytes) into *out, ranked and planned with kb. The file is
 * checked whole against the limits first, then parsed one incident (one
 * top-level member) at a time, so that its memory is that of the largest
 * incident, not of the file. Returns 0; -1 with err naming what is wrong
 * (the limit, the incident's index, the line and column); REPLAY_OOM with
 * err when memory ran out.
 */
int replay_load(const char *data, size_t len, const struct kb *kb,
    struct diagnosis **out, char err[ERR_LEN]);

/*
 * Read a saved diagnosis's bytes into out: a regular file (a FIFO, a
 * directory or a device is refused, and the open does not block), at most
 * REPLAY_MAX_BYTES. 0, or -1 with err (which starts with the path).
 */
int replay_read_file(const char *path, struct buf *out, char err[ERR_LEN]);

/*
 * replay_read_file() then replay_load(); err starts with the path.
 */
int replay_load_file(const char *path, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN]);

#endif
