/*
 * Fuzz target: the spool file parser (gateway/spool.c), with and without
 * the data, and the header recipients of `smtpgw submit -t` (gateway/msg.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_msg m;
	char err[ERR_LEN], **rcpts, *s, *w;
	size_t n, len, wlen;

	if (spool_parse((const char *)data, size, 1, &m, err) == 0) {
		if (m.nrcpts == 0 || m.from == NULL || m.data == NULL)
			abort();
		spool_msg_free(&m);
	} else if (err[0] == '\0')
		abort();
	if (spool_parse((const char *)data, size, 0, &m, err) == 0)
		spool_msg_free(&m);
	msg_recipients((const char *)data, size, &rcpts, &n);
	msg_free_list(rcpts, n);
	s = msg_strip_bcc((const char *)data, size, &len);
	w = spool_wire(s, len, &wlen);
	if (wlen > 0 && (w[wlen - 1] != '\n' || w[wlen - 2] != '\r'))
		abort();
	free(s);
	free(w);
	return 0;
}
