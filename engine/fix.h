/*
 * fix: the edits a diagnosis proposes to the DOS client's files, as a diff,
 * applied atomically with a backup and a journal, and undone.
 *
 * Today there is one kind of edit: ForcePushBit = 1 in PROTOCOL.INI's TCP/IP
 * driver section ([TCPIP], or [TCPIP_XIF] for LAN Manager 2.x; Q123827,
 * Q100709), proposed when an incident's standing cause (its first cause not
 * ruled out) is peer-requires-push. The edit keeps the file's line ends,
 * case and every other byte; it replaces the section's ForcePushBit line, or
 * adds one at the end of the section; a missing section is reported and
 * nothing is proposed (no stack configuration is invented).
 *
 * Files are found under dos_root as probe_dos finds them (without regard to
 * case, symbolic links never followed) and opened component by component
 * with O_NOFOLLOW, so nothing outside the root is read or written. A
 * PROTOCOL.INI over FIX_INI_MAX bytes is refused.
 *
 * --apply writes DIR/.kbdiag/PROTOCOL.INI.orig (the original bytes) and
 * DIR/.kbdiag/journal (the file's path and its SHA-256 before and after),
 * then replaces the file: temporary file in its directory, fsync, rename,
 * fsync of the directory. --undo restores the original only when the file
 * is still exactly what --apply wrote.
 *
 * Ownership: a struct fix_plan and everything in it is freed by
 * fix_plan_free() (NULL is fine). Errors follow err.h.
 */
#ifndef KBDIAG_FIX_H
#define KBDIAG_FIX_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "err.h"
#include "kb.h"

#define FIX_INI_MAX	(1024 * 1024)	/* bytes of PROTOCOL.INI accepted */
#define FIX_HASH_LEN	32		/* SHA-256 */
#define FIX_DIR		".kbdiag"	/* under dos_root: backup and journal */
#define FIX_CAUSE	"peer-requires-push"

/* What fix_ini_force_push() found. */
enum fix_ini_result {
	FIX_INI_EDITED,		/* *out holds the new bytes */
	FIX_INI_ALREADY,	/* ForcePushBit = 1 is there: nothing to do */
	FIX_INI_NO_SECTION	/* no [TCPIP] or [TCPIP_XIF]: nothing proposed */
};

/* One proposed edit of one file. */
struct fix_edit {
	char		*path;		/* relative to dos_root, as found */
	char		*section;	/* as written in the file: "TCPIP" */
	char		*what;		/* one line: "ForcePushBit = 0 on line 7 becomes 1" */
	char		*before;	/* the file's bytes when planned */
	size_t		 before_len;
	char		*after;		/* the bytes --apply writes */
	size_t		 after_len;
	unsigned char	 hash_before[FIX_HASH_LEN];
	unsigned char	 hash_after[FIX_HASH_LEN];
	char		*diff;		/* unified diff, display-safe (text.h) */
};

struct fix_plan {
	char		**articles;	/* incidents whose standing cause is FIX_CAUSE */
	size_t		 narticles;
	struct fix_edit	*edits;		/* 0 or 1 today */
	size_t		 nedits;
	char		**notes;	/* why nothing is proposed, what is already done */
	size_t		 nnotes;
	char		**warnings;	/* e.g. TCPTSR.EXE too old to honour the edit */
	size_t		 nwarnings;
};

/*
 * The edits the diagnosis d proposes for the DOS client under dos_root (NULL:
 * none is looked at, and a note says so). kb (not NULL) gives the TCPTSR.EXE
 * table.
 * Returns 0 with *out set, or -1 with err when PROTOCOL.INI exists but
 * cannot be read safely (too big, not a regular file, a read error).
 */
int fix_plan(const struct diagnosis *d, const char *dos_root, const struct kb *kb,
    struct fix_plan **out, char err[ERR_LEN]);
void fix_plan_free(struct fix_plan *p);

/*
 * The INI editor: ForcePushBit = 1 in the TCP/IP driver's section of the
 * len bytes at data (the section probe_dos reads). On FIX_INI_EDITED, out
 * gets the new bytes, section (if not NULL) the section's name as written
 * and what a one-line description; on the others out is left empty. Never
 * fails; section and what, when set, are the caller's to free.
 */
enum fix_ini_result fix_ini_force_push(const char *data, size_t len, struct buf *out,
    char **section, char **what);

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
 * Write the plan's edits under dos_root. Each file is read again and must
 * hash to what was planned, else -1 ("changed since the plan"); an entry
 * already in the journal (an apply not undone) is also refused. msg gets
 * what was done and how to undo it. Returns 0, or -1 with err.
 */
int fix_apply(const struct fix_plan *p, const char *dos_root, struct buf *msg,
    char err[ERR_LEN]);

/*
 * Undo the last apply under dos_root: restore the original bytes when the
 * file is still what --apply wrote, then remove the journal and backup.
 * Returns 0 (restored; msg says so), 1 (nothing to undo; msg says so), or
 * -1 with err (refused: the file was changed since, err says where the
 * backup is; msg gets the diff of the change).
 */
int fix_undo(const char *dos_root, struct buf *msg, char err[ERR_LEN]);

#endif
