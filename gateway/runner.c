/* runner: one delivery pass over the queue (see runner.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "transport.h"
#include "xmem.h"

/* Delivered messages whose removal may wait for one fsync of the directory. */
#define RUNNER_SYNC_EVERY	64

static int
stopping(const struct runner_params *p)
{
	return p->stop != NULL && *p->stop;
}

/* The pass's state beyond its stats. */
struct pass {
	const struct runner_params *p;
	struct runner_stats	*st;
	char			 first_unrecorded[ERR_LEN];	/* logged once a pass */
	size_t			 busy_cap;
};

static void
report(struct pass *ps, const struct gwlog_event *ev, char *line, size_t linelen,
    int closed_socket)
{
	const struct runner_params *p = ps->p;

	gwlog_event(p->log, ev, line, linelen);
	/* the error, then the close, as the original gateway logged them */
	if (closed_socket >= 0)
		gwlog_line(p->log, "SMTP_close(socket=%d)", closed_socket);
	ps->st->failures++;
	if (p->on_failure != NULL)
		p->on_failure(p->arg, ev, line);
}

/* A spool write that failed: the first of the pass is logged at its end. */
static void
unrecorded(struct pass *ps, const char *err)
{
	if (ps->st->unrecorded++ == 0)
		snprintf(ps->first_unrecorded, sizeof(ps->first_unrecorded), "%s", err);
	ps->st->remaining++;
}

static void
busy(struct pass *ps, const char *id)
{
	struct runner_stats *st = ps->st;

	st->busy = xgrow(st->busy, &ps->busy_cap, st->nbusy + 1, sizeof(*st->busy));
	st->busy[st->nbusy++] = xstrdup(id);
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
		ps->st->deferred++;
		if (gwlog_verbose(p->log))
			gwlog_line(p->log, "Message %s deferred (attempt %u), next try in %u s", m->id,
			    m->attempts, p->retry_wait_s);
		return;
	}
	if (gwlog_verbose(p->log))
		gwlog_line(p->log, "Message %s moved to bad/ (attempt %u)", m->id, m->attempts);
	ps->st->bad++;
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
	char line[ERR_LEN + RELAY_TEXT_MAX], err[ERR_LEN], id[SPOOL_ID_MAX];
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
		if (to_bad)
			ps->st->bad++;
		else
			ps->st->deferred++;
	}
	free(rcpts);
	return rc;
}

static int
due(const struct runner_params *p, const struct spool_msg *m, long long now)
{
	size_t i;

	if (p->only_ids != NULL) {
		for (i = 0; i < p->nonly; i++)
			if (strcmp(m->id, p->only_ids[i]) == 0)
				return 1;
		return 0;
	}
	return p->flush || m->next_try <= now;
}

/*
 * Claim list[i] for an attempt: the claim, or NULL when the message is not
 * ours to try (busy: noted; gone: delivered meanwhile; unreadable: moved to
 * bad/).
 */
static struct spool_claim *
claim(struct pass *ps, const struct spool_msg *m)
{
	const struct runner_params *p = ps->p;
	struct spool_claim *c;
	char err[ERR_LEN];

	switch (spool_claim(p->spool, m->id, &c, err)) {
	case SPOOL_CLAIMED:
		return c;
	case SPOOL_BUSY:
		busy(ps, m->id);
		return NULL;
	case SPOOL_CLAIM_BAD:
		gwlog_line(p->log, "ERROR spool: moved to bad/: %s", err);
		ps->st->bad++;
		return NULL;
	case SPOOL_GONE:
		return NULL;
	default:
		gwlog_line(p->log, "ERROR spool: %s", err);
		ps->st->remaining++;
		return NULL;
	}
}

/* The host could not be reached: every due message from list[from] on failed
 * to go (each under its claim; c is list[from]'s). */
static void
all_failed(struct pass *ps, struct spool_msg *list, size_t n, size_t from,
    struct spool_claim *c, const char *line, long long now)
{
	const struct runner_params *p = ps->p;
	size_t j;

	after_failure(ps, c, line, 0);
	spool_release(c);
	for (j = from + 1; j < n; j++) {
		if (!due(p, &list[j], now)) {
			if (p->only_ids == NULL)
				ps->st->remaining++;
			continue;
		}
		if (stopping(p)) {
			ps->st->interrupted = 1;
			ps->st->remaining++;
			continue;
		}
		if ((c = claim(ps, &list[j])) == NULL)
			continue;
		after_failure(ps, c, line, 0);
		spool_release(c);
	}
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
	gwlog_line(p->log, "ERROR spool: %s", ps->first_unrecorded);
	if (b == NULL)
		return;
	b->wait_s = b->wait_s == 0 ? 1 : b->wait_s * 2;
	if (b->wait_s > RUNNER_BACKOFF_MAX_S)
		b->wait_s = RUNNER_BACKOFF_MAX_S;
	b->until_ms = transport_now_ms() + b->wait_s * 1000LL;
	gwlog_line(p->log, "Spool: %lu failed attempt%s could not be recorded (the message%s "
	    "stay as %s were); the next pass in %u s", ps->st->unrecorded,
	    ps->st->unrecorded == 1 ? "" : "s", ps->st->unrecorded == 1 ? "" : "s",
	    ps->st->unrecorded == 1 ? "it" : "they", b->wait_s);
}

int
runner_once(const struct runner_params *p, struct runner_stats *st, char err[ERR_LEN])
{
	struct spool_msg *list;
	struct relay *r = NULL;
	struct pass ps;
	size_t n, i;
	long long now = (long long)time(NULL);
	unsigned unsynced = 0;
	struct relay_rcpt *codes = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.st = st;
	if (p->backoff != NULL && p->backoff->wait_s > 0 && transport_now_ms() < p->backoff->until_ms) {
		st->held = 1;
		return 0;
	}
	if (spool_list(p->spool, 0, &list, &n, NULL, NULL, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct relay_failure f;
		struct gwlog_event ev;
		struct spool_claim *c;
		struct spool_msg *m;
		char line[ERR_LEN + RELAY_TEXT_MAX], lerr[ERR_LEN];

		if (!due(p, &list[i], now)) {
			if (p->only_ids == NULL)	/* flush ID: the others do not count */
				st->remaining++;
			continue;
		}
		if (stopping(p)) {
			st->interrupted = 1;
			st->remaining++;
			continue;
		}
		if ((c = claim(&ps, &list[i])) == NULL)
			continue;
		m = spool_claim_msg(c);
		if (gwlog_verbose(p->log))
			gwlog_line(p->log, "Delivering message %s (attempt %u)", m->id,
			    m->attempts + 1);
		if (r == NULL && relay_open(&p->relay, &r, &f) != 0) {
			r = NULL;
			if (f.interrupted) {
				if (f.closed_socket >= 0)
					gwlog_line(p->log, "SMTP_close(socket=%d)", f.closed_socket);
				gwlog_line(p->log, "Message %s: stopped before it went; it stays "
				    "queued", m->id);
				spool_release(c);
				st->interrupted = 1;
				st->remaining++;
				continue;
			}
			relay_failure_event(&p->relay, &f, m->id, &ev);
			report(&ps, &ev, line, sizeof(line), f.closed_socket);
			/* the host is unreachable: every due message failed to go */
			all_failed(&ps, list, n, i, c, line, now);
			break;
		}
		free(codes);
		codes = xcalloc(m->nrcpts, sizeof(*codes));
		if ((rc = relay_send_some(r, m, codes, &f)) >= 0) {
			size_t sent = m->nrcpts, k;

			for (k = 0; rc == 1 && k < m->nrcpts; k++)
				sent -= codes[k].code / 100 != 2;
			/* the refused recipients' copy first: removing m must not lose them */
			if (rc == 1 && split_refused(&ps, m, codes, &f) != 0) {
				/* m stays: sent to all again later (duplicates, not a loss) */
			} else if (spool_claim_done(c, 0, lerr) != 0)
				gwlog_line(p->log, "ERROR spool: %s", lerr);
			else
				gwlog_line(p->log, "Message %s sent to %zu recipient%s", m->id,
				    sent, sent == 1 ? "" : "s");
			st->delivered++;
			/* the removals are made durable together (spool.h): at most
			 * RUNNER_SYNC_EVERY of them can come back after a power cut */
			if (++unsynced >= RUNNER_SYNC_EVERY) {
				if (spool_sync(p->spool, lerr) != 0)
					gwlog_line(p->log, "ERROR spool: %s", lerr);
				unsynced = 0;
			}
		} else if (f.interrupted) {
			/* a stop, not the host's failure: no event, no attempt counted */
			if (f.closed_socket >= 0)
				gwlog_line(p->log, "SMTP_close(socket=%d)", f.closed_socket);
			gwlog_line(p->log, "Message %s: delivery stopped in the %s phase; it stays "
			    "queued", m->id, relay_state_phase(f.state) ? relay_state_phase(f.state) :
			    relay_state_to_text(f.state));
			relay_close(r);
			r = NULL;
			st->interrupted = 1;
			st->remaining++;
		} else {
			relay_failure_event(&p->relay, &f, m->id, &ev);
			report(&ps, &ev, line, sizeof(line), f.closed_socket);
			after_failure(&ps, c, line, f.permanent);
			if (f.session_dead) {
				relay_close(r);
				r = NULL;
			}
		}
		spool_release(c);
	}
	relay_close(r);
	free(codes);
	spool_list_free(list, n);
	if (unsynced > 0 && spool_sync(p->spool, err) != 0)
		gwlog_line(p->log, "ERROR spool: %s", err);
	backoff(&ps);
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
	struct spool_msg *list;
	size_t n, i;
	long long best = -1, now = (long long)time(NULL);

	if (spool_list(s, 0, &list, &n, NULL, NULL, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		long long wait = list[i].next_try > now ? list[i].next_try - now : 0;

		if (best < 0 || wait < best)
			best = wait;
	}
	spool_list_free(list, n);
	return best;
}
