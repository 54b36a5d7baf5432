/* runner: one delivery pass over the queue, several sessions at once (see runner.h). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "smtp/transport.h"
#include "util/clock.h"
#include "util/xmem.h"

/* Delivered messages whose removal may wait for one fsync of the directory. */
#define RUNNER_SYNC_EVERY	64

#define LINE_LEN	(ERR_LEN + RELAY_TEXT_MAX)

/* The pass: what its sessions share, under mu. */
struct pass {
	const struct runner_params *p;
	struct runner_stats	*st;		/* under mu */
	pthread_mutex_t		 mu;
	pthread_mutex_t		 hook_mu;	/* on_failure: one at a time */
	long long		 now;		/* Unix time at the start of the pass */
	/* handing out */
	struct spool_scan	*scan;		/* NULL with only_ids */
	size_t			 next_only;	/* the next of only_ids */
	char			**back;		/* given back by a session that could not open */
	size_t			 nback, back_cap;
	int			 end;		/* nothing more to hand out */
	int			 scan_failed;
	char			 scan_err[ERR_LEN];
	/* sessions */
	unsigned		 limit;		/* sessions this pass may open */
	unsigned		 active;	/* open and still taking messages */
	unsigned		 refused_at;	/* sessions up when one could not open (0: none) */
	int			 started;	/* the other sessions were started */
	pthread_t		 threads[RUNNER_SESSIONS_MAX];
	unsigned		 nthreads;
	int			 down;		/* the smart host could not be reached */
	char			 down_line[LINE_LEN];
	/* the spool */
	unsigned		 unsynced;	/* removals not yet made durable */
	unsigned		 unsynced_dirs;	/* their directories (1 << state) */
	size_t			 busy_cap;
};

static void
lock(struct pass *ps)
{
	pthread_mutex_lock(&ps->mu);
}

static void
unlock(struct pass *ps)
{
	pthread_mutex_unlock(&ps->mu);
}

static int
stopping(const struct runner_params *p)
{
	return p->stop != NULL && *p->stop;
}

static void
report(struct pass *ps, const struct gwlog_event *ev, char *line, size_t linelen,
    int closed_socket)
{
	const struct runner_params *p = ps->p;

	gwlog_event(p->log, ev, line, linelen);
	/* the error, then the close, as the original gateway logged them */
	if (closed_socket >= 0)
		gwlog_line(p->log, "SMTP_close(socket=%d)", closed_socket);
	lock(ps);
	ps->st->failures++;
	unlock(ps);
	if (p->on_failure != NULL) {
		pthread_mutex_lock(&ps->hook_mu);
		p->on_failure(p->arg, ev, line);
		pthread_mutex_unlock(&ps->hook_mu);
	}
}

/* A spool write that failed: the first of the pass is logged at its end. */
static void
unrecorded(struct pass *ps, const char *err)
{
	lock(ps);
	if (ps->st->unrecorded++ == 0)
		snprintf(ps->st->unrecorded_err, sizeof(ps->st->unrecorded_err), "%s", err);
	ps->st->remaining++;
	unlock(ps);
}

static void
count(struct pass *ps, unsigned long *what)
{
	lock(ps);
	(*what)++;
	unlock(ps);
}

static void
busy(struct pass *ps, const char *id)
{
	struct runner_stats *st = ps->st;

	lock(ps);
	st->busy = xgrow(st->busy, &ps->busy_cap, st->nbusy + 1, sizeof(*st->busy));
	st->busy[st->nbusy++] = xstrdup(id);
	unlock(ps);
}

/* After a failed attempt: deferred, or bad/ with the retry-exceeded line. */
static void
after_failure(struct pass *ps, struct spool_claim *c, const char *line, int permanent)
{
	const struct runner_params *p = ps->p;
	struct spool_msg *m = spool_claim_msg(c);
	char err[ERR_LEN], path[PATH_MAX];
	int to_bad = permanent || m->attempts + 1 >= p->max_attempts;
	long long next = (long long)time(NULL) + p->retry_wait_s;

	if (spool_claim_defer(c, line, to_bad ? 0 : next, to_bad, err) != 0) {
		/* the message stays where it was: it will be tried again, and
		 * the pass did not empty the queue */
		unrecorded(ps, err);
		return;
	}
	if (!to_bad) {
		count(ps, &ps->st->deferred);
		if (gwlog_verbose(p->log))
			gwlog_line(p->log, "Message %s deferred (attempt %u), next try in %u s", m->id,
			    m->attempts, p->retry_wait_s);
		return;
	}
	if (gwlog_verbose(p->log))
		gwlog_line(p->log, "Message %s moved to bad/ (attempt %u)", m->id, m->attempts);
	count(ps, &ps->st->bad);
	if (!permanent) {
		struct gwlog_event ev;
		char full[ERR_LEN + PATH_MAX];

		spool_path(p->spool, m, path, sizeof(path));
		memset(&ev, 0, sizeof(ev));
		ev.cond = LEGACY_RETRY_EXCEEDED;
		ev.detail = path;
		ev.peer = p->relay.host;
		ev.port = p->relay.port;
		ev.queue_id = m->id;
		ev.bytes_sent = -1;
		report(ps, &ev, full, sizeof(full), -1);
	}
}

/*
 * Delivered to some recipients, refused for the others (relay_send_some()
 * returned 1): each kind of refusal, temporary (4xx) and permanent (5xx), is
 * reported like any failure, with the first such recipient's reply, and its
 * recipients are split off as a message of their own, deferred, or in bad/
 * (5xx, or the attempts used up), before the delivered message leaves the
 * spool. 0 when the copies are durable (the caller may then remove m).
 */
static int
split_refused(struct pass *ps, const struct spool_msg *m, const struct relay_rcpt *rr,
    const struct relay_failure *f)
{
	const struct runner_params *p = ps->p;
	char line[LINE_LEN], err[ERR_LEN], id[SPOOL_ID_MAX];
	char **rcpts = xcalloc(m->nrcpts, sizeof(*rcpts));
	long long next = (long long)time(NULL) + p->retry_wait_s;
	size_t i, n, first = 0;
	int perm, rc = 0;

	for (perm = 0; perm <= 1 && rc == 0; perm++) {
		int to_bad = perm || m->attempts + 1 >= p->max_attempts;
		struct relay_failure g = *f;
		struct gwlog_event ev;

		for (i = n = 0; i < m->nrcpts; i++)
			if (rr[i].code / 100 != 2 && (rr[i].code >= 500) == perm) {
				if (n == 0)
					first = i;
				rcpts[n++] = m->rcpts[i];
			}
		if (n == 0)
			continue;
		g.cond = perm ? LEGACY_REPLY_PERM : LEGACY_REPLY_TEMP;
		g.reply_code = rr[first].code;
		g.permanent = perm;
		snprintf(g.detail, sizeof(g.detail), "RCPT: %s", rr[first].reply);
		memcpy(g.last_reply, rr[first].reply, RELAY_TEXT_MAX);
		relay_failure_event(&p->relay, &g, m->id, &ev);
		report(ps, &ev, line, sizeof(line), -1);
		if (spool_split(p->spool, m, rcpts, n, line, next, to_bad, id, err) != 0) {
			unrecorded(ps, err);
			rc = -1;
			break;
		}
		gwlog_line(p->log, "Message %s: %zu refused recipient%s %s as %s", m->id, n,
		    n == 1 ? "" : "s", to_bad ? "saved to bad/" : "queued again", id);
		count(ps, to_bad ? &ps->st->bad : &ps->st->deferred);
	}
	free(rcpts);
	return rc;
}

/* The message under a claim: is it due? (Its header is the truth.) */
static int
due(const struct pass *ps, const struct spool_msg *m)
{
	return ps->p->flush || ps->p->only_ids != NULL || m->next_try <= ps->now;
}

/*
 * A scan entry: worth claiming? A deferred message whose hint (its file's
 * time, set to its next try) is later is not, unless the hint is later than
 * a deferral with this -W could have set (a clock that went back, a file
 * touched or copied): then the header decides.
 */
static int
hint_due(const struct pass *ps, const struct spool_scan_entry *e)
{
	const struct runner_params *p = ps->p;

	return p->flush || e->next_try_hint <= ps->now ||
	    e->next_try_hint > ps->now + (long long)p->retry_wait_s;
}

/*
 * The next message to attempt, under the lock: 1 with its id, 0 when there
 * is none left (the scan's end, or a stop).
 */
static int
next_id(struct pass *ps, char id[SPOOL_ID_MAX])
{
	const struct runner_params *p = ps->p;
	struct spool_scan_entry e;
	int rc;

	for (;;) {
		if (ps->nback > 0) {
			char *back = ps->back[--ps->nback];

			snprintf(id, SPOOL_ID_MAX, "%s", back);	/* an id: shorter than that */
			free(back);
			return 1;
		}
		if (ps->end)
			return 0;
		if (stopping(p)) {
			ps->st->interrupted = 1;
			ps->st->remaining++;
			ps->end = 1;
			return 0;
		}
		if (p->only_ids != NULL) {
			const char *only;

			if (ps->next_only >= p->nonly) {
				ps->end = 1;
				return 0;
			}
			only = p->only_ids[ps->next_only++];
			if (strlen(only) >= SPOOL_ID_MAX)
				continue;	/* no message has such an id */
			memcpy(id, only, strlen(only) + 1);
			return 1;
		}
		if ((rc = spool_scan_next(ps->scan, &e, ps->scan_err)) <= 0) {
			ps->scan_failed = rc < 0;
			ps->end = 1;
			return 0;
		}
		if (!hint_due(ps, &e)) {
			ps->st->remaining++;
			continue;
		}
		memcpy(id, e.id, SPOOL_ID_MAX);
		return 1;
	}
}

/*
 * Claim a message for an attempt: the claim, or NULL when the message is not
 * ours to try (busy: noted; gone: delivered meanwhile; unreadable: moved to
 * bad/).
 */
static struct spool_claim *
claim(struct pass *ps, const char *id)
{
	const struct runner_params *p = ps->p;
	struct spool_claim *c;
	char err[ERR_LEN];

	switch (spool_claim(p->spool, id, &c, err)) {
	case SPOOL_CLAIMED:
		return c;
	case SPOOL_BUSY:
		busy(ps, id);
		return NULL;
	case SPOOL_CLAIM_BAD:
		gwlog_line(p->log, "ERROR spool: moved to bad/: %s", err);
		count(ps, &ps->st->bad);
		return NULL;
	case SPOOL_GONE:
		return NULL;
	default:
		gwlog_line(p->log, "ERROR spool: %s", err);
		count(ps, &ps->st->remaining);
		return NULL;
	}
}

static void *session_thread(void *arg);

/* The first session is up: start the others (each takes a message before it
 * connects: a short queue opens no more sessions than it has messages). */
static void
start_sessions(struct pass *ps)
{
	unsigned i;

	for (i = 1; i < ps->limit; i++) {
		int e = pthread_create(&ps->threads[ps->nthreads], NULL, session_thread, ps);

		if (e != 0) {
			gwlog_line(ps->p->log, "ERROR run: cannot start a session: %s (%u at most "
			    "in this pass)", strerror(e), i);
			break;
		}
		ps->nthreads++;
	}
}

enum open_result {
	OPENED,
	OPEN_STOPPED,		/* a stop: the message stays as it was */
	OPEN_GIVEN_BACK,	/* refused while others were up: the message goes to them */
	OPEN_FAILED		/* the smart host could not be reached: the message failed */
};

/* Open a session for the claimed message c; when that fails, c is released. */
static enum open_result
open_session(struct pass *ps, struct relay **r, struct spool_claim *c)
{
	const struct runner_params *p = ps->p;
	struct spool_msg *m = spool_claim_msg(c);
	struct relay_failure f;
	struct gwlog_event ev;
	char line[LINE_LEN], id[SPOOL_ID_MAX];
	int start = 0, first_down = 0;
	unsigned others = 0;

	if (relay_open(&p->relay, r, &f) == 0) {
		lock(ps);
		ps->active++;
		ps->st->sessions++;
		if (ps->active > ps->st->sessions_peak)
			ps->st->sessions_peak = ps->active;
		if (!ps->started && ps->limit > 1)
			start = ps->started = 1;
		unlock(ps);
		if (start)
			start_sessions(ps);
		return OPENED;
	}
	*r = NULL;
	if (f.interrupted) {
		if (f.closed_socket >= 0)
			gwlog_line(p->log, "SMTP_close(socket=%d)", f.closed_socket);
		gwlog_line(p->log, "Message %s: stopped before it went; it stays queued", m->id);
		spool_release(c);
		lock(ps);
		ps->st->interrupted = 1;
		ps->st->remaining++;
		ps->end = 1;
		unlock(ps);
		return OPEN_STOPPED;
	}
	/* the legacy line, without logging it yet */
	relay_failure_event(&p->relay, &f, m->id, &ev);
	gwlog_event(NULL, &ev, line, sizeof(line));
	memcpy(id, m->id, SPOOL_ID_MAX);
	lock(ps);
	if (ps->active > 0 && !ps->down) {
		/* the others are up, so the host is: it refused one more session
		 * (a limit per client, most likely). The message is not tried:
		 * it goes back to them, unclaimed first (else a session taking
		 * it would find it busy, as if another process had it). */
		others = ps->active;
		ps->st->sessions_refused++;
		if (ps->refused_at == 0 || others < ps->refused_at)
			ps->refused_at = others;
	} else if (!ps->down) {
		ps->down = first_down = 1;
		memcpy(ps->down_line, line, sizeof(line));
	}
	unlock(ps);
	if (others > 0) {
		spool_release(c);
		ev.queue_id = NULL;	/* a session's failure: no message was attempted */
		report(ps, &ev, line, sizeof(line), f.closed_socket);
		gwlog_line(p->log, "Session refused while %u other%s %s open: message %s is left to "
		    "them, and this pass goes on with %u session%s", others, others == 1 ? "" : "s",
		    others == 1 ? "was" : "were", id, others, others == 1 ? "" : "s");
		lock(ps);
		ps->back = xgrow(ps->back, &ps->back_cap, ps->nback + 1, sizeof(*ps->back));
		ps->back[ps->nback++] = xstrdup(id);
		unlock(ps);
		return OPEN_GIVEN_BACK;
	}
	/* the host cannot be reached: this message and every due one after it
	 * failed to go; one event for the pass */
	if (first_down)
		report(ps, &ev, line, sizeof(line), f.closed_socket);
	else if (f.closed_socket >= 0)
		gwlog_line(p->log, "SMTP_close(socket=%d)", f.closed_socket);
	after_failure(ps, c, line, 0);
	spool_release(c);
	return OPEN_FAILED;
}

/* The message was delivered (to some recipients at least: rc 1). */
static void
delivered(struct pass *ps, struct spool_claim *c, const struct relay_rcpt *codes, int rc,
    const struct relay_failure *f)
{
	const struct runner_params *p = ps->p;
	struct spool_msg *m = spool_claim_msg(c);
	size_t sent = m->nrcpts, k;
	char lerr[ERR_LEN];
	unsigned dirs = 1u << m->state;
	int sync;

	for (k = 0; rc == 1 && k < m->nrcpts; k++)
		sent -= codes[k].code / 100 != 2;
	/* the refused recipients' copy first: removing m must not lose them */
	if (rc == 1 && split_refused(ps, m, codes, f) != 0) {
		/* m stays: sent to all again later (duplicates, not a loss) */
	} else if (spool_claim_done(c, 0, lerr) != 0)
		gwlog_line(p->log, "ERROR spool: %s", lerr);
	else
		gwlog_line(p->log, "Message %s sent to %zu recipient%s", m->id, sent,
		    sent == 1 ? "" : "s");
	/* the removals are made durable together (spool.h): at most
	 * RUNNER_SYNC_EVERY of them can come back after a power cut */
	lock(ps);
	ps->st->delivered++;
	ps->unsynced_dirs |= dirs;
	sync = ++ps->unsynced >= RUNNER_SYNC_EVERY;
	if (sync) {
		dirs = ps->unsynced_dirs;
		ps->unsynced = ps->unsynced_dirs = 0;
	}
	unlock(ps);
	if (sync && spool_sync(p->spool, dirs, lerr) != 0)
		gwlog_line(p->log, "ERROR spool: %s", lerr);
}

/* One session: messages one after another until none is left. */
static void
session(struct pass *ps)
{
	const struct runner_params *p = ps->p;
	struct relay *r = NULL;
	struct relay_rcpt *codes = NULL;
	size_t ncodes = 0;
	char id[SPOOL_ID_MAX];

	for (;;) {
		struct relay_failure f;
		struct gwlog_event ev;
		struct spool_claim *c;
		struct spool_msg *m;
		char line[LINE_LEN];
		int got, down, rc;

		lock(ps);
		if (!(got = next_id(ps, id)) && r != NULL)
			ps->active--;	/* this session takes no more */
		down = ps->down;
		unlock(ps);
		if (!got)
			break;
		if ((c = claim(ps, id)) == NULL)
			continue;
		m = spool_claim_msg(c);
		if (!due(ps, m)) {
			spool_release(c);
			count(ps, &ps->st->remaining);
			continue;
		}
		if (r == NULL && down) {
			/* the smart host could not be reached in this pass: this
			 * message failed to go too (down_line is set before down) */
			after_failure(ps, c, ps->down_line, 0);
			spool_release(c);
			continue;
		}
		if (gwlog_verbose(p->log))
			gwlog_line(p->log, "Delivering message %s (attempt %u)", m->id,
			    m->attempts + 1);
		if (r == NULL) {
			enum open_result o = open_session(ps, &r, c);

			if (o == OPEN_STOPPED || o == OPEN_GIVEN_BACK)
				break;
			if (o == OPEN_FAILED)
				continue;
		}
		if (ncodes < m->nrcpts) {
			free(codes);
			codes = xcalloc(m->nrcpts, sizeof(*codes));
			ncodes = m->nrcpts;
		}
		if ((rc = relay_send_some(r, m, codes, &f)) >= 0)
			delivered(ps, c, codes, rc, &f);
		else if (f.interrupted) {
			/* a stop, not the host's failure: no event, no attempt counted */
			if (f.closed_socket >= 0)
				gwlog_line(p->log, "SMTP_close(socket=%d)", f.closed_socket);
			gwlog_line(p->log, "Message %s: delivery stopped in the %s phase; it stays "
			    "queued", m->id, relay_state_phase(f.state) != SMTP_PHASE_NONE ?
			    smtp_phase_to_text(relay_state_phase(f.state)) :
			    relay_state_to_text(f.state));
			relay_close(r);
			r = NULL;
			lock(ps);
			ps->active--;
			ps->st->interrupted = 1;
			ps->st->remaining++;
			ps->end = 1;
			unlock(ps);
		} else {
			relay_failure_event(&p->relay, &f, m->id, &ev);
			report(ps, &ev, line, sizeof(line), f.closed_socket);
			after_failure(ps, c, line, f.permanent);
			if (f.session_dead) {
				relay_close(r);
				r = NULL;
				lock(ps);
				ps->active--;
				unlock(ps);
			}
		}
		spool_release(c);
	}
	relay_close(r);
	free(codes);
}

static void *
session_thread(void *arg)
{
	session(arg);
	return NULL;
}

/* The end of a pass: the back-off after failures the spool could not take. */
static void
backoff(struct pass *ps)
{
	const struct runner_params *p = ps->p;
	struct runner_backoff *b = p->backoff;

	if (ps->st->unrecorded == 0) {
		if (b != NULL)
			b->wait_s = 0;
		return;
	}
	gwlog_line(p->log, "ERROR spool: %s", ps->st->unrecorded_err);
	if (b == NULL)
		return;
	b->wait_s = b->wait_s == 0 ? 1 : b->wait_s * 2;
	if (b->wait_s > RUNNER_BACKOFF_MAX_S)
		b->wait_s = RUNNER_BACKOFF_MAX_S;
	b->until_ms = clock_ms() + b->wait_s * 1000LL;
	gwlog_line(p->log, "Spool: %lu failed attempt%s could not be recorded (the message%s "
	    "stay as %s were); the next pass in %u s", ps->st->unrecorded,
	    ps->st->unrecorded == 1 ? "" : "s", ps->st->unrecorded == 1 ? "" : "s",
	    ps->st->unrecorded == 1 ? "it" : "they", b->wait_s);
}

/* The sessions the next pass may open: as many as were up when one was
 * refused, then one more after each pass that reached that many. */
static void
concurrency(struct pass *ps, unsigned want)
{
	struct runner_backoff *b = ps->p->backoff;

	if (b == NULL)
		return;
	if (ps->refused_at > 0) {
		b->sessions = ps->refused_at;
		return;
	}
	if (b->sessions > 0 && ps->st->sessions_peak >= b->sessions)
		b->sessions = b->sessions + 1 >= want ? 0 : b->sessions + 1;
}

int
runner_once(const struct runner_params *p, struct runner_stats *st, char err[ERR_LEN])
{
	struct pass ps;
	unsigned want = p->sessions == 0 ? 1 : p->sessions, i;
	char lerr[ERR_LEN];

	memset(st, 0, sizeof(*st));
	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.st = st;
	if (want > RUNNER_SESSIONS_MAX)
		want = RUNNER_SESSIONS_MAX;
	if (p->backoff != NULL && p->backoff->wait_s > 0 && clock_ms() < p->backoff->until_ms) {
		st->held = 1;
		return 0;
	}
	ps.limit = want;
	if (p->backoff != NULL && p->backoff->sessions > 0 && p->backoff->sessions < want)
		ps.limit = p->backoff->sessions;
	ps.now = (long long)time(NULL);
	if (p->only_ids == NULL && spool_scan_open(p->spool, &ps.scan, err) != 0)
		return -1;
	pthread_mutex_init(&ps.mu, NULL);
	pthread_mutex_init(&ps.hook_mu, NULL);
	session(&ps);
	for (i = 0; i < ps.nthreads; i++)
		pthread_join(ps.threads[i], NULL);
	/* given back and never taken (every session ended): they stay queued */
	st->remaining += ps.nback;
	for (i = 0; i < ps.nback; i++)
		free(ps.back[i]);
	free(ps.back);
	spool_scan_close(ps.scan);
	pthread_mutex_destroy(&ps.mu);
	pthread_mutex_destroy(&ps.hook_mu);
	if (ps.unsynced > 0 && spool_sync(p->spool, ps.unsynced_dirs, lerr) != 0)
		gwlog_line(p->log, "ERROR spool: %s", lerr);
	if (st->sessions > 1 && gwlog_verbose(p->log))
		gwlog_line(p->log, "Pass: %lu delivered, %lu deferred, %lu to bad/ over %u sessions "
		    "(%u at once at most)", st->delivered, st->deferred, st->bad, st->sessions,
		    st->sessions_peak);
	concurrency(&ps, want);
	backoff(&ps);
	if (ps.scan_failed) {
		snprintf(err, ERR_LEN, "%s", ps.scan_err);
		return -1;
	}
	return 0;
}

void
runner_stats_free(struct runner_stats *st)
{
	size_t i;

	for (i = 0; i < st->nbusy; i++)
		free(st->busy[i]);
	free(st->busy);
	st->busy = NULL;
	st->nbusy = 0;
}

long long
runner_next_due(struct spool *s, char err[ERR_LEN])
{
	struct spool_scan *sc;
	struct spool_scan_entry e;
	long long best = -1, now = (long long)time(NULL);
	int rc;

	if (spool_scan_open(s, &sc, err) != 0)
		return -1;
	while ((rc = spool_scan_next(sc, &e, err)) > 0) {
		long long wait = e.next_try_hint > now ? e.next_try_hint - now : 0;

		if (best < 0 || wait < best)
			best = wait;
		if (best == 0)
			break;
	}
	spool_scan_close(sc);
	return best;
}
