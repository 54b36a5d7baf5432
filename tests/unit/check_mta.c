/*
 * mta: what one MTA log line says about a delivery (issue rl). The lines are
 * the forms of real logs (tests/realeval/dev/README.md names their origins);
 * the edge cases around them are made up here.
 */
#include <string.h>

#include "mta.h"
#include "testutil.h"

static struct mta_line
parse(const char *program, const char *text, const char *hint)
{
	struct mta_line m;

	mta_parse(program, program ? 4420 : 0, text, strlen(text), hint, &m);
	return m;
}

/* Older Exim wrote a host line without H=, in the main log (with the id) and the message log. */
START_TEST(exim_host_lines_without_h)
{
	struct mta_line m;

	m = parse(NULL, "10HmaZ-0005vi-00 46d.test.ex [192.0.2.4] Connection refused", NULL);
	ck_assert_int_eq(m.origin, MTA_EXIM);
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.peer.host, "46d.test.ex");
	ck_assert_str_eq(m.session, "10HmaZ-0005vi-00");
	/* the message log: no id */
	m = parse(NULL, "127.0.0.1 [127.0.0.1] Connection refused", NULL);
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.peer.host, "127.0.0.1");
	ck_assert_str_eq(m.session, "exim-msglog");
	/* an address the poster redacted: the peer by its name, with no address */
	m = parse(NULL, "mail2.example.com [xxx.xxx.xxx.4] Connection refused", NULL);
	ck_assert_int_eq(m.origin, MTA_EXIM);
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.peer.host, "mail2.example.com");
	ck_assert_str_eq(m.peer.addr, "");
	m = parse(NULL, "1UZmLU-000CDr-HW mx.example.com [x.x.x.x]:25 Connection timed out", NULL);
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.peer.host, "mx.example.com");
	ck_assert_str_eq(m.peer.addr, "");
	ck_assert_uint_eq(m.peer.port, 25);
	m = parse(NULL, "1UZmLU-000CDr-HW H=mx.example.com [IP] Connection refused", NULL);
	ck_assert_str_eq(m.peer.host, "mx.example.com");
	ck_assert_str_eq(m.peer.addr, "");
	/* brackets alone, with no address in them, are no peer */
	m = parse(NULL, "1UZmLU-000CDr-HW == a@b.example R=r T=t defer (111): [REDACTED] "
	    "Connection refused", NULL);
	ck_assert_str_eq(m.peer.host, "");
	/* a reply named by "host NAME [ADDR]:" (older Exim) */
	m = parse(NULL, "12EvcH-0003rC-00 ** jill@example.org R=lookuphost T=smtp: SMTP error "
	    "from remote mailer after RCPT TO:<jill@example.org>: host lager.example.org "
	    "[192.0.2.2]: 550 User unknown", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_str_eq(m.peer.host, "lager.example.org");
	/* failed past the retry cutoff: retries used up, as "retry timeout exceeded" */
	m = parse(NULL, "1vN3xA-0004Zk-Q1 ** a@b.example R=dnslookup T=remote_smtp: all hosts "
	    "have been failing for a long time and were last tried after this message arrived", NULL);
	ck_assert_int_eq(m.kind, MTA_GAVE_UP);
	m = parse(NULL, "10HmbA-0005vi-00 ** userx@test.ex R=r1 T=t1 : all hosts for 'test.ex' "
	    "have been failing for a long time (and retry time not reached)", NULL);
	ck_assert_int_eq(m.kind, MTA_GAVE_UP);
	m = parse(NULL, "1vN3xA-0004Zk-Q1 ** a@b.example R=dnslookup T=remote_smtp: retry time "
	    "not reached for any host after a long failure period", NULL);
	ck_assert_int_eq(m.kind, MTA_GAVE_UP);
	/* "for any host" and a host name in quotes are no peer */
	m = parse(NULL, "1P2THR-0003kV-Of == a@b.example R=dnslookup T=remote_smtp defer (-53): "
	    "retry time not reached for any host", NULL);
	ck_assert_int_eq(m.kind, MTA_HELD);
	ck_assert_str_eq(m.peer.host, "");
	m = parse(NULL, "10HmbC-0005vi-00 == userx@nonexist R=all defer (-32): lookup of host "
	    "\"nonexist.test.ex\" failed in all router", NULL);
	ck_assert_str_eq(m.peer.host, "");
}
END_TEST

/* exim -Mvl: the address line repeats the host line before it. */
START_TEST(exim_message_log_address_line)
{
	struct mta_line m;

	m = parse(NULL, "me@mycompany.example R=dnslookup T=remote_smtp defer (111): Connection refused",
	    "exim");
	ck_assert_int_eq(m.origin, MTA_EXIM);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_str_eq(m.session, "exim-msglog");
	ck_assert_str_eq(m.domain, "mycompany.example");
	ck_assert_str_eq(m.failure, "refused");
	m = parse(NULL, "userx@simple T=smtp defer (145): Connection timed out", "exim");
	ck_assert_int_eq(m.kind, MTA_STATUS);
	/* not an address line: a word then R= must be the second field */
	m = parse(NULL, "Received from CALLER@test.ex U=CALLER P=local S=sss", "exim");
	ck_assert_int_eq(m.kind, MTA_REPORT);
	m = parse(NULL, "a@b R", "exim");
	ck_assert_int_eq(m.kind, MTA_REPORT);
	/* the main log's == line keeps its id as session */
	m = parse(NULL, "1UZmLU-000CDr-HW == me@mycompany.example R=dnslookup T=remote_smtp "
	    "defer (111): Connection refused", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_str_eq(m.session, "1UZmLU-000CDr-HW");
}
END_TEST

/* Sendmail: a time-out in no time is the host status cache's, not a new connection. */
START_TEST(sendmail_cached_status_is_held)
{
	struct mta_line m;

	m = parse("sm-mta", "n1OHMvSn028483: to=<my@example.com>, delay=1+12:04:52, "
	    "xdelay=00:00:00, mailer=esmtp, pri=19566779, relay=example.com., dsn=4.0.0, "
	    "stat=Deferred: Connection timed out with example.com", NULL);
	ck_assert_int_eq(m.origin, MTA_SENDMAIL);
	ck_assert_int_eq(m.kind, MTA_HELD);
	ck_assert_int_eq(m.cached, 1);
	ck_assert_str_eq(m.failure, "timeout");
	ck_assert_str_eq(m.peer.host, "example.com");
	/* the time-out that took time: an attempt's status */
	m = parse("sm-mta", "l9JDiNUq004420: to=<a@d111.example>, delay=00:02:00, "
	    "xdelay=00:02:00, mailer=esmtp, pri=30000, relay=d111.example. [192.0.2.110], "
	    "dsn=4.0.0, stat=Deferred: Connection timed out with d111.example.", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	/* the queue-return notice, DSN or not: retries used up, of the first queue id */
	m = parse("sm-mta", "2ANAF2Zq012345: 2ANAG1Ab015150: sender notify: Cannot send message "
	    "for 5 days", NULL);
	ck_assert_int_eq(m.kind, MTA_GAVE_UP);
	ck_assert_str_eq(m.message, "2ANAF2Zq012345");
	/* a refusal takes no second: with the connection's address, an attempt */
	m = parse("sendmail", "2ANAF2Zq012345: to=<a@b.example>, delay=00:00:01, "
	    "xdelay=00:00:00, mailer=esmtp, pri=120342, relay=mx.b.example. [192.0.2.7], "
	    "dsn=4.0.0, stat=Deferred: Connection refused by mx.b.example.", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_int_eq(m.cached, 0);
	m = parse("sendmail", "x4NJYJDR002049: to=root, ctladdr=root (0/0), delay=00:00:00, "
	    "xdelay=00:00:00, mailer=relay, pri=30236, relay=[127.0.0.1] [127.0.0.1], dsn=4.0.0, "
	    "stat=Deferred: Connection refused by [127.0.0.1]", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_int_eq(m.cached, 0);
	/* with no address and no time, the cached status: a refusal, a reset */
	m = parse("sendmail", "n45JUemL016426: to=<a@b.example>, delay=2+15:56:56, "
	    "xdelay=00:00:00, mailer=esmtp, pri=35319380, relay=mx4.b.example., dsn=4.0.0, "
	    "stat=Deferred: Connection refused by mx4.b.example.", NULL);
	ck_assert_int_eq(m.kind, MTA_HELD);
	ck_assert_int_eq(m.cached, 1);
	ck_assert_str_eq(m.peer.host, "mx4.b.example");
	m = parse("sendmail", "x3UAoBQw031500: to=smmsp, delay=00:00:00, xdelay=00:00:00, "
	    "mailer=relay, pri=31556, relay=owa.b.example., dsn=4.0.0, stat=Deferred: "
	    "Connection reset by owa.b.example.", NULL);
	ck_assert_int_eq(m.kind, MTA_HELD);
	ck_assert_int_eq(m.cached, 1);
	/* time spent: a connection, whatever the relay field says */
	m = parse("sendmail", "n45JUemL016427: to=<a@b.example>, delay=2+15:56:56, "
	    "xdelay=00:00:01, mailer=esmtp, pri=35319380, relay=mx4.b.example., dsn=4.0.0, "
	    "stat=Deferred: Connection refused by mx4.b.example.", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_int_eq(m.cached, 0);
	/* no relay= at all: nothing to tell a cached refusal by */
	m = parse("sendmail", "n45JUemL016428: to=<a@b.example>, delay=00:00:00, "
	    "xdelay=00:00:00, mailer=esmtp, dsn=4.0.0, stat=Deferred: Connection refused by "
	    "mx4.b.example.", NULL);
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_int_eq(m.cached, 0);
}
END_TEST

/* A Postfix service with its own syslog_name: read as the symptom's MTA says. */
START_TEST(postfix_service_names)
{
	struct mta_line m;

	m = parse("enforced-tls-smtp/smtp", "connect to mail-tester.example[192.0.2.89]:25: "
	    "Connection timed out", "postfix");
	ck_assert_int_eq(m.origin, MTA_POSTFIX);
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.peer.host, "mail-tester.example");
	ck_assert_str_eq(m.session, "enforced-tls-smtp/smtp[4420]");
	/* no tag at all (a web UI's export): one session for such lines */
	m = parse(NULL, "9551C11C1317: to=<a@a.example>, relay=none, dsn=4.4.1, status=deferred "
	    "(connect to mx.a.example[192.0.2.34]:25: Connection timed out)", "postfix");
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_str_eq(m.session, "postfix");
	ck_assert_str_eq(m.message, "9551C11C1317");
	m = parse(NULL, "connect to mx.a.example[192.0.2.34]:25: Connection timed out", "postfix");
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.session, "postfix");
	/* no symptom's MTA: an unknown program stays unknown */
	m = parse("enforced-tls-smtp/smtp", "connect to a.example[192.0.2.1]:25: Connection "
	    "timed out", NULL);
	ck_assert_int_eq(m.origin, MTA_UNKNOWN);
}
END_TEST

/* exim -v: "SMTP timeout while connected to HOST [ADDR]", indented under LOG: MAIN. */
START_TEST(exim_verbose_timeout)
{
	struct mta_line m;

	m = parse(NULL, "  SMTP timeout while connected to smtp.example.net [192.0.2.60] after "
	    "initial connection: Connection timed out", "exim");
	ck_assert_int_eq(m.origin, MTA_EXIM);
	ck_assert_int_eq(m.kind, MTA_REPORT);
	ck_assert_str_eq(m.peer.host, "smtp.example.net");
	ck_assert_str_eq(m.session, "exim-msglog");
	ck_assert_str_eq(m.failure, "reply-timeout");
	m = parse(NULL, "  == a@b.example R=send_via T=smtp defer (110): Connection timed out: SMTP "
	    "timeout while connected to smtp.example.net [192.0.2.60] after initial connection",
	    "exim");
	ck_assert_int_eq(m.kind, MTA_STATUS);
	ck_assert_str_eq(m.session, "exim-msglog");
	ck_assert_str_eq(m.peer.host, "smtp.example.net");
	ck_assert_str_eq(m.domain, "b.example");
}
END_TEST

/* Pieces of a line a mail client or a forum wrapped: joined only when nothing else reads. */
START_TEST(wrapped_continuations)
{
	static const char cut_comma[] = "Mar 17 11:45:01 gw sendmail[6954]: n2HBj1UK006954: "
	    "to=ops, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30318, ";
	static const char cut_colon[] = "exmx1 : Dec 14 05:28:39 exmx1 sendmail[31574]: "
	    "mBDIYhEa031574:";
	static const char cut_word[] = "to=<a at b.example>, delay=00:00:00, xde";

#define J(p, n) mta_continuation(p, strlen(p), n, strlen(n))
	ck_assert(mta_unfinished(cut_comma, strlen(cut_comma)));
	ck_assert(mta_unfinished(cut_colon, strlen(cut_colon)));
	ck_assert(mta_unfinished(cut_word, strlen(cut_word)));
#define U(s) mta_unfinished(s, strlen(s))
	ck_assert(!U("Nov 23 10:15:02 gw postfix/smtp[4711]: connect to "
	    "a.example[192.0.2.1]:25: Connection refused"));
	ck_assert(!U("a line, Connection Refused"));
	ck_assert(!U("   "));
#undef U
	ck_assert_int_eq(J(cut_comma, "relay=[127.0.0.1] [127.0.0.1], dsn=4.0.0, "
	    "stat=Deferred: Connection refused by [127.0.0.1]"), MTA_JOIN_SPACE);
	ck_assert_int_eq(J(cut_colon, "to=<a at b.example>, delay=00:00:00, xde"),
	    MTA_JOIN_SPACE);
	ck_assert_int_eq(J(cut_word, "lay=00:00:00, mailer=esmtp, pri=41874"), MTA_JOIN_DIRECT);
	ck_assert_int_eq(J("delay=00:00:00, de", "lay=00:00:00"), MTA_JOIN_DIRECT);
	/* not a field of the MTA's, or not at a field's end: never */
	ck_assert_int_eq(J(cut_comma, "foo=bar"), MTA_JOIN_NONE);
	ck_assert_int_eq(J(cut_comma, "Relay=x"), MTA_JOIN_NONE);
	ck_assert_int_eq(J(cut_comma, "relay"), MTA_JOIN_NONE);
	ck_assert_int_eq(J(cut_comma, "relay =x"), MTA_JOIN_NONE);
	ck_assert_int_eq(J(cut_word, "foo=00:00:00"), MTA_JOIN_NONE);
	ck_assert_int_eq(J("delay=00:00:00 xde", "lay=00:00:00"), MTA_JOIN_NONE);
	ck_assert_int_eq(J("a sentence ends here.", "to=<a@b.example>"), MTA_JOIN_NONE);
	ck_assert_int_eq(J("", "to=<a@b.example>"), MTA_JOIN_NONE);
#undef J
}
END_TEST

Suite *
mta_suite(void)
{
	Suite *s = suite_create("mta");
	TCase *tc = tcase_create("lines");

	tcase_add_test(tc, exim_host_lines_without_h);
	tcase_add_test(tc, exim_message_log_address_line);
	tcase_add_test(tc, sendmail_cached_status_is_held);
	tcase_add_test(tc, postfix_service_names);
	tcase_add_test(tc, exim_verbose_timeout);
	tcase_add_test(tc, wrapped_continuations);
	suite_add_tcase(s, tc);
	return s;
}
