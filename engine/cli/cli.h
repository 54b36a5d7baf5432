/*
 * cli: the kbdiag command line (engine/cli/), apart from libkbdiag. It
 * parses options (options.c), finds the command in one table (main.c) that
 * --help, dispatch and the unknown-command error all read, runs it (one
 * cmd_NAME.c per command) and maps what the library returns to the exit
 * codes below. Everything here may print to standard output and standard
 * error; the library never does.
 *
 * Ownership: struct options points into argv; nothing in it is freed.
 */
#ifndef KBDIAG_CLI_H
#define KBDIAG_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "probe.h"
#include "reader.h"
#include "render.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/peer.h"

struct diagnosis;
struct fix_plan;
struct kb;
struct matcher;

/*
 * The exit codes promised in docs/kbdiag.1 and DESIGN.md (and said by
 * --help): they must not change.
 */
enum {
	EXIT_FOUND = 0,		/* found something; verify: fixed */
	EXIT_NOTHING = 1,	/* found nothing; verify: not fixed, inconclusive */
	EXIT_USAGE = 2,		/* usage error */
	EXIT_BADINPUT = 3,	/* bad input: a log, a rule base, an output not written */
	EXIT_INTERNAL = 4	/* internal error, out of memory included (xmem.c) */
};

/* The most --observe options (--answers FILE takes any number). */
#define OBSERVE_MAX	256

enum fix_mode { FIX_DRY_RUN, FIX_APPLY, FIX_UNDO };

/* Every option of the command line (options.c), as given. */
struct options {
	const char		*kb_dir;	/* --kb, or NULL for the default */
	enum render_format	 format;	/* --format, or from -o FILE's extension */
	int			 format_set;	/* --format was given */
	const char		*output;	/* -o, or NULL for stdout */
	char			 smarthost[PEER_HOST_MAX];	/* --smarthost host */
	unsigned		 smarthost_port;
	int			 have_smarthost;
	int			 offline;	/* --offline */
	int			 probe_always;	/* --probe: also what is not current */
	unsigned		 probe_window;	/* --probe-window, seconds; 0: the
						   rule base's (kb_probe_current()) */
	int			 quiet;		/* -q */
	int			 keep_going;	/* --keep-going */
	int			 ere;		/* --syntax ere (kb patterns) */
	struct reader_params	 reader;	/* --input-format, --date, --follow */
	int			 explain;	/* --explain */
	const char		*replay;	/* --replay FILE */
	const char		*observe[OBSERVE_MAX];	/* --observe SOURCE:VALUE, in
						   order */
	size_t			 nobserve;
	const char		*answers;	/* --answers FILE */
	int			 ask;		/* --ask */
	size_t			 top;		/* --top N; 0: all */
	int			 has_since, has_until;	/* --since, --until */
	long long		 since, until;
	struct probe_params	 probe;		/* --timeout, --dos-root, --dns-server,
						   --helo, --resend-from, --resend-to */
	enum fix_mode		 fix_mode;	/* fix: --dry-run, --apply, --undo */
	int			 fix_mode_set;
	const char		*watch;		/* verify: --watch LOG */
	unsigned long long	 watch_ms;	/* verify: --for DURATION */
	int			 has_for;
};

/*
 * A command: its name on the command line, what runs it (the options, then
 * the arguments after the name; an exit code back), its lines in --help's
 * "Commands:" (NULL: not listed, as `help`), and whether it is a tool
 * (probe, kb), named after the others where the commands are listed in a
 * usage error.
 */
struct command {
	const char	*name;
	int		(*run)(const struct options *o, char **args, int nargs);
	const char	*help;
	int		 tool;
};

/* The commands, one file each. */
extern const struct command cmd_diagnose, cmd_query, cmd_probe, cmd_report, cmd_fix,
    cmd_verify, cmd_kb;

/* main.c: the whole of --help, from the command table and cli_options_help. */
void cli_usage(FILE *to);

/* options.c: the lines of --help's "Options:". */
extern const char cli_options_help[];

/* cli_options(): the options are read and the command is to run. */
#define CLI_RUN	(-1)

/*
 * options.c: read the options of argv into *o (argv[0] becomes "kbdiag",
 * optind is left at the command). CLI_RUN, or the exit code to end with:
 * after --help or --version (printed), or a usage error (said).
 */
int cli_options(int argc, char **argv, struct options *o);

/*
 * cli.c: what the commands share.
 */

/* A usage error (engine/cli/usage.c's wording); returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Item i (from 0) of a list of n in words: "a, b or c". */
void cli_list_item(struct buf *list, size_t i, size_t n, const char *item);

/* "kbdiag: MSG" on standard error (the library's on_problem callbacks). */
void cli_print_problem(void *arg, const char *msg);

/* After --help or --version: EXIT_FOUND, or EXIT_BADINPUT when standard
 * output could not be written (a full disk), said. */
int cli_info_done(void);

/*
 * Load and compile the rule base of --kb (m NULL: load only, for what needs
 * no patterns); 0, or after saying why EXIT_BADINPUT. list_all (kb lint):
 * every document through the schema, every problem said as it is found;
 * problems_only: the knowledge articles are not parsed (a diagnosis needs
 * none). Otherwise through the rule base cache, unless --keep-going.
 */
int cli_open_kb(const struct options *o, int list_all, int problems_only, struct kb **kb,
    struct matcher **m);

/*
 * Write out to standard output, or replace -o FILE with it (file_replace():
 * atomically for a regular file; a device such as /dev/null is written); a
 * closed pipe is no error. 0, or -1 after saying why.
 */
int cli_emit(const struct options *o, const struct buf *out);

/*
 * The end of most commands: render_rc (what the renderer returned, err its
 * message) and then out emitted. EXIT_INTERNAL when rendering failed,
 * EXIT_BADINPUT when the output could not be written (both said), else
 * found (EXIT_FOUND when nonzero, EXIT_NOTHING when zero).
 */
int cli_render_done(const struct options *o, int render_rc, const char *err,
    const struct buf *out, int found);
/*
 * The output of a report written part by part as it is rendered (the
 * render_*_stream() functions, render_sink.h), so that a report of
 * thousands of incidents is never held whole: standard output, or -o FILE,
 * still replaced atomically (a failure leaves the old file).
 * cli_out_open() opens it (0, or -1 after saying why); cli_out_write() is
 * the renderer's write (arg: the struct cli_out; a closed pipe ends the
 * writing without an error); cli_out_done() ends it after the renderer
 * returned render_rc (err its message) with cli_render_done()'s exit codes.
 */
struct cli_out {
	int		 to_stdout;
	int		 epipe;		/* the reader went away: not an error */
	int		 failed;	/* err holds why */
	struct file_out	 file;
	char		 err[ERR_LEN];
};

int cli_out_open(const struct options *o, struct cli_out *c);
int cli_out_write(void *arg, const char *p, size_t n);
int cli_out_done(struct cli_out *c, int render_rc, const char *err, int found);

/*
 * Render the diagnosis to the output as cli_render_done() does, written part
 * by part as it is rendered (render_diagnosis_stream()) so that a report of
 * thousands of incidents is never held whole: -o FILE is still replaced
 * atomically (a failure leaves the old file).
 */
int cli_render_diagnosis(const struct options *o, const struct diagnosis *d, int found);

/* Set by SIGINT and SIGTERM once cli_catch_stop() ran: --follow, verify. */
extern volatile sig_atomic_t cli_stop;

/* SIGINT and SIGTERM set cli_stop (instead of ending the process). */
void cli_catch_stop(void);

/* "kbdiag: MSG" on standard error unless -q (arg: the struct options). */
void cli_notice(void *arg, const char *msg);

/*
 * saved.c: a saved diagnosis (diagnose --format json) that diagnose
 * --replay, report, fix and verify read. cmd names the reader in the
 * messages ("report", "diagnose --replay").
 */

/* FILE read and ranked again with kb into *d; 0, or after saying why the
 * exit code (EXIT_INTERNAL when memory ran out, else EXIT_BADINPUT). */
int cli_saved_load(const char *file, const char *cmd, const struct kb *kb,
    struct diagnosis **d);

/* A saved diagnosis with the rule base it was read with and its edits. */
struct cli_saved {
	struct kb		*kb;
	struct diagnosis	*d;
	struct fix_plan		*plan;
};

/*
 * The rule base loaded, FILE read and ranked again, then its edits planned
 * under --dos-root into *s (zeroed first); 0, or an exit code after a
 * message. cli_saved_free() in either case.
 */
int cli_saved_plan(const struct options *o, const char *cmd, const char *file,
    struct cli_saved *s);
void cli_saved_free(struct cli_saved *s);

/*
 * manual.c: evidence a person gives (diagnose, diagnose --replay):
 * --observe, then --answers FILE, then --ask on the terminal; the
 * incidents are ranked again. 0, or an exit code after a message.
 */
int cli_manual_evidence(const struct options *o, const struct kb *kb, struct diagnosis *d);

#endif
