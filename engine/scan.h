/*
 * scan: a log read, split into lines and matched on a second thread.
 *
 * The diagnosis reads a log in order, and every line moves the reader's state
 * on (reader.h), but only a few lines match a pattern or hold an error or a
 * delivery word. So the work is split in two: a worker thread reads the log
 * in blocks, splits each block into lines exactly as reader_next() does (LF,
 * CR LF, a lone CR; lines longer than READER_MAX_LINE cut and flagged) and
 * runs match_line() on each line with a matcher of its own (match_clone());
 * the caller, on its own thread, takes the blocks in order and gives each
 * line to the reader: whole (reader_feed()) when the worker found something
 * in it, else only to move the reader's state on. Both threads work at once,
 * one block apart.
 *
 * A line whose first byte other than spaces and tabs is '{' (or json-seq's
 * RS, 0x1e) may be an event whose patterns are matched against its "text"
 * or a journal entry's MESSAGE (reader.h): the worker does
 * not match it (SCAN_SELF) and the caller does, on the record.
 *
 * The worker also reads, for the caller, what depends on a line alone among
 * what the caller does with the lines it takes whole (struct scan_pre: an
 * MTA line's parse, an unmatched error line's shape), as much as keeps the
 * two threads equally busy; the caller uses it only when its reader split
 * the line as the worker guessed, so the result is the same either way.
 *
 * Memory: SCAN_BLOCKS blocks of SCAN_READ bytes plus a line's worth
 * (READER_MAX_LINE) each, only what is touched is resident; the lines,
 * hits and scan_pre records (and their strings) of a block grow with its
 * lines.
 *
 * Ownership: a struct scan owns its blocks and its thread; the worker's
 * matcher is the caller's, used only by the worker until scan_end().
 */
#ifndef KBDIAG_SCAN_H
#define KBDIAG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "match.h"

/* Bytes read per block, and blocks in flight. */
#define SCAN_READ	(256 * 1024)
#define SCAN_BLOCKS	3

/* What the worker found in a line. */
#define SCAN_TRUNCATED	0x01	/* longer than READER_MAX_LINE */
#define SCAN_NUL	0x02	/* holds NUL bytes */
#define SCAN_SELF	0x04	/* may be an event: not matched, the caller does */
#define SCAN_ERROR	0x08	/* an error word (match_looks_like_error()) */
#define SCAN_DELIVERY	0x10	/* a delivery word (match_looks_like_delivery()) */
#define SCAN_GAVE_UP	0x20	/* a pattern gave up: its symptom after the hits */
/* A line the caller must look at whole. */
#define SCAN_WHOLE	(SCAN_TRUNCATED | SCAN_NUL | SCAN_SELF | SCAN_ERROR | \
			 SCAN_DELIVERY | SCAN_GAVE_UP)

struct scan_line {
	uint32_t	 pos;		/* first byte in the block's data */
	uint32_t	 len;		/* bytes kept (at most READER_MAX_LINE) */
	uint32_t	 hit;		/* its first hit in the block's hits */
	uint16_t	 nhits;		/* hits (match_line()) */
	uint16_t	 flags;		/* SCAN_* */
};

/*
 * What the worker read of a line's message, from the line alone, for the
 * caller to take instead of reading it again on its own thread: for a line
 * with hits, an error or a delivery word that looks like a syslog line
 * (reader_guess_text()), as much as the worker has time for (it follows
 * which thread waits for the other; KBDIAG_SCAN_PRE=all: every such line,
 * =none: none, for the tests that compare the two). The worker guessed where the message starts; the
 * caller takes nothing of it unless its reader split the line the same way
 * (scan_pre_fits()). Flat: offsets into the line and the block's strs, small
 * enums, pointers only to what outlives the scan (the rule base's strings,
 * mta.h's static failure words).
 */
#define SCAN_PRE_MTA	0x01	/* mta_parse() of text, program, pid and hint */
#define SCAN_PRE_SERVER	0x02	/* peer_server_line() of text is 1 */
#define SCAN_PRE_SHAPE	0x04	/* shape_of(text, SCAN_SHAPE_MAX) in strs */
#define SCAN_SHAPE_MAX	200

struct scan_pre {
	uint32_t		 line;		/* the block's line it is of */
	uint32_t		 text, text_len;	/* the message in the line */
	uint32_t		 prog, prog_len;	/* the program (prog_len 0: none) */
	long			 pid;
	uint32_t		 strs;		/* its strings' first byte in strs */
	uint32_t		 shape_len;	/* (a word may be a line long) */
	uint8_t			 what;		/* SCAN_PRE_* */
	/* mta_parse()'s result: its strings NUL-terminated in strs after the
	 * shape, session, message, peer host, peer address, domain */
	uint8_t			 origin, kind, phase, cached;
	uint8_t			 lens[5];
	unsigned		 port;
	const char		*hint;		/* the hint it was read with */
	const char		*failure;
};

struct scan_block {
	const char		*data;
	struct scan_line	*lines;
	size_t			 nlines;
	struct scan_pre		*pre;		/* in line order */
	size_t			 npre;
	const char		*strs;
	struct match_hit	*hits;
	/* offsets: the line at 0 starts at first; the others at base + pos */
	unsigned long long	 first, base;
	int			 wholes;	/* some line has SCAN_WHOLE or hits */
};

struct scan;

/*
 * Start reading fd (a regular file, from its start; name for messages), or
 * with fd -1 the reader r (reader_read(): a pipe, standard input, gzip), on
 * a new thread that matches with m. NULL when no thread can be started (read
 * the file another way).
 */
struct reader;
struct scan *scan_start(int fd, struct reader *r, const char *name, struct matcher *m);
/*
 * The next block, in file order (waits for it); the one before is given
 * back. NULL at the end of the file or after a read error (scan_end() says).
 */
const struct scan_block *scan_next(struct scan *s);
/* A line's offset in the file. */
static inline unsigned long long
scan_offset(const struct scan_block *b, const struct scan_line *l)
{
	return l->pos == 0 ? b->first : b->base + l->pos;
}
/*
 * Did the reader split the line of p as the worker guessed: its message at
 * text, len bytes, of raw (the record's line)? Then the shape and the server
 * test are the message's; and the MTA parse too when the program and pid are
 * the same (scan_pre_mta_fits()).
 */
static inline int
scan_pre_fits(const struct scan_pre *p, const char *raw, const char *text, size_t len)
{
	return text == raw + p->text && len == p->text_len;
}
struct mta_line;
int scan_pre_mta_fits(const struct scan_block *b, const struct scan_pre *p,
    const char *program, long pid);
/* p's MTA parse (SCAN_PRE_MTA), as mta_parse() gave it, into out. */
void scan_pre_mta(const struct scan_block *b, const struct scan_pre *p, struct mta_line *out);
/* p's shape (SCAN_PRE_SHAPE): *len bytes, not NUL-terminated. */
static inline const char *
scan_pre_shape(const struct scan_block *b, const struct scan_pre *p, size_t *len)
{
	*len = p->shape_len;
	return b->strs + p->strs;
}
/*
 * Stop (the worker too, if it is still reading) and free: 0 with *bytes the
 * bytes read, or -1 with err on a read error (the lines before it were
 * given).
 */
int scan_end(struct scan *s, unsigned long long *bytes, char err[ERR_LEN]);

#endif
