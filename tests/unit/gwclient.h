/*
 * gwclient: the other side of smtpgw's listener for the gateway suites: a
 * running `smtpgw run --listen 127.0.0.1:0` (the kernel's port), and plain TCP
 * clients that send bytes and wait for replies, as real SMTP clients (and
 * attackers) do.
 *
 * Strings returned are malloc'ed; the caller frees them. Failures fail the
 * test.
 */
#ifndef KBDIAG_GWCLIENT_H
#define KBDIAG_GWCLIENT_H

#include <stddef.h>
#include <sys/types.h>

#include "smtpd.h"
#include "spool.h"

/*
 * Start build/smtpgw run --spool SPOOL --smarthost HOST --listen
 * 127.0.0.1:0 --log LOG, then the extra arguments (NULL-terminated), and wait
 * until its log says it listens ("SMTP_listen(port=N)"): the port the kernel
 * gave it, in *port. It gets SIGTERM if the test process dies.
 */
pid_t gwclient_gateway(const char *spool, const char *smarthost, unsigned *port,
    const char *log, ...) __attribute__((sentinel));
/* SIGTERM, then wait: it must exit 0 within TU_WAIT_MS; *ms: how long it took
 * (or NULL). */
void gwclient_stop(pid_t pid, long long *ms);

/* A connection to 127.0.0.1:port (retried while refused, up to TU_WAIT_MS). */
int gwclient_connect(unsigned port);
/* The same from the local address src ("127.0.0.2": another client). */
int gwclient_connect_from(const char *src, unsigned port);
/* Send all of s (len bytes). */
void gwclient_send(int fd, const char *s, size_t len);
void gwclient_send_str(int fd, const char *s);
/*
 * Read until want appears (or the connection closes, or timeout_ms pass);
 * returns what was read, NUL-terminated. The caller checks it.
 */
char *gwclient_read_until(int fd, const char *want, int timeout_ms);
/* Read until want appears; fail the test if it does not within TU_WAIT_MS. */
void gwclient_expect(int fd, const char *want);
/* Read until the peer closes (at most timeout_ms); 1 when it closed. */
int gwclient_closed(int fd, int timeout_ms);

/* The spool tu_scratch/name, opened (made when missing). */
struct spool *gwclient_spool(const char *name);

/*
 * One listener session in-process over a socketpair, into spool sp: the
 * client's whole script is written first (pipelined), then its side is shut
 * for writing. Returns the replies; *queued the messages queued.
 */
char *gwclient_session(struct spool *sp, enum smtpd_bare_lf bare_lf, const char *script,
    size_t len, size_t max_size, unsigned *queued);

/* The processes whose command line names path (the gateway and its children
 * all have the spool's path in theirs). */
size_t gwclient_processes(const char *path);

#endif
