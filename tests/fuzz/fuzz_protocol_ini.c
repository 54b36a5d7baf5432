/*
 * Fuzz target: PROTOCOL.INI bytes through the INI parser and the
 * protocol-ini probe's reading of them, then the results through JSON and
 * back. Any bytes must give two results with safe, valid strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "probe_dos.h"
#include "render_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count(void *arg, const char *section, const char *name, const char *value, unsigned line)
{
	(void)section;
	(void)name;
	(void)value;
	if (line == 0)
		abort();
	(*(size_t *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_result *r = calloc(2, sizeof(*r)), *back;
	char err[ERR_LEN];
	size_t n = 0, i;
	json_t *j;

	if (r == NULL)
		abort();
	probe_dos_ini_parse((const char *)data, size, count, &n);
	probe_result_init(&r[0], "protocol-ini", "protocol-ini");
	probe_result_init(&r[1], "protocol-ini", "protocol-ini");
	probe_dos_protocol_ini((const char *)data, size, "PROTOCOL.INI", &r[0], &r[1]);
	for (i = 0; i < 2; i++)
		if (r[i].detail == NULL || (r[i].status == PROBE_OBSERVED && r[i].value == NULL))
			abort();
	j = render_probe_results_json(r, 2);
	if (probe_results_from_json(j, &back, &n, err) != 0 || n != 2 ||
	    strcmp(back[0].detail, r[0].detail) != 0)
		abort();
	probe_results_free(back, n);
	json_decref(j);
	probe_results_free(r, 2);
	return 0;
}
