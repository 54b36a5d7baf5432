/*
 * legacy: the failures smtpgw reports, each with the legacy line of Microsoft
 * Mail Gateway to SMTP, its number, its class and its RFC 3463 code, from the
 * one table in legacy.def.
 *
 * legacy_from_errno() is the mapping from what the socket layer said to the
 * condition: which call failed (connect, write, read) and its errno.
 */
#ifndef SMTPGW_LEGACY_H
#define SMTPGW_LEGACY_H

#include <stddef.h>

enum legacy_class {
	TEMPFAIL,	/* the message stays queued and is tried again */
	PERMFAIL	/* the message goes to bad/ */
};

enum legacy_cond {
#define LEGACY(cond, code, text, class, rfc, kb) LEGACY_##cond,
#include "legacy.def"
#undef LEGACY
	LEGACY_NCONDS
};

struct legacy_entry {
	const char		*name;		/* "CONNECT" */
	int			 code;		/* 0 = none */
	const char		*text;
	enum legacy_class	 class;
	const char		*rfc3463;
	int			 kb;		/* the rule base must know it */
};

/* The row of cond; the table is legacy_table[0 .. LEGACY_NCONDS). */
const struct legacy_entry *legacy_get(enum legacy_cond cond);
extern const struct legacy_entry legacy_table[LEGACY_NCONDS];

/* "tempfail" or "permfail". */
const char *legacy_class_to_text(enum legacy_class c);

/* Which socket call failed. */
enum legacy_op {
	LEGACY_OP_CONNECT,
	LEGACY_OP_WRITE,
	LEGACY_OP_READ
};

/*
 * The condition for a failed call: connect -> CONNECT; write with EPIPE or
 * ECONNRESET -> WRITE_RESET, ENOTCONN -> WRITE_NOTCONN, others WRITE_ERROR;
 * read of 0 bytes (err 0) -> READ_CLOSED, ECONNRESET -> READ_RESET,
 * ETIMEDOUT or EAGAIN (a deadline) -> READ_TIMEOUT, others READ_ERROR.
 */
enum legacy_cond legacy_from_errno(enum legacy_op op, int err);

/* The errno name ("EPIPE"), or NULL for 0 or one it does not know. */
const char *legacy_errno_name(int err);

#endif
