/*
 * fix: the edits of the DOS client's files that a diagnosis proposes, as
 * diffs, applied atomically with backups and one journal, and undone.
 *
 * The edits are data: kb/fixes.xml declares each one an article prescribes
 * (kb.h struct kb_fix): a setting in PROTOCOL.INI or CONFIG.SYS, the order
 * of commands in the start-up batch files, a switch on the gateway's command
 * line, or SMTPGATE.EXE replaced by the variant for the installed stack. A
 * fix is proposed for an incident when it resolves the incident's cause to
 * fix (fix_cause(): the cause that stands, or the one a later kbdiag verify
 * named after "not fixed") and, when it names articles, the incident is of
 * one of them. The fixes of all incidents are applied to the files one after
 * the other, so that two fixes of one file make one edit of it.
 *
 * Each text edit keeps the file's line ends, case and every other byte (the
 * line model is probe_dos's, shared with the probes, so that fix and
 * diagnosis read a file alike); a fix whose condition does not hold is
 * reported and proposes nothing (no file and no stack configuration is
 * invented).
 *
 * Files are found under dos_root as the probes find them (without regard to
 * case, symbolic links never followed) and opened component by component
 * with O_NOFOLLOW, so nothing outside the root is read or written.
 *
 * --apply checks every file against its planned SHA-256, writes the
 * originals, the new bytes and one journal in DIR/.kbdiag/, then replaces
 * each file: temporary file in its directory, fsync, rename, fsync of the
 * directory. --undo restores every file of the journal, and only when each
 * is still what --apply wrote (or already the original).
 *
 * Ownership: a struct fix_plan or fix_journal and everything in it is freed
 * by its _free function (NULL is fine). Errors follow err.h.
 */
#ifndef KBDIAG_FIX_H
#define KBDIAG_FIX_H

#include <stddef.h>

#include "util/buf.h"
#include "diagnosis.h"
#include "util/err.h"
#include "kb.h"
#include "probe_dos.h"

#define FIX_TEXT_MAX	PROBE_DOS_INI_MAX	/* bytes of a text file edited */
#define FIX_EXE_MAX	PROBE_DOS_EXE_MAX	/* bytes of a file replaced */
#define FIX_INI_MAX	FIX_TEXT_MAX
#define FIX_HASH_LEN	32		/* SHA-256 */
#define FIX_DIR		".kbdiag"	/* under dos_root: backups and journal */
#define FIX_JOURNAL_MAX	(64 * 1024)	/* bytes of a journal read */
#define FIX_MAX_FILES	16		/* files one plan changes, at most */

/* What one fix found. */
enum fix_status {
	FIX_EDITED,		/* it changes files (the plan's edits) */
	FIX_ALREADY,		/* the change is there: nothing to do */
	FIX_NOT_APPLICABLE,	/* its condition does not hold: nothing proposed */
	FIX_NO_FILE,		/* no such file under the root */
	FIX_NO_ROOT,		/* no --dos-root: named, not looked at */
	FIX_REFUSED		/* the file is a link, a FIFO, a directory or a
				   device (probe_dos_lookup()): not touched */
};

const char *fix_status_name(enum fix_status s);	/* "edited", "already", ... */

/* One declared fix the plan looked at. */
struct fix_item {
	const struct kb_fix	*fix;
	char			*id;		/* the fix's id */
	char			*title;
	char			*cause;		/* the cause it resolves here */
	char			**articles;	/* the incidents it is for */
	size_t			 narticles;
	enum fix_status		 status;
	char			*path;		/* the file, as found, or NULL */
	char			*what;		/* the change, or why there is none */
};

/* One file the plan changes (one fix, or several of one file). */
struct fix_edit {
	char		*path;		/* relative to dos_root, as found */
	char		*shown;		/* path made safe to show (text.h): a
					   directory's name is the tree's */
	char		*section;	/* of a set fix, as written; "" otherwise */
	char		*what;		/* the changes, "; " between them */
	char		*fixes;		/* the fixes' ids, space-separated */
	int		 binary;	/* a replacement: no text diff */
	char		*before;	/* the file's bytes when planned */
	size_t		 before_len;
	char		*after;		/* the bytes --apply writes */
	size_t		 after_len;
	unsigned char	 hash_before[FIX_HASH_LEN];
	unsigned char	 hash_after[FIX_HASH_LEN];
	char		*diff;		/* unified diff (or a summary), display-safe */
};

struct fix_plan {
	char		**articles;	/* incidents a fix is for */
	size_t		 narticles;
	struct fix_item	*items;		/* the fixes looked at, in rule-base order */
	size_t		 nitems;
	struct fix_edit	*edits;		/* the files changed */
	size_t		 nedits;
	char		**notes;	/* why nothing is proposed, what is already done */
	size_t		 nnotes;
	char		**warnings;	/* e.g. TCPTSR.EXE too old to honour the edit */
	size_t		 nwarnings;
};

/*
 * The cause to fix in incident i of d: the first cause not ruled out, or,
 * after a kbdiag verify that said "not fixed" and named a next cause of the
 * incident (d->history), that one. NULL when every cause is ruled out.
 * *from_history (if not NULL) is set when the history decided.
 */
const struct diag_cause *fix_cause(const struct diagnosis *d, size_t i, int *from_history);
/*
 * The same for every incident of d, i from 0 up, at the cost of a sort of
 * the history's verdicts (fix_cause() reads the whole history for each
 * incident: at 10,000 incidents after a few verifies, billions of steps):
 * fix_causes_start() (free with fix_causes_end()), then fix_cause_at().
 * d's history must not change in between.
 */
struct fix_causes;
struct fix_causes *fix_causes_start(const struct diagnosis *d);
const struct diag_cause *fix_cause_at(const struct fix_causes *fc, size_t i,
    int *from_history);
void fix_causes_end(struct fix_causes *fc);

/* The fixes of kb for cause id in an incident of article (at most max). */
size_t fix_for_cause(const struct kb *kb, const char *cause, const char *article,
    const struct kb_fix **out, size_t max);

/*
 * The edits the diagnosis d proposes for the DOS client under dos_root
 * (NULL: none is looked at, and a note names them). Returns 0 with *out
 * set, or -1 with err when a file exists but cannot be read safely (too
 * big, not a regular file, a read error).
 */
int fix_plan(const struct diagnosis *d, const char *dos_root, const struct kb *kb,
    struct fix_plan **out, char err[ERR_LEN]);
void fix_plan_free(struct fix_plan *p);

/*
 * The editor on one text file's bytes, for fixes of kinds set, order and
 * switch (an order fix reads data as the one start-up file holding every
 * command). Returns FIX_EDITED with out holding the new bytes, or
 * FIX_ALREADY or FIX_NOT_APPLICABLE with out empty; *what (if not NULL, the
 * caller's to free) gets one line: the change, or why there is none.
 */
enum fix_status fix_edit_text(const struct kb_fix *f, const char *data, size_t len,
    struct buf *out, char **what);

/*
 * An order fix over the start-up files (probe_dos_startup_in): out[0] and
 * out[1] get the new bytes of each file (empty when unchanged). As
 * fix_edit_text() otherwise.
 */
enum fix_status fix_edit_startup(const struct kb_fix *f, const struct probe_dos_startup_in *in,
    struct buf out[2], char **what);

/*
 * A unified diff (3 lines of context) of a and b, labelled with path; lines
 * are shown without their line ends and made safe for display. Appends to
 * out; nothing when the bytes are equal.
 */
void fix_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
    struct buf *out);

/* SHA-256 of the bytes, and as 64 lower-case hex digits plus NUL. */
void fix_hash(const void *data, size_t len, unsigned char out[FIX_HASH_LEN]);
void fix_hash_hex(const unsigned char h[FIX_HASH_LEN], char out[2 * FIX_HASH_LEN + 1]);

/*
 * Write the plan's edits under dos_root as one journal entry. Each file is
 * read again and must hash to what was planned, else -1 ("changed since the
 * plan"); a journal already there (an apply not undone) is also refused. A
 * file that cannot be replaced puts the ones already replaced back. msg gets
 * what was done and how to undo it. Returns 0, or -1 with err.
 */
int fix_apply(const struct fix_plan *p, const char *dos_root, struct buf *msg,
    char err[ERR_LEN]);

/*
 * Undo the last apply under dos_root: restore every file of the journal
 * when each is still what --apply wrote (or is the original already), then
 * remove the journal and backups. Returns 0 (restored; msg says so), 1
 * (nothing to undo; msg says so), or -1 with err (refused: a file was
 * changed since, err says where its backup is; msg gets the diff of the
 * change; nothing is restored).
 */
int fix_undo(const char *dos_root, struct buf *msg, char err[ERR_LEN]);

/* The journal: what --apply did (for undo, and for verify's history). */
struct fix_journal_file {
	char	*path;		/* relative to dos_root */
	char	*backup;	/* name in FIX_DIR of the original bytes */
	char	*written;	/* name in FIX_DIR of the new bytes, or NULL (v1) */
	char	 before[2 * FIX_HASH_LEN + 1];	/* SHA-256, hex */
	char	 after[2 * FIX_HASH_LEN + 1];
};

struct fix_journal_fix {
	char	*id;		/* the fix's id ("force-push-bit") */
	char	*path;		/* the file it changed */
	char	*what;		/* one line */
};

struct fix_journal {
	int			 version;	/* 1 or 2 */
	char			*applied;	/* UTC time of the apply, or NULL (v1) */
	struct fix_journal_file	*files;
	size_t			 nfiles;
	struct fix_journal_fix	*fixes;
	size_t			 nfixes;
};

/*
 * Parse a journal's bytes (untrusted: names are checked to stay in FIX_DIR
 * and under the root). 0 and *out, or -1 with err.
 */
int fix_journal_parse(const char *data, size_t len, struct fix_journal **out,
    char err[ERR_LEN]);
/* Read DIR/.kbdiag/journal: 1 and *out, 0 when there is none, -1 with err. */
int fix_journal_load(const char *dos_root, struct fix_journal **out, char err[ERR_LEN]);
void fix_journal_free(struct fix_journal *j);

#endif
