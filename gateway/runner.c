/* runner: one delivery pass over the queue (see runner.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runner.h"
#include "xmem.h"

/* Delivered messages whose removal may wait for one fsync of the directory. */
#define RUNNER_SYNC_EVERY	64

static void
report(const struct runner_params *p, struct runner_stats *st, const struct gwlog_event *ev,
    char *line, size_t linelen, int closed_socket)
{
	gwlog_event(p->log, ev, line, linelen);
	/* the error, then the close, as the original gateway logged them */
	if (closed_socket >= 0)
		gwlog_line(p->log, "SMTP_close(socket=%d)", closed_socket);
	st->failures++;
	if (p->on_failure != NULL)
		p->on_failure(p->arg, ev, line);
}

/* After a failed attempt: deferred, or bad/ with the retry-exceeded line. */
static void
after_failure(const struct runner_params *p, struct runner_stats *st, struct spool_msg *m,
    const char *line, int permanent)
{
	char err[ERR_LEN], path[PATH_MAX];
	int to_bad = permanent || m->attempts + 1 >= p->max_attempts;
	long long next = (long long)time(NULL) + p->retry_wait_s;

	if (spool_defer(p->spool, m, line, to_bad ? 0 : next, to_bad, err) != 0) {
		/* the message stays where it was: it will be tried again, and
		 * the pass did not empty the queue */
		gwlog_line(p->log, "ERROR spool: %s", err);
		st->remaining++;
		return;
	}
	if (!to_bad) {
		st->deferred++;
		return;
	}
	st->bad++;
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
		report(p, st, &ev, full, sizeof(full), -1);
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
split_refused(const struct runner_params *p, struct runner_stats *st,
    const struct spool_msg *m, const struct relay_rcpt *rr, const struct relay_failure *f)
{
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
		report(p, st, &ev, line, sizeof(line), -1);
		if (spool_split(p->spool, m, rcpts, n, line, next, to_bad, id, err) != 0) {
			gwlog_line(p->log, "ERROR spool: %s", err);
			rc = -1;
			break;
		}
		gwlog_line(p->log, "Message %s: %zu refused recipient%s %s as %s", m->id, n,
		    n == 1 ? "" : "s", to_bad ? "saved to bad/" : "queued again", id);
		if (to_bad)
			st->bad++;
		else
			st->deferred++;
	}
	free(rcpts);
	return rc;
}

static int
due(const struct runner_params *p, const struct spool_msg *m, long long now)
{
	if (p->only_id != NULL)
		return strcmp(m->id, p->only_id) == 0;
	return p->flush || m->next_try <= now;
}

int
runner_once(const struct runner_params *p, struct runner_stats *st, char err[ERR_LEN])
{
	struct spool_msg *list;
	struct relay *r = NULL;
	size_t n, i;
	long long now = (long long)time(NULL);
	unsigned unsynced = 0;
	struct relay_rcpt *codes = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	if (spool_list(p->spool, 0, &list, &n, NULL, NULL, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct relay_failure f;
		struct gwlog_event ev;
		struct spool_msg full;
		char line[ERR_LEN + RELAY_TEXT_MAX], lerr[ERR_LEN];

		if (!due(p, &list[i], now)) {
			if (p->only_id == NULL)	/* flush ID: the others do not count */
				st->remaining++;
			continue;
		}
		if (r == NULL && relay_open(&p->relay, &r, &f) != 0) {
			size_t j;

			relay_failure_event(&p->relay, &f, list[i].id, &ev);
			report(p, st, &ev, line, sizeof(line), f.closed_socket);
			/* the host is unreachable: every due message failed to go */
			for (j = i; j < n; j++)
				if (due(p, &list[j], now))
					after_failure(p, st, &list[j], line, 0);
				else if (p->only_id == NULL)
					st->remaining++;
			r = NULL;
			break;
		}
		if (spool_load(p->spool, list[i].id, 1, &full, lerr) != 0) {
			if (errno != ENOENT)
				gwlog_line(p->log, "ERROR spool: %s", lerr);
			continue;
		}
		full.state = list[i].state;
		free(codes);
		codes = xcalloc(full.nrcpts, sizeof(*codes));
		if ((rc = relay_send_some(r, &full, codes, &f)) >= 0) {
			size_t sent = full.nrcpts, k;

			for (k = 0; rc == 1 && k < full.nrcpts; k++)
				sent -= codes[k].code / 100 != 2;
			/* the refused recipients' copy first: removing m must not lose them */
			if (rc == 1 && split_refused(p, st, &full, codes, &f) != 0) {
				/* m stays: sent to all again later (duplicates, not a loss) */
			} else if (spool_done(p->spool, &full, 0, lerr) != 0)
				gwlog_line(p->log, "ERROR spool: %s", lerr);
			else
				gwlog_line(p->log, "Message %s sent to %zu recipient%s", full.id,
				    sent, sent == 1 ? "" : "s");
			st->delivered++;
			/* the removals are made durable together (spool.h): at most
			 * RUNNER_SYNC_EVERY of them can come back after a power cut */
			if (++unsynced >= RUNNER_SYNC_EVERY) {
				if (spool_sync(p->spool, lerr) != 0)
					gwlog_line(p->log, "ERROR spool: %s", lerr);
				unsynced = 0;
			}
		} else {
			relay_failure_event(&p->relay, &f, full.id, &ev);
			report(p, st, &ev, line, sizeof(line), f.closed_socket);
			after_failure(p, st, &full, line, f.permanent);
			if (f.session_dead) {
				relay_close(r);
				r = NULL;
			}
		}
		spool_msg_free(&full);
	}
	relay_close(r);
	free(codes);
	spool_list_free(list, n);
	if (unsynced > 0 && spool_sync(p->spool, err) != 0)
		gwlog_line(p->log, "ERROR spool: %s", err);
	return 0;
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
