/*
 * probe_result: the data model of the probes: a round's settings (struct
 * probe_params), its results and the round itself, and the functions that
 * fill, copy, judge and free them (probe_result.c), with the probes' clock.
 * Data only: the probe implementations (probe_net, probe_dos) and the
 * readers of results (diagnosis, evidence, render_probe) include this
 * header, and probe.c, which runs the implementations, includes theirs;
 * none of them includes probe.h (docs/architecture.md, "Layers").
 *
 * A round is self-contained: every string is its own copy, valid UTF-8 and
 * safe to display (text.h), so it can be stored in a diagnosis, written as
 * JSON and read back for --replay.
 */
#ifndef KBDIAG_PROBE_RESULT_H
#define KBDIAG_PROBE_RESULT_H

#include <stddef.h>

struct kb;
struct transport;

#define PROBE_DEFAULT_TIMEOUT_MS	5000
/* A round's time, in probe timeouts, when round_timeout_ms is 0. */
#define PROBE_ROUND_FACTOR		3
/* Smart hosts of one diagnosis probed at most (--probe-max), when not set. */
#define PROBE_DEFAULT_MAX_HOSTS		16

/*
 * The layers of a round, in report order: slot, probe name, evidence source,
 * the healthy values (space-separated, each surrounded by spaces; "" for a
 * fact that is neither good nor bad).
 */
#define PROBE_SLOTS(X) \
	X(SLOT_DNS,		"dns",		"dns",		" resolved ") \
	X(SLOT_PING_LO,		"ping-loopback", "ping-loopback", " reply ") \
	X(SLOT_PING_GW,		"ping-gateway",	"ping-gateway",	" reply ") \
	X(SLOT_PING_PEER,	"ping-peer",	"ping-peer",	" reply ") \
	X(SLOT_CONNECT,		"tcp-connect",	"tcp-connect",	" connected ") \
	X(SLOT_GREETING,	"greeting",	"greeting",	" ok ") \
	X(SLOT_EHLO,		"ehlo",		"ehlo",		" ok helo-only ") \
	X(SLOT_PRODUCT,		"peer-product",	"peer-product",	"") \
	X(SLOT_RESEND,		"resend",	"resend",	" delivered ") \
	X(SLOT_TCPTSR,		"tcptsr",	"tcptsr",	"") \
	X(SLOT_INI_PUSH,	"protocol-ini",	"protocol-ini",	"") \
	X(SLOT_INI_SECTION,	"protocol-ini",	"protocol-ini",	"") \
	X(SLOT_STACK,		"stack",	"stack",	"") \
	X(SLOT_CONFIG_SYS,	"config-sys",	"config-sys",	"") \
	X(SLOT_AUTOEXEC,	"autoexec",	"autoexec",	"") \
	X(SLOT_VARIANT,		"smtpgate-variant", "smtpgate-variant", "")

enum probe_slot {
#define X(slot, probe, source, good) slot,
	PROBE_SLOTS(X)
#undef X
	SLOT_COUNT
};

enum probe_status {
	PROBE_OBSERVED,		/* value holds what was seen */
	PROBE_SKIPPED,		/* not run; detail says why (offline, no host,
				   no --dos-root, an earlier layer failed, not
				   asked for) */
	PROBE_ERROR		/* ran but could not tell; detail says why */
};

/* One observation. A probe may give several (protocol-ini gives two). */
struct probe_result {
	char			*probe;		/* "dns", "ping-loopback", "ping-gateway",
						   "ping-peer", "tcp-connect", "greeting",
						   "ehlo", "peer-product", "tcptsr",
						   "protocol-ini", "stack", "resend" */
	char			*source;	/* evidence source id it reports on */
	char			*value;		/* evidence value id; NULL unless observed */
	enum probe_status	 status;
	char			*target;	/* what it contacted or read, or NULL */
	char			*detail;	/* one line for people */
	char			**transcript;	/* "C: EHLO ...", "S: 250 ...", in order */
	size_t			 ntranscript;
	unsigned		 elapsed_ms;
};

struct probe_round {
	char			*host;		/* as asked, or NULL */
	unsigned		 port;
	char			*address;	/* what host resolved to, or NULL */
	struct probe_result	*results;	/* in the order of the layers */
	size_t			 nresults;
	unsigned		 elapsed_ms;	/* the whole round, wall clock */
};

struct probe_params {
	const struct kb	*kb;		/* tables: peers, tcptsr */
	const char	*host;		/* the smart host; NULL: network probes skip */
	unsigned	 port;		/* 0: 25 */
	const char	*dos_root;	/* the DOS client's files; NULL: file probes skip */
	int		 offline;	/* no network probes (files are still read) */
	const char	*offline_why;	/* why, for the skipped probes; NULL:
					   "offline: no live probes" */
	unsigned	 timeout_ms;	/* per probe; 0: PROBE_DEFAULT_TIMEOUT_MS */
	const char	*helo_name;	/* the name in EHLO/HELO; NULL: the host name */
	const char	*dns_server;	/* "ADDR[:PORT]" to ask instead of resolv.conf */
	const char	*resend_from;	/* both set: send a test message */
	const char	*resend_to;
	/* Added with the implementation: */
	const char	*route_file;	/* the routing table to find the default
					   gateway in; NULL: /proc/net/route */
	unsigned	 round_timeout_ms;	/* the whole round: a layer of the
					   SMTP chain starts only while a whole
					   timeout_ms of it is left, else it is
					   skipped; 0: PROBE_ROUND_FACTOR x
					   timeout_ms; at least timeout_ms */
	const struct transport *transport;	/* the SMTP chain's
					   stream (smtp/transport.h): NULL is
					   "tcp"; "fake" plays a script in tests.
					   dns and ping always use the network */
	void		*transport_arg;	/* given to the transport: "fake" needs
					   its struct transport_fake; NULL for tcp */
	const char	*skip_why;	/* with offline: why the network probes
					   are skipped, in place of "offline"
					   (a smart host diag_probe() does not
					   probe); NULL: the usual reasons */
	unsigned	 max_hosts;	/* diag_probe(): smart hosts probed at
					   most; 0: PROBE_DEFAULT_MAX_HOSTS */
};

/* Free a round (NULL is accepted). */
void probe_round_free(struct probe_round *r);

/* Deep copies, and freeing an array of results. */
void probe_result_copy(struct probe_result *dst, const struct probe_result *src);
void probe_results_free(struct probe_result *r, size_t n);

/* "observed", "skipped", "error"; and back (0, or -1 when unknown). */
const char *probe_status_name(enum probe_status s);
int probe_status_parse(const char *name, enum probe_status *out);

/*
 * For the probe implementations (probe_net.c, probe_dos.c): filling one
 * result. probe_result_init() zeroes r and names it; the others set the
 * status, the value (observe only) and a detail made with printf, passed
 * through text_sanitize() so that it is safe to show. A later call replaces
 * the earlier detail.
 */
void probe_result_init(struct probe_result *r, const char *probe, const char *source);
void probe_observe(struct probe_result *r, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void probe_skip(struct probe_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void probe_fail(struct probe_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set the target (copied, sanitized). */
void probe_target(struct probe_result *r, const char *target);
/* Append "C: line" or "S: line" (dir 'C' or 'S'), line sanitized, n bytes. */
void probe_transcript_add(struct probe_result *r, char dir, const char *line, size_t n);

/*
 * Did this result fail its layer? 1 for an error, or an observation that is
 * not the healthy one (dns other than resolved, ping-* other than reply,
 * tcp-connect other than connected, greeting other than ok, ehlo other than
 * ok or helo-only, resend other than delivered); 0 otherwise: a pass, a
 * skip, or a fact that is neither good nor bad (peer-product and the files).
 * `kbdiag probe` exits 1 when any result of the round failed.
 */
int probe_result_failed(const struct probe_result *r);

/* Milliseconds on the monotonic clock, for deadlines. */
unsigned long long probe_now_ms(void);

#endif
