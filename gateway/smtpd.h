/*
 * smtpd: the server side of one SMTP session, as a pure state machine: the
 * client's bytes go in (smtpd_feed(), in pieces cut anywhere), the replies
 * come out, and each message goes to a sink as it arrives. No I/O, no clock,
 * no signals: the listener (listener.c) reads the socket, keeps the deadlines
 * and sends what this says; tests/fuzz/fuzz_listener.c feeds it anything.
 * The same bytes give the same replies and the same messages however they
 * are cut into pieces.
 *
 * Commands: EHLO, HELO, MAIL FROM:<path> [SIZE=n], RCPT TO:<path>, DATA,
 * RSET, NOOP, VRFY, QUIT; a command line is at most SMTPD_CMD_MAX bytes
 * (longer: 500, and the rest of it is skipped). After SMTPD_MAX_ERRORS
 * refused commands the client gets 421 and the session ends.
 *
 * DATA follows RFC 5321: the end of the data is CR LF . CR LF and nothing
 * else (4.1.1.4); a line of any length is taken whole, however it arrives,
 * and a piece boundary never makes a line end. What is stored is the wire
 * form (spool.h): CR LF line ends, dot-stuffed as the client sent it, and it
 * always ends with CR LF (or is empty). A bare LF (an LF without the CR
 * before it), in a command or in the data, is by policy
 *
 *   SMTPD_BARE_LF_REJECT     refused: "550 5.5.2 ... bare <LF>", and the
 *                            session ends, so nothing after it is read as a
 *                            command (Postfix's smtpd_forbid_bare_newline =
 *                            reject); the default
 *   SMTPD_BARE_LF_NORMALIZE  taken as a line end and stored as CR LF, but
 *                            never as part of the end of the data: "LF . LF",
 *                            "LF . CR LF" and "CR LF . LF" are data (the dot
 *                            line is stored as "..", so that it cannot end
 *                            the data at the smart host either); only
 *                            CR LF . CR LF ends it (Postfix's = normalize)
 *
 * A bare CR (not before an LF) is data, as in Postfix.
 *
 * Ownership: smtpd_free() frees the session and aborts a message in progress;
 * the params' pointers must outlive it.
 */
#ifndef SMTPGW_SMTPD_H
#define SMTPGW_SMTPD_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "spool.h"

#define SMTPD_CMD_MAX		2048	/* bytes of a command line, without its line end */
#define SMTPD_ADDR_MAX		1000	/* bytes of a path, with the NUL */
#define SMTPD_MAX_RCPTS		1000
#define SMTPD_MAX_ERRORS	20

#define SMTPD_BARE_LF_LIST(X) \
	X(SMTPD_BARE_LF_REJECT,    "reject") \
	X(SMTPD_BARE_LF_NORMALIZE, "normalize")

enum smtpd_bare_lf {
#define X(e, s) e,
	SMTPD_BARE_LF_LIST(X)
#undef X
	SMTPD_BARE_LF_COUNT
};

/* "reject", "normalize"; and back (-1 when not one of them). */
const char *smtpd_bare_lf_to_text(enum smtpd_bare_lf b);
int smtpd_bare_lf_from_text(const char *s);

/*
 * Where messages go (the listener's is the spool; the fuzz target's is
 * memory). begin is called when the DATA command is accepted; its handle gets
 * the data in pieces (write), then commit (the 250 goes out only after it
 * returned 0) or abort. A NULL handle, or a failed write or commit, makes the
 * reply 451 (the data is still read to its end). commit and abort free the
 * handle.
 */
struct smtpd_sink {
	void	*(*begin)(void *arg, const char *from, char *const *rcpts, size_t nrcpts);
	int	 (*write)(void *h, const char *data, size_t n);
	int	 (*commit)(void *h, char id[SPOOL_ID_MAX]);
	void	 (*abort)(void *h);
};

struct smtpd_params {
	const char		*hostname;	/* in the greeting and EHLO reply */
	size_t			 max_size;	/* SIZE: a message larger than this gets 552 */
	enum smtpd_bare_lf	 bare_lf;
	const struct smtpd_sink	*sink;
	void			*sink_arg;
};

enum smtpd_status {
	SMTPD_OPEN,		/* more input, please */
	SMTPD_CLOSE		/* send the replies, then end the session */
};

struct smtpd;

struct smtpd *smtpd_new(const struct smtpd_params *p);
void smtpd_free(struct smtpd *s);

/* The 220 greeting, appended to out. */
void smtpd_greeting(struct smtpd *s, struct buf *out);
/* Take n bytes from the client; the replies they call for are appended to out. */
enum smtpd_status smtpd_feed(struct smtpd *s, const char *in, size_t n, struct buf *out);
/* The client was silent too long, or the gateway stops: the 421 to send
 * before closing (a message in progress is dropped: it had no 250). */
void smtpd_timeout(struct smtpd *s, struct buf *out);
void smtpd_shutdown(struct smtpd *s, struct buf *out);

/* Messages committed so far. */
unsigned smtpd_queued(const struct smtpd *s);
/* In the middle of a message's data (between the 354 and the final dot). */
int smtpd_in_data(const struct smtpd *s);

#endif
