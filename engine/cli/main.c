/*
 * kbdiag: the command line. It reads the options (options.c), finds the
 * command in the table below, runs it (cmd_NAME.c) and returns its exit
 * code (cli.h: the codes promised in docs/kbdiag.1):
 *
 *   0 found something, 1 found nothing, 2 usage error, 3 bad input,
 *   4 internal error (including out of memory).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int help_main(const struct options *o, char **args, int nargs);

/* `kbdiag help`: --help as a command, not listed. */
static const struct command cmd_help = { "help", help_main, NULL, 0 };

/*
 * The commands, in the order --help shows them; a usage error names the
 * others first, then the tools.
 */
static const struct command *const commands[] = {
	&cmd_diagnose, &cmd_query, &cmd_probe, &cmd_report, &cmd_fix, &cmd_verify, &cmd_kb,
	&cmd_help,
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const char usage_head[] =
"Usage: kbdiag [OPTION]... COMMAND [ARG]...\n"
"Find out why a Microsoft Mail Gateway to SMTP (or smtpgw) failed, from its logs,\n"
"with a rule base made from the Microsoft Knowledge Base articles about it.\n"
"\n"
"Commands:\n";

static const char usage_tail[] =
"\n"
"Exit status: 0 found something (an incident, a matching article, a valid rule\n"
"base; for verify: fixed), 1 found nothing (verify: not fixed or inconclusive),\n"
"2 usage error, 3 bad input (a log that cannot be read, an invalid rule base),\n"
"4 internal error.\n"
"\n"
"Examples:\n"
"  kbdiag diagnose /var/log/smtpgw/smtpgate.log\n"
"  kbdiag query 'Error (119) Network Write Error'\n"
"  kbdiag query --top 3 --explain 'netwrok write eror 119'\n"
"  kbdiag diagnose --format html -o report.html smtpgate.log\n"
"  kbdiag diagnose --since 2026-11-23T08:00 /var/log/mail.log.1.gz\n"
"  kbdiag diagnose --follow /var/log/smtpgw/smtpgate.log\n"
"  kbdiag probe --timeout 2s --dos-root /mnt/gatewaypc mail.example.com\n"
"  kbdiag report --format markdown --dos-root /mnt/gatewaypc diagnosis.json\n"
"  kbdiag fix --apply --dos-root /mnt/gatewaypc diagnosis.json\n"
"  kbdiag verify --dos-root /mnt/gatewaypc --watch smtpgate.log --for 10m \\\n"
"      diagnosis.json\n"
"\n"
"See kbdiag(1) for details.\n";

void
cli_usage(FILE *to)
{
	size_t i;

	fputs(usage_head, to);
	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i]->help != NULL)
			fputs(commands[i]->help, to);
	fputs("\n", to);
	fputs(cli_options_help, to);
	fputs(usage_tail, to);
}

static int
help_main(const struct options *o, char **args, int nargs)
{
	(void)o, (void)args, (void)nargs;
	cli_usage(stdout);
	return cli_info_done();
}

/* A usage error that names the listed commands: PROBLEM: use a, b ... or z. */
static int
commands_error(const char *problem)
{
	struct buf names = BUF_INIT;
	size_t i, n = 0, listed = 0;
	int tool, rc;

	for (i = 0; i < NCOMMANDS; i++)
		listed += commands[i]->help != NULL;
	for (tool = 0; tool <= 1; tool++)
		for (i = 0; i < NCOMMANDS; i++)
			if (commands[i]->help != NULL && commands[i]->tool == tool)
				cli_list_item(&names, n++, listed, commands[i]->name);
	rc = cli_usage_error("%s: use %s", problem, buf_str(&names));
	buf_free(&names);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct buf problem = BUF_INIT;
	const char *cmd;
	size_t i;
	int rc;

	if ((rc = cli_options(argc, argv, &o)) != CLI_RUN)
		return rc;
	if (optind >= argc)
		return commands_error("no command given");
	cmd = argv[optind++];
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(cmd, commands[i]->name) == 0)
			return commands[i]->run(&o, argv + optind, argc - optind);
	buf_printf(&problem, "unknown command '%s'", cmd);
	rc = commands_error(buf_str(&problem));
	buf_free(&problem);
	return rc;
}
