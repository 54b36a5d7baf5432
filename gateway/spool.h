/*
 * spool: the gateway's queue on disk, one file per message, shared by any
 * number of processes (submit, the listener's sessions, run, run --once,
 * flush).
 *
 *   SPOOL/tmp/        files being written (never read as messages)
 *   SPOOL/new/        queued, never tried
 *   SPOOL/deferred/   tried and failed for now; tried again at next_try
 *   SPOOL/bad/        given up (retries exhausted, refused, or unreadable)
 *
 * A message file is the envelope and state as header lines, a blank line, the
 * data exactly as it goes on the wire after DATA (CRLF line ends, dot-stuffed,
 * without the final "."), and a trailer line "END <size>" that proves the
 * file was written to its end (docs/smtpgw.md shows the format). Every file is
 * written to a temporary name of its writer's own in tmp/, fsynced, renamed
 * into place and the directory fsynced, so a message is either wholly there
 * or not at all; a file cut short anyway (a disk that lied, a copy by hand)
 * fails spool_parse() and is moved to bad/ with the reason, never delivered
 * half. A file is never changed in place: a new state is a new file.
 *
 * Claims. A process attempts a message only under a claim (spool_claim()):
 * an exclusive flock(2) on the message's file, which the kernel releases when
 * the process ends, however it ends. After taking the lock the claimer checks
 * that the path still names the file it locked (another process may have
 * delivered the message, or renamed a new state over it, between the open and
 * the lock) and that no later state of the message exists; only then is the
 * claim valid. The rule that makes this sound: a message's files are renamed
 * over, removed, or given a later state only by the holder of a valid claim on
 * its newest file; the one exception, removing a file of an earlier state
 * when a later one exists, is safe for anyone because such a file is stale.
 * So at most one process attempts a message at a time, and a claim of a
 * killed process is free again at once.
 *
 * Ownership: a struct spool_msg owns its strings and data; spool_msg_free()
 * frees them (a claim's message is the claim's: spool_release() frees it).
 * struct spool, spool_claim, spool_writer and spool_scan are opaque;
 * spool_close(), spool_release(), spool_writer_abort() and
 * spool_scan_close() free them. Functions return 0 / -1 and fill err
 * (err.h) unless said otherwise.
 *
 * Threads: one struct spool may be used by several threads at once (the
 * runner's sessions), each with claims, writers and scans of its own; a
 * claim is between open files, so two threads of one process exclude each
 * other as two processes do.
 */
#ifndef SMTPGW_SPOOL_H
#define SMTPGW_SPOOL_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define SPOOL_ID_MAX	64	/* bytes, with the NUL */

#define SPOOL_STATE_LIST(X) \
	X(SPOOL_NEW,      "new") \
	X(SPOOL_DEFERRED, "deferred") \
	X(SPOOL_BAD,      "bad")

enum spool_state {
#define X(e, s) e,
	SPOOL_STATE_LIST(X)
#undef X
	SPOOL_NSTATES
};

struct spool_msg {
	char		 id[SPOOL_ID_MAX];
	enum spool_state state;
	long long	 created;	/* Unix time of submission */
	unsigned	 attempts;	/* delivery attempts so far */
	long long	 next_try;	/* Unix time; 0 = now */
	char		*last_error;	/* the last failure's legacy line, or NULL */
	char		*from;		/* envelope sender, "" for <> */
	char		**rcpts;	/* envelope recipients, at least one */
	size_t		 nrcpts;
	char		*data;		/* wire form (see above), NULL in a header-only load;
					   in a claim it points into the mapped file */
	size_t		 size;		/* bytes of data */
};

struct spool;

/* Open (and create, with its subdirectories) the spool at dir. */
int spool_open(const char *dir, struct spool **out, char err[ERR_LEN]);
/* Open the spool at dir, which must exist (with new/, deferred/ and bad/):
 * for commands that only look (a mistyped name must not look like an empty
 * queue). */
int spool_open_existing(const char *dir, struct spool **out, char err[ERR_LEN]);
void spool_close(struct spool *s);
const char *spool_dir(const struct spool *s);

/*
 * The wire form of a message as a user gives it (LF or CRLF line ends, not
 * dot-stuffed): CRLF line ends, leading dots doubled, a final line end added
 * when missing; a CR not before an LF is data. The encoder takes the message
 * in pieces of any size and gives the same bytes however it is cut.
 */
struct spool_wire_state {
	int	at_bol;		/* the next byte starts a line */
	int	cr;		/* a CR is held back: a line end if an LF follows */
};
void spool_wire_init(struct spool_wire_state *w);
/* Append the wire form of in[0, n) to out. */
void spool_wire_feed(struct spool_wire_state *w, const char *in, size_t n, struct buf *out);
/* The end: the held-back CR, the final line end when missing. */
void spool_wire_end(struct spool_wire_state *w, struct buf *out);
/* All of it at once; the result is malloc'ed, *outlen its length. */
char *spool_wire(const char *msg, size_t len, size_t *outlen);

/*
 * Writing a new message as it comes (the listener's DATA, submit's standard
 * input): open with the envelope, write the data (wire form) in pieces, then
 * commit, which makes it durable in new/ and gives its id, or abort, which
 * leaves nothing. The data is written to tmp/ as it arrives, never held in
 * memory; abort (or the writer's death) leaves a file in tmp/ that
 * spool_clean_tmp() removes.
 */
struct spool_writer;
int spool_writer_open(struct spool *s, const char *from, char *const *rcpts, size_t nrcpts,
    struct spool_writer **out, char err[ERR_LEN]);
int spool_writer_write(struct spool_writer *w, const char *data, size_t n, char err[ERR_LEN]);
/* Bytes of data written so far. */
size_t spool_writer_size(const struct spool_writer *w);
/* Durable in new/ when this returns 0; id set. The writer is freed either way. */
int spool_writer_commit(struct spool_writer *w, char id[SPOOL_ID_MAX], char err[ERR_LEN]);
void spool_writer_abort(struct spool_writer *w);

/*
 * Queue a message: from ("" for the null sender), rcpts, and data already in
 * wire form (spool_wire()). Durable when this returns 0; id is set. The
 * caller keeps ownership of the arguments.
 */
int spool_put(struct spool *s, const char *from, char *const *rcpts, size_t nrcpts,
    const char *data, size_t size, char id[SPOOL_ID_MAX], char err[ERR_LEN]);

/*
 * Parse a spool file's bytes. Fills *msg (free with spool_msg_free()); with
 * want_data 0 the data is checked but not copied. Fails with a message that
 * names the line or byte when the file is not a complete spool file.
 */
int spool_parse(const char *buf, size_t len, int want_data, struct spool_msg *msg,
    char err[ERR_LEN]);
void spool_msg_free(struct spool_msg *msg);

/* Load the message id (in whatever state it is), without a claim: a look. */
int spool_load(struct spool *s, const char *id, int want_data, struct spool_msg *msg,
    char err[ERR_LEN]);

/*
 * The queue: every message in new/ and deferred/ (and bad/ when with_bad),
 * sorted by creation time then id, headers only (data NULL). A file that
 * does not parse is moved to bad/ (its reason written beside it as ID.why;
 * under a claim, so never one that another process is working on) and
 * reported through on_bad when not NULL. *out is an array of *n messages;
 * free with spool_list_free().
 */
int spool_list(struct spool *s, int with_bad, struct spool_msg **out, size_t *n,
    void (*on_bad)(void *arg, const char *id, const char *why), void *arg,
    char err[ERR_LEN]);
void spool_list_free(struct spool_msg *list, size_t n);

/*
 * The queue for delivery, read a batch at a time, so that a queue of any
 * length is never held whole (spool_list() is for listing it): the ids in
 * deferred/, then those in new/, each directory read in batches of at most
 * SPOOL_SCAN_BATCH names, each batch in id order (the order of submission),
 * so a queue of up to that many messages per directory is given oldest
 * first. A file with a later state beside it is stale (a crash between two
 * states) and is removed, not given. Nothing is read but the directories:
 * next_try_hint is 0 for new/, and for deferred/ the file's modification
 * time, which a deferral sets to the next try (as Postfix's deferred queue
 * does). It is a hint: the file's header, read under a claim, is the truth.
 * A name may be given for a message that is gone by the time it is claimed.
 */
#define SPOOL_SCAN_BATCH	4096

struct spool_scan;

struct spool_scan_entry {
	char		 id[SPOOL_ID_MAX];
	enum spool_state state;		/* SPOOL_NEW or SPOOL_DEFERRED */
	long long	 next_try_hint;	/* Unix time; 0 = now */
};

int spool_scan_open(struct spool *s, struct spool_scan **out, char err[ERR_LEN]);
/* The next entry: 1, or 0 at the end, or -1 when a directory cannot be read. */
int spool_scan_next(struct spool_scan *sc, struct spool_scan_entry *e, char err[ERR_LEN]);
void spool_scan_close(struct spool_scan *sc);
/* The batch size, SPOOL_SCAN_BATCH; tests make it small. */
extern size_t spool_scan_batch;

/* ---- claims (see the top of this file) ---- */

struct spool_claim;

enum spool_claim_result {
	SPOOL_CLAIMED = 0,	/* *out is the claim */
	SPOOL_BUSY = 1,		/* another process holds the message now */
	SPOOL_GONE = 2,		/* not queued any more (delivered, or in bad/) */
	SPOOL_CLAIM_BAD = 3	/* the file does not parse: moved to bad/, err says why */
};

/*
 * Claim message id in new/ or deferred/ for an attempt; its file is mapped
 * (the data is not copied). -1 on a system error (err).
 */
int spool_claim(struct spool *s, const char *id, struct spool_claim **out, char err[ERR_LEN]);
/* The claimed message (data loaded); it stays the claim's. */
struct spool_msg *spool_claim_msg(struct spool_claim *c);

/*
 * Delivered: remove the message's file. With sync, the directory is fsynced
 * now; without, the removal is made durable by the next spool_sync() (until
 * then a crash of the machine, not of the process, can bring the file back,
 * and the message would be sent again: a duplicate, never a loss).
 */
int spool_claim_done(struct spool_claim *c, int sync, char err[ERR_LEN]);
/* fsync the directories of the states in the mask (1 << SPOOL_NEW | ...):
 * those that delivered messages were removed from. */
#define SPOOL_ALL_STATES	((1u << SPOOL_NSTATES) - 1)
int spool_sync(struct spool *s, unsigned states, char err[ERR_LEN]);

/*
 * Record a failed attempt: attempts + 1, last_error, next_try, and the
 * message written again into deferred/ or (to_bad) bad/; the claim's message
 * is updated to match. When the new file cannot be written (a full disk),
 * the message stays as it was and -1 is returned with errno kept.
 */
int spool_claim_defer(struct spool_claim *c, const char *last_error, long long next_try,
    int to_bad, char err[ERR_LEN]);

/* End the claim (after done or defer, or with the message unchanged); NULL is fine. */
void spool_release(struct spool_claim *c);

/*
 * For tests only (NULL otherwise): called by a claim between opening a file
 * and locking it, the window in which another process may deliver the
 * message or write its next state; tests/unit/check_spool.c does exactly that
 * there, to show that the claim notices.
 */
extern void (*spool_claim_window_hook)(const char *path);

/*
 * Split off the recipients rcpts (a subset of msg's, at least one) as a new
 * message with msg's data, sender, creation time and attempts + 1, written
 * straight to deferred/ (next_try) or (to_bad) bad/, with last_error; its id
 * goes to id. msg itself is not changed: the caller removes it
 * (spool_claim_done) once the copy is durable, so that a crash in between
 * duplicates, never loses. msg->data must be loaded.
 */
int spool_split(struct spool *s, const struct spool_msg *msg, char *const *rcpts,
    size_t nrcpts, const char *last_error, long long next_try, int to_bad,
    char id[SPOOL_ID_MAX], char err[ERR_LEN]);

/*
 * Remove what dead writers left in tmp/: files older than min_age_s seconds
 * whose writer no longer holds them (a writer holds its file locked until it
 * is renamed into place). *removed counts them.
 */
int spool_clean_tmp(struct spool *s, long long min_age_s, unsigned *removed,
    char err[ERR_LEN]);

/* "new", "deferred", "bad". */
const char *spool_state_to_text(enum spool_state st);

/* The path of the message's file (for the retry-exceeded line). */
void spool_path(const struct spool *s, const struct spool_msg *msg, char *out, size_t outlen);

#endif
