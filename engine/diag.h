/*
 * diag: the pipeline that produces a diagnosis (diagnosis.h) from logs.
 *
 *   reader -> matcher -> correlator -> ranker -> planner      (renderer: render.h)
 *
 * Ownership: diag_free() (diagnosis.h) frees what diag_run() and
 * diag_follow() return.
 */
#ifndef KBDIAG_DIAG_H
#define KBDIAG_DIAG_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "util/err.h"
#include "diagnosis.h"
#include "kb.h"
#include "match.h"
#include "probe.h"
#include "reader.h"

struct diag_params {
	const struct kb	*kb;		/* the rule base */
	struct matcher	*matcher;	/* compiled from kb */
	const char	* const *files;	/* logs to read; "-" is stdin */
	size_t		 nfiles;
	/*
	 * When not NULL: the one log is these text_len bytes in memory (not
	 * copied), named files[0]; nfiles must be 1. diag_run() only.
	 */
	const char	*text;
	size_t		 text_len;
	const char	*smarthost;	/* host when a log names none, or NULL */
	unsigned	 smarthost_port;
	/*
	 * Read the inputs in the order given, not rotated sets in time order
	 * (mail.log.2.gz, mail.log.1, mail.log).
	 */
	int		 keep_order;
	struct reader_params reader;	/* format, --date, year (reader.h) */
	int		 has_since;	/* only lines at or after since ... */
	long long	 since;		/* (logtime.h) */
	int		 has_until;	/* ... and at or before until */
	long long	 until;
	/*
	 * diag_follow() only: called for each new incident, and again when an
	 * incident becomes frequent; and with each notice about a followed
	 * file (rotation, truncation). May be NULL.
	 */
	void		(*on_incident)(void *arg, const struct diag_incident *inc,
			    int became_frequent);
	void		(*on_notice)(void *arg, const char *msg);
	void		*follow_arg;
	/* diag_follow() stops when *stop becomes non-zero (a signal handler). */
	volatile sig_atomic_t *stop;
	/*
	 * Called now and then while a log is read, with bytes done and the
	 * total (0 when unknown, as for a pipe). May be NULL.
	 */
	void		(*progress)(void *arg, const char *file,
			    unsigned long long done, unsigned long long total);
	void		*progress_arg;
	/* Incidents held in memory, at most (0: DIAG_MAX_INCIDENTS). */
	size_t		 max_incidents;
	/*
	 * diag_run() only: diag_probe() follows and ranks, so the causes are
	 * not ranked nor the steps planned here (the evidence is still derived,
	 * as before the probes); nothing may read them in between.
	 */
	int		 rank_later;
};

/*
 * Read the logs, find the rule base's symptoms, group them into incidents,
 * rank their causes and plan their steps. A log that cannot be opened or read
 * does not stop the others: it is recorded in inputs[].error. Returns 0 and
 * sets *out (free with diag_free()); there is no failure but OOM.
 */
int diag_run(const struct diag_params *params, struct diagnosis **out);

/*
 * The same, following the logs as they grow (tail -F): reads what is there,
 * then waits for more, handles rotation and truncation, reports incidents as
 * they form through on_incident, and returns the diagnosis when *stop is set.
 * Inputs that are not regular files (stdin, a pipe) are read to their end.
 */
int diag_follow(const struct diag_params *params, struct diagnosis **out);

/*
 * The prober stage: run one probe round per smart host the incidents name
 * (or only against override_host, when --smarthost was given), with the
 * settings of tmpl (its host and port are set here), add what was found to
 * each incident's observations and probes, and rank again. With
 * tmpl->offline the rounds still read the DOS client's files and record
 * why the network probes were skipped. Only current incidents' hosts are
 * probed (probe_skip), a host a log names only on a port the rule base
 * expects a smart host on, and at most tmpl->max_hosts of them (the
 * busiest); the others get a round without network probes that says why.
 * The rounds of different smart hosts run at the same time (probe_hosts.h),
 * so the whole takes about as long as the slowest round. on_round, when not
 * NULL, is called for each host probed before the rounds start (for
 * progress). Returns the number of rounds run.
 */
size_t diag_probe(struct diagnosis *d, const struct kb *kb, const struct probe_params *tmpl,
    const char *override_host, unsigned override_port,
    void (*on_round)(void *arg, const char *host, unsigned port), void *arg);
/*
 * diag_probe()'s rounds, the same ones, without changing d: each incident i
 * whose round ran is handed to apply with that round's results, once, as
 * the rounds are run (a batch of rounds at a time, freed after); its
 * warnings go to warn (NULL: none). Nothing is ranked. kbdiag verify ranks
 * a copy of each incident as its round comes (verify.c), so that the copies
 * are not all held at once. Returns the number of rounds run.
 */
size_t diag_probe_rounds(const struct diagnosis *d, const struct kb *kb,
    const struct probe_params *tmpl, const char *override_host, unsigned override_port,
    void (*on_round)(void *arg, const char *host, unsigned port), void *arg,
    void (*apply)(void *arg, size_t i, const struct probe_result *r, size_t n),
    void *apply_arg, struct diagnosis *warn);

/*
 * Live probes describe the network now: an incident is current when its
 * last line is at most window seconds of log time before now (the log's
 * times as written: within the window of now on this machine's local clock
 * or on UTC); one whose log gives no date is current when its log file was
 * last written within the window of now and the failure's time of day is
 * within the window of that moment's (standard input cannot be told). Marks
 * every incident that is not (inc->probe_skip, which diag_probe() honours:
 * a smart host none of whose incidents is current is not probed; its
 * probes are skipped with that reason) and, when any was marked, sets
 * d->probe_note. Returns how many incidents were marked.
 */
size_t diag_probe_policy(struct diagnosis *d, time_t now, unsigned window);
/* The window when neither the rule base nor the user gives one: an hour. */
#define DIAG_PROBE_WINDOW	3600

/*
 * Evidence a person gives (--observe SOURCE:VALUE, --answers FILE, --ask):
 * spec is "SOURCE:VALUE" of the rule base (kb/evidence.xml; any kind of
 * source, most often a manual one), observed for every incident with origin
 * "manual" and detail (where it came from, for the report), so that a saved
 * diagnosis replays it. A VALUE of "?" is "don't know": nothing observed.
 * Where an incident already holds another value of the source (from its
 * log), that one stands and a warning says so. Call diag_rank() after the
 * last one. 0, or -1 with err (an unknown source or value, with the values
 * the source takes).
 */
int diag_observe_manual(struct diagnosis *d, const struct kb *kb, const char *spec,
    const char *detail, char err[ERR_LEN]);

/*
 * An answers file (--answers): one SOURCE:VALUE a line for
 * diag_observe_manual(), each with detail "answered in NAME, line N"; blank
 * lines and lines starting with # are skipped, blanks around a line and a
 * CR before its end dropped. Any bytes. 0, or -1 with err ("NAME:N: ...")
 * at the first line that is not one (the lines before it stay observed).
 */
int diag_answers(struct diagnosis *d, const struct kb *kb, const char *data, size_t len,
    const char *name, char err[ERR_LEN]);

/*
 * After the observations changed (a probe round, --observe, a replay): the
 * values worked out from others (evidence.h), the ranking (rank.h) and the
 * plan (plan.h) of every incident, again.
 */
void diag_rank(struct diagnosis *d, const struct kb *kb);

#endif
