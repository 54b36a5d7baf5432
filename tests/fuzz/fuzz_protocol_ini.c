/*
 * Fuzz target: PROTOCOL.INI bytes through the line model (util/ini.h: the
 * lines cover the text byte for byte, every offset inside its own line, the
 * section index a section line before it), the INI parser built on it (one
 * call per section, entry or other line), and the protocol-ini probe's
 * reading of them, then the results through JSON and back. Any bytes must
 * give two results with safe, valid strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "probe_dos.h"
#include "render_json.h"
#include "render_probe.h"
#include "util/buf.h"
#include "util/ini.h"

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

/* The model's promises (ini.h); the lines that are said something of. */
static size_t
check_lines(const char *data, size_t size)
{
	size_t n, i, text = ini_text_len(data, size), at = ini_bom(data, text), said = 0;
	struct ini_line *v = ini_lines(data, size, &n);

	for (i = 0; i < n; i++) {
		const struct ini_line *l = &v[i];

		if (l->start != at || l->content_end < l->start || l->end < l->content_end ||
		    l->end == l->start || l->name_start > l->name_end ||
		    l->name_end > l->content_end || l->name_start < l->start ||
		    l->value_start > l->value_end || l->value_end > l->content_end ||
		    l->value_start < l->start)
			abort();
		if (l->kind == INI_ENTRY && (data[l->eq] != '=' || l->name_end > l->eq ||
		    l->value_start <= l->eq))
			abort();
		if (l->kind == INI_SECTION ? l->section != (long)i : l->section >= (long)i ||
		    (l->section >= 0 && v[l->section].kind != INI_SECTION))
			abort();
		said += l->kind != INI_BLANK && l->kind != INI_COMMENT;
		at = l->end;
	}
	if (at != text && !(n == 0 && at == ini_bom(data, text)))
		abort();
	free(v);
	return said;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_result *r = calloc(2, sizeof(*r)), *back;
	char err[ERR_LEN];
	size_t n = 0, i;
	struct buf out = BUF_INIT;
	struct jw w;
	json_t *j;

	if (r == NULL)
		abort();
	probe_dos_ini_parse((const char *)data, size, count, &n);
	if (n != check_lines((const char *)data, size))
		abort();
	n = 0;
	probe_result_init(&r[0], "protocol-ini", "protocol-ini");
	probe_result_init(&r[1], "protocol-ini", "protocol-ini");
	probe_dos_protocol_ini((const char *)data, size, "PROTOCOL.INI", &r[0], &r[1]);
	for (i = 0; i < 2; i++)
		if (r[i].detail == NULL || (r[i].status == PROBE_OBSERVED && r[i].value == NULL))
			abort();
	jw_init(&w, &out, 0);
	render_probe_results_jw(&w, r, 2);
	j = json_loads(buf_str(&out), 0, NULL);
	buf_free(&out);
	if (j == NULL || probe_results_from_json(j, &back, &n, err) != 0 || n != 2 ||
	    strcmp(back[0].detail, r[0].detail) != 0)
		abort();
	probe_results_free(back, n);
	json_decref(j);
	probe_results_free(r, 2);
	return 0;
}
