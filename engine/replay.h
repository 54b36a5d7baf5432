/*
 * replay: a diagnosis read back from the JSON that `kbdiag diagnose --format
 * json` wrote (docs/json.md), and ranked again from what it recorded: the
 * observations from the log and the probe outcomes. Nothing touches the
 * network or the logs, so a saved incident can be re-examined, and a ranking
 * tested exactly, with the rule base at hand (`kbdiag diagnose --replay`).
 *
 * The file is untrusted input: every string is sanitised for display
 * (text.h) and bounded, counts are checked, and an article the rule base
 * does not have is an error naming it. Keys this version does not know are
 * ignored; the causes, evidence, steps and not-checked lists in the file are
 * not read but computed again.
 */
#ifndef KBDIAG_REPLAY_H
#define KBDIAG_REPLAY_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "util/buf.h"
#include "diagnosis.h"
#include "util/err.h"
#include "kb.h"

/*
 * Limits, checked while the file is read (jsonscan.h), before anything is
 * built: a file over them is refused with a message that names the limit
 * and the line. Every diagnosis kbdiag writes is within them.
 */
#define REPLAY_MAX_BYTES	(256u << 20)	/* the file */
#define REPLAY_MAX_INCIDENTS	DIAG_MAX_INCIDENTS	/* elements of
					   "incidents" (and of any other top-level
					   array): what diagnose writes at most */
#define REPLAY_MAX_ITEMS	1000	/* observations, probes, phases per incident */
#define REPLAY_MAX_DEPTH	32	/* arrays and objects inside each other */
#define REPLAY_MAX_STRING	(1u << 20)	/* bytes of one string, as written */
#define REPLAY_MAX_MEMBERS	64	/* of the top-level object */
#define REPLAY_MAX_VALUES	250000	/* values of one incident (or other
					   unit): what one jansson parse holds */

/* Returned (instead of -1) when memory ran out: the CLI's exit status 4. */
#define REPLAY_OOM		(-2)

/*
 * Parse data (len bytes) into *out, ranked and planned with kb. The file is
 * checked whole against the limits first, then parsed one incident (one
 * top-level member) at a time, so that its memory is that of the largest
 * incident, not of the file. Returns 0; -1 with err naming what is wrong
 * (the limit, the incident's index, the line and column); REPLAY_OOM with
 * err when memory ran out.
 */
int replay_load(const char *data, size_t len, const struct kb *kb,
    struct diagnosis **out, char err[ERR_LEN]);

/* Returned when reading the file failed (err names the file). */
#define REPLAY_IO		(-3)

/*
 * A saved diagnosis opened to be read a unit at a time: the scan reads it
 * once from the start (a window of it held, jsonscan.h), then each incident
 * (each top-level member) is read again at its offset and parsed on its own,
 * so that memory does not grow with the file, only with the diagnosis built.
 * A file that changes while it is read is refused.
 */
struct replay_file {
	int		 fd;
	char		*path;
	off_t		 size;		/* when opened */
	struct timespec	 mtime;
};

/*
 * Open path: a regular file (a FIFO, a directory or a device is refused,
 * and the open does not block) of at most REPLAY_MAX_BYTES. 0, or -1 with
 * err (which starts with the path). replay_close() frees f.
 */
int replay_open(const char *path, struct replay_file *f, char err[ERR_LEN]);

/*
 * Its first (up to) two bytes after leading whitespace into head, *n of
 * them (0: nothing but whitespace). loose: a UTF-8 BOM at the start and NUL
 * bytes count as whitespace too. 0, or -1 with err (starting with the path).
 */
int replay_peek(struct replay_file *f, int loose, unsigned char head[2], size_t *n,
    char err[ERR_LEN]);

/*
 * replay_load() of the file f. 0; -1 with err (not naming the file) when the
 * content is wrong; REPLAY_OOM with err; REPLAY_IO with err (naming the
 * file) when it could not be read, grew over the limit or changed.
 */
int replay_load_open(struct replay_file *f, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN]);

void replay_close(struct replay_file *f);

/*
 * replay_open() then replay_load_open(); err starts with the path.
 */
int replay_load_file(const char *path, const struct kb *kb, struct diagnosis **out,
    char err[ERR_LEN]);

#endif
