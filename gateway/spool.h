/*
 * spool: the gateway's queue on disk, one file per message.
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
 * written to tmp/, fsynced, renamed into place and the directory fsynced, so
 * a message is either wholly there or not at all; a file cut short anyway (a
 * disk that lied, a copy by hand) fails spool_parse() and is moved to bad/
 * with the reason, never delivered half.
 *
 * Ownership: a struct spool_msg owns its strings and data; spool_msg_free()
 * frees them. struct spool is opaque; spool_close() frees it. Functions
 * return 0 / -1 and fill err (err.h).
 */
#ifndef SMTPGW_SPOOL_H
#define SMTPGW_SPOOL_H

#include <stddef.h>

#include "err.h"

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
	char		*data;		/* wire form (see above), NULL in a header-only load */
	size_t		 size;		/* bytes of data */
};

struct spool;

/* Open (and create, with its subdirectories) the spool at dir. */
int spool_open(const char *dir, struct spool **out, char err[ERR_LEN]);
void spool_close(struct spool *s);
const char *spool_dir(const struct spool *s);

/*
 * Turn a message as a user gives it (LF or CRLF line ends, not dot-stuffed)
 * into the wire form: CRLF line ends, leading dots doubled, a final line end
 * added when missing. The result is malloc'ed; *outlen its length.
 */
char *spool_wire(const char *msg, size_t len, size_t *outlen);

/*
 * Queue a message: from ("" for the null sender), rcpts, and data already in
 * wire form (spool_wire()). Durable when this returns 0; msg->id is set.
 * The caller keeps ownership of the arguments.
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

/* Load the message id (in whatever state it is). */
int spool_load(struct spool *s, const char *id, int want_data, struct spool_msg *msg,
    char err[ERR_LEN]);

/*
 * The queue: every message in new/ and deferred/ (and bad/ when with_bad),
 * sorted by creation time then id, headers only (data NULL). A file that
 * does not parse is moved to bad/ (its reason written beside it as ID.why)
 * and reported through on_bad when not NULL. *out is an array of *n messages;
 * free with spool_list_free().
 */
int spool_list(struct spool *s, int with_bad, struct spool_msg **out, size_t *n,
    void (*on_bad)(void *arg, const char *id, const char *why), void *arg,
    char err[ERR_LEN]);
void spool_list_free(struct spool_msg *list, size_t n);

/*
 * Delivered: remove the message. With sync, the directory is fsynced now;
 * without, the removal is made durable by the next spool_sync() (until then
 * a crash of the machine, not of the process, can bring the file back, and
 * the message would be sent again: a duplicate, never a loss).
 */
int spool_done(struct spool *s, const struct spool_msg *msg, int sync, char err[ERR_LEN]);
/* fsync the directories of new/, deferred/ and bad/. */
int spool_sync(struct spool *s, char err[ERR_LEN]);

/*
 * Record a failed attempt: attempts + 1, last_error, next_try, and move the
 * message to deferred/ or (to_bad) bad/. msg is updated to match. The data
 * is copied from the old file, so msg may be a header-only load.
 */
int spool_defer(struct spool *s, struct spool_msg *msg, const char *last_error,
    long long next_try, int to_bad, char err[ERR_LEN]);

/*
 * Split off the recipients rcpts (a subset of msg's, at least one) as a new
 * message with msg's data, sender, creation time and attempts + 1, written
 * straight to deferred/ (next_try) or (to_bad) bad/, with last_error; its id
 * goes to id. msg itself is not changed: the caller removes it (spool_done)
 * once the copy is durable, so that a crash in between duplicates, never
 * loses. msg->data must be loaded.
 */
int spool_split(struct spool *s, const struct spool_msg *msg, char *const *rcpts,
    size_t nrcpts, const char *last_error, long long next_try, int to_bad,
    char id[SPOOL_ID_MAX], char err[ERR_LEN]);

/* "new", "deferred", "bad". */
const char *spool_state_to_text(enum spool_state st);

/* The path of the message's file (for the retry-exceeded line). */
void spool_path(const struct spool *s, const struct spool_msg *msg, char *out, size_t outlen);

#endif
