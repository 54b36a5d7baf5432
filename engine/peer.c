#include "peer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
peer_host_char(int c, int v6)
{
	if (isalnum(c) || c == '.' || c == '-' || c == '_')
		return 1;
	return v6 && (c == ':' || c == '%');
}

static int
peer_valid(const char *s, size_t n, int v6)
{
	size_t i;

	if (n == 0 || n >= PEER_HOST_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!peer_host_char((unsigned char)s[i], v6))
			return 0;
	return 1;
}

int
peer_valid_host(const char *s)
{
	return peer_valid(s, strlen(s), strchr(s, ':') != NULL);
}

int
peer_parse(const char *s, unsigned default_port, char host[PEER_HOST_MAX],
    unsigned *port, char err[ERR_LEN])
{
	const char *h = s, *end, *colon = NULL;
	size_t n;
	int v6 = 0;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return err_set(err, "'%.100s': missing ']' after the IPv6 address", s);
		h = s + 1;
		n = (size_t)(end - h);
		v6 = 1;
		if (end[1] == ':')
			colon = end + 1;
		else if (end[1] != '\0')
			return err_set(err, "'%.100s': unexpected text after ']'", s);
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return err_set(err, "'%.100s': write an IPv6 address in brackets, "
			    "as [ADDRESS]:PORT", s);
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!peer_valid(h, n, v6))
		return err_set(err, "'%.100s': not a valid host name or address", s);
	*port = default_port;
	if (colon) {
		char *stop;
		long p;

		if (!isdigit((unsigned char)colon[1]))
			return err_set(err, "'%.100s': the port must be a number", s);
		p = strtol(colon + 1, &stop, 10);
		if (*stop != '\0' || p < 1 || p > 65535)
			return err_set(err, "'%.100s': the port must be a number from 1 to 65535", s);
		*port = (unsigned)p;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	return 0;
}
