/*
 * diag: a diagnosis, and the pipeline that produces one from logs.
 *
 *   reader -> matcher -> correlator -> ranker -> planner      (renderer: render.h)
 *
 * A struct diagnosis is self-contained: every string in it is its own copy,
 * sanitised for display (text.h), so it can be rendered, saved as JSON and
 * compared without the rule base or the logs. The only link back is
 * incident->kb_article, for the stages that still need the rule base.
 *
 * Ownership: diag_free() frees the diagnosis and everything in it.
 */
#ifndef KBDIAG_DIAG_H
#define KBDIAG_DIAG_H

#include <stddef.h>

#include "err.h"
#include "kb.h"
#include "match.h"

struct diag_peer {
	char		*host;		/* NULL when unknown */
	unsigned	 port;		/* 0 when unknown */
};

struct diag_location {
	char		*file;
	unsigned long	 line;
};

struct diag_cause {
	char		*id;		/* stable id from the cause catalog */
	char		*title;
	double		 confidence;	/* 0..1, over the incident's causes */
	char		**evidence;	/* one sentence each; none until probes exist */
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
};

/* One error, at one peer, however often it occurred. */
struct diag_incident {
	char			*article;	/* "Q123827" */
	char			*title;
	char			*error;		/* the first matching line's message */
	unsigned long		 count;		/* primary lines */
	unsigned long		 companions;	/* companion lines that went with them */
	char			*first_seen;	/* reader_record.when, "" when unknown */
	char			*last_seen;
	struct diag_peer	 peer;
	int			 peer_from_cli;	/* peer came from --smarthost */
	struct diag_location	*locations;	/* the first DIAG_MAX_LOCATIONS */
	size_t			 nlocations;
	struct diag_cause	*causes;	/* best first */
	size_t			 ncauses;
	struct diag_step	*steps;
	size_t			 nsteps;
	const struct kb_article	*kb_article;	/* NULL when not from this KB */
};

#define DIAG_MAX_LOCATIONS	10

/* One log that was read (or could not be). */
struct diag_input {
	char		*name;
	unsigned long	 lines;
	char		*format;	/* "legacy", "text"; NULL if unreadable */
	char		*error;		/* why it could not be read fully, or NULL */
};

struct diagnosis {
	struct diag_input	*inputs;
	size_t			 ninputs;
	struct diag_incident	*incidents;	/* in order of first appearance */
	size_t			 nincidents;
	char			**warnings;	/* "file:line: ..." lines */
	size_t			 nwarnings;
	size_t			 warnings_dropped;	/* beyond DIAG_MAX_WARNINGS */
};

#define DIAG_MAX_WARNINGS	100

struct diag_params {
	const struct kb	*kb;		/* the rule base */
	struct matcher	*matcher;	/* compiled from kb */
	const char	* const *files;	/* logs to read; "-" is stdin */
	size_t		 nfiles;
	const char	*smarthost;	/* host when a log names none, or NULL */
	unsigned	 smarthost_port;
	/*
	 * Called now and then while a log is read, with bytes done and the
	 * total (0 when unknown, as for a pipe). May be NULL.
	 */
	void		(*progress)(void *arg, const char *file,
			    unsigned long long done, unsigned long long total);
	void		*progress_arg;
};

/*
 * Read the logs, find the rule base's symptoms, group them into incidents,
 * rank their causes and plan their steps. A log that cannot be opened or read
 * does not stop the others: it is recorded in inputs[].error. Returns 0 and
 * sets *out (free with diag_free()); there is no failure but OOM.
 */
int diag_run(const struct diag_params *params, struct diagnosis **out);

/* How many inputs could not be read completely. */
size_t diag_input_errors(const struct diagnosis *d);

void diag_free(struct diagnosis *d);

/* Helpers for the stages that build a diagnosis. */
void diag_warn(struct diagnosis *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_incident_clear(struct diag_incident *inc);

#endif
