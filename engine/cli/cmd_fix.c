/*
 * kbdiag fix FILE.json [--dry-run|--apply|--undo]: the edits a saved
 * diagnosis proposes under --dos-root (fix.h), shown as diffs, applied with
 * backups and a journal, or undone from that journal.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "fix.h"
#include "render_report.h"

/* fix --undo [FILE.json]: the journal says what to restore, not the diagnosis. */
static int
fix_undo_main(const struct options *o)
{
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	int rc = fix_undo(o->probe.dos_root, &out, err);

	if (rc < 0) {
		fputs(buf_str(&out), stdout);	/* what changed since --apply */
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_BADINPUT;
	} else	/* 1: nothing to undo */
		rc = cli_render_done(o, 0, NULL, &out, rc == 0);
	buf_free(&out);
	return rc;
}

/* fix --apply: the warnings, then the diffs and what was written. */
static int
fix_apply_main(const struct options *o, const struct fix_plan *plan)
{
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	size_t i;
	int rc;

	for (i = 0; i < plan->nwarnings; i++)
		fprintf(stderr, "kbdiag: warning: %s\n", plan->warnings[i]);
	for (i = 0; i < plan->nedits; i++)
		buf_puts(&out, plan->edits[i].diff);
	if (fix_apply(plan, o->probe.dos_root, &out, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		rc = EXIT_BADINPUT;
	} else
		rc = cli_render_done(o, 0, NULL, &out, 1);
	buf_free(&out);
	return rc;
}

static int
fix_main(const struct options *o, char **args, int nargs)
{
	struct cli_saved s;
	struct cli_out c;
	char err[ERR_LEN];
	int rc;

	if (o->fix_mode != FIX_UNDO && nargs != 1)
		return cli_usage_error("fix: give one saved diagnosis (FILE.json)");
	if (o->fix_mode == FIX_UNDO && nargs > 1)
		return cli_usage_error("fix: --undo takes at most one saved diagnosis");
	if (o->fix_mode != FIX_DRY_RUN && o->probe.dos_root == NULL)
		return cli_usage_error("fix: --%s needs --dos-root DIR",
		    o->fix_mode == FIX_APPLY ? "apply" : "undo");
	if (o->fix_mode == FIX_UNDO)
		return fix_undo_main(o);
	if ((rc = cli_saved_plan(o, "fix", args[0], &s)) != 0)
		;
	else if (o->fix_mode != FIX_DRY_RUN && s.plan->nedits > 0)
		rc = fix_apply_main(o, s.plan);
	else if (cli_out_open(o, &c) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = cli_out_done(&c, render_fix_plan_stream(s.plan, o->format, cli_out_write, &c,
		    err), err, s.plan->nedits > 0);
	cli_saved_free(&s);
	return rc;
}

const struct command cmd_fix = {
	"fix", fix_main,
"  fix FILE.json [--dry-run|--apply|--undo]\n"
"                         show (the default), apply or undo the edits the saved\n"
"                           diagnosis proposes under --dos-root DIR (the rule\n"
"                           base's fixes: ForcePushBit=1 in PROTOCOL.INI, FILES=\n"
"                           in CONFIG.SYS, the start-up order, -Q, the gateway's\n"
"                           variant); --apply keeps backups and one journal in\n"
"                           DIR/.kbdiag, --undo restores all of them\n",
	0
};
