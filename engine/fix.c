/*
 * fix: the declared edits of the DOS client's files, as diffs, applied as
 * one journal entry and undone.
 */
#include "fix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "util/fileio.h"
#include "util/peer.h"
#include "probe.h"
#include "util/text.h"
#include "util/xmem.h"

#define FIX_JOURNAL	"journal"
#define FIX_CONTEXT	3
#define FIX_JOURNAL_MAGIC1	"kbdiag fix journal 1\n"
#define FIX_JOURNAL_MAGIC2	"kbdiag fix journal 2\n"

const char *
fix_status_name(enum fix_status s)
{
	switch (s) {
	case FIX_EDITED:
		return "edited";
	case FIX_ALREADY:
		return "already";
	case FIX_NOT_APPLICABLE:
		return "not-applicable";
	case FIX_NO_FILE:
		return "no-file";
	case FIX_NO_ROOT:
		return "no-root";
	case FIX_REFUSED:
		return "refused";
	}
	return "unknown";
}

static int
fix_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *
fix_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
fix_fmt(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

static void
fix_add(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

/* *s (NULL allowed) replaced by its copy made safe to show (text.h). */
static void
fix_safe(char **s)
{
	char *t;

	if (*s == NULL)
		return;
	t = text_sanitize(*s, strlen(*s), 0);
	free(*s);
	*s = t;
}

/* The lines of msg from byte `from` on, and err, made safe to show: they
 * quote paths of the tree and of the journal, which are untrusted. */
static void
fix_safe_msg(struct buf *msg, size_t from, char err[ERR_LEN])
{
	struct buf b = BUF_INIT;
	size_t i = from;

	text_escape_err(err);
	if (msg == NULL || msg->len <= from)
		return;
	while (i < msg->len) {
		const char *nl = memchr(msg->data + i, '\n', msg->len - i);
		size_t n = nl ? (size_t)(nl - (msg->data + i)) : msg->len - i;

		text_escape(&b, msg->data + i, n);
		if (nl)
			buf_putc(&b, '\n');
		i += n + (nl != NULL);
	}
	msg->len = from;
	buf_append(msg, b.data, b.len);
	buf_free(&b);
}

static char *
fix_memdup(const char *p, size_t n)
{
	char *s = xmalloc(n + 1);

	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---------------------------------------------------------------------- */
/* Lines: insert, remove, move (probe_dos's line model)                     */

/*
 * Insert content as a new line after line `after` (0-based; -1: before the
 * first line) of data into out. The new line takes the line end line
 * `after` had (none, for a last line without one), and that line gets eol:
 * so a file that ended without a line end still does.
 */
static void
fix_insert(const char *data, size_t len, long after, const char *content, const char *eol,
    struct buf *out)
{
	struct ini_line *lines;
	size_t n;

	buf_reset(out);
	lines = ini_lines(data, len, &n);
	if (after < 0 || n == 0) {
		size_t bom = ini_bom(data, len);	/* it stays first */

		buf_append(out, data, bom);
		buf_puts(out, content);
		buf_puts(out, eol);
		buf_append(out, data + bom, len - bom);
	} else {
		const struct ini_line *l = &lines[(size_t)after < n ? (size_t)after : n - 1];

		buf_append(out, data, l->content_end);
		buf_puts(out, eol);
		buf_puts(out, content);
		buf_append(out, data + l->content_end, len - l->content_end);
	}
	free(lines);
}

/*
 * Remove line i of data into out; a last line without a line end takes the
 * line end of the line before it along, so the file still ends as it did.
 */
static void
fix_remove(const char *data, size_t len, size_t i, struct buf *out)
{
	struct ini_line *lines;
	size_t n;

	buf_reset(out);
	lines = ini_lines(data, len, &n);
	if (i < n) {
		size_t from = lines[i].start;

		if (lines[i].end == lines[i].content_end && i > 0)
			from = lines[i - 1].content_end;
		buf_append(out, data, from);
		buf_append(out, data + lines[i].end, len - lines[i].end);
	} else
		buf_append(out, data, len);
	free(lines);
}

/* Move line i after line j (indexes before the move) of b, in place. */
static void
fix_move(struct buf *b, size_t i, size_t j, const char *eol)
{
	struct ini_line *lines;
	struct buf tmp = BUF_INIT, out = BUF_INIT;
	char *content;
	size_t n;

	lines = ini_lines(b->data ? b->data : "", b->len, &n);
	if (i >= n || j >= n || i == j) {
		free(lines);
		return;
	}
	content = xstrndup(b->data + lines[i].start, lines[i].content_end - lines[i].start);
	free(lines);
	fix_remove(b->data, b->len, i, &tmp);
	fix_insert(tmp.data ? tmp.data : "", tmp.len, (long)(i < j ? j - 1 : j), content, eol,
	    &out);
	buf_reset(b);
	buf_append(b, out.data, out.len);
	free(content);
	buf_free(&tmp);
	buf_free(&out);
}

/* The blanks that start line i (an inserted line is indented like it). */
static char *
fix_indent(const char *data, size_t len, size_t i)
{
	struct ini_line *lines;
	size_t n, k = 0;
	char *s;

	lines = ini_lines(data, len, &n);
	if (i < n)
		while (lines[i].start + k < lines[i].content_end &&
		    fix_blank(data[lines[i].start + k]))
			k++;
	s = xstrndup(i < n ? data + lines[i].start : "", k);
	free(lines);
	return s;
}

/* ---------------------------------------------------------------------- */
/* The editors                                                              */

/* [TCPIP] as written, or "" */
static void
fix_where(struct buf *b, const struct probe_dos_setting *s)
{
	if (s->section[0])
		buf_printf(b, " of [%s]", s->section);
}

static enum fix_status
fix_edit_set(const struct kb_fix *f, const char *data, size_t len, struct buf *out,
    struct buf *what)
{
	struct probe_dos_setting s;
	struct ini_line *lines;
	const char *eolname, *eol = probe_dos_eol(data, len, &eolname);
	char want[32];
	size_t n;

	probe_dos_setting(f, data, len, &s);
	if (f->value)
		snprintf(want, sizeof(want), "%s", f->value);
	else
		snprintf(want, sizeof(want), "%ld", f->at_least);
	if (!s.applies) {
		if (f->driver_tcpip)
			buf_puts(what, "no [TCPIP] or [TCPIP_XIF] section (the TCP/IP stack's "
			    "configuration is not invented)");
		else
			buf_printf(what, "no [%s] section", f->section);
		return FIX_NOT_APPLICABLE;
	}
	if (s.ok) {
		buf_printf(what, "%s = %s is already set on line %u", f->key, s.value, s.line);
		fix_where(what, &s);
		return FIX_ALREADY;
	}
	lines = ini_lines(data, len, &n);
	if (s.line) {
		const struct ini_line *l = &lines[s.line - 1];	/* an entry: it has a value */
		const char *vs = data + l->value_start, *ve = data + l->value_end;

		buf_append(out, data, (size_t)(vs - data));
		buf_puts(out, want);
		buf_append(out, ve, len - (size_t)(ve - data));
		buf_printf(what, "%s = '%.*s' on line %u", f->key,
		    (int)(ve - vs > 20 ? 20 : ve - vs), vs, s.line);
		fix_where(what, &s);
		buf_printf(what, " becomes %s (%s line ends kept)", want, eolname);
	} else {
		struct buf line = BUF_INIT;
		char *indent = s.last_line && !s.last_is_header ?
		    fix_indent(data, len, s.last_line - 1) : xstrdup("");
		long after = (long)s.last_line - 1;

		/* No place before the first section: the end of [COMMON], if any. */
		if (s.last_line == 0 && f->section == NULL && !f->driver_tcpip) {
			struct kb_fix common = *f;
			struct probe_dos_setting c;

			common.section = "COMMON";
			probe_dos_setting(&common, data, len, &c);
			if (c.applies) {
				after = (long)c.last_line - 1;
				s.spaced = c.spaced;
			} else if (n > 0) {
				size_t k, hdr = 0;

				/* No section at all: after the last line that says anything. */
				for (k = 0; k < n; k++)
					hdr |= lines[k].kind == INI_SECTION;
				for (k = n; k > 0; k--)
					if (lines[k - 1].content_end > lines[k - 1].start)
						break;
				if (hdr) {
					free(indent);
					free(lines);
					buf_puts(what, "the file is made of sections and has no "
					    "[COMMON] one: add the line to the section in use by "
					    "hand");
					return FIX_NOT_APPLICABLE;
				}
				after = (long)k - 1;
			}
		}
		buf_printf(&line, "%s%s%s%s", indent, f->key, s.spaced ? " = " : "=", want);
		fix_insert(data, len, after, buf_str(&line), eol, out);
		buf_printf(what, "%s added ", buf_str(&line) + strlen(indent));
		if (after >= 0)
			buf_printf(what, "after line %ld", after + 1);
		else
			buf_puts(what, "at the start");
		if (s.section[0])
			buf_printf(what, ", at the end of [%s]", s.section);
		buf_printf(what, " (%s line ends kept)", eolname);
		free(indent);
		buf_free(&line);
	}
	free(lines);
	return FIX_EDITED;
}

static enum fix_status
fix_edit_switch(const struct kb_fix *f, const char *data, size_t len, struct buf *out,
    struct buf *what)
{
	struct probe_dos_switch s;
	struct ini_line *lines;
	size_t n;

	probe_dos_switch(f, data, len, &s);
	if (!s.applies) {
		buf_printf(what, "no line runs %s", f->command);
		return FIX_NOT_APPLICABLE;
	}
	if (s.ok) {
		buf_printf(what, "%s on line %zu already gives %s%ld (at least %ld)", f->command,
		    s.line + 1, f->switch_name, s.value, f->at_least);
		return FIX_ALREADY;
	}
	lines = ini_lines(data, len, &n);
	if (s.present) {
		buf_append(out, data, s.digits_start);
		buf_printf(out, "%ld", f->at_least);
		buf_append(out, data + s.digits_end, len - s.digits_end);
		buf_printf(what, "%.*s on line %zu becomes %.*s%ld", (int)(s.digits_end -
		    s.digits_start + 2), data + s.digits_start - 2, s.line + 1, 2,
		    data + s.digits_start - 2, f->at_least);
	} else {
		buf_append(out, data, s.insert_at);
		buf_printf(out, " %s%ld", f->switch_name, f->at_least);
		buf_append(out, data + s.insert_at, len - s.insert_at);
		buf_printf(what, "%s%ld added to %s on line %zu (the default is %ld)",
		    f->switch_name, f->at_least, f->command, s.line + 1, f->dflt);
	}
	free(lines);
	return FIX_EDITED;
}

enum fix_status
fix_edit_startup(const struct kb_fix *f, const struct probe_dos_startup_in *in,
    struct buf out[2], char **what)
{
	struct probe_dos_startup_in cur = *in;
	struct probe_dos_startup st;
	struct buf b[2] = { BUF_INIT, BUF_INIT }, desc = BUF_INIT, tmp = BUF_INIT;
	const char *eolname, *eol[2];
	enum fix_status rc = FIX_NOT_APPLICABLE;
	size_t round, i;

	for (i = 0; i < 2; i++) {
		buf_reset(&out[i]);
		if (in->data[i])
			buf_append(&b[i], in->data[i], in->len[i]);
		eol[i] = probe_dos_eol(in->data[i] ? in->data[i] : "", in->len[i], &eolname);
	}
	for (round = 0; round <= 2 * f->ncommands + 2; round++) {
		for (i = 0; i < 2; i++)
			if (in->data[i]) {
				cur.data[i] = b[i].data ? b[i].data : "";
				cur.len[i] = b[i].len;
			}
		probe_dos_startup(f, &cur, &st);
		if (st.order == PROBE_DOS_ORDER_NA) {
			buf_reset(&desc);
			buf_puts(&desc, st.detail);
			rc = FIX_NOT_APPLICABLE;
			goto out;
		}
		if (st.order == PROBE_DOS_ORDER_OK) {
			rc = round == 0 ? FIX_ALREADY : FIX_EDITED;
			if (round == 0)
				buf_printf(&desc, "already in order: %s", st.detail);
			goto out;
		}
		if (st.order == PROBE_DOS_ORDER_MISSING) {
			int file = st.file[st.after];
			char *indent = fix_indent(b[file].data ? b[file].data : "", b[file].len,
			    st.line[st.after]);
			struct buf line = BUF_INIT;

			buf_printf(&line, "%s%s", indent, f->commands[st.bad].written);
			fix_insert(b[file].data ? b[file].data : "", b[file].len,
			    (long)st.line[st.after], buf_str(&line), eol[file], &tmp);
			buf_reset(&b[file]);
			buf_append(&b[file], tmp.data, tmp.len);
			buf_printf(&desc, "%s%s added after %s (line %zu of %s)", desc.len ? "; " :
			    "", f->commands[st.bad].written, f->commands[st.after].written,
			    st.line[st.after] + 1, in->path[file]);
			free(indent);
			buf_free(&line);
			continue;
		}
		/* EARLY: move the line at fault after the one it must follow. */
		{
			int fk = st.file[st.bad], fa = st.file[st.after];
			size_t lk = st.line[st.bad], la = st.line[st.after];

			if (fk != fa) {
				if (fk == 1 && fa == 0 && st.called_at >= 0) {
					fk = 0;	/* move the line that calls the batch file */
					lk = (size_t)st.called_at;
				} else if (fk == 0 && fa == 1 && st.called_at >= 0) {
					fa = 0;	/* after the line that calls it */
					la = (size_t)st.called_at;
				} else {
					buf_reset(&desc);
					buf_printf(&desc, "%s, in a way kbdiag does not rearrange "
					    "across %s and %s: put them in order by hand", st.detail,
					    in->path[0], in->path[1]);
					rc = FIX_NOT_APPLICABLE;
					goto out;
				}
			}
			fix_move(&b[fk], lk, la, eol[fk]);
			buf_printf(&desc, "%sline %zu (%s) moved after line %zu (%s) of %s",
			    desc.len ? "; " : "", lk + 1, f->commands[st.bad].written, la + 1,
			    fk == (int)st.file[st.after] || lk != (size_t)st.called_at ?
			    f->commands[st.after].written : "the call of the batch file",
			    in->path[fk]);
		}
	}
	buf_reset(&desc);
	buf_puts(&desc, "the start-up order could not be put right automatically");
out:
	if (rc == FIX_EDITED)
		for (i = 0; i < 2; i++)
			if (in->data[i] && (b[i].len != in->len[i] ||
			    memcmp(b[i].data, in->data[i], in->len[i]) != 0))
				buf_append(&out[i], b[i].data, b[i].len);
	if (what)
		*what = buf_detach(&desc);
	buf_free(&desc);
	buf_free(&b[0]);
	buf_free(&b[1]);
	buf_free(&tmp);
	return rc;
}

enum fix_status
fix_edit_text(const struct kb_fix *f, const char *data, size_t len, struct buf *out,
    char **what)
{
	struct buf desc = BUF_INIT;
	enum fix_status rc;

	buf_reset(out);
	switch (f->kind) {
	case KB_FIX_SET:
		rc = fix_edit_set(f, data, len, out, &desc);
		break;
	case KB_FIX_SWITCH:
		rc = fix_edit_switch(f, data, len, out, &desc);
		break;
	case KB_FIX_ORDER: {
		struct probe_dos_startup_in in;
		struct buf two[2] = { BUF_INIT, BUF_INIT };
		char *w = NULL;

		memset(&in, 0, sizeof(in));
		in.data[0] = data;
		in.len[0] = len;
		in.path[0] = f->file;
		rc = fix_edit_startup(f, &in, two, &w);
		if (two[0].len > 0)
			buf_append(out, two[0].data, two[0].len);
		buf_puts(&desc, w ? w : "");
		free(w);
		buf_free(&two[0]);
		buf_free(&two[1]);
		break;
	}
	default:
		buf_puts(&desc, "a replacement is not a text edit");
		rc = FIX_NOT_APPLICABLE;
		break;
	}
	if (rc != FIX_EDITED)
		buf_reset(out);
	if (what)
		*what = buf_detach(&desc);
	buf_free(&desc);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Diff                                                                     */

static int
fix_line_eq(const char *a, const struct ini_line *la, const char *b,
    const struct ini_line *lb)
{
	return la->end - la->start == lb->end - lb->start &&
	    memcmp(a + la->start, b + lb->start, la->end - la->start) == 0;
}

/* A line's content for display: printable ASCII and tabs kept, else \xNN. */
static void
fix_show(struct buf *out, char mark, const char *data, const struct ini_line *l)
{
	size_t i;

	buf_putc(out, mark);
	for (i = l->start; i < l->content_end; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\t' || (c >= 0x20 && c < 0x7f))
			buf_putc(out, (char)c);
		else
			buf_printf(out, "\\x%02X", c);
	}
	buf_putc(out, '\n');
}

/*
 * The lines of all of data, the bytes after a Ctrl-Z as one more line, so
 * that the diff sees every byte.
 */
static struct ini_line *
fix_diff_lines(const char *data, size_t len, size_t *n)
{
	struct ini_line *v = ini_lines(data, len, n);
	size_t text = ini_text_len(data, len);

	if (text < len) {
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[*n].start = text;
		v[*n].content_end = v[*n].end = len;
		(*n)++;
	}
	return v;
}

void
fix_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
    struct buf *out)
{
	struct ini_line *la, *lb;
	size_t na, nb, pre = 0, suf = 0, from, a_to, b_to, i;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return;
	la = fix_diff_lines(a, alen, &na);
	lb = fix_diff_lines(b, blen, &nb);
	while (pre < na && pre < nb && fix_line_eq(a, &la[pre], b, &lb[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre &&
	    fix_line_eq(a, &la[na - 1 - suf], b, &lb[nb - 1 - suf]))
		suf++;
	from = pre > FIX_CONTEXT ? pre - FIX_CONTEXT : 0;
	a_to = na - suf + (suf > FIX_CONTEXT ? FIX_CONTEXT : suf);
	b_to = nb - suf + (suf > FIX_CONTEXT ? FIX_CONTEXT : suf);
	buf_printf(out, "--- a/%s\n+++ b/%s\n", path, path);
	buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", a_to > from ? from + 1 : from,
	    a_to - from, b_to > from ? from + 1 : from, b_to - from);
	for (i = from; i < pre; i++)
		fix_show(out, ' ', a, &la[i]);
	for (i = pre; i < na - suf; i++)
		fix_show(out, '-', a, &la[i]);
	for (i = pre; i < nb - suf; i++)
		fix_show(out, '+', b, &lb[i]);
	for (i = na - suf; i < a_to; i++)
		fix_show(out, ' ', a, &la[i]);
	free(la);
	free(lb);
}

/* ---------------------------------------------------------------------- */
/* Hashes                                                                   */

void
fix_hash(const void *data, size_t len, unsigned char out[FIX_HASH_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, FIX_HASH_LEN, out);
}

void
fix_hash_hex(const unsigned char h[FIX_HASH_LEN], char out[2 * FIX_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < FIX_HASH_LEN; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[2 * FIX_HASH_LEN] = '\0';
}

/* ---------------------------------------------------------------------- */
/* The plan                                                                 */

/*
 * The first cause of inc not ruled out (NULL: none), *from_history cleared,
 * and its peer as a verdict names it ("host:port") into peer.
 */
static const struct diag_cause *
fix_standing(const struct diag_incident *inc, char peer[PEER_HOST_MAX + 16],
    int *from_history)
{
	size_t k;

	if (from_history)
		*from_history = 0;
	snprintf(peer, PEER_HOST_MAX + 16, "%s:%u", inc->peer.host ? inc->peer.host : "",
	    inc->peer.port ? inc->peer.port : 25);
	for (k = 0; k < inc->ncauses; k++)
		if (!inc->causes[k].ruled_out)
			return &inc->causes[k];
	return NULL;
}

const struct diag_cause *
fix_cause(const struct diagnosis *d, size_t i, int *from_history)
{
	const struct diag_incident *inc = &d->incidents[i];
	char peer[PEER_HOST_MAX + 16];
	/* (the peer once, not per verdict: a report asks for every incident) */
	const struct diag_cause *c = fix_standing(inc, peer, from_history);
	size_t k, h, j;

	/* A verify that found the fix did not work names the next cause. */
	for (h = 0; h < d->nhistory; h++)
		for (j = 0; j < d->history[h].nverdicts; j++) {
			const struct diag_verdict *v = &d->history[h].verdicts[j];

			if (v->article == NULL || strcmp(v->article, inc->article) != 0 ||
			    (v->peer != NULL && inc->peer.host != NULL && strcmp(v->peer, peer) != 0) ||
			    v->outcome == NULL || strcmp(v->outcome, "not-fixed") != 0 ||
			    v->next_cause == NULL)
				continue;
			for (k = 0; k < inc->ncauses; k++)
				if (strcmp(inc->causes[k].id, v->next_cause) == 0) {
					c = &inc->causes[k];
					if (from_history)
						*from_history = 1;
				}
		}
	return c;
}

/* A verdict that names a next cause, in the order of the history (seq). */
struct fix_named {
	const struct diag_verdict	*v;
	size_t				 seq;
};

struct fix_causes {
	const struct diagnosis	*d;
	struct fix_named	*v;	/* by article, peer (none first), seq down */
	size_t			 n;
};

static int
fix_cmp_peer(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
fix_cmp_named(const void *x, const void *y)
{
	const struct fix_named *a = x, *b = y;
	int c;

	if ((c = strcmp(a->v->article, b->v->article)) != 0 ||
	    (c = fix_cmp_peer(a->v->peer, b->v->peer)) != 0)
		return c;
	return (a->seq < b->seq) - (a->seq > b->seq);
}

struct fix_causes *
fix_causes_start(const struct diagnosis *d)
{
	struct fix_causes *fc = xcalloc(1, sizeof(*fc));
	size_t h, j, n = 0;

	fc->d = d;
	for (h = 0; h < d->nhistory; h++)
		n += d->history[h].nverdicts;
	fc->v = xcalloc(n + 1, sizeof(*fc->v));
	for (h = 0, n = 0; h < d->nhistory; h++)
		for (j = 0; j < d->history[h].nverdicts; j++) {
			const struct diag_verdict *v = &d->history[h].verdicts[j];

			if (v->article != NULL && v->outcome != NULL &&
			    strcmp(v->outcome, "not-fixed") == 0 && v->next_cause != NULL) {
				fc->v[fc->n].v = v;
				fc->v[fc->n++].seq = n;
			}
			n++;
		}
	qsort(fc->v, fc->n, sizeof(*fc->v), fix_cmp_named);
	return fc;
}

void
fix_causes_end(struct fix_causes *fc)
{
	if (fc == NULL)
		return;
	free(fc->v);
	free(fc);
}

/* The first of fc's verdicts not below (article, peer). */
static size_t
fix_named_at(const struct fix_causes *fc, const char *article, const char *peer)
{
	size_t lo = 0, hi = fc->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(fc->v[mid].v->article, article)) == 0)
			c = fix_cmp_peer(fc->v[mid].v->peer, peer);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The cause of inc that v names next, or NULL. */
static const struct diag_cause *
fix_named_cause(const struct diag_incident *inc, const struct diag_verdict *v)
{
	const struct diag_cause *c = NULL;
	size_t k;

	for (k = 0; k < inc->ncauses; k++)
		if (strcmp(inc->causes[k].id, v->next_cause) == 0)
			c = &inc->causes[k];
	return c;
}

/*
 * As fix_cause(): the latest verdict (the highest seq) of the incident's
 * article, and of its peer or of none (any, when the incident has no
 * host), whose next cause is one of the incident's.
 */
const struct diag_cause *
fix_cause_at(const struct fix_causes *fc, size_t i, int *from_history)
{
	const struct diag_incident *inc = &fc->d->incidents[i];
	const struct diag_cause *c, *named;
	size_t best = 0, a, b, ea, eb;
	char peer[PEER_HOST_MAX + 16];
	int found = 0;

	c = fix_standing(inc, peer, from_history);
	a = fix_named_at(fc, inc->article, NULL);
	for (ea = a; ea < fc->n && strcmp(fc->v[ea].v->article, inc->article) == 0 &&
	    (inc->peer.host == NULL || fc->v[ea].v->peer == NULL); ea++)
		if ((named = fix_named_cause(inc, fc->v[ea].v)) != NULL &&
		    (!found || fc->v[ea].seq > best)) {
			c = named;
			best = fc->v[ea].seq;
			found = 1;
			if (inc->peer.host != NULL)
				break;	/* the latest of those without a peer */
		}
	if (inc->peer.host != NULL) {
		b = fix_named_at(fc, inc->article, peer);
		for (eb = b; eb < fc->n && strcmp(fc->v[eb].v->article, inc->article) == 0 &&
		    fc->v[eb].v->peer != NULL && strcmp(fc->v[eb].v->peer, peer) == 0; eb++)
			if ((named = fix_named_cause(inc, fc->v[eb].v)) != NULL) {
				if (!found || fc->v[eb].seq > best) {
					c = named;
					found = 1;
				}
				break;	/* the latest of its peer's */
			}
	}
	if (from_history)
		*from_history = found;
	return c;
}

size_t
fix_for_cause(const struct kb *kb, const char *cause, const char *article,
    const struct kb_fix **out, size_t max)
{
	size_t i, j, n = 0;

	for (i = 0; i < kb_fix_count(kb) && n < max; i++) {
		const struct kb_fix *f = kb_fix_at(kb, i);
		int ok = f->narticles == 0;

		for (j = 0; j < f->narticles && !ok; j++)
			ok = strcasecmp(f->articles[j], article) == 0;
		if (ok && kb_fix_resolves(f, cause))
			out[n++] = f;
	}
	return n;
}

/* The files a plan reads and changes, as it goes. */
struct fix_file {
	char	*path;
	int	 binary;
	struct buf before;
	struct buf now;
	struct buf what;	/* "; "-joined */
	struct buf fixes;	/* ids */
	char	*section;
};

struct fix_files {
	int		 rootfd;
	struct fix_file	 v[FIX_MAX_FILES];
	size_t		 n;
};

/* The file at path, read once; NULL with err when it cannot be read. */
static struct fix_file *
fix_file_get(struct fix_files *fs, const char *path, size_t max, char err[ERR_LEN])
{
	struct fix_file *f;
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].path, path) == 0)
			return &fs->v[i];
	if (fs->n == FIX_MAX_FILES) {
		err_set(err, "%s: a plan changes at most %d files", path, FIX_MAX_FILES);
		return NULL;
	}
	f = &fs->v[fs->n];
	memset(f, 0, sizeof(*f));
	if (probe_dos_read(fs->rootfd, path, max, &f->before, NULL, err) != 0) {
		buf_free(&f->before);
		return NULL;
	}
	f->path = xstrdup(path);
	buf_append(&f->now, f->before.data, f->before.len);
	fs->n++;
	return f;
}

static void
fix_file_changed(struct fix_file *f, const struct kb_fix *k, const char *what,
    const char *section)
{
	buf_printf(&f->what, "%s%s", f->what.len ? "; " : "", what);
	buf_printf(&f->fixes, "%s%s", f->fixes.len ? " " : "", k->id);
	if (section && f->section == NULL)
		f->section = xstrdup(section);
}

static void
fix_files_free(struct fix_files *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		free(fs->v[i].path);
		buf_free(&fs->v[i].before);
		buf_free(&fs->v[i].now);
		buf_free(&fs->v[i].what);
		buf_free(&fs->v[i].fixes);
		free(fs->v[i].section);
	}
	fs->n = 0;
}

/*
 * ".NAME.kbdiag-PID", a temporary file of fix_write_at(): the pid, else 0.
 */
static long
fix_temp_pid(const char *name)
{
	const char *k = strstr(name, ".kbdiag-"), *d;
	long pid = 0;

	if (name[0] != '.' || k == NULL || k == name || k[8] == '\0')
		return 0;
	for (d = k + 8; *d; d++) {
		if (*d < '0' || *d > '9' || pid > 100000000)
			return 0;
		pid = pid * 10 + (*d - '0');
	}
	return pid;
}

/*
 * The temporary files a kbdiag fix that was killed left under the root
 * (its process is gone: it will never rename them). With remove, each is
 * removed (rootfd open) and said in msg; else each is a warning.
 */
static void
fix_stale(const struct probe_dos_tree *t, int rootfd, const char *dos_root,
    struct buf *msg, char ***warnings, size_t *nwarnings)
{
	size_t i;

	for (i = 0; t && i < t->nfiles; i++) {
		const char *path = t->files[i].path, *name;
		long pid = fix_temp_pid(t->files[i].name);
		char err[ERR_LEN];
		int dirfd;

		if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno == EPERM)
			continue;	/* not one, or its process may still write it */
		if (rootfd < 0) {
			fix_add(warnings, nwarnings, fix_fmt("%s is a temporary file left by a "
			    "kbdiag fix that did not finish (process %ld is gone); kbdiag fix "
			    "--apply or --undo removes it", path, pid));
			continue;
		}
		if ((dirfd = probe_dos_open_parent(rootfd, path, &name, err)) < 0)
			continue;
		if (unlinkat(dirfd, name, 0) == 0)
			buf_printf(msg, "Removed %s/%s, a temporary file left by a kbdiag fix that "
			    "did not finish (process %ld).\n", dos_root, path, pid);
		close(dirfd);
	}
}

/* One fix on the files. */
static int
fix_run(struct fix_files *fs, const struct probe_dos_tree *t, const struct kb *kb,
    struct fix_item *it, char err[ERR_LEN])
{
	const struct kb_fix *k = it->fix;
	struct buf out = BUF_INIT;
	struct fix_file *f;
	char *what = NULL;
	int rc = -1;

	switch (k->kind) {
	case KB_FIX_SET: {
		char why[ERR_LEN];
		const struct probe_dos_file *pf = probe_dos_lookup(t, k->file, why);
		struct probe_dos_setting s;

		if (pf == NULL && why[0]) {
			it->status = FIX_REFUSED;
			it->what = xstrdup(why);
			break;
		}
		if (pf == NULL) {
			it->status = FIX_NO_FILE;
			it->what = fix_fmt("no %s under the DOS root (the file is not invented)",
			    k->file);
			break;
		}
		if ((f = fix_file_get(fs, pf->path, FIX_TEXT_MAX, err)) == NULL)
			goto out;
		it->path = xstrdup(f->path);
		it->status = fix_edit_text(k, f->now.data ? f->now.data : "", f->now.len, &out,
		    &what);
		probe_dos_setting(k, f->now.data ? f->now.data : "", f->now.len, &s);
		if (it->status == FIX_EDITED) {
			fix_file_changed(f, k, what, s.section);
			buf_reset(&f->now);
			buf_append(&f->now, out.data, out.len);
		}
		it->what = what;
		what = NULL;
		break;
	}
	case KB_FIX_ORDER:
	case KB_FIX_SWITCH: {
		const char *command = k->kind == KB_FIX_ORDER ?
		    k->commands[k->ncommands - 1].name : k->command;
		struct probe_dos_startup_in in;
		struct buf bufs[2] = { BUF_INIT, BUF_INIT }, two[2] = { BUF_INIT, BUF_INIT };
		struct fix_file *ff[2] = { NULL, NULL };
		char why[ERR_LEN];
		size_t i;

		if (probe_dos_lookup(t, "AUTOEXEC.BAT", why) == NULL && why[0]) {
			it->status = FIX_REFUSED;
			it->what = xstrdup(why);
			break;
		}
		if (probe_dos_startup_files(fs->rootfd, t, command, &in, bufs, err) != 0) {
			buf_free(&bufs[0]);
			buf_free(&bufs[1]);
			goto out;
		}
		for (i = 0; i < 2; i++)
			if (in.path[i] != NULL) {
				if ((ff[i] = fix_file_get(fs, in.path[i], FIX_TEXT_MAX, err)) == NULL)
					break;
				/* What an earlier fix of this plan made of it. */
				in.data[i] = ff[i]->now.data ? ff[i]->now.data : "";
				in.len[i] = ff[i]->now.len;
			}
		if (i < 2 && in.path[i] != NULL) {
			buf_free(&bufs[0]);
			buf_free(&bufs[1]);
			goto out;
		}
		if (in.path[0] == NULL && in.path[1] == NULL) {
			it->status = FIX_NO_FILE;
			it->what = fix_fmt("no %s under the DOS root", k->file);
		} else if (k->kind == KB_FIX_ORDER) {
			it->status = fix_edit_startup(k, &in, two, &what);
			it->path = xstrdup(in.path[0] ? in.path[0] : in.path[1]);
			for (i = 0; i < 2 && it->status == FIX_EDITED; i++)
				if (two[i].len > 0 || (ff[i] && two[i].data)) {
					fix_file_changed(ff[i], k, what, NULL);
					buf_reset(&ff[i]->now);
					buf_append(&ff[i]->now, two[i].data, two[i].len);
				}
			it->what = what;
			what = NULL;
		} else {
			/* The switch goes on the line in the file that runs the command. */
			f = ff[in.path[1] ? 1 : 0];
			it->path = xstrdup(f->path);
			it->status = fix_edit_text(k, f->now.data ? f->now.data : "", f->now.len,
			    &out, &what);
			if (it->status == FIX_EDITED) {
				fix_file_changed(f, k, what, NULL);
				buf_reset(&f->now);
				buf_append(&f->now, out.data, out.len);
			}
			it->what = what;
			what = NULL;
		}
		buf_free(&bufs[0]);
		buf_free(&bufs[1]);
		buf_free(&two[0]);
		buf_free(&two[1]);
		break;
	}
	case KB_FIX_REPLACE: {
		struct probe_dos_variant v;
		struct buf src = BUF_INIT;
		const char *stack = probe_dos_stack(t, NULL);
		char why[ERR_LEN];

		if (probe_dos_lookup(t, k->file, why) == NULL && why[0]) {
			it->status = FIX_REFUSED;
			it->what = xstrdup(why);
			break;
		}
		if (probe_dos_variant(fs->rootfd, t, kb, k, stack, &v, err) != 0)
			goto out;
		if (v.exe == NULL) {
			it->status = FIX_NO_FILE;
			it->what = fix_fmt("%s", v.detail);
			break;
		}
		it->path = xstrdup(v.exe->path);
		it->status = FIX_NOT_APPLICABLE;
		if (v.is == NULL)
			it->what = fix_fmt("%s: which stack it is built for is not known", v.detail);
		else if (stack == NULL)
			it->what = fix_fmt("%s; no file shows which stack the PC runs", v.detail);
		else if (strcmp(v.is->stack, stack) == 0) {
			it->status = FIX_ALREADY;
			it->what = fix_fmt("%s, which the PC runs", v.detail);
		} else if (v.want == NULL)
			it->what = fix_fmt("%s, and the PC runs %s, for which the gateway has no "
			    "variant", v.detail, stack);
		else if (v.source == NULL)
			it->what = fix_fmt("%s, but the PC runs %s: %s is not under the DOS root; "
			    "copy it there from the gateway disk", v.detail, v.want->stack_name,
			    v.want->file);
		else {
			if ((f = fix_file_get(fs, v.exe->path, FIX_EXE_MAX, err)) == NULL)
				goto out;
			if (probe_dos_read(fs->rootfd, v.source->path, FIX_EXE_MAX, &src, NULL,
			    err) != 0) {
				buf_free(&src);
				goto out;
			}
			it->status = FIX_EDITED;
			it->what = fix_fmt("replace %s (%s, the variant for %s) with %s from the "
			    "gateway disk (the variant for %s)", v.exe->path, v.is->file,
			    v.is->stack_name, v.source->path, v.want->stack_name);
			f->binary = 1;
			fix_file_changed(f, k, it->what, NULL);
			buf_reset(&f->now);
			buf_append(&f->now, src.data, src.len);
		}
		buf_free(&src);
		break;
	}
	}
	rc = 0;
out:
	free(what);
	buf_free(&out);
	return rc;
}

/* The summary of a replacement, in place of a diff. */
static void
fix_binary_diff(const struct fix_file *f, const unsigned char hb[FIX_HASH_LEN],
    const unsigned char ha[FIX_HASH_LEN], struct buf *out)
{
	char xb[2 * FIX_HASH_LEN + 1], xa[2 * FIX_HASH_LEN + 1];

	fix_hash_hex(hb, xb);
	fix_hash_hex(ha, xa);
	buf_printf(out, "--- a/%s\t(%zu bytes, SHA-256 %.16s...)\n+++ b/%s\t(%zu bytes, "
	    "SHA-256 %.16s...)\nBinary file replaced: %s\n", f->path, f->before.len, xb,
	    f->path, f->now.len, xa, buf_str(&f->what));
}

int
fix_plan(const struct diagnosis *d, const char *dos_root, const struct kb *kb,
    struct fix_plan **out, char err[ERR_LEN])
{
	struct fix_plan *p = xcalloc(1, sizeof(*p));
	struct probe_dos_tree *t = NULL;
	struct fix_causes *causes = NULL;
	struct fix_files fs;
	struct buf names = BUF_INIT;
	size_t i, j, k;
	int rc = -1;

	*out = NULL;
	memset(&fs, 0, sizeof(fs));
	fs.rootfd = -1;
	/* The fixes for each incident's cause, each fix once, rule-base order. */
	causes = d ? fix_causes_start(d) : NULL;
	for (i = 0; d && i < d->nincidents; i++) {
		const struct diag_incident *inc = &d->incidents[i];
		const struct diag_cause *c = fix_cause_at(causes, i, NULL);
		const struct kb_fix *fx[16];
		size_t n;

		if (c == NULL)
			continue;
		n = fix_for_cause(kb, c->id, inc->article, fx, 16);
		for (j = 0; j < n; j++) {
			struct fix_item *it = NULL;

			for (k = 0; k < p->nitems; k++)
				if (p->items[k].fix == fx[j])
					it = &p->items[k];
			if (it == NULL) {
				p->items = xrealloc(p->items, (p->nitems + 1) * sizeof(*p->items));
				it = &p->items[p->nitems++];
				memset(it, 0, sizeof(*it));
				it->fix = fx[j];
				it->id = xstrdup(fx[j]->id);
				it->title = xstrdup(fx[j]->title);
				it->cause = xstrdup(c->id);
				it->status = FIX_NO_ROOT;
			}
			for (k = 0; k < it->narticles; k++)
				if (strcmp(it->articles[k], inc->article) == 0)
					break;
			if (k == it->narticles)
				fix_add(&it->articles, &it->narticles, xstrdup(inc->article));
			for (k = 0; k < p->narticles; k++)
				if (strcmp(p->articles[k], inc->article) == 0)
					break;
			if (k == p->narticles)
				fix_add(&p->articles, &p->narticles, xstrdup(inc->article));
		}
	}
	/* Keep them in rule-base order, so that the plan does not depend on
	   the order of the incidents. */
	for (i = 1; i < p->nitems; i++)
		for (j = i; j > 0 && p->items[j].fix < p->items[j - 1].fix; j--) {
			struct fix_item tmp = p->items[j];

			p->items[j] = p->items[j - 1];
			p->items[j - 1] = tmp;
		}
	if (p->nitems == 0) {
		fix_add(&p->notes, &p->nnotes, xstrdup("No incident's standing cause has an "
		    "edit in the rule base: there is no edit to propose."));
		goto done;
	}
	if (dos_root == NULL) {
		for (i = 0; i < p->nitems; i++)
			buf_printf(&names, "%s%s (%s)", i ? "; " : "", p->items[i].title,
			    p->items[i].id);
		fix_add(&p->notes, &p->nnotes, fix_fmt("No --dos-root was given: the edit%s "
		    "would be: %s. Give the DOS client's directory to see %s as diffs.",
		    p->nitems == 1 ? "" : "s", buf_str(&names), p->nitems == 1 ? "it" : "them"));
		goto done;
	}
	if (probe_dos_scan(dos_root, &t, err) != 0)
		goto fail;
	if ((fs.rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_set(err, "cannot read the DOS root %s: %s", dos_root, strerror(errno));
		goto fail;
	}
	fix_stale(t, -1, dos_root, NULL, &p->warnings, &p->nwarnings);
	for (i = 0; i < p->nitems; i++) {
		struct fix_item *it = &p->items[i];

		if (fix_run(&fs, t, kb, it, err) != 0)
			goto fail;
		if (it->status == FIX_ALREADY)
			fix_add(&p->notes, &p->nnotes, fix_fmt("%s (%s): %s%s%s: nothing to do.",
			    it->title, it->id, it->path ? it->path : "", it->path ? ": " : "",
			    it->what));
		else if (it->status != FIX_EDITED)
			fix_add(&p->notes, &p->nnotes, fix_fmt("%s (%s): %s%s%s: nothing is "
			    "proposed.", it->title, it->id, it->path ? it->path : "",
			    it->path ? ": " : "", it->what));
		/* The setting has no effect with a TCPTSR.EXE that ignores it. */
		if (it->status == FIX_EDITED && it->fix->in_place_source &&
		    strcmp(it->fix->in_place_source->id, "protocol-ini") == 0) {
			struct probe_result r[PROBE_DOS_NRESULTS];

			for (k = 0; k < PROBE_DOS_NRESULTS; k++)
				probe_result_init(&r[k], "file", "file");
			probe_dos_run(dos_root, kb, r);
			if (r[PROBE_DOS_TCPTSR].value &&
			    strcmp(r[PROBE_DOS_TCPTSR].value, "too-old") == 0)
				fix_add(&p->warnings, &p->nwarnings, fix_fmt("%s is older than 2.2b "
				    "(%s): it ignores ForcePushBit, so the edit has no effect until "
				    "TCPTSR.EXE 2.2b or later is installed (Q123827).",
				    r[PROBE_DOS_TCPTSR].target ? r[PROBE_DOS_TCPTSR].target :
				    "TCPTSR.EXE", r[PROBE_DOS_TCPTSR].detail ?
				    r[PROBE_DOS_TCPTSR].detail : "?"));
			for (k = 0; k < PROBE_DOS_NRESULTS; k++) {
				free(r[k].probe);
				free(r[k].source);
				free(r[k].value);
				free(r[k].target);
				free(r[k].detail);
			}
		}
	}
	for (i = 0; i < fs.n; i++) {
		struct fix_file *f = &fs.v[i];
		struct fix_edit *e;
		struct buf diff = BUF_INIT;

		if (f->now.len == f->before.len && (f->now.len == 0 ||
		    memcmp(f->now.data, f->before.data, f->now.len) == 0))
			continue;
		p->edits = xrealloc(p->edits, (p->nedits + 1) * sizeof(*p->edits));
		e = &p->edits[p->nedits++];
		memset(e, 0, sizeof(*e));
		e->path = xstrdup(f->path);
		e->shown = text_sanitize(f->path, strlen(f->path), 0);
		e->section = xstrdup(f->section ? f->section : "");
		e->what = xstrdup(buf_str(&f->what));
		e->fixes = xstrdup(buf_str(&f->fixes));
		e->binary = f->binary;
		e->before_len = f->before.len;
		e->before = fix_memdup(f->before.data ? f->before.data : "", f->before.len);
		e->after_len = f->now.len;
		e->after = fix_memdup(f->now.data ? f->now.data : "", f->now.len);
		fix_hash(e->before, e->before_len, e->hash_before);
		fix_hash(e->after, e->after_len, e->hash_after);
		if (f->binary) {
			fix_binary_diff(f, e->hash_before, e->hash_after, &diff);
			fix_safe_msg(&diff, 0, NULL);	/* names of the tree */
		} else
			fix_diff(e->shown, e->before, e->before_len, e->after, e->after_len, &diff);
		e->diff = buf_detach(&diff);
	}
done:
	/* Everything a person reads quotes the files (values, commands, names):
	 * made safe to show here, once (the paths used to write stay as found). */
	for (i = 0; i < p->nitems; i++) {
		fix_safe(&p->items[i].what);
		fix_safe(&p->items[i].path);
	}
	for (i = 0; i < p->nnotes; i++)
		fix_safe(&p->notes[i]);
	for (i = 0; i < p->nwarnings; i++)
		fix_safe(&p->warnings[i]);
	for (i = 0; i < p->nedits; i++) {
		fix_safe(&p->edits[i].what);
		fix_safe(&p->edits[i].section);
	}
	*out = p;
	p = NULL;
	rc = 0;
fail:
	if (fs.rootfd >= 0)
		close(fs.rootfd);
	fix_files_free(&fs);
	probe_dos_tree_free(t);
	buf_free(&names);
	fix_causes_end(causes);
	fix_plan_free(p);
	return rc;
}

static void
fix_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
fix_plan_free(struct fix_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nedits; i++) {
		free(p->edits[i].path);
		free(p->edits[i].shown);
		free(p->edits[i].section);
		free(p->edits[i].what);
		free(p->edits[i].fixes);
		free(p->edits[i].before);
		free(p->edits[i].after);
		free(p->edits[i].diff);
	}
	free(p->edits);
	for (i = 0; i < p->nitems; i++) {
		free(p->items[i].id);
		free(p->items[i].title);
		free(p->items[i].cause);
		fix_strv_free(p->items[i].articles, p->items[i].narticles);
		free(p->items[i].path);
		free(p->items[i].what);
	}
	free(p->items);
	fix_strv_free(p->articles, p->narticles);
	fix_strv_free(p->notes, p->nnotes);
	fix_strv_free(p->warnings, p->nwarnings);
	free(p);
}

/* ---------------------------------------------------------------------- */
/* Writing files                                                            */

/* dirfd/name replaced by data (file_replace_at()), the temporary file named
 * ".NAME.kbdiag-PID" so that fix_stale() knows whose it is. */
static int
fix_write_at(int dirfd, const char *name, const char *shown, const char *data, size_t len,
    mode_t mode, char err[ERR_LEN])
{
	char tmp[300];

	if (snprintf(tmp, sizeof(tmp), ".%s.kbdiag-%ld", name, (long)getpid()) >=
	    (int)sizeof(tmp))
		return err_set(err, "%s: file name too long", shown);
	return file_replace_at(dirfd, name, tmp, data, len, mode, shown, err);
}

/* rel under the root replaced by data, its permissions kept. */
static int
fix_replace(int rootfd, const char *rel, const char *data, size_t len, char err[ERR_LEN])
{
	struct stat st;
	const char *name;
	int dirfd, rc;

	if ((dirfd = probe_dos_open_parent(rootfd, rel, &name, err)) < 0)
		return -1;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
		close(dirfd);
		return err_set(err, "%s: no longer a regular file", rel);
	}
	rc = fix_write_at(dirfd, name, rel, data, len, st.st_mode & 07777, err);
	close(dirfd);
	return rc;
}

/* The current time, UTC, ISO 8601. */
static void
fix_now(char out[32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A journal value: no tab, no line end. */
static void
fix_journal_value(struct buf *b, const char *s)
{
	for (; *s; s++)
		buf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

/* ---------------------------------------------------------------------- */
/* The journal                                                              */

/* A name in FIX_DIR: no '/', not hidden, no control characters. */
static int
fix_plain_name(const char *s)
{
	const unsigned char *p;

	if (s[0] == '\0' || s[0] == '.' || strlen(s) > 255)
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* A path under the root: no "." or ".." component, not absolute. */
static int
fix_plain_path(const char *s)
{
	const char *p = s;

	if (s[0] == '\0' || s[0] == '/' || strlen(s) > 1000)
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/')
			p++;
		else
			break;
	}
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return s[strlen(s) - 1] != '/';
}

static int
fix_hex64(const char *s)
{
	return strlen(s) == 2 * FIX_HASH_LEN &&
	    strspn(s, "0123456789abcdef") == 2 * FIX_HASH_LEN;
}

void
fix_journal_free(struct fix_journal *j)
{
	size_t i;

	if (j == NULL)
		return;
	free(j->applied);
	for (i = 0; i < j->nfiles; i++) {
		free(j->files[i].path);
		free(j->files[i].backup);
		free(j->files[i].written);
	}
	free(j->files);
	for (i = 0; i < j->nfixes; i++) {
		free(j->fixes[i].id);
		free(j->fixes[i].path);
		free(j->fixes[i].what);
	}
	free(j->fixes);
	free(j);
}

/* Split line s[0..n) at tabs into at most max fields (copies). */
static size_t
fix_fields(const char *s, size_t n, char **f, size_t max)
{
	size_t k = 0;

	while (k < max) {
		const char *tab = memchr(s, '\t', n);
		size_t len = tab ? (size_t)(tab - s) : n;

		f[k++] = xstrndup(s, len);
		if (tab == NULL)
			break;
		n -= len + 1;
		s = tab + 1;
	}
	return k;
}

int
fix_journal_parse(const char *data, size_t len, struct fix_journal **out, char err[ERR_LEN])
{
	struct fix_journal *j = xcalloc(1, sizeof(*j));
	const char *p, *end = data + len;
	struct fix_journal_file v1;
	size_t i, k;

	*out = NULL;
	memset(&v1, 0, sizeof(v1));
	if (len >= strlen(FIX_JOURNAL_MAGIC2) &&
	    memcmp(data, FIX_JOURNAL_MAGIC2, strlen(FIX_JOURNAL_MAGIC2)) == 0) {
		j->version = 2;
		p = data + strlen(FIX_JOURNAL_MAGIC2);
	} else if (len >= strlen(FIX_JOURNAL_MAGIC1) &&
	    memcmp(data, FIX_JOURNAL_MAGIC1, strlen(FIX_JOURNAL_MAGIC1)) == 0) {
		j->version = 1;
		p = data + strlen(FIX_JOURNAL_MAGIC1);
	} else {
		err_set(err, "the journal does not start with '%.*s'",
		    (int)strlen(FIX_JOURNAL_MAGIC2) - 1, FIX_JOURNAL_MAGIC2);
		goto fail;
	}
	if (memchr(data, '\0', len) != NULL) {
		err_set(err, "the journal holds a NUL byte");
		goto fail;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *f[6] = { NULL };
		size_t nf;

		if (nl == NULL) {
			err_set(err, "the journal's last line has no line end");
			goto fail;
		}
		nf = fix_fields(p, (size_t)(nl - p), f, 6);
		p = nl + 1;
		if (nf < 2) {
			err_set(err, "the journal has a malformed line");
			for (k = 0; k < nf; k++)
				free(f[k]);
			goto fail;
		}
		if (j->version == 1) {
			char **dst = strcmp(f[0], "path") == 0 ? &v1.path :
			    strcmp(f[0], "backup") == 0 ? &v1.backup : NULL;

			if (dst) {
				free(*dst);
				*dst = f[1];
				f[1] = NULL;
			} else if (strcmp(f[0], "before") == 0 || strcmp(f[0], "after") == 0)
				snprintf(f[0][0] == 'b' ? v1.before : v1.after, sizeof(v1.before),
				    "%s", f[1]);
		} else if (strcmp(f[0], "applied") == 0) {
			free(j->applied);
			j->applied = text_sanitize(f[1], strlen(f[1]), 64);
		} else if (strcmp(f[0], "fix") == 0 && nf == 4) {
			struct fix_journal_fix *x;

			if (j->nfixes == 64) {
				err_set(err, "the journal lists more than 64 fixes");
				for (k = 0; k < nf; k++)
					free(f[k]);
				goto fail;
			}
			j->fixes = xrealloc(j->fixes, (j->nfixes + 1) * sizeof(*j->fixes));
			x = &j->fixes[j->nfixes++];
			x->id = text_sanitize(f[1], strlen(f[1]), 100);
			x->path = text_sanitize(f[2], strlen(f[2]), 1000);
			x->what = text_sanitize(f[3], strlen(f[3]), 1000);
		} else if (strcmp(f[0], "file") == 0 && nf == 6) {
			struct fix_journal_file *x;

			if (j->nfiles == FIX_MAX_FILES) {
				err_set(err, "the journal lists more than %d files", FIX_MAX_FILES);
				for (k = 0; k < nf; k++)
					free(f[k]);
				goto fail;
			}
			j->files = xrealloc(j->files, (j->nfiles + 1) * sizeof(*j->files));
			x = &j->files[j->nfiles++];
			memset(x, 0, sizeof(*x));
			x->path = f[1];
			x->backup = f[2];
			x->written = f[3];
			snprintf(x->before, sizeof(x->before), "%s", f[4]);
			snprintf(x->after, sizeof(x->after), "%s", f[5]);
			f[1] = f[2] = f[3] = NULL;
			if (!fix_plain_path(x->path) || !fix_plain_name(x->backup) ||
			    !fix_plain_name(x->written) || !fix_hex64(x->before) ||
			    !fix_hex64(x->after) || strcmp(x->backup, x->written) == 0 ||
			    strcmp(x->backup, FIX_JOURNAL) == 0 ||
			    strcmp(x->written, FIX_JOURNAL) == 0) {
				err_set(err, "the journal's file line %zu is not a plain path, two "
				    "backup names and two SHA-256 hashes", j->nfiles);
				for (k = 0; k < nf; k++)
					free(f[k]);
				goto fail;
			}
		}
		for (k = 0; k < nf; k++)
			free(f[k]);
	}
	if (j->version == 1) {
		if (v1.path == NULL || v1.backup == NULL || !fix_plain_path(v1.path) ||
		    !fix_plain_name(v1.backup) || strcmp(v1.backup, FIX_JOURNAL) == 0 ||
		    !fix_hex64(v1.before) || !fix_hex64(v1.after)) {
			err_set(err, "the journal lacks the path, the backup or a hash");
			goto fail;
		}
		j->files = xcalloc(1, sizeof(*j->files));
		j->files[0] = v1;
		j->nfiles = 1;
		v1.path = v1.backup = NULL;	/* the journal's now */
	}
	if (j->nfiles == 0) {
		err_set(err, "the journal names no file");
		goto fail;
	}
	/* Two entries for one file, or one backup name twice, would lose bytes. */
	for (i = 0; i < j->nfiles; i++)
		for (k = i + 1; k < j->nfiles; k++)
			if (strcmp(j->files[i].path, j->files[k].path) == 0 ||
			    strcmp(j->files[i].backup, j->files[k].backup) == 0 ||
			    (j->files[i].written && j->files[k].written &&
			    strcmp(j->files[i].written, j->files[k].written) == 0) ||
			    (j->files[k].written && strcmp(j->files[i].backup,
			    j->files[k].written) == 0) || (j->files[i].written &&
			    strcmp(j->files[i].written, j->files[k].backup) == 0)) {
				err_set(err, "the journal names a file or a backup twice");
				goto fail;
			}
	*out = j;
	return 0;
fail:
	free(v1.path);
	free(v1.backup);
	fix_journal_free(j);
	return -1;
}

int
fix_journal_load(const char *dos_root, struct fix_journal **out, char err[ERR_LEN])
{
	struct buf jb = BUF_INIT;
	char jshown[1200], tmp[ERR_LEN];
	int rootfd, kfd, rc = -1;

	*out = NULL;
	if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot open the DOS root %s: %s", dos_root,
		    strerror(errno));
	snprintf(jshown, sizeof(jshown), "%s/%s/%s", dos_root, FIX_DIR, FIX_JOURNAL);
	kfd = openat(rootfd, FIX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kfd < 0 && errno == ENOENT)
		rc = 0;
	else if (kfd < 0)
		err_set(err, "cannot open %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
	else if (probe_dos_read_at(kfd, FIX_JOURNAL, jshown, FIX_JOURNAL_MAX, &jb, NULL,
	    err) != 0)
		rc = errno == ENOENT ? 0 : -1;
	else if (fix_journal_parse(jb.data ? jb.data : "", jb.len, out, tmp) != 0) {
		snprintf(err, ERR_LEN, "%.200s: %.300s", jshown, tmp);
		rc = -1;
	} else
		rc = 1;
	if (kfd >= 0)
		close(kfd);
	close(rootfd);
	buf_free(&jb);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Apply and undo                                                           */

/* The journal in kfd (FIX_DIR) removed, then its backups; 0, or -1 with err. */
static int
fix_journal_remove(int kfd, const struct fix_journal *j, const char *dos_root,
    char err[ERR_LEN])
{
	size_t i;

	if (unlinkat(kfd, FIX_JOURNAL, 0) != 0)
		return err_set(err, "cannot remove %s/%s/%s: %s", dos_root, FIX_DIR,
		    FIX_JOURNAL, strerror(errno));
	for (i = 0; i < j->nfiles; i++) {
		unlinkat(kfd, j->files[i].backup, 0);
		if (j->files[i].written)
			unlinkat(kfd, j->files[i].written, 0);
	}
	fsync(kfd);
	return 0;
}

/*
 * The journal of an earlier --apply that replaced none of its files (it
 * failed, or was killed, between the journal and the first rename): every
 * file is still its original. Then it is removed with its backups (1);
 * 0 when a file is what that --apply wrote (or something else), -1 with err.
 */
static int
fix_unfinished(const char *dos_root, int rootfd, int kfd, struct buf *msg,
    char err[ERR_LEN])
{
	struct fix_journal *j = NULL;
	struct buf cur = BUF_INIT;
	unsigned char h[FIX_HASH_LEN];
	char hex[2 * FIX_HASH_LEN + 1];
	size_t i;
	int rc = 0;

	if (fix_journal_load(dos_root, &j, err) <= 0)
		return -1;
	for (i = 0; i < j->nfiles; i++) {
		if (probe_dos_read(rootfd, j->files[i].path, FIX_EXE_MAX, &cur, NULL, err) != 0)
			goto out;
		fix_hash(cur.data ? cur.data : "", cur.len, h);
		fix_hash_hex(h, hex);
		if (strcmp(hex, j->files[i].before) != 0)
			goto out;
	}
	if ((rc = fix_journal_remove(kfd, j, dos_root, err)) != 0)
		goto out;
	buf_printf(msg, "Removed the journal of an earlier --apply%s%s that did not finish: "
	    "none of its %zu file%s had been changed.\n", j->applied ? " of " : "",
	    j->applied ? j->applied : "", j->nfiles, j->nfiles == 1 ? "" : "s");
	rc = 1;
out:
	buf_free(&cur);
	fix_journal_free(j);
	return rc;
}

/*
 * With no journal, backups in FIX_DIR belong to no apply: one that was
 * killed before it wrote its journal. They are removed (under the lock).
 */
static void
fix_orphans(int kfd, const char *dos_root, struct buf *msg)
{
	struct dirent *e;
	DIR *dir;
	int fd = dup(kfd);

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		struct stat st;

		if (e->d_name[0] == '.' || !((n > 5 && strcmp(e->d_name + n - 5, ".orig") == 0) ||
		    (n > 4 && strcmp(e->d_name + n - 4, ".new") == 0)))
			continue;
		if (fstatat(kfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || unlinkat(kfd, e->d_name, 0) != 0)
			continue;
		buf_printf(msg, "Removed %s/%s/%s, a copy an --apply made before it was stopped "
		    "(it wrote no journal).\n", dos_root, FIX_DIR, e->d_name);
	}
	closedir(dir);
}

static int
fix_apply_raw(const struct fix_plan *p, const char *dos_root, struct buf *msg,
    char err[ERR_LEN])
{
	struct probe_dos_tree *t = NULL;
	struct buf cur = BUF_INIT, rec = BUF_INIT;
	unsigned char h[FIX_HASH_LEN];
	char hex[2 * FIX_HASH_LEN + 1], hex2[2 * FIX_HASH_LEN + 1], when[32];
	char backup[FIX_MAX_FILES][300], written[FIX_MAX_FILES][300];
	size_t i, k, done = 0, nbackups = 0;
	int rootfd, kfd = -1, rc = -1, made_dir = 0, journal = 0;

	if (p->nedits == 0) {
		buf_puts(msg, "Nothing to apply.\n");
		return 0;
	}
	if (p->nedits > FIX_MAX_FILES)
		return err_set(err, "the plan changes more than %d files", FIX_MAX_FILES);
	if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot open the DOS root %s: %s", dos_root,
		    strerror(errno));
	/* Every file as planned, before anything is written. */
	for (i = 0; i < p->nedits; i++) {
		const struct fix_edit *e = &p->edits[i];
		const char *base;

		if (strpbrk(e->path, "\t\n\r") != NULL || !fix_plain_path(e->path)) {
			err_set(err, "%s: a name with a tab or line end cannot be journalled",
			    e->path);
			goto out;
		}
		if (probe_dos_read(rootfd, e->path, e->binary ? FIX_EXE_MAX : FIX_TEXT_MAX, &cur,
		    NULL, err) != 0)
			goto out;
		fix_hash(cur.data ? cur.data : "", cur.len, h);
		if (memcmp(h, e->hash_before, FIX_HASH_LEN) != 0) {
			fix_hash_hex(h, hex);
			fix_hash_hex(e->hash_before, hex2);
			err_set(err, "%s/%s changed since the plan (SHA-256 now %.12s..., planned "
			    "%.12s...): nothing written; run kbdiag fix again", dos_root, e->path,
			    hex, hex2);
			goto out;
		}
		/* NAME.orig, or NAME.N.orig when two files share a name. */
		base = strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path;
		snprintf(backup[i], sizeof(backup[i]), "%.250s.orig", base);
		for (k = 0; k < i; k++)
			if (strcmp(backup[k], backup[i]) == 0)
				snprintf(backup[i], sizeof(backup[i]), "%.250s.%zu.orig", base, i + 1);
		snprintf(written[i], sizeof(written[i]), "%.250s.%zu.new", base, i + 1);
	}
	if (mkdirat(rootfd, FIX_DIR, 0700) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		err_set(err, "cannot make %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
		goto out;
	}
	kfd = openat(rootfd, FIX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kfd < 0) {
		err_set(err, "cannot open %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
		goto out;
	}
	/* One apply or undo at a time under a root: the others are refused. */
	if (flock(kfd, LOCK_EX | LOCK_NB) != 0) {
		err_set(err, "another kbdiag fix is applying or undoing under %s (it holds the "
		    "lock on %s/%s): nothing written; try again when it is done", dos_root,
		    dos_root, FIX_DIR);
		made_dir = 0;	/* it is that one's */
		goto out;
	}
	if (probe_dos_scan(dos_root, &t, err) != 0)
		goto out;
	fix_stale(t, rootfd, dos_root, msg, NULL, NULL);
	if (faccessat(kfd, FIX_JOURNAL, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		int u = fix_unfinished(dos_root, rootfd, kfd, msg, err);

		if (u < 0)
			goto out;
		if (u == 0) {
			err_set(err, "an earlier --apply is not undone (%s/%s/%s): run kbdiag fix "
			    "--undo first", dos_root, FIX_DIR, FIX_JOURNAL);
			goto out;
		}
	} else
		fix_orphans(kfd, dos_root, msg);
	for (i = 0; i < p->nedits; i++, nbackups++)
		if (fix_write_at(kfd, backup[i], backup[i], p->edits[i].before,
		    p->edits[i].before_len, 0600, err) != 0 ||
		    fix_write_at(kfd, written[i], written[i], p->edits[i].after,
		    p->edits[i].after_len, 0600, err) != 0)
			goto fail;
	fix_now(when);
	buf_puts(&rec, FIX_JOURNAL_MAGIC2);
	buf_printf(&rec, "applied\t%s\n", when);
	for (i = 0; i < p->nitems; i++) {
		if (p->items[i].status != FIX_EDITED)
			continue;
		buf_printf(&rec, "fix\t%s\t", p->items[i].id);
		fix_journal_value(&rec, p->items[i].path ? p->items[i].path : "");
		buf_putc(&rec, '\t');
		fix_journal_value(&rec, p->items[i].what ? p->items[i].what : "");
		buf_putc(&rec, '\n');
	}
	for (i = 0; i < p->nedits; i++) {
		fix_hash_hex(p->edits[i].hash_before, hex);
		fix_hash_hex(p->edits[i].hash_after, hex2);
		buf_printf(&rec, "file\t%s\t%s\t%s\t%s\t%s\n", p->edits[i].path, backup[i],
		    written[i], hex, hex2);
	}
	/* The journal first: a crash before the renames leaves the originals
	 * (and the next --apply removes such a journal: fix_unfinished()). */
	journal = 1;	/* it may be there even when the write says it failed */
	if (fix_write_at(kfd, FIX_JOURNAL, FIX_JOURNAL, rec.data, rec.len, 0600, err) != 0)
		goto fail;
	for (done = 0; done < p->nedits; done++)
		if (fix_replace(rootfd, p->edits[done].path, p->edits[done].after,
		    p->edits[done].after_len, err) != 0)
			goto fail;
	for (i = 0; i < p->nedits; i++)
		buf_printf(msg, "Wrote %s/%s: %s.\n", dos_root, p->edits[i].shown,
		    p->edits[i].what);
	buf_printf(msg, "The original%s %s kept in %s/%s (", p->nedits == 1 ? "" : "s",
	    p->nedits == 1 ? "is" : "are", dos_root, FIX_DIR);
	for (i = 0; i < p->nedits; i++) {
		fix_hash_hex(p->edits[i].hash_before, hex);
		buf_printf(msg, "%s%s, SHA-256 %s", i ? "; " : "", backup[i], hex);
	}
	buf_printf(msg, "); the journal is %s/%s/%s.\nTo undo: kbdiag fix --undo "
	    "--dos-root %s\n", dos_root, FIX_DIR, FIX_JOURNAL, dos_root);
	rc = 0;
	goto out;
fail:
	{
		char why[ERR_LEN];
		int kept = 0;

		/*
		 * Put back what was written: every file up to the one that failed
		 * (whose rename may have happened before an error after it) that
		 * is what this apply wrote. The journal stays only when one cannot
		 * be put back, for --undo; else everything this apply made goes.
		 */
		snprintf(why, sizeof(why), "%s", err);
		for (k = 0; k <= done && k < p->nedits; k++) {
			if (probe_dos_read(rootfd, p->edits[k].path, FIX_EXE_MAX, &cur, NULL,
			    err) != 0) {
				kept = 1;
				break;
			}
			fix_hash(cur.data ? cur.data : "", cur.len, h);
			if (memcmp(h, p->edits[k].hash_before, FIX_HASH_LEN) == 0)
				continue;
			if (memcmp(h, p->edits[k].hash_after, FIX_HASH_LEN) != 0 ||
			    fix_replace(rootfd, p->edits[k].path, p->edits[k].before,
			    p->edits[k].before_len, err) != 0) {
				kept = 1;
				break;
			}
		}
		if (kept) {
			err_set(err, "%s; the files written are not all put back: run kbdiag "
			    "fix --undo", why);
			goto out;
		}
		if (journal)
			unlinkat(kfd, FIX_JOURNAL, 0);
		for (k = 0; k < nbackups + (nbackups < p->nedits); k++) {
			unlinkat(kfd, backup[k], 0);
			unlinkat(kfd, written[k], 0);
		}
		fsync(kfd);
		if (made_dir) {
			close(kfd);
			kfd = -1;
			unlinkat(rootfd, FIX_DIR, AT_REMOVEDIR);	/* only when empty */
		}
		err_set(err, "%s; nothing is changed", why);
	}
out:
	if (kfd >= 0)
		close(kfd);	/* and the lock with it */
	close(rootfd);
	probe_dos_tree_free(t);
	buf_free(&cur);
	buf_free(&rec);
	return rc;
}

static int
fix_undo_raw(const char *dos_root, struct buf *msg, char err[ERR_LEN])
{
	struct fix_journal *j = NULL;
	struct probe_dos_tree *t = NULL;
	struct buf orig[FIX_MAX_FILES], cur = BUF_INIT, wrote = BUF_INIT;
	unsigned char h[FIX_HASH_LEN];
	char hex[2 * FIX_HASH_LEN + 1], bshown[1400];
	int restore[FIX_MAX_FILES];
	size_t i;
	int rootfd = -1, kfd = -1, rc = -1, got;

	for (i = 0; i < FIX_MAX_FILES; i++)
		buf_init(&orig[i]);
	if ((got = fix_journal_load(dos_root, &j, err)) < 0)
		return -1;
	if (got == 0) {
		/* What an --apply that was killed early left: not undone, cleared */
		if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 &&
		    (kfd = openat(rootfd, FIX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) >= 0 && flock(kfd, LOCK_EX | LOCK_NB) == 0 &&
		    faccessat(kfd, FIX_JOURNAL, F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
		    probe_dos_scan(dos_root, &t, err) == 0) {
			fix_stale(t, rootfd, dos_root, msg, NULL, NULL);
			fix_orphans(kfd, dos_root, msg);
			close(kfd);
			kfd = -1;
			unlinkat(rootfd, FIX_DIR, AT_REMOVEDIR);	/* only when empty */
		}
		buf_printf(msg, "Nothing to undo: no %s/%s under the DOS root.\n", FIX_DIR,
		    FIX_JOURNAL);
		rc = 1;
		goto out;
	}
	if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (kfd = openat(rootfd, FIX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		err_set(err, "cannot open %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
		goto out;
	}
	if (flock(kfd, LOCK_EX | LOCK_NB) != 0) {
		err_set(err, "another kbdiag fix is applying or undoing under %s (it holds the "
		    "lock on %s/%s): nothing restored; try again when it is done", dos_root,
		    dos_root, FIX_DIR);
		goto out;
	}
	if (probe_dos_scan(dos_root, &t, err) != 0)
		goto out;
	fix_stale(t, rootfd, dos_root, msg, NULL, NULL);
	/* Check every file first: nothing is restored unless all can be. */
	for (i = 0; i < j->nfiles; i++) {
		const struct fix_journal_file *f = &j->files[i];

		snprintf(bshown, sizeof(bshown), "%s/%s/%s", dos_root, FIX_DIR, f->backup);
		if (probe_dos_read_at(kfd, f->backup, bshown, FIX_EXE_MAX, &orig[i], NULL,
		    err) != 0)
			goto out;
		fix_hash(orig[i].data ? orig[i].data : "", orig[i].len, h);
		fix_hash_hex(h, hex);
		if (strcmp(hex, f->before) != 0) {
			err_set(err, "the backup %s does not match the journal's hash: not undone",
			    bshown);
			goto out;
		}
		if (probe_dos_read(rootfd, f->path, FIX_EXE_MAX, &cur, NULL, err) != 0) {
			char tmp[ERR_LEN];

			snprintf(tmp, sizeof(tmp), "%.250s; not undone: the original is in %.200s",
			    err, bshown);
			err_set(err, "%s", tmp);
			goto out;
		}
		fix_hash(cur.data ? cur.data : "", cur.len, h);
		fix_hash_hex(h, hex);
		if (strcmp(hex, f->before) == 0)
			restore[i] = 0;
		else if (strcmp(hex, f->after) == 0)
			restore[i] = 1;
		else {
			/* Show what was changed by hand: what --apply wrote against now. */
			if (f->written != NULL && probe_dos_read_at(kfd, f->written, f->written,
			    FIX_EXE_MAX, &wrote, NULL, err) == 0) {
				fix_hash(wrote.data ? wrote.data : "", wrote.len, h);
				fix_hash_hex(h, hex);
				if (strcmp(hex, f->after) == 0) {
					buf_printf(msg, "Changed since --apply wrote it:\n");
					fix_diff(f->path, wrote.data ? wrote.data : "", wrote.len,
					    cur.data ? cur.data : "", cur.len, msg);
				}
			}
			fix_hash(cur.data ? cur.data : "", cur.len, h);
			fix_hash_hex(h, hex);
			err_set(err, "%s/%s was changed since --apply wrote it (SHA-256 now "
			    "%.12s..., written %.12s...): not undone; the original bytes are in "
			    "%s", dos_root, f->path, hex, f->after, bshown);
			goto out;
		}
	}
	for (i = 0; i < j->nfiles; i++) {
		const struct fix_journal_file *f = &j->files[i];

		snprintf(bshown, sizeof(bshown), "%s/%s/%s", dos_root, FIX_DIR, f->backup);
		if (!restore[i]) {
			buf_printf(msg, "%s/%s is already the original.\n", dos_root, f->path);
			continue;
		}
		if (fix_replace(rootfd, f->path, orig[i].data ? orig[i].data : "", orig[i].len,
		    err) != 0)
			goto out;
		buf_printf(msg, "Restored %s/%s from %s (SHA-256 %s).\n", dos_root, f->path,
		    bshown, f->before);
	}
	if (fix_journal_remove(kfd, j, dos_root, err) != 0)
		goto out;
	close(kfd);
	kfd = -1;
	unlinkat(rootfd, FIX_DIR, AT_REMOVEDIR);	/* only when empty */
	fsync(rootfd);
	rc = 0;
out:
	if (kfd >= 0)
		close(kfd);
	if (rootfd >= 0)
		close(rootfd);
	for (i = 0; i < FIX_MAX_FILES; i++)
		buf_free(&orig[i]);
	buf_free(&cur);
	buf_free(&wrote);
	fix_journal_free(j);
	probe_dos_tree_free(t);
	return rc;
}

/* What they say quotes the tree's and the journal's names: made safe. */
int
fix_apply(const struct fix_plan *p, const char *dos_root, struct buf *msg,
    char err[ERR_LEN])
{
	size_t from = msg->len;
	int rc = fix_apply_raw(p, dos_root, msg, err);

	fix_safe_msg(msg, from, err);
	return rc;
}

int
fix_undo(const char *dos_root, struct buf *msg, char err[ERR_LEN])
{
	size_t from = msg->len;
	int rc = fix_undo_raw(dos_root, msg, err);

	fix_safe_msg(msg, from, err);
	return rc;
}
