#include "peer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* A host name or an IPv4 address: letters, digits, '.', '-', '_'. */
static int
peer_valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= PEER_HOST_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/* An IPv6 address as inet_pton() reads it, with an optional %zone (a name). */
static int
peer_valid_v6(const char *s, size_t n)
{
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr a;
	const char *zone = memchr(s, '%', n);
	size_t alen = zone ? (size_t)(zone - s) : n;

	if (n >= PEER_HOST_MAX || alen == 0 || alen >= sizeof(addr))
		return 0;
	if (zone && !peer_valid_name(zone + 1, n - alen - 1))
		return 0;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	return inet_pton(AF_INET6, addr, &a) == 1;
}

int
peer_valid_host(const char *s)
{
	size_t n = strlen(s);

	return memchr(s, ':', n) ? peer_valid_v6(s, n) : peer_valid_name(s, n);
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
	if (v6 ? !peer_valid_v6(h, n) : !peer_valid_name(h, n))
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
