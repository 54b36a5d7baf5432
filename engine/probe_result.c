/*
 * probe_result: the probes' data model (probe_result.h): filling, copying,
 * freeing and judging results, apart from the round that runs the probes
 * (probe.c), so that the probe implementations and the readers of results do
 * not depend on the driver.
 */
#include "probe_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/text.h"
#include "util/xmem.h"

/* Longest detail or transcript line kept, in bytes of input. */
#define PROBE_TEXT_MAX	1024

#define PROBE_STATUSES(X) \
	X(PROBE_OBSERVED,	"observed") \
	X(PROBE_SKIPPED,	"skipped") \
	X(PROBE_ERROR,		"error")

/* Each layer's probe and its healthy values (PROBE_SLOTS). */
static const struct {
	const char	*probe;
	const char	*good;
} probe_healthy[SLOT_COUNT] = {
#define X(slot, probe, source, good) { probe, good },
	PROBE_SLOTS(X)
#undef X
};

const char *
probe_status_name(enum probe_status s)
{
	switch (s) {
#define X(id, name) case id: return name;
	PROBE_STATUSES(X)
#undef X
	}
	return "unknown";
}

int
probe_status_parse(const char *name, enum probe_status *out)
{
#define X(id, text) if (strcmp(name, text) == 0) { *out = id; return 0; }
	PROBE_STATUSES(X)
#undef X
	return -1;
}

unsigned long long
probe_now_ms(void)
{
	return (unsigned long long)clock_ms();
}

void
probe_result_init(struct probe_result *r, const char *probe, const char *source)
{
	memset(r, 0, sizeof(*r));
	r->probe = xstrdup(probe);
	r->source = xstrdup(source);
	r->status = PROBE_SKIPPED;
}

static void
probe_set(struct probe_result *r, enum probe_status st, const char *value,
    const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	buf_vprintf(&b, fmt, ap);
	free(r->detail);
	r->detail = text_sanitize(buf_str(&b), b.len, PROBE_TEXT_MAX);
	buf_free(&b);
	free(r->value);
	r->value = value ? xstrdup(value) : NULL;
	r->status = st;
}

void
probe_observe(struct probe_result *r, const char *value, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	probe_set(r, PROBE_OBSERVED, value, fmt, ap);
	va_end(ap);
}

void
probe_skip(struct probe_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	probe_set(r, PROBE_SKIPPED, NULL, fmt, ap);
	va_end(ap);
}

void
probe_fail(struct probe_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	probe_set(r, PROBE_ERROR, NULL, fmt, ap);
	va_end(ap);
}

void
probe_target(struct probe_result *r, const char *target)
{
	free(r->target);
	r->target = target ? text_sanitize(target, strlen(target), PROBE_TEXT_MAX) : NULL;
}

void
probe_transcript_add(struct probe_result *r, char dir, const char *line, size_t n)
{
	struct buf b = BUF_INIT;
	char *clean = text_sanitize(line, n, PROBE_TEXT_MAX);

	buf_printf(&b, "%c: %s", dir, clean);
	free(clean);
	r->transcript = xrealloc(r->transcript, (r->ntranscript + 1) * sizeof(*r->transcript));
	r->transcript[r->ntranscript++] = buf_detach(&b);
}

void
probe_result_copy(struct probe_result *dst, const struct probe_result *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->probe = xstrdup_or_null(src->probe);
	dst->source = xstrdup_or_null(src->source);
	dst->value = xstrdup_or_null(src->value);
	dst->status = src->status;
	dst->target = xstrdup_or_null(src->target);
	dst->detail = xstrdup_or_null(src->detail);
	dst->elapsed_ms = src->elapsed_ms;
	if (src->ntranscript) {
		dst->transcript = xcalloc(src->ntranscript, sizeof(*dst->transcript));
		for (i = 0; i < src->ntranscript; i++)
			dst->transcript[i] = xstrdup(src->transcript[i]);
		dst->ntranscript = src->ntranscript;
	}
}

static void
probe_result_clear(struct probe_result *r)
{
	size_t i;

	free(r->probe);
	free(r->source);
	free(r->value);
	free(r->target);
	free(r->detail);
	for (i = 0; i < r->ntranscript; i++)
		free(r->transcript[i]);
	free(r->transcript);
}

void
probe_results_free(struct probe_result *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		probe_result_clear(&r[i]);
	free(r);
}

void
probe_round_free(struct probe_round *r)
{
	if (r == NULL)
		return;
	free(r->host);
	free(r->address);
	probe_results_free(r->results, r->nresults);
	free(r);
}

int
probe_result_failed(const struct probe_result *r)
{
	char key[64];
	size_t i;

	if (r->status == PROBE_ERROR)
		return 1;
	if (r->status != PROBE_OBSERVED || r->value == NULL || r->probe == NULL)
		return 0;
	for (i = 0; i < SLOT_COUNT; i++) {
		if (strcmp(probe_healthy[i].probe, r->probe) != 0)
			continue;
		if (probe_healthy[i].good[0] == '\0')
			return 0;
		if (snprintf(key, sizeof(key), " %s ", r->value) >= (int)sizeof(key))
			return 1;
		return strstr(probe_healthy[i].good, key) == NULL;
	}
	return 0;
}
