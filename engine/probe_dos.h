/*
 * probe_dos: the DOS client's files under dos_root (tcptsr, protocol-ini,
 * stack, config-sys, autoexec, smtpgate-variant), and the readings of those
 * files that the editor (fix.h) shares, so that diagnosis, fix and verify
 * agree on what a file says.
 *
 * Files are found without regard to case by walking the tree (at most
 * PROBE_DOS_MAX_DEPTH levels and PROBE_DOS_MAX_ENTRIES entries); symbolic
 * links are never followed, and a file is read by opening each component of
 * its path with O_NOFOLLOW from the root, so nothing outside the root is
 * read.
 *
 * One line model for every text file: CR LF, LF or CR alone end a line, a
 * last line may have none, and a Ctrl-Z (0x1A) ends the text (what follows
 * it is kept by the editor, never read). PROTOCOL.INI and CONFIG.SYS are read
 * by an INI parser (';' comments, names and sections without regard to case,
 * blanks around '='); batch files by a command reader (@, LH/LOADHIGH, a path
 * and an extension before the command are dropped; REM, :: and labels are
 * not commands).
 *
 * Ownership: what the functions return is the caller's to free with the
 * matching _free (NULL is fine). Errors follow err.h.
 */
#ifndef KBDIAG_PROBE_DOS_H
#define KBDIAG_PROBE_DOS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/ini.h"
#include "kb.h"
#include "probe_result.h"

#define PROBE_DOS_MAX_DEPTH	8
#define PROBE_DOS_MAX_ENTRIES	20000
#define PROBE_DOS_INI_MAX	(1024 * 1024)	/* bytes of a text file read */
#define PROBE_DOS_EXE_MAX	(4 * 1024 * 1024)	/* bytes of an executable read */
#define PROBE_DOS_MAX_BATCH	256		/* .BAT files looked into */

/*
 * The results probe_dos_run() fills, in this order (probe.c's slots): the
 * probe name and the evidence source of each.
 */
#define PROBE_DOS_RESULTS(X) \
	X(PROBE_DOS_TCPTSR,		"tcptsr",		"tcptsr") \
	X(PROBE_DOS_INI_PUSH,		"protocol-ini",		"protocol-ini") \
	X(PROBE_DOS_INI_SECTION,	"protocol-ini",		"protocol-ini") \
	X(PROBE_DOS_STACK,		"stack",		"stack") \
	X(PROBE_DOS_CONFIG_SYS,		"config-sys",		"config-sys") \
	X(PROBE_DOS_AUTOEXEC,		"autoexec",		"autoexec") \
	X(PROBE_DOS_VARIANT,		"smtpgate-variant",	"smtpgate-variant")

enum probe_dos_result {
#define X(id, probe, source) id,
	PROBE_DOS_RESULTS(X)
#undef X
	PROBE_DOS_NRESULTS
};

/*
 * Fill the PROBE_DOS_NRESULTS results r[] (prepared by probe_result_init(),
 * in the order above) from the files under root. kb gives the TCPTSR.EXE
 * and builds tables and the fixes whose in-place evidence these are.
 */
void probe_dos_run(const char *root, const struct kb *kb, struct probe_result *r);

/* ---------------------------------------------------------------------- */
/* The tree                                                                 */

struct probe_dos_file {
	char		*path;		/* relative to the root, '/'-separated, as found */
	const char	*name;		/* its last component */
	unsigned	 depth;		/* 0: in the root */
	off_t		 size;
	time_t		 mtime;
	int		 in_lanman;	/* under a LANMAN.DOS directory */
};

/* A name under the root that is not a regular file: never read. */
struct probe_dos_odd {
	char		*path;		/* as probe_dos_file */
	const char	*name;
	unsigned	 depth;
	const char	*kind;		/* "a symbolic link", "a FIFO", "a directory",
					   "a socket", "a device" */
};

struct probe_dos_tree {
	struct probe_dos_file	*files;	/* regular files, sorted by depth, then path */
	size_t			 nfiles;
	struct probe_dos_odd	*odd;	/* everything else, in the order found */
	size_t			 nodd;
	int			 truncated;	/* the depth or entry bound was reached */
};

/* Walk root. 0, or -1 with err when root cannot be opened. */
int probe_dos_scan(const char *root, struct probe_dos_tree **out, char err[ERR_LEN]);
void probe_dos_tree_free(struct probe_dos_tree *t);
/* The shallowest file of that name (any case), first by path; or NULL. */
const struct probe_dos_file *probe_dos_find(const struct probe_dos_tree *t,
    const char *name);
/*
 * The same for a file the probes read and fix edits, which is refused when
 * the entry of that name that counts (the shallowest, first by path) is not
 * a regular file: NULL, with why saying what it is and why it is not read
 * ("LANMAN.DOS/PROTOCOL.INI is a symbolic link: ..."). NULL with why ""
 * when there is no entry of that name at all.
 */
const struct probe_dos_file *probe_dos_lookup(const struct probe_dos_tree *t,
    const char *name, char why[ERR_LEN]);

/*
 * Open the directory that holds rel (relative to rootfd, '/'-separated),
 * every component with O_NOFOLLOW; *name is rel's last component. Returns
 * the directory's descriptor, or -1 with err (a component that is a link,
 * "." or "..").
 */
int probe_dos_open_parent(int rootfd, const char *rel, const char **name,
    char err[ERR_LEN]);
/*
 * Read dirfd/name, a regular file that is not a link, of at most max bytes,
 * into out (reset first); *mode (if not NULL) gets its permissions. 0, or -1
 * with err and errno (ENOENT kept). shown names it in messages.
 */
int probe_dos_read_at(int dirfd, const char *name, const char *shown, size_t max,
    struct buf *out, mode_t *mode, char err[ERR_LEN]);
/* Both: rel under the root directory rootfd. */
int probe_dos_read(int rootfd, const char *rel, size_t max, struct buf *out,
    mode_t *mode, char err[ERR_LEN]);

/*
 * The FileVersion of an executable's version resource (VS_VERSION_INFO,
 * ASCII in NE files, UTF-16LE in PE files), printable ASCII, at most
 * PROBE_DOS_VERSION_MAX bytes: 1 and out filled, or 0 when the file has
 * none (an MS-DOS program such as TCPTSR.EXE usually has none). Any bytes.
 */
#define PROBE_DOS_VERSION_MAX	31
int probe_dos_exe_version(const char *data, size_t len, char out[PROBE_DOS_VERSION_MAX + 1]);

/* ---------------------------------------------------------------------- */
/* Lines and INI files                                                      */

/* The lines themselves, their kinds and byte offsets: util/ini.h. */

/* The first line end of the text ("\r\n" when it has none) and its name. */
const char *probe_dos_eol(const char *data, size_t len, const char **name);

/*
 * The INI parser: calls on_entry for each section header (name and value
 * NULL) and each name=value (section "" before the first header) with the
 * 1-based line; a non-zero return stops it. Names, values and sections are
 * trimmed, a ';' comment after an unquoted value is dropped; a line that is
 * neither a section, an entry, a comment nor blank is passed with value
 * NULL.
 */
void probe_dos_ini_parse(const char *data, size_t len,
    int (*on_entry)(void *arg, const char *section, const char *name,
    const char *value, unsigned line), void *arg);

/* PROTOCOL.INI's bytes into the push and section results; target names it. */
void probe_dos_protocol_ini(const char *data, size_t len, const char *target,
    struct probe_result *push, struct probe_result *section);

/*
 * The TCP/IP driver's section of PROTOCOL.INI as the protocol-ini probe
 * picks it: "TCPIP" or "TCPIP_XIF" (static strings), or NULL when there is
 * neither.
 */
const char *probe_dos_driver_section(const char *data, size_t len);

/*
 * A set fix's setting (kb.h KB_FIX_SET) as the file has it: the section it
 * belongs in, the line that counts (the last of the name there), and whether
 * its value is what the fix wants.
 */
struct probe_dos_setting {
	int		 applies;	/* the section is there (or none is asked) */
	char		 section[64];	/* as written, "" for no section */
	unsigned	 line;		/* the line that counts, 0: none */
	char		 value[64];	/* its value, trimmed (cut) */
	int		 ok;		/* the value is what the fix wants */
	long		 number;	/* as a number; the default when no line;
					   -1 when not a number */
	unsigned	 last_line;	/* a new line goes after this one ... */
	int		 last_is_header;	/* ... which is the section's header */
	int		 spaced;	/* the line after which it goes writes " = " */
};
void probe_dos_setting(const struct kb_fix *f, const char *data, size_t len,
    struct probe_dos_setting *out);

/* ---------------------------------------------------------------------- */
/* Batch files                                                              */

#define PROBE_DOS_WORD	16

/* One line of a batch file as a command. */
struct probe_dos_cmd {
	char	name[PROBE_DOS_WORD];	/* upper case, "" when the line runs nothing */
	char	arg[PROBE_DOS_WORD];	/* its first argument likewise, "" when none */
	size_t	word_start, word_end;	/* the command as written, path included */
	size_t	args_end;	/* the end of the arguments, before a redirection */
};

/*
 * The command of each line of the text (one per ini_lines() line, in
 * the same order); *n of them; caller frees.
 */
struct probe_dos_cmd *probe_dos_commands(const char *data, size_t len, size_t *n);
/* Does cmd run the command "NAME" or "NAME ARG" (kb.h: upper case)? */
int probe_dos_cmd_is(const struct probe_dos_cmd *c, const char *name, const char *arg);

/*
 * The start-up sequence of an order fix: AUTOEXEC.BAT (file 0) with the
 * batch file that runs the fix's last command (file 1) spliced in where
 * AUTOEXEC.BAT calls it (CALL NAME, or NAME alone), or after it. Either may
 * be missing.
 */
struct probe_dos_startup_in {
	const char	*data[2];	/* NULL: no such file */
	size_t		 len[2];
	const char	*path[2];	/* as found, for details */
};

enum probe_dos_order {
	PROBE_DOS_ORDER_NA,	/* an anchor command is missing: nothing to say */
	PROBE_DOS_ORDER_OK,
	PROBE_DOS_ORDER_MISSING,	/* command `bad` is missing (and is inserted) */
	PROBE_DOS_ORDER_EARLY		/* command `bad` runs before command `after` */
};

#define PROBE_DOS_MAX_COMMANDS	8

struct probe_dos_startup {
	enum probe_dos_order	 order;
	size_t			 bad;		/* index of the fix's command at fault */
	size_t			 after;		/* ... and of the one it must follow */
	int			 found[PROBE_DOS_MAX_COMMANDS];	/* command seen */
	int			 file[PROBE_DOS_MAX_COMMANDS];	/* in file 0 or 1 */
	size_t			 line[PROBE_DOS_MAX_COMMANDS];	/* line index there */
	long			 called_at;	/* line index of file 0 that calls
						   file 1, -1: not called */
	char			 detail[256];	/* one sentence */
};
void probe_dos_startup(const struct kb_fix *f, const struct probe_dos_startup_in *in,
    struct probe_dos_startup *out);
/* The evidence value of an order fix's finding: "order-ok", "sockets-missing",
   "sockets-first", "smtpgate-first" (NAME in lower case); NULL for NA. */
const char *probe_dos_startup_value(const struct kb_fix *f,
    const struct probe_dos_startup *s, char buf[PROBE_DOS_WORD + 16]);

/*
 * The start-up files of the tree: AUTOEXEC.BAT (the shallowest) and the
 * first other .BAT that runs `command` (in tree order). Reads them into in
 * (the buffers are kept in bufs[2], which the caller frees). 0, or -1 with
 * err when a file cannot be read safely or AUTOEXEC.BAT is refused
 * (probe_dos_lookup()).
 */
int probe_dos_startup_files(int rootfd, const struct probe_dos_tree *t,
    const char *command, struct probe_dos_startup_in *in, struct buf bufs[2],
    char err[ERR_LEN]);

/* A switch fix's switch on the first line that runs its command. */
struct probe_dos_switch {
	int		 applies;	/* a line runs the command */
	size_t		 line;		/* its index (ini_lines()) */
	int		 present;	/* the switch is given ... */
	size_t		 digits_start, digits_end;	/* ... its number's bytes */
	long		 value;		/* the number, or the default */
	int		 ok;		/* at least the fix's at-least */
	size_t		 insert_at;	/* where an absent switch goes */
};
void probe_dos_switch(const struct kb_fix *f, const char *data, size_t len,
    struct probe_dos_switch *out);

/* ---------------------------------------------------------------------- */
/* The executable's variant                                                 */

struct probe_dos_variant {
	const char	*stack;		/* the stack found (stack probe), or NULL */
	const struct probe_dos_file *exe;	/* SMTPGATE.EXE, or NULL */
	const struct kb_fix_variant *is;	/* the variant it is, or NULL */
	const char	*how;		/* "same bytes as X", "size of build Y" */
	const struct kb_fix_variant *want;	/* the variant for the stack, or NULL */
	const struct probe_dos_file *source;	/* want's file under the root */
	char		 detail[300];
};
/*
 * Which variant of a replace fix the tree's SMTPGATE.EXE is, and which it
 * should be for stack (a value of the stack source, or NULL). 0, or -1 with
 * err when a file cannot be read safely or SMTPGATE.EXE is refused
 * (probe_dos_lookup()).
 */
int probe_dos_variant(int rootfd, const struct probe_dos_tree *t, const struct kb *kb,
    const struct kb_fix *f, const char *stack, struct probe_dos_variant *out,
    char err[ERR_LEN]);
/* The stack the tree's marker files show ("lanman", ...), or NULL. */
const char *probe_dos_stack(const struct probe_dos_tree *t, const char **marker);

/*
 * The value the probe of f's in-place evidence source (protocol-ini,
 * config-sys, autoexec) reports for one file's text (for autoexec, the file
 * alone as AUTOEXEC.BAT), in buf or a static string; NULL when it would
 * report none (a skip or an error) or f has no in-place evidence.
 */
const char *probe_dos_text_value(const struct kb_fix *f, const char *data, size_t len,
    char buf[PROBE_DOS_WORD + 16]);

/* The fix of the rule base whose in-place evidence is source (or NULL). */
const struct kb_fix *probe_dos_fix_for(const struct kb *kb, const char *source,
    enum kb_fix_kind kind);

#endif
