#include "peer.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
peer_is_ipv4(const char *s, size_t n)
{
	size_t i = 0, part, digits;
	unsigned v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		for (digits = 0, v = 0; i < n && isdigit((unsigned char)s[i]); i++, digits++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (digits == 0 || digits > 3 || v > 255)
			return 0;
	}
	return i == n;
}

int
peer_is_ipv6(const char *s, size_t n)
{
	return memchr(s, ':', n) != NULL && peer_valid_v6(s, n);
}

int
peer_valid_host(const char *s)
{
	size_t n = strlen(s);

	return memchr(s, ':', n) ? peer_valid_v6(s, n) : peer_valid_name(s, n);
}

/* ":PORT" at s (NUL-terminated), or nothing: 0, or -1 with err. */
static int
peer_port(const char *whole, const char *s, unsigned default_port, unsigned *port,
    char err[ERR_LEN])
{
	char *stop;
	long p;

	*port = default_port;
	if (*s == '\0')
		return 0;
	if (*s != ':')
		return err_set(err, "'%.100s': unexpected text after ']'", whole);
	if (!isdigit((unsigned char)s[1]))
		return err_set(err, "'%.100s': the port must be a number", whole);
	p = strtol(s + 1, &stop, 10);
	if (*stop != '\0' || p < 1 || p > 65535)
		return err_set(err, "'%.100s': the port must be a number from 1 to 65535", whole);
	*port = (unsigned)p;
	return 0;
}

int
peer_parse_ref(const char *s, unsigned default_port, struct peer_ref *out,
    char err[ERR_LEN])
{
	const char *h = s, *open, *end, *colon = NULL;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		/* [v6] or Postfix's [host]: brackets, then an optional port. */
		if ((end = strchr(s, ']')) == NULL)
			return err_set(err, "'%.100s': missing ']'", s);
		h = s + 1;
		n = (size_t)(end - h);
		if (!peer_valid_v6(h, n) && (memchr(h, ':', n) != NULL || !peer_valid_name(h, n)))
			return err_set(err, "'%.100s': not a valid host name or address", s);
		if (peer_port(s, end + 1, default_port, &out->port, err) != 0)
			return -1;
		memcpy(out->host, h, n);
		out->host[n] = '\0';
		return 0;
	}
	if ((open = strchr(s, '[')) != NULL) {
		/* Postfix's host[addr]: the name, and the address it had. */
		const char *a = open + 1;

		if ((end = strchr(a, ']')) == NULL)
			return err_set(err, "'%.100s': missing ']'", s);
		n = (size_t)(end - a);
		if (!peer_valid_name(s, (size_t)(open - s)) ||
		    !(peer_is_ipv4(a, n) || peer_valid_v6(a, n)) || n >= PEER_ADDR_MAX)
			return err_set(err, "'%.100s': not a valid host name or address", s);
		if (peer_port(s, end + 1, default_port, &out->port, err) != 0)
			return -1;
		memcpy(out->addr, a, n);
		out->addr[n] = '\0';
		if ((size_t)(open - s) == 7 && strncasecmp(s, "unknown", 7) == 0)
			snprintf(out->host, sizeof(out->host), "%s", out->addr);
		else {
			memcpy(out->host, s, (size_t)(open - s));
			out->host[open - s] = '\0';
		}
		return 0;
	}
	colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))
		return err_set(err, "'%.100s': write an IPv6 address in brackets, "
		    "as [ADDRESS]:PORT", s);
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (!peer_valid_name(h, n))
		return err_set(err, "'%.100s': not a valid host name or address", s);
	out->port = default_port;
	if (colon) {
		char *stop;
		long p;

		if (!isdigit((unsigned char)colon[1]))
			return err_set(err, "'%.100s': the port must be a number", s);
		p = strtol(colon + 1, &stop, 10);
		if (*stop != '\0' || p < 1 || p > 65535)
			return err_set(err, "'%.100s': the port must be a number from 1 to 65535", s);
		out->port = (unsigned)p;
	}
	memcpy(out->host, h, n);
	out->host[n] = '\0';
	return 0;
}

int
peer_parse(const char *s, unsigned default_port, char host[PEER_HOST_MAX],
    unsigned *port, char err[ERR_LEN])
{
	struct peer_ref ref;

	if (peer_parse_ref(s, default_port, &ref, err) != 0)
		return -1;
	memcpy(host, ref.host, strlen(ref.host) + 1);
	*port = ref.port;
	return 0;
}

/* "[ADDR]" at s ("[IPv6:ADDR]" too): its length and the address, or 0. */
static size_t
peer_bracket(const char *s, size_t n, const char **addr, size_t *alen)
{
	const char *close;
	size_t k;

	if (n < 3 || s[0] != '[')
		return 0;
	if ((close = memchr(s, ']', n < PEER_ADDR_MAX + 8 ? n : PEER_ADDR_MAX + 8)) == NULL)
		return 0;
	*addr = s + 1;
	*alen = (size_t)(close - s) - 1;
	if (*alen > 5 && strncasecmp(*addr, "IPv6:", 5) == 0) {
		*addr += 5;
		*alen -= 5;
	}
	for (k = 0; k < *alen; k++)
		if ((*addr)[k] == ' ' || (*addr)[k] == '[')
			return 0;
	return (size_t)(close - s) + 1;
}

/* ":PORT" at s: its length and *port, or 0. */
static size_t
peer_read_port(const char *s, size_t n, unsigned *port)
{
	size_t i;
	unsigned long v = 0;

	if (n < 2 || s[0] != ':' || !isdigit((unsigned char)s[1]))
		return 0;
	for (i = 1; i < n && i < 7 && isdigit((unsigned char)s[i]); i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v < 1 || v > 65535 || (i < n && isdigit((unsigned char)s[i])))
		return 0;
	*port = (unsigned)v;
	return i;
}

size_t
peer_read(const char *s, size_t n, int names_alone, struct peer_ref *out)
{
	const char *addr = NULL;
	size_t i = 0, name = 0, b, alen = 0;

	memset(out, 0, sizeof(*out));
	if (n > 0 && s[0] != '[') {
		while (i < n && i < PEER_HOST_MAX - 1 && (isalnum((unsigned char)s[i]) ||
		    s[i] == '.' || s[i] == '-' || s[i] == '_'))
			i++;
		name = i;
		if (name == 0)
			return 0;
		if (i < n && s[i] == '[')
			;			/* Postfix: host[addr] */
		else if (i + 1 < n && s[i] == ' ' && s[i + 1] == '[')
			i++;			/* Exim, Sendmail: host [addr] */
		else if (!names_alone)
			return 0;
	}
	if ((b = peer_bracket(s + i, n - i, &addr, &alen)) > 0) {
		if ((peer_is_ipv4(addr, alen) || peer_is_ipv6(addr, alen)) &&
		    alen < PEER_ADDR_MAX) {
			memcpy(out->addr, addr, alen);
			out->addr[alen] = '\0';
		}
		i += b;
	} else if (name == 0 || !names_alone)
		return 0;
	else
		i = name;		/* a bare name */
	if (name == 0 && out->addr[0] == '\0')
		return 0;		/* brackets with no address: no peer */
	i += peer_read_port(s + i, n - i, &out->port);
	/* The name: without a root's dot; "unknown" or the address is no name. */
	while (name > 0 && s[name - 1] == '.')
		name--;
	if (name == 0 || (name == 7 && strncasecmp(s, "unknown", 7) == 0) ||
	    (out->addr[0] && strlen(out->addr) == name && strncmp(s, out->addr, name) == 0)) {
		if (out->addr[0] == '\0')
			return 0;
		snprintf(out->host, sizeof(out->host), "%s", out->addr);
	} else {
		if (!peer_valid_name(s, name))
			return 0;
		memcpy(out->host, s, name);
		out->host[name] = '\0';
	}
	return i;
}

int
peer_server_line(const char *s, size_t len)
{
	const char *addr;
	size_t i, k, alen;

	for (i = 0; i + 5 < len; i++) {
#if defined(__SSE2__)
		/* To the next 'f' or 'F' 16 bytes at a time (every error line
		 * without a match is asked this). */
		while (i + 16 <= len) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
			    _mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('f')));

			if (bits) {
				i += (size_t)__builtin_ctz(bits);
				break;
			}
			i += 16;
		}
		if (i + 5 >= len)
			break;
#endif
		if ((s[i] != 'f' && s[i] != 'F') || strncasecmp(s + i, "from", 4) != 0 ||
		    (i > 0 && isalnum((unsigned char)s[i - 1])) || s[i + 4] != ' ')
			continue;
		for (k = i + 4; k < len && s[k] == ' '; k++)
			;
		if (k < len && s[k] == '(') {	/* Exim: the HELO name */
			const char *close = memchr(s + k, ')',
			    len - k < PEER_ADDR_MAX * 4 ? len - k : PEER_ADDR_MAX * 4);

			if (close == NULL)
				continue;
			for (k = (size_t)(close - s) + 1; k < len && s[k] == ' '; k++)
				;
		} else {
			size_t name = k;

			for (; k < len && (isalnum((unsigned char)s[k]) || s[k] == '-' ||
			    s[k] == '.'); k++)
				;
			if (k == name)
				continue;	/* sendmail's "from [ADDRESS]" */
		}
		if (peer_bracket(s + k, len - k, &addr, &alen) > 0 &&
		    (peer_is_ipv4(addr, alen) || peer_is_ipv6(addr, alen)))
			return 1;
	}
	return 0;
}
