/*
 * gwpeer: the project's fault peer, build/faultpeer (tests/peer/README.md),
 * as the smtpgw suites run it: a child process on an ephemeral 127.0.0.1
 * port (--port-file), one fault per run, every accepted message stored in a
 * Maildir the test names (MAILDIR/new/NAME.eml, written before the 250).
 * The EHLO offers PIPELINING, SIZE 104857600 and 8BITMIME, so the gateway
 * uses what a real smart host offers; the fault names are faultpeer's.
 *
 * The peer gets SIGTERM when the test process dies, so a failing test never
 * leaves one behind. Paths and strings returned are malloc'ed; the caller
 * frees them.
 */
#ifndef KBDIAG_GWPEER_H
#define KBDIAG_GWPEER_H

#include <stddef.h>
#include <sys/types.h>

struct gwpeer {
	pid_t		 pid;		/* faultpeer's process; 0 when stopped */
	unsigned	 port;		/* where it listens on 127.0.0.1 */
	char		*transcript;	/* its --transcript file */
};

/*
 * Start build/faultpeer with fault ("none" for a healthy server), storing
 * what it accepts in maildir (NULL: nothing is stored), with extra faultpeer
 * arguments (e.g. "--after", "1000"), NULL-terminated. Its port and
 * transcript files go into tu_scratch. Fails the test if it does not start.
 */
void gwpeer_start(struct gwpeer *p, const char *fault, const char *maildir, ...)
    __attribute__((sentinel));
/* SIGTERM; faultpeer must exit 0 (its sessions end with it). NULL-safe, and
 * a stopped peer may be stopped again. */
void gwpeer_stop(struct gwpeer *p);
/* How many messages peers have stored in maildir (0 when it does not exist). */
size_t gwpeer_count(const char *maildir);
/*
 * Message i (from 0, in the order of the file names: one session's messages
 * in the order they came) stored in maildir, without faultpeer's envelope
 * block: the data as received after DATA, dot-unstuffed, CR LF kept; its
 * length in *len. Fails the test when there is no message i.
 */
char *gwpeer_message(const char *maildir, size_t i, size_t *len);
/* The transcript so far (tests print it when an assertion fails). */
char *gwpeer_transcript(const struct gwpeer *p);

#endif
