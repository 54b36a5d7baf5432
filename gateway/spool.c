/*
 * spool: one file per message, written the way OpenSMTPD's queue_fs.c does
 * (temporary file, fsync, rename, fsync of the directory).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "spool.h"
#include "xmem.h"

#define SPOOL_MAGIC	"SMTPGW-SPOOL 1\n"

struct spool {
	char	*dir;
	unsigned counter;	/* makes ids unique within this process */
};

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

int
spool_open(const char *dir, struct spool **out, char err[ERR_LEN])
{
	char path[PATH_MAX];
	size_t i;

	*out = NULL;
	/* room for "/deferred/" + an id + ".why" in every path made below */
	if (strlen(dir) + SPOOL_ID_MAX + 32 >= sizeof(path))
		return err_set(err, "spool: directory name too long: %.100s...", dir);
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

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	free(s->dir);
	free(s);
}

char *
spool_wire(const char *msg, size_t len, size_t *outlen)
{
	struct buf b = BUF_INIT;
	size_t i = 0, start;

	while (i < len) {
		start = i;
		while (i < len && msg[i] != '\n')
			i++;
		/* the line is msg[start, i), less a CR before the LF */
		size_t end = i;
		if (end > start && msg[end - 1] == '\r' && i < len)
			end--;
		if (end > start && msg[start] == '.')
			buf_putc(&b, '.');
		buf_append(&b, msg + start, end - start);
		buf_append(&b, "\r\n", 2);
		if (i < len)
			i++;	/* the LF */
	}
	*outlen = b.len;
	if (b.data == NULL)
		return xstrdup("");
	return buf_detach(&b);
}

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
fsync_dir(const char *dir, char err[ERR_LEN])
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return err_set(err, "spool: cannot open %s: %s", dir, strerror(errno));
	if (fsync(fd) != 0) {
		int e = errno;

		close(fd);
		return err_set(err, "spool: fsync %s: %s", dir, strerror(e));
	}
	close(fd);
	return 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
header(struct buf *b, const struct spool_msg *m)
{
	size_t i;

	buf_puts(b, SPOOL_MAGIC);
	buf_printf(b, "id: %s\ncreated: %lld\nattempts: %u\nnext-try: %lld\n", m->id,
	    m->created, m->attempts, m->next_try);
	if (m->last_error != NULL)
		buf_printf(b, "last-error: %s\n", m->last_error);
	buf_printf(b, "from: %s\n", m->from);
	for (i = 0; i < m->nrcpts; i++)
		buf_printf(b, "rcpt: %s\n", m->rcpts[i]);
	buf_printf(b, "size: %zu\n\n", m->size);
}

/*
 * Write header + data + trailer to tmp/ID, fsync, rename to STATE/ID, fsync
 * the directory. The rename replaces a file of the same name atomically.
 */
static int
write_file(struct spool *s, const struct spool_msg *m, const char *data, int excl,
    char err[ERR_LEN])
{
	char tmp[PATH_MAX], dst[PATH_MAX], dir[PATH_MAX], trailer[64];
	struct buf b = BUF_INIT;
	int fd, rc = -1, e;

	PATHF(tmp, "%s/tmp/%s", s->dir, m->id);
	PATHF(dir, "%s/%s", s->dir, state_dirs[m->state]);
	PATHF(dst, "%s/%s", dir, m->id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (excl ? O_EXCL : 0), 0600);
	if (fd < 0)
		return err_set(err, "spool: cannot create %s: %s", tmp, strerror(errno));
	header(&b, m);
	snprintf(trailer, sizeof(trailer), "END %zu\n", m->size);
	if (write_all(fd, b.data, b.len) != 0 || write_all(fd, data, m->size) != 0 ||
	    write_all(fd, trailer, strlen(trailer)) != 0) {
		e = errno;
		err_set(err, "spool: cannot write %s: %s", tmp, strerror(e));
		goto fail;
	}
	if (fsync(fd) != 0) {
		e = errno;
		err_set(err, "spool: fsync %s: %s", tmp, strerror(e));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		e = errno;
		err_set(err, "spool: cannot write %s: %s", tmp, strerror(e));
		goto fail;
	}
	fd = -1;
	if (excl && access(dst, F_OK) == 0) {
		err_set(err, "spool: %s exists", dst);
		errno = EEXIST;
		goto fail;
	}
	if (rename(tmp, dst) != 0) {
		e = errno;
		err_set(err, "spool: cannot rename %s to %s: %s", tmp, dst, strerror(e));
		goto fail;
	}
	rc = fsync_dir(dir, err);
	goto out;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
out:
	buf_free(&b);
	return rc;
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
	    s->counter++);
}

int
spool_put(struct spool *s, const char *from, char *const *rcpts, size_t nrcpts,
    const char *data, size_t size, char id[SPOOL_ID_MAX], char err[ERR_LEN])
{
	struct spool_msg m;
	size_t i;
	int tries;

	if (nrcpts == 0)
		return err_set(err, "spool: a message needs at least one recipient");
	if (!value_ok(from) || strpbrk(from, "<> ") != NULL)
		return err_set(err, "spool: invalid sender address \"%.200s\"", from);
	for (i = 0; i < nrcpts; i++)
		if (!addr_ok(rcpts[i]) || rcpts[i][0] == '\0')
			return err_set(err, "spool: invalid recipient address \"%.200s\"",
			    rcpts[i]);
	memset(&m, 0, sizeof(m));
	m.state = SPOOL_NEW;
	m.created = (long long)time(NULL);
	m.from = (char *)from;
	m.rcpts = (char **)rcpts;
	m.nrcpts = nrcpts;
	m.size = size;
	for (tries = 0; tries < 100; tries++) {
		make_id(s, m.id);
		if (write_file(s, &m, data, 1, err) == 0) {
			memcpy(id, m.id, SPOOL_ID_MAX);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
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

int
spool_parse(const char *buf, size_t len, int want_data, struct spool_msg *m,
    char err[ERR_LEN])
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
	if (want_data) {
		m->data = xmalloc(m->size + 1);
		memcpy(m->data, buf + pos, m->size);
		m->data[m->size] = '\0';
	}
	return 0;
fail:
	spool_msg_free(m);
	return -1;
}

/* mmap the file and parse it. A missing file is ENOENT in errno. */
static int
load_path(const char *path, int want_data, struct spool_msg *m, char err[ERR_LEN])
{
	struct stat st;
	void *p = NULL;
	int fd, rc, e;
	char why[ERR_LEN];

	memset(m, 0, sizeof(*m));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		err_set(err, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		err_set(err, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			e = errno;
			close(fd);
			err_set(err, "%s: %s", path, strerror(e));
			errno = e;
			return -1;
		}
	}
	close(fd);
	rc = spool_parse(p ? p : "", (size_t)st.st_size, want_data, m, why);
	if (p != NULL)
		munmap(p, (size_t)st.st_size);
	if (rc != 0) {
		err_set(err, "%s: %s", path, why);
		errno = EINVAL;
	}
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
	return err_set(err, "spool: no message %s in %s", id, s->dir);
}

/* Move a file that does not parse to bad/, with its reason in bad/ID.why. */
static void
quarantine(struct spool *s, enum spool_state st, const char *name, const char *why)
{
	char from[PATH_MAX], to[PATH_MAX], wpath[PATH_MAX + 8], dir[PATH_MAX];
	int fd;

	PATHF(from, "%s/%s/%s", s->dir, state_dirs[st], name);
	PATHF(to, "%s/bad/%s", s->dir, name);
	snprintf(wpath, sizeof(wpath), "%s.why", to);
	fd = open(wpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)write_all(fd, why, strlen(why));
		(void)write_all(fd, "\n", 1);
		fsync(fd);
		close(fd);
	}
	if (st != SPOOL_BAD)
		(void)rename(from, to);
	PATHF(dir, "%s/bad", s->dir);
	(void)fsync_dir(dir, NULL);
}

static int
cmp_msg(const void *a, const void *b)
{
	const struct spool_msg *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
exists_in(struct spool *s, enum spool_state st, const char *name)
{
	char path[PATH_MAX];

	PATHF(path, "%s/%s/%s", s->dir, state_dirs[st], name);
	return access(path, F_OK) == 0;
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
			 * unlink of the old file leaves two: the later one is true. */
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
				if (errno == ENOENT)
					continue;	/* delivered meanwhile */
				if (st != SPOOL_BAD) {
					quarantine(s, (enum spool_state)st, name, why);
					if (on_bad != NULL)
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

int
spool_done(struct spool *s, const struct spool_msg *m, int sync, char err[ERR_LEN])
{
	char path[PATH_MAX], dir[PATH_MAX];

	PATHF(dir, "%s/%s", s->dir, state_dirs[m->state]);
	PATHF(path, "%s/%s", dir, m->id);
	if (unlink(path) != 0 && errno != ENOENT)
		return err_set(err, "spool: cannot remove %s: %s", path, strerror(errno));
	return sync ? fsync_dir(dir, err) : 0;
}

int
spool_sync(struct spool *s, char err[ERR_LEN])
{
	char dir[PATH_MAX];
	int st;

	for (st = 0; st < SPOOL_NSTATES; st++) {
		PATHF(dir, "%s/%s", s->dir, state_dirs[st]);
		if (fsync_dir(dir, err) != 0)
			return -1;
	}
	return 0;
}

int
spool_split(struct spool *s, const struct spool_msg *msg, char *const *rcpts, size_t nrcpts,
    const char *last_error, long long next_try, int to_bad, char id[SPOOL_ID_MAX],
    char err[ERR_LEN])
{
	struct spool_msg m;
	char *le;
	int tries, rc = -1;

	if (nrcpts == 0 || msg->data == NULL)
		return err_set(err, "spool: nothing to split off %s", msg->id);
	le = xstrdup(last_error ? last_error : "");
	for (char *p = le; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	memset(&m, 0, sizeof(m));
	m.state = to_bad ? SPOOL_BAD : SPOOL_DEFERRED;
	m.created = msg->created;
	m.attempts = msg->attempts + 1;
	m.next_try = to_bad ? 0 : next_try;
	m.last_error = le;
	m.from = msg->from;
	m.rcpts = (char **)rcpts;
	m.nrcpts = nrcpts;
	m.size = msg->size;
	for (tries = 0; tries < 100; tries++) {
		make_id(s, m.id);
		if (write_file(s, &m, msg->data, 1, err) == 0) {
			memcpy(id, m.id, SPOOL_ID_MAX);
			rc = 0;
			break;
		}
		if (errno != EEXIST)
			break;
	}
	free(le);
	return rc;
}

int
spool_defer(struct spool *s, struct spool_msg *m, const char *last_error,
    long long next_try, int to_bad, char err[ERR_LEN])
{
	struct spool_msg full, upd;
	char old[PATH_MAX], *le;
	enum spool_state was = m->state;
	int rc;

	spool_path(s, m, old, sizeof(old));
	if (load_path(old, 1, &full, err) != 0)
		return -1;
	/* last_error goes on one header line: no control characters */
	le = xstrdup(last_error ? last_error : "");
	for (char *p = le; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	upd = full;
	upd.attempts = full.attempts + 1;
	upd.next_try = next_try;
	upd.last_error = le;
	upd.state = to_bad ? SPOOL_BAD : SPOOL_DEFERRED;
	rc = write_file(s, &upd, full.data, 0, err);
	if (rc == 0 && upd.state != was) {
		char dir[PATH_MAX];

		unlink(old);
		PATHF(dir, "%s/%s", s->dir, state_dirs[was]);
		rc = fsync_dir(dir, err);
	}
	if (rc == 0) {
		m->attempts = upd.attempts;
		m->next_try = next_try;
		m->state = upd.state;
		free(m->last_error);
		m->last_error = xstrdup(le);
	}
	free(le);
	spool_msg_free(&full);
	return rc;
}
