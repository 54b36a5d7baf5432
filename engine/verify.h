/*
 * verify: did the fix work? (kbdiag verify DIAGNOSIS.json)
 *
 * For each incident of a saved diagnosis, the cause to fix (fix.h
 * fix_cause(): the one that stands, or the one a verify before named), and
 * its fixes in the rule base. verify_run() then:
 *
 *   1. plans each fix again on the DOS client's files: a fix that would
 *      still change a file is not in place;
 *   2. with a log to watch, follows it (like tail -F, from its end) for the
 *      time given, or until every incident's error has come back, or until
 *      *stop (what was written until then still read); a line that names
 *      a next hop or a message brings back only the incidents of its
 *      article at that hop (or with that message);
 *   3. re-runs the probes and the file checks, with the transports and
 *      settings diagnose uses (probe_result.h), and ranks the causes and
 *      plans the steps again on a copy of each incident that keeps all its
 *      log showed (origin, address, messages: diag_incident_copy_log())
 *      but the probes' and files' observations; each incident's verdict is
 *      made as its round comes and its copy let go (a batch of copies held
 *      at a time, never all of them);
 *   4. decides, per incident:
 *        not-fixed     the error came back in the log; or a live check of the
 *                      SMTP chain (tcp-connect, greeting, ehlo, resend) still
 *                      fails; or a fix is not in place;
 *        fixed         a fix's proof was observed (a test message through the
 *                      smart host: resend:delivered), or the log stayed free
 *                      of the error with new lines in it and the fixes are in
 *                      place;
 *        inconclusive  otherwise (the fix is in place, but nothing showed
 *                      whether the failure is gone);
 *      with what it saw, and after not-fixed the next cause to fix (the
 *      cause itself when its fix is not in place, else the first cause of
 *      the new ranking not ruled out that was not tried already), with its
 *      steps and its fixes;
 *      the whole is not fixed when an incident is, fixed when every failure
 *      is, where incidents that share a log line are one failure that is
 *      fixed when one of them is (and none is not fixed);
 *   5. appends one entry to d->history (diagnosis.h): when, what kbdiag fix
 *      had applied (its journal under dos_root), the watch, the verdicts.
 *
 * The saved incidents are not changed: only the history grows, so the
 * diagnosis written back is the one read, plus the entry.
 *
 * Errors follow err.h; what verify_run() adds to d is d's (diag_free()).
 */
#ifndef KBDIAG_VERIFY_H
#define KBDIAG_VERIFY_H

#include <signal.h>

#include "diag.h"
#include "util/err.h"
#include "kb.h"
#include "match.h"
#include "probe.h"
#include "reader.h"

struct verify_params {
	const struct kb		*kb;		/* the rule base the diagnosis was read with */
	struct matcher		*matcher;	/* compiled from kb; needed for watch */
	struct probe_params	 probe;		/* as diagnose's: timeouts, dos_root,
						   offline, resend, transport (host and
						   port are set per incident) */
	const char		*smarthost;	/* --smarthost: probe only this host ... */
	unsigned		 smarthost_port;	/* ... at this port; NULL: each
						   incident's own */
	const char		*watch;		/* a log to follow, or NULL */
	unsigned long long	 watch_ms;	/* for this long */
	struct reader_params	 reader;	/* how to read it (format, date) */
	volatile sig_atomic_t	*stop;		/* ends the watch early when set */
	/* Called before each probe round and as the watch starts (progress). */
	void			(*on_notice)(void *arg, const char *msg);
	void			*arg;
};

#define VERIFY_FIXED		"fixed"
#define VERIFY_NOT_FIXED	"not-fixed"
#define VERIFY_INCONCLUSIVE	"inconclusive"

/*
 * Verify d and append the entry to d->history; *entry points at it. Returns
 * 0, or -1 with err when the log to watch cannot be opened or a file under
 * the DOS root cannot be read safely (nothing is appended then).
 */
int verify_run(struct diagnosis *d, const struct verify_params *p,
    const struct diag_history **entry, char err[ERR_LEN]);

#endif
