/* peer: host[:port] as a log or the command line names a smart host. */
#include <check.h>
#include <string.h>

#include "util/peer.h"
#include "testutil.h"

/* Parse s, which must succeed, and compare host and port. */
static void
expect_ok(const char *s, unsigned default_port, const char *want_host, unsigned want_port)
{
	char host[PEER_HOST_MAX], err[ERR_LEN] = "";
	unsigned port = 12345;

	ck_assert_msg(peer_parse(s, default_port, host, &port, err) == 0,
	    "peer_parse(\"%s\") failed: %s", s, err);
	ck_assert_msg(strcmp(host, want_host) == 0, "peer_parse(\"%s\"): host \"%s\", want \"%s\"",
	    s, host, want_host);
	ck_assert_msg(port == want_port, "peer_parse(\"%s\"): port %u, want %u", s, port,
	    want_port);
}

/* Parse s, which must fail with a message that quotes s and contains why. */
static void
expect_fail(const char *s, const char *why)
{
	char host[PEER_HOST_MAX], err[ERR_LEN] = "";
	unsigned port = 0;

	ck_assert_msg(peer_parse(s, PEER_SMTP_PORT, host, &port, err) == -1,
	    "peer_parse(\"%.300s\") was accepted", s);
	ck_assert_msg(err[0] != '\0', "peer_parse(\"%.300s\"): no message", s);
	ck_assert_msg(strstr(err, why) != NULL, "peer_parse(\"%.300s\"): \"%s\" lacks \"%s\"",
	    s, err, why);
	ck_assert_msg(strlen(err) < ERR_LEN, "message not terminated");
}

START_TEST(host_alone_takes_default_port)
{
	expect_ok("relay.contoso.example", PEER_SMTP_PORT, "relay.contoso.example", 25);
	expect_ok("127.0.0.1", PEER_SMTP_PORT, "127.0.0.1", 25);
	expect_ok("localhost", 2525, "localhost", 2525);
	expect_ok("mailgw", 0, "mailgw", 0);
	expect_ok("mail-1.ex_ample.com.", 25, "mail-1.ex_ample.com.", 25);
	expect_ok("a", 25, "a", 25);
}
END_TEST

START_TEST(host_and_port)
{
	expect_ok("127.0.0.1:2525", PEER_SMTP_PORT, "127.0.0.1", 2525);
	expect_ok("relay.example:587", 0, "relay.example", 587);
	expect_ok("relay:1", 25, "relay", 1);
	expect_ok("relay:65535", 25, "relay", 65535);
	expect_ok("relay:25", 0, "relay", 25);
}
END_TEST

START_TEST(bracketed_ipv6)
{
	expect_ok("[::1]", PEER_SMTP_PORT, "::1", 25);
	expect_ok("[::1]", 0, "::1", 0);
	expect_ok("[::1]:2525", PEER_SMTP_PORT, "::1", 2525);
	expect_ok("[2001:db8::25]:587", 25, "2001:db8::25", 587);
	expect_ok("[fe80::1%eth0]:25", 0, "fe80::1%eth0", 25);
	expect_ok("[::ffff:192.0.2.1]", 25, "::ffff:192.0.2.1", 25);
}
END_TEST

/* Postfix's notations: [host]:port (relayhost), host[addr]:port (its client). */
START_TEST(postfix_notations)
{
	struct peer_ref ref;
	char err[ERR_LEN];

	expect_ok("[relay.example]", PEER_SMTP_PORT, "relay.example", 25);
	expect_ok("[relay.example]:587", PEER_SMTP_PORT, "relay.example", 587);
	expect_ok("[1.2.3.4]:25", 0, "1.2.3.4", 25);
	expect_ok("mx.b.example[192.0.2.7]:25", 0, "mx.b.example", 25);
	expect_ok("mx.b.example[192.0.2.7]", 2525, "mx.b.example", 2525);
	expect_ok("mx.b.example[2001:db8::7]:25", 0, "mx.b.example", 25);
	expect_ok("unknown[192.0.2.7]:25", 0, "192.0.2.7", 25);
	ck_assert_int_eq(peer_parse_ref("mx.b.example[192.0.2.7]:26", 25, &ref, err), 0);
	ck_assert_str_eq(ref.host, "mx.b.example");
	ck_assert_str_eq(ref.addr, "192.0.2.7");
	ck_assert_uint_eq(ref.port, 26);
	ck_assert_int_eq(peer_parse_ref("[relay.example]", 25, &ref, err), 0);
	ck_assert_str_eq(ref.addr, "");
}
END_TEST

/* The notations of log lines, read where they start. */
START_TEST(log_notations)
{
	static const struct {
		const char *s;
		int names_alone;
		size_t used;
		const char *host, *addr;
		unsigned port;
	} t[] = {
		{ "mx.b.example[192.0.2.7]:25: Connection refused", 0, 26, "mx.b.example",
		    "192.0.2.7", 25 },
		{ "mx.b.example[192.0.2.7] while sending", 0, 23, "mx.b.example", "192.0.2.7", 0 },
		{ "mx.b.example [192.0.2.7]:587 Connection refused", 0, 28, "mx.b.example",
		    "192.0.2.7", 587 },
		{ "mx.b.example [2001:db8::7] No route", 0, 26, "mx.b.example", "2001:db8::7", 0 },
		{ "[198.51.100.25], dsn=4.0.0", 0, 15, "198.51.100.25", "198.51.100.25", 0 },
		{ "[IPv6:2001:db8::7]:25", 0, 21, "2001:db8::7", "2001:db8::7", 25 },
		{ "relay.example.net. [198.51.100.25], dsn", 0, 34, "relay.example.net",
		    "198.51.100.25", 0 },
		{ "relay.example.net.", 1, 18, "relay.example.net", "", 0 },
		{ "unknown[192.0.2.7]", 0, 18, "192.0.2.7", "192.0.2.7", 0 },
		{ "192.0.2.7[192.0.2.7]:25", 0, 23, "192.0.2.7", "192.0.2.7", 25 },
		/* the Exim test harness's munged address: the name stands */
		{ "thisloop.test.ex [ip4.ip4.ip4.ip4] Connection", 0, 34, "thisloop.test.ex", "",
		    0 },
	};
	static const char *const none[] = {
		"relay.example.net. said", "(helo) [192.0.2.7]", "[not an address]", "-x[1.2.3.4]",
		"", "[", "name [", "name[]", ".hidden[1.2.3.4]",
	};
	struct peer_ref ref;
	size_t i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = peer_read(t[i].s, strlen(t[i].s), t[i].names_alone, &ref);
		ck_assert_msg(n == t[i].used, "\"%s\": took %zu, want %zu", t[i].s, n, t[i].used);
		ck_assert_str_eq(ref.host, t[i].host);
		ck_assert_str_eq(ref.addr, t[i].addr);
		ck_assert_uint_eq(ref.port, t[i].port);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		ck_assert_msg(peer_read(none[i], strlen(none[i]), 0, &ref) == 0,
		    "\"%s\" read as a peer", none[i]);
}
END_TEST

/* One rule for query and diagnose: a receiving server's notation. */
START_TEST(server_lines)
{
	static const char *const server[] = {
		"lost connection after AUTH from unknown[198.51.100.23]",
		"connect from mail.example.com[192.0.2.1]",
		"SMTP connection from (helo.example) [198.51.100.23]:51451 lost",
		"NOQUEUE: reject: RCPT from x.example[2001:db8::1]: 554 5.7.1",
	};
	static const char *const client[] = {
		"lost connection with mx.b.example[192.0.2.7] while sending RCPT TO",
		"connect to mx.b.example[192.0.2.7]:25: Connection refused",
		"timeout waiting for input from [198.51.100.25] during client DATA status",
		"H=mx.b.example [192.0.2.7] Connection refused",
	};
	size_t i;

	for (i = 0; i < sizeof(server) / sizeof(server[0]); i++)
		ck_assert_msg(peer_server_line(server[i], strlen(server[i])), "%s", server[i]);
	for (i = 0; i < sizeof(client) / sizeof(client[0]); i++)
		ck_assert_msg(!peer_server_line(client[i], strlen(client[i])), "%s", client[i]);
}
END_TEST

START_TEST(bad_ports_are_rejected)
{
	expect_fail("relay:0", "from 1 to 65535");
	expect_fail("relay:65536", "from 1 to 65535");
	expect_fail("relay:99999999999999999999999", "from 1 to 65535");
	expect_fail("relay:25x", "from 1 to 65535");
	expect_fail("relay:25 ", "from 1 to 65535");
	expect_fail("relay:abc", "must be a number");
	expect_fail("relay:", "must be a number");
	expect_fail("relay:-1", "must be a number");
	expect_fail("relay:+25", "must be a number");
	expect_fail("relay: 25", "must be a number");
	expect_fail("[::1]:0", "from 1 to 65535");
	expect_fail("[::1]:70000", "from 1 to 65535");
	expect_fail("[::1]:", "must be a number");
	expect_fail("[::1]:smtp", "must be a number");
	/* The message names the input. */
	expect_fail("relay:65536", "'relay:65536'");
}
END_TEST

START_TEST(unbracketed_ipv6_is_explained)
{
	expect_fail("::1", "[ADDRESS]:PORT");
	expect_fail("fe80::1", "in brackets");
	expect_fail("2001:db8::1:25", "[ADDRESS]:PORT");
	expect_fail("::1", "'::1'");
}
END_TEST

START_TEST(bracket_mistakes)
{
	expect_fail("[::1", "missing ']'");
	expect_fail("[", "missing ']'");
	expect_fail("[::1]x", "unexpected text after ']'");
	expect_fail("[::1] :25", "unexpected text after ']'");
	expect_fail("[::1]]", "unexpected text after ']'");
	expect_fail("[]", "not a valid host");
	expect_fail("[]:25", "not a valid host");
	/* brackets hold an IPv6 address or Postfix's [host], nothing else */
	expect_fail("[::g]", "not a valid host");
	expect_fail("[relay example]", "not a valid host");
	expect_fail("[-relay]", "not a valid host");
	expect_fail("[relay.example", "missing ']'");
	expect_fail("[relay.example]x", "unexpected text after ']'");
	/* host[addr]: a name and an address, nothing else */
	expect_fail("relay[1.2.3.4", "missing ']'");
	expect_fail("relay[not.an.address]", "not a valid host");
	expect_fail("relay[1.2.3.4]x", "unexpected text after ']'");
	expect_fail("-relay[1.2.3.4]", "not a valid host");
	expect_fail("[1.2.3.4][1.2.3.4]", "unexpected text after ']'");
}
END_TEST

START_TEST(hostile_strings_are_rejected)
{
	static const char *bad[] = {
		"", "a b", " relay", "relay ", "x;rm -rf /", "-oProxyCommand=sh",
		"-oProxyCommand", ".hidden", "$(id)", "`id`", "a'b", "a\"b", "\"relay\"",
		"a/b", "a\\b", "relay\n", "relay\r\nRCPT", "a\tb", "x|y", "x&y", "x>y",
		"x<y", "x*", "x?", "a,b", "a@b", "a=b", "a\x1b[31m", "caf\xC3\xA9",
		"[a b]", "[-oProxyCommand]", "[x;rm]", "[.1]", "[::1;id]", "[::1\n]",
		":25", "[]",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char host[PEER_HOST_MAX], err[ERR_LEN] = "";
		unsigned port = 0;

		ck_assert_msg(peer_parse(bad[i], 25, host, &port, err) == -1,
		    "peer_parse accepted case %zu \"%s\"", i, bad[i]);
		ck_assert_msg(err[0] != '\0', "case %zu: no message", i);
	}
	expect_fail("a b", "not a valid host name or address");
	expect_fail("x;rm -rf /", "not a valid host name or address");
	expect_fail("-oProxyCommand", "not a valid host name or address");
	expect_fail("", "not a valid host name or address");
	expect_fail("x;rm:25", "not a valid host name or address");
}
END_TEST

START_TEST(long_hosts)
{
	char s[PEER_HOST_MAX + 64], v6[PEER_HOST_MAX + 64], want[PEER_HOST_MAX + 64];
	char huge[4096];

	/* PEER_HOST_MAX - 1 characters fit, PEER_HOST_MAX do not. */
	memset(s, 'a', PEER_HOST_MAX - 1);
	s[PEER_HOST_MAX - 1] = '\0';
	expect_ok(s, 25, s, 25);
	strcpy(want, s);
	strcat(s, ":2525");
	expect_ok(s, 25, want, 2525);
	memset(s, 'a', PEER_HOST_MAX);
	s[PEER_HOST_MAX] = '\0';
	expect_fail(s, "not a valid host");
	strcat(s, ":25");
	expect_fail(s, "not a valid host");

	/* The same inside brackets: an IPv6 address with a long zone. */
	strcpy(want, "fe80::1%");
	memset(want + 8, 'z', PEER_HOST_MAX - 1 - 8);
	want[PEER_HOST_MAX - 1] = '\0';
	v6[0] = '[';
	strcpy(v6 + 1, want);
	strcat(v6, "]:25");
	expect_ok(v6, 0, want, 25);
	strcpy(v6 + 1, want);
	strcat(v6, "z]:25");
	expect_fail(v6, "not a valid host");
	/* Colons alone are not an address, however many. */
	v6[0] = '[';
	memset(v6 + 1, ':', 40);
	strcpy(v6 + 41, "]");
	expect_fail(v6, "not a valid host");

	/* A very long string: rejected, and the message stays short. */
	memset(huge, 'h', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	expect_fail(huge, "not a valid host");
	memset(huge, ';', 100);
	expect_fail(huge, "not a valid host");
}
END_TEST

START_TEST(valid_host)
{
	static const char *good[] = {
		"localhost", "127.0.0.1", "relay.contoso.example", "mail-1.ex_ample.com.",
		"::1", "fe80::1%eth0", "2001:db8::25", "a",
	};
	static const char *bad[] = {
		"", "a b", "-x", ".x", "x;y", "[::1]", "a/b", "a\nb", "caf\xC3\xA9", "$(id)",
		"x\x1b", "-oProxyCommand=sh",
		/* a colon makes it an IPv6 address, and then it must be one */
		"host:25", "a:b", "::g", ":::", "1::2::3", "fe80::1%", "fe80::1%a b",
		"fe80::1%eth0%1", "relay%eth0",
	};
	char s[PEER_HOST_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(peer_valid_host(good[i]), "\"%s\" refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!peer_valid_host(bad[i]), "\"%s\" accepted", bad[i]);
	memset(s, 'a', PEER_HOST_MAX - 1);
	s[PEER_HOST_MAX - 1] = '\0';
	ck_assert(peer_valid_host(s));
	s[PEER_HOST_MAX - 1] = 'a';
	s[PEER_HOST_MAX] = '\0';
	ck_assert(!peer_valid_host(s));
}
END_TEST

/* What peer_parse accepts, peer_valid_host accepts too. */
START_TEST(parsed_hosts_are_valid)
{
	static const char *in[] = {
		"relay", "relay:25", "127.0.0.1:2525", "[::1]", "[::1]:25", "[fe80::1%eth0]:25",
	};
	char host[PEER_HOST_MAX], err[ERR_LEN];
	unsigned port;
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		ck_assert_msg(peer_parse(in[i], 25, host, &port, err) == 0, "%s: %s", in[i], err);
		ck_assert_msg(peer_valid_host(host), "\"%s\" from \"%s\" refused", host, in[i]);
	}
}
END_TEST

Suite *
peer_suite(void)
{
	Suite *s = suite_create("peer");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, host_alone_takes_default_port);
	tcase_add_test(tc, host_and_port);
	tcase_add_test(tc, bracketed_ipv6);
	tcase_add_test(tc, postfix_notations);
	tcase_add_test(tc, log_notations);
	tcase_add_test(tc, server_lines);
	tcase_add_test(tc, bad_ports_are_rejected);
	tcase_add_test(tc, unbracketed_ipv6_is_explained);
	tcase_add_test(tc, bracket_mistakes);
	tcase_add_test(tc, hostile_strings_are_rejected);
	tcase_add_test(tc, long_hosts);
	suite_add_tcase(s, tc);

	tc = tcase_create("valid_host");
	tcase_add_test(tc, valid_host);
	tcase_add_test(tc, parsed_hosts_are_valid);
	suite_add_tcase(s, tc);
	return s;
}
