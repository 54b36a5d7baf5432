/*
 * usage: the usage errors of the command lines (kbdiag and smtpgw), worded
 * one way for both:
 *
 *   PROG: SUBJECT: problem
 *   Try 'PROG --help' for more information.
 *
 * where SUBJECT is what the user gave: "option '--timeout'", "submit",
 * "unknown command 'send'". The exit status is the caller's (2 for both).
 *
 * Command-line code only: this prints to standard error, which the library
 * never does, so it is not part of libkbdiag (engine/cli/ is linked into the
 * programs alone).
 */
#ifndef KBDIAG_CLI_USAGE_H
#define KBDIAG_CLI_USAGE_H

#include <getopt.h>
#include <stdarg.h>

/* PROG: the message, then the line that points to --help. */
void usage_verror(const char *prog, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * getopt's complaint, in the same words (call getopt_long with opterr 0 and
 * ':' first in the short options, so that getopt says nothing itself). arg
 * is the argument it stopped at ("--bogus=1", "--o", "-qx"); a long option
 * is found again by its prefix, as getopt does, to say whether it is
 * unknown, ambiguous, missing its value or given one it does not take.
 */
void usage_bad_option(const char *prog, const struct option *longopts, const char *arg,
    int missing_value);

#endif
