/*
 * rank (evidence in log-odds), evidence (what a log shows) and replay (a
 * saved diagnosis ranked again). tests/cases/rank.test covers whole
 * situations; these tests cover the model's rules one by one.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "diag.h"
#include "evidence.h"
#include "rank.h"
#include "render.h"
#include "replay.h"
#include "testutil.h"
#include "util/xmem.h"

static struct kb *kb;

static void
setup(void)
{
	kb = tu_kb();
}

static void
teardown(void)
{
	kb_free(kb);
}

/* An incident of article id with no lines behind it. */
static void
incident(struct diag_incident *inc, const char *id)
{
	memset(inc, 0, sizeof(*inc));
	inc->kb_article = kb_find_article(kb, id);
	ck_assert_ptr_nonnull(inc->kb_article);
	inc->article = xstrdup(id);
}

static const struct diag_cause *
cause(const struct diag_incident *inc, const char *id)
{
	size_t i;

	for (i = 0; i < inc->ncauses; i++)
		if (strcmp(inc->causes[i].id, id) == 0)
			return &inc->causes[i];
	ck_abort_msg("no cause %s", id);
	return NULL;
}

START_TEST(without_evidence_the_priors_stand)
{
	struct diag_incident inc;
	double sum = 0;
	size_t i;

	incident(&inc, "Q123827");
	rank_causes(&inc);
	ck_assert_str_eq(rank_basis(&inc), "prior");
	for (i = 0; i < inc.ncauses; i++) {
		ck_assert_double_eq_tol(inc.causes[i].confidence, inc.causes[i].prior, 1e-12);
		ck_assert_int_eq(inc.causes[i].ruled_out, 0);
		sum += inc.causes[i].confidence;
	}
	ck_assert_double_eq_tol(sum, 1, 1e-12);
	/* everything the causes would use is listed as not checked, with a reason */
	ck_assert_uint_gt(inc.nunchecked, 5);
	for (i = 0; i < inc.nunchecked; i++)
		ck_assert_uint_gt(strlen(inc.unchecked[i].why), 5);
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(a_confirmation_multiplies_the_odds_by_its_weight)
{
	struct diag_incident inc;
	const struct diag_cause *c, *o;

	incident(&inc, "Q123827");
	diag_observe(&inc, "tcp-connect", "refused", "probe", "refused");
	rank_causes(&inc);
	c = cause(&inc, "peer-host-down");
	o = cause(&inc, "tcpip-layer-error");
	/* peer-host-down x6, tcpip-layer-error untouched: their ratio is 6 */
	ck_assert_double_eq_tol(c->confidence / o->confidence, 6, 1e-9);
	ck_assert_uint_eq(c->nevidence, 1);
	ck_assert_str_eq(c->evidence[0].ref, "tcp-connect:refused");
	ck_assert_int_eq(c->evidence[0].confirms, 1);
	ck_assert_double_eq_tol(c->evidence[0].log_odds, log(6), 1e-12);
	ck_assert_str_eq(inc.causes[0].id, "peer-host-down");
	/* network-path-down is refuted by the same reset, /6: not ruled out (< 8) */
	ck_assert_int_eq(cause(&inc, "network-path-down")->ruled_out, 0);
	ck_assert_str_eq(rank_basis(&inc), "evidence");
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(unknown_is_not_negative)
{
	struct diag_incident a, b;
	size_t i;

	/* A value no cause names moves nothing: the same as no observation. */
	incident(&a, "Q123827");
	incident(&b, "Q123827");
	diag_observe(&b, "tcp-connect", "connected", "probe", NULL);
	rank_causes(&a);
	rank_causes(&b);
	for (i = 0; i < a.ncauses; i++) {
		ck_assert_str_eq(a.causes[i].id, b.causes[i].id);
		ck_assert_double_eq_tol(a.causes[i].confidence, b.causes[i].confidence, 1e-12);
	}
	diag_incident_clear(&a);
	diag_incident_clear(&b);
}
END_TEST

START_TEST(strong_refutation_rules_a_cause_out)
{
	struct diag_incident inc;

	incident(&inc, "Q123827");
	diag_observe(&inc, "greeting", "ok", "probe", "220 relay");
	rank_causes(&inc);
	ck_assert_int_eq(cause(&inc, "peer-host-down")->ruled_out, 1);	/* /8 */
	ck_assert_int_eq(cause(&inc, "tcpip-layer-error")->ruled_out, 0);	/* /2 */
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(the_first_observation_of_a_source_stands)
{
	struct diag_incident inc;

	incident(&inc, "Q123827");
	diag_observe(&inc, "tcp-connect", "refused", "probe", NULL);
	diag_observe(&inc, "tcp-connect", "connected", "probe", NULL);
	ck_assert_uint_eq(inc.nobservations, 1);
	ck_assert_str_eq(inc.observations[0].value, "refused");
	diag_incident_clear(&inc);
}
END_TEST

START_TEST(the_socket_snapshot_says_what_happened)
{
	struct reader_tcp t;
	char why[160];

	memset(&t, 0xff, sizeof(t));	/* every count -1: unknown */
	t.state[0] = '\0';

	ck_assert_ptr_null(evidence_socket_value(NULL, 0, &t, why, sizeof(why)));
	ck_assert_str_eq(evidence_socket_value("ECONNRESET", 0, &t, why, sizeof(why)), "reset");
	t.outq_bytes = 14480;
	t.notsent_bytes = 0;
	t.unacked = 10;
	t.retransmits = 3;
	ck_assert_str_eq(evidence_socket_value("ETIMEDOUT", 1, &t, why, sizeof(why)),
	    "unacked-retransmits");
	ck_assert_contains(why, "14480 bytes");
	/* unsent data is not unacknowledged data */
	t.notsent_bytes = 14480;
	t.unacked = 0;
	t.bytes_acked = 5000;
	ck_assert_str_eq(evidence_socket_value("ETIMEDOUT", 1, &t, why, sizeof(why)),
	    "acked-unanswered");
	/*
	 * The peer closing (EPIPE) is not a silent server: its TCP answered,
	 * so its host and the path were up (issue 18: that is evidence too).
	 */
	ck_assert_str_eq(evidence_socket_value("EPIPE", 1, &t, why, sizeof(why)), "peer-closed");
	ck_assert_contains(why, "EPIPE");
	/* nor is a FIN already in (end of file on read, no errno) */
	reader_tcp_set_state(&t, "CLOSE_WAIT");
	ck_assert(reader_tcp_peer_closed(&t));
	ck_assert_str_eq(evidence_socket_value(NULL, 1, &t, why, sizeof(why)), "peer-closed");
	ck_assert_contains(why, "CLOSE_WAIT");
	reader_tcp_set_state(&t, "ESTABLISHED");
	ck_assert(!reader_tcp_peer_closed(&t));
	ck_assert_str_eq(evidence_socket_value(NULL, 1, &t, why, sizeof(why)), "acked-unanswered");
	/* a state name the kernel does not have is not kept */
	reader_tcp_set_state(&t, "CLOSE_WAIT\"x");
	ck_assert_str_eq(t.state, "");
	/* unacknowledged but never retransmitted: not enough to tell */
	t.notsent_bytes = 0;
	t.unacked = 10;
	t.retransmits = 0;
	t.total_retrans = 0;
	ck_assert_ptr_null(evidence_socket_value("ETIMEDOUT", 1, &t, why, sizeof(why)));
}
END_TEST

START_TEST(log_evidence_is_only_what_the_rule_base_declares)
{
	struct diag_incident inc;
	size_t i;

	incident(&inc, "Q123827");
	inc.phase = xstrdup("body");
	inc.count = 1;
	inc.last_command = xstrdup("HELO gw.example");
	evidence_from_log(&inc, kb);
	for (i = 0; i < inc.nobservations; i++) {
		const struct kb_evidence_source *s = kb_find_source(kb,
		    inc.observations[i].source);
		size_t j;
		int found = 0;

		ck_assert_ptr_nonnull(s);
		for (j = 0; j < s->nvalues; j++)
			found |= strcmp(s->values[j].id, inc.observations[i].value) == 0;
		ck_assert_msg(found, "%s:%s", inc.observations[i].source,
		    inc.observations[i].value);
		ck_assert_str_eq(inc.observations[i].origin, "log");
	}
	/* body is the data phase of the rule base */
	ck_assert_str_eq(inc.observations[0].source, "phase");
	ck_assert_str_eq(inc.observations[0].value, "data");
	ck_assert_uint_eq(inc.nobservations, 3);	/* phase, frequency:once, helo-named */
	diag_incident_clear(&inc);
}
END_TEST

/* A diagnosis as JSON, through render. */
static char *
as_json(const struct diagnosis *d)
{
	struct buf out = BUF_INIT;
	char err[ERR_LEN];

	ck_assert_int_eq(render_diagnosis(d, RENDER_JSON, &out, err), 0);
	return buf_detach(&out);
}

START_TEST(replay_reproduces_a_saved_diagnosis_exactly)
{
	static const char *const files[] = { "kb/samples/smtpgate.log" };
	struct diag_params p = { 0 };
	struct matcher *m = tu_matcher(kb);
	struct diagnosis *d, *r;
	char err[ERR_LEN], *path = tu_src(files[0]), *a, *b;
	const char *f[1];
	size_t i;

	f[0] = path;
	p.kb = kb;
	p.matcher = m;
	p.files = f;
	p.nfiles = 1;
	diag_run(&p, &d);
	/* what a probe round would add */
	for (i = 0; i < d->nincidents; i++) {
		diag_observe(&d->incidents[i], "tcp-connect", "refused", "probe", "refused");
		diag_observe(&d->incidents[i], "peer-product", "other", "probe", "220 x");
	}
	rank_diagnosis(d, kb);
	a = as_json(d);
	ck_assert_int_eq(replay_load(a, strlen(a), kb, &r, err), 0);
	b = as_json(r);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(r->incidents[0].causes[0].id, "peer-host-down");
	free(a);
	free(b);
	diag_free(r);
	diag_free(d);
	match_free(m);
	free(path);
}
END_TEST

START_TEST(replay_rejects_what_is_not_a_diagnosis)
{
	static const struct {
		const char *json, *want;
	} bad[] = {
		{ "", "not a kbdiag diagnosis: the file is empty" },
		{ "[]", "not a kbdiag diagnosis" },
		{ "{\"incidents\": 3}", "not a kbdiag diagnosis" },
		{ "{\"incidents\": [1]}", "incident 1 is not an object" },
		{ "{\"incidents\": [{}]}", "incident 1 has no \"article\"" },
		{ "{\"incidents\": [{\"article\": \"Q1\"}]}", "article Q1 is not in the rule base" },
		{ "{\"incidents\": [{\"article\": \"Q123827\", \"peer\": {\"host\": \"a;rm -rf\"}}]}",
		    "is not a host name" },
		{ "{\"incidents\": [{\"article\": \"Q123827\", \"probes\": [{\"probe\": \"dns\", "
		    "\"source\": \"dns\", \"status\": \"maybe\"}]}]}",
		    "incident 1: probes[0]: status 'maybe' is not observed, skipped or error" },
		{ "{\"incidents\": [{\"article\": \"Q123827\", \"probes\": [{\"status\": \"ok\"}]}]}",
		    "incident 1: probes[0]: \"probe\" is missing" },
		{ "{\"incidents\": [{\"article\": \"Q123827\", \"observations\": [{\"source\": \"x\"}]}]}",
		    "observation 1 has no source or value" },
	};
	struct diagnosis *d;
	char err[ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(replay_load(bad[i].json, strlen(bad[i].json), kb, &d, err), -1);
		ck_assert_ptr_null(d);
		ck_assert_contains(err, bad[i].want);
	}
}
END_TEST

/*
 * A saved diagnosis is checked against its limits while it is read, before
 * anything is built (jsonscan.h): each limit has a message naming it and
 * where, and none lets a byte of the file through unescaped.
 */
static char *
repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_puts(&b, head);
	for (i = 0; i < n; i++)
		buf_puts(&b, unit);
	if (n && b.data[b.len - 1] == ',')
		b.len--;
	buf_puts(&b, tail);
	return buf_detach(&b);
}

START_TEST(replay_limits_while_reading)
{
	struct {
		char		*json;
		const char	*want;
	} bad[9];
	struct diagnosis *d;
	char err[ERR_LEN];
	size_t i, n = 0;
	char *s;

	bad[n].json = repeat("{\"incidents\": [{\"article\": \"Q123827\", \"x\": ", "[", 40,
	    "");
	bad[n++].want = "line 1, column 73: more than 32 levels of arrays and objects";
	bad[n].json = repeat("{\"incidents\": [{\"article\": \"Q123827\", \"x\": [", "0,",
	    REPLAY_MAX_VALUES, "]}]}");
	bad[n++].want = "element 1 of \"incidents\" holds more than 250000 values";
	bad[n].json = repeat("{\"incidents\": [", "{},", REPLAY_MAX_INCIDENTS + 1, "]}");
	bad[n++].want = "more than 10000 elements in \"incidents\"";
	bad[n].json = repeat("{\"incidents\": [], \"x\": \"", "a", REPLAY_MAX_STRING + 1,
	    "\"}");
	bad[n++].want = "line 1, column 24: a string longer than 1048576 bytes";
	bad[n].json = strdup("{\"incidents\": [], \"incidents\": []}");
	bad[n++].want = "\"incidents\" is there twice";
	/* bytes of the file in a message are escaped */
	bad[n].json = strdup("{\"incidents\": [\x1b[2J]}");
	bad[n++].want = "line 1, column 16: a value expected, not '\\x1B'";
	bad[n].json = strdup("{\"incidents\": [{\"article\": \"Q1\x1b]0;x\x07\"}]}");
	bad[n++].want = "a control byte (\\x1B) inside a string";
	bad[n].json = strdup("{\"incidents\": [{\"article\": \"Q12\xff\xc2\x9b\"}]}");
	bad[n++].want = "incident 1 (from line 1): line 1 of it, column ";
	bad[n].json = strdup("{\"incidents\": []} \x9b[31m");
	bad[n++].want = "line 1, column 19: '\\x9B' after the end of the JSON object";
	for (i = 0; i < n; i++) {
		const unsigned char *p;

		ck_assert_int_eq(replay_load(bad[i].json, strlen(bad[i].json), kb, &d, err), -1);
		ck_assert_ptr_null(d);
		ck_assert_contains(err, bad[i].want);
		for (p = (const unsigned char *)err; *p; p++)
			ck_assert_msg(*p >= 0x20 && *p != 0x7f && *p != 0xc2 && *p != 0xff,
			    "byte 0x%02X in \"%s\"", *p, err);
		free(bad[i].json);
	}
	/* Just within every limit: read (a diagnosis of 10000 incidents) */
	s = repeat("{\"incidents\": [", "{\"article\": \"Q123827\"},", REPLAY_MAX_INCIDENTS,
	    "]}");
	ck_assert_int_eq(replay_load(s, strlen(s), kb, &d, err), 0);
	ck_assert_uint_eq(d->nincidents, REPLAY_MAX_INCIDENTS);
	diag_free(d);
	free(s);
}
END_TEST

/* What is not a regular file is refused, naming what it is; the open of a
 * FIFO does not block. Memory that runs out is exit status 4 with a message. */
START_TEST(replay_file_kinds_and_memory)
{
	char *dir = tu_tmpdir();
	struct buf p = BUF_INIT, big = BUF_INIT;
	struct diagnosis *d;
	struct tu_run r;
	char err[ERR_LEN];
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	size_t i;
	int oom = 0, ok = 0;

	buf_printf(&p, "%s/fifo.json", dir);
	ck_assert_int_eq(mkfifo(buf_str(&p), 0600), 0);
	ck_assert_int_eq(replay_load_file(buf_str(&p), kb, &d, err), -1);
	ck_assert_contains(err, "fifo.json: not a regular file (a FIFO)");
	ck_assert_int_eq(replay_load_file(dir, kb, &d, err), -1);
	ck_assert_contains(err, "not a regular file (a directory)");
#ifdef __SANITIZE_ADDRESS__
	tu_skip("rank/replay_file_kinds_and_memory", "the address space limits "
	    "(AddressSanitizer reserves terabytes of it)");
	tu_rmtree(dir);
	free(dir);
	buf_free(&p);
	return;
#endif
	/* Under an address space limit, from too little for anything to
	 * plenty: every run either reads the file (0) or says it ran out of
	 * memory (4), never an empty message or "bad input". The file has an
	 * incident of 200,000 values (some 20 MB once parsed). */
	buf_reset(&p);
	buf_printf(&p, "%s/big.json", dir);
	buf_puts(&big, "{\"incidents\": [{\"article\": \"Q123827\", \"x\": [0");
	for (i = 0; i < 200000; i++)
		buf_puts(&big, ",0");
	buf_puts(&big, "]}]}");
	tu_write(buf_str(&p), big.data, big.len);
	for (i = 30; i <= 110; i += 5) {
		buf_reset(&big);
		buf_printf(&big, "ulimit -v %zu; exec %s/kbdiag --offline diagnose --replay "
		    "%s/big.json >/dev/null", i * 1024, TEST_BUILDDIR, dir);
		argv[2] = big.data;
		tu_runv(&r, NULL, 0, argv);
		/* (127: too little for the dynamic loader to start it at all) */
		ck_assert_msg(r.status == 0 || r.status == 4 || (r.status == 127 &&
		    strstr(r.err, "error while loading shared libraries")), "%zu MB: status %d: "
		    "%s", i, r.status, r.err);
		if (r.status == 127)
			;
		else if (r.status == 4) {
			ck_assert_contains(r.err, "out of memory");
			oom++;
		} else
			ok++;
		tu_run_free(&r);
	}
	ck_assert_msg(oom > 0 && ok > 0, "%d runs out of memory, %d read it", oom, ok);
	buf_free(&big);
	buf_free(&p);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

/* Every string value of v (recursively) with terminal controls added. */
static void
poison(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		void *tmp;

		json_object_foreach_safe(v, tmp, k, x) {
			if (json_is_string(x)) {
				struct buf b = BUF_INIT;

				buf_printf(&b, "%s\x1b[2J\x1b]0;owned\x07\xc2\x9b" "31m\r\n",
				    json_string_value(x));
				/* keys that must stay valid keep their value */
				if (strcmp(k, "article") && strcmp(k, "host") && strcmp(k, "status") &&
				    strcmp(k, "source") && strcmp(k, "value") && strcmp(k, "probe") &&
				    strcmp(k, "outcome") && strcmp(k, "when"))
					json_object_set_new(v, k, json_string(buf_str(&b)));
				buf_free(&b);
			} else
				poison(x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (json_is_string(x)) {
				struct buf b = BUF_INIT;

				buf_printf(&b, "%s\x1b[2J\xc2\x9b" "31m", json_string_value(x));
				json_array_set_new(v, i, json_string(buf_str(&b)));
				buf_free(&b);
			} else
				poison(x);
		}
	}
}

static void
assert_no_controls(const char *what, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f))
			ck_abort_msg("%s: control byte 0x%02X at %zu: ...%.60s", what, c, i,
			    s + (i > 30 ? i - 30 : 0));
	}
}

/*
 * A saved diagnosis whose every string carries terminal controls (escape
 * sequences, a C1 CSI, a bell, a CR): nothing of it reaches the output of
 * diagnose --replay, report or fix raw, in any format.
 */
START_TEST(replay_shows_no_control_from_the_file)
{
	static const char *const fmts[] = { "text", "markdown", "html", "json" };
	char *dir = tu_tmpdir(), *log = tu_src("kb/samples/smtpgate.log"), *s;
	struct buf path = BUF_INIT, what = BUF_INIT;
	struct tu_run r;
	json_t *root;
	json_error_t je;
	size_t i;

	buf_printf(&path, "%s/d.json", dir);
	tu_kbdiag(&r, NULL, 0, "-f", "json", "diagnose", log, (char *)NULL);
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(root);
	tu_run_free(&r);
	json_array_append_new(json_object_get(root, "warnings"),
	    json_string("a warning \x1b[31mred\x1b[0m"));
	poison(root);
	s = json_dumps(root, 0);
	tu_write_str(buf_str(&path), s);
	free(s);
	json_decref(root);
	for (i = 0; i < 4; i++) {
		tu_kbdiag(&r, NULL, 0, "-f", fmts[i], "diagnose", "--replay", buf_str(&path),
		    (char *)NULL);
		ck_assert_msg(r.status == 0, "%s: %d %s", fmts[i], r.status, r.err);
		buf_reset(&what);
		buf_printf(&what, "diagnose --replay -f %s", fmts[i]);
		assert_no_controls(buf_str(&what), r.out, r.outlen);
		assert_no_controls(buf_str(&what), r.err, r.errlen);
		if (i == 1)
			ck_assert_contains(r.out, "a warning \\\\x1B");
		tu_run_free(&r);
		tu_kbdiag(&r, NULL, 0, "-f", fmts[i], "report", buf_str(&path), (char *)NULL);
		buf_reset(&what);
		buf_printf(&what, "report -f %s", fmts[i]);
		ck_assert_msg(r.status == 0 || r.status == 1, "%s: %d %s", buf_str(&what),
		    r.status, r.err);
		assert_no_controls(buf_str(&what), r.out, r.outlen);
		assert_no_controls(buf_str(&what), r.err, r.errlen);
		tu_run_free(&r);
	}
	buf_free(&path);
	buf_free(&what);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

/*
 * data (len bytes) read from a file, as the commands read it, and from
 * memory: the same diagnosis (its JSON), or the same error after the path.
 */
static void
same_from_file(const char *path, const char *data, size_t len, const char *what)
{
	struct diagnosis *m = NULL, *f = NULL;
	char em[ERR_LEN], ef[ERR_LEN], want[2 * ERR_LEN];
	int rm, rf;

	tu_write(path, data, len);
	rm = replay_load(data, len, kb, &m, em);
	rf = replay_load_file(path, kb, &f, ef);
	ck_assert_msg(rm == rf, "%s: from memory %d (%s), from the file %d (%s)", what, rm,
	    rm ? em : "", rf, rf ? ef : "");
	if (rm == 0) {
		char *a = as_json(m), *b = as_json(f);

		ck_assert_msg(strcmp(a, b) == 0, "%s: the diagnoses differ", what);
		free(a);
		free(b);
	} else {
		snprintf(want, sizeof(want), "%s: %s", path, em);
		ck_assert_msg(strcmp(ef, want) == 0, "%s:\nfrom memory \"%s\"\nfrom the file "
		    "\"%s\"", what, want, ef);
	}
	diag_free(m);
	diag_free(f);
}

/* Cut at n places and, at as many, a byte changed to each of the first
 * nbytes of `bytes`. */
static void
same_cut_and_corrupt(const char *path, const char *data, size_t len, size_t n,
    size_t nbytes)
{
	static const char bytes[] = "\x01}\"[0 \xff";
	size_t step = len / n ? len / n : 1, k, j;
	char what[64], *c = xmalloc(len);

	for (k = 0; k <= len; k += step) {
		snprintf(what, sizeof(what), "cut at %zu of %zu", k, len);
		same_from_file(path, data, k, what);
	}
	for (k = 1; k < 8 && k <= len; k++)
		same_from_file(path, data, len - k, "cut near the end");
	for (k = step / 2; k < len; k += step)
		for (j = 0; j < nbytes && j < sizeof(bytes) - 1; j++) {
			memcpy(c, data, len);
			c[k] = bytes[j];
			snprintf(what, sizeof(what), "byte %zu of %zu made 0x%02X", k, len,
			    (unsigned char)bytes[j]);
			same_from_file(path, c, len, what);
		}
	free(c);
}

/*
 * A saved diagnosis read from its file (a window of it at a time, then each
 * incident again at its offset) gives what it gives read whole into memory:
 * whole, cut anywhere, with a byte changed anywhere; in a file of several
 * megabytes, so that the window moves on hundreds of times before the fault,
 * with a string longer than the window and one over the limit far from the
 * start; and a file over the size limit is refused before it is read.
 */
START_TEST(replay_file_reads_as_memory_does)
{
	static const char *const files[] = { "kb/samples/smtpgate.log" };
	struct diag_params p = { 0 };
	struct matcher *m = tu_matcher(kb);
	struct diagnosis *d;
	struct tu_run r;
	struct buf big = BUF_INIT;
	char *dir = tu_tmpdir(), *path = tu_join(dir, "saved.json"), *log = tu_src(files[0]);
	char *a, *inc, *cut, err[ERR_LEN];
	const char *f[1] = { log };
	size_t i, at;
	FILE *fp;

	p.kb = kb;
	p.matcher = m;
	p.files = f;
	p.nfiles = 1;
	diag_run(&p, &d);
	for (i = 0; i < d->nincidents; i++)
		diag_observe(&d->incidents[i], "tcp-connect", "refused", "probe", "refused");
	rank_diagnosis(d, kb);
	a = as_json(d);
	diag_free(d);
	match_free(m);
	same_from_file(path, a, strlen(a), "whole");
	same_cut_and_corrupt(path, a, strlen(a), 200, 7);

	/* Several megabytes: incidents one to a line, some lines long. */
	buf_puts(&big, "{\"summary\": {\"lines\": 7},\r\n \"incidents\": [\n");
	for (i = 0; i < 600; i++) {
		buf_printf(&big, "%s{\"article\": \"Q123827\", \"error\": \"Error (119) Network "
		    "Write Error %zu\", \"count\": %zu,   \"peer\": {\"host\": \"10.0.%zu.%zu\", "
		    "\"port\": 25}, \"observations\": [{\"source\": \"tcp-connect\", "
		    "\"value\": \"refused\", \"origin\": \"probe\"}]}", i ? ",\n" : "", i, i + 1,
		    i / 256 % 256, i % 256);
		if (i % 40 == 7)
			buf_printf(&big, "%*s", (int)(70000 + i), "");
	}
	buf_puts(&big, "\n], \"probe_note\": \"");
	at = big.len;
	for (i = 0; i < REPLAY_MAX_STRING - 10; i++)
		buf_putc(&big, (char)('a' + i % 26));
	buf_puts(&big, "\", \"warnings\": [\"w\\u00e9\", \"x\"]}\n");
	same_from_file(path, big.data, big.len, "big, whole");
	ck_assert_int_eq(replay_load_file(path, kb, &d, err), 0);
	ck_assert_uint_eq(d->nincidents, 600);
	ck_assert_uint_le(strlen(d->probe_note), 1000 + 3);	/* REPLAY_TEXT_MAX, "…" */
	diag_free(d);
	same_cut_and_corrupt(path, big.data, big.len, 12, 3);
	/* the string 20 bytes over the limit: refused where it starts */
	inc = xmalloc(big.len + 40);
	memcpy(inc, big.data, at);
	memset(inc + at, 'b', REPLAY_MAX_STRING + 10);
	strcpy(inc + at + REPLAY_MAX_STRING + 10, "\"}");
	same_from_file(path, inc, strlen(inc), "a string over the limit");
	ck_assert_int_eq(replay_load_file(path, kb, &d, err), -1);
	ck_assert_contains(err, "a string longer than 1048576 bytes");
	ck_assert_contains(err, "line 603, column 18: ");
	free(inc);

	/* Over the size limit: refused before a byte is read (a sparse file). */
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputc('{', fp);
	ck_assert_int_eq(ftruncate(fileno(fp), (off_t)REPLAY_MAX_BYTES + 1), 0);
	fclose(fp);
	ck_assert_int_eq(replay_load_file(path, kb, &d, err), -1);
	ck_assert_contains(err, "saved.json: larger than 256 MiB: not a diagnosis kbdiag wrote");
	tu_kbdiag(&r, NULL, 0, "-f", "text", "report", path, (char *)NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "larger than 256 MiB");
	tu_run_free(&r);

	/*
	 * The commands: a cut file is bad input (3), the fault named. Cut after
	 * a member name, past the middle: where the middle falls depends on the
	 * length of the log's path, which is the checkout's.
	 */
	ck_assert_ptr_nonnull(cut = strstr(a + strlen(a) / 2, "\"count\": "));
	tu_write(path, a, (size_t)(cut - a) + strlen("\"count\": "));
	tu_kbdiag(&r, NULL, 0, "-f", "text", "report", path, (char *)NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_contains(r.err, "saved.json: not a saved diagnosis (report reads the JSON");
	ck_assert_contains(r.err, "expected, not the end of the file");
	ck_assert_str_eq(r.out, "");
	tu_run_free(&r);
	free(a);
	buf_free(&big);
	tu_rmtree(dir);
	free(dir);
	free(path);
	free(log);
}
END_TEST

/*
 * A history entry is read a verdict at a time: an entry of 10,000 verdicts
 * with six observations each (some 380,000 values, what verify writes after
 * live probes of a diagnosis at the cap) reads, from memory and from the
 * file alike, where the entry as one unit was over the limit of values; a
 * verdict over it is refused, named.
 */
START_TEST(replay_reads_history_a_verdict_at_a_time)
{
	static const char seen[] = "{\"source\": \"tcp-connect\", \"value\": \"refused\", "
	    "\"origin\": \"probe\", \"detail\": \"x\"},";
	struct buf v = BUF_INIT;
	struct diagnosis *d;
	char *dir = tu_tmpdir(), *path = tu_join(dir, "h.json"), *json, err[ERR_LEN];
	size_t i;

	buf_puts(&v, "{\"article\": \"Q123827\", \"peer\": \"10.0.0.1:25\", \"outcome\": "
	    "\"inconclusive\", \"seen\": [");
	for (i = 0; i < 6; i++)
		buf_puts(&v, seen);
	v.len--;
	buf_puts(&v, "]},");
	json = repeat("{\"incidents\": [{\"article\": \"Q123827\"}], \"history\": [{\"when\": "
	    "\"2026-12-07T00:00:00Z\", \"outcome\": \"inconclusive\", \"incidents\": [",
	    buf_str(&v), 10000, "]}]}");
	ck_assert_msg(replay_load(json, strlen(json), kb, &d, err) == 0, "%s", err);
	ck_assert_uint_eq(d->nhistory, 1);
	ck_assert_uint_eq(d->history[0].nverdicts, 10000);
	ck_assert_uint_eq(d->history[0].verdicts[9999].nseen, 6);
	diag_free(d);
	same_from_file(path, json, strlen(json), "a history of 10,000 verdicts");
	free(json);
	/* one verdict of 300,000 values: over the limit, named */
	json = repeat("{\"incidents\": [], \"history\": [{\"when\": \"w\", \"outcome\": "
	    "\"fixed\", \"incidents\": [{}, {\"x\": [", "0,", 300000, "]}]}]}");
	ck_assert_int_eq(replay_load(json, strlen(json), kb, &d, err), -1);
	ck_assert_contains(err, "element 2 of \"incidents\" of element 1 of \"history\" holds "
	    "more than 250000 values");
	same_from_file(path, json, strlen(json), "a verdict over the limit");
	free(json);
	buf_free(&v);
	tu_rmtree(dir);
	free(dir);
	free(path);
}
END_TEST

START_TEST(the_cli_replays_what_it_saved)
{
	struct tu_run a, b;
	char *dir = tu_tmpdir(), *log = tu_src("kb/samples/smtpgate.log");
	struct buf path = BUF_INIT;

	buf_printf(&path, "%s/d.json", dir);
	tu_kbdiag(&a, NULL, 0, "--offline", "-f", "json", "-o", buf_str(&path), "diagnose",
	    log, (char *)NULL);
	ck_assert_int_eq(a.status, 0);
	tu_kbdiag(&b, NULL, 0, "-f", "json", "diagnose", "--replay", buf_str(&path),
	    (char *)NULL);
	ck_assert_int_eq(b.status, 0);
	tu_run_free(&a);
	tu_kbdiag(&a, NULL, 0, "--offline", "-f", "json", "diagnose", log, (char *)NULL);
	ck_assert_str_eq(a.out, b.out);
	tu_run_free(&a);
	tu_run_free(&b);
	/* logs and --replay together: a usage error */
	tu_kbdiag(&a, NULL, 0, "diagnose", "--replay", buf_str(&path), log, (char *)NULL);
	ck_assert_int_eq(a.status, 2);
	tu_run_free(&a);
	/* a file that is not a diagnosis: bad input, named */
	tu_kbdiag(&a, NULL, 0, "diagnose", "--replay", log, (char *)NULL);
	ck_assert_int_eq(a.status, 3);
	ck_assert_contains(a.err, "smtpgate.log: this is text (a report or a log?), not a "
	    "saved diagnosis: diagnose --replay reads the JSON that 'kbdiag diagnose --format "
	    "json' writes");
	tu_run_free(&a);
	buf_free(&path);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

Suite *
rank_suite(void)
{
	Suite *s = suite_create("rank");
	TCase *tc = tcase_create("model");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, without_evidence_the_priors_stand);
	tcase_add_test(tc, a_confirmation_multiplies_the_odds_by_its_weight);
	tcase_add_test(tc, unknown_is_not_negative);
	tcase_add_test(tc, strong_refutation_rules_a_cause_out);
	tcase_add_test(tc, the_first_observation_of_a_source_stands);
	tcase_add_test(tc, the_socket_snapshot_says_what_happened);
	tcase_add_test(tc, log_evidence_is_only_what_the_rule_base_declares);
	suite_add_tcase(s, tc);
	tc = tcase_create("replay");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, replay_reproduces_a_saved_diagnosis_exactly);
	tcase_add_test(tc, replay_rejects_what_is_not_a_diagnosis);
	tcase_add_test(tc, replay_limits_while_reading);
	tcase_add_test(tc, replay_shows_no_control_from_the_file);
	tcase_add_test(tc, replay_file_kinds_and_memory);
	tcase_add_test(tc, the_cli_replays_what_it_saved);
	tcase_add_test(tc, replay_file_reads_as_memory_does);
	tcase_add_test(tc, replay_reads_history_a_verdict_at_a_time);
	suite_add_tcase(s, tc);
	return s;
}
