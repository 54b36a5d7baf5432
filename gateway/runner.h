/*
 * runner: one pass over the queue: deliver what is due through one relay
 * session (reopened when a failure kills it), and record each failure:
 * the legacy line and event (gwlog), then the message deferred to
 * now + retry_wait, or moved to bad/ when the smart host refused it for good
 * (5xx) or its attempts reach max_attempts (the original's -Q count, with
 * -W seconds between attempts), with "Warning SMTP output retry count
 * exceeded saving to PATH".
 *
 * Each message is attempted under a claim (spool.h), so any number of
 * processes may run passes over one spool at once: a message another process
 * is attempting is skipped and counted as busy. When the connection or the
 * greeting fails, every due message counts the attempt (they all failed to
 * go) but only one event is written.
 *
 * A failure that cannot be recorded (the disk is full) leaves the message as
 * it was; with a struct runner_backoff the passes then wait 1, 2, 4, ... up to
 * RUNNER_BACKOFF_MAX_S seconds, and the log gets one line per wait, not one
 * per message or per pass.
 */
#ifndef SMTPGW_RUNNER_H
#define SMTPGW_RUNNER_H

#include <signal.h>

#include "err.h"
#include "gwlog.h"
#include "relay.h"
#include "spool.h"

#define RUNNER_BACKOFF_MAX_S	64

/* Kept by the caller from pass to pass (zeroed at first). */
struct runner_backoff {
	long long	 until_ms;	/* CLOCK_MONOTONIC ms: no pass before this */
	unsigned	 wait_s;	/* the last wait; 0 when the spool took everything */
};

struct runner_params {
	struct spool		*spool;
	struct relay_params	 relay;		/* the smart host and deadlines (its stop
						   should be this stop) */
	struct gwlog		*log;		/* may be NULL */
	unsigned		 max_attempts;	/* -Q: attempts before bad/, >= 1 */
	unsigned		 retry_wait_s;	/* -W: seconds between attempts */
	int			 flush;		/* ignore next_try: all are due */
	char *const		*only_ids;	/* just these messages (flush ID), or NULL */
	size_t			 nonly;
	const volatile sig_atomic_t *stop;	/* nonzero: end the pass now; NULL: never */
	struct runner_backoff	*backoff;	/* may be NULL (a single pass) */
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
	unsigned long	remaining;	/* still queued (not due, or its failure not recorded) */
	unsigned long	unrecorded;	/* failures that could not be written (full disk) */
	int		interrupted;	/* the stop flag ended the pass */
	int		held;		/* no pass: the back-off after a full disk */
	char		**busy;		/* ids due but claimed by another process */
	size_t		nbusy;
};

/* One pass. -1 only when the spool cannot be read (err says why). */
int runner_once(const struct runner_params *p, struct runner_stats *st, char err[ERR_LEN]);
/* Free what a pass left in st (the busy ids). */
void runner_stats_free(struct runner_stats *st);

/* Seconds until the next message is due (0 = now, -1 = queue empty). */
long long runner_next_due(struct spool *s, char err[ERR_LEN]);

#endif
