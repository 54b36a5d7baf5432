/*
 * genlog: a seeded generator of Microsoft Mail Gateway to SMTP logs, the
 * SMTPGATE.LOG that `smtpgate -cd -lacsy` writes (kb-source Q112286,
 * docs/log-format.md), at any size, for the log-ingestion benchmark
 * (tests/bench/run.sh) and the genlog check suite.
 *
 *   genlog [--seed N] [--size BYTES|123K|123M|1G] [--manifest FILE]
 *          [--error-rate R] [--events FILE]
 *
 * The log goes to standard output. It is made of start-up banners with full
 * ctime() dates, the smart-host line, idle cycles, outgoing and incoming
 * sessions with their transcripts, clocks that advance and roll over
 * midnight, and failures: the error texts of the rule base's articles with
 * their companion lines, at the phase of the session where the gateway
 * prints them, often in bursts (the smart host stays down for several
 * sessions). Near misses, lines that look like errors but match no
 * article (the rule base's counter-examples), are sprinkled in.
 *
 * The same seed gives the same bytes on every machine: the generator has its
 * own PRNG (xoshiro256** seeded by splitmix64) and never reads the clock or
 * the locale.
 *
 * --manifest FILE writes what was generated as JSON, so that a test can
 * check kbdiag's counts exactly:
 *
 *   {"seed": N, "bytes": N, "lines": N, ...,
 *    "errors": {"<error text template>": {"article": "Q100709", "count": N,
 *               "companions": N, "first_seen": "1993-03-27T09:10:11",
 *               "last_seen": ..., "also": ["Q102107"]}, ...},
 *    "near_misses": {"<text>": N, ...}}
 *
 * An error text template is a line as printed after "HH:MM:SS - " (or a
 * transcript line from its "[tx]"/"[rx]" tag), with {gw}, {peer} and {user}
 * standing for the names filled in. "count" is how many lines of that text
 * were written: each is a primary symptom of "article" and, when the rule
 * base's articles share the text, of every article in "also" as well.
 * "companions" is how many companion lines of "article" followed them
 * within three lines (an "also" article may count some of them too).
 * "first_seen" and "last_seen" are the log times of the first and the last
 * of them, as docs/log-format.md derives them: the date from the start-up
 * banner and the midnights passed since, the time from the last event line.
 *
 * --events FILE writes, for each failure, the NDJSON event smtpgw writes
 * beside its text log (docs/events.md): time, text, phase, peer, port,
 * queue_id; the benchmark mixes them into a log of several formats.
 *
 * Exit status: 0; 1 when the log or the manifest cannot be written (with a
 * message); 2 for a bad command line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_CAP		(1u << 20)	/* output buffer */
#define LINE_MAX_LEN	1024		/* no generated line is longer */
#define DAY_SECONDS	86400

/* ------------------------------------------------------------------ */
/* The failures: error texts from the rule base, placed where they occur. */

/* Where in the gateway's work a failure shows. */
enum phase {
	PH_STARTUP,	/* reading the configuration; the gateway then exits */
	PH_SPAWN,	/* running SMTPGET to look for outgoing mail */
	PH_CONNECT,	/* connecting to the smart host */
	PH_GREETING,	/* waiting for the smart host's 220 */
	PH_HELO,	/* after HELO */
	PH_TRANSLATE,	/* turning the Microsoft Mail message into SMTP */
	PH_MAIL,	/* after MAIL FROM */
	PH_RCPT,	/* after RCPT TO */
	PH_BODY,	/* sending the message body */
	PH_EOD,		/* waiting for the reply to the final dot */
	PH_QUIT,	/* closing the connection after QUIT */
	PH_IN_CONNECT,	/* an incoming connection was accepted */
	PH_IN_HELO,	/* the caller's greeting */
	PH_IN_MAIL,	/* the caller's MAIL FROM */
	PH_IN_RCPT,	/* the caller's RCPT TO */
	PH_IN_DATA,	/* receiving the message body */
	PH_IN_HEADER,	/* the received message's headers */
	PH_IN_PUT	/* SMTPPUT delivering it into Microsoft Mail */
};

enum role {
	PLAIN,		/* a normal line around the error */
	PRIMARY,	/* a primary symptom of `article` (and of `also`) */
	COMPANION	/* a companion of the scenario's first primary */
};

/*
 * A line of a failure. The text is a template: {gw}, {peer}, {user} are
 * filled in; "[tx] " and "[rx] " make a transcript line, anything else an
 * event line with the time.
 */
struct sline {
	enum role	 role;
	const char	*text;
	const char	*article;	/* PRIMARY: the article */
	const char	*also;		/* PRIMARY: other articles, space-separated */
};

#define SLINES_MAX	4

struct scenario {
	enum phase	 phase;
	unsigned	 weight;	/* relative frequency */
	int		 burst;		/* may repeat over consecutive sessions */
	int		 goes_on;	/* a warning: the session carries on */
	struct sline	 lines[SLINES_MAX];
};

#define P(t, a)		{ PRIMARY, t, a, NULL }
#define P2(t, a, b)	{ PRIMARY, t, a, b }
#define C(t)		{ COMPANION, t, NULL, NULL }
#define L(t)		{ PLAIN, t, NULL, NULL }

/*
 * The texts are the rule base's <example>s (the XML files in kb/articles/). Which
 * articles a text is primary for, and which companions count, is what the
 * rule base says today: the genlog check suite fails when that changes, and
 * this table is then brought up to date.
 */
static const struct scenario scenarios[] = {
	/* The smart host or the path to it is down: the common case. */
	{ PH_CONNECT, 60, 1, 0, {
	    P("ERROR connect: (121) network error", "Q99852"),
	    P("ERROR connection to smart host failed", "Q99852") } },
	{ PH_CONNECT, 10, 1, 0, {
	    P("ERROR connect: (121) network error", "Q99852"),
	    P("ERROR connection to smart host failed", "Q99852"),
	    P("NC_incoming: unavailable", "Q99852") } },
	{ PH_GREETING, 25, 1, 0, {
	    P2("ERROR Network_read: Lost network connection", "Q100709", "Q102107"),
	    C("SMTP_recv: system error") } },
	{ PH_HELO, 20, 1, 0, {
	    P2("ERROR Network_read: Lost network connection", "Q100709", "Q102107"),
	    C("SMTP_recv: system error") } },
	{ PH_EOD, 20, 1, 0, {
	    P2("ERROR Network_read: Lost network connection", "Q100709", "Q102107"),
	    C("SMTP_recv: system error") } },
	{ PH_BODY, 80, 1, 0, {
	    P("Error (119) Network Write Error,", "Q123827") } },
	{ PH_EOD, 40, 1, 0, {
	    P("Error (116) Network Read Error,", "Q123826") } },
	{ PH_HELO, 15, 1, 0, {
	    P("Error (116) Network Read Error,", "Q123826") } },
	{ PH_EOD, 20, 1, 0, {
	    P("ERROR read: (52) Network dropped connection or reset", "Q100706"),
	    C("SMTP_recv: system error") } },
	{ PH_GREETING, 15, 1, 0, {
	    P("ERROR network_read: timed out", "Q101682"),
	    C("ERROR SMTP_get_response:getline () <=0") } },
	{ PH_HELO, 8, 1, 0, {
	    P("ERROR network_read: timed out", "Q101682"),
	    C("ERROR SMTP_get_response:getline () <=0"),
	    C("NC_incoming:system error") } },
	{ PH_BODY, 12, 1, 0, {
	    P("ERROR write: (57) Socket is not connected", "Q100707") } },
	{ PH_BODY, 12, 1, 0, {
	    P("ERROR write: (119) network error", "Q100708") } },
	{ PH_BODY, 8, 1, 0, {
	    P("ERROR write: (1) (null)", "Q99857") } },
	{ PH_BODY, 6, 1, 0, {
	    P("ERROR write: (60) Connection timed out", "Q112237") } },
	{ PH_EOD, 6, 1, 0, {
	    P("ERROR read: (60) Connection timed out", "Q112237") } },
	{ PH_MAIL, 6, 0, 0, {
	    P("SMTP_recv: system error", "Q100512") } },
	{ PH_MAIL, 4, 0, 0, {
	    P("SMTP_recv: protocol error", "Q100704") } },

	/* The TCP/IP stack of the gateway PC. */
	{ PH_BODY, 3, 0, 0, {
	    P("ERROR write: (9) Bad file number", "Q105289") } },
	{ PH_QUIT, 3, 0, 0, {
	    P("ERROR close: (9) Bad file number", "Q118970") } },
	{ PH_MAIL, 2, 0, 0, {
	    P("[rx] 451 net hang reading from {gw}: Connection timed out "
	      "during HELO with {peer}", "Q105289"),
	    P("ERROR Invalid response to MAIL: 451 net hang reading from {gw}: "
	      "Connection timed out during HELO with {peer}", "Q105289") } },

	/* Translating outgoing mail. */
	{ PH_TRANSLATE, 3, 0, 0, {
	    P2("ERROR translating message to SMTP: protocol error",
	       "Q98159", "Q129713") } },
	{ PH_TRANSLATE, 2, 0, 0, {
	    P("ERROR MMFF protocol error", "Q100703"),
	    C("NC_incoming: protocol error") } },

	/* The smart host refuses a recipient. */
	{ PH_RCPT, 2, 0, 0, {
	    L("[rx] 550 {user}... User unknown"),
	    P("Recipient unknown", "Q108052") } },
	{ PH_RCPT, 2, 0, 0, {
	    P("[rx] 550 xxenc@{peer}... XXENC User unknown", "Q136116") } },
	{ PH_RCPT, 1, 0, 0, {
	    L("[rx] 550 {user}... User unknown"),
	    P("The following recipients could not be reached...", "Q127727") } },

	/* SMTPGET, the post office, the workstation. */
	{ PH_SPAWN, 3, 0, 0, {
	    P("ERROR Spawn (SMTPget): (2) No such file or directory", "Q100925"),
	    C("NC_incoming: system error") } },
	{ PH_SPAWN, 2, 0, 0, {
	    P("Error SMTPGet 52 a file open error has occurred", "Q128434"),
	    C("NC_Incoming system error") } },
	{ PH_SPAWN, 2, 0, 0, {
	    P("Error SMTPGET: 20 - Insufficient memory", "Q156166") } },
	{ PH_SPAWN, 2, 0, 0, {
	    P("Insufficient memory", "Q105290") } },
	{ PH_SPAWN, 1, 0, 0, {
	    P("This device does not exist on the network. reading drive M "
	      "Abort, Retry Fail?", "Q136041") } },
	{ PH_SPAWN, 1, 0, 0, {
	    P("Access denied", "Q119277") } },
	{ PH_SPAWN, 1, 0, 0, {
	    P("Can not use indirect postoffice to forward mail", "Q123825") } },
	{ PH_SPAWN, 1, 0, 0, {
	    P("Err=-9702 Function=MMFF_DequeueMsg No KeywordFound:", "Q118562") } },

	/* Start-up. */
	{ PH_STARTUP, 2, 0, 0, {
	    P("ERROR socket: (123) network error", "Q124801"),
	    C("SMTP_listen: system error") } },
	{ PH_STARTUP, 2, 0, 0, {
	    P("Error bind (110) smtp_listen system error", "Q115491") } },
	{ PH_STARTUP, 1, 0, 0, {
	    P("socket error (123)", "Q96244") } },
	{ PH_STARTUP, 1, 0, 0, {
	    P("134 Error accessing SMTP Configuration File", "Q127733") } },
	{ PH_STARTUP, 1, 0, 0, {
	    P("Sockets error: the value for Key host name not found in "
	      "TCPUTILS.INI file by sockets", "Q128438") } },
	{ PH_STARTUP, 1, 0, 0, {
	    P("Error: Sockets 0116:", "Q141663"),
	    C("TCP Access Failure by Sockets") } },

	/* Incoming mail: warnings (the session goes on) and refusals. */
	{ PH_IN_CONNECT, 4, 0, 1, {
	    P("WARNING Incoming SMTP mail from unknown host", "Q105130") } },
	{ PH_IN_HELO, 3, 0, 1, {
	    L("[rx] EHLO {peer}"),
	    P("[tx] 550 Huh?", "Q100352") } },
	{ PH_IN_HELO, 2, 0, 1, {
	    L("[rx] XVRB"),
	    P("[tx] 500 Huh?", "Q99854") } },
	{ PH_IN_HELO, 2, 0, 1, {
	    L("[rx] RCPT To:<{user}>"),
	    P("[tx] 503 Bad command sequence", "Q99855") } },
	{ PH_IN_MAIL, 4, 0, 1, {
	    P("WARNING No return path", "Q107087") } },
	{ PH_IN_DATA, 4, 0, 1, {
	    P("WARNING getline: NL with no CR", "Q99853") } },
	{ PH_IN_HEADER, 3, 0, 1, {
	    P("Header: Encoding: 2 TEXT, 391 HEX", "Q118487") } },
	{ PH_IN_RCPT, 4, 0, 0, {
	    P("[tx] 550 Addressee unknown", "Q100705") } },
	{ PH_IN_RCPT, 3, 0, 0, {
	    P("ERROR {user} is an invalid Courier Mailbox", "Q107089"),
	    C("[tx] 550 Addressee unknown") } },

	/* SMTPPUT and the Microsoft Mail database. */
	{ PH_IN_PUT, 2, 0, 0, {
	    P2("ERROR SMTPPUT: 201- 1 - 140 - Failure submitting message to "
	       "mail database", "Q128570", "Q134949"),
	    C("[tx] 552 Error in local delivery") } },
	{ PH_IN_PUT, 2, 0, 0, {
	    P("SMTPPUT returned 201", "Q135926"),
	    C("201 - 1 - 140 - Failure submitting message to mail database"),
	    C("[tx] 552 Error in local delivery") } },
	{ PH_IN_PUT, 2, 0, 0, {
	    P("ERROR SMTPPUT", "Q115495"),
	    C("[tx] 552 Error in local delivery") } },
	{ PH_IN_PUT, 2, 0, 0, {
	    P("ERROR translating message to Microsoft Mail", "Q99856"),
	    P("[tx] 552 Error in local delivery", "Q99856") } },
	{ PH_IN_PUT, 1, 0, 0, {
	    P("ERROR Translating message to Microsoft Mail: out of memory",
	      "Q108054"),
	    C("ERROR {user} is an invalid Courier Mailbox"),
	    C("[tx] 552 Error in local delivery") } },
	{ PH_IN_PUT, 1, 0, 0, {
	    P("Error SMTPPUT: 20 - Insufficient memory", "Q156166") } },
};

#define NSCENARIOS	(sizeof(scenarios) / sizeof(scenarios[0]))

/* After a burst of failed deliveries the gateway parks the message. */
static const struct sline retry_exceeded = P(
    "Warning SMTP output retry count exceeded saving to m:\\SMTP\\outbad.api",
    "Q129239");

/* Where a near miss may go. */
enum slot {
	NM_EVENT,	/* an event line in the middle of a session */
	NM_STARTUP,	/* an event line while the gateway starts */
	NM_RCPT,	/* the smart host's reply to RCPT TO */
	NM_EOD,		/* the smart host's reply to the final dot */
	NM_HEADER	/* a header of a received message */
};

struct near_miss {
	enum slot	 slot;
	const char	*text;
};

/* The rule base's counter-examples that match no article. */
static const struct near_miss near_misses[] = {
	{ NM_EVENT, "NC_incoming: protocol error" },
	{ NM_EVENT, "NC_incoming: system error" },
	{ NM_EVENT, "SMTP_listen: system error" },
	{ NM_EVENT, "No such file or directory" },
	{ NM_EVENT, "ERROR reading drive M" },
	{ NM_EVENT, "Not ready reading drive A" },
	{ NM_EVENT, "Abort, Retry, Fail?" },
	{ NM_EVENT, "ERROR SMTP_get_response:getline () <=0" },
	{ NM_EVENT, "SMTPPUT returned 20" },
	{ NM_EVENT, "202 - 1 - 140 - Failure submitting message to mail database" },
	{ NM_EVENT, "201 - 1 - 140 - Failure submitting message to mail database" },
	{ NM_EVENT, "Err=-9701 Function=MMFF_DequeueMsg No KeywordFound:" },
	{ NM_EVENT, "Access to the postoffice granted" },
	{ NM_EVENT, "The following recipients were reached" },
	{ NM_STARTUP, "socket error (121)" },
	{ NM_STARTUP, "Error bind (111) smtp_listen system error" },
	{ NM_STARTUP, "134 Error accessing SMTP address map" },
	{ NM_STARTUP, "Sockets error: the value for Key numsockets not found in "
	    "TCPUTILS.INI file by sockets" },
	{ NM_RCPT, "[rx] 550 {user}... User unknown" },
	{ NM_RCPT, "[rx] 554 Transaction failed" },
	{ NM_EOD, "[rx] 552 Requested mail action aborted: exceeded storage "
	    "allocation" },
	{ NM_EOD, "[rx] 554 Transaction failed" },
	{ NM_HEADER, "Header: Encoding: 2 TEXT, 1596 UUENCODE" },
	{ NM_HEADER, "Header: X-MS-Attachment: smtptest.doc 1024 07-13-1993 13:20" },
};

#define NNEAR		(sizeof(near_misses) / sizeof(near_misses[0]))

/* ------------------------------------------------------------------ */
/* The simulated site. */

static const char *const gw_names[] = { "marvgard", "mailgw", "smtpgate", "gwpc01" };
static const char *const domains[] = {
	"company.example", "contoso.example", "fabrikam.example", "dept.example"
};
/* The smart hosts, and the names they give in their greetings. */
static const char *const smart_hosts[][2] = {
	{ "192.0.2.15", "company.example" },
	{ "192.0.2.25", "relay.fabrikam.example" },
	{ "198.51.100.7", "mx.tailspin.example" },
	{ "203.0.113.40", "mail.wingtip.example" },
	{ "relay.contoso.example", "relay.contoso.example" }
};
static const char *const post_offices[] = { "MSPO1", "PO2", "HQPO", "SALES" };
static const char *const users[] = {
	"JSMITH", "AGARCIA", "ADMIN", "BLEE", "MCHEN", "KOKAFOR", "RPATEL",
	"SNGUYEN", "TMULLER", "LROSSI", "EKOWALSKI", "DOE"
};
static const char *const remotes[] = {
	"orders@fabrikam.example", "support@fabrikam.example",
	"root@company.example", "billing@tailspin.example", "jane@wingtip.example",
	"ops@adatum.example", "info@litware.example", "hr@northwind.example"
};
static const char *const callers[] = {
	"192.0.2.15", "192.0.2.80", "198.51.100.23", "203.0.113.9"
};
static const char *const subjects[] = {
	"Quarterly figures", "Re: meeting on Tuesday", "Order 4471",
	"Fw: network outage", "Lunch", "Invoice", "Status report"
};
static const char *const days_of_week[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */

struct rng {
	uint64_t	s[4];
};

struct gen {
	struct rng	 rng;
	uint64_t	 size;		/* stop after this many bytes */
	double		 error_rate;	/* share of sessions that fail */
	double		 burst_start;	/* chance that a session starts failing */

	/* output */
	char		*buf;
	size_t		 len;
	uint64_t	 bytes;		/* flushed so far */
	uint64_t	 lines;

	/* clock: days since 1970-01-01 and seconds into the day */
	int64_t		 day;
	long		 sec;
	int64_t		 stamp;		/* of the last event line, in seconds */

	/* the site */
	const char	*gw;
	const char	*domain;
	const char	*peer;		/* smart host in effect */
	const char	*peer_name;	/* the name it greets with */
	char		 fqdn[128];
	unsigned	 idle_bytes;
	unsigned	 idle_largest;

	/* a burst of failures in progress */
	const struct scenario *burst;
	unsigned	 burst_left;
	unsigned	 burst_len;

	/* the NDJSON events of the failures, or NULL */
	FILE		*events;
	uint64_t	 queue_seq;

	/* what was written, for the manifest */
	uint64_t	 count[NSCENARIOS][SLINES_MAX];
	int64_t		 first[NSCENARIOS][SLINES_MAX];	/* stamps, 0: none */
	int64_t		 last[NSCENARIOS][SLINES_MAX];
	uint64_t	 retry_count;
	int64_t		 retry_first, retry_last;
	uint64_t	 near_count[NNEAR];
	uint64_t	 sessions, failed, startups, midnights;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A failure while working: exit status 1. */
static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("genlog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A bad command line: exit status 2. */
static void
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("genlog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'genlog --help'.\n", stderr);
	exit(2);
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna). */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* 0 .. n-1; the modulo bias is far below anything a log could show. */
static unsigned
below(struct gen *g, unsigned n)
{
	return (unsigned)(rng_next(&g->rng) % n);
}

/* lo .. hi inclusive */
static unsigned
between(struct gen *g, unsigned lo, unsigned hi)
{
	return lo + below(g, hi - lo + 1);
}

static int
chance(struct gen *g, double p)
{
	return (double)(rng_next(&g->rng) >> 11) * 0x1.0p-53 < p;
}

#define PICK(g, a)	((a)[below((g), NELEM(a))])

/* ------------------------------------------------------------------ */
/* Output. */

static void
flush_out(struct gen *g)
{
	size_t off = 0;
	ssize_t n;

	while (off < g->len) {
		n = write(STDOUT_FILENO, g->buf + off, g->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("writing the log to standard output: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	g->bytes += g->len;
	g->len = 0;
}

/* Room for one more line. */
static char *
line_start(struct gen *g)
{
	if (OUT_CAP - g->len < LINE_MAX_LEN + 16)
		flush_out(g);
	return g->buf + g->len;
}

static void
put2(char *p, long v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* "HH:MM:SS - " at p, 11 bytes. */
static void
put_time(const struct gen *g, char *p)
{
	put2(p, g->sec / 3600);
	p[2] = ':';
	put2(p + 3, g->sec / 60 % 60);
	p[5] = ':';
	put2(p + 6, g->sec % 60);
	memcpy(p + 8, " - ", 3);
}

/* The kinds of line, by what comes before the text. */
enum lkind {
	LK_EVENT,	/* "HH:MM:SS - " */
	LK_TX,		/* " [tx] " */
	LK_RX,		/* " [rx] " */
	LK_RAW		/* nothing: the tail of a line the gateway wrapped */
};

static void vline(struct gen *g, enum lkind kind, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vline(struct gen *g, enum lkind kind, const char *fmt, va_list ap)
{
	char *p = line_start(g);
	size_t pre = 0;
	int n;

	switch (kind) {
	case LK_EVENT:
		put_time(g, p);
		pre = 11;
		g->stamp = g->day * DAY_SECONDS + g->sec;
		break;
	case LK_TX:
		memcpy(p, " [tx] ", pre = 6);
		break;
	case LK_RX:
		memcpy(p, " [rx] ", pre = 6);
		break;
	case LK_RAW:
		break;
	}
	n = vsnprintf(p + pre, LINE_MAX_LEN - pre, fmt, ap);
	if (n < 0 || (size_t)n >= LINE_MAX_LEN - pre)
		die("internal error: a generated line is too long");
	p[pre + (size_t)n] = '\n';
	g->len += pre + (size_t)n + 1;
	g->lines++;
}

static void line(struct gen *g, enum lkind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line(struct gen *g, enum lkind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(g, kind, fmt, ap);
	va_end(ap);
}

/* An event line, a line sent, a line received, a wrapped line's tail. */
#define ev(g, ...)	line((g), LK_EVENT, __VA_ARGS__)
#define tx(g, ...)	line((g), LK_TX, __VA_ARGS__)
#define rx(g, ...)	line((g), LK_RX, __VA_ARGS__)
#define raw(g, ...)	line((g), LK_RAW, __VA_ARGS__)

/*
 * A template line: {gw}, {peer}, {user} filled in; "[tx] "/"[rx] " make a
 * transcript line.
 */
static void
template_fill(struct gen *g, const char *t, char text[LINE_MAX_LEN])
{
	const char *val;
	size_t n = 0, vlen;

	while (*t) {
		val = NULL;
		if (strncmp(t, "{gw}", 4) == 0) {
			val = g->fqdn;
			t += 4;
		} else if (strncmp(t, "{peer}", 6) == 0) {
			val = g->peer;
			t += 6;
		} else if (strncmp(t, "{user}", 6) == 0) {
			val = PICK(g, users);
			t += 6;
		}
		if (val == NULL) {
			vlen = 1;
			val = t++;
		} else
			vlen = strlen(val);
		if (n + vlen >= LINE_MAX_LEN)
			die("internal error: a template line is too long");
		memcpy(text + n, val, vlen);
		n += vlen;
	}
	text[n] = '\0';
}

/* Write the template's line; text (when not NULL) gets it as filled in. */
static void
template_line_text(struct gen *g, const char *t, char text[LINE_MAX_LEN])
{
	template_fill(g, t, text);
	if (strncmp(text, "[tx] ", 5) == 0)
		tx(g, "%s", text + 5);
	else if (strncmp(text, "[rx] ", 5) == 0)
		rx(g, "%s", text + 5);
	else
		ev(g, "%s", text);
}

static void
template_line(struct gen *g, const char *t)
{
	char text[LINE_MAX_LEN];

	template_line_text(g, t, text);
}

/* ------------------------------------------------------------------ */
/* The clock. */

static void
tick(struct gen *g, unsigned lo, unsigned hi)
{
	g->sec += between(g, lo, hi);
	while (g->sec >= DAY_SECONDS) {
		g->sec -= DAY_SECONDS;
		g->day++;
		g->midnights++;
	}
}

/* Year, month (1-12), day from days since 1970-01-01 (H. Hinnant). */
static void
civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* The date as ctime() prints it, without the newline. */
static void
ctime_text(const struct gen *g, char *out, size_t size)
{
	unsigned m, d;
	int y;

	civil(g->day, &y, &m, &d);
	snprintf(out, size, "%s %s %2u %02ld:%02ld:%02ld %d",
	    days_of_week[(g->day + 4) % 7], months[m - 1], d,
	    g->sec / 3600, g->sec / 60 % 60, g->sec % 60, y);
}

/* The date as a Sendmail greeting gives it: "Tue, 23 Feb 93". */
static void
rfc822_date(const struct gen *g, char *out, size_t size)
{
	unsigned m, d;
	int y;

	civil(g->day, &y, &m, &d);
	snprintf(out, size, "%s, %u %s %02d", days_of_week[(g->day + 4) % 7],
	    d, months[m - 1], y % 100);
}

/* ------------------------------------------------------------------ */
/* Failures and near misses. */

/*
 * Write a failure's lines, counting them. They come one after the other, so
 * that a companion is within three lines of its primary.
 */
static void json_string(FILE *f, const char *s);
static void iso_time(int64_t stamp, char *out, size_t size);

/* The NDJSON event smtpgw writes for a failure (docs/events.md). */
static void
write_event(struct gen *g, const char *text)
{
	char when[32];

	if (g->events == NULL || strncmp(text, "[tx] ", 5) == 0 ||
	    strncmp(text, "[rx] ", 5) == 0)
		return;
	iso_time(g->stamp, when, sizeof(when));
	fprintf(g->events, "{\"time\":\"%s\",\"text\":", when);
	json_string(g->events, text);
	fprintf(g->events, ",\"phase\":\"data\",\"peer\":\"%s\",\"port\":25,"
	    "\"queue_id\":\"%lld.%llu\"}\n", g->peer, (long long)g->stamp,
	    (unsigned long long)++g->queue_seq);
}

static void
write_failure(struct gen *g, const struct scenario *s)
{
	size_t si = (size_t)(s - scenarios), i;
	int evented = 0;

	char text[LINE_MAX_LEN];

	for (i = 0; i < SLINES_MAX && s->lines[i].text; i++) {
		template_line_text(g, s->lines[i].text, text);
		if (s->lines[i].role == PLAIN)
			continue;
		if (s->lines[i].role == PRIMARY && !evented) {
			write_event(g, text);
			evented = 1;
		}
		g->count[si][i]++;
		if (g->first[si][i] == 0)
			g->first[si][i] = g->stamp;
		g->last[si][i] = g->stamp;
	}
}

static const struct scenario *
pick_scenario(struct gen *g)
{
	static unsigned total;
	unsigned r;
	size_t i;

	if (total == 0)
		for (i = 0; i < NSCENARIOS; i++)
			total += scenarios[i].weight;
	r = below(g, total);
	for (i = 0; i < NSCENARIOS; i++) {
		if (r < scenarios[i].weight)
			return &scenarios[i];
		r -= scenarios[i].weight;
	}
	return &scenarios[0];
}

/*
 * Mean number of sessions a failure lasts: 1, or for the burst kind half the
 * time 1 and half the time 2 to 10 (mean 6), so 3.5 (see next_failure()).
 */
static double
mean_failure_len(void)
{
	double sum = 0, weights = 0;
	size_t i;

	for (i = 0; i < NSCENARIOS; i++) {
		sum += scenarios[i].weight * (scenarios[i].burst ? 3.5 : 1.0);
		weights += scenarios[i].weight;
	}
	return sum / weights;
}

/*
 * The failure for the next session, or NULL. A failure of the network
 * kind lasts for one session or, half the time, for a burst of 2 to 10.
 */
static const struct scenario *
next_failure(struct gen *g)
{
	const struct scenario *s;

	if (g->burst_left > 0) {
		g->burst_left--;
		return g->burst;
	}
	if (!chance(g, g->burst_start))
		return NULL;
	s = pick_scenario(g);
	g->burst = s;
	g->burst_len = 1;
	if (s->burst && chance(g, 0.5))
		g->burst_len = between(g, 2, 10);
	g->burst_left = g->burst_len - 1;
	return s;
}

/* Maybe (with chance p) a near miss for this slot; 1 if one was written. */
static int
near_miss(struct gen *g, enum slot slot, double p)
{
	size_t i, n = 0, k;

	if (!chance(g, p))
		return 0;
	for (i = 0; i < NNEAR; i++)
		n += near_misses[i].slot == slot;
	k = below(g, (unsigned)n);
	for (i = 0; i < NNEAR; i++)
		if (near_misses[i].slot == slot && k-- == 0) {
			template_line(g, near_misses[i].text);
			g->near_count[i]++;
			return 1;
		}
	return 0;
}

/* Does the failure (if any) happen at this phase? */
static int
at(const struct scenario *f, enum phase ph)
{
	return f != NULL && f->phase == ph;
}

/* ------------------------------------------------------------------ */
/* What the gateway does. */

static void
idle(struct gen *g)
{
	/* Free memory drifts a little, as on the real gateway. */
	if (chance(g, 0.05)) {
		g->idle_largest = between(g, 45000, 49870);
		g->idle_bytes = g->idle_largest + between(g, 200, 1800);
	}
	ev(g, "Idling:  %u bytes, largest %u", g->idle_bytes, g->idle_largest);
}

static void
banner(struct gen *g, const struct scenario *fail)
{
	char date[64];
	size_t i;

	g->startups++;
	ctime_text(g, date, sizeof(date));
	ev(g, "%s Microsoft Mail Gateway to SMTP V3.0", date);
	ev(g, "%s Copyright 1991-1992 Microsoft Corporation. All rights reserved.",
	    date);
	ev(g, "Running from N:\\MAILEXE\\SMTPGATE.EXE");
	ev(g, "Reading local configuration from m:smtp\\local.cfg");
	tick(g, 0, 1);
	near_miss(g, NM_STARTUP, 0.05);
	ev(g, "  Local Domain = \".%s\"", g->domain);
	ev(g, "  SMTP Gateway Host Name = \"%s\"", g->gw);
	ev(g, "  SMTP Smart-Host IP = \"%s\"", g->peer);
	ev(g, "Reading local Microsoft Mail Post Offices from m:smtp\\local.cfg");
	for (i = 0; i < NELEM(post_offices); i++)
		ev(g, "  Local Post-Office: \"DEPT/%s\"", post_offices[i]);
	ev(g, "Reading address map from m:smtp\\addr_map.cfg");
	for (i = 0; i < NELEM(post_offices); i++)
		ev(g, "  Mapping \"DEPT/%s\" to \"%s.%s\"", post_offices[i],
		    post_offices[i], g->domain);
	if (fail) {
		tick(g, 0, 2);
		write_failure(g, fail);
		ev(g, "OK to Exit?");
		ev(g, "Press Y to exit, N to continue");
		return;
	}
	ev(g, "Gateway initialized");
}

static void
pick_peer(struct gen *g)
{
	unsigned i = below(g, NELEM(smart_hosts));

	g->peer = smart_hosts[i][0];
	g->peer_name = smart_hosts[i][1];
}

/* Shut down and start again later, perhaps with another smart host. */
static void
restart(struct gen *g, const struct scenario *fail)
{
	idle(g);
	ev(g, "OK to Exit?");
	ev(g, "Press Y to exit, N to continue");
	tick(g, 60, 3600);
	if (chance(g, 0.3))
		pick_peer(g);
	banner(g, fail);
	if (fail) {
		/* Somebody reads the screen, fixes it and starts it again. */
		tick(g, 300, 5400);
		banner(g, NULL);
	}
}

/* The gateway closes its side of a failed outgoing session. */
static void
close_out(struct gen *g)
{
	ev(g, "SMTP_close(socket=257)");
	ev(g, "SMTP connection closed");
}

static void
greeting(struct gen *g)
{
	char date[32];
	long t;

	switch (below(g, 4)) {
	case 0:
		/* Sendmail's long greeting, which the gateway wraps. */
		rfc822_date(g, date, sizeof(date));
		rx(g, "220 %s Sendmail 4.1/SMI-4.1 ready at %s", g->peer_name,
		    date);
		/* Its clock is a little behind the gateway's. */
		t = (g->sec + DAY_SECONDS - between(g, 60, 300)) % DAY_SECONDS;
		raw(g, "%02ld:%02ld:%02ld PST", t / 3600, t / 60 % 60, t % 60);
		break;
	case 1:
		rx(g, "220 %s ESMTP Postfix", g->peer_name);
		break;
	default:
		rx(g, "220 %s ESMTP ready", g->peer_name);
		break;
	}
}

/*
 * One outgoing session: SMTPGET finds mail, the gateway connects to the
 * smart host and relays one message, or fails at the failure's phase.
 */
static void
outgoing(struct gen *g, const struct scenario *f)
{
	const char *user = PICK(g, users), *po = PICK(g, post_offices);
	unsigned i, nrcpt = chance(g, 0.8) ? 1 : between(g, 2, 3);

	idle(g);
	ev(g, "spawning SMTPGET");
	if (at(f, PH_SPAWN)) {
		tick(g, 0, 2);
		write_failure(g, f);
		ev(g, "SMTP_accept(socket=256, timeout=120)");
		return;
	}
	ev(g, "spawn(SMTPGET)=0");
	ev(g, "Outgoing message(s) from Microsoft Mail detected");
	ev(g, "Connecting to smart SMTP host");
	if (at(f, PH_CONNECT)) {
		tick(g, 20, 75);
		write_failure(g, f);
		ev(g, "SMTP_accept(socket=256, timeout=120)");
		return;
	}
	ev(g, "SMTP_open(socket=257)");
	if (at(f, PH_GREETING)) {
		tick(g, 30, 120);
		write_failure(g, f);
		close_out(g);
		return;
	}
	greeting(g);
	tx(g, "HELO %s", g->gw);
	if (at(f, PH_HELO)) {
		tick(g, 30, 120);
		write_failure(g, f);
		close_out(g);
		return;
	}
	rx(g, "250 %s Hello %s, pleased to meet you", g->peer_name, g->gw);
	tick(g, 0, 1);
	ev(g, "NC_addr_to_RFC822( \"CSI:DEPT/%s/%s\", local )", po, user);
	ev(g, "Translating \"DEPT/%s/%s\"", po, user);
	ev(g, "Mapped to \"%s@%s.%s\"", user, po, g->domain);
	if (at(f, PH_TRANSLATE)) {
		write_failure(g, f);
		tx(g, "QUIT");
		rx(g, "221 %s closing connection", g->peer_name);
		close_out(g);
		return;
	}
	tick(g, 0, 1);
	ev(g, "Transmitting message to SMTP");
	near_miss(g, NM_EVENT, 0.01);
	tx(g, "MAIL FROM:<%s@%s.%s>", user, po, g->domain);
	if (at(f, PH_MAIL)) {
		tick(g, 0, 90);
		write_failure(g, f);
		close_out(g);
		return;
	}
	rx(g, "250 <%s@%s.%s>... Sender ok", user, po, g->domain);
	for (i = 0; i < nrcpt; i++) {
		const char *to = PICK(g, remotes);

		tx(g, "RCPT TO:<%s>", to);
		if (i == 0 && at(f, PH_RCPT)) {
			write_failure(g, f);
			tx(g, "QUIT");
			rx(g, "221 %s closing connection", g->peer_name);
			close_out(g);
			return;
		}
		/* A further recipient may be refused; the message still goes. */
		if (i == 0 || !near_miss(g, NM_RCPT, 0.05))
			rx(g, "250 <%s>... Recipient ok", to);
	}
	tx(g, "DATA");
	rx(g, "354 Enter mail, end with \".\" on a line by itself");
	tx(g, "...message body...");
	if (at(f, PH_BODY)) {
		tick(g, 30, 120);
		write_failure(g, f);
		close_out(g);
		return;
	}
	tick(g, 0, 40);
	tx(g, ".");
	if (at(f, PH_EOD)) {
		tick(g, 30, 120);
		write_failure(g, f);
		close_out(g);
		return;
	}
	if (!near_miss(g, NM_EOD, 0.003))
		rx(g, "250 Mail accepted");
	tx(g, "QUIT");
	rx(g, "221 %s delivering mail", g->peer_name);
	tick(g, 0, 1);
	if (at(f, PH_QUIT))
		write_failure(g, f);
	ev(g, "SMTP_close(socket=257)");
	ev(g, "SMTP connection closed");
}

static void
compare_domains(struct gen *g, const char *domain)
{
	size_t i;

	for (i = 0; i < NELEM(post_offices); i++)
		ev(g, "Comparing: %s.%s to %s", post_offices[i], g->domain, domain);
}

/*
 * One incoming session: a host delivers a message for a local user, which
 * SMTPPUT puts into Microsoft Mail.
 */
static void
incoming(struct gen *g, const struct scenario *f)
{
	const char *from = PICK(g, remotes), *caller = PICK(g, callers);
	const char *user = PICK(g, users), *po = PICK(g, post_offices);
	const char *dom = strchr(from, '@') + 1;
	char date[64];

	idle(g);
	ev(g, "SMTP_accept(socket=256, timeout=120)");
	tick(g, 1, 110);
	ev(g, "Connection accepted.");
	ev(g, "Incoming SMTP connection from [%s] detected", caller);
	if (at(f, PH_IN_CONNECT))
		write_failure(g, f);
	ev(g, "Call coming in at socket 258");
	tx(g, "220 All set, fire away");
	if (at(f, PH_IN_HELO)) {
		write_failure(g, f);
		tick(g, 0, 1);
	}
	rx(g, "HELO %s", dom);
	tx(g, "250 Hi there, pleased to meet you");
	if (at(f, PH_IN_MAIL)) {
		/* A bounce: no sender to translate. */
		rx(g, "MAIL From:<>");
		write_failure(g, f);
	} else {
		rx(g, "MAIL From:<%s>", from);
		ev(g, "Translating remote address: \"%s\"", from);
		compare_domains(g, dom);
		ev(g, "Non-local address left unmapped");
	}
	tx(g, "250 Sender OK");
	rx(g, "RCPT To:<%s@%s.%s>", user, po, g->domain);
	ev(g, "Translating local address: \"%s@%s.%s\"", user, po, g->domain);
	ev(g, "Comparing: %s.%s to %s.%s", po, g->domain, po, g->domain);
	if (at(f, PH_IN_RCPT)) {
		write_failure(g, f);
		rx(g, "QUIT");
		tx(g, "221 See you later");
		ev(g, "Closing socket 258");
		ev(g, "SMTP connection closed");
		return;
	}
	ev(g, "Mapped %s.%s to DEPT/%s", po, g->domain, po);
	ev(g, "Mapped to \"CSI:DEPT/%s/%s\"", po, user);
	tx(g, "250 Recipient OK");
	rx(g, "DATA");
	tx(g, "354 Start mail input; end with <CRLF>.<CRLF>");
	rx(g, "...message body...");
	if (at(f, PH_IN_DATA))
		write_failure(g, f);
	tick(g, 0, 2);
	ev(g, "Sending message to Microsoft Mail");
	rfc822_date(g, date, sizeof(date));
	ev(g, "Header: Return-Path: <%s>", from);
	ev(g, "Header: Received: from %s by %s", dom, g->gw);
	ev(g, "Header:      id <%08X@%s>; %s %02ld:%02ld:%02ld PST",
	    (unsigned)(rng_next(&g->rng) & 0xffffffffu), g->gw, date,
	    g->sec / 3600, g->sec / 60 % 60, g->sec % 60);
	ev(g, "Header: Date: %s", date);
	ev(g, "Header: From: %s", from);
	ev(g, "Header: Subject: %s", PICK(g, subjects));
	ev(g, "Header: Message-Id: <%u.AA%05u@%s>", between(g, 1000000, 9999999),
	    between(g, 0, 99999), dom);
	ev(g, "Header: To: %s@%s.%s", user, po, g->domain);
	if (at(f, PH_IN_HEADER))
		write_failure(g, f);
	near_miss(g, NM_HEADER, 0.02);
	ev(g, "Header:");
	ev(g, "Translating remote address: \"%s\"", from);
	compare_domains(g, dom);
	ev(g, "Non-local address left unmapped");
	near_miss(g, NM_EVENT, 0.01);
	ev(g, "spawning SMTPPUT");
	ev(g, "spawn(SMTPPUT)=0");
	if (at(f, PH_IN_PUT))
		write_failure(g, f);
	else
		tx(g, "250");
	rx(g, "QUIT");
	tx(g, "221 See you later");
	tick(g, 0, 1);
	ev(g, "Closing socket 258");
	ev(g, "SMTP connection closed");
}

/* Nothing to do: SMTPGET finds no mail and nobody calls. */
static void
quiet(struct gen *g)
{
	idle(g);
	ev(g, "spawning SMTPGET");
	ev(g, "spawn(SMTPGET)=0");
	ev(g, "SMTP_accept(socket=256, timeout=120)");
}

static int
is_outgoing(enum phase ph)
{
	return ph >= PH_SPAWN && ph <= PH_QUIT;
}

static void
generate(struct gen *g)
{
	const struct scenario *f;

	pick_peer(g);
	banner(g, NULL);
	while (g->bytes + g->len < g->size) {
		tick(g, 5, 240);
		if (chance(g, 0.0004)) {
			restart(g, NULL);
			continue;
		}
		f = next_failure(g);
		if (f) {
			g->sessions++;
			g->failed++;
			if (f->phase == PH_STARTUP)
				restart(g, f);
			else if (is_outgoing(f->phase))
				outgoing(g, f);
			else
				incoming(g, f);
			if (g->burst_left == 0 && g->burst_len >= 4 &&
			    is_outgoing(f->phase) && chance(g, 0.5)) {
				tick(g, 0, 1);
				template_line(g, retry_exceeded.text);
				g->retry_count++;
				if (g->retry_first == 0)
					g->retry_first = g->stamp;
				g->retry_last = g->stamp;
			}
			/* The gateway retries sooner while the host is down. */
			if (g->burst_left > 0)
				tick(g, 30, 120);
			continue;
		}
		switch (below(g, 20)) {
		case 0: case 1: case 2: case 3: case 4: case 5:
		case 6: case 7: case 8: case 9:
			g->sessions++;
			outgoing(g, NULL);
			break;
		case 10: case 11: case 12: case 13: case 14: case 15:
			g->sessions++;
			incoming(g, NULL);
			break;
		default:
			quiet(g);
			break;
		}
	}
	idle(g);
	ev(g, "OK to Exit?");
	ev(g, "Press Y to exit, N to continue");
	flush_out(g);
}

/* ------------------------------------------------------------------ */
/* The manifest. */

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A stamp as kbdiag reports log times: 1994-03-01T09:19:42. */
static void
iso_time(int64_t stamp, char *out, size_t size)
{
	long sec = (long)(stamp % DAY_SECONDS);
	unsigned m, d;
	int y;

	civil(stamp / DAY_SECONDS, &y, &m, &d);
	snprintf(out, size, "%04d-%02u-%02uT%02ld:%02ld:%02ld", y, m, d,
	    sec / 3600, sec / 60 % 60, sec % 60);
}

/* The entry for a primary template: all scenarios' lines of that text. */
static void
manifest_entry(FILE *f, const struct gen *g, const struct sline *p)
{
	uint64_t count = 0, comp = 0;
	int64_t first = 0, last = 0;
	size_t si, li, lj;
	const char *a, *end;
	char when[32];

	if (p == &retry_exceeded) {
		count = g->retry_count;
		first = g->retry_first;
		last = g->retry_last;
	}
	for (si = 0; si < NSCENARIOS; si++)
		for (li = 0; li < SLINES_MAX && scenarios[si].lines[li].text; li++) {
			const struct sline *l = &scenarios[si].lines[li];

			if (l->role != PRIMARY || strcmp(l->text, p->text) != 0)
				continue;
			count += g->count[si][li];
			if (g->count[si][li] > 0) {
				if (first == 0 || g->first[si][li] < first)
					first = g->first[si][li];
				if (g->last[si][li] > last)
					last = g->last[si][li];
			}
			/* Companions count with the scenario's first primary. */
			for (lj = 0; lj < li; lj++)
				if (scenarios[si].lines[lj].role == PRIMARY)
					break;
			if (lj < li)
				continue;
			for (lj = li + 1; lj < SLINES_MAX &&
			    scenarios[si].lines[lj].text; lj++)
				if (scenarios[si].lines[lj].role == COMPANION)
					comp += g->count[si][lj];
		}
	fputs("    ", f);
	json_string(f, p->text);
	fprintf(f, ": {\"article\": \"%s\", \"count\": %llu, \"companions\": %llu",
	    p->article, (unsigned long long)count, (unsigned long long)comp);
	iso_time(first, when, sizeof(when));
	fprintf(f, ", \"first_seen\": \"%s\"", when);
	iso_time(last, when, sizeof(when));
	fprintf(f, ", \"last_seen\": \"%s\"", when);
	if (p->also) {
		fputs(", \"also\": [", f);
		for (a = p->also; *a; a = end) {
			end = a + strcspn(a, " ");
			fprintf(f, "%s\"%.*s\"", a == p->also ? "" : ", ",
			    (int)(end - a), a);
			end += strspn(end, " ");
		}
		fputc(']', f);
	}
	fputc('}', f);
}

/* Has this primary text come before (in table order)? */
static int
seen_before(size_t si, size_t li)
{
	const char *t = scenarios[si].lines[li].text;
	size_t i, j;

	for (i = 0; i <= si; i++)
		for (j = 0; j < SLINES_MAX && scenarios[i].lines[j].text; j++) {
			if (i == si && j == li)
				return 0;
			if (scenarios[i].lines[j].role == PRIMARY &&
			    strcmp(scenarios[i].lines[j].text, t) == 0)
				return 1;
		}
	return 0;
}

static void
write_manifest(const struct gen *g, uint64_t seed, const char *path)
{
	const char *sep = "\n";
	FILE *f = fopen(path, "w");
	size_t si, li, i;
	int bad;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "{\n  \"seed\": %llu,\n  \"bytes\": %llu,\n  \"lines\": %llu,\n",
	    (unsigned long long)seed, (unsigned long long)g->bytes,
	    (unsigned long long)g->lines);
	fprintf(f, "  \"error_rate\": %g,\n  \"sessions\": %llu,\n"
	    "  \"failed_sessions\": %llu,\n  \"startups\": %llu,\n"
	    "  \"midnights\": %llu,\n",
	    g->error_rate, (unsigned long long)g->sessions,
	    (unsigned long long)g->failed, (unsigned long long)g->startups,
	    (unsigned long long)g->midnights);
	fputs("  \"errors\": {", f);
	for (si = 0; si < NSCENARIOS; si++)
		for (li = 0; li < SLINES_MAX && scenarios[si].lines[li].text; li++) {
			const struct sline *l = &scenarios[si].lines[li];
			uint64_t n = 0;
			size_t sj, lj;

			if (l->role != PRIMARY || seen_before(si, li))
				continue;
			/* Only texts that were written. */
			for (sj = 0; sj < NSCENARIOS; sj++)
				for (lj = 0; lj < SLINES_MAX; lj++)
					if (scenarios[sj].lines[lj].role == PRIMARY &&
					    strcmp(scenarios[sj].lines[lj].text,
					    l->text) == 0)
						n += g->count[sj][lj];
			if (n == 0)
				continue;
			fputs(sep, f);
			manifest_entry(f, g, l);
			sep = ",\n";
		}
	if (g->retry_count) {
		fputs(sep, f);
		manifest_entry(f, g, &retry_exceeded);
	}
	fputs("\n  },\n  \"near_misses\": {", f);
	sep = "\n";
	for (i = 0; i < NNEAR; i++) {
		size_t j;
		uint64_t n = g->near_count[i];

		/* The same text may serve two slots: one entry. */
		for (j = 0; j < i; j++)
			if (strcmp(near_misses[j].text, near_misses[i].text) == 0)
				break;
		if (j < i)
			continue;
		for (j = i + 1; j < NNEAR; j++)
			if (strcmp(near_misses[j].text, near_misses[i].text) == 0)
				n += g->near_count[j];
		if (n == 0)
			continue;
		fputs(sep, f);
		fputs("    ", f);
		json_string(f, near_misses[i].text);
		fprintf(f, ": %llu", (unsigned long long)n);
		sep = ",\n";
	}
	fputs("\n  }\n}\n", f);
	bad = ferror(f);
	if (fclose(f) != 0 || bad)
		die("%s: write error: %s", path, strerror(errno));
}

/* ------------------------------------------------------------------ */

static void
usage(FILE *to)
{
	fputs(
"Usage: genlog [--seed N] [--size BYTES] [--manifest FILE] [--error-rate R]\n"
"Write a Microsoft Mail Gateway to SMTP log (SMTPGATE.LOG) to standard output.\n"
"\n"
"  --seed N        seed of the generator (default 1): the same seed and size\n"
"                  give the same bytes\n"
"  --size BYTES    stop after the session that reaches this size; a suffix K,\n"
"                  M or G multiplies by 1024, 1024^2, 1024^3 (default 10M)\n"
"  --manifest FILE write what was generated (error texts, articles, counts)\n"
"                  as JSON to FILE\n"
"  --error-rate R  share of sessions that fail, 0 to 1 (default 0.02)\n"
"  --events FILE   write an NDJSON event for each failure to FILE, as smtpgw\n"
"                  does beside its text log\n"
"  --help          this text\n", to);
}

static uint64_t
parse_size(const char *s)
{
	unsigned long long v;
	char *end;
	uint64_t mult = 1;

	errno = 0;
	if (*s < '0' || *s > '9')
		bad_usage("--size: not a size: '%s'", s);
	v = strtoull(s, &end, 10);
	if (errno)
		bad_usage("--size: out of range: '%s'", s);
	switch (*end) {
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	}
	if (*end != '\0')
		bad_usage("--size: not a size (BYTES, or a number with K, M or G): '%s'", s);
	if (v > UINT64_MAX / mult)
		bad_usage("--size: out of range: '%s'", s);
	return v * mult;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed",	required_argument, NULL, 's' },
		{ "size",	required_argument, NULL, 'n' },
		{ "manifest",	required_argument, NULL, 'm' },
		{ "error-rate",	required_argument, NULL, 'e' },
		{ "events",	required_argument, NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct gen g;
	const char *manifest = NULL, *events = NULL;
	unsigned long long seed = 1;
	char *end;
	int c;

	g.size = 10ULL << 20;
	g.error_rate = 0.02;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 10);
			if (errno || *optarg < '0' || *optarg > '9' || *end)
				bad_usage("--seed: not a number from 0 to 2^64-1: '%s'", optarg);
			break;
		case 'n':
			g.size = parse_size(optarg);
			break;
		case 'm':
			manifest = optarg;
			break;
		case 'e':
			errno = 0;
			g.error_rate = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(g.error_rate >= 0) ||
			    g.error_rate > 1)
				bad_usage("--error-rate: not a number from 0 to 1: '%s'", optarg);
			break;
		case 'v':
			events = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fputs("Try 'genlog --help'.\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	rng_seed(&g.rng, seed);
	if ((g.buf = malloc(OUT_CAP)) == NULL)
		die("out of memory");
	g.burst_start = g.error_rate / mean_failure_len();
	/* A day from 1993 to 1995, the gateway's time, starting in the morning. */
	g.day = 8401 + between(&g, 0, 3 * 365);
	g.sec = between(&g, 7 * 3600, 9 * 3600);
	g.gw = PICK(&g, gw_names);
	g.domain = PICK(&g, domains);
	snprintf(g.fqdn, sizeof(g.fqdn), "%s.%s", g.gw, g.domain);
	g.idle_largest = 47234;
	g.idle_bytes = 48258;

	if (events != NULL && (g.events = fopen(events, "w")) == NULL)
		die("%s: %s", events, strerror(errno));
	generate(&g);
	if (g.events != NULL && (fflush(g.events) != 0 || ferror(g.events) ||
	    fclose(g.events) != 0))
		die("%s: cannot write the events", events);
	free(g.buf);
	if (manifest)
		write_manifest(&g, seed, manifest);
	return 0;
}
