/*
 * kbdiag probe HOST[:PORT]: one round of the layered live checks
 * (probe_run()), a verdict per layer. Exit 0 when every layer that ran
 * passed, 1 when one failed or none ran.
 */
#include "cli/cli.h"

#include <stdio.h>

#include "kb.h"
#include "match.h"
#include "render_probe.h"

static int
probe_main(const struct options *o, char **args, int nargs)
{
	struct probe_params p = o->probe;
	struct probe_round *round = NULL;
	struct buf out = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char host[PEER_HOST_MAX], err[ERR_LEN];
	size_t i;
	int rc;

	if (nargs != 1)
		return cli_usage_error("probe: give one smart host, HOST[:PORT]");
	if (peer_parse(args[0], PEER_SMTP_PORT, host, &p.port, err) != 0)
		return cli_usage_error("probe: %s", err);
	p.host = host;
	p.offline = o->offline;
	if ((rc = cli_open_kb(o, 0, 0, &kb, &m)) != 0)
		return rc;
	p.kb = kb;
	if (probe_run(&p, &round, err) != 0) {
		rc = cli_usage_error("%s", err);
		goto out;
	}
	/* 1 when a layer failed, and when none ran: nothing was shown to work */
	rc = cli_render_done(o, render_probe_round(round, o->format, &out, err), err, &out,
	    render_probe_ran(round->results, round->nresults));
	for (i = 0; rc == EXIT_FOUND && i < round->nresults; i++)
		if (probe_result_failed(&round->results[i]))
			rc = EXIT_NOTHING;
out:
	probe_round_free(round);
	buf_free(&out);
	match_free(m);
	kb_free(kb);
	return rc;
}

const struct command cmd_probe = {
	"probe", probe_main,
"  probe HOST[:PORT]      run the layered live checks against a smart host:\n"
"                           DNS, ping (loopback, gateway, host), TCP connect,\n"
"                           greeting, EHLO/HELO, the peer's product, and with\n"
"                           --dos-root the DOS client's files; exit 0 when\n"
"                           every layer that ran passed, 1 when one failed\n"
"                           or none ran\n",
	1
};
