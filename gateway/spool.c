/*
 * spool: one file per message, written the way OpenSMTPD's queue_fs.c does
 * (temporary file, fsync, rename, fsync of the directory), attempted under a
 * flock(2) claim (spool.h says why that is sound).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileio.h"
#include "spool.h"
#include "util/xmem.h"

#define SPOOL_MAGIC	"SMTPGW-SPOOL 1\n"
/* The size of a message written as it comes is not known until its end: its
 * header line gets this many digits (leading zeros), filled in at commit. */
#define SIZE_DIGITS	20

struct spool {
	char	*dir;
	unsigned counter;	/* makes ids and temporary names unique in this process;
				   taken with next_number(): the runner's sessions
				   are threads that share the spool */
};

static unsigned
next_number(struct spool *s)
{
	return __atomic_fetch_add(&s->counter, 1, __ATOMIC_RELAXED);
}

/*
 * snprintf for paths: spool_open() keeps the directory short enough that
 * the paths made here fit; a truncation would still be caught, never used.
 */
#define PATHF(buf, ...) \
	do { \
		if ((size_t)snprintf((buf), sizeof(buf), __VA_ARGS__) >= sizeof(buf)) \
			abort(); \
	} while (0)

static const char *const state_dirs[] = {
#define X(e, s) s,
	SPOOL_STATE_LIST(X)
#undef X
};

const char *
spool_state_to_text(enum spool_state st)
{
	return (unsigned)st < SPOOL_NSTATES ? state_dirs[st] : "?";
}

const char *
spool_dir(const struct spool *s)
{
	return s->dir;
}

static int
mkdir_p1(const char *path, char err[ERR_LEN])
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return err_set(err, "spool: cannot create %s: %s", path, strerror(errno));
	return 0;
}

static int
open_spool(const char *dir, int create, struct spool **out, char err[ERR_LEN])
{
	char path[PATH_MAX];
	size_t i;

	*out = NULL;
	/* room for "/deferred/" + an id + a temporary suffix or ".why" */
	if (strlen(dir) + SPOOL_ID_MAX + 64 >= sizeof(path))
		return err_set(err, "spool: directory name too long: %.100s...", dir);
	if (!create) {
		struct stat st;

		/* a name mistyped must not look like an empty queue */
		if (stat(dir, &st) != 0)
			return err_set(err, "spool %s: %s", dir, strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return err_set(err, "spool %s: not a directory", dir);
		for (i = 0; i < SPOOL_NSTATES; i++) {
			PATHF(path, "%s/%s", dir, state_dirs[i]);
			if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
				return err_set(err, "spool %s: not a spool directory (no %s/ in it)",
				    dir, state_dirs[i]);
		}
	}
	if (mkdir_p1(dir, err) != 0)
		return -1;
	PATHF(path, "%s/tmp", dir);
	if (mkdir_p1(path, err) != 0)
		return -1;
	for (i = 0; i < SPOOL_NSTATES; i++) {
		PATHF(path, "%s/%s", dir, state_dirs[i]);
		if (mkdir_p1(path, err) != 0)
			return -1;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->dir = xstrdup(dir);
	return 0;
}

int
spool_open(const char *dir, struct spool **out, char err[ERR_LEN])
{
	return open_spool(dir, 1, out, err);
}

int
spool_open_existing(const char *dir, struct spool **out, char err[ERR_LEN])
{
	return open_spool(dir, 0, out, err);
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s);
}

/* ---- the wire form ---- */

void
spool_wire_init(struct spool_wire_state *w)
{
	w->at_bol = 1;
	w->cr = 0;
}

void
spool_wire_feed(struct spool_wire_state *w, const char *in, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n) {
		char c = in[i];

		if (w->cr) {
			w->cr = 0;
			if (c == '\n') {
				buf_append(out, "\r\n", 2);
				w->at_bol = 1;
				i++;
				continue;
			}
			buf_putc(out, '\r');	/* a CR inside a line is data */
		}
		if (c == '\r') {
			w->cr = 1;
			w->at_bol = 0;
			i++;
		} else if (c == '\n') {
			buf_append(out, "\r\n", 2);
			w->at_bol = 1;
			i++;
		} else {
			size_t run = i + 1;

			if (w->at_bol && c == '.')
				buf_putc(out, '.');
			/* the rest of the line up to a CR or LF in one append */
			while (run < n && in[run] != '\r' && in[run] != '\n')
				run++;
			buf_append(out, in + i, run - i);
			w->at_bol = 0;
			i = run;
		}
	}
}

void
spool_wire_end(struct spool_wire_state *w, struct buf *out)
{
	if (w->cr) {
		buf_putc(out, '\r');
		w->cr = 0;
	}
	if (!w->at_bol)
		buf_append(out, "\r\n", 2);
	w->at_bol = 1;
}

char *
spool_wire(const char *msg, size_t len, size_t *outlen)
{
	struct spool_wire_state w;
	struct buf b = BUF_INIT;

	spool_wire_init(&w);
	spool_wire_feed(&w, msg, len, &b);
	spool_wire_end(&w, &b);
	*outlen = b.len;
	return buf_detach(&b);
}

/* ---- writing files ---- */

/* A header value may hold no control characters (a line each). */
static int
value_ok(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

static int
addr_ok(const char *a)
{
	return value_ok(a) && strpbrk(a, "<> ") == NULL && strlen(a) < 1000;
}

static int
envelope_ok(const char *from, char *const *rcpts, size_t nrcpts, char err[ERR_LEN])
{
	size_t i;

	if (nrcpts == 0)
		return err_set(err, "spool: a message needs at least one recipient");
	if (!value_ok(from) || strpbrk(from, "<> ") != NULL || strlen(from) >= 1000)
		return err_set(err, "spool: invalid sender address \"%.200s\"", from);
	for (i = 0; i < nrcpts; i++)
		if (!addr_ok(rcpts[i]) || rcpts[i][0] == '\0')
			return err_set(err, "spool: invalid recipient address \"%.200s\"",
			    rcpts[i]);
	return 0;
}

/* file_sync_dir() with the spool's words for its errors. */
static int
fsync_dir(const char *dir, char err[ERR_LEN])
{
	int e;

	if (file_sync_dir(dir) == 0)
		return 0;
	e = errno;
	err_set(err, "spool: fsync %s: %s", dir, strerror(e));
	errno = e;
	return -1;
}

/* A header line value without control characters (last-error comes from a peer). */
static char *
one_line(const char *s)
{
	char *v = xstrdup(s ? s : "");

	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return v;
}

static void
make_id(struct spool *s, char id[SPOOL_ID_MAX])
{
	struct timeval tv;
	struct tm tm;
	char t[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%S", &tm);
	snprintf(id, SPOOL_ID_MAX, "%s.%06ld.%ld.%u", t, (long)tv.tv_usec, (long)getpid(),
	    next_number(s));
}

/*
 * One file being written: tmp/ID.PID.N, created exclusively (a name no other
 * writer has, even one that died with the same pid) and kept locked until it
 * is renamed into place or removed, so that spool_clean_tmp() leaves it alone.
 */
struct spool_writer {
	struct spool	*s;
	int		 fd;
	char		 tmp[PATH_MAX];
	char		 id[SPOOL_ID_MAX];
	enum spool_state state;
	size_t		 size;		/* data written */
	size_t		 want;		/* the size in the header, SIZE_MAX: filled in at commit */
	off_t		 size_at;	/* where the size's digits are */
	off_t		 data_at;	/* where the data starts */
	long long	 mtime;		/* > 0: the file's modification time (a deferred
					   file's next try, the scan's hint) */
	int		 replace;	/* commit may replace a file of the same name */
	int		 failed;	/* a write failed: commit fails */
	int		 err;		/* its errno */
};

static int
writer_create(struct spool *s, struct spool_writer *w, char err[ERR_LEN])
{
	int tries;

	for (tries = 0; tries < 1000; tries++) {
		PATHF(w->tmp, "%s/tmp/%s.%ld.%u", s->dir, w->id, (long)getpid(),
		    next_number(s));
		w->fd = open(w->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (w->fd >= 0) {
			(void)flock(w->fd, LOCK_EX | LOCK_NB);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	return err_set(err, "spool: cannot create %s: %s", w->tmp, strerror(errno));
}

/* Open a writer for the message m (its state says where it goes); m->size
 * is the size when known, else (size_t)-1. */
static int
writer_open(struct spool *s, const struct spool_msg *m, int replace,
    struct spool_writer **out, char err[ERR_LEN])
{
	struct spool_writer *w = xcalloc(1, sizeof(*w));
	struct buf b = BUF_INIT;
	size_t i;

	*out = NULL;
	w->s = s;
	w->fd = -1;
	w->state = m->state;
	w->want = m->size;
	w->mtime = m->state == SPOOL_DEFERRED ? m->next_try : 0;
	w->replace = replace;
	memcpy(w->id, m->id, SPOOL_ID_MAX);
	if (writer_create(s, w, err) != 0) {
		free(w);
		return -1;
	}
	buf_puts(&b, SPOOL_MAGIC);
	buf_printf(&b, "id: %s\ncreated: %lld\nattempts: %u\nnext-try: %lld\n", m->id,
	    m->created, m->attempts, m->next_try);
	if (m->last_error != NULL)
		buf_printf(&b, "last-error: %s\n", m->last_error);
	buf_printf(&b, "from: %s\n", m->from);
	for (i = 0; i < m->nrcpts; i++)
		buf_printf(&b, "rcpt: %s\n", m->rcpts[i]);
	buf_puts(&b, "size: ");
	w->size_at = (off_t)b.len;
	if (w->want == (size_t)-1)
		buf_printf(&b, "%0*d\n\n", SIZE_DIGITS, 0);
	else
		buf_printf(&b, "%zu\n\n", w->want);
	w->data_at = (off_t)b.len;
	if (file_write_all(w->fd, b.data, b.len) != 0) {
		int e = errno;

		err_set(err, "spool: cannot write %s: %s", w->tmp, strerror(e));
		buf_free(&b);
		spool_writer_abort(w);
		errno = e;
		return -1;
	}
	buf_free(&b);
	*out = w;
	return 0;
}

/* A new message's envelope in m (pointing to the caller's strings), its id made. */
static int
new_msg(struct spool *s, const char *from, char *const *rcpts, size_t nrcpts, size_t size,
    struct spool_msg *m, char err[ERR_LEN])
{
	if (envelope_ok(from, rcpts, nrcpts, err) != 0)
		return -1;
	memset(m, 0, sizeof(*m));
	m->state = SPOOL_NEW;
	m->created = (long long)time(NULL);
	m->from = (char *)from;
	m->rcpts = (char **)rcpts;
	m->nrcpts = nrcpts;
	m->size = size;
	make_id(s, m->id);
	return 0;
}

int
spool_writer_open(struct spool *s, const char *from, char *const *rcpts, size_t nrcpts,
    struct spool_writer **out, char err[ERR_LEN])
{
	struct spool_msg m;

	*out = NULL;
	if (new_msg(s, from, rcpts, nrcpts, (size_t)-1, &m, err) != 0)
		return -1;
	return writer_open(s, &m, 0, out, err);
}

int
spool_writer_write(struct spool_writer *w, const char *data, size_t n, char err[ERR_LEN])
{
	if (w->failed) {
		errno = w->err;
		return err_set(err, "spool: cannot write %s: %s", w->tmp, strerror(w->err));
	}
	if (file_write_all(w->fd, data, n) != 0) {
		w->failed = 1;
		w->err = errno;
		return err_set(err, "spool: cannot write %s: %s", w->tmp, strerror(w->err));
	}
	w->size += n;
	return 0;
}

size_t
spool_writer_size(const struct spool_writer *w)
{
	return w->size;
}

void
spool_writer_abort(struct spool_writer *w)
{
	if (w == NULL)
		return;
	if (w->fd >= 0) {
		unlink(w->tmp);
		close(w->fd);
	}
	free(w);
}

int
spool_writer_commit(struct spool_writer *w, char id[SPOOL_ID_MAX], char err[ERR_LEN])
{
	char dst[PATH_MAX], dir[PATH_MAX], trailer[64];
	int e, rc = -1;

	if (w->failed) {
		e = w->err;
		err_set(err, "spool: cannot write %s: %s", w->tmp, strerror(e));
		goto fail;
	}
	if (w->want == (size_t)-1) {
		char digits[SIZE_DIGITS + 1];

		snprintf(digits, sizeof(digits), "%0*zu", SIZE_DIGITS, w->size);
		if (pwrite(w->fd, digits, SIZE_DIGITS, w->size_at) != SIZE_DIGITS) {
			e = errno;
			err_set(err, "spool: cannot write %s: %s", w->tmp, strerror(e));
			goto fail;
		}
	} else if (w->want != w->size) {
		e = EIO;
		err_set(err, "spool: %s: %zu bytes of data written, %zu announced", w->tmp,
		    w->size, w->want);
		goto fail;
	}
	snprintf(trailer, sizeof(trailer), "END %zu\n", w->size);
	if (file_write_all(w->fd, trailer, strlen(trailer)) != 0) {
		e = errno;
		err_set(err, "spool: cannot write %s: %s", w->tmp, strerror(e));
		goto fail;
	}
	if (w->mtime > 0) {
		/* the next try, where a scan sees it without reading the file */
		struct timespec ts[2] = { { 0, UTIME_NOW }, { (time_t)w->mtime, 0 } };

		if (futimens(w->fd, ts) != 0) {
			e = errno;
			err_set(err, "spool: cannot set the time of %s: %s", w->tmp, strerror(e));
			goto fail;
		}
	}
	if (fsync(w->fd) != 0) {
		e = errno;
		err_set(err, "spool: fsync %s: %s", w->tmp, strerror(e));
		goto fail;
	}
	PATHF(dir, "%s/%s", w->s->dir, state_dirs[w->state]);
	PATHF(dst, "%s/%s", dir, w->id);
	if ((w->replace ? rename(w->tmp, dst) : file_rename_noreplace(w->tmp, dst)) != 0) {
		e = errno;
		err_set(err, "spool: cannot rename %s to %s: %s", w->tmp, dst, strerror(e));
		goto fail;
	}
	/* in place: the lock goes with the close, the name is no longer ours */
	close(w->fd);
	w->fd = -1;
	if (fsync_dir(dir, err) != 0) {
		e = errno;
		goto out;
	}
	if (id != NULL)
		memcpy(id, w->id, SPOOL_ID_MAX);
	rc = 0;
	e = 0;
	goto out;
fail:
	unlink(w->tmp);
out:
	if (w->fd >= 0)
		close(w->fd);
	free(w);
	errno = e;
	return rc;
}

/* A whole file at once: header, data, trailer. */
static int
write_file(struct spool *s, const struct spool_msg *m, const char *data, int replace,
    char err[ERR_LEN])
{
	struct spool_writer *w;

	if (writer_open(s, m, replace, &w, err) != 0)
		return -1;
	if (spool_writer_write(w, data, m->size, err) != 0) {
		int e = errno;

		spool_writer_abort(w);
		errno = e;
		return -1;
	}
	return spool_writer_commit(w, NULL, err);
}

int
spool_put(struct spool *s, const char *from, char *const *rcpts, size_t nrcpts,
    const char *data, size_t size, char id[SPOOL_ID_MAX], char err[ERR_LEN])
{
	struct spool_msg m;

	if (new_msg(s, from, rcpts, nrcpts, size, &m, err) != 0 ||
	    write_file(s, &m, data, 0, err) != 0)
		return -1;
	memcpy(id, m.id, SPOOL_ID_MAX);
	return 0;
}

/* ---- parsing ---- */

void
spool_msg_free(struct spool_msg *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->last_error);
	free(m->from);
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

static int
parse_num(const char *v, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long x = 0;
	size_t i;

	if (n == 0 || n > 20)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (x > (max - (unsigned)(v[i] - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	*out = x;
	return 0;
}

/* Parse the header and check data and trailer; *data_at is where the data starts. */
static int
parse(const char *buf, size_t len, struct spool_msg *m, size_t *data_at, char err[ERR_LEN])
{
	size_t pos, lineno = 1, cap = 0;
	int have_id = 0, have_from = 0, have_size = 0, have_created = 0;
	unsigned long long x;
	char trailer[64];

	memset(m, 0, sizeof(*m));
	if (len < sizeof(SPOOL_MAGIC) - 1 || memcmp(buf, SPOOL_MAGIC, sizeof(SPOOL_MAGIC) - 1))
		return err_set(err, "line 1: not a spool file (no \"SMTPGW-SPOOL 1\")");
	pos = sizeof(SPOOL_MAGIC) - 1;
	for (;;) {
		const char *line = buf + pos, *nl, *colon, *v;
		size_t n, klen, vlen;

		lineno++;
		nl = memchr(line, '\n', len - pos);
		if (nl == NULL) {
			err_set(err, "line %zu: cut short in the header (the file ends at byte %zu)",
			    lineno, len);
			goto fail;
		}
		n = (size_t)(nl - line);
		pos += n + 1;
		if (n == 0)
			break;
		colon = memchr(line, ':', n);
		if (colon == NULL || colon + 1 >= nl || colon[1] != ' ') {
			err_set(err, "line %zu: not \"key: value\"", lineno);
			goto fail;
		}
		klen = (size_t)(colon - line);
		v = colon + 2;
		vlen = (size_t)(nl - v);
		if (memchr(v, '\0', vlen) != NULL || memchr(v, '\r', vlen) != NULL) {
			err_set(err, "line %zu: control character in a value", lineno);
			goto fail;
		}
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
		if (KEY("id")) {
			if (vlen == 0 || vlen >= SPOOL_ID_MAX || have_id ||
			    memchr(v, '/', vlen) != NULL || v[0] == '.') {
				err_set(err, "line %zu: bad or repeated id", lineno);
				goto fail;
			}
			memcpy(m->id, v, vlen);
			m->id[vlen] = '\0';
			have_id = 1;
		} else if (KEY("created") || KEY("next-try") || KEY("attempts") || KEY("size")) {
			if (parse_num(v, vlen, KEY("attempts") ? 1000000 : (unsigned long long)LLONG_MAX,
			    &x) != 0) {
				err_set(err, "line %zu: bad number", lineno);
				goto fail;
			}
			if (KEY("created")) {
				m->created = (long long)x;
				have_created = 1;
			} else if (KEY("next-try"))
				m->next_try = (long long)x;
			else if (KEY("attempts"))
				m->attempts = (unsigned)x;
			else {
				m->size = (size_t)x;
				have_size = 1;
			}
		} else if (KEY("last-error")) {
			free(m->last_error);
			m->last_error = xstrndup(v, vlen);
		} else if (KEY("from")) {
			if (have_from) {
				err_set(err, "line %zu: repeated from", lineno);
				goto fail;
			}
			m->from = xstrndup(v, vlen);
			have_from = 1;
		} else if (KEY("rcpt")) {
			if (vlen == 0) {
				err_set(err, "line %zu: empty recipient", lineno);
				goto fail;
			}
			m->rcpts = xgrow(m->rcpts, &cap, m->nrcpts + 1, sizeof(*m->rcpts));
			m->rcpts[m->nrcpts++] = xstrndup(v, vlen);
		}
		/* other keys: from a newer version; ignored */
#undef KEY
	}
	if (!have_id || !have_from || !have_size || !have_created || m->nrcpts == 0) {
		err_set(err, "line %zu: the header lacks %s", lineno,
		    !have_id ? "id" : !have_from ? "from" : !have_size ? "size" :
		    !have_created ? "created" : "a recipient");
		goto fail;
	}
	if (m->size > len - pos) {
		err_set(err, "cut short: %zu bytes of data expected from byte %zu, the file "
		    "ends at byte %zu", m->size, pos, len);
		goto fail;
	}
	snprintf(trailer, sizeof(trailer), "END %zu\n", m->size);
	if (len - pos - m->size != strlen(trailer) ||
	    memcmp(buf + pos + m->size, trailer, strlen(trailer)) != 0) {
		err_set(err, "no trailer \"END %zu\" at byte %zu: the file is cut short or "
		    "damaged", m->size, pos + m->size);
		goto fail;
	}
	*data_at = pos;
	return 0;
fail:
	spool_msg_free(m);
	return -1;
}

int
spool_parse(const char *buf, size_t len, int want_data, struct spool_msg *m,
    char err[ERR_LEN])
{
	size_t at;

	if (parse(buf, len, m, &at, err) != 0)
		return -1;
	if (want_data) {
		m->data = xmalloc(m->size + 1);
		memcpy(m->data, buf + at, m->size);
		m->data[m->size] = '\0';
	}
	return 0;
}

/* The file open as fd, mapped: *map (NULL for an empty file) of *len bytes. */
static int
map_fd(int fd, const char *path, void **map, size_t *len, char err[ERR_LEN])
{
	struct stat st;

	*map = NULL;
	*len = 0;
	if (fstat(fd, &st) != 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED)
			return err_set(err, "%s: %s", path, strerror(errno));
		*map = p;
		*len = (size_t)st.st_size;
	}
	return 0;
}

/* Parse the file open as fd; errno EINVAL when it does not parse. */
static int
load_fd(int fd, const char *path, int want_data, struct spool_msg *m, char err[ERR_LEN])
{
	void *p;
	size_t len;
	char why[ERR_LEN];
	int rc, e;

	memset(m, 0, sizeof(*m));
	if (map_fd(fd, path, &p, &len, err) != 0)
		return -1;
	rc = spool_parse(p ? p : "", len, want_data, m, why);
	e = errno;
	if (p != NULL)
		munmap(p, len);
	if (rc != 0) {
		err_set(err, "%s: %s", path, why);
		e = EINVAL;
	}
	errno = e;
	return rc;
}

/* Open and parse a file; a missing one is ENOENT in errno. */
static int
load_path(const char *path, int want_data, struct spool_msg *m, char err[ERR_LEN])
{
	int fd, rc, e;

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		err_set(err, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	rc = load_fd(fd, path, want_data, m, err);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

void
spool_path(const struct spool *s, const struct spool_msg *m, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s/%s", s->dir, state_dirs[m->state], m->id);
}

static int
id_ok(const char *id)
{
	return id[0] != '\0' && id[0] != '.' && strchr(id, '/') == NULL &&
	    strlen(id) < SPOOL_ID_MAX;
}

int
spool_load(struct spool *s, const char *id, int want_data, struct spool_msg *m,
    char err[ERR_LEN])
{
	char path[PATH_MAX];
	int st;

	if (!id_ok(id))
		return err_set(err, "spool: invalid message id \"%.100s\"", id);
	for (st = SPOOL_BAD; st >= 0; st--) {	/* the furthest state wins */
		PATHF(path, "%s/%s/%s", s->dir, state_dirs[st], id);
		if (load_path(path, want_data, m, err) == 0) {
			m->state = (enum spool_state)st;
			if (strcmp(m->id, id) != 0) {
				spool_msg_free(m);
				return err_set(err, "%s: holds message %s", path, m->id);
			}
			return 0;
		}
		if (errno != ENOENT)
			return -1;
	}
	errno = ENOENT;
	return err_set(err, "spool: no message %s in %s", id, s->dir);
}

static int
exists_in(struct spool *s, enum spool_state st, const char *name)
{
	char path[PATH_MAX];

	PATHF(path, "%s/%s/%s", s->dir, state_dirs[st], name);
	return access(path, F_OK) == 0;
}

/*
 * Lock the file STATE/name for this process: 0 with *fd when the lock is
 * taken, the path still names the locked file and no later state of the
 * message exists (the claim is valid: spool.h); SPOOL_BUSY when another
 * process holds it; SPOOL_GONE when the name is gone or names another file
 * now, or the file is stale (a later state exists: it is removed).
 */
static int
lock_file(struct spool *s, enum spool_state st, const char *name, int *fd)
{
	char path[PATH_MAX];
	struct stat locked, named;
	int k;

	PATHF(path, "%s/%s/%s", s->dir, state_dirs[st], name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return SPOOL_GONE;
	if (spool_claim_window_hook != NULL)
		spool_claim_window_hook(path);
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return SPOOL_BUSY;
	}
	/* opened before a rename over it or a removal: another file now */
	if (fstat(*fd, &locked) != 0 || stat(path, &named) != 0 ||
	    locked.st_ino != named.st_ino || locked.st_dev != named.st_dev) {
		close(*fd);
		*fd = -1;
		return SPOOL_GONE;
	}
	for (k = st + 1; k < SPOOL_NSTATES; k++)
		if (exists_in(s, (enum spool_state)k, name)) {
			/* left by a crash between writing the later state and
			 * removing this one */
			(void)unlink(path);
			close(*fd);
			*fd = -1;
			return SPOOL_GONE;
		}
	return 0;
}

/* Move STATE/name, locked as fd, to bad/ with its reason in bad/name.why. */
static void
quarantine_locked(struct spool *s, enum spool_state st, const char *name, const char *why)
{
	char from[PATH_MAX], to[PATH_MAX], wpath[PATH_MAX + 8], dir[PATH_MAX];
	int fd;

	PATHF(from, "%s/%s/%s", s->dir, state_dirs[st], name);
	PATHF(to, "%s/bad/%s", s->dir, name);
	snprintf(wpath, sizeof(wpath), "%s.why", to);
	fd = open(wpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)file_write_all(fd, why, strlen(why));
		(void)file_write_all(fd, "\n", 1);
		fsync(fd);
		close(fd);
	}
	if (st != SPOOL_BAD)
		(void)rename(from, to);
	PATHF(dir, "%s/bad", s->dir);
	(void)fsync_dir(dir, NULL);
}

/* A file that did not parse: quarantined under its lock, if it still is the
 * one that did not parse. 1 when it was moved (why: the reason). */
static int
quarantine(struct spool *s, enum spool_state st, const char *name, char why[ERR_LEN])
{
	struct spool_msg m;
	char path[PATH_MAX];
	int fd, moved = 0;

	if (lock_file(s, st, name, &fd) != 0)
		return 0;
	PATHF(path, "%s/%s/%s", s->dir, state_dirs[st], name);
	if (load_fd(fd, path, 0, &m, why) == 0)
		spool_msg_free(&m);	/* a new file in its place: it parses */
	else if (errno == EINVAL) {
		quarantine_locked(s, st, name, why);
		moved = 1;
	}
	close(fd);
	return moved;
}

static int
cmp_msg(const void *a, const void *b)
{
	const struct spool_msg *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
spool_list(struct spool *s, int with_bad, struct spool_msg **out, size_t *n,
    void (*on_bad)(void *arg, const char *id, const char *why), void *arg,
    char err[ERR_LEN])
{
	struct spool_msg *list = NULL;
	size_t cap = 0, count = 0;
	int st;

	*out = NULL;
	*n = 0;
	for (st = 0; st < SPOOL_NSTATES; st++) {
		char dir[PATH_MAX], path[PATH_MAX], why[ERR_LEN];
		struct dirent *de;
		DIR *d;

		if (st == SPOOL_BAD && !with_bad)
			break;
		PATHF(dir, "%s/%s", s->dir, state_dirs[st]);
		if ((d = opendir(dir)) == NULL) {
			spool_list_free(list, count);
			return err_set(err, "spool: cannot read %s: %s", dir, strerror(errno));
		}
		while ((de = readdir(d)) != NULL) {
			const char *name = de->d_name;
			size_t nl = strlen(name);
			int later, k;

			/* dot files, reasons, and names no id can have (stray files) */
			if (name[0] == '.' || (nl > 4 && strcmp(name + nl - 4, ".why") == 0) ||
			    nl >= SPOOL_ID_MAX)
				continue;
			/* A crash between the rename into the next state and the
			 * removal of the old file leaves two: the later one is true,
			 * and the earlier one can go (spool.h). */
			for (later = 0, k = st + 1; k < SPOOL_NSTATES; k++)
				if (exists_in(s, (enum spool_state)k, name))
					later = 1;
			PATHF(path, "%s/%s", dir, name);
			if (later) {
				unlink(path);
				continue;
			}
			list = xgrow(list, &cap, count + 1, sizeof(*list));
			if (load_path(path, 0, &list[count], why) != 0) {
				if (errno != EINVAL)
					continue;	/* delivered or moved meanwhile */
				if (st != SPOOL_BAD) {
					if (quarantine(s, (enum spool_state)st, name, why) &&
					    on_bad != NULL)
						on_bad(arg, name, why);
					continue;
				}
				/* already quarantined: listed with its reason */
				memset(&list[count], 0, sizeof(list[count]));
				memcpy(list[count].id, name, nl + 1);	/* nl < SPOOL_ID_MAX */
				list[count].from = xstrdup("");
				list[count].last_error = xstrdup(why);
				list[count].state = SPOOL_BAD;
				count++;
				continue;
			}
			list[count].state = (enum spool_state)st;
			count++;
		}
		closedir(d);
	}
	if (count > 1)
		qsort(list, count, sizeof(*list), cmp_msg);
	*out = list;
	*n = count;
	return 0;
}

void
spool_list_free(struct spool_msg *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		spool_msg_free(&list[i]);
	free(list);
}

/* ---- the scan ---- */

size_t spool_scan_batch = SPOOL_SCAN_BATCH;

/* deferred/ first: its messages have waited longest */
static const enum spool_state scan_order[] = { SPOOL_DEFERRED, SPOOL_NEW };

struct spool_scan {
	struct spool		*s;
	size_t			 dir;		/* index in scan_order; 2: the end */
	DIR			*d;		/* that directory, NULL between two */
	struct spool_scan_entry	*batch;
	size_t			 cap, n, at;
};

int
spool_scan_open(struct spool *s, struct spool_scan **out, char err[ERR_LEN])
{
	(void)err;
	*out = xcalloc(1, sizeof(**out));
	(*out)->s = s;
	return 0;
}

void
spool_scan_close(struct spool_scan *sc)
{
	if (sc == NULL)
		return;
	if (sc->d != NULL)
		closedir(sc->d);
	free(sc->batch);
	free(sc);
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct spool_scan_entry *)a)->id,
	    ((const struct spool_scan_entry *)b)->id);
}

/* Read the next batch of names; 1 when there is one, 0 at the end, -1 (err). */
static int
scan_fill(struct spool_scan *sc, char err[ERR_LEN])
{
	struct spool *s = sc->s;

	sc->n = sc->at = 0;
	while (sc->n == 0) {
		char dir[PATH_MAX], path[PATH_MAX];
		enum spool_state st;
		struct dirent *de;

		if (sc->dir >= sizeof(scan_order) / sizeof(scan_order[0]))
			return 0;
		st = scan_order[sc->dir];
		PATHF(dir, "%s/%s", s->dir, state_dirs[st]);
		if (sc->d == NULL && (sc->d = opendir(dir)) == NULL)
			return err_set(err, "spool: cannot read %s: %s", dir, strerror(errno));
		while (sc->n < spool_scan_batch) {
			struct spool_scan_entry *e;
			const char *name;
			struct stat sb;
			size_t nl;
			int k, later = 0;

			errno = 0;
			if ((de = readdir(sc->d)) == NULL)
				break;
			name = de->d_name;
			nl = strlen(name);
			/* dot files, and names no id can have (stray files) */
			if (name[0] == '.' || nl >= SPOOL_ID_MAX)
				continue;
			/* a copy left by a crash between two states: stale (spool.h) */
			for (k = st + 1; k < SPOOL_NSTATES; k++)
				if (exists_in(s, (enum spool_state)k, name))
					later = 1;
			if (later) {
				PATHF(path, "%s/%s", dir, name);
				(void)unlink(path);
				continue;
			}
			sc->batch = xgrow(sc->batch, &sc->cap, sc->n + 1, sizeof(*sc->batch));
			e = &sc->batch[sc->n];
			memcpy(e->id, name, nl + 1);
			e->state = st;
			e->next_try_hint = 0;
			if (st == SPOOL_DEFERRED) {
				if (fstatat(dirfd(sc->d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
				    !S_ISREG(sb.st_mode))
					continue;	/* gone meanwhile, or not a message */
				e->next_try_hint = (long long)sb.st_mtime;
			}
			sc->n++;
		}
		if (sc->n < spool_scan_batch) {
			/* the directory's end (or an error reading it) */
			int e = errno;

			closedir(sc->d);
			sc->d = NULL;
			sc->dir++;
			if (e != 0)
				return err_set(err, "spool: cannot read %s: %s", dir, strerror(e));
		}
	}
	qsort(sc->batch, sc->n, sizeof(*sc->batch), cmp_entry);
	return 1;
}

int
spool_scan_next(struct spool_scan *sc, struct spool_scan_entry *e, char err[ERR_LEN])
{
	if (sc->at >= sc->n) {
		int rc = scan_fill(sc, err);

		if (rc <= 0)
			return rc;
	}
	*e = sc->batch[sc->at++];
	return 1;
}

int
spool_sync(struct spool *s, unsigned states, char err[ERR_LEN])
{
	char dir[PATH_MAX];
	int st;

	for (st = 0; st < SPOOL_NSTATES; st++) {
		if (!(states & (1u << st)))
			continue;	/* nothing removed there: no journal commit for it */
		PATHF(dir, "%s/%s", s->dir, state_dirs[st]);
		if (fsync_dir(dir, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- claims ---- */

void (*spool_claim_window_hook)(const char *path);

struct spool_claim {
	struct spool	*s;
	int		 fd;		/* locked */
	enum spool_state state;		/* where the locked file is */
	void		*map;
	size_t		 maplen;
	struct spool_msg msg;		/* msg.data points into map */
};

int
spool_claim(struct spool *s, const char *id, struct spool_claim **out, char err[ERR_LEN])
{
	struct spool_claim *c;
	char path[PATH_MAX], why[ERR_LEN];
	size_t at;
	int st, fd = -1, rc = SPOOL_GONE;

	*out = NULL;
	if (!id_ok(id))
		return err_set(err, "spool: invalid message id \"%.100s\"", id);
	/* the newest state first: the other is stale or absent */
	for (st = SPOOL_DEFERRED; st >= SPOOL_NEW; st--) {
		PATHF(path, "%s/%s/%s", s->dir, state_dirs[st], id);
		if (access(path, F_OK) != 0)
			continue;
		rc = lock_file(s, (enum spool_state)st, id, &fd);
		break;
	}
	if (rc != 0)
		return rc;
	c = xcalloc(1, sizeof(*c));
	c->s = s;
	c->fd = fd;
	c->state = (enum spool_state)st;
	if (map_fd(fd, path, &c->map, &c->maplen, err) != 0) {
		spool_release(c);
		return -1;
	}
	if (parse(c->map ? c->map : "", c->maplen, &c->msg, &at, why) != 0) {
		err_set(err, "%s: %s", path, why);
		quarantine_locked(s, c->state, id, err);
		spool_release(c);
		return SPOOL_CLAIM_BAD;
	}
	if (strcmp(c->msg.id, id) != 0) {
		err_set(err, "%s: holds message %s", path, c->msg.id);
		quarantine_locked(s, c->state, id, err);
		spool_release(c);
		return SPOOL_CLAIM_BAD;
	}
	c->msg.state = c->state;
	c->msg.data = (char *)c->map + at;
	if (st == SPOOL_DEFERRED) {
		/* A crash between writing this state and removing the one before
		 * leaves that one behind. It is stale, and must go now: once this
		 * one is delivered and removed, nothing would say so any more, and
		 * the message would be sent again. No one can hold it validly
		 * (spool.h), so it goes without a lock. */
		char stale[PATH_MAX], dir[PATH_MAX];

		PATHF(dir, "%s/%s", s->dir, state_dirs[SPOOL_NEW]);
		PATHF(stale, "%s/%s", dir, id);
		if (unlink(stale) == 0)
			(void)fsync_dir(dir, NULL);
	}
	*out = c;
	return SPOOL_CLAIMED;
}

struct spool_msg *
spool_claim_msg(struct spool_claim *c)
{
	return &c->msg;
}

void
spool_release(struct spool_claim *c)
{
	if (c == NULL)
		return;
	c->msg.data = NULL;	/* the map's, not malloc'ed */
	spool_msg_free(&c->msg);
	if (c->map != NULL)
		munmap(c->map, c->maplen);
	if (c->fd >= 0)
		close(c->fd);	/* the lock goes with it */
	free(c);
}

int
spool_claim_done(struct spool_claim *c, int sync, char err[ERR_LEN])
{
	char path[PATH_MAX], dir[PATH_MAX];

	PATHF(dir, "%s/%s", c->s->dir, state_dirs[c->state]);
	PATHF(path, "%s/%s", dir, c->msg.id);
	if (unlink(path) != 0 && errno != ENOENT)
		return err_set(err, "spool: cannot remove %s: %s", path, strerror(errno));
	return sync ? fsync_dir(dir, err) : 0;
}

int
spool_claim_defer(struct spool_claim *c, const char *last_error, long long next_try,
    int to_bad, char err[ERR_LEN])
{
	struct spool_msg upd = c->msg;
	char old[PATH_MAX], dir[PATH_MAX];
	enum spool_state was = c->state;
	char *le = one_line(last_error);

	upd.attempts = c->msg.attempts + 1;
	upd.next_try = next_try;
	upd.last_error = le;
	upd.state = to_bad ? SPOOL_BAD : SPOOL_DEFERRED;
	if (write_file(c->s, &upd, c->msg.data, 1, err) != 0) {
		int e = errno;

		free(le);
		errno = e;
		return -1;
	}
	if (upd.state != was) {
		PATHF(dir, "%s/%s", c->s->dir, state_dirs[was]);
		PATHF(old, "%s/%s", dir, c->msg.id);
		(void)unlink(old);
		(void)fsync_dir(dir, NULL);
	}
	free(c->msg.last_error);
	c->msg.last_error = le;
	c->msg.attempts = upd.attempts;
	c->msg.next_try = next_try;
	c->msg.state = c->state = upd.state;
	return 0;
}

int
spool_split(struct spool *s, const struct spool_msg *msg, char *const *rcpts, size_t nrcpts,
    const char *last_error, long long next_try, int to_bad, char id[SPOOL_ID_MAX],
    char err[ERR_LEN])
{
	struct spool_msg m;
	int rc;

	if (nrcpts == 0 || msg->data == NULL)
		return err_set(err, "spool: nothing to split off %s", msg->id);
	memset(&m, 0, sizeof(m));
	m.state = to_bad ? SPOOL_BAD : SPOOL_DEFERRED;
	m.created = msg->created;
	m.attempts = msg->attempts + 1;
	m.next_try = to_bad ? 0 : next_try;
	m.last_error = one_line(last_error);
	m.from = msg->from;
	m.rcpts = (char **)rcpts;
	m.nrcpts = nrcpts;
	m.size = msg->size;
	make_id(s, m.id);
	rc = write_file(s, &m, msg->data, 0, err);
	if (rc == 0)
		memcpy(id, m.id, SPOOL_ID_MAX);
	free(m.last_error);
	return rc;
}

int
spool_clean_tmp(struct spool *s, long long min_age_s, unsigned *removed, char err[ERR_LEN])
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	time_t now = time(NULL);
	DIR *d;

	*removed = 0;
	PATHF(dir, "%s/tmp", s->dir);
	if ((d = opendir(dir)) == NULL)
		return err_set(err, "spool: cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct stat named, locked;
		int fd;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= 200)
			continue;
		PATHF(path, "%s/%s", dir, de->d_name);
		if (lstat(path, &named) != 0 || !S_ISREG(named.st_mode) ||
		    (long long)(now - named.st_mtime) < min_age_s)
			continue;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		/* a writer at work holds it; a dead one's lock is gone */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &locked) == 0 &&
		    stat(path, &named) == 0 && locked.st_ino == named.st_ino &&
		    locked.st_dev == named.st_dev && unlink(path) == 0)
			(*removed)++;
		close(fd);
	}
	closedir(d);
	return 0;
}
