/*
 * gwdiag: smtpgw's own failures diagnosed in-process with libkbdiag
 * (`smtpgw run --diagnose`): each failure event is run through the same
 * pipeline as `kbdiag diagnose` (reader, matcher, correlator, ranker,
 * planner); with gwdiag_set_probes() (`--diagnose=probe`) one live probe
 * round against the smart host follows, and the causes are ranked again with
 * what it found, as `kbdiag diagnose` does. The top cause and first step
 * come back as one line for the log,
 * and the whole diagnosis is written as a Markdown report, with the event it
 * came from, into the reports directory:
 *
 *   REPORTS/QUEUEID.N.json   the event (NDJSON, one line)
 *   REPORTS/QUEUEID.N.md     the report (kbdiag's Markdown)
 *
 * N numbers the reports of that message (1, 2, ...: those of other messages
 * leave no gap): the first N whose files do not exist yet, so that a later
 * run numbers on and never overwrites an earlier report. A failure that
 * shares a report (below) gets no number of its own.
 *
 * A storm of failures is diagnosed once: each smart host has a quiet period
 * (gwdiag_set_quiet(), default the rule base's, evidence.xml <probing
 * quiet>), opened by its first failure. The smart host is probed at most
 * once per period, and a later failure of the same article in the period
 * shares the first one's diagnosis and report (its log line says which
 * failure of the period it is); no new files are written for it.
 * The rule base is found as kbdiag finds it: kb_dir, else $KBDIAG_KB, else a
 * rule base beside the executable (../kb, ../share/kbdiag/kb), else the
 * installed data directory.
 *
 * Ownership: gwdiag_close() frees everything; the strings passed in are the
 * caller's.
 */
#ifndef SMTPGW_GWDIAG_H
#define SMTPGW_GWDIAG_H

#include <stddef.h>

#include "util/err.h"

struct gwdiag;
struct probe_params;

/* Load and compile the rule base; make the reports directory. */
int gwdiag_open(const char *kb_dir, const char *reports_dir, struct gwdiag **out,
    char err[ERR_LEN]);
void gwdiag_close(struct gwdiag *g);
/*
 * Probe live after each offline diagnosis: one round against host:port with
 * the settings of tmpl (copied; the strings it points to, and host, must
 * outlive g). The round runs in the caller's thread and takes up to about
 * tmpl->timeout_ms per dependent layer; the relay waits for it.
 */
void gwdiag_set_probes(struct gwdiag *g, const struct probe_params *tmpl, const char *host,
    unsigned port);
/*
 * The quiet period, in seconds (0: none, every failure probed and reported
 * on its own); and its value.
 */
void gwdiag_set_quiet(struct gwdiag *g, unsigned seconds);
unsigned gwdiag_quiet(const struct gwdiag *g);
#define GWDIAG_QUIET_DEFAULT	600	/* when the rule base has none */
/* How many probe rounds have run (for the log, and tests). */
unsigned long gwdiag_rounds(const struct gwdiag *g);
/* The rule base directory in use. */
const char *gwdiag_kb_dir(const struct gwdiag *g);

/*
 * Diagnose one failure given as its event (one NDJSON object). On success
 * summary holds "ARTICLE: top cause (NN%); first step: ..." and report the
 * path of the Markdown report; with no incident (a line the rule base does
 * not know) summary says so and no report is written.
 */
int gwdiag_failure(struct gwdiag *g, const char *event_json, const char *queue_id,
    char *summary, size_t summarylen, char *report, size_t reportlen, char err[ERR_LEN]);

#endif
