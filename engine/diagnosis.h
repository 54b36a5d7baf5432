/*
 * diagnosis: the data model of a diagnosis, what every stage of the pipeline
 * (diag.h) and every renderer reads and writes: the incidents with their
 * causes, evidence, steps and probes, the inputs, the summary, the history.
 * Data only, and the functions that fill and free it (diagnosis.c);
 * the stages include this header, not diag.h and not one another, so that
 * the driver (diag) can call them without a cycle (docs/architecture.md,
 * "Layers").
 *
 * A struct diagnosis is self-contained: every string in it is its own copy,
 * sanitised for display (text.h), or, in an incident's packed lists (causes,
 * steps, unchecked evidence, probes), kept once in the diagnosis's set of
 * strings (diag_strings_of()), so it can be rendered, saved as JSON and
 * compared without the rule base or the logs. The only link back is
 * incident->kb_article, for the stages that still need the rule base.
 *
 * Ownership: diag_free() frees the diagnosis and everything in it.
 */
#ifndef KBDIAG_DIAGNOSIS_H
#define KBDIAG_DIAGNOSIS_H

#include <stddef.h>

#include "probe_result.h"	/* struct probe_result: an incident's probes */
#include "reader.h"

struct kb_article;
struct diag_strings;

struct diag_peer {
	char		*host;		/* NULL when unknown */
	unsigned	 port;		/* 0 when unknown */
	char		*address;	/* the address the log gave with it, or NULL */
};

struct diag_location {
	char		*file;
	unsigned long	 line;
};

/*
 * Something observed about an incident: an evidence.xml SOURCE:VALUE pair,
 * where it came from ("log", "probe", "file"), and how it was seen.
 */
struct diag_observation {
	char		*source;	/* "tcp-connect" */
	char		*value;		/* "refused" */
	char		*origin;	/* "log", "probe", "file" */
	char		*detail;	/* one line, or NULL */
};

/* One piece of evidence that moved a cause (rank.h). */
struct diag_evidence {
	char		*ref;		/* "tcp-connect:refused" */
	int		 confirms;	/* 1 raised the cause, 0 lowered it */
	int		 excludes;	/* it makes the cause impossible (weight 0) */
	double		 weight;	/* the rule base's likelihood ratio, >= 1 */
	double		 log_odds;	/* +-ln(weight): how far it moved the cause */
	char		*why;		/* the rule base's reason */
	char		*origin;	/* of the observation */
	char		*detail;	/* of the observation, or NULL */
};

/* Evidence that would bear on a cause but was not observed, and why. */
struct diag_unchecked {
	char		*source;	/* "protocol-ini" */
	char		*title;		/* the source's title */
	char		*why;		/* "no --dos-root was given", ... */
};

struct diag_cause {
	char		*id;		/* stable id from the cause catalog */
	char		*title;
	double		 prior;		/* the article's prior, normalised */
	double		 confidence;	/* 0..1, over the incident's causes */
	int		 ruled_out;	/* the evidence against it is strong */
	struct diag_evidence *evidence;	/* in the order it was weighed */
	size_t		 nevidence;
};

/* A piece of step text: prose, or a command/file/value shown as code. */
struct diag_span {
	int		 code;
	char		*text;
};

struct diag_step {
	unsigned	 n;		/* 1-based */
	char		*id;		/* step id in the rule base */
	struct diag_span *spans;
	size_t		 nspans;
	char		**addresses;	/* cause ids */
	size_t		 naddresses;
	struct diag_span *worked;	/* how to tell it worked, or NULL */
	size_t		 nworked;
	/*
	 * When the evidence already shows the step done: the observation
	 * ("tcptsr:push-capable") and what was seen ("yours: ..."); else NULL.
	 */
	char		*done_ref;
	char		*done;
	/*
	 * When the step needs a value the evidence holds but is not done: what
	 * was seen ("yours: 40000 bytes, 1993-05-04: ...", with its
	 * observation); else NULL.
	 */
	char		*found;
	char		*because;	/* of a step not needed: why (plan.h) */
};

struct diag_phase {
	char		*phase;
	unsigned long	 count;
};

#define DIAG_MAX_QUEUE_IDS	10

/*
 * One error, at one peer, from one source, in one episode: however many
 * attempts, however many lines reported them (correlate.h).
 */
struct diag_incident {
	char			*article;	/* "Q123827" */
	char			*title;
	char			*error;		/* the first matching line's message */
	unsigned long		 count;		/* attempts (correlate.h) */
	unsigned long		 lines;		/* primary lines that reported them */
	unsigned long		 companions;	/* companion lines that went with them */
	char			*first_seen;	/* the earliest dated line's reader_record.when,
						   "" when no line had a time */
	char			*last_seen;	/* the latest */
	int			 year_inferred;	/* their years came from the year rule */
	char			*origin;	/* "gateway", "smtpgw", "postfix", "exim",
						   "sendmail": who logged it */
	char			*source;	/* the site (an event's "site") or else
						   the log (its rotation set) */
	char			*site;		/* the site, or NULL */
	char			*file;		/* the log of the first line (its set) */
	unsigned		 episode;	/* 1-based, per article, peer and source */
	char			*failure;	/* what the line said of the connection
						   ("refused"), or NULL */
	char			**queue_ids;	/* the messages it concerned, the first
						   DIAG_MAX_QUEUE_IDS, sanitised */
	size_t			 nqueue_ids;
	unsigned long		 messages;	/* distinct messages named */
	unsigned long		 held;		/* deferrals without an attempt */
	unsigned long		 delivered_later;	/* messages delivered later
						   through the same peer */
	unsigned long		 delivered_elsewhere;	/* ... through another peer */
	unsigned long		 retries_ended;	/* messages whose retries then ran out */
	/*
	 * Of a line that says a message's retries ran out (a consequence,
	 * kb.h retries_ended): the failure whose retries it ended, or NULL.
	 * ended_index is 1 + that incident's index while the log is read (0:
	 * none); the pipeline copies its log evidence, then clears it.
	 */
	char			*ended_article;
	char			*ended_peer;	/* "host:port" */
	char			*ended_first_seen;
	size_t			 ended_index;
	/* Where in the SMTP session the first line happened (NULL when unknown). */
	char			*phase;		/* session.h: "body", "helo", ... */
	char			*last_command;	/* sanitised */
	char			*last_reply;
	/*
	 * What the first line's session showed before it (legacy logs), all
	 * sanitised, NULL when not in the log: the peer's greeting, the
	 * HELO or EHLO the gateway sent and the reply to it; and the version
	 * of the gateway the log's start-up banner names ("3.0").
	 */
	char			*greeting;
	char			*helo;
	char			*helo_reply;
	char			*gateway_version;
	struct diag_phase	*phases;	/* how many lines in each phase */
	size_t			 nphases;
	/* Over log time, not the time of reading. */
	int			 timed;		/* first_t, last_t are known */
	int			 dated;		/* ... and on a known date (else
						   days since the log's first) */
	long long		 first_t, last_t;	/* logtime.h */
	/*
	 * The attempts after the first per hour from first_t to last_t:
	 * (count - 1) * 3600 / (last_t - first_t), so attempts an hour apart
	 * make 1.0 however many there are; 0 for one attempt or no span.
	 */
	double			 rate_per_hour;
	int			 frequent;	/* the rule base's "frequent" reached */
	struct diag_peer	 peer;
	int			 peer_from_cli;	/* peer came from --smarthost */
	struct diag_location	*locations;	/* the first DIAG_MAX_LOCATIONS */
	size_t			 nlocations;
	struct diag_cause	*causes;	/* best first; packed
						   (diag_causes_pack()) */
	size_t			 ncauses;
	struct diag_step	*steps;		/* in the order of the causes that
						   stand (plan.h); packed, as is
						   unneeded */
	size_t			 nsteps;
	struct diag_step	*unneeded;	/* steps only of ruled-out causes */
	size_t			 nunneeded;
	/* What the socket said at the first failure (smtpgw events), if known. */
	char			*errno_name;	/* "EPIPE", or NULL */
	struct reader_tcp	*tcp;		/* its TCP_INFO (reader.h), or NULL:
						   allocated only for an incident
						   that has one (104 bytes) */
	/* Evidence: what was observed, the probes behind it, what was not. */
	struct diag_observation	*observations;
	size_t			 nobservations;
	struct probe_result	*probes;	/* the round for this incident's peer;
						   packed (diag_probes_pack()) */
	size_t			 nprobes;
	struct diag_unchecked	*unchecked;	/* packed (diag_unchecked_pack()) */
	size_t			 nunchecked;
	/*
	 * When several articles explain the same line (kb/overlaps.xml,
	 * shared text), how well this article explains it against the others,
	 * 0..1; 1 when it is the only one.
	 */
	double			 article_confidence;
	const struct kb_article	*kb_article;	/* NULL when not from this KB */
	/*
	 * Where the packed lists keep their strings (diag_strings_of() of the
	 * diagnosis that holds the incident; not owned), or NULL: in the lists.
	 */
	struct diag_strings	*strings;
	/*
	 * Why live probes would not describe this failure (diag_probe_policy():
	 * it is not current), or NULL: probe it.
	 */
	char			*probe_skip;
};

#define DIAG_MAX_LOCATIONS	10

/* One log that was read (or could not be). */
struct diag_input {
	char		*name;
	unsigned long	 lines;
	char		*format;	/* "legacy", "text"; NULL if unreadable */
	char		*error;		/* why it could not be read fully, or NULL */
	char		*set;		/* its rotation set ("mail.log" of "mail.log.2.gz") */
	unsigned	 order;		/* 1-based: when it was read (sets in time order) */
	char		*year_from;	/* what year-less stamps were dated back from
					   (reader_year_from_text()), or NULL */
	char		*year_anchor;	/* that moment, "2027-01-01T00:00:05" */
};

/* A line that looks like an error but matched nothing: a gap in the rule base? */
struct diag_sample {
	char		*file;
	unsigned long	 line;
	char		*text;		/* sanitised, cut */
};

#define DIAG_MAX_SAMPLES	10

/* Unmatched error-looking lines of one program and one shape. */
struct diag_group {
	char			*program;	/* "postfix/smtp", or "" */
	char			*shape;		/* the message, names and numbers masked */
	unsigned long long	 count;
	struct diag_sample	 sample;	/* the first such line */
};

#define DIAG_MAX_GROUPS		50

/* Per article: how many lines matched it. */
struct diag_article_lines {
	char		*article;
	unsigned long	 lines;
};

/*
 * Incidents held in memory, at most: each one's causes, steps and probes take
 * some kilobytes (about 5 KiB at the cap, report included: docs/benchmarks.md,
 * "Memory per incident"), and a log can name a million smart hosts. It is
 * also the most a saved diagnosis may have (replay.h), so that kbdiag always
 * reads what it wrote. The rest are counted in the summary.
 */
#define DIAG_MAX_INCIDENTS	10000

/* What a run read and found, for the summary. */
struct diag_summary {
	unsigned long long	 lines;		/* all inputs */
	unsigned long long	 bytes;		/* as stored (compressed if so) */
	unsigned long long	 matched;	/* lines with at least one hit */
	unsigned long long	 out_of_time;	/* left out by --since / --until */
	struct diag_article_lines *articles;	/* in KB order of first match; a
						   line of several articles counts
						   for each */
	size_t			 narticles;
	/*
	 * Lines by the articles they matched, all of them in one key
	 * ("Q100709+Q102107", ids sorted), in order of first match: each line
	 * counts once, so these add up to matched.
	 */
	struct diag_article_lines *groups;
	size_t			 ngroups;
	unsigned long long	 unmatched_errors;	/* error-looking lines, no hit,
						   not a server's */
	struct diag_sample	 samples[DIAG_MAX_SAMPLES];	/* the first ones */
	size_t			 nsamples;
	unsigned long long	 unmatched_server;	/* error-looking lines in a
						   receiving server's notation, left out */
	struct diag_group	*unmatched_groups;	/* unmatched errors by program
						   and shape, biggest first */
	size_t			 nunmatched_groups;	/* at most DIAG_MAX_GROUPS */
	unsigned long long	 unmatched_other;	/* lines in groups not kept */
	/*
	 * Past DIAG_MAX_INCIDENTS (diag_params.max_incidents) no incident is
	 * made: the incidents that would have been, their lines and their
	 * attempts are counted here instead.
	 */
	unsigned long long	 incidents_not_held;
	unsigned long long	 lines_not_held;
	unsigned long long	 attempts_not_held;
};

/*
 * The history of a saved diagnosis: each kbdiag verify appends one entry
 * (verify.h): when, what kbdiag fix had applied (from its journal), and
 * per incident what verify saw and concluded.
 */
struct diag_applied {
	char		*fix;		/* the fix's id: "force-push-bit" */
	char		*path;		/* the file, relative to --dos-root */
	char		*what;		/* one line */
};

struct diag_verdict {
	char		*article;	/* the incident's article ... */
	char		*peer;		/* ... and smart host ("host:port"), or NULL */
	char		*cause;		/* the cause whose removal was checked, or NULL */
	char		*outcome;	/* "fixed", "not-fixed", "inconclusive" */
	char		*why;		/* one sentence */
	struct diag_observation	*seen;	/* what verify saw (origin "probe",
					   "file", "log" or "check") */
	size_t		 nseen;
	char		*next_cause;	/* after "not-fixed": the cause to fix now */
	char		*next_title;
	char		**next_steps;	/* its resolution, as text */
	size_t		 nnext_steps;
	char		**next_fixes;	/* its fixes in the rule base (ids) */
	size_t		 nnext_fixes;
};

struct diag_history {
	char			*when;		/* UTC: "2026-11-23T10:04:00Z" */
	char			*outcome;	/* not-fixed when an incident is, fixed
						   when all are, else inconclusive */
	char			*applied_when;	/* the journal's time, or NULL */
	struct diag_applied	*applied;	/* what kbdiag fix had written */
	size_t			 napplied;
	char			*watch;		/* the log followed, or NULL */
	unsigned long		 watch_seconds;
	unsigned long		 watch_lines;	/* new lines read in the window */
	struct diag_verdict	*verdicts;
	size_t			 nverdicts;
};

#define DIAG_MAX_HISTORY	1000

struct diagnosis {
	struct diag_summary	 summary;
	struct diag_input	*inputs;
	size_t			 ninputs;
	struct diag_incident	*incidents;	/* in order of first appearance */
	size_t			 nincidents;
	char			**warnings;	/* "file:line: ..." lines */
	size_t			 nwarnings;
	size_t			 warnings_dropped;	/* beyond DIAG_MAX_WARNINGS */
	struct diag_history	*history;	/* oldest first (kbdiag verify); NULL:
						   none, not even an empty one */
	size_t			 nhistory;
	struct diag_strings	*strings;	/* of the packed lists, or NULL */
	/*
	 * When live probes were left out because the failures are not current
	 * (diag_probe_policy()): one line that says so and how to probe
	 * anyway; else NULL.
	 */
	char			*probe_note;
};

#define DIAG_MAX_WARNINGS	100

/* How many inputs could not be read completely. */
size_t diag_input_errors(const struct diagnosis *d);

void diag_free(struct diagnosis *d);

/* Helpers for the stages that build a diagnosis. */
void diag_warn(struct diagnosis *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_incident_clear(struct diag_incident *inc);
/*
 * Into dst (zeroed first), a copy of what src's log showed: every field of
 * the incident (its article, peer with the address the log gave, origin,
 * messages and queue ids, transcript, phases, locations, times, socket)
 * except what probing, ranking and planning make (probes, causes, unchecked
 * evidence, steps, probe_skip) and the observations, which the caller
 * chooses (diag_observe()). dst->strings is strings (the set of the
 * diagnosis that will hold dst). kbdiag verify ranks such a copy again.
 */
void diag_incident_copy_log(struct diag_incident *dst, const struct diag_incident *src,
    struct diag_strings *strings);
/* Free what ranking and planning made (causes, unchecked, steps), to be made again. */
void diag_incident_unrank(struct diag_incident *inc);
/*
 * An incident's causes (with their evidence), steps, unchecked evidence and
 * probes are packed: each list, its arrays and strings, in one block (some
 * tens of allocations an incident fewer, and no spare room), made by the
 * stage that builds the list (rank.h, plan.h, evidence.h) once it is
 * complete. With inc->strings (the incident's diagnosis's set) a list's
 * strings are kept there once, and a list equal to one already there is
 * that one, shared (the incidents of one host, one article). diag_*_pack()
 * takes a list built field by field, frees it and returns the packed copy
 * (NULL for n 0); diag_probes_pack() copies (r is left as it is), and
 * diag_unchecked_pack() frees only the whys (an unchecked source's id and
 * title are the rule base's, borrowed while it is built). A packed
 * list is read-only, and let go with diag_list_release(inc, list) (NULL is
 * allowed), never free().
 */
struct diag_cause *diag_causes_pack(struct diag_cause *c, size_t n,
    struct diag_strings *strings);
struct diag_step *diag_steps_pack(struct diag_step *v, size_t n,
    struct diag_strings *strings);
struct diag_unchecked *diag_unchecked_pack(struct diag_unchecked *u, size_t n,
    struct diag_strings *strings);
struct probe_result *diag_probes_pack(const struct probe_result *r, size_t n,
    struct diag_strings *strings);
void diag_list_release(struct diag_incident *inc, void *list);
/*
 * The diagnosis's set of strings, made on first use: the packed lists of its
 * incidents (inc->strings) keep their strings, and are shared, there; it
 * lives until diag_free(), after its incidents. Only the lists' strings are
 * there: every other string of a diagnosis is still its own copy.
 */
struct diag_strings *diag_strings_of(struct diagnosis *d);
void diag_observations_free(struct diag_observation *o, size_t n);
void diag_history_clear(struct diag_history *h);
/* Free what a group of unmatched lines holds (not the group itself). */
void diag_group_free(struct diag_group *g);
/*
 * Record that SOURCE:VALUE was observed for the incident (copies the
 * strings; detail may be NULL). A source already observed keeps its first
 * value: the log is read before the probes run, and what a log recorded at
 * the failure outranks what a probe sees later.
 */
void diag_observe(struct diag_incident *inc, const char *source, const char *value,
    const char *origin, const char *detail);

#endif
