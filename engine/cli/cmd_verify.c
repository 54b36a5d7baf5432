/*
 * kbdiag verify FILE.json [--watch LOG --for DURATION]: did the fix work?
 * The probes and file checks again, the log followed (verify_run()); the
 * outcome appended to FILE.json's history, unless --dry-run.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "kb.h"
#include "match.h"
#include "render_report.h"
#include "util/fileio.h"
#include "verify.h"

/*
 * d replaces FILE as diagnose --format json writes it, a part at a time (at
 * 10,000 incidents it is some 150 MB): atomically, as -o. 0, or -1 with err.
 */
static int
save_diagnosis(const char *file, const struct diagnosis *d, char err[ERR_LEN])
{
	struct cli_out s = { 0 };
	int rc;

	if (file_out_open(&s.file, file, err) != 0)
		return -1;
	if ((rc = render_diagnosis_stream(d, RENDER_JSON, 0, cli_out_write, &s, err)) < 0) {
		if (!s.failed)
			file_out_abort(&s.file);
		return -1;
	}
	/* a failed write gave the file up already */
	if (rc > 0 || file_out_close(&s.file, s.err) != 0)
		return err_set(err, "%s", s.err);
	return 0;
}

static int
verify_main(const struct options *o, char **args, int nargs)
{
	struct verify_params vp;
	const struct diag_history *entry;
	struct diagnosis *d = NULL;
	struct cli_out c;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char err[ERR_LEN];
	int rc, recorded = 0;

	if (nargs != 1)
		return cli_usage_error("verify needs one saved diagnosis (FILE.json)");
	if (o->fix_mode_set && o->fix_mode != FIX_DRY_RUN)
		return cli_usage_error("options '--apply' and '--undo': for fix, not verify");
	if (o->watch != NULL && !o->has_for)
		return cli_usage_error("option '--watch': give --for DURATION too (for example "
		    "--for 10m)");
	if (o->watch == NULL && o->has_for)
		return cli_usage_error("option '--for': give --watch LOG too");
	if ((rc = cli_open_kb(o, 0, 0, &kb, o->watch ? &m : NULL)) != 0)
		return rc;
	if ((rc = cli_saved_load(args[0], "verify", kb, &d)) != 0)
		goto out;
	memset(&vp, 0, sizeof(vp));
	vp.kb = kb;
	vp.matcher = m;
	vp.probe = o->probe;
	vp.probe.offline = o->offline;
	if (o->have_smarthost) {
		vp.smarthost = o->smarthost;
		vp.smarthost_port = o->smarthost_port;
	}
	vp.watch = o->watch;
	vp.watch_ms = o->watch_ms;
	vp.reader = o->reader;
	vp.stop = &cli_stop;
	vp.on_notice = cli_notice;	/* progress, unless -q */
	vp.arg = (void *)o;
	/* Ctrl-C ends the watch early; the verdict is still given. */
	cli_catch_stop();
	if (verify_run(d, &vp, &entry, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_BADINPUT;
		goto out;
	}
	/* The diagnosis as read, and one more entry of history. */
	if (!o->fix_mode_set) {
		if (save_diagnosis(args[0], d, err) != 0)
			fprintf(stderr, "kbdiag: the outcome is not recorded: %s\n", err);
		else
			recorded = 1;
	}
	if (cli_out_open(o, &c) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = cli_out_done(&c, render_verify_stream(entry, recorded ? args[0] : NULL,
		    o->format, cli_out_write, &c, err), err,
		    strcmp(entry->outcome, VERIFY_FIXED) == 0);
	/* the outcome said but not recorded in FILE.json: exit 3 */
	if ((rc == EXIT_FOUND || rc == EXIT_NOTHING) && !o->fix_mode_set && !recorded)
		rc = EXIT_BADINPUT;
out:
	diag_free(d);
	match_free(m);
	kb_free(kb);
	return rc;
}

const struct command cmd_verify = {
	"verify", verify_main,
"  verify FILE.json [--watch LOG --for DURATION]\n"
"                         did the fix work? probe again (as diagnose does) and\n"
"                           check the files under --dos-root; with --watch,\n"
"                           follow LOG for DURATION (90s, 10m, 2h) for the\n"
"                           error coming back. Says fixed (exit 0), not fixed\n"
"                           (with the next cause to fix) or inconclusive (both\n"
"                           exit 1), and appends it to FILE.json's history\n"
"                           (--dry-run: not appended)\n",
	0
};
