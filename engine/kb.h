/*
 * kb: the rule base, loaded from a directory of XML documents.
 *
 * Layout of a rule base directory (docs/kb-format.md):
 *
 *   schema/kb.rng           RelaxNG schema every document is validated against
 *   causes.xml              the shared cause catalog
 *   steps.xml               resolution steps shared by articles
 *   tables/tcptsr.xml       TCPTSR.EXE builds
 *   tables/protocol-ini.xml PROTOCOL.INI parameters
 *   articles/Q*.xml         one article per file, file name = article id
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

#include <stddef.h>

#include "err.h"

struct kb;

struct kb_cause {
	const char	*id;		/* stable id, e.g. "peer-host-down" */
	const char	*title;		/* one line */
	const char	*description;	/* a paragraph */
};

enum kb_symptom_role {
	KB_ROLE_PRIMARY,	/* the line that makes an incident */
	KB_ROLE_COMPANION	/* counts only right after a primary line */
};

struct kb_symptom {
	const char		*id;		/* unique within the article */
	enum kb_symptom_role	 role;
	int			 caseless;	/* match ignoring case */
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
};

/* What a piece of step text is. */
enum kb_part_kind {
	KB_PART_TEXT,		/* literal text */
	KB_PART_PEER_HOST,	/* the incident's peer host */
	KB_PART_PEER_PORT	/* the incident's peer port */
};

struct kb_part {
	enum kb_part_kind	 kind;
	int			 code;	/* inside a <code> span */
	const char		*text;	/* KB_PART_TEXT only */
};

struct kb_step {
	const char		*id;
	const struct kb_part	*parts;
	size_t			 nparts;
	const char * const	*addresses;	/* cause ids this step tests or removes */
	size_t			 naddresses;
};

struct kb_article {
	const char			*id;		/* "Q123827" */
	const char			*kind;		/* "errmsg", "troubleshoot", ... */
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
	const char * const		*related;	/* article ids, maybe not in this KB */
	size_t				 nrelated;
	const char			*file;
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
};

/*
 * Load the rule base at params->dir into *out. Returns 0, or -1 with the first
 * problem in err (and *out NULL) when any document is missing, malformed or
 * invalid.
 */
int kb_load(const struct kb_load_params *params, struct kb **out, char err[ERR_LEN]);
void kb_free(struct kb *kb);

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

#endif
