/*
 * kb: the rule base, loaded from a directory of XML documents.
 *
 * Layout of a rule base directory (docs/kb-format.md):
 *
 *   schema/kb.rng           RelaxNG schema every document is validated against
 *   evidence.xml            what can be observed (SOURCE:VALUE)
 *   causes.xml              the shared cause catalog, with its evidence
 *   steps.xml               resolution steps shared by articles
 *   tables/                 tcptsr, protocol-ini, builds, switches, peers,
 *                           gateway, files, stacks (.xml)
 *   articles/Q*.xml         one article per file, file name = article id
 *   overlaps.xml            texts and facts several articles share or dispute
 *   vocabulary.xml          the words people use for the articles' words
 *   fixes.xml               the edits of the DOS client's files articles prescribe
 *
 * kb_load() parses every document with libxml2 (no network, no DTDs, no
 * entity expansion: a document with a DOCTYPE is refused before its
 * declarations are read), validates it against the schema, then checks what
 * the schema cannot: article ids match file names, ids are unique, cause,
 * step and fact references resolve. Regular expressions are compiled by the
 * matcher (match.h), not here.
 *
 * Ownership: a struct kb owns everything reachable from it. The structs below
 * are read-only views into it and live until kb_free(). Strings are UTF-8,
 * with runs of white space in prose collapsed to one space.
 */
#ifndef KBDIAG_KB_H
#define KBDIAG_KB_H

#include <limits.h>
#include <stddef.h>

#include "util/err.h"

struct kb;

enum kb_source_kind {
	KB_SOURCE_PROBE,	/* a live check against the smart host */
	KB_SOURCE_LOG,		/* read from the gateway's logs */
	KB_SOURCE_FILE,		/* read from the DOS client's files */
	KB_SOURCE_MANUAL	/* only the administrator can check it */
};

struct kb_evidence_source;
struct kb_evidence_value;

/* One way to work a value out: every one of these observed. */
struct kb_derive {
	const struct kb_evidence_source	* const *sources;
	const struct kb_evidence_value	* const *values;
	size_t				 n;
};

struct kb_evidence_value {
	const char	*id;		/* "refused" */
	const char	*text;
	unsigned	 count;		/* counted log evidence: events ... */
	unsigned	 window;	/* ... within this many seconds; else 0 */
	unsigned	 gap;		/* episode evidence: a quiet gap of this
					   many seconds ends an episode; else 0 */
	unsigned	 reaches;	/* of a layered source: the highest layer
					   this value shows working (the source's
					   layer for a pass) */
	const struct kb_derive *derives;	/* observed when one of these holds */
	size_t		 nderives;
};

/* An observable: evidence.xml <source>. */
struct kb_evidence_source {
	const char			*id;	/* "tcp-connect" */
	enum kb_source_kind		 kind;
	const char			*title;
	const char			*question;	/* for --ask, or NULL */
	unsigned			 layer;		/* its rung of Q115492's
						   layered test (1: the PC's own
						   loopback), 0 when none */
	const struct kb_evidence_value	*values;
	size_t				 nvalues;
};

/* One observation that bears on a cause. */
struct kb_evidence_item {
	const struct kb_evidence_source	*source;
	const struct kb_evidence_value	*value;
	int				 confirms;	/* 1 confirms, 0 refutes */
	int				 excludes;	/* the cause cannot hold: ruled
						   out whatever else (confirms 0,
						   weight 0) */
	double				 weight;	/* likelihood ratio, >= 1 */
	const char			*why;
};

struct kb_cause {
	const char			*id;		/* stable id, e.g. "peer-host-down" */
	const char			*title;		/* one line */
	const char			*description;	/* a paragraph */
	const struct kb_evidence_item	*evidence;
	size_t				 nevidence;
	const char			*file;
	long				 line;
};

enum kb_symptom_role {
	KB_ROLE_PRIMARY,	/* the line that makes an incident */
	KB_ROLE_COMPANION,	/* counts only right after a primary line */
	KB_ROLE_FALLBACK,	/* a primary unless another article's primary matches */
	KB_ROLE_DESCRIPTION	/* words for a symptom: query text only, never logs */
};

enum kb_severity {
	KB_SEVERITY_ERROR,
	KB_SEVERITY_WARNING,	/* mail still flows */
	KB_SEVERITY_INFO	/* a normal line: never an incident */
};

struct kb_symptom {
	const char		*id;		/* unique within the article */
	enum kb_symptom_role	 role;
	enum kb_severity	 severity;
	int			 caseless;	/* match ignoring case */
	const char		*origin;	/* who prints it: "gateway" (the
						   default), "postfix", "exim", "sendmail" */
	int			 retries_ended;	/* means="retries-ended": the line says a
						   message gave up, after a failure */
	const char		*message;	/* the text as the gateway prints it */
	const char		*pattern;	/* PCRE2 source */
	const char * const	*examples;	/* lines the pattern must match */
	size_t			 nexamples;
	const char * const	*counters;	/* lines it must not match */
	size_t			 ncounters;
	const char		*file;		/* where it is defined */
	long			 line;
};

struct kb_cause_ref {
	const struct kb_cause	*cause;
	double			 prior;		/* weight before evidence, (0,1] */
	int			 inferred;	/* the article does not name it */
};

/* What a piece of step text is. */
enum kb_part_kind {
	KB_PART_TEXT,		/* literal text */
	KB_PART_PEER_HOST,	/* the incident's peer host */
	KB_PART_PEER_PORT,	/* the incident's peer port */
	KB_PART_PEER_ADDRESS,	/* its address as the log gave it (else the host) */
	KB_PART_QUEUE_ID,	/* the first message (queue id) it concerned */
	KB_PART_FIRST_SEEN,	/* its first time */
	KB_PART_LAST_SEEN	/* its last time */
};

struct kb_part {
	enum kb_part_kind	 kind;
	int			 code;	/* inside a <code> span */
	const char		*text;	/* KB_PART_TEXT only */
};

struct kb_fix;

struct kb_step {
	const char		*id;
	const struct kb_part	*parts;
	size_t			 nparts;
	const struct kb_part	*worked;	/* how to tell it worked, or NULL */
	size_t			 nworked;
	/*
	 * When the step is already done: the evidence that shows it (done_value
	 * NULL: any value of done_source answers it), or the in-place evidence
	 * of its fix. NULL when the rule base says nothing.
	 */
	const struct kb_evidence_source	*done_source;
	const struct kb_evidence_value	*done_value;
	const struct kb_fix	*fix;		/* the fix making its change, or NULL */
	const char		*fix_id;	/* as written (resolved into fix) */
	/* The step (of the same article) that must be done before this one
	   takes effect, or NULL (kb.rng, "needs"). */
	const char		*needs_id;
	const char * const	*addresses;	/* cause ids this step tests or removes */
	size_t			 naddresses;
	const char * const	*origins;	/* who it is for: "gateway", "smtpgw",
						   "postfix", "exim", "sendmail" */
	size_t			 norigins;	/* ("gateway smtpgw" when not given) */
};

/* Is the step for an incident logged by origin ("postfix", ...)? */
int kb_step_for(const struct kb_step *s, const char *origin);

/* A paragraph of a knowledge article's body: prose with code and facts. */
struct kb_para {
	const struct kb_part	*parts;
	size_t			 nparts;
};

/*
 * An article. Those of kind errmsg and troubleshoot have symptoms, causes
 * and steps; the knowledge articles (config, reference, other) have none of
 * them, but a body and the table rows that state their facts.
 */
struct kb_article {
	const char			*id;		/* "Q123827" */
	const char			*kind;		/* "errmsg", "troubleshoot", ... */
	int				 knowledge;	/* config, reference or other */
	const char			*title;
	const char			*modified;	/* ISO date or NULL */
	const char			*products;	/* "Name versions; ..." */
	const char			*summary;
	const char			*keywords;	/* or NULL */
	const struct kb_symptom		*symptoms;
	size_t				 nsymptoms;
	const struct kb_cause_ref	*causes;	/* in KB order */
	size_t				 ncauses;
	const struct kb_step * const	*steps;		/* in KB order */
	size_t				 nsteps;
	int				 steps_as_written;	/* a procedure: the
						   plan keeps the article's order */
	const struct kb_para		*body;		/* knowledge: what it says */
	size_t				 nbody;
	const struct kb_row * const	*facts;		/* knowledge: the rows it states */
	size_t				 nfacts;
	const char * const		*related;	/* article ids, maybe not in this KB */
	size_t				 nrelated;
	const char			*archive;	/* provenance: where it was read */
	const char			*encoded;	/* ... and when it was encoded */
	const char * const		*notes;		/* what the encoding adds */
	size_t				 nnotes;
	const char			*file;
};

/* The article's step of that id, or NULL. */
const struct kb_step *kb_article_step(const struct kb_article *a, const char *id);

/* An observation that decides between the articles of an overlap. */
struct kb_decider {
	const struct kb_evidence_source	*source;
	const struct kb_evidence_value	*value;
	const char			*article;	/* the one it points to, or NULL */
	const char			*why;
};

/* overlaps.xml: a text or fact that several articles share or dispute. */
struct kb_overlap {
	const char			*id;
	const char			*kind;	/* shared-text, general-specific, conflict */
	const char * const		*articles;
	size_t				 narticles;
	const char			*summary;
	const struct kb_decider		*deciders;
	size_t				 ndeciders;
	const char			*resolution;
	const char			*file;
	long				 line;
};

/*
 * A row of a reference table (a file of tables/): its attributes as field/value
 * strings, plus its text (the <description> or <note>) under that element's
 * name, and "section" for protocol-ini rows (the first of their sections).
 */
struct kb_row {
	const char		*table;		/* "tcptsr", "protocol-ini", ... */
	const char		*key;		/* "lanman-2.2b", "ForcePushBit" */
	const char * const	*fields;
	const char * const	*values;
	size_t			 nfields;
	const char		*file;
	long			 line;
};

/*
 * vocabulary.xml: a term people use ("mainframe", "RAM", "hangs up") for the
 * rule base's words ("IBM MVS VM host", "memory", "closes connection").
 */
struct kb_term {
	const char		*means;		/* the rule base's words */
	const char		*kind;		/* synonym, acronym, phrase, broader */
	const char * const	*said;		/* how people write it */
	size_t			 nsaid;
	const char		*file;
	long			 line;
};

/* vocabulary.xml: words that put a text in the gateway's world. */
struct kb_context {
	const char		*topic;		/* "mail" or "network" */
	const char		*words;		/* separated by white space */
	const char		*file;
	long			 line;
};

/* tables/peers.xml: a peer product known from its greeting. */
struct kb_peer {
	const char		*id;
	const char		*product;
	const char		*greeting;	/* PCRE2, caseless */
	const char * const	*examples;
	size_t			 nexamples;
	const char * const	*counters;
	size_t			 ncounters;
	const char		*file;
	long			 line;
};

/* fixes.xml: what a fix changes. */
enum kb_fix_kind {
	KB_FIX_SET,		/* NAME=VALUE in an INI-style file */
	KB_FIX_ORDER,		/* commands of a start-up batch file in order */
	KB_FIX_SWITCH,		/* a numeric switch on a batch command line */
	KB_FIX_REPLACE		/* a file replaced by the variant for the stack */
};

/* An order fix's command: "LOAD TCPIP" is name LOAD, argument TCPIP. */
struct kb_fix_command {
	const char	*name;		/* upper case: "LOAD", "SOCKETS" */
	const char	*arg;		/* upper case, or NULL */
	const char	*written;	/* as the rule base writes it: "LOAD TCPIP" */
	int		 anchor;	/* must be there, else the fix does not apply */
	int		 insert;	/* added when missing */
};

/* A replace fix's variant: the file for one stack (a value of source stack). */
struct kb_fix_variant {
	const char	*stack;		/* "lanman" */
	const char	*build;		/* tables/builds.xml row id: "smtplmn" */
	const char	*file;		/* that row's file: "SMTPLMN.EXE" */
	const char	*stack_name;	/* that row's stack, or the stack id */
};

/* An example of a fix, run by kb lint (LF as written, then CR LF). */
enum kb_fix_outcome {
	KB_FIX_EDITED,		/* before becomes after */
	KB_FIX_ALREADY,		/* nothing to do: the change is there */
	KB_FIX_NOT_APPLICABLE	/* the condition does not hold: left alone */
};

struct kb_fix_example {
	enum kb_fix_outcome	 outcome;
	const char		*before;
	const char		*after;		/* KB_FIX_EDITED only */
	long			 line;
};

struct kb_fix {
	const char			*id;		/* "force-push-bit" */
	const char			*title;
	enum kb_fix_kind		 kind;
	const struct kb_cause * const	*resolves;	/* causes it removes */
	size_t				 nresolves;
	const char * const		*articles;	/* only these; none: any */
	size_t				 narticles;
	const char * const		*sources;	/* articles prescribing it */
	size_t				 nsources;
	const char			*file;		/* "PROTOCOL.INI", any case */
	/* KB_FIX_SET */
	const char			*section;	/* a section by name, or NULL */
	int				 driver_tcpip;	/* the TCP/IP driver's section */
	const char			*key;		/* "ForcePushBit", "FILES" */
	const char			*value;		/* exactly this, or NULL: */
	long				 at_least;	/* a number at least this ... */
	long				 at_most;	/* ... at most this (-1: none) */
	long				 dflt;		/* when the line is missing (-1) */
	/* KB_FIX_ORDER */
	const struct kb_fix_command	*commands;
	size_t				 ncommands;
	/* KB_FIX_SWITCH (and at_least, dflt) */
	const char			*command;	/* "SMTPGATE" */
	const char			*switch_name;	/* "-Q" */
	/* KB_FIX_REPLACE */
	const struct kb_fix_variant	*variants;
	size_t				 nvariants;
	/* How kbdiag verify checks it. */
	const struct kb_evidence_source	*in_place_source;	/* or NULL */
	const struct kb_evidence_value	*in_place_value;
	const char * const		*proofs;	/* "resend:delivered" */
	size_t				 nproofs;
	const char			*verify;	/* prose */
	const struct kb_fix_example	*examples;
	size_t				 nexamples;
	const char * const		*notes;
	size_t				 nnotes;
	const char			*kbfile;	/* where it is declared */
	long				 line;
};

struct kb_load_params {
	const char	*dir;	/* the rule base directory */
	/*
	 * Called once for each problem found, with a one-line message that
	 * starts with "file:line: " where there is a line. kb_load() goes on
	 * after a problem in one article so that `kb lint` can list them all.
	 * May be NULL.
	 */
	void		(*on_problem)(void *arg, const char *msg);
	void		*arg;	/* passed to on_problem */
	/*
	 * Load what is valid and skip the articles and overlaps that are not
	 * (each skip is reported through on_problem first). The catalogs,
	 * tables and schema must still be valid.
	 */
	int		keep_going;
	/*
	 * For tests and fuzzing: the document at dir/override_path (as the
	 * rule base names it: "causes.xml", "tables/peers.xml", ...) is read
	 * from the override_len bytes at override_data instead of the file.
	 * NULL: every document from its file.
	 */
	const char	*override_path;
	const char	*override_data;
	size_t		override_len;
	/*
	 * Leave out the knowledge articles (kind config, reference, other):
	 * a diagnosis needs only the articles with symptoms. They are told
	 * apart by the kind in the first kilobyte of the file, before it is
	 * parsed; a file that does not say is loaded as usual. The vocabulary
	 * (vocabulary.xml), which only a query reads, is left out too.
	 */
	int		problems_only;
	/*
	 * Validate every document against the schema, even those whose bytes
	 * this build has validated already (kbvalid.h): `kb lint`.
	 */
	int		validate_all;
	/*
	 * Called for each document the schema validated, with its path and
	 * the SHA-256 of its bytes (engine/tools/kbvalid_gen.c writes the
	 * table of kbvalid.h from it). May be NULL; gets arg.
	 */
	void		(*on_valid)(void *arg, const char *path,
			    const unsigned char sha256[32]);
};

/*
 * Load the rule base at params->dir into *out. Returns 0, or -1 with the first
 * problem in err (and *out NULL) when any document is missing, malformed or
 * invalid.
 */
int kb_load(const struct kb_load_params *params, struct kb **out, char err[ERR_LEN]);
void kb_free(struct kb *kb);

/*
 * The rule base to use when none is given: $KBDIAG_KB when set, else the kb
 * directory beside the running binary (../kb in the source tree, or
 * ../share/kbdiag/kb when installed), else the installed data directory.
 * The result is in buf (PATH_MAX bytes) or a static string.
 */
const char *kb_default_dir(char buf[PATH_MAX]);

/*
 * How many articles and overlaps kb_load() skipped under keep_going, and how
 * many problems it passed to on_problem.
 */
size_t kb_skipped(const struct kb *kb);

/* Remove an article (kb_load() with keep_going, when its patterns fail). */
void kb_drop_article(struct kb *kb, const struct kb_article *a);

/*
 * Parse one more article from memory into a loaded kb, as kb_load() would
 * from articles/<name>. For tests and fuzzing. Returns 0 or -1 with err;
 * on error the kb is unchanged.
 */
int kb_add_article(struct kb *kb, const char *name, const char *data, size_t len,
    char err[ERR_LEN]);

const char *kb_dir(const struct kb *kb);

size_t kb_article_count(const struct kb *kb);
/* Articles sorted by number (Q100709 before Q123827). */
const struct kb_article *kb_article_at(const struct kb *kb, size_t i);
/* NULL when absent; the id is compared without regard to case. */
const struct kb_article *kb_find_article(const struct kb *kb, const char *id);

size_t kb_cause_count(const struct kb *kb);
const struct kb_cause *kb_cause_at(const struct kb *kb, size_t i);
const struct kb_cause *kb_find_cause(const struct kb *kb, const char *id);

/*
 * evidence.xml's <probing>: how old (seconds of log time before now) an
 * incident's last line may be for live probes to describe it, and how long a
 * probe round of one smart host stands for later failures (smtpgw). 0 when
 * the rule base says nothing.
 */
unsigned kb_probe_current(const struct kb *kb);
unsigned kb_probe_quiet(const struct kb *kb);

size_t kb_source_count(const struct kb *kb);
const struct kb_evidence_source *kb_source_at(const struct kb *kb, size_t i);
const struct kb_evidence_source *kb_find_source(const struct kb *kb, const char *id);
const char *kb_source_kind_name(enum kb_source_kind kind);

size_t kb_overlap_count(const struct kb *kb);
const struct kb_overlap *kb_overlap_at(const struct kb *kb, size_t i);
/* Does the overlap name this article (ids compared without regard to case)? */
int kb_overlap_names(const struct kb_overlap *o, const char *id);
/* Is there an overlap naming both articles? */
const struct kb_overlap *kb_find_overlap(const struct kb *kb, const char *a, const char *b);

size_t kb_fix_count(const struct kb *kb);
const struct kb_fix *kb_fix_at(const struct kb *kb, size_t i);
const struct kb_fix *kb_find_fix(const struct kb *kb, const char *id);
const char *kb_fix_kind_name(enum kb_fix_kind kind);	/* "set", "order", ... */
const char *kb_fix_outcome_name(enum kb_fix_outcome o);	/* "edited", ... */
/* Does the fix resolve this cause? */
int kb_fix_resolves(const struct kb_fix *f, const char *cause);

size_t kb_peer_count(const struct kb *kb);
const struct kb_peer *kb_peer_at(const struct kb *kb, size_t i);

/*
 * Is port one the rule base expects a smart host on (tables/ports.xml,
 * smarthost="yes")? A smart host a log names is probed only on those.
 * kb_smarthost_ports() writes them as "25, 587" into out (cap bytes).
 */
int kb_smarthost_port(const struct kb *kb, unsigned port);
void kb_smarthost_ports(const struct kb *kb, char *out, size_t cap);

/*
 * The rows of a reference table (the files in tables/: "tcptsr", "protocol-ini",
 * "builds", "switches", "peers", "gateway", "files", "stacks"), in file order,
 * as field/value strings (the row's attributes). kb_table_field() is NULL when
 * the row has no such field or i is out of range.
 */
size_t kb_table_count(const struct kb *kb, const char *table);
const char *kb_table_field(const struct kb *kb, const char *table, size_t i,
    const char *field);

/* Every row of every table, tables in load order, rows in file order. */
size_t kb_row_count(const struct kb *kb);
const struct kb_row *kb_row_at(const struct kb *kb, size_t i);
/* "TABLE:KEY" (as a <fact ref>), or NULL. */
const struct kb_row *kb_find_row(const struct kb *kb, const char *ref);
/* A field's value, or NULL. */
const char *kb_row_field(const struct kb_row *r, const char *field);

/* The vocabulary, in file order. */
size_t kb_term_count(const struct kb *kb);
const struct kb_term *kb_term_at(const struct kb *kb, size_t i);
size_t kb_context_count(const struct kb *kb);
const struct kb_context *kb_context_at(const struct kb *kb, size_t i);

/*
 * The query's index as the rule base cache keeps it (query_index_save(),
 * kbcache.h), *len bytes owned by the kb; NULL for a kb loaded from the XML
 * (query_index_new() builds the index then).
 */
const void *kb_query_index(const struct kb *kb, size_t *len);

const char *kb_role_name(enum kb_symptom_role role);
const char *kb_severity_name(enum kb_severity severity);

#endif
