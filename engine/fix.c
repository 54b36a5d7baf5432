/*
 * fix: ForcePushBit = 1 in PROTOCOL.INI, as a diff, applied and undone.
 */
#include "fix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "probe.h"
#include "probe_dos.h"
#include "xmem.h"

#define FIX_JOURNAL	"journal"
#define FIX_JOURNAL_MAX	(64 * 1024)
#define FIX_CONTEXT	3

/* ---------------------------------------------------------------------- */
/* Lines, split as probe_dos_ini_parse() splits them                        */

struct fix_line {
	size_t	start;		/* first byte */
	size_t	content_end;	/* before the line end */
	size_t	end;		/* after the line end */
};

/* Lines of data[0..len): CR LF, LF or CR alone end a line. Caller frees. */
static struct fix_line *
fix_lines(const char *data, size_t len, size_t *n)
{
	struct fix_line *v = NULL;
	size_t cap = 0, p = 0;

	*n = 0;
	while (p < len) {
		size_t eol = p;

		while (eol < len && data[eol] != '\r' && data[eol] != '\n')
			eol++;
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		v[*n].start = p;
		v[*n].content_end = eol;
		p = eol;
		if (p < len && data[p] == '\r')
			p++;
		if (p < len && data[p] == '\n' && (p == eol || data[p - 1] == '\r'))
			p++;
		v[*n].end = p;
		(*n)++;
	}
	return v;
}

static int
fix_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---------------------------------------------------------------------- */
/* The INI editor                                                           */

struct fix_find {
	const char	*section;	/* the driver's section, any case */
	char		*written;	/* its name as the file writes it */
	unsigned	 push_line;	/* last ForcePushBit in it, 0: none */
	unsigned	 last_line;	/* last header or entry line of it */
	int		 last_is_header;
	int		 in;
};

static int
fix_find_entry(void *arg, const char *section, const char *name, const char *value,
    unsigned line)
{
	struct fix_find *f = arg;

	(void)value;
	if (name == NULL) {
		f->in = strcasecmp(section, f->section) == 0;
		if (f->in) {
			free(f->written);
			f->written = xstrdup(section);
			f->last_line = line;
			f->last_is_header = 1;
		}
		return 0;
	}
	if (!f->in)
		return 0;
	f->last_line = line;
	f->last_is_header = 0;
	if (value != NULL && strcasecmp(name, "ForcePushBit") == 0)
		f->push_line = line;
	return 0;
}

enum fix_ini_result
fix_ini_force_push(const char *data, size_t len, struct buf *out, char **section,
    char **what)
{
	struct probe_result *r = xcalloc(2, sizeof(*r));
	struct fix_find f;
	struct fix_line *lines = NULL;
	const char *eol = "\r\n", *eolname = "CR LF", *z;
	size_t nlines, i, parsed_len = len;
	enum fix_ini_result res;
	struct buf desc = BUF_INIT;

	buf_reset(out);
	if (section)
		*section = NULL;
	if (what)
		*what = NULL;
	/* The probe's reading decides, so that fix and diagnosis agree. */
	probe_result_init(&r[0], "protocol-ini", "protocol-ini");
	probe_result_init(&r[1], "protocol-ini", "protocol-ini");
	probe_dos_protocol_ini(data, len, "PROTOCOL.INI", &r[0], &r[1]);
	memset(&f, 0, sizeof(f));
	if (r[1].status != PROBE_OBSERVED || r[1].value == NULL) {
		res = FIX_INI_NO_SECTION;
		goto out;
	}
	if (r[0].value && strcmp(r[0].value, "force-push-on") == 0) {
		res = FIX_INI_ALREADY;
		goto out;
	}
	f.section = strcmp(r[1].value, "section-tcpip-xif") == 0 ? "TCPIP_XIF" : "TCPIP";
	probe_dos_ini_parse(data, len, fix_find_entry, &f);
	if (f.last_line == 0) {		/* cannot happen: the probe saw it */
		res = FIX_INI_NO_SECTION;
		goto out;
	}
	/* The parser stops at a Ctrl-Z: number lines the same way. */
	if ((z = memchr(data, 0x1a, len)) != NULL)
		parsed_len = (size_t)(z - data);
	lines = fix_lines(data, parsed_len, &nlines);
	for (i = 0; i < nlines; i++)
		if (lines[i].content_end < lines[i].end) {
			size_t n = lines[i].end - lines[i].content_end;

			if (n == 2) {
				eol = "\r\n";
				eolname = "CR LF";
			} else if (data[lines[i].content_end] == '\n') {
				eol = "\n";
				eolname = "LF";
			} else {
				eol = "\r";
				eolname = "CR";
			}
			break;
		}
	if (f.push_line) {
		const struct fix_line *l = &lines[f.push_line - 1];
		const char *s = data + l->start, *e = data + l->content_end, *eq, *vs, *ve, *semi;

		eq = memchr(s, '=', (size_t)(e - s));	/* there: value != NULL */
		vs = eq + 1;
		while (vs < e && fix_blank(*vs))
			vs++;
		ve = e;
		if (vs < e && *vs != '"' && (semi = memchr(vs, ';', (size_t)(e - vs))) != NULL)
			ve = semi;
		while (ve > vs && fix_blank(ve[-1]))
			ve--;
		buf_append(out, data, (size_t)(vs - data));
		buf_putc(out, '1');
		buf_append(out, ve, len - (size_t)(ve - data));
		buf_printf(&desc, "ForcePushBit = '%.*s' on line %u of [%s] becomes 1 (%s line "
		    "ends kept)", (int)(ve - vs > 20 ? 20 : ve - vs), vs, f.push_line, f.written,
		    eolname);
	} else {
		const struct fix_line *l = &lines[f.last_line - 1];
		const char *s = data + l->start, *e = data + l->content_end, *p = s;
		int spaced;

		buf_append(out, data, l->content_end);
		buf_puts(out, eol);
		if (!f.last_is_header)
			while (p < e && fix_blank(*p))
				buf_putc(out, *p++);
		spaced = 0;
		for (p = s; !f.last_is_header && p + 1 < e; p++)
			if (p[0] == ' ' && p[1] == '=')
				spaced = 1;
		buf_puts(out, spaced ? "ForcePushBit = 1" : "ForcePushBit=1");
		buf_append(out, e, len - l->content_end);
		buf_printf(&desc, "ForcePushBit = 1 added after line %u, at the end of [%s] (%s "
		    "line ends kept)", f.last_line, f.written, eolname);
	}
	res = FIX_INI_EDITED;
	if (section) {
		*section = f.written;
		f.written = NULL;
	}
	if (what)
		*what = buf_detach(&desc);
out:
	if (res != FIX_INI_EDITED)
		buf_reset(out);
	buf_free(&desc);
	free(lines);
	free(f.written);
	probe_results_free(r, 2);
	return res;
}

/* ---------------------------------------------------------------------- */
/* Diff                                                                     */

static int
fix_line_eq(const char *a, const struct fix_line *la, const char *b, const struct fix_line *lb)
{
	return la->end - la->start == lb->end - lb->start &&
	    memcmp(a + la->start, b + lb->start, la->end - la->start) == 0;
}

/* A line's content for display: printable ASCII and tabs kept, else \xNN. */
static void
fix_show(struct buf *out, char mark, const char *data, const struct fix_line *l)
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

void
fix_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen,
    struct buf *out)
{
	struct fix_line *la, *lb;
	size_t na, nb, pre = 0, suf = 0, from, a_to, b_to, i;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return;
	la = fix_lines(a, alen, &na);
	lb = fix_lines(b, blen, &nb);
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
/* Files under the root, never through a symbolic link                      */

/*
 * Open the directory holding rel (a path relative to rootfd, '/'-separated),
 * each component with O_NOFOLLOW; *name points at rel's last component.
 * Returns the directory's descriptor, or -1 with err.
 */
static int
fix_open_parent(int rootfd, const char *rel, const char **name, char err[ERR_LEN])
{
	const char *p = rel, *slash;
	int fd = dup(rootfd);

	if (fd < 0)
		return err_set(err, "%s: %s", rel, strerror(errno));
	while ((slash = strchr(p, '/')) != NULL) {
		char comp[256];
		size_t n = (size_t)(slash - p);
		int sub;

		if (n == 0 || n >= sizeof(comp) || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			return err_set(err, "%s: not a plain path under the DOS root", rel);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			int e = errno;

			close(fd);
			return err_set(err, "%s: %s", rel, e == ELOOP || e == ENOTDIR ?
			    "a directory on the way is a symbolic link or not a directory" :
			    strerror(e));
		}
		close(fd);
		fd = sub;
		p = slash + 1;
	}
	if (*p == '\0' || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
		close(fd);
		return err_set(err, "%s: not a plain path under the DOS root", rel);
	}
	*name = p;
	return fd;
}

/*
 * Read dirfd/name (a regular file, not a link, at most max bytes) into out;
 * *mode gets its permissions. -1 with err (errno kept for ENOENT).
 */
static int
fix_read_at(int dirfd, const char *name, const char *shown, size_t max, struct buf *out,
    mode_t *mode, char err[ERR_LEN])
{
	struct stat st;
	char chunk[8192];
	ssize_t n;
	int fd, e;

	buf_reset(out);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		err_set(err, "cannot read %s: %s", shown, e == ELOOP ?
		    "it is a symbolic link (not followed)" : strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return err_set(err, "cannot read %s: not a regular file", shown);
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return err_set(err, "%s is %lld bytes, more than the %zu bytes accepted", shown,
		    (long long)st.st_size, max);
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			errno = e;
			return err_set(err, "cannot read %s: %s", shown, strerror(e));
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			close(fd);
			errno = EFBIG;
			return err_set(err, "%s grew past the %zu bytes accepted", shown, max);
		}
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	if (mode)
		*mode = st.st_mode & 07777;
	return 0;
}

static int
fix_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* dirfd/name replaced by data: temporary file, fsync, rename, fsync dir. */
static int
fix_write_at(int dirfd, const char *name, const char *shown, const char *data, size_t len,
    mode_t mode, char err[ERR_LEN])
{
	char tmp[300];
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), ".%s.kbdiag-%ld", name, (long)getpid()) >=
	    (int)sizeof(tmp))
		return err_set(err, "%s: file name too long", shown);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(err, "cannot write beside %s: %s", shown, strerror(errno));
	if (fix_write_all(fd, data, len) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return err_set(err, "cannot write %s: %s", shown, strerror(e));
	}
	if (close(fd) != 0 || renameat(dirfd, tmp, dirfd, name) != 0) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		return err_set(err, "cannot write %s: %s", shown, strerror(e));
	}
	if (fsync(dirfd) != 0)
		return err_set(err, "cannot sync the directory of %s: %s", shown,
		    strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The plan                                                                 */

static void
fix_add(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
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

int
fix_plan(const struct diagnosis *d, const char *dos_root, const struct kb *kb,
    struct fix_plan **out, char err[ERR_LEN])
{
	struct fix_plan *p = xcalloc(1, sizeof(*p));
	struct probe_result *r = NULL;
	struct buf ini = BUF_INIT, next = BUF_INIT;
	char *section = NULL, *what = NULL;
	const char *name;
	size_t i, j;
	int rootfd = -1, dirfd = -1, rc = -1;

	*out = NULL;
	for (i = 0; d && i < d->nincidents; i++) {
		const struct diag_incident *inc = &d->incidents[i];

		for (j = 0; j < inc->ncauses && inc->causes[j].ruled_out; j++)
			;
		if (j == inc->ncauses || strcmp(inc->causes[j].id, FIX_CAUSE) != 0)
			continue;
		for (j = 0; j < p->narticles; j++)
			if (strcmp(p->articles[j], inc->article) == 0)
				break;
		if (j == p->narticles)
			fix_add(&p->articles, &p->narticles, xstrdup(inc->article));
	}
	if (p->narticles == 0) {
		fix_add(&p->notes, &p->nnotes, xstrdup("No incident's standing cause is "
		    FIX_CAUSE ": there is no edit to propose."));
		goto done;
	}
	if (dos_root == NULL) {
		fix_add(&p->notes, &p->nnotes, xstrdup("No --dos-root was given: the edit "
		    "would be ForcePushBit = 1 in PROTOCOL.INI's [TCPIP] section ([TCPIP_XIF] "
		    "for LAN Manager 2.x); give the DOS client's directory to see it as a "
		    "diff."));
		goto done;
	}
	if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err_set(err, "cannot read the DOS root %s: %s", dos_root, strerror(errno));
		goto fail;
	}
	r = xcalloc(4, sizeof(*r));
	probe_result_init(&r[0], "tcptsr", "tcptsr");
	probe_result_init(&r[1], "protocol-ini", "protocol-ini");
	probe_result_init(&r[2], "protocol-ini", "protocol-ini");
	probe_result_init(&r[3], "stack", "stack");
	probe_dos_run(dos_root, kb, &r[0], &r[1], &r[2], &r[3]);
	if (r[0].value && strcmp(r[0].value, "too-old") == 0)
		fix_add(&p->warnings, &p->nwarnings, fix_fmt("%s is older than 2.2b (%s): it "
		    "ignores ForcePushBit, so the edit has no effect until TCPTSR.EXE 2.2b or "
		    "later is installed (Q123827).", r[0].target ? r[0].target : "TCPTSR.EXE",
		    r[0].detail ? r[0].detail : "?"));
	if (r[1].target == NULL) {
		fix_add(&p->notes, &p->nnotes, fix_fmt("No PROTOCOL.INI under %s: there is "
		    "no file to edit.", dos_root));
		goto done;
	}
	if ((dirfd = fix_open_parent(rootfd, r[1].target, &name, err)) < 0)
		goto fail;
	if (fix_read_at(dirfd, name, r[1].target, FIX_INI_MAX, &ini, NULL, err) != 0)
		goto fail;
	switch (fix_ini_force_push(ini.data ? ini.data : "", ini.len, &next, &section, &what)) {
	case FIX_INI_ALREADY:
		fix_add(&p->notes, &p->nnotes, fix_fmt("ForcePushBit = 1 is already set in "
		    "%s: nothing to do.", r[1].target));
		break;
	case FIX_INI_NO_SECTION:
		fix_add(&p->notes, &p->nnotes, fix_fmt("%s has no [TCPIP] or [TCPIP_XIF] "
		    "section: nothing is proposed (the TCP/IP stack's configuration is not "
		    "invented; install or configure the stack first).", r[1].target));
		break;
	case FIX_INI_EDITED: {
		struct fix_edit *e;
		struct buf diff = BUF_INIT;

		p->edits = xcalloc(1, sizeof(*p->edits));
		e = &p->edits[p->nedits++];
		e->path = xstrdup(r[1].target);
		e->section = section;
		e->what = what;
		section = what = NULL;
		e->before_len = ini.len;
		e->before = buf_detach(&ini);
		e->after_len = next.len;
		e->after = buf_detach(&next);
		fix_hash(e->before, e->before_len, e->hash_before);
		fix_hash(e->after, e->after_len, e->hash_after);
		fix_diff(e->path, e->before, e->before_len, e->after, e->after_len, &diff);
		e->diff = buf_detach(&diff);
		break;
	}
	}
done:
	*out = p;
	p = NULL;
	rc = 0;
fail:
	probe_results_free(r, r ? 4 : 0);
	if (dirfd >= 0)
		close(dirfd);
	if (rootfd >= 0)
		close(rootfd);
	buf_free(&ini);
	buf_free(&next);
	free(section);
	free(what);
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
		free(p->edits[i].section);
		free(p->edits[i].what);
		free(p->edits[i].before);
		free(p->edits[i].after);
		free(p->edits[i].diff);
	}
	free(p->edits);
	fix_strv_free(p->articles, p->narticles);
	fix_strv_free(p->notes, p->nnotes);
	fix_strv_free(p->warnings, p->nwarnings);
	free(p);
}

/* ---------------------------------------------------------------------- */
/* Apply and undo                                                           */

/* The journal: one "key<TAB>value" per line after its first line. */
struct fix_journal {
	char	path[1024];
	char	backup[300];
	char	before[2 * FIX_HASH_LEN + 1];
	char	after[2 * FIX_HASH_LEN + 1];
};

#define FIX_JOURNAL_MAGIC	"kbdiag fix journal 1\n"

static int
fix_journal_parse(const char *s, struct fix_journal *j, char err[ERR_LEN])
{
	const char *line;

	memset(j, 0, sizeof(*j));
	if (strncmp(s, FIX_JOURNAL_MAGIC, strlen(FIX_JOURNAL_MAGIC)) != 0)
		return err_set(err, "the journal does not start with '%.*s'",
		    (int)strlen(FIX_JOURNAL_MAGIC) - 1, FIX_JOURNAL_MAGIC);
	for (line = s + strlen(FIX_JOURNAL_MAGIC); *line; ) {
		const char *nl = strchr(line, '\n'), *tab = strchr(line, '\t');
		size_t n;
		char *dst = NULL;
		size_t cap = 0;

		if (nl == NULL || tab == NULL || tab > nl)
			return err_set(err, "the journal has a malformed line");
		if (strncmp(line, "path\t", 5) == 0)
			dst = j->path, cap = sizeof(j->path);
		else if (strncmp(line, "backup\t", 7) == 0)
			dst = j->backup, cap = sizeof(j->backup);
		else if (strncmp(line, "before\t", 7) == 0)
			dst = j->before, cap = sizeof(j->before);
		else if (strncmp(line, "after\t", 6) == 0)
			dst = j->after, cap = sizeof(j->after);
		n = (size_t)(nl - tab - 1);
		if (dst != NULL) {
			if (n >= cap)
				return err_set(err, "the journal has a value too long");
			memcpy(dst, tab + 1, n);
			dst[n] = '\0';
		}
		line = nl + 1;
	}
	if (!j->path[0] || !j->backup[0] || strlen(j->before) != 2 * FIX_HASH_LEN ||
	    strlen(j->after) != 2 * FIX_HASH_LEN || strchr(j->backup, '/') != NULL ||
	    j->backup[0] == '.')
		return err_set(err, "the journal lacks the path, the backup or a hash");
	return 0;
}

int
fix_apply(const struct fix_plan *p, const char *dos_root, struct buf *msg,
    char err[ERR_LEN])
{
	struct buf cur = BUF_INIT, rec = BUF_INIT;
	unsigned char h[FIX_HASH_LEN];
	char hex[2 * FIX_HASH_LEN + 1], hex2[2 * FIX_HASH_LEN + 1];
	const char *name;
	mode_t mode;
	size_t i;
	int rootfd, kfd = -1, dirfd = -1, rc = -1;

	if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot open the DOS root %s: %s", dos_root,
		    strerror(errno));
	for (i = 0; i < p->nedits; i++) {
		const struct fix_edit *e = &p->edits[i];
		char backup[300];

		if (strpbrk(e->path, "\t\n\r") != NULL) {
			err_set(err, "%s: a name with a tab or line end cannot be journalled",
			    e->path);
			goto out;
		}
		if ((dirfd = fix_open_parent(rootfd, e->path, &name, err)) < 0)
			goto out;
		if (fix_read_at(dirfd, name, e->path, FIX_INI_MAX, &cur, &mode, err) != 0)
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
		if (mkdirat(rootfd, FIX_DIR, 0700) != 0 && errno != EEXIST) {
			err_set(err, "cannot make %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
			goto out;
		}
		kfd = openat(rootfd, FIX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (kfd < 0) {
			err_set(err, "cannot open %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
			goto out;
		}
		if (faccessat(kfd, FIX_JOURNAL, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			err_set(err, "an earlier --apply is not undone (%s/%s/%s): run kbdiag fix "
			    "--undo first", dos_root, FIX_DIR, FIX_JOURNAL);
			goto out;
		}
		snprintf(backup, sizeof(backup), "%.250s.orig", name);
		if (fix_write_at(kfd, backup, backup, e->before, e->before_len, 0600, err) != 0)
			goto out;
		buf_reset(&rec);
		buf_puts(&rec, FIX_JOURNAL_MAGIC);
		fix_hash_hex(e->hash_before, hex);
		fix_hash_hex(e->hash_after, hex2);
		buf_printf(&rec, "path\t%s\nbackup\t%s\nbefore\t%s\nafter\t%s\nsection\t%s\n",
		    e->path, backup, hex, hex2, e->section ? e->section : "");
		/* The journal first: a crash before the rename leaves the original. */
		if (fix_write_at(kfd, FIX_JOURNAL, FIX_JOURNAL, rec.data, rec.len, 0600,
		    err) != 0)
			goto out;
		if (fix_write_at(dirfd, name, e->path, e->after, e->after_len, mode, err) != 0)
			goto out;
		buf_printf(msg, "Wrote %s/%s: %s.\nThe original is kept in %s/%s/%s "
		    "(SHA-256 %s); the journal is %s/%s/%s.\nTo undo: kbdiag fix --undo "
		    "--dos-root %s\n", dos_root, e->path, e->what, dos_root, FIX_DIR, backup,
		    hex, dos_root, FIX_DIR, FIX_JOURNAL, dos_root);
		close(dirfd);
		dirfd = -1;
		close(kfd);
		kfd = -1;
	}
	rc = 0;
out:
	if (kfd >= 0)
		close(kfd);
	if (dirfd >= 0)
		close(dirfd);
	close(rootfd);
	buf_free(&cur);
	buf_free(&rec);
	return rc;
}

int
fix_undo(const char *dos_root, struct buf *msg, char err[ERR_LEN])
{
	struct buf jb = BUF_INIT, orig = BUF_INIT, cur = BUF_INIT, redo = BUF_INIT;
	struct fix_journal j;
	unsigned char h[FIX_HASH_LEN];
	char hex[2 * FIX_HASH_LEN + 1], jshown[1200], bshown[1400];
	const char *name;
	mode_t mode;
	int rootfd, kfd = -1, dirfd = -1, rc = -1;

	if ((rootfd = open(dos_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot open the DOS root %s: %s", dos_root,
		    strerror(errno));
	snprintf(jshown, sizeof(jshown), "%s/%s/%s", dos_root, FIX_DIR, FIX_JOURNAL);
	kfd = openat(rootfd, FIX_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kfd < 0 && errno == ENOENT) {
		buf_printf(msg, "Nothing to undo: no %s/%s under the DOS root.\n", FIX_DIR,
		    FIX_JOURNAL);
		rc = 1;
		goto out;
	}
	if (kfd < 0) {
		err_set(err, "cannot open %s/%s: %s", dos_root, FIX_DIR, strerror(errno));
		goto out;
	}
	if (fix_read_at(kfd, FIX_JOURNAL, jshown, FIX_JOURNAL_MAX, &jb, NULL, err) != 0) {
		if (errno == ENOENT) {
			buf_printf(msg, "Nothing to undo: no %s/%s under the DOS root.\n", FIX_DIR,
			    FIX_JOURNAL);
			rc = 1;
		}
		goto out;
	}
	if (fix_journal_parse(buf_str(&jb), &j, err) != 0) {
		char tmp[ERR_LEN];

		snprintf(tmp, sizeof(tmp), "%.200s: %.300s", jshown, err);
		err_set(err, "%s", tmp);
		goto out;
	}
	snprintf(bshown, sizeof(bshown), "%s/%s/%s", dos_root, FIX_DIR, j.backup);
	if (fix_read_at(kfd, j.backup, bshown, FIX_INI_MAX, &orig, NULL, err) != 0)
		goto out;
	fix_hash(orig.data ? orig.data : "", orig.len, h);
	fix_hash_hex(h, hex);
	if (strcmp(hex, j.before) != 0) {
		err_set(err, "the backup %s does not match the journal's hash: not undone",
		    bshown);
		goto out;
	}
	if ((dirfd = fix_open_parent(rootfd, j.path, &name, err)) < 0)
		goto out;
	if (fix_read_at(dirfd, name, j.path, FIX_INI_MAX, &cur, &mode, err) != 0) {
		char tmp[ERR_LEN];

		snprintf(tmp, sizeof(tmp), "%.250s; not undone: the original is in %.200s", err,
		    bshown);
		err_set(err, "%s", tmp);
		goto out;
	}
	fix_hash(cur.data ? cur.data : "", cur.len, h);
	fix_hash_hex(h, hex);
	if (strcmp(hex, j.before) == 0)
		buf_printf(msg, "%s/%s is already the original; the journal is removed.\n",
		    dos_root, j.path);
	else if (strcmp(hex, j.after) == 0) {
		if (fix_write_at(dirfd, name, j.path, orig.data ? orig.data : "", orig.len, mode,
		    err) != 0)
			goto out;
		buf_printf(msg, "Restored %s/%s from %s (SHA-256 %s).\n", dos_root, j.path,
		    bshown, j.before);
	} else {
		/* Show what was changed by hand: what --apply wrote against now. */
		if (fix_ini_force_push(orig.data ? orig.data : "", orig.len, &redo, NULL,
		    NULL) == FIX_INI_EDITED) {
			unsigned char h2[FIX_HASH_LEN];
			char hex2[2 * FIX_HASH_LEN + 1];

			fix_hash(redo.data, redo.len, h2);
			fix_hash_hex(h2, hex2);
			if (strcmp(hex2, j.after) == 0) {
				buf_printf(msg, "Changed since --apply wrote it:\n");
				fix_diff(j.path, redo.data, redo.len, cur.data ? cur.data : "",
				    cur.len, msg);
			}
		}
		err_set(err, "%s/%s was changed since --apply wrote it (SHA-256 now %.12s..., "
		    "written %.12s...): not undone; the original bytes are in %s", dos_root,
		    j.path, hex, j.after, bshown);
		goto out;
	}
	if (unlinkat(kfd, FIX_JOURNAL, 0) != 0) {
		err_set(err, "cannot remove %s: %s", jshown, strerror(errno));
		goto out;
	}
	unlinkat(kfd, j.backup, 0);
	fsync(kfd);
	close(kfd);
	kfd = -1;
	unlinkat(rootfd, FIX_DIR, AT_REMOVEDIR);	/* only when empty */
	fsync(rootfd);
	rc = 0;
out:
	if (kfd >= 0)
		close(kfd);
	if (dirfd >= 0)
		close(dirfd);
	close(rootfd);
	buf_free(&jb);
	buf_free(&orig);
	buf_free(&cur);
	buf_free(&redo);
	return rc;
}
