/*
 * jsonscan: a JSON document checked against limits before anything is built
 * from it, and cut into units small enough to parse one at a time.
 *
 * A saved diagnosis is untrusted and may be large: parsed whole, jansson
 * spends some 60 to 100 bytes of memory on every value, so a 256 MiB file
 * of `[0,0,0,...]` needs about 12 GB. jsonscan_top() reads the document once,
 * without allocating per value: it checks the JSON grammar, the nesting
 * depth, the length of every string, the number of members of the top-level
 * object and of elements of the arrays that are its members, and the number
 * of values in each unit; and it returns where each unit is. A unit is an
 * element of an array that is a member of the top-level object (one
 * incident of "incidents"), or a member's value that is not an array. The
 * caller then parses one unit at a time (jansson's json_loadb on its bytes)
 * and frees it before the next, so the memory of the parse is that of one
 * unit, whatever the file.
 *
 * Errors name the line and column, and what was over which limit; a byte of
 * the document shown in a message is escaped (text.h).
 *
 * jsonscan_top_read() does the same on a document it reads a chunk at a
 * time from a function (a file), holding a window of it (64 KiB, more while
 * a string up to max_string is read), never the whole: the units' offsets
 * are then offsets in what was read, for the caller to read again.
 *
 * Ownership: jsonscan_top() fills *out, which jsonscan_free() releases; the
 * spans point into the caller's data, which must outlive them.
 */
#ifndef KBDIAG_JSONSCAN_H
#define KBDIAG_JSONSCAN_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

struct jsonscan_limits {
	size_t	max_depth;	/* arrays and objects inside each other */
	size_t	max_string;	/* bytes of one string or number, as written */
	size_t	max_members;	/* of the top-level object */
	size_t	max_elements;	/* of an array that is a top-level member */
	size_t	max_values;	/* values in one unit (each array, object,
				   string, number, true, false, null counts) */
	/* NULL, or: in each element of the top-level array nest_member that
	 * is an object, the elements of its array member nest_key are units
	 * of their own (counted alone, at most max_elements of them), not
	 * part of the element's (a saved diagnosis's "history" entries and
	 * their "incidents"). They are not listed: jsonscan_top() on the
	 * element's bytes finds them. */
	const char	*nest_member, *nest_key;
};

/* One unit: data[off, off + len) is one JSON value. */
struct jsonscan_unit {
	size_t	off, len;
	size_t	line;		/* where it starts, for messages */
};

struct jsonscan_member {
	char			*key;		/* decoded (UTF-8, NUL-terminated) */
	int			 is_array;
	struct jsonscan_unit	 value;		/* the whole value */
	struct jsonscan_unit	*elements;	/* is_array: its elements */
	size_t			 nelements;
};

struct jsonscan {
	struct jsonscan_member	*members;	/* in document order */
	size_t			 nmembers;
	size_t			 values;	/* in the whole document */
};

/*
 * Check data (len bytes) as one JSON object within lim, and fill *out.
 * Returns 0, or -1 with err ("line L, column C: ...").
 */
int jsonscan_top(const char *data, size_t len, const struct jsonscan_limits *lim,
    struct jsonscan *out, char err[ERR_LEN]);

/*
 * What jsonscan_top_read() reads from: up to n bytes into buf; the number
 * read, 0 at the end, or -1 with errno.
 */
typedef ssize_t (*jsonscan_read_fn)(void *ctx, char *buf, size_t n);

/*
 * jsonscan_top() on the bytes rd returns, in order. Returns 0, or -1 with
 * err: the document's fault as jsonscan_top() says it, or, when rd failed,
 * strerror of its errno (and errno set to it).
 */
int jsonscan_top_read(jsonscan_read_fn rd, void *ctx, const struct jsonscan_limits *lim,
    struct jsonscan *out, char err[ERR_LEN]);

/* The member with this key, or NULL. */
const struct jsonscan_member *jsonscan_find(const struct jsonscan *s, const char *key);

void jsonscan_free(struct jsonscan *s);

#endif
