/*
 * runner: one pass over the queue: deliver what is due through one relay
 * session (reopened when a failure kills it), and record each failure:
 * the legacy line and event (gwlog), then the message deferred to
 * now + retry_wait, or moved to bad/ when the smart host refused it for good
 * (5xx) or its attempts reach max_attempts (the original's -Q count, with
 * -W seconds between attempts), with "Warning SMTP output retry count
 * exceeded saving to PATH".
 *
 * When the connection or the greeting fails, every due message counts the
 * attempt (they all failed to go) but only one event is written.
 */
#ifndef SMTPGW_RUNNER_H
#define SMTPGW_RUNNER_H

#include "err.h"
#include "gwlog.h"
#include "relay.h"
#include "spool.h"

struct runner_params {
	struct spool		*spool;
	struct relay_params	 relay;		/* the smart host and deadlines */
	struct gwlog		*log;		/* may be NULL */
	unsigned		 max_attempts;	/* -Q: attempts before bad/, >= 1 */
	unsigned		 retry_wait_s;	/* -W: seconds between attempts */
	int			 flush;		/* ignore next_try: all are due */
	const char		*only_id;	/* just this message, or NULL */
	/* Called after each failure event (for --diagnose), or NULL. */
	void			(*on_failure)(void *arg, const struct gwlog_event *ev,
				    const char *line);
	void			*arg;
};

struct runner_stats {
	unsigned long	delivered;
	unsigned long	deferred;
	unsigned long	bad;		/* moved to bad/ in this pass */
	unsigned long	failures;	/* events written */
	unsigned long	remaining;	/* still queued (not due or deferred) */
};

/* One pass. -1 only when the spool cannot be read (err says why). */
int runner_once(const struct runner_params *p, struct runner_stats *st, char err[ERR_LEN]);

/* Seconds until the next message is due (0 = now, -1 = queue empty). */
long long runner_next_due(struct spool *s, char err[ERR_LEN]);

#endif
