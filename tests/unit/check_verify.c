/*
 * check_verify: kbdiag verify (verify.h) on a saved diagnosis, a DOS tree in
 * the scratch directory, the fake probe transport for the SMTP chain and a
 * real log file to watch; the history it appends (render_history.h) through
 * replay and back; --for's durations (duration.h); the command line.
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/duration.h"
#include "fix.h"
#include "smtp/transport_fake.h"
#include "render.h"
#include "render_history.h"
#include "replay.h"
#include "testutil.h"
#include "verify.h"
#include "util/xmem.h"

static struct kb *kb;
static struct matcher *m;

static void
setup(void)
{
	tu_scratch_setup();
	kb = tu_kb();
	m = tu_matcher(kb);
}

static void
teardown(void)
{
	match_free(m);
	kb_free(kb);
	tu_scratch_teardown();
}

#define LOG_119 "09:19:40 - SMTP_open(socket=257)\n [rx] 220 MVS1.EXAMPLE.COM running IBM " \
	"TCP/IP V2R2 SMTP Server\n [tx] DATA\n [rx] 354 go ahead\n" \
	"09:19:42 - Error (119) Network Write Error\n"
#define INI "[PROTMAN]\r\nDRIVERNAME = PROTMAN$\r\n[TCPIP]\r\nDRIVERNAME = TCPIP$\r\n"

/*
 * The write error of Q123827 at 127.0.0.1:2525, diagnosed offline with the
 * peer's product observed as IBM TCP/IP V2R2: peer-requires-push stands.
 * Returns the saved JSON (caller frees).
 */
static char *
saved_json(const char *name)
{
	struct tu_run r;
	char *log = tu_scratch_path(name), *s;
	json_t *root, *obs;
	json_error_t je;

	tu_write_str(log, LOG_119);
	tu_kbdiag(&r, NULL, 0, "--format", "json", "--smarthost", "127.0.0.1:2525", "diagnose",
	    log, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	root = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(root);
	obs = json_object_get(json_array_get(json_object_get(root, "incidents"), 0),
	    "observations");
	json_array_append_new(obs, json_pack("{s:s, s:s, s:s, s:s}", "source", "peer-product",
	    "value", "ibm-tcpip-v2r2", "origin", "probe", "detail", "IBM TCP/IP V2R2"));
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	tu_run_free(&r);
	free(log);
	return s;
}

static struct diagnosis *
saved(const char *name)
{
	char *s = saved_json(name), err[ERR_LEN];
	struct diagnosis *d;

	ck_assert_msg(replay_load(s, strlen(s), kb, &d, err) == 0, "%s", err);
	ck_assert_str_eq(d->incidents[0].causes[0].id, "peer-requires-push");
	free(s);
	return d;
}

/* A DOS tree; with push, ForcePushBit=1 applied by kbdiag fix (so journalled). */
static char *
tree(const char *name, int push)
{
	char *root = tu_scratch_path(name), err[ERR_LEN];

	ck_assert_int_eq(mkdir(root, 0755), 0);
	tu_write_in(root, "PROTOCOL.INI", INI);
	if (push) {
		struct diagnosis *d = saved("push.log");
		struct fix_plan *p;
		struct buf msg = BUF_INIT;

		ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
		ck_assert_uint_eq(p->nedits, 1);
		ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
		fix_plan_free(p);
		buf_free(&msg);
		diag_free(d);
	}
	return root;
}

static void
params(struct verify_params *p, const char *root, struct transport_fake *fake)
{
	memset(p, 0, sizeof(*p));
	p->kb = kb;
	p->matcher = m;
	p->probe.dos_root = root;
	p->probe.timeout_ms = 1000;
	p->probe.offline = fake == NULL;
	p->probe.helo_name = "probe.test";
	if (fake != NULL) {
		/* the saved smart host's port (2525) is no smart-host port of the
		 * rule base: probed only when named, as verify --smarthost does */
		p->smarthost = "127.0.0.1";
		p->smarthost_port = 2525;
		p->probe.transport = &transport_fake;
		p->probe.transport_arg = fake;
		p->probe.resend_from = "probe@gw.test";
		p->probe.resend_to = "postmaster@mx.test";
	}
}

/* The verdict's observation of source (NULL: none). */
static const struct diag_observation *
seen(const struct diag_verdict *v, const char *source)
{
	size_t i;

	for (i = 0; i < v->nseen; i++)
		if (strcmp(v->seen[i].source, source) == 0)
			return &v->seen[i];
	return NULL;
}

START_TEST(not_in_place_is_not_fixed)
{
	struct diagnosis *d = saved("a.log");
	char *root = tree("a", 0), err[ERR_LEN];
	struct verify_params p;
	const struct diag_history *h;
	const struct diag_verdict *v;

	params(&p, root, NULL);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	ck_assert_uint_eq(d->nhistory, 1);
	ck_assert_str_eq(h->outcome, "not-fixed");
	ck_assert_uint_eq(h->napplied, 0);
	v = &h->verdicts[0];
	ck_assert_str_eq(v->cause, "peer-requires-push");
	ck_assert_contains(v->why, "not in place");
	ck_assert_str_eq(seen(v, "force-push-bit")->value, "not-in-place");
	ck_assert_str_eq(seen(v, "protocol-ini")->value, "force-push-off");
	/* The next cause is the same: its fix is to be applied. */
	ck_assert_str_eq(v->next_cause, "peer-requires-push");
	ck_assert_uint_eq(v->nnext_fixes, 1);
	ck_assert_str_eq(v->next_fixes[0], "force-push-bit");
	ck_assert_uint_ge(v->nnext_steps, 1);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(in_place_without_proof_is_inconclusive)
{
	struct diagnosis *d = saved("b.log");
	char *root = tree("b", 1), err[ERR_LEN];
	struct verify_params p;
	const struct diag_history *h;

	params(&p, root, NULL);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	ck_assert_str_eq(h->outcome, "inconclusive");
	ck_assert_contains(h->verdicts[0].why, "the fix is in place");
	ck_assert_str_eq(seen(&h->verdicts[0], "force-push-bit")->value, "in-place");
	ck_assert_ptr_null(h->verdicts[0].next_cause);
	/* What was applied, from the journal. */
	ck_assert_uint_eq(h->napplied, 1);
	ck_assert_str_eq(h->applied[0].fix, "force-push-bit");
	ck_assert_str_eq(h->applied[0].path, "PROTOCOL.INI");
	ck_assert_ptr_nonnull(h->applied_when);
	diag_free(d);
	free(root);
}
END_TEST

#define SAY(t)		{ FAKE_SAY, (t), 0 }
#define EXPECT(t)	{ FAKE_EXPECT, (t), 0 }
#define GREET		SAY("220 MVS1.EXAMPLE.COM running IBM TCP/IP V2R2 SMTP Server\r\n")
#define EHLO_OK		EXPECT("EHLO probe.test"), SAY("250 MVS1.EXAMPLE.COM\r\n")
#define QUIT_OK		EXPECT("QUIT"), SAY("221 bye\r\n")
#define TO_DOT		GREET, EHLO_OK, EXPECT("MAIL FROM:<probe@gw.test>"), SAY("250 ok\r\n"), \
	EXPECT("RCPT TO:<postmaster@mx.test>"), SAY("250 ok\r\n"), EXPECT("DATA"), \
	SAY("354 go ahead\r\n"), { FAKE_MESSAGE, NULL, 0 }

START_TEST(test_message_through_is_fixed)
{
	static const struct transport_fake_step script[] = { TO_DOT, SAY("250 queued\r\n"), QUIT_OK };
	struct transport_fake *fake = transport_fake_new(script, sizeof(script) / sizeof(script[0]));
	struct diagnosis *d = saved("c.log");
	char *root = tree("c", 1), err[ERR_LEN];
	struct verify_params p;
	const struct diag_history *h;

	params(&p, root, fake);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	ck_assert_msg(strcmp(h->outcome, "fixed") == 0, "%s: %s", h->outcome,
	    h->verdicts[0].why);
	ck_assert_str_eq(seen(&h->verdicts[0], "resend")->value, "delivered");
	ck_assert_contains(h->verdicts[0].why, "resend:delivered");
	ck_assert_ptr_null(transport_fake_error(fake));
	transport_fake_free(fake);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(dot_unanswered_is_not_fixed_and_names_the_next_cause)
{
	static const struct transport_fake_step script[] = { TO_DOT,
	    { FAKE_SILENT, NULL, 0 } };
	struct transport_fake *fake = transport_fake_new(script, sizeof(script) / sizeof(script[0]));
	struct diagnosis *d = saved("e.log");
	char *root = tree("e", 1), err[ERR_LEN];
	struct verify_params p;
	const struct diag_history *h;
	const struct diag_verdict *v;
	struct fix_plan *plan;

	params(&p, root, fake);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	v = &h->verdicts[0];
	ck_assert_str_eq(h->outcome, "not-fixed");
	ck_assert_str_eq(seen(v, "resend")->value, "failed");
	ck_assert_contains(v->why, "resend");
	ck_assert_ptr_nonnull(v->next_cause);
	ck_assert_str_ne(v->next_cause, "peer-requires-push");
	/* fix now plans for the next cause. */
	ck_assert_str_eq(fix_cause(d, 0, NULL)->id, v->next_cause);
	ck_assert_int_eq(fix_plan(d, root, kb, &plan, err), 0);
	ck_assert_uint_eq(plan->nedits, 0);
	fix_plan_free(plan);
	transport_fake_free(fake);
	diag_free(d);
	free(root);
}
END_TEST

/* Append text to path after ms, from a thread (the gateway writing its log). */
/*
 * A writer of the watched log, in a thread of its own: it appends text once
 * verify says it is watching (on_notice "verify: watching ..."), since
 * verify counts only the lines written from then on. Waiting a fixed time
 * instead lost the race on a loaded machine when the probes before the
 * watch took longer.
 */
struct later {
	const char	*path;
	const char	*text;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 watching;
	volatile sig_atomic_t *stop;	/* set once the text is written, or NULL */
};

static void
later_notice(void *arg, const char *msg)
{
	struct later *l = arg;

	if (strncmp(msg, "verify: watching ", 17) != 0)
		return;
	pthread_mutex_lock(&l->mu);
	l->watching = 1;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *
append_later(void *arg)
{
	struct later *l = arg;
	struct timespec until;
	FILE *f;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += TU_WAIT_MS / 1000;
	pthread_mutex_lock(&l->mu);
	while (!l->watching && pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0)
		;
	pthread_mutex_unlock(&l->mu);
	if ((f = fopen(l->path, "a")) != NULL) {
		fputs(l->text, f);
		fclose(f);
	}
	/* the watch ends, as at Ctrl-C, having read what was written */
	if (l->stop != NULL)
		*l->stop = 1;
	return NULL;
}

/* Start the writer of params p's watched log. */
static void
later_start(struct later *l, struct verify_params *p, pthread_t *t)
{
	l->path = p->watch;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->watching = 0;
	p->on_notice = later_notice;
	p->arg = l;
	ck_assert(pthread_create(t, NULL, append_later, l) == 0);
}

START_TEST(watch_error_back_is_not_fixed)
{
	struct diagnosis *d = saved("f.log");
	char *root = tree("f", 1), *log = tu_scratch_path("f-gw.log"), err[ERR_LEN];
	struct later l = { .text = "10:00:00 - SMTP_open(socket=257)\n"
	    "10:00:02 - Error (119) Network Write Error\n" };
	struct verify_params p;
	const struct diag_history *h;
	pthread_t t;

	tu_write_str(log, "09:00:00 - Gateway initialized\n");
	params(&p, root, NULL);
	p.watch = log;
	p.watch_ms = 20000;	/* ends when the error is back */
	later_start(&l, &p, &t);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	pthread_join(t, NULL);
	ck_assert_str_eq(h->outcome, "not-fixed");
	ck_assert_str_eq(h->watch, log);
	ck_assert_uint_eq(h->watch_lines, 2);
	ck_assert_str_eq(seen(&h->verdicts[0], "log-watch")->value, "error-back");
	ck_assert_contains(h->verdicts[0].why, "line 3: 10:00:02 - Error (119) Network Write");
	ck_assert_ptr_nonnull(h->verdicts[0].next_cause);
	diag_free(d);
	free(root);
	free(log);
}
END_TEST

/* The error already in the log is not "coming back": only new lines count. */
START_TEST(watch_quiet_with_fix_in_place_is_fixed)
{
	struct diagnosis *d = saved("g.log");
	char *root = tree("g", 1), *log = tu_scratch_path("g-gw.log"), err[ERR_LEN];
	struct later l = { .text = "10:00:00 - SMTP_open(socket=257)\n"
	    "10:00:01 - SMTP connection closed\n" };
	struct verify_params p;
	const struct diag_history *h;
	pthread_t t;

	tu_write_str(log, LOG_119);
	params(&p, root, NULL);
	p.watch = log;
	p.watch_ms = 1500;
	later_start(&l, &p, &t);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	pthread_join(t, NULL);
	ck_assert_msg(strcmp(h->outcome, "fixed") == 0, "%s", h->verdicts[0].why);
	ck_assert_uint_eq(h->watch_lines, 2);
	ck_assert_str_eq(seen(&h->verdicts[0], "log-watch")->value, "quiet");
	diag_free(d);
	free(root);
	free(log);
}
END_TEST

START_TEST(watch_nothing_written_is_inconclusive)
{
	struct diagnosis *d = saved("h.log");
	char *root = tree("h", 1), *log = tu_scratch_path("h-gw.log"), err[ERR_LEN];
	struct verify_params p;
	const struct diag_history *h;

	tu_write_str(log, LOG_119);
	params(&p, root, NULL);
	p.watch = log;
	p.watch_ms = 200;
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	ck_assert_str_eq(h->outcome, "inconclusive");
	ck_assert_str_eq(seen(&h->verdicts[0], "log-watch")->value, "no-new-lines");
	/* A log that cannot be read is an error, and nothing is appended. */
	p.watch = "/nonexistent/gw.log";
	ck_assert_int_eq(verify_run(d, &p, &h, err), -1);
	ck_assert_uint_eq(d->nhistory, 1);
	diag_free(d);
	free(root);
	free(log);
}
END_TEST

/* The history goes out and comes back byte for byte; bad history is refused. */
/* A real log (tests/realeval/dev, the development part) diagnosed offline, read back. */
static struct diagnosis *
saved_real(const char *rel)
{
	char *src = tu_src(rel), err[ERR_LEN];
	struct diagnosis *d;
	struct tu_run r;

	tu_kbdiag(&r, NULL, 0, "--offline", "--format", "json", "diagnose", src, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(replay_load(r.out, r.outlen, kb, &d, err) == 0, "%s", err);
	tu_run_free(&r);
	free(src);
	return d;
}

/* The incident of d at host (it must be there). */
static size_t
incident_at(const struct diagnosis *d, const char *host)
{
	size_t i;

	for (i = 0; i < d->nincidents; i++)
		if (d->incidents[i].peer.host && strcmp(d->incidents[i].peer.host, host) == 0)
			return i;
	ck_abort_msg("no incident at %s", host);
	return 0;
}

/* The lines of the file at rel (source tree) that contain needle. */
static char *
lines_with(const char *rel, const char *needle)
{
	char *src = tu_src(rel), *text, *line, *save = NULL;
	struct buf b = BUF_INIT;
	size_t len;

	text = tu_read(src, &len);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle))
			buf_printf(&b, "%s\n", line);
	ck_assert_uint_gt(b.len, 0);
	free(text);
	free(src);
	return buf_detach(&b);
}

/*
 * A real Postfix log: two next hops time out (mail.doolittle.com
 * [45.56.102.194], message EFE2274079B; mail.blah.media [70.30.65.99]). While
 * verify watches, the first one's lines come back, and only those:
 *   - the first is not fixed, and the next cause's steps are Postfix's, with
 *     the address the log gave and the message's queue id (the copy verify
 *     ranked again had lost the origin, the address and the queue ids: every
 *     MTA's steps came, "QUEUEID" and the host name in their place);
 *   - the second is not taken for back: the line names another next hop
 *     (the watch matched the article only, and quoted the first's line).
 */
START_TEST(real_postfix_log_next_steps_and_peers)
{
	static const char rel[] = "tests/realeval/dev/postfix-compose-prefix.log";
	static volatile sig_atomic_t stop;
	struct diagnosis *d = saved_real(rel);
	char *log = tu_scratch_path("pf-watch.log"), err[ERR_LEN];
	char *back = lines_with(rel, "mail.doolittle.com[45.56.102.194]");
	struct later l = { .text = back, .stop = &stop };
	const struct diag_verdict *va, *vb;
	const struct diag_history *h;
	struct verify_params p;
	struct buf steps = BUF_INIT;
	size_t a, b, i;
	pthread_t t;

	ck_assert_uint_eq(d->nincidents, 2);
	a = incident_at(d, "mail.doolittle.com");
	b = incident_at(d, "mail.blah.media");
	ck_assert_str_eq(d->incidents[a].origin, "postfix");
	ck_assert_str_eq(d->incidents[a].peer.address, "45.56.102.194");
	ck_assert_uint_eq(d->incidents[a].nqueue_ids, 1);
	ck_assert_str_eq(d->incidents[a].queue_ids[0], "EFE2274079B");
	tu_write_str(log, "");
	params(&p, NULL, NULL);
	p.watch = log;
	p.watch_ms = 10 * 60 * 1000;	/* ends when the writer stops it */
	p.stop = &stop;
	later_start(&l, &p, &t);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	pthread_join(t, NULL);
	ck_assert_str_eq(h->outcome, "not-fixed");
	va = &h->verdicts[a];
	vb = &h->verdicts[b];
	ck_assert_str_eq(va->outcome, "not-fixed");
	ck_assert_contains(va->why, "mail.doolittle.com[45.56.102.194]");
	ck_assert_ptr_nonnull(va->next_cause);
	ck_assert_uint_ge(va->nnext_steps, 1);
	for (i = 0; i < va->nnext_steps; i++)
		buf_printf(&steps, "%s\n", va->next_steps[i]);
	ck_assert_contains(buf_str(&steps), "postcat -vq EFE2274079B");
	ck_assert_contains(buf_str(&steps), "nc -v 45.56.102.194 25");
	ck_assert_not_contains(buf_str(&steps), "QUEUEID");
	ck_assert_not_contains(buf_str(&steps), "Exim");
	ck_assert_not_contains(buf_str(&steps), "Sendmail host");
	ck_assert_not_contains(buf_str(&steps), "gateway PC");
	/* the second's error did not come back: the log stayed quiet for it */
	ck_assert_str_ne(vb->outcome, "not-fixed");
	ck_assert_str_eq(seen(vb, "log-watch")->value, "quiet");
	ck_assert_not_contains(vb->why, "doolittle");
	buf_free(&steps);
	free(back);
	free(log);
	diag_free(d);
}
END_TEST

/*
 * A real Sendmail log, verified offline with nothing to watch: inconclusive,
 * and what would tell says whose mail to watch (Sendmail's, not "the
 * gateway's").
 */
START_TEST(real_sendmail_log_inconclusive_names_its_mta)
{
	struct diagnosis *d = saved_real("tests/realeval/dev/sendmail-real-attempts.log");
	const struct diag_history *h;
	struct verify_params p;
	char err[ERR_LEN];
	size_t i;

	ck_assert_uint_ge(d->nincidents, 1);
	params(&p, NULL, NULL);
	ck_assert_msg(verify_run(d, &p, &h, err) == 0, "%s", err);
	ck_assert_str_eq(h->outcome, "inconclusive");
	for (i = 0; i < h->nverdicts; i++) {
		ck_assert_str_eq(d->incidents[i].origin, "sendmail");
		ck_assert_str_eq(h->verdicts[i].outcome, "inconclusive");
		ck_assert_contains(h->verdicts[i].why, "while Sendmail sends mail");
	}
	diag_free(d);
}
END_TEST

START_TEST(history_round_trips_through_replay)
{
	struct diagnosis *d = saved("i.log"), *back;
	char *root = tree("i", 0), err[ERR_LEN];
	struct verify_params p;
	const struct diag_history *h;
	struct buf one = BUF_INIT, two = BUF_INIT;
	json_t *j;
	json_error_t je;

	params(&p, root, NULL);
	ck_assert_int_eq(verify_run(d, &p, &h, err), 0);
	ck_assert_int_eq(verify_run(d, &p, &h, err), 0);
	ck_assert_uint_eq(d->nhistory, 2);
	ck_assert_int_eq(render_diagnosis(d, RENDER_JSON, &one, err), 0);
	ck_assert_msg(replay_load(one.data, one.len, kb, &back, err) == 0, "%s", err);
	ck_assert_uint_eq(back->nhistory, 2);
	ck_assert_int_eq(render_diagnosis(back, RENDER_JSON, &two, err), 0);
	ck_assert_msg(one.len == two.len && memcmp(one.data, two.data, one.len) == 0,
	    "the history changed through replay");
	diag_free(back);
	/* An outcome that is none of the three: refused with its place. */
	j = json_loads(one.data, 0, &je);
	json_object_set_new(json_array_get(json_object_get(j, "history"), 1), "outcome",
	    json_string("maybe"));
	buf_reset(&two);
	{
		char *s = json_dumps(j, 0);

		ck_assert_int_eq(replay_load(s, strlen(s), kb, &back, err), -1);
		ck_assert_contains(err, "history[1]");
		free(s);
	}
	json_decref(j);
	buf_free(&one);
	buf_free(&two);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(durations)
{
	/* verify's --for: a bare number is seconds, at most a day (duration.h) */
	static const struct {
		const char		*s;
		unsigned long long	 ms;
	} ok[] = {
		{ "90", 90000 }, { "90s", 90000 }, { "500ms", 500 }, { "10m", 600000 },
		{ "2h", 7200000 }, { "24h", 86400000 }, { "1.5s", 1500 },
	};
	static const char *const bad[] = { "", "0", "0s", "-5", "1x", "s", "1h30m", "25h",
	    "99999999999999999999", "5sec", "1.0001s" };
	unsigned long long ms;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(duration_parse(ok[i].s, 1000, 1, 24ULL * 3600 * 1000, &ms,
		    err) == 0, "%s: %s", ok[i].s, err);
		ck_assert_msg(ms == ok[i].ms, "%s: %llu ms", ok[i].s, ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(duration_parse(bad[i], 1000, 1, 24ULL * 3600 * 1000, &ms,
		    err) == -1, "'%s' was taken", bad[i]);
}
END_TEST

/* kbdiag verify on the command line: usage errors, exit codes, the file. */
START_TEST(cli)
{
	char *json = saved_json("cli.log"), *file = tu_scratch_path("cli.json"), *before, *after;
	char *root = tree("cli", 1), *log = tu_scratch_path("cli-gw.log");
	struct tu_run r;

	/* The file as kbdiag writes diagnoses (the hand-added observation ranked). */
	tu_write_str(file, json);
	tu_kbdiag(&r, NULL, 0, "--format", "json", "diagnose", "--replay", file, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_write_str(file, r.out);
	tu_run_free(&r);
	tu_write_str(log, LOG_119);
	tu_kbdiag(&r, NULL, 0, "verify", NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "verify", "--watch", log, file, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "option '--watch': give --for DURATION too");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "verify", "--for", "10s", file, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "verify", "--watch", log, "--for", "ten", file, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_contains(r.err, "'ten' is not a duration");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "verify", "--apply", file, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	/* --dry-run: the outcome, and the file left as it is. */
	before = tu_read(file, NULL);
	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "verify", "--dry-run", file, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "VERIFICATION: inconclusive");
	ck_assert_contains(r.out, "Not recorded (--dry-run).");
	tu_run_free(&r);
	after = tu_read(file, NULL);
	ck_assert_str_eq(before, after);
	free(after);
	/* Recorded: only "history" is added; the JSON output is the entry. */
	tu_kbdiag(&r, NULL, 0, "--dos-root", root, "--format", "json", "verify", file, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_contains(r.out, "\"outcome\": \"inconclusive\"");
	ck_assert_contains(r.out, "\"recorded_in\": ");
	tu_run_free(&r);
	{
		json_t *a = json_loads(before, 0, NULL), *b;
		char *s = tu_read(file, NULL);

		b = json_loads(s, 0, NULL);
		ck_assert_uint_eq(json_array_size(json_object_get(b, "history")), 1);
		json_object_del(b, "history");
		json_object_del(a, "history");
		ck_assert(json_equal(a, b));
		json_decref(a);
		json_decref(b);
		free(s);
	}
	/* report shows it; diagnose --replay keeps it. */
	tu_kbdiag(&r, NULL, 0, "report", file, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_contains(r.out, "\nVerification history\n");
	ck_assert_contains(r.out, ": inconclusive\n");
	tu_run_free(&r);
	tu_kbdiag(&r, NULL, 0, "--format", "json", "diagnose", "--replay", file, NULL);
	after = tu_read(file, NULL);
	ck_assert_str_eq(r.out, after);
	free(after);
	tu_run_free(&r);
	/* Not a diagnosis: bad input. */
	tu_write_str(file, "{\"incidents\": 3}");
	tu_kbdiag(&r, NULL, 0, "verify", file, NULL);
	ck_assert_int_eq(r.status, 3);
	tu_run_free(&r);
	free(before);
	free(json);
	free(file);
	free(root);
	free(log);
}
END_TEST

/*
 * A verify of a diagnosis at the cap writes a verdict per incident: its
 * history is read back (it was refused past 1,000, and with it the whole
 * saved diagnosis, by report, fix, verify and diagnose --replay).
 */
START_TEST(history_of_every_incident_read_back)
{
	struct diag_verdict *v = calloc(DIAG_MAX_INCIDENTS, sizeof(*v));
	struct diag_history h = { 0 }, *back;
	struct buf text = BUF_INIT;
	char err[ERR_LEN];
	struct jw w;
	size_t i, n;
	json_t *j;

	for (i = 0; i < DIAG_MAX_INCIDENTS; i++) {
		v[i].article = "Q123827";
		v[i].outcome = "inconclusive";
	}
	h.when = "2026-11-23T10:04:00Z";
	h.outcome = "inconclusive";
	h.verdicts = v;
	h.nverdicts = DIAG_MAX_INCIDENTS;
	jw_init(&w, &text, 0);
	render_history_jw(&w, &h, 1, NULL);
	j = json_loads(buf_str(&text), 0, NULL);
	buf_free(&text);
	ck_assert_ptr_nonnull(j);
	ck_assert_msg(render_history_from_json(j, &back, &n, err) == 0, "%s", err);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(back[0].nverdicts, DIAG_MAX_INCIDENTS);
	diag_history_clear(&back[0]);
	free(back);
	/* one more than a diagnosis holds is refused, and said */
	json_array_append_new(json_object_get(json_array_get(j, 0), "incidents"),
	    json_pack("{s:s, s:s}", "article", "Q123827", "outcome", "fixed"));
	ck_assert_int_eq(render_history_from_json(j, &back, &n, err), -1);
	ck_assert_contains(err, "more than 10000 entries in \"incidents\"");
	json_decref(j);
	free(v);
}
END_TEST

Suite *
verify_suite(void)
{
	Suite *s = suite_create("verify");
	TCase *tc = tcase_create("verify");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, not_in_place_is_not_fixed);
	tcase_add_test(tc, in_place_without_proof_is_inconclusive);
	tcase_add_test(tc, test_message_through_is_fixed);
	tcase_add_test(tc, dot_unanswered_is_not_fixed_and_names_the_next_cause);
	tcase_add_test(tc, watch_error_back_is_not_fixed);
	tcase_add_test(tc, watch_quiet_with_fix_in_place_is_fixed);
	tcase_add_test(tc, watch_nothing_written_is_inconclusive);
	tcase_add_test(tc, real_postfix_log_next_steps_and_peers);
	tcase_add_test(tc, real_sendmail_log_inconclusive_names_its_mta);
	tcase_add_test(tc, history_round_trips_through_replay);
	tcase_add_test(tc, history_of_every_incident_read_back);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, cli);
	suite_add_tcase(s, tc);
	return s;
}
