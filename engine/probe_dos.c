/*
 * probe_dos: the DOS client's files, and the readings of them that the
 * probes and the editor share.
 */
#include "probe_dos.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "util/fileio.h"
#include "util/xmem.h"

/*
 * Files that tell which TCP/IP stack the PC runs, first match wins: the
 * evidence value and the file's name (any directory, any case).
 */
#define DOS_STACK_MARKERS(X) \
	X("lanman",	"TCPTSR.EXE") \
	X("ftp-pctcp",	"PCTCP.INI") \
	X("ftp-pctcp",	"ETHDRV.EXE") \
	X("novell-lwp",	"LWP.CFG") \
	X("novell-lwp",	"TCPIP.EXE") \
	X("wfw-32bit",	"VTCP.386")

static const struct {
	const char	*value;
	const char	*file;
} dos_markers[] = {
#define X(value, file) { value, file },
	DOS_STACK_MARKERS(X)
#undef X
};
#define DOS_NMARKERS	(sizeof(dos_markers) / sizeof(dos_markers[0]))

static int
dos_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* ---------------------------------------------------------------------- */
/* The tree                                                                 */

struct dos_walk {
	struct probe_dos_tree	*t;
	size_t			 cap;
	size_t			 odd_cap;
	size_t			 entries;
};

static void
dos_walk(struct dos_walk *w, int dirfd, const char *rel, unsigned depth, int in_lanman)
{
	DIR *d;
	struct dirent *e;

	if ((d = fdopendir(dirfd)) == NULL) {
		close(dirfd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		struct buf path = BUF_INIT;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++w->entries > PROBE_DOS_MAX_ENTRIES) {
			w->t->truncated = 1;
			break;
		}
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		buf_printf(&path, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		if (S_ISREG(st.st_mode)) {
			struct probe_dos_file *f;

			w->t->files = xgrow(w->t->files, &w->cap, w->t->nfiles + 1,
			    sizeof(*w->t->files));
			f = &w->t->files[w->t->nfiles++];
			f->path = buf_detach(&path);
			f->name = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
			f->depth = depth;
			f->size = st.st_size;
			f->mtime = st.st_mtime;
			f->in_lanman = in_lanman;
		} else if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth + 1 >= PROBE_DOS_MAX_DEPTH)
				w->t->truncated = 1;
			else if ((sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) >= 0)
				dos_walk(w, sub, buf_str(&path), depth + 1,
				    in_lanman || strcasecmp(e->d_name, "LANMAN.DOS") == 0);
		}
		/* Symbolic links and other kinds are never followed, but they are
		 * remembered: a PROTOCOL.INI that is a link is refused, not absent. */
		if (!S_ISREG(st.st_mode)) {
			struct probe_dos_odd *o;

			w->t->odd = xgrow(w->t->odd, &w->odd_cap, w->t->nodd + 1,
			    sizeof(*w->t->odd));
			o = &w->t->odd[w->t->nodd++];
			o->path = path.data ? xstrdup(path.data) : xstrdup("");
			o->name = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
			o->depth = depth;
			o->kind = S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISFIFO(st.st_mode) ?
			    "a FIFO" : S_ISDIR(st.st_mode) ? "a directory" : S_ISSOCK(st.st_mode) ?
			    "a socket" : "a device";
		}
		buf_free(&path);
	}
	closedir(d);
}

static int
dos_file_cmp(const void *x, const void *y)
{
	const struct probe_dos_file *a = x, *b = y;

	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	return strcmp(a->path, b->path);
}

int
probe_dos_scan(const char *root, struct probe_dos_tree **out, char err[ERR_LEN])
{
	struct dos_walk w;
	int fd;

	*out = NULL;
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, "cannot read the DOS root %s: %s", root, strerror(errno));
	memset(&w, 0, sizeof(w));
	w.t = xcalloc(1, sizeof(*w.t));
	dos_walk(&w, fd, "", 0, 0);
	if (w.t->nfiles > 1)
		qsort(w.t->files, w.t->nfiles, sizeof(*w.t->files), dos_file_cmp);
	*out = w.t;
	return 0;
}

void
probe_dos_tree_free(struct probe_dos_tree *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfiles; i++)
		free(t->files[i].path);
	free(t->files);
	for (i = 0; i < t->nodd; i++)
		free(t->odd[i].path);
	free(t->odd);
	free(t);
}

const struct probe_dos_file *
probe_dos_find(const struct probe_dos_tree *t, const char *name)
{
	size_t i;

	for (i = 0; t && i < t->nfiles; i++)
		if (strcasecmp(t->files[i].name, name) == 0)
			return &t->files[i];
	return NULL;
}

const struct probe_dos_file *
probe_dos_lookup(const struct probe_dos_tree *t, const char *name, char why[ERR_LEN])
{
	const struct probe_dos_file *f = probe_dos_find(t, name);
	const struct probe_dos_odd *o = NULL;
	size_t i;

	why[0] = '\0';
	for (i = 0; t && i < t->nodd; i++) {
		const struct probe_dos_odd *x = &t->odd[i];

		if (strcasecmp(x->name, name) != 0)
			continue;
		if (o == NULL || x->depth < o->depth || (x->depth == o->depth &&
		    strcmp(x->path, o->path) < 0))
			o = x;
	}
	if (o == NULL || (f != NULL && (f->depth < o->depth || (f->depth == o->depth &&
	    strcmp(f->path, o->path) < 0))))
		return f;
	if (strcmp(o->kind, "a symbolic link") == 0)
		err_set(why, "%s is a symbolic link: refused (links under the DOS root are "
		    "never followed, so that nothing outside it is read or written)", o->path);
	else
		err_set(why, "%s is %s, not a regular file: refused (it is neither read nor "
		    "written)", o->path, o->kind);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Reading a file under the root, never through a symbolic link             */

int
probe_dos_open_parent(int rootfd, const char *rel, const char **name, char err[ERR_LEN])
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

int
probe_dos_read_at(int dirfd, const char *name, const char *shown, size_t max,
    struct buf *out, mode_t *mode, char err[ERR_LEN])
{
	struct stat st;
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
	if (fd_read_all(fd, out, max) != 0) {
		e = errno;
		close(fd);
		errno = e;
		if (e == EFBIG)
			return err_set(err, "%s grew past the %zu bytes accepted", shown, max);
		return err_set(err, "cannot read %s: %s", shown, strerror(e));
	}
	close(fd);
	if (mode)
		*mode = st.st_mode & 07777;
	return 0;
}

int
probe_dos_read(int rootfd, const char *rel, size_t max, struct buf *out, mode_t *mode,
    char err[ERR_LEN])
{
	const char *name;
	int dirfd, rc, e;

	if ((dirfd = probe_dos_open_parent(rootfd, rel, &name, err)) < 0)
		return -1;
	rc = probe_dos_read_at(dirfd, name, rel, max, out, mode, err);
	e = errno;
	close(dirfd);
	errno = e;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Lines                                                                    */

const char *
probe_dos_eol(const char *data, size_t len, const char **name)
{
	size_t i;

	len = ini_text_len(data, len);
	for (i = 0; i < len; i++) {
		if (data[i] == '\n') {
			*name = "LF";
			return "\n";
		}
		if (data[i] == '\r') {
			if (i + 1 < len && data[i + 1] == '\n') {
				*name = "CR LF";
				return "\r\n";
			}
			*name = "CR";
			return "\r";
		}
	}
	*name = "CR LF";
	return "\r\n";
}

/* ---------------------------------------------------------------------- */
/* INI                                                                      */

void
probe_dos_ini_parse(const char *data, size_t len,
    int (*on_entry)(void *arg, const char *section, const char *name,
    const char *value, unsigned line), void *arg)
{
	struct buf section = BUF_INIT, name = BUF_INIT, value = BUF_INIT;
	struct ini_line *lines;
	size_t nlines, i;
	int stop = 0;

	lines = ini_lines(data, len, &nlines);
	for (i = 0; i < nlines && !stop; i++) {
		const struct ini_line *l = &lines[i];
		unsigned line = (unsigned)i + 1;

		if (l->kind == INI_BLANK || l->kind == INI_COMMENT)
			continue;
		if (l->kind == INI_SECTION) {
			buf_reset(&section);
			buf_append(&section, data + l->name_start, l->name_end - l->name_start);
			stop = on_entry(arg, buf_str(&section), NULL, NULL, line);
			continue;
		}
		buf_reset(&name);
		buf_append(&name, data + l->name_start, l->name_end - l->name_start);
		if (l->kind == INI_OTHER) {
			stop = on_entry(arg, buf_str(&section), buf_str(&name), NULL, line);
			continue;
		}
		buf_reset(&value);
		buf_append(&value, data + l->value_start, l->value_end - l->value_start);
		stop = on_entry(arg, buf_str(&section), buf_str(&name), buf_str(&value), line);
	}
	free(lines);
	buf_free(&section);
	buf_free(&name);
	buf_free(&value);
}

/* What PROTOCOL.INI says about the TCP/IP driver. */
struct dos_ini {
	int		 has_tcpip, has_xif;	/* the sections exist */
	int		 driver_tcpip, driver_xif;	/* DRIVERNAME = TCPIP$ there */
	char		*push_tcpip, *push_xif;		/* ForcePushBit values */
	unsigned	 line_tcpip, line_xif;
	char		*push_elsewhere;		/* the section of another one */
	unsigned	 line_elsewhere;
};

static void
dos_set(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

static int
dos_ini_entry(void *arg, const char *section, const char *name, const char *value,
    unsigned line)
{
	struct dos_ini *ini = arg;
	int tcpip = strcasecmp(section, "TCPIP") == 0;
	int xif = strcasecmp(section, "TCPIP_XIF") == 0;

	ini->has_tcpip |= tcpip;
	ini->has_xif |= xif;
	if (name == NULL || value == NULL)
		return 0;
	if (strcasecmp(name, "DRIVERNAME") == 0 && strcasecmp(value, "TCPIP$") == 0) {
		ini->driver_tcpip |= tcpip;
		ini->driver_xif |= xif;
	}
	if (strcasecmp(name, "ForcePushBit") != 0)
		return 0;
	/* The last one in a section counts. */
	if (tcpip) {
		dos_set(&ini->push_tcpip, value);
		ini->line_tcpip = line;
	} else if (xif) {
		dos_set(&ini->push_xif, value);
		ini->line_xif = line;
	} else {
		dos_set(&ini->push_elsewhere, section[0] ? section : "(before any section)");
		ini->line_elsewhere = line;
	}
	return 0;
}

/* The driver's section: the one naming TCPIP$, else the one present. */
static int
dos_ini_xif(const struct dos_ini *ini)
{
	if (ini->driver_xif && !ini->driver_tcpip)
		return 1;
	if (ini->driver_tcpip && !ini->driver_xif)
		return 0;
	return ini->has_xif && (!ini->has_tcpip || ini->push_xif || !ini->push_tcpip);
}

static void
dos_ini_free(struct dos_ini *ini)
{
	free(ini->push_tcpip);
	free(ini->push_xif);
	free(ini->push_elsewhere);
}

const char *
probe_dos_driver_section(const char *data, size_t len)
{
	struct dos_ini ini;
	const char *sec = NULL;

	memset(&ini, 0, sizeof(ini));
	probe_dos_ini_parse(data, len, dos_ini_entry, &ini);
	if (ini.has_tcpip || ini.has_xif)
		sec = dos_ini_xif(&ini) ? "TCPIP_XIF" : "TCPIP";
	dos_ini_free(&ini);
	return sec;
}

void
probe_dos_protocol_ini(const char *data, size_t len, const char *target,
    struct probe_result *push, struct probe_result *section)
{
	struct dos_ini ini;
	const char *sec, *val;
	unsigned line;
	int xif;

	memset(&ini, 0, sizeof(ini));
	probe_target(push, target);
	probe_target(section, target);
	probe_dos_ini_parse(data, len, dos_ini_entry, &ini);
	if (!ini.has_tcpip && !ini.has_xif) {
		probe_fail(section, "%s has no [TCPIP] or [TCPIP_XIF] section", target);
		if (ini.push_elsewhere)
			probe_observe(push, "force-push-off", "ForcePushBit is only in [%s] "
			    "(line %u), where the TCP/IP driver does not read it",
			    ini.push_elsewhere, ini.line_elsewhere);
		else
			probe_observe(push, "force-push-off", "no ForcePushBit and no TCP/IP "
			    "driver section");
		goto out;
	}
	xif = dos_ini_xif(&ini);
	sec = xif ? "TCPIP_XIF" : "TCPIP";
	probe_observe(section, xif ? "section-tcpip-xif" : "section-tcpip",
	    "the TCP/IP driver's settings are in [%s]", sec);
	val = xif ? ini.push_xif : ini.push_tcpip;
	line = xif ? ini.line_xif : ini.line_tcpip;
	if (val && strcmp(val, "1") == 0)
		probe_observe(push, "force-push-on", "ForcePushBit = 1 in [%s] (line %u)", sec,
		    line);
	else if (val && strcmp(val, "0") == 0)
		probe_observe(push, "force-push-off", "ForcePushBit = 0 in [%s] (line %u)", sec,
		    line);
	else if (val)
		probe_observe(push, "force-push-off", "ForcePushBit = '%s' in [%s] (line %u) "
		    "is not 0 or 1: the stack ignores it", val, sec, line);
	else if (xif ? ini.push_tcpip : ini.push_xif)
		probe_observe(push, "force-push-off", "ForcePushBit is in [%s] (line %u), "
		    "not in the driver's section [%s]", xif ? "TCPIP" : "TCPIP_XIF",
		    xif ? ini.line_tcpip : ini.line_xif, sec);
	else
		probe_observe(push, "force-push-off", "no ForcePushBit in [%s] (the default "
		    "is 0)", sec);
out:
	dos_ini_free(&ini);
}

/* ---------------------------------------------------------------------- */
/* A set fix's setting                                                      */

struct dos_setting {
	const struct kb_fix		*f;
	const char			*want;	/* the section, or NULL: any */
	int				 global;	/* no section: the top part */
	int				 in;	/* in the wanted scope now */
	int				 seen_header;	/* any header yet */
	struct probe_dos_setting	*out;
};

static int
dos_setting_entry(void *arg, const char *section, const char *name, const char *value,
    unsigned line)
{
	struct dos_setting *s = arg;
	struct probe_dos_setting *o = s->out;

	if (name == NULL) {
		s->seen_header = 1;
		s->in = s->want && strcasecmp(section, s->want) == 0;
		if (s->in) {
			o->applies = 1;
			snprintf(o->section, sizeof(o->section), "%s", section);
			o->last_line = line;
			o->last_is_header = 1;
			o->spaced = 0;
		}
		return 0;
	}
	/* Without a section, the name counts wherever it is; new lines go
	   after the last entry before the first header. */
	if (s->global) {
		if (!s->seen_header) {
			o->last_line = line;
			o->last_is_header = 0;
			o->spaced = 0;
		}
	} else if (!s->in)
		return 0;
	else {
		o->last_line = line;
		o->last_is_header = 0;
		o->spaced = 0;
	}
	if (value != NULL && strcasecmp(name, s->f->key) == 0) {
		o->line = line;
		snprintf(o->value, sizeof(o->value), "%s", value);
	}
	return 0;
}

/* Does the line use " = "? (The new line is spaced like its neighbour.) */
static int
dos_line_spaced(const char *data, size_t len, unsigned line)
{
	struct ini_line *lines;
	size_t n, i;
	int spaced = 0;

	lines = ini_lines(data, len, &n);
	if (line >= 1 && line <= n)
		for (i = lines[line - 1].start; i + 1 < lines[line - 1].content_end; i++)
			if (data[i] == ' ' && data[i + 1] == '=')
				spaced = 1;
	free(lines);
	return spaced;
}

void
probe_dos_setting(const struct kb_fix *f, const char *data, size_t len,
    struct probe_dos_setting *out)
{
	struct dos_setting s;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.f = f;
	s.out = out;
	if (f->driver_tcpip)
		s.want = probe_dos_driver_section(data, len);
	else if (f->section)
		s.want = f->section;
	else {
		s.global = 1;
		out->applies = 1;
	}
	if (s.want != NULL || s.global)
		probe_dos_ini_parse(data, len, dos_setting_entry, &s);
	if (out->last_line && !out->last_is_header)
		out->spaced = dos_line_spaced(data, len, out->last_line);
	if (!out->applies)
		return;
	if (f->value != NULL) {
		out->number = -1;
		out->ok = out->line && strcmp(out->value, f->value) == 0;
		return;
	}
	if (out->line == 0)
		out->number = f->dflt;
	else {
		const char *p = out->value;
		long v = 0;

		out->number = -1;
		if (*p != '\0' && strspn(p, "0123456789") == strlen(p) && strlen(p) < 9) {
			for (; *p; p++)
				v = v * 10 + (*p - '0');
			out->number = v;
		}
	}
	out->ok = out->number >= 0 && out->number >= f->at_least &&
	    (f->at_most < 0 || out->number <= f->at_most);
}

/* ---------------------------------------------------------------------- */
/* Batch files                                                              */

/* Copy the word s[0..n) upper-cased, without a drive, directory or extension. */
static void
dos_word(char out[PROBE_DOS_WORD], const char *s, size_t n)
{
	const char *p;
	size_t i, k = 0;

	for (p = s + n; p > s; p--)
		if (p[-1] == '\\' || p[-1] == '/' || p[-1] == ':')
			break;
	n -= (size_t)(p - s);
	for (i = 0; i < n && p[i] != '.' && k + 1 < PROBE_DOS_WORD; i++)
		out[k++] = (char)toupper((unsigned char)p[i]);
	out[k] = '\0';
}

/* Next blank-separated word of s[*at..end): its bounds, or 0 at the end. */
static int
dos_next_word(const char *s, size_t *at, size_t end, size_t *ws, size_t *we)
{
	size_t p = *at;

	while (p < end && dos_blank(s[p]))
		p++;
	if (p >= end)
		return 0;
	*ws = p;
	while (p < end && !dos_blank(s[p]) && s[p] != '>' && s[p] != '<' && s[p] != '|')
		p++;
	if (p == *ws)
		return 0;	/* a redirection */
	*we = p;
	*at = p;
	return 1;
}

/* One line: its command and first argument. */
static void
dos_command(const char *data, const struct ini_line *l, struct probe_dos_cmd *c)
{
	size_t at = l->start, end = l->content_end, ws, we, p;

	memset(c, 0, sizeof(*c));
	c->word_start = c->word_end = c->args_end = l->start;
	while (at < end && (dos_blank(data[at]) || data[at] == '@'))
		at++;
	if (at >= end || data[at] == ':')	/* a label, or a :: comment */
		return;
	if (!dos_next_word(data, &at, end, &ws, &we))
		return;
	dos_word(c->name, data + ws, we - ws);
	/* LH [/L:...] [/S] COMMAND: the command is what it loads. */
	while (strcmp(c->name, "LH") == 0 || strcmp(c->name, "LOADHIGH") == 0) {
		do {
			if (!dos_next_word(data, &at, end, &ws, &we)) {
				c->name[0] = '\0';
				return;
			}
		} while (data[ws] == '/');
		dos_word(c->name, data + ws, we - ws);
	}
	if (strcmp(c->name, "REM") == 0) {
		c->name[0] = '\0';
		return;
	}
	c->word_start = ws;
	c->word_end = we;
	p = at;
	if (dos_next_word(data, &p, end, &ws, &we))
		dos_word(c->arg, data + ws, we - ws);
	/* The arguments end at a redirection, and before trailing blanks. */
	for (p = c->word_end; p < end && data[p] != '>' && data[p] != '<' && data[p] != '|';
	    p++)
		;
	while (p > c->word_end && dos_blank(data[p - 1]))
		p--;
	c->args_end = p;
}

struct probe_dos_cmd *
probe_dos_commands(const char *data, size_t len, size_t *n)
{
	struct ini_line *lines = ini_lines(data, len, n);
	struct probe_dos_cmd *c = xcalloc(*n ? *n : 1, sizeof(*c));
	size_t i;

	for (i = 0; i < *n; i++)
		dos_command(data, &lines[i], &c[i]);
	free(lines);
	return c;
}

int
probe_dos_cmd_is(const struct probe_dos_cmd *c, const char *name, const char *arg)
{
	return c->name[0] && strcmp(c->name, name) == 0 &&
	    (arg == NULL || strcmp(c->arg, arg) == 0);
}

/* The base name of a path, upper case, without extension: MAIL/GW.BAT -> GW. */
static void
dos_base(char out[PROBE_DOS_WORD], const char *path)
{
	dos_word(out, path, strlen(path));
}

struct dos_seq {
	int	file;
	size_t	line;
};

void
probe_dos_startup(const struct kb_fix *f, const struct probe_dos_startup_in *in,
    struct probe_dos_startup *out)
{
	struct probe_dos_cmd *cmd[2] = { NULL, NULL };
	size_t ncmd[2] = { 0, 0 }, nseq = 0, i, k, j, pos[PROBE_DOS_MAX_COMMANDS];
	struct dos_seq *seq;
	char gbase[PROBE_DOS_WORD] = "";
	int spliced = 0;

	memset(out, 0, sizeof(*out));
	out->called_at = -1;
	for (i = 0; i < 2; i++)
		if (in->data[i] != NULL)
			cmd[i] = probe_dos_commands(in->data[i], in->len[i], &ncmd[i]);
	if (in->data[1] != NULL)
		dos_base(gbase, in->path[1]);
	seq = xcalloc(ncmd[0] + ncmd[1] + 1, sizeof(*seq));
	for (i = 0; i < ncmd[0]; i++) {
		seq[nseq].file = 0;
		seq[nseq++].line = i;
		if (!spliced && gbase[0] && (probe_dos_cmd_is(&cmd[0][i], "CALL", gbase) ||
		    probe_dos_cmd_is(&cmd[0][i], gbase, NULL))) {
			out->called_at = (long)i;
			spliced = 1;
			for (j = 0; j < ncmd[1]; j++) {
				seq[nseq].file = 1;
				seq[nseq++].line = j;
			}
		}
	}
	if (!spliced)
		for (j = 0; j < ncmd[1]; j++) {
			seq[nseq].file = 1;
			seq[nseq++].line = j;
		}
	for (k = 0; k < f->ncommands && k < PROBE_DOS_MAX_COMMANDS; k++) {
		for (i = 0; i < nseq; i++)
			if (probe_dos_cmd_is(&cmd[seq[i].file][seq[i].line], f->commands[k].name,
			    f->commands[k].arg))
				break;
		out->found[k] = i < nseq;
		pos[k] = i;
		if (i < nseq) {
			out->file[k] = seq[i].file;
			out->line[k] = seq[i].line;
		}
	}
	out->order = PROBE_DOS_ORDER_OK;
	for (k = 0; k < f->ncommands && k < PROBE_DOS_MAX_COMMANDS; k++)
		if (f->commands[k].anchor && !out->found[k]) {
			out->order = PROBE_DOS_ORDER_NA;
			out->bad = k;
			snprintf(out->detail, sizeof(out->detail), "no %s line in %s%s%s: the "
			    "stack is loaded some other way", f->commands[k].written,
			    in->path[0] ? in->path[0] : in->path[1] ? in->path[1] : "the batch files",
			    in->path[0] && in->path[1] ? " or " : "", in->path[0] && in->path[1] ?
			    in->path[1] : "");
			goto out;
		}
	for (k = 1; k < f->ncommands && k < PROBE_DOS_MAX_COMMANDS; k++) {
		size_t latest = 0;
		int have = 0;

		for (j = 0; j < k; j++)
			if (out->found[j] && (!have || pos[j] > pos[latest])) {
				latest = j;
				have = 1;
			}
		if (!out->found[k]) {
			if (!f->commands[k].insert)
				continue;
			out->order = PROBE_DOS_ORDER_MISSING;
			out->bad = k;
			out->after = latest;
			snprintf(out->detail, sizeof(out->detail), "%s is not run after %s (%s "
			    "line %zu)", f->commands[k].written, f->commands[latest].written,
			    in->path[out->file[latest]], out->line[latest] + 1);
			goto out;
		}
		if (have && pos[k] < pos[latest]) {
			out->order = PROBE_DOS_ORDER_EARLY;
			out->bad = k;
			out->after = latest;
			snprintf(out->detail, sizeof(out->detail), "%s (%s line %zu) runs before "
			    "%s (%s line %zu)", f->commands[k].written, in->path[out->file[k]],
			    out->line[k] + 1, f->commands[latest].written,
			    in->path[out->file[latest]], out->line[latest] + 1);
			goto out;
		}
	}
	{
		struct buf b = BUF_INIT;

		for (k = 0; k < f->ncommands && k < PROBE_DOS_MAX_COMMANDS; k++)
			if (out->found[k])
				buf_printf(&b, "%s%s (%s line %zu)", b.len ? ", then " : "",
				    f->commands[k].written, in->path[out->file[k]], out->line[k] + 1);
		snprintf(out->detail, sizeof(out->detail), "%s", buf_str(&b));
		buf_free(&b);
	}
out:
	free(seq);
	free(cmd[0]);
	free(cmd[1]);
}

const char *
probe_dos_startup_value(const struct kb_fix *f, const struct probe_dos_startup *s,
    char buf[PROBE_DOS_WORD + 16])
{
	size_t i;

	switch (s->order) {
	case PROBE_DOS_ORDER_NA:
		return NULL;
	case PROBE_DOS_ORDER_OK:
		return "order-ok";
	case PROBE_DOS_ORDER_MISSING:
	case PROBE_DOS_ORDER_EARLY:
		snprintf(buf, PROBE_DOS_WORD + 16, "%s-%s", f->commands[s->bad].name,
		    s->order == PROBE_DOS_ORDER_MISSING ? "missing" : "first");
		for (i = 0; buf[i]; i++)
			buf[i] = (char)tolower((unsigned char)buf[i]);
		return buf;
	}
	return NULL;
}

/* Does the text have a line that runs command? */
static int
dos_runs(const char *data, size_t len, const char *command)
{
	struct probe_dos_cmd *c;
	size_t n, i;
	int yes = 0;

	c = probe_dos_commands(data, len, &n);
	for (i = 0; i < n && !yes; i++)
		yes = probe_dos_cmd_is(&c[i], command, NULL);
	free(c);
	return yes;
}

static int
dos_is_bat(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcasecmp(name + n - 4, ".BAT") == 0;
}

int
probe_dos_startup_files(int rootfd, const struct probe_dos_tree *t, const char *command,
    struct probe_dos_startup_in *in, struct buf bufs[2], char err[ERR_LEN])
{
	const struct probe_dos_file *ae = probe_dos_lookup(t, "AUTOEXEC.BAT", err);
	size_t i, looked = 0;

	memset(in, 0, sizeof(*in));
	if (ae == NULL && err[0])
		return -1;	/* refused: err says why */
	if (ae != NULL) {
		if (probe_dos_read(rootfd, ae->path, PROBE_DOS_INI_MAX, &bufs[0], NULL, err) != 0)
			return -1;
		in->data[0] = bufs[0].data ? bufs[0].data : "";
		in->len[0] = bufs[0].len;
		in->path[0] = ae->path;
		if (dos_runs(in->data[0], in->len[0], command))
			return 0;	/* AUTOEXEC.BAT starts the gateway itself */
	}
	for (i = 0; i < t->nfiles && looked < PROBE_DOS_MAX_BATCH; i++) {
		const struct probe_dos_file *f = &t->files[i];

		if (f == ae || !dos_is_bat(f->name) || f->size > PROBE_DOS_INI_MAX)
			continue;
		looked++;
		if (probe_dos_read(rootfd, f->path, PROBE_DOS_INI_MAX, &bufs[1], NULL, err) != 0)
			return -1;
		if (dos_runs(bufs[1].data ? bufs[1].data : "", bufs[1].len, command)) {
			in->data[1] = bufs[1].data ? bufs[1].data : "";
			in->len[1] = bufs[1].len;
			in->path[1] = f->path;
			return 0;
		}
	}
	buf_reset(&bufs[1]);
	return 0;
}

void
probe_dos_switch(const struct kb_fix *f, const char *data, size_t len,
    struct probe_dos_switch *out)
{
	struct probe_dos_cmd *c;
	struct ini_line *lines;
	size_t n, i, at, ws, we;
	char letter = (char)toupper((unsigned char)f->switch_name[1]);

	memset(out, 0, sizeof(*out));
	out->value = f->dflt;
	c = probe_dos_commands(data, len, &n);
	lines = ini_lines(data, len, &n);
	for (i = 0; i < n; i++)
		if (probe_dos_cmd_is(&c[i], f->command, NULL))
			break;
	if (i == n)
		goto out;
	out->applies = 1;
	out->line = i;
	out->insert_at = c[i].args_end;
	at = c[i].word_end;
	while (dos_next_word(data, &at, c[i].args_end, &ws, &we)) {
		size_t d = ws + 2;

		if ((data[ws] != '-' && data[ws] != '/') || we - ws < 2 ||
		    toupper((unsigned char)data[ws + 1]) != letter)
			continue;
		while (d < we && isdigit((unsigned char)data[d]))
			d++;
		if (d != we)
			continue;	/* -QUIET is another switch */
		out->present = 1;
		out->digits_start = ws + 2;
		out->digits_end = we;
		out->value = -1;
		if (we - ws - 2 > 0 && we - ws - 2 < 9) {
			out->value = 0;
			for (d = ws + 2; d < we; d++)
				out->value = out->value * 10 + (data[d] - '0');
		}
	}
out:
	out->ok = out->applies && out->value >= f->at_least;
	free(c);
	free(lines);
}

/* ---------------------------------------------------------------------- */
/* The executable's variant                                                 */

const char *
probe_dos_stack(const struct probe_dos_tree *t, const char **marker)
{
	size_t i;
	const struct probe_dos_file *f;

	for (i = 0; i < DOS_NMARKERS; i++)
		if ((f = probe_dos_find(t, dos_markers[i].file)) != NULL) {
			if (marker)
				*marker = f->path;
			return dos_markers[i].value;
		}
	return NULL;
}

const struct kb_fix *
probe_dos_fix_for(const struct kb *kb, const char *source, enum kb_fix_kind kind)
{
	size_t i;

	for (i = 0; i < kb_fix_count(kb); i++) {
		const struct kb_fix *f = kb_fix_at(kb, i);

		if (f->kind == kind && f->in_place_source &&
		    strcmp(f->in_place_source->id, source) == 0)
			return f;
	}
	return NULL;
}

int
probe_dos_variant(int rootfd, const struct probe_dos_tree *t, const struct kb *kb,
    const struct kb_fix *f, const char *stack, struct probe_dos_variant *out,
    char err[ERR_LEN])
{
	struct buf exe = BUF_INIT, other = BUF_INIT;
	size_t i, k;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->stack = stack;
	for (i = 0; stack && i < f->nvariants; i++)
		if (strcmp(f->variants[i].stack, stack) == 0) {
			out->want = &f->variants[i];
			out->source = probe_dos_find(t, out->want->file);
		}
	if ((out->exe = probe_dos_lookup(t, f->file, err)) == NULL && err[0])
		return -1;	/* refused: err says why */
	if (out->exe == NULL) {
		snprintf(out->detail, sizeof(out->detail), "no %s under the DOS root", f->file);
		return 0;
	}
	if (probe_dos_read(rootfd, out->exe->path, PROBE_DOS_EXE_MAX, &exe, NULL, err) != 0)
		goto out;
	/* The same bytes as a variant's file under the root. */
	for (i = 0; i < f->nvariants && out->is == NULL; i++) {
		const struct probe_dos_file *v = probe_dos_find(t, f->variants[i].file);

		if (v == NULL || v == out->exe || v->size != (off_t)exe.len)
			continue;
		if (probe_dos_read(rootfd, v->path, PROBE_DOS_EXE_MAX, &other, NULL, err) != 0)
			goto out;
		if (other.len == exe.len && memcmp(other.data, exe.data, exe.len) == 0) {
			out->is = &f->variants[i];
			out->how = v->path;
		}
	}
	/* Else the size of a known build of a variant. */
	for (i = 0; i < f->nvariants && out->is == NULL; i++)
		for (k = 0; k < kb_table_count(kb, "builds"); k++) {
			const char *file = kb_table_field(kb, "builds", k, "file");
			const char *bytes = kb_table_field(kb, "builds", k, "bytes");

			if (file && bytes && strcasecmp(file, f->variants[i].file) == 0 &&
			    strtoll(bytes, NULL, 10) == (long long)exe.len) {
				out->is = &f->variants[i];
				out->how = kb_table_field(kb, "builds", k, "id");
				break;
			}
		}
	if (out->is == NULL)
		snprintf(out->detail, sizeof(out->detail), "%s (%zu bytes) is no known build "
		    "and has the bytes of no variant under the DOS root", out->exe->path, exe.len);
	else
		snprintf(out->detail, sizeof(out->detail), "%s is %s, the variant for %s (%s%s)",
		    out->exe->path, out->is->file, out->is->stack_name,
		    strchr(out->how, '/') || strchr(out->how, '.') ? "same bytes as " :
		    "size of build ", out->how);
	rc = 0;
out:
	buf_free(&exe);
	buf_free(&other);
	return rc;
}

/* config-sys's value for a set fix's reading. */
static const char *
dos_files_value(const struct probe_dos_setting *s)
{
	return !s->applies ? NULL : s->ok ? "files-ok" : "files-low";
}

const char *
probe_dos_text_value(const struct kb_fix *f, const char *data, size_t len,
    char buf[PROBE_DOS_WORD + 16])
{
	const char *src = f->in_place_source ? f->in_place_source->id : "";

	if (strcmp(src, "protocol-ini") == 0) {
		struct probe_result r[2];
		const char *v = NULL;
		int i;

		probe_result_init(&r[0], "protocol-ini", "protocol-ini");
		probe_result_init(&r[1], "protocol-ini", "protocol-ini");
		probe_dos_protocol_ini(data, len, "PROTOCOL.INI", &r[0], &r[1]);
		if (r[0].status == PROBE_OBSERVED && r[0].value) {
			snprintf(buf, PROBE_DOS_WORD + 16, "%s", r[0].value);
			v = buf;
		}
		for (i = 0; i < 2; i++) {
			free(r[i].probe);
			free(r[i].source);
			free(r[i].value);
			free(r[i].target);
			free(r[i].detail);
		}
		return v;
	}
	if (strcmp(src, "config-sys") == 0 && f->kind == KB_FIX_SET) {
		struct probe_dos_setting s;

		probe_dos_setting(f, data, len, &s);
		return dos_files_value(&s);
	}
	if (strcmp(src, "autoexec") == 0 && f->kind == KB_FIX_ORDER) {
		struct probe_dos_startup_in in;
		struct probe_dos_startup st;

		memset(&in, 0, sizeof(in));
		in.data[0] = data;
		in.len[0] = len;
		in.path[0] = f->file;
		probe_dos_startup(f, &in, &st);
		return probe_dos_startup_value(f, &st, buf);
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* The probes                                                               */

/* s (ASCII) at p in data, as written or as UTF-16LE (step 1 or 2); its offset or -1. */
static long
dos_find_word(const char *data, size_t len, size_t from, const char *s, int step)
{
	size_t n = strlen(s), i, k;

	for (i = from; i + n * (size_t)step <= len; i++) {
		for (k = 0; k < n; k++)
			if (data[i + k * (size_t)step] != s[k] ||
			    (step == 2 && data[i + k * 2 + 1] != '\0'))
				break;
		if (k == n)
			return (long)i;
	}
	return -1;
}

int
probe_dos_exe_version(const char *data, size_t len, char out[PROBE_DOS_VERSION_MAX + 1])
{
	int step;

	out[0] = '\0';
	/* NE resources hold their strings in ASCII, PE ones in UTF-16LE. */
	for (step = 1; step <= 2; step++) {
		long vi = dos_find_word(data, len, 0, "VS_VERSION_INFO", step), fv;
		size_t i, k = 0;

		if (vi < 0 || (fv = dos_find_word(data, len, (size_t)vi, "FileVersion",
		    step)) < 0)
			continue;
		i = (size_t)fv + 11 * (size_t)step;
		/* the key's NUL and the padding to the value */
		while (i + (size_t)step <= len && i < (size_t)fv + 64 && data[i] == '\0')
			i++;
		if (step == 2 && ((i - (size_t)fv) & 1))
			i++;
		for (; i + (size_t)step <= len && k < PROBE_DOS_VERSION_MAX; i += (size_t)step) {
			unsigned char c = (unsigned char)data[i];

			if (c < 0x20 || c > 0x7e || (step == 2 && data[i + 1] != '\0'))
				break;
			out[k++] = (char)c;
		}
		while (k > 0 && out[k - 1] == ' ')
			k--;
		out[k] = '\0';
		if (k > 0)
			return 1;
	}
	return 0;
}

/*
 * TCPTSR.EXE: which build it is, by its SHA-256 (a table row with sha256),
 * its version resource (where the file has one), its size and its date; a
 * build is never older than its release, so a file dated before the build
 * its size names is not known to be that build, and the detail says which
 * readings disagree.
 */
static void
dos_tcptsr(int rootfd, const struct probe_dos_tree *t, const struct kb *kb,
    struct probe_result *r)
{
	const struct probe_dos_file *f = NULL;
	const char *first_push = NULL, *first_version = NULL;
	char date[16], hex[2 * SHA256_DIGEST_SIZE + 1], ver[PROBE_DOS_VERSION_MAX + 1];
	char err[ERR_LEN], why[ERR_LEN];
	unsigned char digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	struct buf b = BUF_INIT, seen = BUF_INIT;
	struct tm tm;
	size_t i, n = kb_table_count(kb, "tcptsr");
	long by_hash = -1, by_version = -1, by_size = -1, row;
	int has_version;

	/* One under LANMAN.DOS first, else the shallowest. */
	for (i = 0; i < t->nfiles && f == NULL; i++)
		if (t->files[i].in_lanman && strcasecmp(t->files[i].name, "TCPTSR.EXE") == 0)
			f = &t->files[i];
	if (f == NULL && (f = probe_dos_lookup(t, "TCPTSR.EXE", why)) == NULL && why[0]) {
		probe_fail(r, "%s", why);
		return;
	}
	if (f == NULL) {
		probe_observe(r, "absent", "no TCPTSR.EXE under the DOS root");
		return;
	}
	probe_target(r, f->path);
	gmtime_r(&f->mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	if (probe_dos_read(rootfd, f->path, PROBE_DOS_EXE_MAX, &b, NULL, err) != 0) {
		probe_fail(r, "%s", err);
		goto out;
	}
	sha256_init(&ctx);
	sha256_update(&ctx, b.len, (const uint8_t *)(b.data ? b.data : ""));
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	has_version = probe_dos_exe_version(b.data ? b.data : "", b.len, ver);
	for (i = 0; i < n; i++) {
		const char *bytes = kb_table_field(kb, "tcptsr", i, "bytes");
		const char *push = kb_table_field(kb, "tcptsr", i, "push");
		const char *version = kb_table_field(kb, "tcptsr", i, "version");
		const char *d = kb_table_field(kb, "tcptsr", i, "date");
		const char *h = kb_table_field(kb, "tcptsr", i, "sha256");

		if (h != NULL && strcmp(h, hex) == 0 && by_hash < 0)
			by_hash = (long)i;
		if (has_version && version && strcasecmp(version, ver) == 0 && by_version < 0)
			by_version = (long)i;
		if (bytes && strtoll(bytes, NULL, 10) == (long long)f->size && by_size < 0)
			by_size = (long)i;
		if (push && strcmp(push, "yes") == 0 && d &&
		    (first_push == NULL || strcmp(d, first_push) < 0)) {
			first_push = d;
			first_version = version;
		}
	}
	/* What each reading says, for the detail. */
	buf_printf(&seen, "%lld bytes, %s", (long long)f->size, date);
	if (has_version)
		buf_printf(&seen, ", version resource %s", ver);
	row = by_hash >= 0 ? by_hash : by_version >= 0 ? by_version : by_size;
	if (row >= 0) {
		const char *push = kb_table_field(kb, "tcptsr", (size_t)row, "push");
		const char *version = kb_table_field(kb, "tcptsr", (size_t)row, "version");
		const char *d = kb_table_field(kb, "tcptsr", (size_t)row, "date");
		const char *value = push && strcmp(push, "yes") == 0 ? "push-capable" : "too-old";
		const char *how = by_hash >= 0 ? "its SHA-256" : by_version >= 0 ?
		    "its version resource" : "its size";

		if (by_hash < 0 && by_version < 0 && d != NULL && strcmp(date, d) < 0) {
			/* A build is never dated before its release: size and date disagree. */
			probe_fail(r, "%s: the size is build %s's, but the file is dated before "
			    "%s's release (%s): the size and the date disagree, so the build "
			    "is not known (compare it with the update's file)", buf_str(&seen),
			    version ? version : "?", version ? version : "?", d);
		} else if (has_version && by_version < 0 && by_hash < 0) {
			probe_fail(r, "%s: the size is build %s's, but the version resource says "
			    "%s: they disagree, so the build is not known", buf_str(&seen),
			    version ? version : "?", ver);
		} else if (by_hash >= 0 && by_size != by_hash)
			probe_observe(r, value, "%s: %s (by %s; the size is %s)", buf_str(&seen),
			    version ? version : "?", how, by_size >= 0 ? "another build's" :
			    "no known build's");
		else
			probe_observe(r, value, "%s: %s (by %s%s)", buf_str(&seen),
			    version ? version : "?", how, by_hash < 0 && d ? " and date" : "");
		goto out;
	}
	if (first_push == NULL) {
		probe_fail(r, "%s: no known build, and the rule base lists no TCPTSR.EXE build "
		    "that honours ForcePushBit", buf_str(&seen));
		goto out;
	}
	if (strcmp(date, first_push) >= 0)
		probe_observe(r, "push-capable", "%s: no known build's size; dated on or after "
		    "%s (%s)", buf_str(&seen), first_version, first_push);
	else
		probe_observe(r, "too-old", "%s: no known build's size; dated before %s (%s)",
		    buf_str(&seen), first_version, first_push);
out:
	buf_free(&b);
	buf_free(&seen);
}

static void
dos_protocol_ini(int rootfd, const struct probe_dos_tree *t, const char *bound,
    struct probe_result *push, struct probe_result *section)
{
	char err[ERR_LEN], why[ERR_LEN];
	const struct probe_dos_file *f = probe_dos_lookup(t, "PROTOCOL.INI", why);
	struct buf b = BUF_INIT;

	if (f == NULL && why[0]) {
		probe_fail(push, "%s", why);
		probe_fail(section, "%s", why);
	} else if (f == NULL) {
		probe_fail(push, "no PROTOCOL.INI under the DOS root%s", bound);
		probe_fail(section, "no PROTOCOL.INI under the DOS root%s", bound);
	} else if (probe_dos_read(rootfd, f->path, PROBE_DOS_INI_MAX, &b, NULL, err) != 0) {
		probe_target(push, f->path);
		probe_target(section, f->path);
		probe_fail(push, "%s", err);
		probe_fail(section, "%s", err);
	} else
		probe_dos_protocol_ini(b.data ? b.data : "", b.len, f->path, push, section);
	buf_free(&b);
}

static void
dos_config_sys(int rootfd, const struct probe_dos_tree *t, const struct kb *kb,
    struct probe_result *r)
{
	const struct kb_fix *fx = probe_dos_fix_for(kb, "config-sys", KB_FIX_SET);
	const struct probe_dos_file *f;
	struct probe_dos_setting s;
	struct buf b = BUF_INIT;
	char err[ERR_LEN];

	if (fx == NULL) {
		probe_skip(r, "the rule base declares no CONFIG.SYS setting to check");
		return;
	}
	if ((f = probe_dos_lookup(t, fx->file, err)) == NULL && err[0]) {
		probe_fail(r, "%s", err);
		return;
	}
	if (f == NULL) {
		probe_skip(r, "no %s under the DOS root", fx->file);
		return;
	}
	probe_target(r, f->path);
	if (probe_dos_read(rootfd, f->path, PROBE_DOS_INI_MAX, &b, NULL, err) != 0) {
		probe_fail(r, "%s", err);
		return;
	}
	probe_dos_setting(fx, b.data ? b.data : "", b.len, &s);
	if (!s.applies)
		probe_skip(r, "%s has no [%s] section", f->path, fx->section ? fx->section : "?");
	else if (s.ok)
		probe_observe(r, dos_files_value(&s), "%s=%s on line %u (at least %ld)", fx->key, s.value,
		    s.line, fx->at_least);
	else if (s.line == 0)
		probe_observe(r, dos_files_value(&s), "no %s= line: MS-DOS allows %ld, below %ld",
		    fx->key, fx->dflt, fx->at_least);
	else if (s.number < 0)
		probe_observe(r, dos_files_value(&s), "%s=%s on line %u is not a number: MS-DOS "
		    "ignores it", fx->key, s.value, s.line);
	else if (s.number < fx->at_least)
		probe_observe(r, dos_files_value(&s), "%s=%s on line %u, below %ld", fx->key, s.value,
		    s.line, fx->at_least);
	else
		probe_observe(r, dos_files_value(&s), "%s=%s on line %u is above %ld: MS-DOS ignores "
		    "it", fx->key, s.value, s.line, fx->at_most);
	buf_free(&b);
}

static void
dos_autoexec(int rootfd, const struct probe_dos_tree *t, const struct kb *kb,
    struct probe_result *r)
{
	const struct kb_fix *fx = probe_dos_fix_for(kb, "autoexec", KB_FIX_ORDER);
	struct probe_dos_startup_in in;
	struct probe_dos_startup s;
	struct buf bufs[2] = { BUF_INIT, BUF_INIT }, target = BUF_INIT;
	char err[ERR_LEN], vbuf[PROBE_DOS_WORD + 16];
	const char *value;

	if (fx == NULL) {
		probe_skip(r, "the rule base declares no start-up order to check");
		return;
	}
	if (probe_dos_startup_files(rootfd, t, fx->commands[fx->ncommands - 1].name, &in, bufs,
	    err) != 0) {
		probe_fail(r, "%s", err);
		goto out;
	}
	if (in.data[0] == NULL && in.data[1] == NULL) {
		probe_skip(r, "no %s under the DOS root", fx->file);
		goto out;
	}
	buf_printf(&target, "%s%s%s", in.path[0] ? in.path[0] : "", in.path[0] && in.path[1] ?
	    ", " : "", in.path[1] ? in.path[1] : "");
	probe_target(r, buf_str(&target));
	probe_dos_startup(fx, &in, &s);
	if ((value = probe_dos_startup_value(fx, &s, vbuf)) == NULL)
		probe_skip(r, "%s", s.detail);
	else
		probe_observe(r, value, "%s", s.detail);
out:
	buf_free(&bufs[0]);
	buf_free(&bufs[1]);
	buf_free(&target);
}

static void
dos_variant(int rootfd, const struct probe_dos_tree *t, const struct kb *kb,
    struct probe_result *r)
{
	const struct kb_fix *fx = probe_dos_fix_for(kb, "smtpgate-variant", KB_FIX_REPLACE);
	struct probe_dos_variant v;
	char err[ERR_LEN];

	if (fx == NULL) {
		probe_skip(r, "the rule base declares no gateway variants");
		return;
	}
	if (probe_dos_variant(rootfd, t, kb, fx, probe_dos_stack(t, NULL), &v, err) != 0) {
		probe_fail(r, "%s", err);
		return;
	}
	if (v.exe)
		probe_target(r, v.exe->path);
	if (v.exe == NULL || v.is == NULL)
		probe_skip(r, "%s", v.detail);
	else if (v.stack == NULL)
		probe_skip(r, "%s; no file shows which stack the PC runs", v.detail);
	else if (strcmp(v.is->stack, v.stack) == 0)
		probe_observe(r, "matches", "%s, which the PC runs", v.detail);
	else
		probe_observe(r, "mismatch", "%s, but the PC runs %s", v.detail,
		    v.want ? v.want->stack_name : v.stack);
}

void
probe_dos_run(const char *root, const struct kb *kb, struct probe_result *r)
{
	unsigned long long start = probe_now_ms();
	struct probe_dos_tree *t = NULL;
	const char *bound = "", *stack, *marker = NULL;
	char err[ERR_LEN];
	int rootfd = -1;
	size_t i;

	if (probe_dos_scan(root, &t, err) != 0 ||
	    (rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (t != NULL)
			err_set(err, "cannot read the DOS root %s: %s", root, strerror(errno));
		for (i = 0; i < PROBE_DOS_NRESULTS; i++)
			probe_fail(&r[i], "%s", err);
		probe_dos_tree_free(t);
		return;
	}
	if (t->truncated)
		bound = " (the search stopped at its depth or file bound)";
	dos_tcptsr(rootfd, t, kb, &r[PROBE_DOS_TCPTSR]);
	dos_protocol_ini(rootfd, t, bound, &r[PROBE_DOS_INI_PUSH], &r[PROBE_DOS_INI_SECTION]);
	if ((stack = probe_dos_stack(t, &marker)) != NULL) {
		probe_target(&r[PROBE_DOS_STACK], marker);
		probe_observe(&r[PROBE_DOS_STACK], stack, "%s is there", marker);
	} else
		probe_fail(&r[PROBE_DOS_STACK], "no file of a TCP/IP stack the rule base "
		    "knows%s", bound);
	dos_config_sys(rootfd, t, kb, &r[PROBE_DOS_CONFIG_SYS]);
	dos_autoexec(rootfd, t, kb, &r[PROBE_DOS_AUTOEXEC]);
	dos_variant(rootfd, t, kb, &r[PROBE_DOS_VARIANT]);
	for (i = 0; i < PROBE_DOS_NRESULTS; i++)
		r[i].elapsed_ms = (unsigned)(probe_now_ms() - start);
	close(rootfd);
	probe_dos_tree_free(t);
}
