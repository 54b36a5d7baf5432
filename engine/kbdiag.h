/*
 * kbdiag.h: the public interface of libkbdiag, the kbdiag expert system as a
 * C library (docs/api.md; pkg-config --cflags --libs kbdiag).
 *
 * Load a rule base once, diagnose gateway logs (files or lines in memory)
 * into a result, walk its incidents, their causes (best first) and their
 * resolution steps, render it as text, Markdown, HTML or JSON, and rank the
 * rule base's articles for a pasted error text. This header is the whole
 * promise: everything else in the library may change between versions.
 *
 * Errors: a call that can fail returns 0, or -1 after writing one line into
 * the caller's `char err[KBDIAG_ERR_LEN]` that names what failed (the file
 * and line, the article, the format). The error path never allocates. Out
 * of memory ends the process (exit status 4), as in the kbdiag command.
 *
 * Ownership: every handle made by a _load, _diagnose_ or _query call is
 * freed by the matching _free call, which accepts NULL. Pointers returned
 * by accessors (incidents, causes, steps, strings) belong to the handle they
 * came from and stay valid until it is freed. Strings are UTF-8; anything
 * taken from a log has had invalid UTF-8 and control characters written as
 * \xNN, so it is safe to show. A string accessor returns "" for a fact that
 * is unknown, never NULL, unless it says otherwise.
 *
 * Threads: handles hold no global state. A rule base is used by one call at
 * a time (its compiled patterns keep scratch space): give each thread its
 * own, or a lock. Results and query answers may be read from any thread.
 */
#ifndef KBDIAG_H
#define KBDIAG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of this interface. A program built against one major
 * version runs with any library of the same major version (the shared
 * library's soname, libkbdiag.so.1, carries it); minor versions only add.
 */
#define KBDIAG_API_MAJOR	1
#define KBDIAG_API_MINOR	0
#define KBDIAG_API_VERSION	(KBDIAG_API_MAJOR * 1000 + KBDIAG_API_MINOR)

/* The size of the caller's error buffer. */
#define KBDIAG_ERR_LEN		512

/* The library's KBDIAG_API_VERSION, to compare with the header's. */
int kbdiag_api_version(void);
/* The version of kbdiag the library comes from, such as "0.1.0". */
const char *kbdiag_version(void);

/* ---------------------------------------------------------------------- */
/* The rule base                                                            */

struct kbdiag_kb;

/*
 * Load, validate and compile the rule base in the directory dir, or, with
 * dir NULL, the default one: $KBDIAG_KB when set, else the installed rule
 * base (PREFIX/share/kbdiag/kb). Returns 0 and *out, or -1 with err (an
 * invalid article is an error: its file and line are in err).
 */
int kbdiag_kb_load(const char *dir, struct kbdiag_kb **out, char err[KBDIAG_ERR_LEN]);
void kbdiag_kb_free(struct kbdiag_kb *kb);
/* The directory it was loaded from, and how many articles it holds. */
const char *kbdiag_kb_dir(const struct kbdiag_kb *kb);
size_t kbdiag_kb_article_count(const struct kbdiag_kb *kb);

/* ---------------------------------------------------------------------- */
/* A diagnosis                                                              */

struct kbdiag_result;
struct kbdiag_incident;
struct kbdiag_cause;
struct kbdiag_step;

/* Flags of kbdiag_diagnose_*(). */
#define KBDIAG_PROBE	0x1	/* also run the live probes of each smart host
				   the incidents name (DNS, ping, TCP connect,
				   greeting, EHLO, ...; about 15 s at most per
				   host); without it nothing is contacted */

/*
 * Diagnose the logs files[0..nfiles-1] (any format kbdiag reads, gzip
 * included; "-" is standard input). smarthost, "HOST[:PORT]" or NULL, is
 * the smart host to report (and probe) when a log names none. Returns 0 and
 * *out, or -1 with err for bad parameters (flags, smarthost, no files). A
 * log that cannot be read does not make the call fail: it is counted by
 * kbdiag_result_input_errors() and named by kbdiag_result_input_error(),
 * and the other logs are diagnosed.
 */
int kbdiag_diagnose_files(struct kbdiag_kb *kb, const char *const *files, size_t nfiles,
    const char *smarthost, unsigned flags, struct kbdiag_result **out,
    char err[KBDIAG_ERR_LEN]);
/*
 * The same for log lines in memory (len bytes, not copied, not needed after
 * the call), named name ("<lines>" when NULL) in locations and messages.
 */
int kbdiag_diagnose_lines(struct kbdiag_kb *kb, const char *name, const char *text,
    size_t len, const char *smarthost, unsigned flags, struct kbdiag_result **out,
    char err[KBDIAG_ERR_LEN]);
void kbdiag_result_free(struct kbdiag_result *r);

/* Lines read, lines that matched an article, over all inputs. */
unsigned long long kbdiag_result_lines(const struct kbdiag_result *r);
unsigned long long kbdiag_result_matched(const struct kbdiag_result *r);
/* Inputs that could not be read (fully), and why the i-th input could not
 * be (NULL when it was read; i counts the inputs in the order given). */
size_t kbdiag_result_input_errors(const struct kbdiag_result *r);
const char *kbdiag_result_input_error(const struct kbdiag_result *r, size_t i);

/* Incidents, in order of first appearance: one article, one smart host. */
size_t kbdiag_result_incident_count(const struct kbdiag_result *r);
const struct kbdiag_incident *kbdiag_result_incident(const struct kbdiag_result *r,
    size_t i);	/* NULL when i is out of range */

const char *kbdiag_incident_article(const struct kbdiag_incident *inc);	/* "Q123827" */
const char *kbdiag_incident_title(const struct kbdiag_incident *inc);
const char *kbdiag_incident_error(const struct kbdiag_incident *inc);	/* the first line's */
unsigned long kbdiag_incident_count(const struct kbdiag_incident *inc);	/* attempts */
const char *kbdiag_incident_first_seen(const struct kbdiag_incident *inc);	/* log time */
const char *kbdiag_incident_last_seen(const struct kbdiag_incident *inc);
/* The smart host ("" and 0 when unknown). */
const char *kbdiag_incident_peer_host(const struct kbdiag_incident *inc);
unsigned kbdiag_incident_peer_port(const struct kbdiag_incident *inc);
/* Where in the SMTP session the first line came: "body", "mail", ... */
const char *kbdiag_incident_phase(const struct kbdiag_incident *inc);
const char *kbdiag_incident_last_command(const struct kbdiag_incident *inc);
const char *kbdiag_incident_last_reply(const struct kbdiag_incident *inc);

/* Causes, best first (docs/ranking.md). */
size_t kbdiag_incident_cause_count(const struct kbdiag_incident *inc);
const struct kbdiag_cause *kbdiag_incident_cause(const struct kbdiag_incident *inc,
    size_t i);	/* NULL when i is out of range */
const char *kbdiag_cause_id(const struct kbdiag_cause *c);	/* stable: "peer-host-down" */
const char *kbdiag_cause_title(const struct kbdiag_cause *c);
double kbdiag_cause_confidence(const struct kbdiag_cause *c);	/* 0..1 */
int kbdiag_cause_ruled_out(const struct kbdiag_cause *c);	/* 1: evidence against */

/* What to do, in order, with the smart host filled in. */
size_t kbdiag_incident_step_count(const struct kbdiag_incident *inc);
const struct kbdiag_step *kbdiag_incident_step(const struct kbdiag_incident *inc,
    size_t i);	/* NULL when i is out of range */
unsigned kbdiag_step_number(const struct kbdiag_step *s);	/* 1-based */
const char *kbdiag_step_id(const struct kbdiag_step *s);
const char *kbdiag_step_text(const struct kbdiag_step *s);	/* plain text */

/* Flags of kbdiag_result_render(). */
#define KBDIAG_EXPLAIN	0x1	/* text and Markdown: the arithmetic behind each
				   confidence, every probe and its transcript */

/*
 * The result as a report, format "text", "markdown", "html" or "json" (the
 * keys of docs/json.md). Returns 0 and *out, a NUL-terminated string of
 * *len bytes that the caller frees with free(), or -1 with err.
 */
int kbdiag_result_render(const struct kbdiag_result *r, const char *format,
    unsigned flags, char **out, size_t *len, char err[KBDIAG_ERR_LEN]);
/*
 * The same report, written as it is rendered: write(arg, p, n) gets its
 * bytes in order, some hundred kilobytes at a time, so that a report of
 * thousands of incidents is never held whole. write returns 0, or nonzero
 * when the output failed (it keeps its own error), and is then not called
 * again. Returns 0; 1 when write failed; -1 with err when the report cannot
 * be produced (a bad format or flag: nothing written; else parts may have
 * been).
 */
int kbdiag_result_write(const struct kbdiag_result *r, const char *format,
    unsigned flags, int (*write)(void *arg, const char *p, size_t n), void *arg,
    char err[KBDIAG_ERR_LEN]);

/* ---------------------------------------------------------------------- */
/* Which article is about an error text                                     */

struct kbdiag_query;

/*
 * Rank the articles for an error text (one line or several pasted ones),
 * best first; none when nothing in the rule base is about it. Returns 0
 * and *out, or -1 with err (an empty text).
 */
int kbdiag_query(struct kbdiag_kb *kb, const char *text, size_t len,
    struct kbdiag_query **out, char err[KBDIAG_ERR_LEN]);
void kbdiag_query_free(struct kbdiag_query *q);
size_t kbdiag_query_count(const struct kbdiag_query *q);
/* The i-th answer (NULL, or 0 for the score, when i is out of range). */
const char *kbdiag_query_article(const struct kbdiag_query *q, size_t i);
const char *kbdiag_query_title(const struct kbdiag_query *q, size_t i);
double kbdiag_query_score(const struct kbdiag_query *q, size_t i);	/* 0..1 */

#ifdef __cplusplus
}
#endif

#endif
