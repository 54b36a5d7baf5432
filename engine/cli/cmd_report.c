/*
 * kbdiag report FILE.json: a saved diagnosis rendered as a fix report
 * (render_report()): per incident the cause that stands, its evidence, the
 * steps, and with --dos-root the proposed edits.
 */
#include "cli/cli.h"

#include "diag.h"
#include "fix.h"
#include "render_report.h"

static int
report_main(const struct options *o, char **args, int nargs)
{
	struct cli_saved s;
	struct cli_out c;
	char err[ERR_LEN];
	int rc;

	if (nargs != 1)
		return cli_usage_error("report: give one saved diagnosis (FILE.json)");
	if (o->fix_mode_set)
		return cli_usage_error("report: --dry-run, --apply and --undo are for fix");
	/* written as it is rendered: a report of thousands of incidents is never held */
	if ((rc = cli_saved_plan(o, "report", args[0], &s)) != 0)
		;
	else if (cli_out_open(o, &c) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = cli_out_done(&c, render_report_stream(s.d, s.plan, o->format, cli_out_write,
		    &c, err), err, s.d->nincidents || s.plan->nedits);
	cli_saved_free(&s);
	return rc;
}

const struct command cmd_report = {
	"report", report_main,
"  report FILE.json       render a saved diagnosis (diagnose --format json) as a\n"
"                           fix report: per incident the cause that stands,\n"
"                           its evidence, the steps as a checklist, and with\n"
"                           --dos-root the proposed edits as diffs; the lines\n"
"                           no article is about, grouped as diagnose does\n",
	0
};
