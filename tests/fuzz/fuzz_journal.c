/*
 * Fuzz target: the journal's and docker's forms (engine/reader_journal.h)
 * through the reader: journalctl -o json, json-seq and export, the short
 * forms and their header, docker's json-file and --timestamps, found per line
 * and forced (--input-format journal, docker).
 *
 * Beyond not crashing: every record's strings lie within bounds (its text
 * within its subject for the journal's entries), and the entries of an
 * export are the same whether its lines are read by reader_next() or fed by
 * another (reader_feed(), reader_skim(), as the two-thread scan does), whole or
 * only to move the reader on: the record that ends an entry is whole either way,
 * and an entry cut by the end is said with the same count. And the
 * first line read as JSON both ways, by jansson (rj_from_json()) and without
 * it (rj_scan()): where both read it, the same entry.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "reader.h"
#include "reader_journal.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every byte of a record's strings (ASan finds a string out of bounds). */
static unsigned
fuzz_touch(const struct reader_record *rec)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < rec->len; i++)
		sum += (unsigned char)rec->text[i];
	for (i = 0; i < rec->subjectlen; i++)
		sum += (unsigned char)rec->subject[i];
	if (rec->program)
		sum += (unsigned)strlen(rec->program);
	if (rec->host)
		sum += (unsigned)strlen(rec->host);
	sum += (unsigned)strlen(rec->when);
	if (rec->len > 0 && rec->format == READER_FORMAT_JOURNAL && !rec->inner &&
	    (rec->text < rec->subject || rec->text + rec->len > rec->subject + rec->subjectlen))
		abort();	/* a journal entry's message is the end of its subject */
	if (rec->inner && (rec->subjectlen != 0 || rec->kind != READER_TEXT))
		abort();	/* a line of an export entry is never matched */
	return sum;
}

/* The entries (self records) of a reading: line, time and text, in order. */
static void
fuzz_entry(struct buf *out, const struct reader_record *rec)
{
	if (!rec->self)
		return;
	buf_printf(out, "%lu %d %lld %s %s %ld|", rec->line, rec->has_time, rec->t,
	    rec->program ? rec->program : "-", rec->host ? rec->host : "-", rec->pid);
	buf_append(out, rec->text, rec->len);
	buf_putc(out, '\n');
}

/* The first line by jansson and by rj_scan(): the same where both read it. */
static void
fuzz_two_readings(const char *s, size_t size)
{
	const char *nl = memchr(s, '\n', size);
	size_t n = nl ? (size_t)(nl - s) : size;
	struct buf ma = BUF_INIT, mb = BUF_INIT;
	struct rj_entry a, b;
	enum rj_kind ka, kb;
	json_error_t jerr;
	json_t *o;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.msg = &ma;
	b.msg = &mb;
	kb = rj_scan(s, n, &b);
	o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	ka = o ? rj_from_json(o, &a) : RJ_NONE;
	json_decref(o);
	if (ka != RJ_NONE && kb != RJ_NONE) {
		if (ka != kb || ma.len != mb.len || (ma.len && memcmp(ma.data, mb.data, ma.len)) ||
		    a.text_off != b.text_off || a.msg_null != b.msg_null ||
		    strcmp(a.host, b.host) != 0 || strcmp(a.program, b.program) != 0 ||
		    a.pid != b.pid || a.has_time != b.has_time || a.t != b.t || a.line != b.line ||
		    a.partial != b.partial || a.on_stderr != b.on_stderr)
			abort();	/* the two readings of one line differ */
	}
	buf_free(&ma);
	buf_free(&mb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum reader_format formats[] = {
		READER_FORMAT_AUTO, READER_FORMAT_JOURNAL, READER_FORMAT_DOCKER,
		READER_FORMAT_SYSLOG,
	};
	const char *s = (const char *)data;
	const struct reader_record *rec;
	struct reader_params p;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char cut[ERR_LEN] = "";
	struct reader *r;
	char err[ERR_LEN];
	volatile unsigned sum = 0;
	size_t i, at, n;
	long long t, end;
	enum rj_stamp st;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		reader_params_init(&p);
		p.format = formats[i];
		r = reader_open_mem_params("fuzz.log", s, size, &p);
		while (reader_next(r, &rec, err) > 0) {
			sum += fuzz_touch(rec);
			if (i == 0)
				fuzz_entry(&a, rec);
		}
		sum += reader_notice(r) != NULL;
		/* an export entry cut by the end: said with its count */
		if (i == 0 && reader_notice(r) && strstr(reader_notice(r), "-o export, from"))
			snprintf(cut, sizeof(cut), "%s", reader_notice(r));
		reader_close(r);
	}
	/*
	 * The same lines fed (LF ends only: without a CR the reader splits the
	 * same way), each whole or skimmed by its first byte.
	 */
	if (memchr(s, '\r', size) == NULL) {
		r = reader_open_mem("fuzz.log", s, size);
		for (at = 0; at < size; at += n + 1) {
			const char *nl = memchr(s + at, '\n', size - at);

			n = nl ? (size_t)(nl - (s + at)) : size - at;
			if (n > READER_MAX_LINE)
				break;		/* cut lines: not compared */
			if (n > 0 && (s[at] & 3) == 2) {
				/* as the scan skims a line with nothing in it */
				if ((rec = reader_skim(r, s + at, n, at)) != NULL)
					fuzz_entry(&b, rec);
				if (nl == NULL)
					break;
				continue;
			}
			rec = reader_feed(r, s + at, n, at, 0, memchr(s + at, '\0', n) != NULL,
			    n == 0 || (s[at] & 1));
			sum += rec->line;
			fuzz_entry(&b, rec);
			if (nl == NULL)
				break;
		}
		reader_feed_end(r, size);
		if (at >= size && cut[0] && (reader_notice(r) == NULL ||
		    strcmp(reader_notice(r), cut) != 0) && strstr(cut, "(journalctl -o export"))
			abort();	/* the cut entry's count depends on how its lines were read */
		reader_close(r);
		if (at >= size && (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)))
			abort();	/* an export entry depends on how its lines were read */
	}
	buf_free(&a);
	buf_free(&b);
	fuzz_two_readings(s, size);
	/* the stamp readers on their own */
	st = rj_stamp(s, size, &t, &n);
	if (st != RJ_STAMP_NONE && n > size)
		abort();
	if (rj_docker_stamp(s, size, &t, &n) && n > size)
		abort();
	sum += (unsigned)rj_header(s, size, &end) + (unsigned)rj_marker(s, size) +
	    (unsigned)rj_fraction(s, size) + (unsigned)rj_json_seq(s, size);
	(void)sum;
	return 0;
}
