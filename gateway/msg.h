/*
 * msg: what `smtpgw submit -t` reads from a message's header, like
 * sendmail -t: the recipients of To:, Cc: and Bcc: (folded lines joined,
 * quoted strings and comments skipped, "Name <addr>" taken as addr), and the
 * message without its Bcc: field.
 *
 * Ownership: the returned arrays and strings are malloc'ed; msg_free_list()
 * frees a list.
 */
#ifndef SMTPGW_MSG_H
#define SMTPGW_MSG_H

#include <stddef.h>

/* The recipients named in the header of msg (len bytes). */
void msg_recipients(const char *msg, size_t len, char ***out, size_t *n);
void msg_free_list(char **list, size_t n);

/* msg without its Bcc: field(s); *outlen its length. */
char *msg_strip_bcc(const char *msg, size_t len, size_t *outlen);

#endif
