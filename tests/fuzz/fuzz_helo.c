/*
 * Fuzz target: the hosts-file reader of helo.h, which finds the gateway's
 * own qualified name for EHLO, and helo_valid(), which checks --helo. The
 * input is a host name (its first line) and a hosts file (the rest). The
 * oracles: the name given is always one helo_valid() accepts and never
 * longer than HELO_NAME_MAX; a qualified one (1) has a dot and is the host
 * name itself or a name on one of the file's lines; anything helo_valid()
 * accepts has no blank, control character or line end (it goes into EHLO).
 */
#define _GNU_SOURCE	/* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char host[HELO_NAME_MAX], out[HELO_NAME_MAX];
	const uint8_t *nl;
	size_t hl, i;
	FILE *f;
	int rc;

	if (size > 65536)
		return 0;
	nl = memchr(data, '\n', size);
	hl = nl ? (size_t)(nl - data) : size;
	if (hl >= sizeof(host))
		hl = sizeof(host) - 1;
	memcpy(host, data, hl);
	host[hl] = '\0';
	if (helo_valid(host))
		for (i = 0; host[i]; i++)
			if ((unsigned char)host[i] <= ' ' || host[i] == 0x7f)
				abort();
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/fuzz_helo.%ld", (long)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	if (nl != NULL)
		fwrite(nl + 1, 1, size - (size_t)(nl - data) - 1, f);
	fclose(f);
	rc = helo_fqdn_of(host, path, out);
	unlink(path);
	if (strlen(out) >= HELO_NAME_MAX || !helo_valid(out))
		abort();
	/* (memmem: the file may hold NUL bytes) */
	if (rc == 1 && (strchr(out, '.') == NULL || (strcmp(out, host) != 0 &&
	    memmem(data + hl, size - hl, out, strlen(out)) == NULL)))
		abort();
	return 0;
}
