#include "reader_journal.h"

#include <stdio.h>
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
	e->partial = e->on_stderr = 0;
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
		e->msg_null = json_is_null(msg);
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
	json_t *st = json_object_get(o, "stream");
	const char *s = json_string_value(log);
	size_t n = json_string_length(log), used;
	long long t;

	/* The line the container wrote, without its end. */
	e->partial = n == 0 || s[n - 1] != '\n';
	e->on_stderr = json_is_string(st) && json_string_length(st) == 6 &&
	    memcmp(json_string_value(st), "stderr", 6) == 0;
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

/* ---------------------------------------------------------------------- */
/* The same, read from the line without building the object (rj_scan)      */

/* The members rj_scan() keeps. */
enum rj_member {
	RJ_M_MESSAGE, RJ_M_REALTIME, RJ_M_IDENT, RJ_M_COMM, RJ_M_SYSLOG_PID, RJ_M_PID,
	RJ_M_HOSTNAME, RJ_M_CURSOR, RJ_M_BOOT_ID, RJ_M_LOG, RJ_M_STREAM, RJ_M_TIME,
	RJ_M_TEXT, RJ_M_N
};

static const char *const rj_members[RJ_M_N] = {
	"MESSAGE", "__REALTIME_TIMESTAMP", "SYSLOG_IDENTIFIER", "_COMM", "SYSLOG_PID", "_PID",
	"_HOSTNAME", "__CURSOR", "_BOOT_ID", "log", "stream", "time", "text",
};

struct rj_span {
	const char	*p;	/* the value as written, or NULL: not there */
	size_t		 n;
};

struct rj_scanner {
	const char	*s;
	size_t		 n, i;
};

static void
rj_ws(struct rj_scanner *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
	    c->s[c->i] == '\r'))
		c->i++;
}

static int
rj_hex(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	    ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* A string at c->i (its quote): past its closing quote; *esc when it has escapes. 0 or -1. */
static int
rj_skip_string(struct rj_scanner *c, int *esc)
{
	const char *s = c->s;
	size_t i = c->i + 1;
	int k;

	*esc = 0;
	for (;;) {
		/* the plain bytes, fast */
		while (i < c->n && s[i] != '"' && s[i] != '\\' && (unsigned char)s[i] >= 0x20)
			i++;
		if (i >= c->n || (unsigned char)s[i] < 0x20)
			return -1;
		if (s[i] == '"')
			break;
		*esc = 1;
		if (i + 1 >= c->n)
			return -1;
		if (s[i + 1] == 'u') {
			if (i + 5 >= c->n)
				return -1;
			for (k = 2; k < 6; k++)
				if (rj_hex(s[i + k]) < 0)
					return -1;
			i += 6;
		} else if (strchr("\"\\/bfnrt", s[i + 1]) != NULL && s[i + 1] != '\0')
			i += 2;
		else
			return -1;
	}
	c->i = i + 1;
	return 0;
}

/* A number's grammar (RFC 8259). */
static int
rj_skip_number(struct rj_scanner *c)
{
	const char *s = c->s;
	size_t i = c->i, d;

	if (i < c->n && s[i] == '-')
		i++;
	if (i < c->n && s[i] == '0')
		i++;
	else {
		for (d = i; i < c->n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return -1;
	}
	if (i < c->n && s[i] == '.') {
		for (d = ++i; i < c->n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return -1;
	}
	if (i < c->n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < c->n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < c->n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return -1;
	}
	c->i = i;
	return 0;
}

static int
rj_skip_value(struct rj_scanner *c, int depth)
{
	const char *s = c->s;
	int esc;

	if (c->i >= c->n)
		return -1;
	switch (s[c->i]) {
	case '"':
		return rj_skip_string(c, &esc);
	case '[':
	case '{': {
		char close = s[c->i] == '[' ? ']' : '}';

		if (depth >= RJ_SCAN_DEPTH)
			return -1;
		c->i++;
		rj_ws(c);
		if (c->i < c->n && s[c->i] == close) {
			c->i++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				if (c->i >= c->n || s[c->i] != '"' || rj_skip_string(c, &esc) != 0)
					return -1;
				rj_ws(c);
				if (c->i >= c->n || s[c->i] != ':')
					return -1;
				c->i++;
				rj_ws(c);
			}
			if (rj_skip_value(c, depth + 1) != 0)
				return -1;
			rj_ws(c);
			if (c->i < c->n && s[c->i] == ',') {
				c->i++;
				rj_ws(c);
				continue;
			}
			if (c->i < c->n && s[c->i] == close) {
				c->i++;
				return 0;
			}
			return -1;
		}
	}
	case 't':
		if (c->n - c->i >= 4 && memcmp(s + c->i, "true", 4) == 0) {
			c->i += 4;
			return 0;
		}
		return -1;
	case 'f':
		if (c->n - c->i >= 5 && memcmp(s + c->i, "false", 5) == 0) {
			c->i += 5;
			return 0;
		}
		return -1;
	case 'n':
		if (c->n - c->i >= 4 && memcmp(s + c->i, "null", 4) == 0) {
			c->i += 4;
			return 0;
		}
		return -1;
	default:
		return rj_skip_number(c);
	}
}

static void
rj_utf8(struct buf *out, unsigned long cp)
{
	char u[4];

	if (cp < 0x80)
		buf_putc(out, (char)cp);
	else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, u, 3);
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(out, u, 4);
	}
}

static unsigned long
rj_u4(const char *p)
{
	return (unsigned long)(rj_hex(p[0]) << 12 | rj_hex(p[1]) << 8 | rj_hex(p[2]) << 4 |
	    rj_hex(p[3]));
}

/*
 * A string value as written (quotes included, checked by rj_skip_string),
 * decoded onto out: 0, or -1 for a \u escape that is no character (a lone
 * surrogate), which jansson refuses.
 */
static int
rj_decode(const char *p, size_t n, struct buf *out)
{
	size_t i = 1, from;
	unsigned long cp, lo;

	n--;	/* the closing quote */
	while (i < n) {
		for (from = i; i < n && p[i] != '\\'; i++)
			;
		if (i > from)
			buf_append(out, p + from, i - from);
		if (i >= n)
			break;
		switch (p[i + 1]) {
		case 'u':
			cp = rj_u4(p + i + 2);
			i += 6;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (i + 6 > n || p[i] != '\\' || p[i + 1] != 'u' ||
				    (lo = rj_u4(p + i + 2)) < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			rj_utf8(out, cp);
			continue;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'n': buf_putc(out, '\n'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 't': buf_putc(out, '\t'); break;
		default: buf_putc(out, p[i + 1]); break;	/* " \ / */
		}
		i += 2;
	}
	return 0;
}

/*
 * A member's value as rj_value() reads it (a string, an array of byte
 * values, the first of several values): 1 with its bytes on out, 0 when it
 * is none of these, -1 when it cannot be decoded (the caller leaves the line
 * to jansson).
 */
static int
rj_span_value(const struct rj_span *v, struct buf *out, int depth)
{
	struct rj_scanner c;
	size_t from, at = out->len;
	unsigned long b;

	if (v->p == NULL)
		return 0;
	if (v->p[0] == '"')
		return rj_decode(v->p, v->n, out) == 0 ? 1 : -1;
	if (v->p[0] != '[')
		return 0;
	c.s = v->p;
	c.n = v->n;
	c.i = 1;
	rj_ws(&c);
	if (c.s[c.i] == ']')
		return 0;
	if (c.s[c.i] == '"' || c.s[c.i] == '[') {
		struct rj_span first;

		if (depth > 0)
			return 0;
		from = c.i;
		if (rj_skip_value(&c, 1) != 0)
			return -1;
		first.p = c.s + from;
		first.n = c.i - from;
		return rj_span_value(&first, out, 1);
	}
	/* bytes: integers 0..255 (as jansson reads them: no fraction, no exponent) */
	for (;;) {
		if (c.s[c.i] == '-' && c.s[c.i + 1] == '0' && (c.s[c.i + 2] < '0' ||
		    c.s[c.i + 2] > '9'))
			c.i++;		/* -0 is 0 */
		if (c.s[c.i] < '0' || c.s[c.i] > '9')
			goto none;
		for (b = 0; c.s[c.i] >= '0' && c.s[c.i] <= '9'; c.i++)
			if ((b = b * 10 + (unsigned long)(c.s[c.i] - '0')) > 255)
				goto none;
		if (c.s[c.i] == '.' || c.s[c.i] == 'e' || c.s[c.i] == 'E')
			goto none;
		buf_putc(out, (char)b);
		rj_ws(&c);
		if (c.s[c.i] == ']')
			return 1;
		c.i++;		/* ',' (the grammar was checked) */
		rj_ws(&c);
	}
none:
	out->len = at;		/* what was written is taken back */
	if (out->data)
		out->data[at] = '\0';
	return 0;
}

/* A short member (a name, a number) as rj_short(): 1, 0, or -1. */
static int
rj_span_short(const struct rj_span *v, struct buf *tmp, char *out, size_t cap)
{
	int rc;

	out[0] = '\0';
	buf_reset(tmp);
	if ((rc = rj_span_value(v, tmp, 0)) != 1)
		return rc;
	if (tmp->len >= cap)
		return 0;
	memcpy(out, tmp->data, tmp->len);
	out[tmp->len] = '\0';
	return 1;
}

enum rj_kind
rj_scan(const char *s, size_t n, struct rj_entry *e)
{
	struct rj_span m[RJ_M_N];
	struct rj_scanner c = { s, n, 0 };
	enum rj_kind k = RJ_NONE;
	unsigned long long v;
	char tmp[RJ_NAME_MAX + 2];
	size_t from, klen, j;
	int esc, rc;

	memset(m, 0, sizeof(m));
	rj_ws(&c);
	if (c.i >= n || s[c.i] != '{')
		return RJ_NONE;
	c.i++;
	rj_ws(&c);
	if (c.i < n && s[c.i] == '}')
		return RJ_NONE;
	for (;;) {
		if (c.i >= n || s[c.i] != '"')
			return RJ_NONE;
		from = c.i + 1;
		if (rj_skip_string(&c, &esc) != 0 || esc)
			return RJ_NONE;
		klen = c.i - 1 - from;
		rj_ws(&c);
		if (c.i >= n || s[c.i] != ':')
			return RJ_NONE;
		c.i++;
		rj_ws(&c);
		for (j = 0; j < RJ_M_N; j++)
			if (strlen(rj_members[j]) == klen && memcmp(rj_members[j], s + from, klen) == 0)
				break;
		if (j < RJ_M_N && m[j].p != NULL)
			return RJ_NONE;		/* twice: jansson's to refuse */
		from = c.i;
		if (rj_skip_value(&c, 1) != 0)
			return RJ_NONE;
		if (j < RJ_M_N) {
			m[j].p = s + from;
			m[j].n = c.i - from;
		}
		rj_ws(&c);
		if (c.i < n && s[c.i] == ',') {
			c.i++;
			rj_ws(&c);
			continue;
		}
		if (c.i < n && s[c.i] == '}')
			break;
		return RJ_NONE;
	}
	c.i++;
	rj_ws(&c);
	if (c.i != n)
		return RJ_NONE;
	/* what it is, as rj_kind_of() */
	for (j = RJ_M_MESSAGE; j <= RJ_M_BOOT_ID; j++)
		if (m[j].p != NULL && j != RJ_M_COMM && j != RJ_M_SYSLOG_PID && j != RJ_M_PID &&
		    j != RJ_M_HOSTNAME)
			k = RJ_JOURNAL;
	if (k == RJ_NONE && m[RJ_M_LOG].p != NULL && m[RJ_M_LOG].p[0] == '"' &&
	    (m[RJ_M_STREAM].p != NULL || m[RJ_M_TIME].p != NULL))
		k = RJ_DOCKER;
	if (k == RJ_NONE)
		return RJ_NONE;
	rj_entry_reset(e);
	if (k == RJ_DOCKER) {
		size_t len;

		if (rj_decode(m[RJ_M_LOG].p, m[RJ_M_LOG].n, e->msg) != 0)
			return RJ_NONE;
		len = e->msg->len;
		e->partial = len == 0 || e->msg->data[len - 1] != '\n';
		if (m[RJ_M_STREAM].p != NULL && m[RJ_M_STREAM].p[0] == '"') {
			struct buf st = BUF_INIT;

			/* (as jansson decodes it: escapes and all) */
			e->on_stderr = rj_decode(m[RJ_M_STREAM].p, m[RJ_M_STREAM].n, &st) == 0 &&
			    st.len == 6 && memcmp(st.data, "stderr", 6) == 0;
			buf_free(&st);
		}
		if (len > 0 && e->msg->data[len - 1] == '\n')
			len--;
		if (len > 0 && e->msg->data[len - 1] == '\r')
			len--;
		e->msg->len = len;
		e->msg->data[len] = '\0';
		e->line = 1;
		if (m[RJ_M_TIME].p != NULL && m[RJ_M_TIME].p[0] == '"') {
			struct buf t = BUF_INIT;
			long long when;
			size_t used;

			if (rj_decode(m[RJ_M_TIME].p, m[RJ_M_TIME].n, &t) == 0 && t.len > 0 &&
			    logtime_parse_iso(t.data, t.len, &when, &used) == 0 && used > 10) {
				e->has_time = 1;
				e->t = when;
			}
			buf_free(&t);
		}
		return RJ_DOCKER;
	}
	/* the journal: the short members first, with msg as scratch */
	if ((rc = rj_span_short(&m[RJ_M_IDENT], e->msg, tmp, sizeof(tmp))) == 1 ||
	    (rc == 0 && (rc = rj_span_short(&m[RJ_M_COMM], e->msg, tmp, sizeof(tmp))) == 1))
		rj_name(e->program, tmp, strlen(tmp));
	if (rc < 0)
		return RJ_NONE;
	if ((rc = rj_span_short(&m[RJ_M_HOSTNAME], e->msg, tmp, sizeof(tmp))) == 1)
		rj_name(e->host, tmp, strlen(tmp));
	if (rc < 0)
		return RJ_NONE;
	for (j = RJ_M_SYSLOG_PID; j <= RJ_M_PID; j++) {
		if ((rc = rj_span_short(&m[j], e->msg, tmp, 24)) < 0)
			return RJ_NONE;
		if (rc == 1 && rj_count(tmp, 999999999, &v) == 0 && v > 0) {
			e->pid = (long)v;
			break;
		}
	}
	if ((rc = rj_span_short(&m[RJ_M_REALTIME], e->msg, tmp, sizeof(tmp))) == 1 &&
	    rj_count(tmp, 253402300799999999ULL, &v) == 0) {
		e->has_time = 1;
		e->t = (long long)(v / 1000000);
	}
	if (rc < 0)
		return RJ_NONE;
	buf_reset(e->msg);
	rj_prefix(e);
	if ((rc = rj_span_value(&m[RJ_M_MESSAGE], e->msg, 0)) < 0)
		return RJ_NONE;
	if (rc == 0)
		e->msg_null = m[RJ_M_MESSAGE].p != NULL && m[RJ_M_MESSAGE].p[0] == 'n';
	return RJ_JOURNAL;
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
	/* By its first letter: asked of every syslog line ("Nov 12 ..."), most say no at once. */
	if (n < 4 || s[3] != ' ')
		return 0;
	switch (s[0]) {
	case 'M':
		return s[1] == 'o' && s[2] == 'n';
	case 'T':
		return (s[1] == 'u' && s[2] == 'e') || (s[1] == 'h' && s[2] == 'u');
	case 'W':
		return s[1] == 'e' && s[2] == 'd';
	case 'F':
		return s[1] == 'r' && s[2] == 'i';
	case 'S':
		return (s[1] == 'a' && s[2] == 't') || (s[1] == 'u' && s[2] == 'n');
	default:
		return 0;
	}
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
	rj_prefix(e);
	if (x->msg.len > 0)
		buf_append(e->msg, x->msg.data, x->msg.len);
}

void
rj_export_cut(const struct rj_export *x, char *out, size_t n)
{
	if (!x->has_msg)
		snprintf(out, n, "no MESSAGE among them");
	else if (x->binary && x->bin_msg && x->lenhave < 8)
		snprintf(out, n, "its MESSAGE among them, cut in its length");
	else if (x->binary && x->bin_msg && x->left > 0)
		snprintf(out, n, "its MESSAGE among them, %zu of its %llu bytes read", x->msg.len,
		    rj_le64(x->len));
	else
		snprintf(out, n, "its MESSAGE among them (%zu bytes)", x->msg.len);
}

/* ---------------------------------------------------------------------- */
/* journalctl -o json-pretty                                                */

void
rj_pretty_init(struct rj_pretty *x)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->json);
}

void
rj_pretty_free(struct rj_pretty *x)
{
	buf_free(&x->json);
}

/* Is the line this byte alone (and spaces, a CR)? */
static int
rj_alone(const char *s, size_t n, char c)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n == 1 && s[0] == c;
}

/* An indented `"FIELD" :` (a journal field's name), and is it MESSAGE? 1, 0. */
static int
rj_pretty_field(const char *s, size_t n, int *message)
{
	size_t i = 0, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == 0 || i >= n || s[i] != '"')
		return 0;
	for (k = ++i; k < n && ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
	    s[k] == '_'); k++)
		;
	if (k == i || k >= n || s[k] != '"')
		return 0;
	*message = k - i == 7 && memcmp(s + i, "MESSAGE", 7) == 0;
	for (k++; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
		;
	return k < n && s[k] == ':';
}

enum rj_pretty_step
rj_pretty_line(struct rj_pretty *x, const char *s, size_t n)
{
	int message = 0;

	x->msg_now = 0;
	if (x->in == 0) {
		if (!rj_alone(s, n, '{'))
			return RJ_PRETTY_NONE;
		x->in = 1;
		buf_reset(&x->json);
		buf_putc(&x->json, '{');
		return RJ_PRETTY_LINE;
	}
	if (x->in == 1 && !rj_pretty_field(s, n, &message)) {
		/* a "{" alone, then no field: not journalctl's */
		x->in = 0;
		return RJ_PRETTY_NONE;
	}
	if (x->in == 2 && rj_alone(s, n, '}')) {
		buf_putc(&x->json, '}');
		x->in = 0;
		return RJ_PRETTY_END;
	}
	/* inside: every line indented; an entry larger than any a mail log
	 * writes is given up (its lines from here read as they are) */
	if (n == 0 || (s[0] != ' ' && s[0] != '\t') || x->json.len + n > RJ_PRETTY_MAX) {
		x->in = 0;
		return RJ_PRETTY_NONE;
	}
	if (x->in == 2)
		rj_pretty_field(s, n, &message);
	x->in = 2;
	x->msg_now = message;
	buf_putc(&x->json, '\n');
	buf_append(&x->json, s, n);
	return RJ_PRETTY_LINE;
}

/* ---------------------------------------------------------------------- */
/* journalctl -o verbose                                                    */

void
rj_verbose_init(struct rj_verbose *x)
{
	memset(x, 0, sizeof(*x));
	rj_export_init(&x->f);
}

void
rj_verbose_free(struct rj_verbose *x)
{
	rj_export_free(&x->f);
}

/* "Mon 2026-12-07 17:06:27.123456 UTC [s=...;i=...]": 1 with *t, else 0. */
static int
rj_verbose_header(const char *s, size_t n, long long *t)
{
	size_t used;

	while (n > 0 && s[n - 1] == '\r')
		n--;
	return n > 0 && s[n - 1] == ']' && rj_full(s, n, t, &used) == 0 && used + 2 < n &&
	    s[used] == ' ' && s[used + 1] == '[';
}

enum rj_verbose_step
rj_verbose_line(struct rj_verbose *x, const char *s, size_t n)
{
	long long t;
	size_t k;

	x->f.msg_now = x->header_now = 0;
	if (rj_verbose_header(s, n, &t)) {
		if (x->in && !x->given && x->f.has_msg)
			return RJ_VERBOSE_FLUSH;
		rj_export_reset(&x->f);
		x->header_now = 1;
		x->in = 1;
		x->given = 0;
		x->f.has_time = 1;
		x->f.t = t;
		return RJ_VERBOSE_LINE;
	}
	if (!x->in)
		return RJ_VERBOSE_NONE;
	while (n > 0 && s[n - 1] == '\r')
		n--;
	/* a field: 4 spaces in, KEY=VALUE */
	if (n < 5 || memcmp(s, "    ", 4) != 0 || (k = rj_key(s + 4, n - 4)) == 0 ||
	    4 + k >= n || s[4 + k] != '=') {
		x->in = 0;
		return RJ_VERBOSE_NONE;
	}
	if (x->given)
		return RJ_VERBOSE_LINE;
	rj_export_field(&x->f, s + 4, k, s + 5 + k, n - 5 - k);
	/* all a record needs: journald writes _HOSTNAME, which it adds to
	 * every entry, after MESSAGE, SYSLOG_IDENTIFIER, SYSLOG_PID, _PID, _COMM */
	if (x->f.has_msg && x->f.host[0])
		return RJ_VERBOSE_ENTRY;
	return RJ_VERBOSE_LINE;
}

void
rj_verbose_entry(struct rj_verbose *x, struct rj_entry *e)
{
	rj_export_entry(&x->f, e);
	x->given = 1;
}
