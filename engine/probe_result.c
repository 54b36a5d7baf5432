/*
 * probe_result: copying, freeing and naming probe results (probe.h). Kept
 * apart from the prober so that a diagnosis read back from JSON (--replay)
 * can hold results without running anything.
 */
#include "probe.h"

#include <stdlib.h>
#include <string.h>

#include "xmem.h"

static const char *const probe_status_names[] = {
	[PROBE_OBSERVED] = "observed",
	[PROBE_SKIPPED] = "skipped",
	[PROBE_ERROR] = "error"
};

const char *
probe_status_name(enum probe_status s)
{
	return (size_t)s < sizeof(probe_status_names) / sizeof(probe_status_names[0]) ?
	    probe_status_names[s] : "error";
}

int
probe_status_parse(const char *name, enum probe_status *out)
{
	size_t i;

	for (i = 0; i < sizeof(probe_status_names) / sizeof(probe_status_names[0]); i++)
		if (name != NULL && strcmp(name, probe_status_names[i]) == 0) {
			*out = (enum probe_status)i;
			return 0;
		}
	return -1;
}

void
probe_result_copy(struct probe_result *dst, const struct probe_result *src)
{
	size_t i;

	dst->probe = xstrdup_or_null(src->probe);
	dst->source = xstrdup_or_null(src->source);
	dst->value = xstrdup_or_null(src->value);
	dst->status = src->status;
	dst->target = xstrdup_or_null(src->target);
	dst->detail = xstrdup_or_null(src->detail);
	dst->ntranscript = src->ntranscript;
	dst->transcript = NULL;
	if (src->ntranscript) {
		dst->transcript = xcalloc(src->ntranscript, sizeof(*dst->transcript));
		for (i = 0; i < src->ntranscript; i++)
			dst->transcript[i] = xstrdup(src->transcript[i]);
	}
	dst->elapsed_ms = src->elapsed_ms;
}

void
probe_results_free(struct probe_result *r, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(r[i].probe);
		free(r[i].source);
		free(r[i].value);
		free(r[i].target);
		free(r[i].detail);
		for (j = 0; j < r[i].ntranscript; j++)
			free(r[i].transcript[j]);
		free(r[i].transcript);
	}
	free(r);
}
