/*
 * relay and runner: delivery to the project's fault peer (build/faultpeer,
 * through gwpeer.h) on loopback, and each of its faults: the legacy line,
 * the event, the message kept, and delivered once the peer is healthy.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "util/buf.h"
#include "gwlog.h"
#include "gwpeer.h"
#include "runner.h"
#include "spool.h"
#include "testutil.h"
#include "util/xmem.h"

/* One test's world: a spool, its logs, the peer's mail directory. */
struct world {
	char		*dir, *log, *events, *mail;
	struct spool	*spool;
	struct gwlog	*gwlog;
	struct runner_params rp;
	struct gwpeer	 peer;
};

static void
world_open(struct world *w, const char *name)
{
	struct buf b = BUF_INIT;
	struct gwlog_params lp;
	char err[ERR_LEN], *sp;

	memset(w, 0, sizeof(*w));
	w->dir = tu_scratch_path(name);
	ck_assert_int_eq(mkdir(w->dir, 0700), 0);
	buf_printf(&b, "%s/spool", w->dir);
	sp = buf_detach(&b);
	ck_assert_msg(spool_open(sp, &w->spool, err) == 0, "%s", err);
	free(sp);
	buf_printf(&b, "%s/gw.log", w->dir);
	w->log = buf_detach(&b);
	buf_printf(&b, "%s/events.json", w->dir);
	w->events = buf_detach(&b);
	buf_printf(&b, "%s/mail", w->dir);
	w->mail = buf_detach(&b);
	lp.log_path = w->log;
	lp.events_path = w->events;
	lp.verbose = 1;
	ck_assert_msg(gwlog_open(&lp, &w->gwlog, err) == 0, "%s", err);
	w->rp.spool = w->spool;
	w->rp.log = w->gwlog;
	w->rp.relay.host = "127.0.0.1";
	w->rp.relay.helo = "gw.test";
	w->rp.relay.connect_ms = 2000;
	w->rp.relay.reply_ms = 2000;
	w->rp.relay.data_ms = 2000;
	w->rp.relay.user_timeout_ms = 2000;
	w->rp.relay.log = w->gwlog;
	w->rp.max_attempts = 5;
	w->rp.retry_wait_s = 0;
}

static void
world_close(struct world *w)
{
	gwpeer_stop(&w->peer);
	gwlog_close(w->gwlog);
	spool_close(w->spool);
	free(w->dir);
	free(w->log);
	free(w->events);
	free(w->mail);
}

/* (Re)start the peer with fault; after is faultpeer's --after, or NULL. */
static void
peer_after(struct world *w, const char *fault, const char *after)
{
	gwpeer_stop(&w->peer);
	if (after != NULL)
		gwpeer_start(&w->peer, fault, w->mail, "--after", after, NULL);
	else
		gwpeer_start(&w->peer, fault, w->mail, NULL);
	w->rp.relay.port = w->peer.port;
}

static void
peer(struct world *w, const char *fault)
{
	peer_after(w, fault, NULL);
}

/* text with every LF made CR LF: what the peer stores (dot-unstuffed). */
static char *
crlf(const char *text)
{
	struct buf b = BUF_INIT;

	for (; *text; text++) {
		if (*text == '\n')
			buf_putc(&b, '\r');
		buf_putc(&b, *text);
	}
	return buf_detach(&b);
}

static void
queue_msg(struct world *w, const char *text, char id[SPOOL_ID_MAX])
{
	char *rcpts[] = { "bob@example.org" }, err[ERR_LEN], *d;
	size_t n;

	d = spool_wire(text, strlen(text), &n);
	ck_assert_msg(spool_put(w->spool, "alice@example.org", rcpts, 1, d, n, id, err) == 0,
	    "%s", err);
	free(d);
}

static void
run(struct world *w, struct runner_stats *st)
{
	char err[ERR_LEN];

	ck_assert_msg(runner_once(&w->rp, st, err) == 0, "%s", err);
}

static size_t
queued(struct world *w)
{
	struct spool_msg *list;
	size_t n;
	char err[ERR_LEN];

	ck_assert_int_eq(spool_list(w->spool, 0, &list, &n, NULL, NULL, err), 0);
	spool_list_free(list, n);
	return n;
}

/* The last event whose text starts with prefix (caller decrefs), or fail. */
static json_t *
event(struct world *w, const char *prefix)
{
	char *data = tu_read(w->events, NULL), *line, *save = NULL;
	json_t *found = NULL;

	for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		const char *t;

		ck_assert_msg(o != NULL, "not JSON: %s (%s)", line, je.text);
		t = json_string_value(json_object_get(o, "text"));
		ck_assert_ptr_nonnull(t);
		if (strncmp(t, prefix, strlen(prefix)) == 0) {
			json_decref(found);
			found = o;
		} else
			json_decref(o);
	}
	ck_assert_msg(found != NULL, "no event \"%s\" in:\n%s", prefix, tu_read(w->events, NULL));
	free(data);
	return found;
}

static const char *
str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "(none)";
}

static const char MSG[] = "From: alice@example.org\nTo: bob@example.org\nSubject: t\n\n"
    ".leading dot\nbody\n";

START_TEST(delivers_several_per_connection)
{
	struct world w;
	struct runner_stats st;
	char id[SPOOL_ID_MAX], *log, *got, *want;
	size_t len, i;

	world_open(&w, "ok");
	peer(&w, "none");
	queue_msg(&w, MSG, id);
	queue_msg(&w, MSG, id);
	queue_msg(&w, MSG, id);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 3);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_uint_eq(queued(&w), 0);
	ck_assert_uint_eq(gwpeer_count(w.mail), 3);
	log = tu_read(w.log, NULL);
	/* one connection; MAIL, RCPT and DATA sent before their replies */
	ck_assert_contains(log, "SMTP_open(");
	ck_assert_msg(strstr(strstr(log, "SMTP_open(") + 1, "SMTP_open(") == NULL,
	    "more than one connection:\n%s", log);
	ck_assert_contains(log, " [tx] MAIL FROM:<alice@example.org> SIZE=");
	ck_assert_contains(log, " [tx] MAIL FROM:<alice@example.org> SIZE=81\n [tx] RCPT "
	    "TO:<bob@example.org>\n [tx] DATA\n [rx] 250 2.1.0 Ok\n");
	ck_assert_contains(log, " [tx] QUIT\n");
	ck_assert_not_contains(log, "leading dot");	/* no body in the transcript */
	/* the peer got each message as it was submitted (CR LF on the wire) */
	want = crlf(MSG);
	for (i = 0; i < 3; i++) {
		got = gwpeer_message(w.mail, i, &len);
		ck_assert_uint_eq(len, strlen(want));
		ck_assert_str_eq(got, want);
		free(got);
	}
	free(want);
	free(log);
	world_close(&w);
}
END_TEST

START_TEST(helo_when_ehlo_refused)
{
	struct world w;
	struct runner_stats st;
	char id[SPOOL_ID_MAX], *log;

	world_open(&w, "helo");
	peer(&w, "ehlo-500");
	queue_msg(&w, MSG, id);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 1);
	log = tu_read(w.log, NULL);
	ck_assert_contains(log, " [rx] 500 Command not recognized\n [tx] HELO gw.test\n");
	ck_assert_contains(log, " [tx] MAIL FROM:<alice@example.org>\n [rx] 250 2.1.0 Ok\n");
	free(log);
	world_close(&w);
}
END_TEST

/* One fault: what the gateway must say, and where. */
struct fault {
	const char	*fault;		/* faultpeer's, or NULL for nothing listening */
	const char	*after;		/* faultpeer's --after N, or NULL */
	size_t		 body;		/* bytes of body (large: the write fails) */
	const char	*line;		/* the legacy line */
	const char	*companion;	/* the line after it, or NULL */
	const char	*phase;		/* one of these, "|"-separated */
	const char	*errno_names;	/* one of these, "|"-separated; NULL = none */
	int		 tcp;		/* a tcp_info snapshot is expected */
};

static const struct fault faults[] = {
	{ NULL, NULL, 0, "ERROR connect: (121) network error", NULL, "connect", "ECONNREFUSED",
	  0 },
	{ "reset", NULL, 0, "ERROR read: (52) Network dropped connection or reset", NULL,
	  "greeting", "ECONNRESET", 0 },
	{ "close-before-greeting", NULL, 0, "ERROR Network_read: Lost network connection",
	  "SMTP_recv: system error", "greeting", NULL, 1 },
	{ "greet-421", NULL, 0, "ERROR connection to smart host failed", NULL, "greeting", NULL,
	  1 },
	{ "greet-554", NULL, 0, "ERROR connection to smart host failed", NULL, "greeting", NULL,
	  1 },
	{ "close-after-greeting", NULL, 0, "ERROR Network_read: Lost network connection",
	  "SMTP_recv: system error", "helo", NULL, 1 },
	{ "silent", NULL, 0, "ERROR network_read: timed out", NULL, "greeting", "ETIMEDOUT", 1 },
	/* a FIN in the middle of the body: faultpeer drains the rest (a clean
	 * close), so the writes succeed and the reply to the dot is the end of
	 * the stream */
	{ "close-in-data", "1000", 8 << 20, "ERROR Network_read: Lost network connection",
	  "SMTP_recv: system error", "end-of-data", NULL, 1 },
	/* (the socket buffers may take the whole body: then the dot's write fails) */
	{ "reset-in-data", "1000", 8 << 20, "Error (119) Network Write Error", NULL,
	  "body|end-of-data", "EPIPE|ECONNRESET", 1 },
	{ "no-final-reply", NULL, 0, "ERROR network_read: timed out", NULL, "end-of-data",
	  "ETIMEDOUT", 1 },
	/* the peer stops reading after the 354: the body's writes stall */
	{ "no-read", NULL, 8 << 20, "ERROR write: (119) network error", NULL, "body",
	  "ETIMEDOUT", 1 },
	/* 421 to MAIL (reply 2 after the greeting), and to the final dot (reply 5:
	 * EHLO, MAIL, RCPT, DATA, the dot) */
	{ "reply-421", "2", 0, "ERROR Invalid response to MAIL: 421 4.3.0 faultpeer.test "
	  "Service not available, closing transmission channel", NULL, "mail", NULL, 1 },
	{ "reply-421", "5", 0, "ERROR Invalid response to .: 421 4.3.0 faultpeer.test "
	  "Service not available, closing transmission channel", NULL, "end-of-data", NULL, 1 },
};

START_TEST(each_fault_keeps_the_message)
{
	const struct fault *f = &faults[_i];
	struct world w;
	struct runner_stats st;
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *log, *text;
	json_t *ev, *tcp;

	{
		char name[64];

		snprintf(name, sizeof(name), "fault%d-%s", _i, f->fault ? f->fault : "nothing");
		world_open(&w, name);
	}
	w.rp.relay.reply_ms = 500;	/* the silent peer */
	w.rp.relay.data_ms = 500;	/* no reply to the dot */
	if (f->fault)
		peer_after(&w, f->fault, f->after);
	else
		w.rp.relay.port = tu_refused_port();
	if (f->body) {
		struct buf b = BUF_INIT;

		buf_puts(&b, "Subject: big\n\n");
		while (b.len < f->body)
			buf_puts(&b, "0123456789012345678901234567890123456789012345678901234567890123"
			    "456789\n");
		text = buf_detach(&b);
	} else
		text = xstrdup(MSG);
	queue_msg(&w, text, id);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 0);
	ck_assert_uint_eq(st.deferred, 1);
	ck_assert_uint_eq(st.failures, 1);
	/* the message is still there, one attempt older, with the error */
	ck_assert_msg(spool_load(w.spool, id, 0, &m, err) == 0, "%s", err);
	ck_assert_int_eq(m.state, SPOOL_DEFERRED);
	ck_assert_uint_eq(m.attempts, 1);
	ck_assert_str_eq(m.last_error, f->line);
	spool_msg_free(&m);
	/* the legacy line(s) */
	log = tu_read(w.log, NULL);
	{
		struct buf want = BUF_INIT;

		buf_printf(&want, " - %s\n", f->line);
		ck_assert_contains(log, buf_str(&want));
		if (f->companion) {
			char *at = strstr(log, buf_str(&want)) + want.len;

			ck_assert_msg(strncmp(at + 11, f->companion, strlen(f->companion)) == 0,
			    "no \"%s\" after \"%s\" in:\n%s", f->companion, f->line, log);
		}
		buf_free(&want);
	}
	free(log);
	/* the event */
	ev = event(&w, f->line);
	ck_assert_msg(strstr(f->phase, str(ev, "phase")) != NULL, "phase %s, want %s",
	    str(ev, "phase"), f->phase);
	ck_assert_str_eq(str(ev, "class"), "tempfail");
	ck_assert_str_eq(str(ev, "peer"), "127.0.0.1");
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "port")), w.rp.relay.port);
	ck_assert_str_eq(str(ev, "queue_id"), id);
	if (f->errno_names)
		ck_assert_msg(strstr(f->errno_names, str(ev, "errno")) != NULL,
		    "errno %s, want %s", str(ev, "errno"), f->errno_names);
	tcp = json_object_get(ev, "tcp_info");
	if (f->tcp) {
		static const char *const keys[] = { "unacked", "outq_bytes", "notsent_bytes",
		    "retransmits", "total_retrans", "snd_wnd", "rtt_us", "last_ack_ms",
		    "last_data_sent_ms", "bytes_acked", "bytes_sent" };
		size_t k;

		ck_assert_msg(json_is_object(tcp), "no tcp_info for %s", f->line);
		ck_assert_msg(json_is_string(json_object_get(tcp, "state")), "no state");
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ck_assert_msg(json_is_integer(json_object_get(tcp, keys[k])),
			    "tcp_info.%s missing", keys[k]);
		ck_assert_uint_eq(json_object_size(tcp), 12);
	}
	if (f->fault && strcmp(f->fault, "no-final-reply") == 0) {
		/* the peer's TCP took everything; its server did not answer */
		ck_assert_int_eq(json_integer_value(json_object_get(tcp, "outq_bytes")), 0);
		ck_assert_int_eq(json_integer_value(json_object_get(tcp, "unacked")), 0);
		ck_assert_str_eq(str(tcp, "state"), "ESTABLISHED");
		size_t wlen;
		char *wire = spool_wire(MSG, strlen(MSG), &wlen);

		/* all of the wire form (CRLF, the dot doubled) */
		ck_assert_int_eq(json_integer_value(json_object_get(ev, "bytes_sent")),
		    (json_int_t)wlen);
		free(wire);
	}
	json_decref(ev);
	/* and it goes once the peer is well again (with deadlines that a slow
	 * machine or a sanitizer build cannot reach: the big body takes a while) */
	w.rp.relay.reply_ms = 20000;
	w.rp.relay.data_ms = 20000;
	peer(&w, "none");
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 1);
	ck_assert_uint_eq(queued(&w), 0);
	ck_assert_uint_eq(gwpeer_count(w.mail), 1);
	/* whole: none of the failed attempt's bytes got into it */
	{
		char *want = crlf(text), *got;
		size_t len;

		got = gwpeer_message(w.mail, 0, &len);
		ck_assert_uint_eq(len, strlen(want));
		ck_assert_msg(memcmp(got, want, len) == 0, "the message changed on the way");
		free(got);
		free(want);
	}
	free(text);
	world_close(&w);
}
END_TEST

START_TEST(bare_lf_is_a_warning)
{
	struct world w;
	struct runner_stats st;
	char id[SPOOL_ID_MAX], *log;
	json_t *ev;

	world_open(&w, "barelf");
	peer(&w, "bare-lf");
	queue_msg(&w, MSG, id);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 1);
	log = tu_read(w.log, NULL);
	ck_assert_contains(log, " - WARNING getline: NL with no CR\n");
	free(log);
	ev = event(&w, "WARNING getline: NL with no CR");
	ck_assert_str_eq(str(ev, "phase"), "greeting");
	json_decref(ev);
	world_close(&w);
}
END_TEST

START_TEST(refused_recipient_goes_to_bad)
{
	struct world w;
	struct runner_stats st;
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN];
	json_t *ev;

	world_open(&w, "rcpt550");
	peer(&w, "rcpt-550");
	queue_msg(&w, MSG, id);
	queue_msg(&w, MSG, id);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 0);
	ck_assert_uint_eq(st.bad, 2);
	ck_assert_int_eq(spool_load(w.spool, id, 0, &m, err), 0);
	ck_assert_int_eq(m.state, SPOOL_BAD);
	spool_msg_free(&m);
	ev = event(&w, "ERROR Invalid response to RCPT: 550 5.1.1 <bob@example.org>: "
	    "Recipient address rejected: User unknown");
	ck_assert_str_eq(str(ev, "class"), "permfail");
	ck_assert_str_eq(str(ev, "phase"), "rcpt");
	json_decref(ev);
	ck_assert_uint_eq(gwpeer_count(w.mail), 0);
	world_close(&w);
}
END_TEST

START_TEST(retries_exhausted)
{
	struct world w;
	struct runner_stats st;
	struct spool_msg m;
	char id[SPOOL_ID_MAX], err[ERR_LEN], *log;
	json_t *ev;

	world_open(&w, "retries");
	w.rp.relay.port = tu_refused_port();
	w.rp.max_attempts = 3;
	queue_msg(&w, MSG, id);
	run(&w, &st);
	run(&w, &st);
	ck_assert_uint_eq(st.deferred, 1);
	run(&w, &st);
	ck_assert_uint_eq(st.bad, 1);
	ck_assert_int_eq(spool_load(w.spool, id, 0, &m, err), 0);
	ck_assert_int_eq(m.state, SPOOL_BAD);
	ck_assert_uint_eq(m.attempts, 3);
	spool_msg_free(&m);
	log = tu_read(w.log, NULL);
	ck_assert_contains(log, " - Warning SMTP output retry count exceeded saving to ");
	ck_assert_contains(log, "/spool/bad/");
	free(log);
	ev = event(&w, "Warning SMTP output retry count exceeded saving to ");
	ck_assert_str_eq(str(ev, "class"), "permfail");
	ck_assert_str_eq(str(ev, "queue_id"), id);
	json_decref(ev);
	/* not due: a deferred message waits for its next try */
	w.rp.retry_wait_s = 3600;
	queue_msg(&w, MSG, id);
	run(&w, &st);
	ck_assert_uint_eq(st.deferred, 1);
	run(&w, &st);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_uint_eq(st.remaining, 1);
	world_close(&w);
}
END_TEST

/* flush ID: that message only, whatever its next try. */
START_TEST(flush_one)
{
	struct world w;
	struct runner_stats st;
	char a[SPOOL_ID_MAX], b[SPOOL_ID_MAX];

	world_open(&w, "flush1");
	w.rp.relay.port = tu_refused_port();
	w.rp.retry_wait_s = 3600;
	queue_msg(&w, MSG, a);
	queue_msg(&w, MSG, b);
	run(&w, &st);
	ck_assert_uint_eq(st.deferred, 2);
	peer(&w, "none");
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 0);	/* not due */
	{
		char *only[] = { b };

		w.rp.only_ids = only;
		w.rp.nonly = 1;
		run(&w, &st);
	}
	ck_assert_uint_eq(st.delivered, 1);
	ck_assert_uint_eq(st.remaining, 0);
	ck_assert_uint_eq(queued(&w), 1);
	w.rp.only_ids = NULL;
	w.rp.nonly = 0;
	w.rp.flush = 1;
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 1);
	ck_assert_uint_eq(queued(&w), 0);
	ck_assert_uint_eq(gwpeer_count(w.mail), 2);
	world_close(&w);
}
END_TEST

/* n messages, each with its own "X-Seq: i" line. */
static void
queue_numbered(struct world *w, size_t n)
{
	char id[SPOOL_ID_MAX], text[128];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "Subject: parallel\nX-Seq: %zu\n\nbody %zu\n", i, i);
		queue_msg(w, text, id);
	}
}

/* Each numbered message stored by the peer exactly once. */
static void
each_arrived_once(struct world *w, size_t n)
{
	unsigned *got = xcalloc(n, sizeof(*got));
	size_t i, stored = gwpeer_count(w->mail);

	ck_assert_msg(stored == n, "the peer stored %zu messages of %zu", stored, n);
	for (i = 0; i < stored; i++) {
		size_t len, seq;
		char *m = gwpeer_message(w->mail, i, &len), *x = strstr(m, "X-Seq: ");

		ck_assert_msg(x != NULL && sscanf(x, "X-Seq: %zu", &seq) == 1 && seq < n,
		    "message %zu has no X-Seq:\n%s", i, m);
		got[seq]++;
		free(m);
	}
	for (i = 0; i < n; i++)
		ck_assert_msg(got[i] == 1, "message %zu arrived %u times", i, got[i]);
	free(got);
}

/*
 * Several sessions at once: every message goes once, through more than one
 * session open at the same time, and the spool is empty.
 */
START_TEST(parallel_sessions_send_each_once)
{
	struct world w;
	struct runner_stats st;
	char *log;

	world_open(&w, "parallel");
	peer(&w, "none");
	queue_numbered(&w, 200);
	w.rp.sessions = 4;
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 200);
	ck_assert_uint_eq(st.failures, 0);
	ck_assert_uint_eq(st.nbusy, 0);
	ck_assert_msg(st.sessions >= 2 && st.sessions <= 4, "%u sessions", st.sessions);
	ck_assert_msg(st.sessions_peak >= 2, "never two sessions at once (%u opened)",
	    st.sessions);
	ck_assert_uint_eq(queued(&w), 0);
	each_arrived_once(&w, 200);
	log = tu_read(w.log, NULL);
	ck_assert_contains(log, "Pass: 200 delivered, 0 deferred, 0 to bad/ over ");
	free(log);
	/* a queue shorter than the sessions opens no more sessions than messages */
	queue_numbered(&w, 1);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 1);
	ck_assert_uint_eq(st.sessions, 1);
	world_close(&w);
}
END_TEST

/*
 * A smart host that takes two sessions from us at most (421 to the others):
 * the refused sessions give their messages back unattempted, the others
 * send everything once, and the next passes open no more than were up.
 */
START_TEST(parallel_sessions_over_the_hosts_limit)
{
	struct world w;
	struct runner_stats st;
	struct runner_backoff b;
	struct spool_msg *list;
	size_t n;
	char err[ERR_LEN], *log;
	json_t *ev;

	world_open(&w, "limit");
	gwpeer_start(&w.peer, "none", w.mail, "--max-concurrent", "2", NULL);
	w.rp.relay.port = w.peer.port;
	queue_numbered(&w, 120);
	memset(&b, 0, sizeof(b));
	w.rp.backoff = &b;
	w.rp.sessions = 6;
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 120);
	ck_assert_uint_eq(st.deferred, 0);
	ck_assert_msg(st.sessions_refused >= 1, "no session was refused (%u opened, %u at once)",
	    st.sessions, st.sessions_peak);
	ck_assert_uint_eq(st.failures, st.sessions_refused);
	ck_assert_int_eq(spool_list(w.spool, 1, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 0);
	spool_list_free(list, n);
	each_arrived_once(&w, 120);
	ev = event(&w, "ERROR connection to smart host failed");
	ck_assert_str_eq(str(ev, "last_reply"), "421 4.7.0 faultpeer.test too many sessions");
	ck_assert_ptr_null(json_object_get(ev, "queue_id"));
	json_decref(ev);
	log = tu_read(w.log, NULL);
	ck_assert_contains(log, "Session refused while ");
	free(log);
	ck_assert_msg(b.sessions >= 1 && b.sessions <= 2, "the next pass may open %u", b.sessions);
	world_close(&w);
}
END_TEST

/* Nothing listens: one event for the pass, each message one attempt. */
START_TEST(parallel_sessions_host_down)
{
	struct world w;
	struct runner_stats st;
	struct spool_msg *list;
	size_t n, i;
	char err[ERR_LEN];

	world_open(&w, "down");
	w.rp.relay.port = tu_refused_port();
	queue_numbered(&w, 10);
	w.rp.sessions = 4;
	run(&w, &st);
	ck_assert_uint_eq(st.deferred, 10);
	ck_assert_uint_eq(st.failures, 1);
	ck_assert_uint_eq(st.sessions, 0);
	ck_assert_int_eq(spool_list(w.spool, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 10);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(list[i].state, SPOOL_DEFERRED);
		ck_assert_uint_eq(list[i].attempts, 1);
		ck_assert_str_eq(list[i].last_error, "ERROR connect: (121) network error");
	}
	spool_list_free(list, n);
	world_close(&w);
}
END_TEST

/*
 * A failure under every message (421 to the final dot: the session ends),
 * with four sessions: each message is attempted once in the pass, never by
 * two sessions, with one event each.
 */
START_TEST(parallel_sessions_each_failure_once)
{
	struct world w;
	struct runner_stats st;
	struct spool_msg *list;
	size_t n, i;
	char err[ERR_LEN];

	world_open(&w, "fail");
	peer_after(&w, "reply-421", "5");
	queue_numbered(&w, 24);
	w.rp.sessions = 4;
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 0);
	ck_assert_uint_eq(st.deferred, 24);
	ck_assert_uint_eq(st.failures, 24);
	ck_assert_int_eq(spool_list(w.spool, 0, &list, &n, NULL, NULL, err), 0);
	ck_assert_uint_eq(n, 24);
	for (i = 0; i < n; i++)
		ck_assert_msg(list[i].attempts == 1, "%s: %u attempts", list[i].id,
		    list[i].attempts);
	spool_list_free(list, n);
	world_close(&w);
}
END_TEST

/*
 * The scan's hint: a deferred message whose next try is later is passed
 * over without being claimed; a file whose time is later than any deferral
 * could have set (a clock that went back, a copy) is claimed, and its
 * header decides.
 */
START_TEST(next_try_hint)
{
	struct world w;
	struct runner_stats st;
	struct spool_claim *c;
	char id[SPOOL_ID_MAX], id2[SPOOL_ID_MAX], err[ERR_LEN], *path;
	struct timespec ts[2];
	struct buf b = BUF_INIT;
	long long due;

	world_open(&w, "hint");
	peer(&w, "none");
	w.rp.retry_wait_s = 600;
	queue_msg(&w, MSG, id);
	queue_msg(&w, MSG, id2);
	ck_assert_int_eq(spool_claim(w.spool, id, &c, err), SPOOL_CLAIMED);
	ck_assert_int_eq(spool_claim_defer(c, "ERROR x", (long long)time(NULL) + 300, 0, err), 0);
	spool_release(c);
	ck_assert_int_eq(spool_claim(w.spool, id2, &c, err), SPOOL_CLAIMED);
	ck_assert_int_eq(spool_claim_defer(c, "ERROR x", (long long)time(NULL) - 5, 0, err), 0);
	spool_release(c);
	/* id2 is due by its header, but its file says a day from now */
	buf_printf(&b, "%s/deferred/%s", spool_dir(w.spool), id2);
	path = buf_detach(&b);
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_sec = time(NULL) + 86400;
	ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	/* the next due, from the hints alone: id's, in 300 s */
	due = runner_next_due(w.spool, err);
	ck_assert_msg(due >= 295 && due <= 300, "next due in %lld s", due);
	run(&w, &st);
	ck_assert_uint_eq(st.delivered, 1);	/* id2 */
	ck_assert_uint_eq(st.remaining, 1);	/* id, by its hint */
	ck_assert_uint_eq(queued(&w), 1);
	free(path);
	world_close(&w);
}
END_TEST

Suite *
relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("relay");

	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, delivers_several_per_connection);
	tcase_add_test(tc, helo_when_ehlo_refused);
	tcase_add_loop_test(tc, each_fault_keeps_the_message, 0,
	    (int)(sizeof(faults) / sizeof(faults[0])));
	tcase_add_test(tc, bare_lf_is_a_warning);
	tcase_add_test(tc, refused_recipient_goes_to_bad);
	tcase_add_test(tc, retries_exhausted);
	tcase_add_test(tc, flush_one);
	tcase_add_test(tc, parallel_sessions_send_each_once);
	tcase_add_test(tc, parallel_sessions_over_the_hosts_limit);
	tcase_add_test(tc, parallel_sessions_host_down);
	tcase_add_test(tc, parallel_sessions_each_failure_once);
	tcase_add_test(tc, next_try_hint);
	suite_add_tcase(s, tc);
	return s;
}
