/*
 * duration: lengths of time with units.
 */
#include "duration.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char		*name;
	unsigned long long	 ms;
} duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
};

const char *
duration_format(unsigned long long ms, char buf[32])
{
	size_t i = sizeof(duration_units) / sizeof(duration_units[0]);

	while (--i > 0 && (ms == 0 || ms % duration_units[i].ms != 0))
		;
	snprintf(buf, 32, "%llu%s", ms / duration_units[i].ms, duration_units[i].name);
	return buf;
}

/* The argument as said back in a message: 40 bytes at most, one line. */
static const char *
duration_quote(const char *s, char buf[48])
{
	size_t i;

	for (i = 0; s[i] && i < 40; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

int
duration_parse(const char *s, unsigned long bare_ms, unsigned long long min_ms,
    unsigned long long max_ms, unsigned long long *ms, char err[ERR_LEN])
{
	/* whole and fractional part in units of 10^-6, to stay exact */
	unsigned long long whole = 0, frac = 0, scale = 1000000, unit = bare_ms, v;
	const char *p = s;
	char lo[32], hi[32], q[48];
	size_t i, ndig = 0;

	while (*p >= '0' && *p <= '9') {
		if (whole > 1000000000ULL)
			goto bad_range;
		whole = whole * 10 + (unsigned long long)(*p++ - '0');
		ndig++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned long long)(*p - '0') * scale;
			}
			p++;
			ndig++;
		}
	}
	if (ndig == 0)
		goto bad;
	while (*p == ' ')
		p++;
	if (*p != '\0') {
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
			if (strcmp(p, duration_units[i].name) == 0)
				break;
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			goto bad;
		unit = duration_units[i].ms;
	}
	/* whole * unit + frac * unit / 10^6, in whole milliseconds only */
	if (frac * unit % 1000000 != 0)
		return err_set(err, "'%s' is finer than a millisecond", duration_quote(s, q));
	v = whole * unit + frac * unit / 1000000;
	if (v < min_ms || v > max_ms)
		goto bad_range;
	*ms = v;
	return 0;
bad:
	return err_set(err, "'%s' is not a duration (such as 500ms, 5s or 2m)",
	    duration_quote(s, q));
bad_range:
	return err_set(err, "'%s' is not from %s to %s", duration_quote(s, q),
	    duration_format(min_ms, lo), duration_format(max_ms, hi));
}
