/* legacy: the table of legacy.def, and the socket-layer mapping. */
#include <errno.h>
#include <stddef.h>

#include "legacy.h"

const struct legacy_entry legacy_table[LEGACY_NCONDS] = {
#define LEGACY(cond, code, text, class, rfc, kb) { #cond, code, text, class, rfc, kb },
#include "legacy.def"
#undef LEGACY
};

const struct legacy_entry *
legacy_get(enum legacy_cond cond)
{
	return (unsigned)cond < LEGACY_NCONDS ? &legacy_table[cond] : NULL;
}

const char *
legacy_class_to_text(enum legacy_class c)
{
	return c == PERMFAIL ? "permfail" : "tempfail";
}

enum legacy_cond
legacy_from_errno(enum legacy_op op, int err)
{
	switch (op) {
	case LEGACY_OP_CONNECT:
		return LEGACY_CONNECT;
	case LEGACY_OP_WRITE:
		if (err == EPIPE || err == ECONNRESET)
			return LEGACY_WRITE_RESET;
		if (err == ENOTCONN)
			return LEGACY_WRITE_NOTCONN;
		return LEGACY_WRITE_ERROR;
	case LEGACY_OP_READ:
		if (err == 0)
			return LEGACY_READ_CLOSED;
		if (err == ECONNRESET)
			return LEGACY_READ_RESET;
		if (err == ETIMEDOUT || err == EAGAIN)
			return LEGACY_READ_TIMEOUT;
		return LEGACY_READ_ERROR;
	}
	return LEGACY_READ_ERROR;
}

const char *
legacy_errno_name(int err)
{
	switch (err) {
#define E(x) case x: return #x;
	E(EPIPE) E(ECONNRESET) E(ECONNREFUSED) E(ECONNABORTED) E(ETIMEDOUT)
	E(ENOTCONN) E(EHOSTUNREACH) E(ENETUNREACH) E(ENETDOWN) E(EHOSTDOWN)
	E(EADDRINUSE) E(EADDRNOTAVAIL) E(EACCES) E(EPERM) E(EINTR) E(EIO)
	E(ENOSPC) E(EBADF) E(EINVAL) E(ENOMEM) E(ENOBUFS) E(EPROTO) E(EAGAIN)
	E(EINPROGRESS) E(EAFNOSUPPORT) E(ENOENT) E(EMSGSIZE)
#undef E
	default:
		return NULL;
	}
}
