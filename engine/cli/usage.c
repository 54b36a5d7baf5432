/* usage: the usage errors of kbdiag and smtpgw (see usage.h). */
#include "cli/usage.h"

#include <stdio.h>
#include <string.h>

#include "util/buf.h"

void
usage_verror(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
}

static void
usage_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror(prog, fmt, ap);
	va_end(ap);
}

void
usage_bad_option(const char *prog, const struct option *longopts, const char *arg,
    int missing_value)
{
	const struct option *hit = NULL;
	struct buf names = BUF_INIT;
	size_t n = strcspn(arg, "="), i, nhits = 0;

	if (arg[0] != '-' || arg[1] != '-') {
		usage_error(prog, "option '-%c': %s", optopt ? optopt : '?', missing_value ?
		    "give it a value" : "unknown option");
		return;
	}
	for (i = 0; longopts[i].name; i++) {
		if (strncmp(longopts[i].name, arg + 2, n - 2) != 0)
			continue;
		if (strlen(longopts[i].name) == n - 2) {
			hit = &longopts[i];
			nhits = 1;
			break;
		}
		hit = &longopts[i];
		buf_printf(&names, "%s--%s", nhits++ ? ", " : "", longopts[i].name);
	}
	if (nhits > 1)
		usage_error(prog, "option '%.*s': ambiguous (%s)", (int)n, arg, buf_str(&names));
	else if (nhits == 0)
		usage_error(prog, "option '%.*s': unknown option", (int)n, arg);
	else if (missing_value)
		usage_error(prog, "option '--%s': give it a value", hit->name);
	else
		usage_error(prog, "option '--%s': takes no value", hit->name);
	buf_free(&names);
}
