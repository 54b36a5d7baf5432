/*
 * runner: one pass over the queue: deliver what is due through up to
 * `sessions` SMTP sessions to the smart host at once (each reopened when a
 * failure kills it), and record each failure: the legacy line and event
 * (gwlog), then the message deferred to now + retry_wait, or moved to bad/
 * when the smart host refused it for good (5xx) or its attempts reach
 * max_attempts (the original's -Q count, with -W seconds between attempts),
 * with "Warning SMTP output retry count exceeded saving to PATH".
 *
 * The queue is read a batch of names at a time (spool_scan), never whole,
 * so the memory of a pass does not grow with the queue; a deferred message
 * whose next try (the scan's hint) is later is passed over without opening
 * it. Each message is attempted under a claim (spool.h), so any number of
 * processes, and the sessions of one pass, may share one spool: a message
 * that another process is attempting is skipped and counted as busy.
 *
 * Sessions. The first session is opened in the calling thread; only once it
 * is up are the others started (threads), each taking a message before it
 * connects, so a short queue opens no more sessions than it has messages.
 * Messages are handed out one at a time from the scan, under a lock, so no
 * two sessions of a pass ever take the same one. When the first session
 * cannot be opened (connect, greeting, EHLO), every due message counts the
 * attempt (none could go) with one event for the pass, as with one session.
 * When another session cannot be opened while some are up (a smart host
 * that limits connections per client, say), that is logged with its event,
 * the message it held goes back to the others unattempted, and the session
 * ends; with a struct runner_backoff the next passes open at most as many
 * sessions as were up then, one more after each pass without such a failure
 * (Postfix's destination concurrency feedback, in its simplest form).
 *
 * A failure that cannot be recorded (the disk is full) leaves the message as
 * it was; with a struct runner_backoff the passes then wait 1, 2, 4, ... up to
 * RUNNER_BACKOFF_MAX_S seconds, and the log gets one line per wait, not one
 * per message or per pass.
 *
 * Threads: the pass's state is shared under one lock; on_failure is called
 * by one session at a time; the log (gwlog) and the spool are safe to share.
 */
#ifndef SMTPGW_RUNNER_H
#define SMTPGW_RUNNER_H

#include <signal.h>

#include "util/err.h"
#include "gwlog.h"
#include "relay.h"
#include "spool.h"

#define RUNNER_BACKOFF_MAX_S	64
/* The most sessions a pass may have (--concurrency). */
#define RUNNER_SESSIONS_MAX	100

/* Kept by the caller from pass to pass (zeroed at first). */
struct runner_backoff {
	long long	 until_ms;	/* CLOCK_MONOTONIC ms: no pass before this */
	unsigned	 wait_s;	/* the last wait; 0 when the spool took everything */
	unsigned	 sessions;	/* sessions the next pass may open; 0: all of
					   runner_params.sessions */
};

struct runner_params {
	struct spool		*spool;
	struct relay_params	 relay;		/* the smart host and deadlines (its stop
						   should be this stop) */
	struct gwlog		*log;		/* may be NULL */
	unsigned		 sessions;	/* sessions to the smart host at once,
						   1 to RUNNER_SESSIONS_MAX (0: 1) */
	unsigned		 max_attempts;	/* -Q: attempts before bad/, >= 1 */
	unsigned		 retry_wait_s;	/* -W: seconds between attempts */
	int			 flush;		/* ignore next_try: all are due */
	char *const		*only_ids;	/* just these messages (flush ID), or NULL */
	size_t			 nonly;
	const volatile sig_atomic_t *stop;	/* nonzero: end the pass now; NULL: never */
	struct runner_backoff	*backoff;	/* may be NULL (a single pass) */
	/* Called after each failure event (for --diagnose, and for the
	 * messages of flush and run --once on standard error), or NULL. */
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
	char		unrecorded_err[ERR_LEN];	/* the first of them: why */
	unsigned	sessions;	/* sessions opened in this pass */
	unsigned	sessions_peak;	/* the most that were up at once */
	unsigned	sessions_refused;	/* could not be opened while others were up */
	int		interrupted;	/* the stop flag ended the pass */
	int		held;		/* no pass: the back-off after a full disk */
	char		**busy;		/* ids due but claimed by another process */
	size_t		nbusy;
};

/* One pass. -1 only when the spool cannot be read (err says why). */
int runner_once(const struct runner_params *p, struct runner_stats *st, char err[ERR_LEN]);
/* Free what a pass left in st (the busy ids). */
void runner_stats_free(struct runner_stats *st);

/* Seconds until the next message is due (0 = now, -1 = queue empty), from
 * the scan's hints (spool_scan): nothing but the directories is read. */
long long runner_next_due(struct spool *s, char err[ERR_LEN]);

#endif
