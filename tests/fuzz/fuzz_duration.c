/*
 * Fuzz target: the duration parser (duration.h), which reads --timeout and
 * --round-timeout (and, later, smtpgw's). The oracles: an accepted duration
 * is within the bounds asked for, and what duration_format() writes of it
 * reads back as the same number of milliseconds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long ms, again;
	char err[ERR_LEN], fmt[32], *s;
	unsigned long bare;

	if (size < 1 || size > 64)
		return 0;
	bare = data[0] & 1 ? 1000 : 1;	/* an option in seconds, or in milliseconds */
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (duration_parse(s, bare, 1, 3600000, &ms, err) == 0) {
		if (ms < 1 || ms > 3600000)
			abort();
		duration_format(ms, fmt);
		if (duration_parse(fmt, 1, 1, 3600000, &again, err) != 0 || again != ms)
			abort();
	} else if (err[0] == '\0' || memchr(err, '\n', strlen(err)) != NULL)
		abort();	/* an error is one line, never empty */
	free(s);
	return 0;
}
