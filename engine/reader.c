#include "reader.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "util/buf.h"
#include "logtime.h"
#include "mta.h"
#include "reader_journal.h"
#include "session.h"
#include "util/xmem.h"

#define READER_CHUNK	(64 * 1024)

/* A clock that goes back by more than this has passed midnight. */
#define READER_ROLLOVER	3600

/* The longest syslog host and program names read. */
#define READER_NAME_MAX	64

struct reader {
	char			*name;
	char			*path;		/* for following; NULL for stdin, memory */
	struct reader_params	 p;
	/* the stored bytes: a file descriptor, or memory */
	int			 fd;		/* -1 when reading memory */
	int			 own_fd;
	const char		*mem;
	size_t			 memlen, mempos;
	unsigned long long	 raw_bytes;	/* stored bytes read so far */
	dev_t			 dev;
	ino_t			 ino;
	dev_t			 refused_dev;	/* following: what replaced the file */
	ino_t			 refused_ino;	/* and was not a regular one (said once) */
	/* gzip */
	int			 sniffed;	/* the magic bytes were looked at */
	int			 gz;
	int			 gz_ended;	/* the last member ended cleanly */
	char			 gz_error[ERR_LEN];	/* corrupt data, reported once
						   what came before it is read */
	/* following: the file's first bytes, to notice one rewritten in place */
	char			 head[64];
	size_t			 headlen;
	z_stream		 z;
	char			*zin;
	/* the data window: decompressed, or the stored bytes themselves */
	const char		*buf;
	char			*chunk;
	size_t			 start, end;
	int			 eof;
	int			 waiting;	/* following: at the end for now */
	unsigned long long	 bytes, size;
	unsigned long		 lineno;
	struct buf		 line;
	int			 held;		/* following: a line without its end */
	int			 held_truncated;
	enum reader_format	 format;
	char			 errno_name[24];	/* of the current event */
	/* time */
	int			 have_time, have_date;
	long long		 day;		/* start of the day of the last event */
	long			 secs;		/* its seconds since midnight */
	char			 clock[9];	/* as written (":60" stays) */
	char			 date_text[16];	/* "YYYY-MM-DDT" of date_of */
	long long		 date_of;
	char			 when_date[16];	/* the same for syslog lines */
	long long		 when_day;
	int			 bsd_mo, bsd_d;	/* the last BSD date read, */
	long long		 bsd_day;	/* and its day by the year rule */
	/* the time of the last syslog line, for the pieces of it a mail client
	 * or a terminal wrapped onto lines of their own (reader_wrap_when()) */
	int			 wrap_timed, wrap_dated, wrap_year;
	long long		 wrap_t;
	/* an MTA's syslog line that may go on on the next line, or the
	 * pieces of it joined so far (reader_wrap_join()) */
	struct buf		 wrap_line;
	/* the year rule of BSD syslog stamps */
	long long		 anchor;
	enum reader_year_from	 anchor_from;
	int			 year_used;	/* a stamp was dated by it */
	/* smart host */
	char			 peer_host[PEER_HOST_MAX];
	unsigned		 peer_port;
	struct session		 session;
	char			 version[READER_VERSION_MAX + 1];	/* the banner's */
	/* strings of the current record that are not in the line */
	struct buf		 text;
	char			 program[READER_NAME_MAX + 1];
	char			 host[READER_NAME_MAX + 1];
	char			 site[READER_NAME_MAX + 1];
	char			 queue_id[READER_NAME_MAX + 1];
	char			 notice[ERR_LEN];
	int			 mono;		/* a short-monotonic line was read */
	unsigned long		 msg_null;	/* journal entries whose MESSAGE was null */
	struct rj_export	 ex;		/* journalctl -o export's entry */
	struct rj_pretty	 pj;		/* journalctl -o json-pretty's entry, */
	unsigned long		 pj_start;	/* its first line, */
	int			 pj_has_msg;
	unsigned long		 pj_line;	/* its MESSAGE's line, */
	unsigned long long	 pj_offset;	/* and offset */
	struct rj_verbose	 vb;		/* journalctl -o verbose's entry, */
	unsigned long		 vb_start;	/* its header's line, */
	int			 vb_has_msg;
	unsigned long		 vb_line;	/* its MESSAGE's line, */
	unsigned long long	 vb_offset;	/* and offset */
	unsigned long		 ex_start;	/* its first line, */
	unsigned long		 ex_line;	/* its MESSAGE's line, */
	unsigned long long	 ex_offset;	/* and offset */
	/* docker json-file: a line written as several entries (partial ones,
	 * without a line end, then the last), per stream (stdout, stderr) */
	struct reader_docker_part {
		int			 in;		/* parts held */
		struct buf		 text;		/* the line so far */
		int			 cut;		/* longer than READER_MAX_LINE */
		unsigned long		 line;		/* of the first part */
		unsigned long long	 offset;
		int			 has_time;
		long long		 t;
	}			 dk[2];
	int			 skim;		/* reader_feed(): only the state */
	struct reader_record	 rec;
};

void
reader_params_init(struct reader_params *p)
{
	memset(p, 0, sizeof(*p));
	p->format = READER_FORMAT_AUTO;
}

/* Date year-less stamps back from t (the wall clock of this machine). */
static void
reader_anchor_at(struct reader *r, time_t t, enum reader_year_from from)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return;
	r->anchor = logtime_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * LOGTIME_DAY +
	    tm.tm_hour * 3600LL + tm.tm_min * 60LL + (tm.tm_sec > 59 ? 59 : tm.tm_sec);
	r->anchor_from = from;
}

static struct reader *
reader_new(const char *name, const struct reader_params *params)
{
	struct reader *r = xcalloc(1, sizeof(*r));

	r->name = xstrdup(name);
	r->fd = -1;
	if (params)
		r->p = *params;
	else
		reader_params_init(&r->p);
	if (r->p.has_date) {
		r->day = r->p.date;
		r->have_date = 1;
	}
	if (r->p.has_anchor) {
		r->anchor = r->p.anchor;
		r->anchor_from = READER_YEAR_OPTION;
	} else
		reader_anchor_at(r, time(NULL), READER_YEAR_NOW);
	r->format = READER_FORMAT_TEXT;
	session_reset(&r->session);
	rj_export_init(&r->ex);
	rj_pretty_init(&r->pj);
	rj_verbose_init(&r->vb);
	return r;
}

/* What a file that is not a regular one is, for messages. */
static const char *
reader_kind(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ?
	    "a block device" : S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a directory" :
	    "not a file";
}

int
reader_open_params(const char *path, const struct reader_params *params,
    struct reader **out, char err[ERR_LEN])
{
	struct reader *r;
	struct stat st;
	int fd;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC |
	    (params && params->follow ? O_NONBLOCK : 0))) < 0)
		/* (following, a FIFO's open must not wait for a writer) */
		return err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd != STDIN_FILENO)
			close(fd);
		return err_set(err, "%s: is a directory", path);
	}
	if (params && params->follow && fd != STDIN_FILENO && !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, "%s: not a regular file (%s): --follow reads only regular "
		    "files, and standard input (-) to its end", path, reader_kind(st.st_mode));
	}
	r = reader_new(fd == STDIN_FILENO ? "<stdin>" : path, params);
	if (fd == STDIN_FILENO)
		r->p.follow = 0;	/* standard input is read to its end */
	r->fd = fd;
	r->own_fd = fd != STDIN_FILENO;
	r->chunk = xmalloc(READER_CHUNK);
	r->buf = r->chunk;
	if (fstat(fd, &st) == 0) {
		if (S_ISREG(st.st_mode)) {
			r->size = (unsigned long long)st.st_size;
			if (r->own_fd)
				r->path = xstrdup(path);
		} else
			r->p.follow = 0;	/* the end of a pipe is the end */
		r->dev = st.st_dev;
		r->ino = st.st_ino;
		/* The last line was written at or before the file's last change. */
		if (!r->p.has_anchor && S_ISREG(st.st_mode))
			reader_anchor_at(r, st.st_mtime, READER_YEAR_MTIME);
	}
	*out = r;
	return 0;
}

int
reader_open(const char *path, struct reader **out, char err[ERR_LEN])
{
	return reader_open_params(path, NULL, out, err);
}

struct reader *
reader_open_mem_params(const char *name, const char *data, size_t len,
    const struct reader_params *params)
{
	struct reader *r = reader_new(name, params);

	r->mem = data;
	r->memlen = len;
	r->size = len;
	r->p.follow = 0;
	return r;
}

struct reader *
reader_open_mem(const char *name, const char *data, size_t len)
{
	return reader_open_mem_params(name, data, len, NULL);
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->own_fd)
		close(r->fd);
	if (r->gz)
		inflateEnd(&r->z);
	buf_free(&r->line);
	buf_free(&r->text);
	buf_free(&r->wrap_line);
	buf_free(&r->dk[0].text);
	buf_free(&r->dk[1].text);
	rj_export_free(&r->ex);
	rj_pretty_free(&r->pj);
	rj_verbose_free(&r->vb);
	free(r->zin);
	free(r->chunk);
	free(r->path);
	free(r->name);
	free(r);
}

const char *
reader_name(const struct reader *r)
{
	return r->name;
}

enum reader_year_from
reader_year(const struct reader *r, long long *anchor)
{
	if (anchor)
		*anchor = r->anchor;
	return r->year_used ? r->anchor_from : READER_YEAR_NONE;
}

const char *
reader_year_from_text(enum reader_year_from from)
{
	switch (from) {
	case READER_YEAR_OPTION:
		return "--date";
	case READER_YEAR_MTIME:
		return "the file's modification time";
	case READER_YEAR_NOW:
		return "the time of reading";
	case READER_YEAR_HEADER:
		return "journalctl's \"-- Logs begin at\" line";
	default:
		return NULL;
	}
}

enum reader_format
reader_format(const struct reader *r)
{
	return r->format;
}

static const char *const reader_format_names[] = {
	"auto", "text", "legacy", "ndjson", "syslog", "journal", "docker"
};

const char *
reader_format_name(enum reader_format f)
{
	if ((size_t)f >= sizeof(reader_format_names) / sizeof(reader_format_names[0]) ||
	    f == READER_FORMAT_AUTO)
		return "text";
	return reader_format_names[f];
}

int
reader_format_parse(const char *name, enum reader_format *f)
{
	size_t i;

	for (i = 0; i < sizeof(reader_format_names) / sizeof(reader_format_names[0]); i++)
		if (strcmp(name, reader_format_names[i]) == 0) {
			*f = (enum reader_format)i;
			return 0;
		}
	return -1;
}

int
reader_compressed(const struct reader *r)
{
	return r->gz;
}

unsigned long long
reader_bytes(const struct reader *r)
{
	return r->gz ? r->raw_bytes : r->bytes;
}

unsigned long long
reader_size(const struct reader *r)
{
	return r->size;
}

void
reader_notice_clear(struct reader *r)
{
	r->notice[0] = '\0';
}

/*
 * Why an entry cut by the end of the input is not examined (reader_journal.h
 * rj_export_cut()): what was read of it may lack the fields after the cut.
 */
static const char reader_cut_why[] = "what was read of it may lack its program and "
    "host, which journald writes after MESSAGE, or MESSAGE itself";

const char *
reader_notice(struct reader *r)
{
	if (r->notice[0] == '\0' && r->mono == 1) {
		r->mono = 2;	/* said once */
		snprintf(r->notice, sizeof(r->notice), "%s: lines stamped with the time since "
		    "boot (journalctl -o short-monotonic) have no wall-clock time: they are "
		    "not dated, --since and --until keep them, and incidents of them have no "
		    "times; journalctl -o short-iso or -o json gives the times", r->name);
	} else if (r->notice[0] == '\0' && r->msg_null > 0) {
		snprintf(r->notice, sizeof(r->notice), "%s: %lu journal entr%s whose MESSAGE "
		    "was null (journalctl -o json leaves out a field longer than 4096 bytes "
		    "unless given --all): what %s was not examined", r->name,
		    r->msg_null, r->msg_null == 1 ? "y" : "ies", r->msg_null == 1 ? "it said" :
		    "they said");
		r->msg_null = 0;	/* said once */
	} else if (r->notice[0] == '\0' && r->ex.in && !r->p.follow && r->lineno > 0) {
		/* journalctl ends every entry with an empty line: this one was cut */
		unsigned long n = r->lineno - r->ex_start + 1;
		char what[128];

		rj_export_cut(&r->ex, what, sizeof(what));
		snprintf(r->notice, sizeof(r->notice), "%s: the last journal entry (journalctl "
		    "-o export, from line %lu) is cut short: it has no empty line after it, "
		    "and was not examined (%s), %lu line%s: %s", r->name, r->ex_start,
		    reader_cut_why, n, n == 1 ? "" : "s", what);
		r->ex.in = 0;	/* said once */
	} else if (r->notice[0] == '\0' && r->pj.in && !r->p.follow && r->lineno > 0) {
		/* journalctl ends every entry with a "}" alone: this one was cut */
		unsigned long n = r->lineno - r->pj_start + 1;

		snprintf(r->notice, sizeof(r->notice), "%s: the last journal entry (journalctl "
		    "-o json-pretty, from line %lu) is cut short: it has no line \"}\" after "
		    "it, and was not examined (%s), %lu line%s: %s", r->name, r->pj_start,
		    reader_cut_why, n, n == 1 ? "" : "s", r->pj_has_msg ? "its MESSAGE among "
		    "them" : "no MESSAGE among them");
		r->pj.in = 0;	/* said once */
	} else if (r->notice[0] == '\0' && r->vb.in && !r->vb.given && r->vb.f.has_msg &&
	    !r->p.follow) {
		/* its record waits for _HOSTNAME, or for the next entry */
		unsigned long n = r->lineno - r->vb_start + 1;

		snprintf(r->notice, sizeof(r->notice), "%s: the last journal entry (journalctl "
		    "-o verbose, from line %lu) has no _HOSTNAME and no entry after it: it was "
		    "not examined (%s), %lu line%s, its MESSAGE among them", r->name,
		    r->vb_start, reader_cut_why, n, n == 1 ? "" : "s");
		r->vb.in = 0;	/* said once */
	} else if (r->notice[0] == '\0' && (r->dk[0].in || r->dk[1].in) && !r->p.follow) {
		/* docker ends a line's last entry with its line end: this one was cut */
		const struct reader_docker_part *d = &r->dk[r->dk[0].in ? 0 : 1];

		snprintf(r->notice, sizeof(r->notice), "%s: the last line of docker's log (%s, "
		    "from line %lu) has no line end: docker writes a line longer than 16 kB as "
		    "several entries and this one has no last entry; its %zu bytes were not "
		    "examined", r->name, d == &r->dk[0] ? "stdout" : "stderr", d->line,
		    d->text.len);
		r->dk[d == &r->dk[0] ? 0 : 1].in = 0;	/* said once */
	}
	return r->notice[0] ? r->notice : NULL;
}

/* ---------------------------------------------------------------------- */
/* Bytes                                                                    */

/* Read stored bytes: n > 0, 0 at the end, -1 with err. */
static ssize_t
reader_raw(struct reader *r, char *dst, size_t cap, char err[ERR_LEN])
{
	ssize_t n;

	if (r->fd < 0) {
		n = (ssize_t)(r->memlen - r->mempos < cap ? r->memlen - r->mempos : cap);
		memcpy(dst, r->mem + r->mempos, (size_t)n);
		r->mempos += (size_t)n;
	} else {
		do
			n = read(r->fd, dst, cap);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return err_set(err, "%s: read error at byte %llu: %s", r->name,
			    r->raw_bytes, strerror(errno));
	}
	r->raw_bytes += (unsigned long long)n;
	return n;
}

/* Decompress into the window. 0 (r->end may stay 0 at the end), -1 with err. */
static int
reader_inflate(struct reader *r, char err[ERR_LEN])
{
	ssize_t n;
	int rc;

	if (r->gz_error[0])
		return err_set(err, "%s", r->gz_error);
	r->z.next_out = (Bytef *)r->chunk;
	r->z.avail_out = READER_CHUNK;
	while (r->z.avail_out == READER_CHUNK) {
		if (r->z.avail_in == 0) {
			if ((n = reader_raw(r, r->zin, READER_CHUNK, err)) < 0)
				return -1;
			if (n == 0) {
				if (!r->gz_ended)
					return err_set(err, "%s: the gzip stream is cut short "
					    "(at byte %llu of the file): the rest of the log "
					    "is missing", r->name, r->raw_bytes);
				r->eof = 1;
				break;
			}
			r->z.next_in = (Bytef *)r->zin;
			r->z.avail_in = (uInt)n;
		}
		if (r->gz_ended) {
			/* Another member follows (as `cat a.gz b.gz` makes). */
			if (inflateReset(&r->z) != Z_OK)
				return err_set(err, "%s: gzip: cannot start the next member",
				    r->name);
			r->gz_ended = 0;
		}
		rc = inflate(&r->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			r->gz_ended = 1;
		else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			err_set(r->gz_error, "%s: corrupt gzip data near byte %llu of the "
			    "file: %s", r->name, r->raw_bytes - r->z.avail_in,
			    r->z.msg ? r->z.msg : "inflate failed");
			/* What this call decompressed is delivered first. */
			if (r->z.avail_out == READER_CHUNK)
				return err_set(err, "%s", r->gz_error);
			break;
		}
	}
	r->start = 0;
	r->end = READER_CHUNK - r->z.avail_out;
	return 0;
}

/* Look at the first bytes: gzip or not. */
static int
reader_sniff(struct reader *r, char err[ERR_LEN])
{
	ssize_t n;

	r->sniffed = 1;
	if (r->fd < 0) {
		if (r->memlen < 2 || (unsigned char)r->mem[0] != 0x1f ||
		    (unsigned char)r->mem[1] != 0x8b) {
			r->buf = r->mem;	/* read in place */
			r->end = r->memlen;
			r->raw_bytes = r->memlen;
			r->eof = 1;
			return 0;
		}
		r->chunk = xmalloc(READER_CHUNK);
		r->buf = r->chunk;
	}
	r->zin = xmalloc(READER_CHUNK);
	if ((n = reader_raw(r, r->zin, READER_CHUNK, err)) < 0)
		return -1;
	if (n >= 2 && (unsigned char)r->zin[0] == 0x1f && (unsigned char)r->zin[1] == 0x8b) {
		memset(&r->z, 0, sizeof(r->z));
		if (inflateInit2(&r->z, 15 + 16) != Z_OK)
			return err_set(err, "%s: gzip: cannot start decompressing", r->name);
		r->gz = 1;
		r->p.follow = 0;	/* a compressed log is complete */
		r->z.next_in = (Bytef *)r->zin;
		r->z.avail_in = (uInt)n;
		return reader_inflate(r, err);
	}
	memcpy(r->chunk, r->zin, (size_t)n);
	r->headlen = (size_t)n < sizeof(r->head) ? (size_t)n : sizeof(r->head);
	memcpy(r->head, r->zin, r->headlen);
	free(r->zin);
	r->zin = NULL;
	r->start = 0;
	r->end = (size_t)n;
	if (n == 0) {
		if (r->p.follow) {
			/* Nothing to look at yet: sniff again when bytes come. */
			r->sniffed = 0;
			r->waiting = 1;
		} else
			r->eof = 1;
	}
	return 0;
}

/* At the end of a file: did it shrink under us (truncated while read)? */
static void
reader_check_shrink(struct reader *r)
{
	struct stat st;

	if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size < r->raw_bytes)
		snprintf(r->notice, sizeof(r->notice), "%s: the file shrank to %lld bytes "
		    "while it was read, after byte %llu: it was truncated or rewritten, "
		    "and what it holds now was not read", r->name, (long long)st.st_size,
		    r->raw_bytes);
}

/* Refill the window; -1 on a read error. */
static int
reader_fill(struct reader *r, char err[ERR_LEN])
{
	ssize_t n;

	if (!r->sniffed)
		return reader_sniff(r, err);
	if (r->eof)
		return 0;
	if (r->gz)
		return reader_inflate(r, err);
	if (r->fd < 0) {
		r->eof = 1;
		return 0;
	}
	if ((n = reader_raw(r, r->chunk, READER_CHUNK, err)) < 0)
		return -1;
	r->start = 0;
	r->end = (size_t)n;
	if (n == 0) {
		if (r->p.follow)
			r->waiting = 1;
		else {
			r->eof = 1;
			reader_check_shrink(r);
		}
	}
	return 0;
}

static void
reader_keep(struct reader *r, const char *p, size_t n, int *truncated)
{
	if (r->line.len + n > READER_MAX_LINE) {
		n = READER_MAX_LINE - r->line.len;
		*truncated = 1;
	}
	buf_append(&r->line, p, n);
}

/*
 * Read one physical line into r->line: 1 = line, 0 = end, READER_WAIT =
 * following and no whole line yet, -1 = error.
 */
static int
reader_getline(struct reader *r, int *truncated, char err[ERR_LEN])
{
	const char *nl, *cr, *eol;
	int got;
	size_t n;

	if (r->held) {
		*truncated = r->held_truncated;
		got = 1;
	} else {
		buf_reset(&r->line);
		*truncated = 0;
		got = 0;
	}
	r->held = 0;
	for (;;) {
		if (r->start == r->end) {
			r->waiting = 0;
			if (reader_fill(r, err) != 0)
				return -1;
			if (r->start == r->end) {
				if (r->waiting) {
					r->held = got;
					r->held_truncated = *truncated;
					return READER_WAIT;
				}
				return got;
			}
		}
		n = r->end - r->start;
		nl = memchr(r->buf + r->start, '\n', n);
		cr = memchr(r->buf + r->start, '\r', nl ? (size_t)(nl - r->buf) - r->start : n);
		eol = cr ? cr : nl;
		got = 1;
		if (eol == NULL) {
			reader_keep(r, r->buf + r->start, n, truncated);
			r->bytes += n;
			r->start = r->end;
			continue;
		}
		n = (size_t)(eol - r->buf) - r->start;
		reader_keep(r, r->buf + r->start, n, truncated);
		r->bytes += n + 1;
		r->start += n + 1;
		if (*eol == '\r') {
			/* CR LF is one line end, even across a refill. */
			if (r->start == r->end && !r->eof && reader_fill(r, err) != 0)
				return -1;
			if (r->start < r->end && r->buf[r->start] == '\n') {
				r->start++;
				r->bytes++;
			}
		}
		return 1;
	}
}

/* ---------------------------------------------------------------------- */
/* Following                                                                */

static void
reader_restart(struct reader *r)
{
	r->start = r->end = 0;
	r->raw_bytes = r->bytes = 0;
	r->held = 0;
	r->eof = 0;
	r->sniffed = 0;
	r->lineno = 0;
	r->headlen = 0;
	r->ex.in = r->ex.binary = 0;
	r->dk[0].in = r->dk[1].in = 0;
	r->pj.in = 0;
	r->vb.in = 0;
	free(r->zin);
	r->zin = NULL;
	buf_reset(&r->line);
}

/*
 * Was the file rewritten from its start (truncated, then written past where
 * we had read)? Its size alone cannot tell: its first bytes can.
 */
static int
reader_head_changed(struct reader *r)
{
	char now[sizeof(r->head)];
	ssize_t n;

	if (r->headlen == 0)
		return 0;
	n = pread(r->fd, now, r->headlen, 0);
	return n >= 0 && ((size_t)n < r->headlen || memcmp(now, r->head, r->headlen) != 0);
}

int
reader_follow(struct reader *r)
{
	struct stat st, now;
	int fd;

	r->notice[0] = '\0';
	if (!r->p.follow || r->fd < 0 || r->path == NULL)
		return 0;
	if (stat(r->path, &now) == 0 && (now.st_dev != r->dev || now.st_ino != r->ino)) {
		if (!S_ISREG(now.st_mode)) {
			/* Never opened: a FIFO's open (or its reads) would hold up
			 * every other log. The old file is read on; said once. */
			if (now.st_dev == r->refused_dev && now.st_ino == r->refused_ino)
				return 0;
			r->refused_dev = now.st_dev;
			r->refused_ino = now.st_ino;
			snprintf(r->notice, sizeof(r->notice), "%s: replaced by %s, not a regular "
			    "file: not followed (the file it replaced is read on, and the name "
			    "is watched for a regular file)", r->name, reader_kind(now.st_mode));
			return 1;
		}
		if ((fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
			return 0;	/* not there yet: try again later */
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(fd);	/* swapped again between the stat and the open */
			return 0;
		}
		close(r->fd);
		r->fd = fd;
		r->dev = now.st_dev;
		r->ino = now.st_ino;
		r->size = (unsigned long long)now.st_size;
		reader_restart(r);
		snprintf(r->notice, sizeof(r->notice), "%s: the file was replaced (rotated); "
		    "reading the new one from its start", r->name);
		return 1;
	}
	if (fstat(r->fd, &st) == 0 && ((unsigned long long)st.st_size < r->raw_bytes ||
	    reader_head_changed(r))) {
		if (lseek(r->fd, 0, SEEK_SET) != 0)
			return 0;
		reader_restart(r);
		r->size = (unsigned long long)st.st_size;
		snprintf(r->notice, sizeof(r->notice), "%s: the file was truncated; reading "
		    "it again from its start", r->name);
		return 1;
	}
	if (fstat(r->fd, &st) == 0)
		r->size = (unsigned long long)st.st_size;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The legacy log                                                           */

static int
reader_two_digits(const char *p, int max)
{
	int v;

	if ((unsigned char)(p[0] - '0') > 9 || (unsigned char)(p[1] - '0') > 9)
		return -1;
	v = (p[0] - '0') * 10 + (p[1] - '0');
	return v <= max ? v : -1;
}

/* "HH:MM:SS - " at the start: returns seconds since midnight, or -1. */
static long
reader_timestamp(const char *s, size_t n)
{
	int h, m, sec;

	if (n < 11 || s[2] != ':' || s[5] != ':' || memcmp(s + 8, " - ", 3) != 0)
		return -1;
	if ((h = reader_two_digits(s, 23)) < 0 || (m = reader_two_digits(s + 3, 59)) < 0 ||
	    (sec = reader_two_digits(s + 6, 60)) < 0)
		return -1;
	return h * 3600L + m * 60L + sec;
}

/* `SMTP Smart-Host IP = "HOST"` names the smart host from here on. */
static void
reader_smart_host(struct reader *r, const char *s, size_t n)
{
	static const char key[] = "SMTP Smart-Host IP = \"";
	char value[PEER_HOST_MAX + 8], host[PEER_HOST_MAX], err[ERR_LEN];
	const char *q;
	unsigned port;
	size_t klen = sizeof(key) - 1, vlen, rest;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n <= klen || (*s != 'S' && *s != 's') || strncasecmp(s, key, klen) != 0)
		return;
	s += klen;
	n -= klen;
	if ((q = memchr(s, '"', n)) == NULL || (vlen = (size_t)(q - s)) >= sizeof(value) ||
	    memchr(s, '\0', vlen) != NULL)
		return;
	/* The value is the whole rest of the line: `"a"; b` is not a host. */
	for (rest = (size_t)(q - s) + 1; rest < n; rest++)
		if (s[rest] != ' ' && s[rest] != '\t')
			return;
	memcpy(value, s, vlen);
	value[vlen] = '\0';
	if (peer_parse(value, 0, host, &port, err) != 0)
		return;		/* not a usable host: keep what we had */
	snprintf(r->peer_host, sizeof(r->peer_host), "%s", host);
	r->peer_port = port;
}

/* The time of the current legacy record, from the reader's clock. */
static void
reader_legacy_when(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	int y, m, d;

	if (!r->have_time)
		return;
	rec->has_time = 1;
	rec->has_date = r->have_date;
	rec->t = r->day + r->secs;
	if (r->skim)
		return;
	if (!r->have_date) {
		memcpy(rec->when, r->clock, sizeof(r->clock));
		return;
	}
	/* Most lines share their day with the line before: format it once. */
	if (r->date_of != r->day || r->date_text[0] == '\0') {
		logtime_civil(r->day / LOGTIME_DAY, &y, &m, &d);
		snprintf(r->date_text, sizeof(r->date_text), "%04u-%02u-%02uT",
		    (unsigned)y % 10000u,
		    (unsigned)m % 100u, (unsigned)d % 100u);
		r->date_of = r->day;
	}
	memcpy(rec->when, r->date_text, 11);
	memcpy(rec->when + 11, r->clock, sizeof(r->clock));
}

/*
 * A start-up banner ("Tue Mar  1 09:14:07 1994 Microsoft Mail Gateway to SMTP
 * V3.0") names the gateway's version: kept as written ("3.0", "3.0a"), or
 * forgotten when a banner names none (another program's start).
 */
static void
reader_banner_version(struct reader *r, const char *s, size_t n)
{
	static const char mark[] = "Gateway to SMTP V";
	size_t m = sizeof(mark) - 1, i, k;

	/* The copyright line that follows the banner is not another start. */
	for (i = 0; i + 9 <= n; i++)
		if (strncasecmp(s + i, "Copyright", 9) == 0)
			return;
	r->version[0] = '\0';
	for (i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, mark, m) == 0)
			break;
	if (i + m > n)
		return;
	for (i += m, k = 0; i < n && k < READER_VERSION_MAX &&
	    (isalnum((unsigned char)s[i]) || s[i] == '.'); i++)
		r->version[k++] = s[i];
	r->version[k] = '\0';
}

static int
reader_legacy(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	const char *s = rec->raw;
	size_t n = rec->rawlen, i;
	long long day;
	long secs;

	if ((secs = reader_timestamp(s, n)) >= 0) {
		rec->kind = READER_EVENT;
		rec->text = s + 11;
		rec->len = n - 11;
		if (logtime_parse_ctime(rec->text, rec->len, &day) == 0) {
			r->day = day;
			r->have_date = 1;
			reader_banner_version(r, rec->text, rec->len);
		} else if (r->have_time && secs < r->secs - READER_ROLLOVER)
			r->day += LOGTIME_DAY;
		r->secs = secs;
		/* Kept as written: a leap second is 23:59:60, not 24:00:00. */
		memcpy(r->clock, s, 8);
		r->clock[8] = '\0';
		r->have_time = 1;
		/* (asked of every stamped line: most begin with neither 'S' nor a space) */
		if (rec->len > 0 && ((rec->text[0] | 0x20) == 's' || rec->text[0] == ' ' ||
		    rec->text[0] == '\t'))
			reader_smart_host(r, rec->text, rec->len);
		session_event(&r->session, rec->text, rec->len);
		return 1;
	}
	for (i = 0; i < n && s[i] == ' '; i++)
		;
	/* "[tx]" or "[rx]" in any case (ASCII: a byte | 0x20 is 'x' only for x, X) */
	if (n - i >= 5 && s[i] == '[' && s[i + 3] == ']' && s[i + 4] == ' ' &&
	    (s[i + 2] | 0x20) == 'x' && ((s[i + 1] | 0x20) == 't' || (s[i + 1] | 0x20) == 'r')) {
		rec->kind = tolower((unsigned char)s[i + 1]) == 't' ? READER_TX : READER_RX;
		rec->text = s + i + 5;
		rec->len = n - i - 5;
		session_transcript(&r->session, rec->kind == READER_TX, rec->text, rec->len);
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The journal and docker (reader_journal.h)                                */

static enum reader_format reader_syslog(struct reader *r, enum reader_format f);
static void reader_journal_entry(struct reader *r, const struct rj_entry *e);
static enum reader_format reader_journal_got(struct reader *r, const struct rj_entry *e,
    enum rj_kind k, enum reader_format f);
static enum reader_format reader_docker_json(struct reader *r, const struct rj_entry *e);
static int reader_docker_part(struct reader *r, struct rj_entry *e);

/* rec->when of t: the date part is formatted once per day. */
static void reader_when(struct reader *r, long long t);

/*
 * A journal entry or a docker line of JSON: the record, and its format; NDJSON
 * when it is neither (smtpgw's event, the caller's), TEXT when f does not
 * allow it or it is no event of any (bad_json 2).
 */
static enum reader_format
reader_journal_json(struct reader *r, json_t *o, enum reader_format f)
{
	struct rj_entry e;
	enum rj_kind k;

	memset(&e, 0, sizeof(e));
	e.msg = &r->text;
	k = rj_from_json(o, &e);
	if (k == RJ_NONE && (json_object_get(o, "time") != NULL ||
	    json_object_get(o, "text") != NULL))
		return f == READER_FORMAT_AUTO || f == READER_FORMAT_NDJSON ?
		    READER_FORMAT_NDJSON : READER_FORMAT_TEXT;
	return reader_journal_got(r, &e, k, f);
}

/* The record of a journal entry or docker line of JSON read as k, as f allows. */
static enum reader_format
reader_journal_got(struct reader *r, const struct rj_entry *ep, enum rj_kind k,
    enum reader_format f)
{
	struct reader_record *rec = &r->rec;
	struct rj_entry e = *ep;

	if (k == RJ_NONE || (f != READER_FORMAT_AUTO && f != (k == RJ_JOURNAL ?
	    READER_FORMAT_JOURNAL : READER_FORMAT_DOCKER))) {
		rec->bad_json = 2;	/* a JSON object, of no log we know */
		session_reset(&r->session);
		return READER_FORMAT_TEXT;
	}
	session_reset(&r->session);
	if (e.line && reader_docker_part(r, &e))
		return READER_FORMAT_DOCKER;
	if (e.line)
		return reader_docker_json(r, &e);
	if (e.msg_null)
		r->msg_null++;
	reader_journal_entry(r, &e);
	return READER_FORMAT_JOURNAL;
}

/*
 * docker json-file writes a line longer than 16 kB as several entries, each
 * but the last without its line end (partial). They are joined, as docker's
 * own reader does: each part is a line counted, never matched (inner), and
 * the last is the record of the whole line (self, whole even when skimmed),
 * placed at the first part, at its time. 1 when e was a part (the record is
 * that of a line of it); 0 when e is the whole line, in e and r->text.
 */
static int
reader_docker_part(struct reader *r, struct rj_entry *e)
{
	struct reader_record *rec = &r->rec;
	struct reader_docker_part *d = &r->dk[e->on_stderr ? 1 : 0];
	size_t room;

	if (!e->partial && !d->in)
		return 0;
	if (!d->in) {
		d->in = 1;
		d->cut = 0;
		buf_reset(&d->text);
		d->line = rec->line;
		d->offset = rec->offset;
		d->has_time = e->has_time;
		d->t = e->t;
	}
	room = READER_MAX_LINE - d->text.len;
	if (r->text.len > room)
		d->cut = 1;
	buf_append(&d->text, r->text.data ? r->text.data : "", r->text.len > room ?
	    room : r->text.len);
	if (e->partial) {
		rec->inner = 1;
		rec->has_nul = 0;
		rec->subject = rec->raw;
		rec->subjectlen = 0;
		return 1;
	}
	/* the last part: the whole line */
	d->in = 0;
	buf_reset(&r->text);
	buf_append(&r->text, d->text.data, d->text.len);
	if (d->text.len > 65536) {	/* a long line's memory not kept */
		buf_free(&d->text);
	}
	rec->line = d->line;
	rec->offset = d->offset;
	rec->truncated |= d->cut;
	rec->self = 1;
	e->has_time = d->has_time;
	e->t = d->t;
	return 0;
}

/* A journal entry (JSON or export) as the record. */
static void
reader_journal_entry(struct reader *r, const struct rj_entry *e)
{
	struct reader_record *rec = &r->rec;

	rec->kind = READER_EVENT;
	rec->subject = buf_str(&r->text);
	rec->subjectlen = r->text.len;
	rec->text = rec->subject + e->text_off;
	rec->len = rec->subjectlen - e->text_off;
	if (e->program[0]) {
		memcpy(r->program, e->program, sizeof(r->program));
		rec->program = r->program;
	}
	if (e->host[0]) {
		memcpy(r->host, e->host, sizeof(r->host));
		rec->host = r->host;
	}
	rec->pid = e->pid;
	rec->has_time = rec->has_date = e->has_time;
	rec->t = e->t;
	rec->when[0] = '\0';
	if (e->has_time)
		reader_when(r, e->t);
}

/* A docker json-file line: what the container wrote, at docker's time. */
static enum reader_format
reader_docker_json(struct reader *r, const struct rj_entry *e)
{
	struct reader_record *rec = &r->rec;
	const char *raw = rec->raw;
	size_t rawlen = rec->rawlen;
	int used = r->year_used;

	rec->kind = READER_EVENT;
	rec->text = rec->subject = buf_str(&r->text);
	rec->len = rec->subjectlen = r->text.len;
	/* What the container wrote: itself a syslog line, or plain text. */
	rec->raw = rec->text;
	rec->rawlen = rec->len;
	reader_syslog(r, READER_FORMAT_SYSLOG);
	rec->raw = raw;
	rec->rawlen = rawlen;
	rec->kind = READER_EVENT;
	if (!e->has_time)
		return READER_FORMAT_DOCKER;	/* the line's own time, if any */
	/* docker's time has the year, and the zone */
	rec->year_inferred = 0;
	r->year_used = used;
	rec->has_time = rec->has_date = 1;
	rec->t = e->t;
	reader_when(r, e->t);
	return READER_FORMAT_DOCKER;
}

/*
 * journalctl -o export: a line of an entry (inner), or the empty line that
 * ends one, which is the entry's record (self), placed at its MESSAGE line.
 * 0 when the line is no part of an entry.
 */
static int
reader_export(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	struct rj_entry e;
	struct reader_record keep;
	int was_in = r->ex.in;

	switch (rj_export_line(&r->ex, rec->raw, rec->rawlen, rec->offset)) {
	case RJ_EXPORT_NONE:
		return 0;
	case RJ_EXPORT_FIELD:
		if (!was_in)
			r->ex_start = rec->line;
		rec->inner = 1;
		rec->has_nul = 0;	/* a binary field's bytes: not examined as text */
		rec->subject = rec->raw;
		rec->subjectlen = 0;
		if (r->ex.msg_now) {
			r->ex_line = rec->line;
			r->ex_offset = rec->offset;
		}
		return 1;
	case RJ_EXPORT_END:
		break;
	}
	/* a whole record, even when skimmed */
	keep = *rec;
	memset(rec, 0, sizeof(*rec));
	rec->file = keep.file;
	rec->raw = keep.raw;
	rec->rawlen = keep.rawlen;
	rec->line = r->ex.has_msg ? r->ex_line : keep.line;
	rec->offset = r->ex.has_msg ? r->ex_offset : keep.offset;
	rec->self = 1;
	memset(&e, 0, sizeof(e));
	e.msg = &r->text;
	rj_export_entry(&r->ex, &e);
	session_reset(&r->session);
	reader_journal_entry(r, &e);
	return 1;
}

static void reader_entry_record(struct reader *, int, unsigned long, unsigned long long);

/*
 * journalctl -o json-pretty: a line of an entry (inner), or the "}" that
 * ends one, which is the entry's record (self), placed at its MESSAGE line,
 * read as the same object on one line is. 0 when the line is no part of an
 * entry.
 */
static int
reader_pretty(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	struct rj_entry e;
	enum rj_kind k;
	int was_in = r->pj.in;

	switch (rj_pretty_line(&r->pj, rec->raw, rec->rawlen)) {
	case RJ_PRETTY_NONE:
		return 0;
	case RJ_PRETTY_LINE:
		if (!was_in) {
			r->pj_start = rec->line;
			r->pj_has_msg = 0;
		}
		rec->inner = 1;
		rec->subject = rec->raw;
		rec->subjectlen = 0;
		if (r->pj.msg_now && !r->pj_has_msg) {
			r->pj_has_msg = 1;
			r->pj_line = rec->line;
			r->pj_offset = rec->offset;
		}
		return 1;
	case RJ_PRETTY_END:
		break;
	}
	reader_entry_record(r, r->pj_has_msg, r->pj_line, r->pj_offset);
	memset(&e, 0, sizeof(e));
	e.msg = &r->text;
	if ((k = rj_scan(r->pj.json.data, r->pj.json.len, &e)) == RJ_NONE) {
		json_error_t jerr;
		json_t *o = json_loadb(r->pj.json.data, r->pj.json.len, JSON_REJECT_DUPLICATES,
		    &jerr);

		memset(&e, 0, sizeof(e));
		e.msg = &r->text;
		k = o != NULL ? rj_from_json(o, &e) : RJ_NONE;
		json_decref(o);
	}
	session_reset(&r->session);
	if (k != RJ_JOURNAL) {
		/* an object of no log we know, or none at all: said as such */
		rec->bad_json = k == RJ_NONE ? 1 : 2;
		return 1;
	}
	if (e.msg_null)
		r->msg_null++;
	reader_journal_entry(r, &e);
	return 1;
}

/* The record of a journal entry of several lines, at its line msg_line. */
static void
reader_entry_record(struct reader *r, int has_msg, unsigned long msg_line,
    unsigned long long msg_offset)
{
	struct reader_record *rec = &r->rec;
	struct reader_record keep = *rec;

	/* a whole record, even when skimmed */
	memset(rec, 0, sizeof(*rec));
	rec->file = keep.file;
	rec->raw = keep.raw;
	rec->rawlen = keep.rawlen;
	rec->kind = READER_TEXT;
	rec->text = rec->subject = rec->raw;
	rec->len = rec->subjectlen = rec->rawlen;
	rec->line = has_msg ? msg_line : keep.line;
	rec->offset = has_msg ? msg_offset : keep.offset;
	rec->self = 1;
}

/*
 * journalctl -o verbose: a line of an entry (inner), or the one that gives
 * the entry's record (self), placed at its MESSAGE line. 0 when the line is
 * no part of an entry.
 */
static int
reader_verbose(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	unsigned long line = rec->line;
	struct rj_entry e;
	enum rj_verbose_step step = rj_verbose_line(&r->vb, rec->raw, rec->rawlen);

	if (step == RJ_VERBOSE_NONE)
		return 0;
	if (step == RJ_VERBOSE_LINE) {
		if (r->vb.header_now) {
			r->vb_start = line;
			r->vb_has_msg = 0;
		}
		if (r->vb.f.msg_now) {
			r->vb_has_msg = 1;
			r->vb_line = rec->line;
			r->vb_offset = rec->offset;
		}
		rec->inner = 1;
		rec->subject = rec->raw;
		rec->subjectlen = 0;
		return 1;
	}
	reader_entry_record(r, r->vb_has_msg, r->vb_line, r->vb_offset);
	memset(&e, 0, sizeof(e));
	e.msg = &r->text;
	rj_verbose_entry(&r->vb, &e);
	session_reset(&r->session);
	reader_journal_entry(r, &e);
	if (step == RJ_VERBOSE_FLUSH) {
		/* this header starts the next entry */
		r->vb_has_msg = 0;
		r->vb_start = line;
		rj_verbose_line(&r->vb, rec->raw, rec->rawlen);
	}
	return 1;
}

/*
 * journalctl's lines of its own: "-- Logs begin at ..., end at ... --" dates
 * the year-less stamps after it (unless --date does); "-- Boot ... --" and
 * the like are text.
 */
static void
reader_journal_header(struct reader *r)
{
	const struct reader_record *rec = &r->rec;
	long long end;

	if (rec->rawlen < 6 || rec->raw[0] != '-' || r->p.has_anchor ||
	    !rj_header(rec->raw, rec->rawlen, &end))
		return;
	r->anchor = end;
	r->anchor_from = READER_YEAR_HEADER;
	r->bsd_mo = r->bsd_d = 0;	/* the year rule's cache was of the old anchor */
}

/* ---------------------------------------------------------------------- */
/* smtpgw events                                                            */

static const char *
reader_json_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An integer key of tcp_info, or -1 when it is missing or not a count. */
static long long
reader_json_count(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

static const char *const reader_tcp_states[] = {
	"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

void
reader_tcp_set_state(struct reader_tcp *t, const char *s)
{
	size_t i;

	t->state[0] = '\0';
	for (i = 0; s != NULL && i < sizeof(reader_tcp_states) / sizeof(reader_tcp_states[0]); i++)
		if (strcmp(s, reader_tcp_states[i]) == 0) {
			snprintf(t->state, sizeof(t->state), "%s", s);
			return;
		}
}

int
reader_tcp_peer_closed(const struct reader_tcp *t)
{
	/* The states a socket reaches only after the peer's FIN. */
	return strcmp(t->state, "CLOSE_WAIT") == 0 || strcmp(t->state, "LAST_ACK") == 0 ||
	    strcmp(t->state, "CLOSING") == 0 || strcmp(t->state, "TIME_WAIT") == 0 ||
	    strcmp(t->state, "CLOSE") == 0;
}

void
reader_tcp_from_json(struct reader_tcp *t, const struct json_t *o)
{
	json_t *obj = (json_t *)o;	/* jansson's getters take no const */

#define TCP_KEY(key, type, rank) t->key = reader_json_count(obj, #key);
	TCPINFO_KEYS(TCP_KEY)
#undef TCP_KEY
	reader_tcp_set_state(t, reader_json_str(obj, "state"));
}

static void
reader_tcp_info(struct reader_record *rec, json_t *o)
{
	if (!json_is_object(o))
		return;
	reader_tcp_from_json(&rec->tcp, o);
	rec->has_tcp = 1;
}

/*
 * A JSON object a line: smtpgw's event, a journal entry or a docker line
 * (reader_journal.h), as the format f allows. Its format, or TEXT.
 */
static enum reader_format
reader_ndjson(struct reader *r, enum reader_format f)
{
	struct reader_record *rec = &r->rec;
	char host[PEER_HOST_MAX], err[ERR_LEN];
	const char *s = rec->raw, *v;
	json_error_t jerr;
	json_t *o, *port;
	long long t;
	size_t used, i, seq;
	unsigned p;
	enum reader_format got;

	seq = rj_json_seq(s, rec->rawlen);	/* journalctl -o json-seq */
	for (i = seq; i < rec->rawlen && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == rec->rawlen || s[i] != '{')
		return READER_FORMAT_TEXT;
	if (f != READER_FORMAT_NDJSON) {
		/* the journal's and docker's lines without jansson, when it can */
		struct rj_entry e;
		enum rj_kind k;

		memset(&e, 0, sizeof(e));
		e.msg = &r->text;
		if ((k = rj_scan(s + seq, rec->rawlen - seq, &e)) != RJ_NONE)
			return reader_journal_got(r, &e, k, f);
	}
	o = json_loadb(s + seq, rec->rawlen - seq, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		rec->bad_json = 1;
		session_reset(&r->session);	/* not part of the last event */
		return READER_FORMAT_TEXT;
	}
	if ((got = reader_journal_json(r, o, f)) != READER_FORMAT_NDJSON) {
		json_decref(o);
		return got;
	}
	rec->kind = READER_EVENT;
	buf_reset(&r->text);
	if ((v = reader_json_str(o, "text")) != NULL)
		buf_puts(&r->text, v);
	rec->text = rec->subject = buf_str(&r->text);
	rec->len = rec->subjectlen = r->text.len;
	if ((v = reader_json_str(o, "time")) != NULL &&
	    logtime_parse_iso(v, strlen(v), &t, &used) == 0) {
		rec->has_time = rec->has_date = 1;
		rec->t = t;
		logtime_format(t, 1, rec->when);
	}
	if ((v = reader_json_str(o, "peer")) != NULL && peer_parse(v, 0, host, &p, err) == 0) {
		snprintf(r->peer_host, sizeof(r->peer_host), "%s", host);
		port = json_object_get(o, "port");
		r->peer_port = json_is_integer(port) && json_integer_value(port) > 0 &&
		    json_integer_value(port) <= 65535 ? (unsigned)json_integer_value(port) : p;
	}
	if ((v = reader_json_str(o, "site")) != NULL && strlen(v) < sizeof(r->site)) {
		memcpy(r->site, v, strlen(v) + 1);
		rec->site = r->site;
	}
	if ((v = reader_json_str(o, "queue_id")) != NULL && strlen(v) < sizeof(r->queue_id)) {
		memcpy(r->queue_id, v, strlen(v) + 1);
		rec->queue_id = r->queue_id;
	}
	session_reset(&r->session);
	r->session.phase = smtp_phase_parse(reader_json_str(o, "phase"));
	if ((v = reader_json_str(o, "last_command")) != NULL)
		snprintf(r->session.command, sizeof(r->session.command), "%s", v);
	if ((v = reader_json_str(o, "last_reply")) != NULL)
		snprintf(r->session.reply, sizeof(r->session.reply), "%s", v);
	/* smtpgw opens with EHLO, and names itself in it (and in a HELO after). */
	if ((v = reader_json_str(o, "helo")) != NULL)
		snprintf(r->session.helo, sizeof(r->session.helo), "EHLO %s", v);
	/* An errno name is a C identifier; anything else is not one. */
	if ((v = reader_json_str(o, "errno")) != NULL && v[0] == 'E' &&
	    strlen(v) < sizeof(r->errno_name) && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
	    strlen(v)) {
		memcpy(r->errno_name, v, strlen(v) + 1);
		rec->errno_name = r->errno_name;
	}
	reader_tcp_info(rec, json_object_get(o, "tcp_info"));
	json_decref(o);
	return READER_FORMAT_NDJSON;
}

/* ---------------------------------------------------------------------- */
/* syslog and Exim                                                          */

/* rec->when of t: the date part is formatted once per day. */
static void
reader_when(struct reader *r, long long t)
{
	long long day = t >= 0 ? t / LOGTIME_DAY : (t - LOGTIME_DAY + 1) / LOGTIME_DAY;
	long secs = (long)(t - day * LOGTIME_DAY);
	char *w = r->rec.when;

	if (r->when_day != day || r->when_date[0] == '\0') {
		char full[32];

		logtime_format(day * LOGTIME_DAY, 1, full);
		memcpy(r->when_date, full, 11);
		r->when_date[11] = '\0';
		r->when_day = day;
	}
	memcpy(w, r->when_date, 11);
	w[11] = (char)('0' + secs / 36000);
	w[12] = (char)('0' + secs / 3600 % 10);
	w[13] = ':';
	w[14] = (char)('0' + secs / 600 % 6);
	w[15] = (char)('0' + secs / 60 % 10);
	w[16] = ':';
	w[17] = (char)('0' + secs % 60 / 10);
	w[18] = (char)('0' + secs % 10);
	w[19] = '\0';
}

/* A word of name bytes ending in a space: its length, or 0. */
static size_t
reader_word(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i <= READER_NAME_MAX && s[i] > ' ' && s[i] < 0x7f; i++)
		;
	return i < n && s[i] == ' ' && i > 0 && i <= READER_NAME_MAX ? i : 0;
}

/* The bytes of a program name: letters, digits, '/', '_', '.', '-'. */
static int
reader_name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '/' || c == '_' || c == '.' || c == '-';
}

/* "prog[pid]: " or "prog: " at s: its length, the program name and pid. */
static size_t
reader_tag(const char *s, size_t n, char prog[READER_NAME_MAX + 1], long *pid)
{
	size_t i, plen;
	long v = 0;

	for (i = 0; i < n && i < READER_NAME_MAX && reader_name_byte((unsigned char)s[i]); i++)
		;
	if (i == 0)
		return 0;
	plen = i;
	if (i < n && s[i] == '[') {
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			if (v < 100000000L)
				v = v * 10 + (s[i] - '0');
		if (i >= n || s[i] != ']')
			return 0;
		i++;
	}
	if (i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	memcpy(prog, s, plen);
	prog[plen] = '\0';
	*pid = v;
	return i + 2;
}

/*
 * busybox syslogd's "facility.level" field between the host and the tag
 * ("host mail.info postfix/smtp[PID]: "; syslogd -S leaves it out): its
 * length w, a word of a facility, a dot and a level, or 0.
 */
static int
reader_facility_level(const char *s, size_t w)
{
	static const char *const levels[] = {
		"emerg", "alert", "crit", "err", "warn", "warning", "notice", "info",
		"debug", NULL
	};
	const char *dot = memchr(s, '.', w);
	size_t f, l, k;

	if (dot == NULL || (f = (size_t)(dot - s)) == 0 || (l = w - f - 1) == 0)
		return 0;
	for (k = 0; k < f; k++)
		if (!islower((unsigned char)s[k]) && !isdigit((unsigned char)s[k]))
			return 0;
	for (k = 0; levels[k] != NULL; k++)
		if (strlen(levels[k]) == l && memcmp(dot + 1, levels[k], l) == 0)
			return 1;
	return 0;
}

/*
 * Where the message of a syslog line probably starts, from the line alone
 * (reader.h): after the tag that ends at the line's first ": " when a host
 * word is before it, else after an Exim main log's "YYYY-MM-DD HH:MM:SS "
 * (with an optional fraction).
 */
int
reader_guess_text(const char *s, size_t n, struct reader_guess *g)
{
	char prog[READER_NAME_MAX + 1];
	const char *c;
	size_t lim = n < 256 ? n : 256, at = 0, j, h, k, w, tag;

	memset(g, 0, sizeof(*g));
	/* The tag ends at the line's first ": "; the host is the word before it. */
	while ((c = memchr(s + at, ':', lim - at)) != NULL) {
		at = (size_t)(c - s) + 1;
		if (at < n && s[at] == ' ')
			break;
	}
	if (c != NULL) {
		j = (size_t)(c - s);
		if (j > 0 && s[j - 1] == ']') {
			for (j--; j > 0 && isdigit((unsigned char)s[j - 1]); j--)
				;
			j = j > 0 && s[j - 1] == '[' ? j - 1 : 0;
		}
		for (k = j; k > 0 && j - k < READER_NAME_MAX &&
		    reader_name_byte((unsigned char)s[k - 1]); k--)
			;
		for (h = k > 1 ? k - 1 : 0; h > 0 && k - 1 - h <= READER_NAME_MAX &&
		    s[h - 1] > ' ' && s[h - 1] < 0x7f; h--)
			;
		if (k > 1 && s[k - 1] == ' ' && (h == 0 || s[h - 1] == ' ') &&
		    (w = reader_word(s + h, n - h)) == k - 1 - h &&
		    (tag = reader_tag(s + k, n - k, prog, &g->pid)) > 0) {
			g->prog = k;
			g->prog_len = strlen(prog);
			g->text = k + tag;
			return 1;
		}
		g->pid = 0;
	}
	/* Exim: 1999-03-02 09:44:33[.nnn] message (a zone after it is read as
	 * the message's, as the reader does) */
	for (k = 0; k < 19; k++) {
		char ch = k < n ? s[k] : '\0';

		if (k == 4 || k == 7 ? ch != '-' : k == 10 ? ch != ' ' : k == 13 || k == 16 ?
		    ch != ':' : !(ch >= '0' && ch <= '9'))
			return 0;
	}
	if (k < n && s[k] == '.')
		for (k++; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			;
	if (k >= n || s[k] != ' ')
		return 0;
	g->text = k + 1;
	g->pid = 0;
	return 1;
}

/*
 * "3:04:29 host prog[pid]: " (busybox: "host facility.level prog[pid]: "): a
 * syslog line pasted without its date. The time of day in *t, *used; 0 or -1.
 */
static int
reader_dateless(const char *s, size_t n, long long *t, size_t *used)
{
	char prog[READER_NAME_MAX + 1];
	long pid;
	size_t k, w;

	if (logtime_parse_clock_alone(s, n, t, &k) != 0 ||
	    (w = reader_word(s + k + 1, n - k - 1)) == 0)
		return -1;
	s += k + 1 + w + 1;
	n -= k + 1 + w + 1;
	if (reader_tag(s, n, prog, &pid) == 0 && ((w = reader_word(s, n)) == 0 ||
	    reader_tag(s + w + 1, n - w - 1, prog, &pid) == 0))
		return -1;
	*used = k;
	return 0;
}

/*
 * A syslog line, or one of journalctl's short forms (reader_journal.h), or
 * docker's (logs --timestamps): SYSLOG or DOCKER, or TEXT when it is none.
 */
static enum reader_format
reader_syslog(struct reader *r, enum reader_format f)
{
	struct reader_record *rec = &r->rec;
	const char *s = rec->raw;
	size_t n = rec->rawlen, i = 0, used, w, tag, fl;
	long long t;
	int rfc5424 = 0, bsd = 0, mono = 0, dateless = 0, fields, mo, d;
	long long secs;
	size_t fused;
	enum reader_format got = READER_FORMAT_SYSLOG;
	enum rj_stamp js;

	(void)f;
	if (n > 2 && s[0] == '<') {		/* a priority: <13> */
		for (i = 1; i < n && i < 5 && isdigit((unsigned char)s[i]); i++)
			;
		if (i == 1 || i >= n || s[i] != '>')
			return READER_FORMAT_TEXT;
		i++;
		if (i + 1 < n && s[i] == '1' && s[i + 1] == ' ') {
			rfc5424 = 1;
			i += 2;
		}
	}
	/* a prefix the log did not write: an indent, zgrep's FILE:, compose's "svc | " */
	if (i == 0)
		i = logtime_prefix(s, n);
	/* docker logs --timestamps: its stamp, then the container's line */
	if (i == 0 && rj_docker_stamp(s, n, &t, &used)) {
		size_t inner;
		long long ti;

		got = READER_FORMAT_DOCKER;
		/* a stamp of the line's own is passed over: docker's has the year */
		if (logtime_parse_iso(s + used, n - used, &ti, &inner) == 0 && inner > 10)
			used += inner;
		else if (logtime_parse_bsd(s + used, n - used, 2000, &ti, &inner) == 0)
			used += inner + rj_fraction(s + used + inner, n - used - inner);
		else
			used--;		/* the space after docker's stamp */
	/* An RFC 3339 stamp has a time; else a BSD one, dated by the year rule. */
	} else if (logtime_parse_iso(s + i, n - i, &t, &used) == 0 && used > 10)
		;
	/*
	 * A BSD stamp's fields, read once (they were read twice, with and without
	 * a year, on every such line): "Apr 06 15:16:46 2016" with its year (the
	 * test before logtime_parse_bsd_year() is a part of its own), else dated
	 * by the year rule below. No other stamp begins with a month's name, so
	 * the others are tried only when these fields are not there.
	 */
	else if ((fields = logtime_parse_bsd_fields(s + i, n - i, &mo, &d, &secs,
	    &fused) == 0) && fused + 6 <= n - i && s[i + fused] == ' ' && s[i + fused + 5] == ' ' &&
	    isdigit((unsigned char)s[i + fused + 1]) &&
	    logtime_parse_bsd_year(s + i, n - i, &t, &used) == 0)
		;
	else if (!fields && logtime_parse_dmy(s + i, n - i, &t, &used) == 0)
		;	/* "11.12.2019, 16:53:13": with its year */
	else if (!fields && (js = rj_stamp(s + i, n - i, &t, &used)) != RJ_STAMP_NONE)
		mono = js == RJ_STAMP_MONO;	/* journalctl's short-full, -unix, -monotonic */
	else if (!fields && reader_dateless(s + i, n - i, &t, &used) == 0)
		dateless = 1;	/* a time of day, no date: t is its seconds */
	else {
		long long day;

		if (!fields)
			return READER_FORMAT_TEXT;
		used = fused + rj_fraction(s + i + fused, n - i - fused);	/* short-precise */
		/* The year rule once per date; again only when a time passes the anchor. */
		if (mo == r->bsd_mo && d == r->bsd_d)
			day = r->bsd_day;
		else if (logtime_bsd_day_before(mo, d, secs, r->anchor, &day) != 0)
			return READER_FORMAT_TEXT;
		else if ((day + 1) * LOGTIME_DAY <= r->anchor) {
			/* A whole day before the anchor: any time of it is. */
			r->bsd_mo = mo;
			r->bsd_d = d;
			r->bsd_day = day;
		}
		t = day * LOGTIME_DAY + secs;
		bsd = 1;
	}
	i += used;
	if (i >= n || s[i] != ' ')
		return READER_FORMAT_TEXT;
	i++;
	rec->kind = READER_EVENT;
	rec->has_time = rec->has_date = !mono;
	rec->has_date &= !dateless;
	rec->t = mono ? 0 : t;
	if (mono && r->mono == 0)
		r->mono = 1;
	if (bsd) {
		rec->year_inferred = 1;
		r->year_used = 1;
	}
	if (r->skim) {
		/* Who wrote it and its text are the record's, not the state's. */
		session_reset(&r->session);
		return got;
	}
	if (dateless)
		logtime_format(t, 0, rec->when);
	else if (!mono)
		reader_when(r, t);
	/*
	 * "host prog[pid]: message"; Exim writes the message right away;
	 * busybox's syslogd "host facility.level prog[pid]: message".
	 */
	w = reader_word(s + i, n - i);
	fl = 0;
	if (w > 0 && (fl = reader_word(s + i + w + 1, n - i - w - 1)) > 0 &&
	    reader_facility_level(s + i + w + 1, fl))
		fl++;		/* the field and its space */
	else
		fl = 0;
	if (w > 0 && (tag = reader_tag(s + i + w + 1 + fl, n - i - w - 1 - fl, r->program,
	    &rec->pid)) > 0) {
		tag += fl;
		rec->program = r->program;
		memcpy(r->host, s + i, w);
		r->host[w] = '\0';
		rec->host = r->host;
		i += w + 1 + tag;
	} else if (rfc5424 && (w = reader_word(s + i, n - i)) > 0) {
		/* HOST APP PROCID MSGID SD: five words, then the message. */
		int k;

		for (k = 0; k < 5 && (w = reader_word(s + i, n - i)) > 0; k++) {
			if (k == 0 && !(w == 1 && s[i] == '-')) {
				memcpy(r->host, s + i, w);
				r->host[w] = '\0';
				rec->host = r->host;
			} else if (k == 1) {
				snprintf(r->program, sizeof(r->program), "%.*s", (int)w, s + i);
				rec->program = r->program;
			} else if (k == 2 && isdigit((unsigned char)s[i]))
				rec->pid = strtol(s + i, NULL, 10);
			i += w + 1;
		}
	} else if (i < n && s[i] == '[') {	/* Exim: "[pid] " */
		size_t j;

		for (j = i + 1; j < n && isdigit((unsigned char)s[j]); j++)
			;
		if (j + 1 < n && s[j] == ']' && s[j + 1] == ' ')
			i = j + 2;
	}
	rec->text = s + i;
	rec->len = n - i;
	/*
	 * An MTA's line names its own phase (mta.h reads it when the line
	 * matters); there is no transcript to follow.
	 */
	session_reset(&r->session);
	return got;
}

/* ---------------------------------------------------------------------- */

/*
 * A line with no stamp after a syslog line is most often a piece of it that
 * a mail client or a terminal wrapped: it gets that line's time (as a legacy
 * transcript line gets its event's). After any other line, none.
 */
static void
reader_wrap_when(struct reader *r, enum reader_format got)
{
	struct reader_record *rec = &r->rec;

	if (got == READER_FORMAT_SYSLOG) {
		r->wrap_timed = rec->has_time;
		r->wrap_dated = rec->has_date;
		r->wrap_year = rec->year_inferred;
		r->wrap_t = rec->t;
		return;
	}
	if (got != READER_FORMAT_TEXT || rec->kind != READER_TEXT) {
		r->wrap_timed = 0;
		return;
	}
	if (!r->wrap_timed || rec->has_time)
		return;
	rec->has_time = 1;
	rec->has_date = r->wrap_dated;
	rec->year_inferred = r->wrap_year;
	rec->t = r->wrap_t;
	if (!r->skim)
		logtime_format(rec->t, rec->has_date, rec->when);
}

/*
 * The pieces of an MTA's line that a mail client, a forum or a terminal
 * wrapped (mta_continuation(), mta.h): a syslog line that may have been cut
 * is kept; a line with no prefix of its own that is its rest is joined to it,
 * and the record is read from the whole (its stamp, program, queue id and
 * fields), at the piece's line. Two lines with prefixes are never joined.
 */
static enum reader_format
reader_wrap_join(struct reader *r, enum reader_format f, enum reader_format got)
{
	struct reader_record *rec = &r->rec;
	const char *raw = rec->raw;
	size_t rawlen = rec->rawlen, n;
	enum mta_join j;

	if (got == READER_FORMAT_SYSLOG) {
		buf_reset(&r->wrap_line);
		if (mta_unfinished(raw, rawlen))
			buf_append(&r->wrap_line, raw, rawlen);
		return got;
	}
	if (r->wrap_line.len == 0)
		return got;
	j = got == READER_FORMAT_TEXT && rec->kind == READER_TEXT ?
	    mta_continuation(buf_str(&r->wrap_line), r->wrap_line.len, raw, rawlen) :
	    MTA_JOIN_NONE;
	if (j == MTA_JOIN_NONE) {
		buf_reset(&r->wrap_line);
		return got;
	}
	for (n = r->wrap_line.len; n > 0 && (r->wrap_line.data[n - 1] == ' ' ||
	    r->wrap_line.data[n - 1] == '\t' || r->wrap_line.data[n - 1] == '\r'); n--)
		;
	r->wrap_line.len = n;
	if (j == MTA_JOIN_SPACE)
		buf_putc(&r->wrap_line, ' ');
	buf_append(&r->wrap_line, raw, rawlen);
	/* patterns are matched against the piece, as scan.h's worker does */
	rec->raw = rec->text = buf_str(&r->wrap_line);
	rec->rawlen = rec->len = r->wrap_line.len;
	if ((got = reader_syslog(r, f)) == READER_FORMAT_TEXT) {
		/* (its first piece was read so: not expected) */
		rec->kind = READER_TEXT;
		rec->raw = rec->text = raw;
		rec->rawlen = rec->len = rawlen;
		buf_reset(&r->wrap_line);
	}
	rec->subject = raw;
	rec->subjectlen = rawlen;
	return got;
}

static void
reader_classify(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	enum reader_format f = r->p.format, got = READER_FORMAT_TEXT;

	rec->kind = READER_TEXT;
	rec->errno_name = NULL;
	rec->has_tcp = 0;
	rec->inner = rec->self = 0;
	rec->text = rec->subject = rec->raw;
	rec->len = rec->subjectlen = rec->rawlen;
	if ((f == READER_FORMAT_AUTO || f == READER_FORMAT_JOURNAL) && (r->ex.in ||
	    (rec->rawlen > 2 && rec->raw[0] == '_' && rec->raw[1] == '_')) && reader_export(r))
		got = READER_FORMAT_JOURNAL;	/* journalctl -o export */
	else if ((f == READER_FORMAT_AUTO || f == READER_FORMAT_JOURNAL) && (r->vb.in ||
	    (rec->rawlen > 4 && rec->raw[0] >= 'A' && rec->raw[0] <= 'Z' && rec->raw[3] == ' ')) &&
	    reader_verbose(r))
		got = READER_FORMAT_JOURNAL;	/* journalctl -o verbose */
	else if ((f == READER_FORMAT_AUTO || f == READER_FORMAT_JOURNAL) && (r->pj.in ||
	    (rec->rawlen > 0 && rec->raw[0] == '{')) && reader_pretty(r))
		/* -o json-pretty (its "{" line: not yet known to be) */
		got = rec->bad_json || r->pj.in == 1 ? READER_FORMAT_TEXT : READER_FORMAT_JOURNAL;
	else if ((f == READER_FORMAT_AUTO || f == READER_FORMAT_LEGACY) && reader_legacy(r))
		got = READER_FORMAT_LEGACY;
	else if (f != READER_FORMAT_LEGACY && f != READER_FORMAT_SYSLOG && f != READER_FORMAT_TEXT &&
	    /* (reader_ndjson() takes only a line that begins so: asked of every syslog line) */
	    rec->rawlen > 0 && (rec->raw[0] == '{' || rec->raw[0] == ' ' ||
	    rec->raw[0] == '\t' || rec->raw[0] == '\x1e') &&
	    (got = reader_ndjson(r, f)) != READER_FORMAT_TEXT)
		;
	else if (f != READER_FORMAT_LEGACY && f != READER_FORMAT_NDJSON && f != READER_FORMAT_TEXT &&
	    (got = reader_syslog(r, f)) != READER_FORMAT_TEXT)
		;
	else if (f != READER_FORMAT_LEGACY && f != READER_FORMAT_NDJSON)
		reader_journal_header(r);
	if (got == READER_FORMAT_SYSLOG || r->wrap_line.len > 0)
		got = reader_wrap_join(r, f, got);
	rec->format = got;
	if (got == READER_FORMAT_LEGACY && rec->kind == READER_EVENT &&
	    r->format == READER_FORMAT_TEXT)
		r->format = READER_FORMAT_LEGACY;
	else if (got != READER_FORMAT_TEXT && got != READER_FORMAT_LEGACY &&
	    r->format == READER_FORMAT_TEXT)
		r->format = got;
	if (got == READER_FORMAT_LEGACY || got == READER_FORMAT_TEXT)
		reader_legacy_when(r);
	reader_wrap_when(r, got);
	if (r->skim && !rec->self)
		return;
	rec->peer_host = r->peer_host[0] ? r->peer_host : NULL;
	rec->greeting = r->session.greeting[0] ? r->session.greeting : NULL;
	rec->helo = r->session.helo[0] ? r->session.helo : NULL;
	rec->helo_reply = r->session.helo_reply[0] ? r->session.helo_reply : NULL;
	rec->gateway_version = r->version[0] ? r->version : NULL;
	rec->peer_port = r->peer_port;
	rec->phase = smtp_phase_to_text(r->session.phase);
	rec->command = r->session.command[0] ? r->session.command : NULL;
	rec->reply = r->session.reply[0] ? r->session.reply : NULL;
}

int
reader_next(struct reader *r, const struct reader_record **out, char err[ERR_LEN])
{
	unsigned long long offset = r->bytes;
	int truncated, rc;

	if (r->held)
		offset -= r->line.len;
	rc = reader_getline(r, &truncated, err);
	if (rc <= 0 || rc == READER_WAIT)
		return rc;
	r->lineno++;
	memset(&r->rec, 0, sizeof(r->rec));
	r->rec.file = r->name;
	r->rec.line = r->lineno;
	r->rec.offset = offset;
	r->rec.raw = buf_str(&r->line);
	r->rec.rawlen = r->line.len;
	r->rec.truncated = truncated;
	r->rec.has_nul = memchr(r->rec.raw, '\0', r->rec.rawlen) != NULL;
	reader_classify(r);
	*out = &r->rec;
	return 1;
}

/* ---------------------------------------------------------------------- */
/* Lines read by another (scan.h)                                           */

int
reader_plain_fd(struct reader *r)
{
	struct stat st;
	unsigned char magic[2];

	if (r->fd < 0 || r->p.follow || r->sniffed || r->path == NULL ||
	    fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	/* gzip is decompressed by the reader itself */
	if (pread(r->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return -1;
	return r->fd;
}

int
reader_scannable(const struct reader *r)
{
	return r->fd >= 0 && !r->p.follow && !r->sniffed;
}

ssize_t
reader_read(struct reader *r, char *dst, size_t cap, char err[ERR_LEN])
{
	size_t got = 0, n;

	while (got < cap) {
		if (r->start == r->end) {
			if (r->sniffed && r->eof)
				break;
			if (reader_fill(r, err) != 0) {
				if (got > 0)
					break;	/* said at the next call */
				return -1;
			}
			if (r->start == r->end)
				break;
		}
		n = r->end - r->start < cap - got ? r->end - r->start : cap - got;
		memcpy(dst + got, r->buf + r->start, n);
		r->start += n;
		got += n;
	}
	return (ssize_t)got;
}

const struct reader_record *
reader_feed(struct reader *r, const char *line, size_t len, unsigned long long offset,
    int truncated, int has_nul, int whole)
{
	struct reader_record *rec = &r->rec;

	r->lineno++;
	r->bytes = offset;
	if (whole) {
		memset(rec, 0, sizeof(*rec));
		rec->file = r->name;
		rec->offset = offset;
		rec->truncated = truncated;
		rec->has_nul = has_nul;
	} else {
		/* What the caller reads of a skimmed line (reader.h); the rest is stale. */
		rec->offset = offset;	/* (for journalctl -o export's fields) */
		rec->has_time = rec->has_date = 0;
		rec->t = 0;
		rec->year_inferred = 0;
		rec->truncated = rec->has_nul = rec->bad_json = 0;
	}
	rec->line = r->lineno;
	if (whole) {
		/* NUL-terminated, as reader_next() gives it */
		buf_reset(&r->line);
		buf_append(&r->line, line, len);
		line = buf_str(&r->line);
	}
	rec->raw = line;
	rec->rawlen = len;
	r->skim = !whole;
	reader_classify(r);
	r->skim = 0;
	return rec;
}

const struct reader_record *
reader_skim(struct reader *r, const char *line, size_t len, unsigned long long offset)
{
	struct reader_record *rec = &r->rec;

	/* reader_feed(..., 0) without the record's fields the caller will not read */
	r->lineno++;
	rec->line = r->lineno;
	rec->raw = line;
	rec->rawlen = len;
	rec->offset = offset;	/* (journalctl -o export's binary fields) */
	r->skim = 1;
	reader_classify(r);
	r->skim = 0;
	return rec->self ? rec : NULL;
}

void
reader_feed_end(struct reader *r, unsigned long long bytes)
{
	r->bytes = bytes;
	if (r->sniffed)
		return;		/* reader_read() read them, and counted */
	r->raw_bytes = bytes;
	r->eof = 1;
	r->start = r->end = 0;
	reader_check_shrink(r);
}
