/* helo: this host's fully qualified name, without DNS (see helo.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "helo.h"

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 4.1.3), by its characters. */
static int
literal_valid(const char *name)
{
	size_t n = strlen(name), i = 1;

	if (n < 3 || n > 64 || name[0] != '[' || name[n - 1] != ']')
		return 0;
	if (strncasecmp(name + 1, "IPv6:", 5) == 0)
		i += 5;
	if (i >= n - 1)
		return 0;
	for (; i < n - 1; i++)
		if (!isxdigit((unsigned char)name[i]) && name[i] != '.' && name[i] != ':')
			return 0;
	return 1;
}

int
helo_valid(const char *name)
{
	size_t n = strlen(name), i, label = 0;

	if (name[0] == '[')
		return literal_valid(name);
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/* A fully qualified name that says something: "localhost.localdomain" does not. */
static int
meaningful(const char *name)
{
	return strchr(name, '.') != NULL && helo_valid(name) && strlen(name) < HELO_NAME_MAX &&
	    strncasecmp(name, "localhost.", 10) != 0;
}

/* The first name with a dot on a line of the hosts file that has host among
 * its names; 1 when found. */
static int
from_hosts(const char *path, const char *host, char out[HELO_NAME_MAX])
{
	char line[1024];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *names[32], *save = NULL, *tok;
		size_t n = 0, i;
		int mine = 0;

		line[strcspn(line, "#\r\n")] = '\0';
		/* the address, then its names */
		if (strtok_r(line, " \t", &save) == NULL)
			continue;
		while (n < sizeof(names) / sizeof(names[0]) &&
		    (tok = strtok_r(NULL, " \t", &save)) != NULL)
			names[n++] = tok;
		for (i = 0; i < n; i++)
			if (strcasecmp(names[i], host) == 0)
				mine = 1;
		for (i = 0; mine && i < n && !found; i++)
			if (meaningful(names[i])) {
				snprintf(out, HELO_NAME_MAX, "%s", names[i]);
				found = 1;
			}
	}
	fclose(f);
	return found;
}

int
helo_fqdn_of(const char *host, const char *hosts_path, char out[HELO_NAME_MAX])
{
	if (host == NULL || !helo_valid(host) || host[0] == '[') {
		snprintf(out, HELO_NAME_MAX, "localhost");
		return 0;
	}
	if (meaningful(host)) {
		snprintf(out, HELO_NAME_MAX, "%s", host);
		return 1;
	}
	if (hosts_path != NULL && from_hosts(hosts_path, host, out))
		return 1;
	snprintf(out, HELO_NAME_MAX, "%s", host);
	return 0;
}

int
helo_fqdn(const char *hosts_path, char out[HELO_NAME_MAX])
{
	char host[HELO_NAME_MAX];

	if (gethostname(host, sizeof(host)) != 0)
		return helo_fqdn_of(NULL, hosts_path, out);
	host[sizeof(host) - 1] = '\0';
	return helo_fqdn_of(host, hosts_path, out);
}
