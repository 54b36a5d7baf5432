#include "reader_journal.h"

#include <string.h>

#include <jansson.h>

#include "logtime.h"

/* ---------------------------------------------------------------------- */
/* JSON: journalctl -o json, json-seq; docker's json-file                   */

/* A name (host, program) kept: printable ASCII up to RJ_NAME_MAX bytes, else "". */
static void
rj_name(char out[RJ_NAME_MAX + 1], const char *v, size_t n)
{
	size_t i;

	out[0] = '\0';
	if (v == NULL || n == 0 || n > RJ_NAME_MAX)
		return;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= ' ' || (unsigned char)v[i] >= 0x7f)
			return;
	memcpy(out, v, n);
	out[n] = '\0';
}

/*
 * A field's value: a string, an array of byte values (not UTF-8), or, for a
 * field the entry holds several times, an array of those (the first is
 * taken). 1 with its bytes appended to out (when out is not NULL), 0 when it
 * is none of these (null, a number, bytes out of range).
 */
static int
rj_value(const json_t *v, struct buf *out, int depth)
{
	size_t i, n;

	if (json_is_string(v)) {
		if (out)
			buf_append(out, json_string_value(v), json_string_length(v));
		return 1;
	}
	if (!json_is_array(v) || (n = json_array_size(v)) == 0)
		return 0;
	if (!json_is_integer(json_array_get(v, 0)))
		return depth == 0 && rj_value(json_array_get(v, 0), out, 1);
	for (i = 0; i < n; i++) {
		json_t *b = json_array_get(v, i);

		if (!json_is_integer(b) || json_integer_value(b) < 0 ||
		    json_integer_value(b) > 255)
			return 0;
	}
	if (out)
		for (i = 0; i < n; i++)
			buf_putc(out, (char)json_integer_value(json_array_get(v, i)));
	return 1;
}

/* A short field (a name, a number) into a buffer of its own: 1, or 0. */
static int
rj_short(const json_t *o, const char *key, char *out, size_t cap)
{
	struct buf b = BUF_INIT;
	int ok;

	out[0] = '\0';
	if ((ok = rj_value(json_object_get(o, key), &b, 0)) && b.len < cap) {
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
	} else
		ok = 0;
	buf_free(&b);
	return ok;
}

/* A count written as decimal digits (the journal's numbers are strings): 0 or -1. */
static int
rj_count(const char *s, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (unsigned)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned)(*s - '0');
	}
	*v = x;
	return 0;
}

static void
rj_pid(const json_t *o, struct rj_entry *e)
{
	static const char *const keys[] = { "SYSLOG_PID", "_PID" };
	unsigned long long v;
	char num[24];
	size_t i;

	for (i = 0; i < 2; i++)
		if (rj_short(o, keys[i], num, sizeof(num)) && rj_count(num, 999999999, &v) == 0 &&
		    v > 0) {
			e->pid = (long)v;
			return;
		}
}

/* The keys by which a journal entry is known: any of them. */
static const char *const rj_journal_keys[] = {
	"__REALTIME_TIMESTAMP", "__CURSOR", "MESSAGE", "_BOOT_ID", "SYSLOG_IDENTIFIER",
};

static enum rj_kind
rj_kind_of(const json_t *o)
{
	json_t *log = json_object_get(o, "log");
	size_t i;

	for (i = 0; i < sizeof(rj_journal_keys) / sizeof(rj_journal_keys[0]); i++)
		if (json_object_get(o, rj_journal_keys[i]) != NULL)
			return RJ_JOURNAL;
	if (json_is_string(log) && (json_object_get(o, "stream") != NULL ||
	    json_object_get(o, "time") != NULL))
		return RJ_DOCKER;
	return RJ_NONE;
}

/* The subject begins as the syslog line of the entry would, without the stamp. */
static void
rj_prefix(struct rj_entry *e)
{
	if (e->program[0]) {
		if (e->host[0])
			buf_printf(e->msg, "%s ", e->host);
		buf_puts(e->msg, e->program);
		if (e->pid > 0)
			buf_printf(e->msg, "[%ld]", e->pid);
		buf_puts(e->msg, ": ");
	}
	e->text_off = e->msg->len;
}

static void
rj_entry_reset(struct rj_entry *e)
{
	buf_reset(e->msg);
	e->msg_null = 0;
	e->host[0] = e->program[0] = '\0';
	e->pid = 0;
	e->has_time = 0;
	e->t = 0;
	e->line = 0;
	e->text_off = 0;
}

static void
rj_journal(const json_t *o, struct rj_entry *e)
{
	unsigned long long us;
	char v[RJ_NAME_MAX + 2];
	json_t *msg = json_object_get(o, "MESSAGE");

	if (rj_short(o, "SYSLOG_IDENTIFIER", v, sizeof(v)) || rj_short(o, "_COMM", v, sizeof(v)))
		rj_name(e->program, v, strlen(v));
	if (rj_short(o, "_HOSTNAME", v, sizeof(v)))
		rj_name(e->host, v, strlen(v));
	rj_pid(o, e);
	rj_prefix(e);
	if (!rj_value(msg, e->msg, 0))
		e->msg_null = msg == NULL || json_is_null(msg);
	/* Microseconds since 1970 (UTC), up to the year 9999. */
	if (rj_short(o, "__REALTIME_TIMESTAMP", v, sizeof(v)) &&
	    rj_count(v, 253402300799999999ULL, &us) == 0) {
		e->has_time = 1;
		e->t = (long long)(us / 1000000);
	}
}

static void
rj_docker(const json_t *o, struct rj_entry *e)
{
	json_t *log = json_object_get(o, "log"), *tv = json_object_get(o, "time");
	const char *s = json_string_value(log);
	size_t n = json_string_length(log), used;
	long long t;

	/* The line the container wrote, without its end. */
	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	buf_append(e->msg, s, n);
	e->line = 1;
	if (json_is_string(tv) && logtime_parse_iso(json_string_value(tv),
	    json_string_length(tv), &t, &used) == 0 && used > 10) {
		e->has_time = 1;
		e->t = t;
	}
}

enum rj_kind
rj_from_json(const struct json_t *o, struct rj_entry *e)
{
	enum rj_kind k;

	if (!json_is_object(o) || (k = rj_kind_of(o)) == RJ_NONE)
		return RJ_NONE;
	rj_entry_reset(e);
	if (k == RJ_JOURNAL)
		rj_journal(o, e);
	else
		rj_docker(o, e);
	return k;
}

size_t
rj_json_seq(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '\x1e')
		return 0;
	for (i = 1; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	return i < n && s[i] == '{' ? i : 0;
}

/* ---------------------------------------------------------------------- */
/* The short forms                                                          */

size_t
rj_fraction(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != '.')
		return 0;
	for (i = 1; i < n && i <= 9 && s[i] >= '0' && s[i] <= '9'; i++)
		;
	return i > 1 ? i : 0;
}

static int
rj_weekday(const char *s, size_t n)
{
	static const char days[] = "MonTueWedThuFriSatSun";
	size_t i;

	if (n < 4 || s[3] != ' ')
		return 0;
	for (i = 0; i < 7; i++)
		if (memcmp(s, days + 3 * i, 3) == 0)
			return 1;
	return 0;
}

/* "Mon 2026-12-07 17:06:27[.fraction] ZONE": *t, *used; 0 or -1. */
static int
rj_full(const char *s, size_t n, long long *t, size_t *used)
{
	size_t i, k, z;

	if (!rj_weekday(s, n) || logtime_parse_iso(s + 4, n - 4, t, &k) != 0 || k < 19 ||
	    s[4 + 10] != ' ')
		return -1;
	i = 4 + k;
	/* the zone: letters, digits, '+', '-' (an abbreviation: UTC, CET, +03) */
	if (i + 1 >= n || s[i] != ' ')
		return -1;
	for (z = i + 1; z < n && z - i <= 6 && ((s[z] >= 'A' && s[z] <= 'Z') ||
	    (s[z] >= '0' && s[z] <= '9') || s[z] == '+' || s[z] == '-'); z++)
		;
	if (z == i + 1 || z - i > 6)
		return -1;
	*used = z;
	return 0;
}

/* "1796670387.123456": seconds since 1970, UTC. */
static int
rj_unix(const char *s, size_t n, long long *t, size_t *used)
{
	unsigned long long v = 0;
	size_t i, f;

	for (i = 0; i < n && i < 12 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	/* at least 9 digits (from 1973) and the microseconds journalctl writes */
	if (i < 9 || (f = rj_fraction(s + i, n - i)) != 7 || v > 253402300799ULL)
		return -1;
	*t = (long long)v;
	*used = i + f;
	return 0;
}

/* "[ 12345.678901]": seconds since boot. */
static int
rj_mono(const char *s, size_t n, size_t *used)
{
	size_t i, d;

	if (n < 4 || s[0] != '[')
		return -1;
	for (i = 1; i < n && s[i] == ' '; i++)
		;
	for (d = i; i < n && i - d < 12 && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d || rj_fraction(s + i, n - i) != 7)
		return -1;
	i += 7;
	if (i >= n || s[i] != ']')
		return -1;
	*used = i + 1;
	return 0;
}

enum rj_stamp
rj_stamp(const char *s, size_t n, long long *t, size_t *used)
{
	if (n > 0 && s[0] >= 'A' && s[0] <= 'Z' && rj_full(s, n, t, used) == 0)
		return RJ_STAMP_WALL;
	if (n > 0 && s[0] >= '0' && s[0] <= '9' && rj_unix(s, n, t, used) == 0)
		return RJ_STAMP_WALL;
	if (n > 0 && s[0] == '[' && rj_mono(s, n, used) == 0) {
		*t = 0;
		return RJ_STAMP_MONO;
	}
	return RJ_STAMP_NONE;
}

int
rj_docker_stamp(const char *s, size_t n, long long *t, size_t *used)
{
	size_t k;

	/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ " */
	if (n < 31 || s[10] != 'T' || s[19] != '.' || s[29] != 'Z' || s[30] != ' ' ||
	    rj_fraction(s + 19, 11) != 10 || logtime_parse_iso(s, 30, t, &k) != 0 || k != 30)
		return 0;
	*used = 31;
	return 1;
}

/* "Mon 2026-12-07 17:06:27 UTC" at s, ended by a ',' or '.': its time, *used. */
static int
rj_header_time(const char *s, size_t n, long long *t, size_t *used)
{
	return rj_full(s, n, t, used) == 0 && *used < n && (s[*used] == ',' ||
	    s[*used] == '.') ? 0 : -1;
}

int
rj_header(const char *s, size_t n, long long *end)
{
	static const char *const begins[] = { "-- Logs begin at ", "-- Journal begins at " };
	static const char *const ends[] = { ", end at ", ", ends at " };
	size_t i, k, b;
	long long t;

	for (i = 0; i < 2; i++) {
		b = strlen(begins[i]);
		if (n <= b || memcmp(s, begins[i], b) != 0)
			continue;
		if (rj_header_time(s + b, n - b, &t, &k) != 0)
			return 0;
		b += k;
		if (n - b <= strlen(ends[i]) || memcmp(s + b, ends[i], strlen(ends[i])) != 0)
			return 0;
		b += strlen(ends[i]);
		if (rj_header_time(s + b, n - b, end, &k) != 0)
			return 0;
		return 1;
	}
	return 0;
}

int
rj_marker(const char *s, size_t n)
{
	/* "-- Boot 0f3c... --", "-- No entries --", "-- Reboot --" */
	return n >= 6 && memcmp(s, "-- ", 3) == 0 && memcmp(s + n - 3, " --", 3) == 0;
}

/* ---------------------------------------------------------------------- */
/* journalctl -o export                                                     */

void
rj_export_init(struct rj_export *x)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->msg);
}

void
rj_export_free(struct rj_export *x)
{
	buf_free(&x->msg);
}

static void
rj_export_reset(struct rj_export *x)
{
	struct buf msg = x->msg;

	memset(x, 0, sizeof(*x));
	x->msg = msg;
	buf_reset(&x->msg);
}

/* A field's name: upper-case letters, digits and '_', not starting with a digit. */
static size_t
rj_key(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 64 && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
	    (i > 0 && s[i] >= '0' && s[i] <= '9')); i++)
		;
	return i;
}

/* A line that reads as a field: "KEY=...", "KEY", or the empty end. */
static int
rj_export_looks(const char *s, size_t n)
{
	size_t k = rj_key(s, n);

	return n == 0 || (k > 0 && (k == n || s[k] == '='));
}

static int
rj_is(const char *s, size_t n, const char *key)
{
	return n == strlen(key) && memcmp(s, key, n) == 0;
}

/* A text field of the entry (k, v). */
static void
rj_export_field(struct rj_export *x, const char *k, size_t kn, const char *v, size_t vn)
{
	unsigned long long num;
	char tmp[24];

	if (rj_is(k, kn, "MESSAGE")) {
		buf_reset(&x->msg);
		buf_append(&x->msg, v, vn);
		x->has_msg = 1;
		x->msg_now = 1;
	} else if (rj_is(k, kn, "SYSLOG_IDENTIFIER"))
		rj_name(x->program, v, vn);
	else if (rj_is(k, kn, "_COMM"))
		rj_name(x->comm, v, vn);
	else if (rj_is(k, kn, "_HOSTNAME"))
		rj_name(x->host, v, vn);
	else if (vn > 0 && vn < sizeof(tmp) && (rj_is(k, kn, "_PID") ||
	    rj_is(k, kn, "SYSLOG_PID") || rj_is(k, kn, "__REALTIME_TIMESTAMP"))) {
		memcpy(tmp, v, vn);
		tmp[vn] = '\0';
		if (k[0] == '_' && k[1] == '_') {
			if (rj_count(tmp, 253402300799999999ULL, &num) == 0) {
				x->has_time = 1;
				x->t = (long long)(num / 1000000);
			}
		} else if (rj_count(tmp, 999999999, &num) == 0 && num > 0)
			*(k[0] == '_' ? &x->pid : &x->syslog_pid) = (long)num;
	}
}

static unsigned long long
rj_le64(const unsigned char b[8])
{
	unsigned long long v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Where a binary field of this length ends: the offset of the line after it. */
static unsigned long long
rj_bin_end(const struct rj_export *x, unsigned long long len)
{
	return len > (1ULL << 40) ? ~0ULL : x->bin_start + 8 + len + 1;
}

/*
 * Bytes of a binary field: its length first, then its value. lone: the bytes
 * are a line end of one byte, LF or a lone CR.
 */
static void
rj_export_bytes(struct rj_export *x, const char *s, size_t n, int lone)
{
	size_t k;

	while (n > 0 && x->lenhave < 8) {
		x->len_cr[x->lenhave] = lone ? '\r' : (unsigned char)*s;
		x->len[x->lenhave++] = (unsigned char)*s++;
		n--;
		if (x->lenhave == 8) {
			if (rj_le64(x->len) > RJ_EXPORT_MAX) {
				/* no entry's (reader_journal.h): not an entry after all */
				x->binary = x->in = 0;
				return;
			}
			/* the bytes up to the longer reading: the lines place the end */
			x->left = rj_le64(x->len_cr);
			x->bin_end = rj_bin_end(x, rj_le64(x->len));
			x->bin_end_cr = rj_bin_end(x, x->left);
		}
	}
	k = n < x->left ? n : (size_t)x->left;
	if (x->bin_msg && k > 0 && x->msg.len < (1U << 20))
		buf_append(&x->msg, s, k);
	x->left -= k;
}

enum rj_export_step
rj_export_line(struct rj_export *x, const char *s, size_t n, unsigned long long offset)
{
	size_t k;

	x->msg_now = 0;
	if (x->binary) {
		if (x->lenhave < 8 || offset < x->bin_end || (offset < x->bin_end_cr &&
		    (offset != x->bin_end || !rj_export_looks(s, n)))) {
			/* its bytes go on: the line end between was LF, or CR LF */
			if (offset > x->bin_start) {
				if (offset - x->prev_end >= 2)
					rj_export_bytes(x, "\r\n", 2, 0);
				else
					rj_export_bytes(x, "\n", 1, 1);
			}
			rj_export_bytes(x, s, n, 0);
			x->prev_end = offset + n;
			return x->in ? RJ_EXPORT_FIELD : RJ_EXPORT_NONE;
		}
		x->binary = 0;	/* it ended: this line is the next field */
	}
	if (n == 0) {
		if (!x->in)
			return RJ_EXPORT_NONE;
		x->in = 0;
		return RJ_EXPORT_END;
	}
	k = rj_key(s, n);
	if (!x->in) {
		/* an entry begins with its cursor or its time */
		if (k == 0 || k >= n || s[k] != '=' || !(rj_is(s, k, "__CURSOR") ||
		    rj_is(s, k, "__REALTIME_TIMESTAMP")))
			return RJ_EXPORT_NONE;
		rj_export_reset(x);
		x->in = 1;
	}
	if (k > 0 && k < n && s[k] == '=') {
		rj_export_field(x, s, k, s + k + 1, n - k - 1);
		return RJ_EXPORT_FIELD;
	}
	if (k > 0 && k == n) {
		/* a binary field: its length and bytes from the next line on */
		x->binary = 1;
		x->bin_msg = rj_is(s, k, "MESSAGE");
		if (x->bin_msg) {
			buf_reset(&x->msg);
			x->has_msg = 1;
			x->msg_now = 1;
		}
		x->bin_start = offset + n + 1;
		x->bin_end = x->bin_end_cr = ~0ULL;
		x->lenhave = 0;
		x->left = 0;
		x->prev_end = offset + n;
		return RJ_EXPORT_FIELD;
	}
	/* not a line of an entry: the entry so far is dropped */
	x->in = 0;
	return RJ_EXPORT_NONE;
}

void
rj_export_entry(struct rj_export *x, struct rj_entry *e)
{
	rj_entry_reset(e);
	memcpy(e->host, x->host, sizeof(e->host));
	memcpy(e->program, x->program[0] ? x->program : x->comm, sizeof(e->program));
	e->pid = x->syslog_pid > 0 ? x->syslog_pid : x->pid;
	e->has_time = x->has_time;
	e->t = x->t;
	e->msg_null = !x->has_msg;
	rj_prefix(e);
	if (x->msg.len > 0)
		buf_append(e->msg, x->msg.data, x->msg.len);
}
