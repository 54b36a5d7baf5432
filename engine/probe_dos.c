/*
 * probe_dos: tcptsr, protocol-ini and stack from the DOS client's files.
 */
#include "probe_dos.h"

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

#include "buf.h"
#include "xmem.h"

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

/* What the walk found. Paths are relative to the root, as found. */
struct dos_found {
	char		*ini_path;
	unsigned	 ini_depth;
	struct buf	 ini;		/* PROTOCOL.INI's bytes */
	int		 ini_errno;	/* when it could not be read */
	char		*tcptsr_path;
	off_t		 tcptsr_size;
	time_t		 tcptsr_mtime;
	int		 tcptsr_in_lanman;	/* under LANMAN.DOS */
	char		*marker_path[DOS_NMARKERS];
	size_t		 entries;
	int		 truncated;	/* depth or entry bound reached */
};

static void
dos_read_fd(int fd, struct buf *b)
{
	char chunk[8192];
	ssize_t n;

	while (b->len < PROBE_DOS_INI_MAX) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_append(b, chunk, (size_t)n > PROBE_DOS_INI_MAX - b->len ?
		    PROBE_DOS_INI_MAX - b->len : (size_t)n);
	}
}

static void
dos_file(struct dos_found *f, int dirfd, const char *name, const char *rel,
    unsigned depth, const struct stat *st, int in_lanman)
{
	size_t i;

	if (strcasecmp(name, "PROTOCOL.INI") == 0 &&
	    (f->ini_path == NULL || depth < f->ini_depth)) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

		free(f->ini_path);
		f->ini_path = xstrdup(rel);
		f->ini_depth = depth;
		buf_reset(&f->ini);
		f->ini_errno = fd < 0 ? errno : 0;
		if (fd >= 0) {
			dos_read_fd(fd, &f->ini);
			close(fd);
		}
	}
	if (strcasecmp(name, "TCPTSR.EXE") == 0 &&
	    (f->tcptsr_path == NULL || (in_lanman && !f->tcptsr_in_lanman))) {
		free(f->tcptsr_path);
		f->tcptsr_path = xstrdup(rel);
		f->tcptsr_size = st->st_size;
		f->tcptsr_mtime = st->st_mtime;
		f->tcptsr_in_lanman = in_lanman;
	}
	for (i = 0; i < DOS_NMARKERS; i++)
		if (f->marker_path[i] == NULL && strcasecmp(name, dos_markers[i].file) == 0)
			f->marker_path[i] = xstrdup(rel);
}

static void
dos_walk(struct dos_found *f, int dirfd, const char *rel, unsigned depth, int in_lanman)
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
		if (++f->entries > PROBE_DOS_MAX_ENTRIES) {
			f->truncated = 1;
			break;
		}
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		buf_printf(&path, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		if (S_ISREG(st.st_mode))
			dos_file(f, dirfd, e->d_name, buf_str(&path), depth, &st, in_lanman);
		else if (S_ISDIR(st.st_mode)) {
			int sub;

			if (depth + 1 >= PROBE_DOS_MAX_DEPTH)
				f->truncated = 1;
			else if ((sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) >= 0)
				dos_walk(f, sub, buf_str(&path), depth + 1,
				    in_lanman || strcasecmp(e->d_name, "LANMAN.DOS") == 0);
		}
		/* Symbolic links and other kinds are never followed. */
		buf_free(&path);
	}
	closedir(d);
}

/* ---------------------------------------------------------------------- */
/* INI                                                                      */

static int
dos_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks at both ends of s[0..*n); returns the new start. */
static const char *
dos_trim(const char *s, size_t *n)
{
	while (*n && dos_blank(*s)) {
		s++;
		(*n)--;
	}
	while (*n && dos_blank(s[*n - 1]))
		(*n)--;
	return s;
}

void
probe_dos_ini_parse(const char *data, size_t len,
    int (*on_entry)(void *arg, const char *section, const char *name,
    const char *value, unsigned line), void *arg)
{
	struct buf section = BUF_INIT, name = BUF_INIT, value = BUF_INIT;
	const char *p = data, *end = data + len, *z;
	unsigned line = 0;

	/* Ctrl-Z ends a DOS text file. */
	if ((z = memchr(data, 0x1a, len)) != NULL)
		end = z;
	while (p < end) {
		const char *eol = p, *s, *eq;
		size_t n;

		while (eol < end && *eol != '\r' && *eol != '\n')
			eol++;
		line++;
		n = (size_t)(eol - p);
		s = dos_trim(p, &n);
		/* Next line: CR LF, LF or CR alone. */
		p = eol;
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n' && (p == eol || p[-1] == '\r'))
			p++;
		if (n == 0 || s[0] == ';')
			continue;
		if (s[0] == '[') {
			const char *close = memchr(s, ']', n);
			size_t sn = close ? (size_t)(close - s - 1) : n - 1;
			const char *ss = dos_trim(s + 1, &sn);

			buf_reset(&section);
			buf_append(&section, ss, sn);
			if (on_entry(arg, buf_str(&section), NULL, NULL, line))
				break;
			continue;
		}
		if ((eq = memchr(s, '=', n)) == NULL) {
			buf_reset(&name);
			buf_append(&name, s, n);
			if (on_entry(arg, buf_str(&section), buf_str(&name), NULL, line))
				break;
			continue;
		} else {
			size_t nn = (size_t)(eq - s), vn = n - nn - 1;
			const char *ns = dos_trim(s, &nn), *vs = dos_trim(eq + 1, &vn);
			const char *semi;

			/* A comment after an unquoted value. */
			if (vn && vs[0] != '"' && (semi = memchr(vs, ';', vn)) != NULL) {
				vn = (size_t)(semi - vs);
				vs = dos_trim(vs, &vn);
			}
			buf_reset(&name);
			buf_append(&name, ns, nn);
			buf_reset(&value);
			buf_append(&value, vs, vn);
			if (on_entry(arg, buf_str(&section), buf_str(&name), buf_str(&value), line))
				break;
		}
	}
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
	/* The driver's section: the one naming TCPIP$, else the one present. */
	if (ini.driver_xif && !ini.driver_tcpip)
		xif = 1;
	else if (ini.driver_tcpip && !ini.driver_xif)
		xif = 0;
	else
		xif = ini.has_xif && (!ini.has_tcpip || ini.push_xif || !ini.push_tcpip);
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
	free(ini.push_tcpip);
	free(ini.push_xif);
	free(ini.push_elsewhere);
}

/* ---------------------------------------------------------------------- */
/* TCPTSR.EXE                                                               */

static void
dos_tcptsr(const struct dos_found *f, const struct kb *kb, struct probe_result *r)
{
	const char *first_push = NULL, *first_version = NULL;
	char date[16];
	struct tm tm;
	size_t i, n = kb_table_count(kb, "tcptsr");

	if (f->tcptsr_path == NULL) {
		probe_observe(r, "absent", "no TCPTSR.EXE under the DOS root");
		return;
	}
	probe_target(r, f->tcptsr_path);
	gmtime_r(&f->tcptsr_mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	for (i = 0; i < n; i++) {
		const char *bytes = kb_table_field(kb, "tcptsr", i, "bytes");
		const char *push = kb_table_field(kb, "tcptsr", i, "push");
		const char *version = kb_table_field(kb, "tcptsr", i, "version");
		const char *d = kb_table_field(kb, "tcptsr", i, "date");

		if (bytes && strtoll(bytes, NULL, 10) == (long long)f->tcptsr_size) {
			probe_observe(r, push && strcmp(push, "yes") == 0 ? "push-capable" :
			    "too-old", "%lld bytes: build %s of %s", (long long)f->tcptsr_size,
			    version ? version : "?", d ? d : "?");
			return;
		}
		if (push && strcmp(push, "yes") == 0 && d &&
		    (first_push == NULL || strcmp(d, first_push) < 0)) {
			first_push = d;
			first_version = version;
		}
	}
	if (first_push == NULL) {
		probe_fail(r, "the rule base lists no TCPTSR.EXE build that honours "
		    "ForcePushBit");
		return;
	}
	if (strcmp(date, first_push) >= 0)
		probe_observe(r, "push-capable", "%lld bytes, no known build; dated %s, on or "
		    "after %s (%s)", (long long)f->tcptsr_size, date, first_version, first_push);
	else
		probe_observe(r, "too-old", "%lld bytes, no known build; dated %s, before %s "
		    "(%s)", (long long)f->tcptsr_size, date, first_version, first_push);
}

void
probe_dos_run(const char *root, const struct kb *kb, struct probe_result *tcptsr,
    struct probe_result *push, struct probe_result *section, struct probe_result *stack)
{
	unsigned long long start = probe_now_ms();
	struct dos_found f;
	const char *bound = "";
	int fd;
	size_t i;

	memset(&f, 0, sizeof(f));
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		probe_fail(tcptsr, "cannot read the DOS root %s: %s", root, strerror(e));
		probe_fail(push, "cannot read the DOS root %s: %s", root, strerror(e));
		probe_fail(section, "cannot read the DOS root %s: %s", root, strerror(e));
		probe_fail(stack, "cannot read the DOS root %s: %s", root, strerror(e));
		return;
	}
	dos_walk(&f, fd, "", 0, 0);
	if (f.truncated)
		bound = " (the search stopped at its depth or file bound)";
	dos_tcptsr(&f, kb, tcptsr);
	if (f.ini_path == NULL) {
		probe_fail(push, "no PROTOCOL.INI under the DOS root%s", bound);
		probe_fail(section, "no PROTOCOL.INI under the DOS root%s", bound);
	} else if (f.ini_errno) {
		probe_target(push, f.ini_path);
		probe_target(section, f.ini_path);
		probe_fail(push, "cannot read %s: %s", f.ini_path, strerror(f.ini_errno));
		probe_fail(section, "cannot read %s: %s", f.ini_path, strerror(f.ini_errno));
	} else
		probe_dos_protocol_ini(f.ini.data ? f.ini.data : "", f.ini.len, f.ini_path,
		    push, section);
	for (i = 0; i < DOS_NMARKERS; i++)
		if (f.marker_path[i]) {
			probe_target(stack, f.marker_path[i]);
			probe_observe(stack, dos_markers[i].value, "%s is there",
			    f.marker_path[i]);
			break;
		}
	if (i == DOS_NMARKERS)
		probe_fail(stack, "no file of a TCP/IP stack the rule base knows%s", bound);
	tcptsr->elapsed_ms = push->elapsed_ms = section->elapsed_ms = stack->elapsed_ms =
	    (unsigned)(probe_now_ms() - start);
	free(f.ini_path);
	buf_free(&f.ini);
	free(f.tcptsr_path);
	for (i = 0; i < DOS_NMARKERS; i++)
		free(f.marker_path[i]);
}
