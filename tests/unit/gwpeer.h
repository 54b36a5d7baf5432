/*
 * gwpeer: a small SMTP server on 127.0.0.1 for the smtpgw suites, forked
 * from the test, with one fault at a time. It is the stand-in until the
 * project's fault peer (tests/peer/faultpeer.c) is merged; the faults have
 * its names:
 *
 *   none                  a healthy ESMTP server (PIPELINING, SIZE)
 *   ehlo-500              500 to EHLO, 250 to HELO
 *   greet-421             421 as the greeting, then close
 *   reset                 RST before the greeting
 *   close-after-greeting  220, then close
 *   silent                accepts and never says anything
 *   close-in-data         closes after the first body bytes
 *   reset-in-data         RST after the first body bytes
 *   no-final-reply        no reply to the final dot
 *   bare-lf               every reply line ends in LF alone
 *   rcpt-550              550 to every RCPT
 *
 * Each received message (what came after DATA, up to the dot) is written to
 * DIR/msg.N. The peer serves connections until gwpeer_stop() kills it.
 */
#ifndef KBDIAG_GWPEER_H
#define KBDIAG_GWPEER_H

#include <stddef.h>
#include <sys/types.h>

struct gwpeer {
	pid_t		 pid;
	unsigned	 port;
};

/* Start the peer with fault; received messages go to dir (made if needed). */
void gwpeer_start(struct gwpeer *p, const char *fault, const char *dir);
void gwpeer_stop(struct gwpeer *p);
/* A port on 127.0.0.1 where nothing listens (bound, then closed). */
unsigned gwpeer_free_port(void);
/* How many messages the peer(s) wrote to dir. */
size_t gwpeer_count(const char *dir);

#endif
