#include "reader.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "xmem.h"

#define READER_CHUNK	(64 * 1024)

/* A clock that goes back by more than this has passed midnight. */
#define READER_ROLLOVER	3600

struct reader {
	char			*name;
	int			 fd;		/* -1 when reading memory */
	int			 own_fd;
	const char		*buf;		/* the data window */
	char			*chunk;		/* our read buffer (fd only) */
	size_t			 start, end;
	int			 eof;
	unsigned long long	 bytes, size;
	unsigned long		 lineno;
	struct buf		 line;
	enum reader_format	 format;
	/* time context */
	int			 have_time, have_date;
	long			 secs;		/* seconds since midnight of the last event */
	char			 clock[9];	/* its "HH:MM:SS" as written (":60" stays) */
	struct tm		 date;		/* the day the last event happened on */
	/* smart host context */
	char			 peer_host[PEER_HOST_MAX];
	unsigned		 peer_port;
	struct reader_record	 rec;
};

static struct reader *
reader_new(const char *name)
{
	struct reader *r = xcalloc(1, sizeof(*r));

	r->name = xstrdup(name);
	r->fd = -1;
	return r;
}

int
reader_open(const char *path, struct reader **out, char err[ERR_LEN])
{
	struct reader *r;
	struct stat st;
	int fd;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (fd != STDIN_FILENO)
			close(fd);
		return err_set(err, "%s: is a directory", path);
	}
	r = reader_new(fd == STDIN_FILENO ? "<stdin>" : path);
	r->fd = fd;
	r->own_fd = fd != STDIN_FILENO;
	r->chunk = xmalloc(READER_CHUNK);
	r->buf = r->chunk;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		r->size = (unsigned long long)st.st_size;
	*out = r;
	return 0;
}

struct reader *
reader_open_mem(const char *name, const char *data, size_t len)
{
	struct reader *r = reader_new(name);

	r->buf = data;
	r->end = len;
	r->size = len;
	r->eof = 1;
	return r;
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->own_fd)
		close(r->fd);
	buf_free(&r->line);
	free(r->chunk);
	free(r->name);
	free(r);
}

const char *
reader_name(const struct reader *r)
{
	return r->name;
}

enum reader_format
reader_format(const struct reader *r)
{
	return r->format;
}

const char *
reader_format_name(enum reader_format f)
{
	return f == READER_FORMAT_LEGACY ? "legacy" : "text";
}

unsigned long long
reader_bytes(const struct reader *r)
{
	return r->bytes;
}

unsigned long long
reader_size(const struct reader *r)
{
	return r->size;
}

/* Refill the window; returns -1 on a read error. */
static int
reader_fill(struct reader *r, char err[ERR_LEN])
{
	ssize_t n;

	if (r->eof || r->fd < 0) {
		r->eof = 1;
		return 0;
	}
	do
		n = read(r->fd, r->chunk, READER_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_set(err, "%s: read error after line %lu: %s", r->name,
		    r->lineno, strerror(errno));
	r->start = 0;
	r->end = (size_t)n;
	if (n == 0)
		r->eof = 1;
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

/* Read one physical line into r->line. 1 = line, 0 = end, -1 = error. */
static int
reader_getline(struct reader *r, int *truncated, char err[ERR_LEN])
{
	const char *nl, *cr, *eol;
	int got = 0;
	size_t n;

	buf_reset(&r->line);
	*truncated = 0;
	for (;;) {
		if (r->start == r->end) {
			if (r->eof || reader_fill(r, err) != 0 || r->start == r->end) {
				if (!r->eof)
					return -1;
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

static int
reader_two_digits(const char *p, int max)
{
	int v;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
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

/* A ctime()-style banner "Tue Feb 23 08:50:03 1993 ..." sets the date. */
static int
reader_banner_date(const char *s, size_t n, struct tm *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char text[64], wday[4], mon[4];
	int day, hh, mm, ss, year;
	struct tm check;
	const char *m;
	time_t when;

	if (n < 24)
		return -1;
	memcpy(text, s, 24);
	text[24] = '\0';
	if (sscanf(text, "%3s %3s %d %d:%d:%d %d", wday, mon, &day, &hh, &mm, &ss,
	    &year) != 7)
		return -1;
	if ((m = strstr(months, mon)) == NULL || (m - months) % 3 != 0 || strlen(mon) != 3 ||
	    day < 1 || day > 31 || year < 1970 || year > 9999)
		return -1;
	memset(out, 0, sizeof(*out));
	out->tm_year = year - 1900;
	out->tm_mon = (int)(m - months) / 3;
	out->tm_mday = day;
	out->tm_hour = 12;	/* away from any DST edge when normalising */
	/* A day the month does not have ("Feb 30") is not a ctime() date. */
	check = *out;
	when = timegm(&check);
	if (gmtime_r(&when, &check) == NULL || check.tm_mday != day ||
	    check.tm_mon != out->tm_mon || check.tm_year != out->tm_year)
		return -1;
	return 0;
}

static void
reader_next_day(struct tm *t)
{
	time_t when;

	t->tm_mday++;
	t->tm_hour = 12;
	when = timegm(t);
	gmtime_r(&when, t);
}

static void
reader_set_when(struct reader *r)
{
	if (!r->have_time)
		r->rec.when[0] = '\0';
	else if (r->have_date)
		snprintf(r->rec.when, sizeof(r->rec.when), "%04u-%02u-%02uT%s",
		    (unsigned)(r->date.tm_year + 1900) % 10000u,
		    (unsigned)(r->date.tm_mon + 1) % 100u, (unsigned)r->date.tm_mday % 100u,
		    r->clock);
	else
		snprintf(r->rec.when, sizeof(r->rec.when), "%s", r->clock);
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
	if (n <= klen || strncasecmp(s, key, klen) != 0)
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

static void
reader_classify(struct reader *r)
{
	struct reader_record *rec = &r->rec;
	const char *s = rec->raw;
	size_t n = rec->rawlen, i;
	long secs;
	struct tm date;

	rec->kind = READER_TEXT;
	rec->text = s;
	rec->len = n;
	if ((secs = reader_timestamp(s, n)) >= 0) {
		rec->kind = READER_EVENT;
		rec->text = s + 11;
		rec->len = n - 11;
		r->format = READER_FORMAT_LEGACY;
		if (reader_banner_date(rec->text, rec->len, &date) == 0) {
			r->date = date;
			r->have_date = 1;
		} else if (r->have_time && secs < r->secs - READER_ROLLOVER && r->have_date)
			reader_next_day(&r->date);
		r->secs = secs;
		/* Kept as written: a leap second is 23:59:60, not 24:00:00. */
		memcpy(r->clock, s, 8);
		r->clock[8] = '\0';
		r->have_time = 1;
		reader_smart_host(r, rec->text, rec->len);
	} else {
		for (i = 0; i < n && s[i] == ' '; i++)
			;
		if (n - i >= 5 && s[i] == '[' && s[i + 3] == ']' && s[i + 4] == ' ' &&
		    (strncasecmp(s + i + 1, "tx", 2) == 0 || strncasecmp(s + i + 1, "rx", 2) == 0)) {
			rec->kind = tolower((unsigned char)s[i + 1]) == 't' ? READER_TX : READER_RX;
			rec->text = s + i + 5;
			rec->len = n - i - 5;
		}
	}
	reader_set_when(r);
	rec->peer_host = r->peer_host[0] ? r->peer_host : NULL;
	rec->peer_port = r->peer_port;
}

int
reader_next(struct reader *r, const struct reader_record **out, char err[ERR_LEN])
{
	int truncated, rc;

	rc = reader_getline(r, &truncated, err);
	if (rc <= 0)
		return rc;
	r->lineno++;
	memset(&r->rec, 0, sizeof(r->rec));
	r->rec.file = r->name;
	r->rec.line = r->lineno;
	r->rec.raw = buf_str(&r->line);
	r->rec.rawlen = r->line.len;
	r->rec.truncated = truncated;
	r->rec.has_nul = memchr(r->rec.raw, '\0', r->rec.rawlen) != NULL;
	reader_classify(r);
	*out = &r->rec;
	return 1;
}
