/*
 * duration: "90", "90s", "500ms", "10m", "2h", "1h30m".
 */
#include "duration.h"

#include <ctype.h>
#include <string.h>

int
duration_parse(const char *s, unsigned long long *ms, char err[ERR_LEN])
{
	static const struct {
		const char		*unit;
		unsigned long long	 ms;
	} units[] = {
		{ "h", 3600000ULL }, { "ms", 1ULL }, { "m", 60000ULL }, { "s", 1000ULL },
	};
	unsigned long long total = 0, last = ~0ULL;
	const char *p = s;

	*ms = 0;
	if (*p == '\0')
		return err_set(err, "'' is not a duration (for example 90s, 10m, 1h30m)");
	while (*p) {
		unsigned long long n = 0, unit = 1000;
		size_t i, len = 0;

		if (!isdigit((unsigned char)*p))
			goto bad;
		for (; isdigit((unsigned char)*p); p++) {
			n = n * 10 + (unsigned long long)(*p - '0');
			if (n > DURATION_MAX_MS)
				goto big;
		}
		if (*p != '\0') {
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
				len = strlen(units[i].unit);
				if (strncmp(p, units[i].unit, len) == 0 &&
				    !isalpha((unsigned char)p[len]))
					break;
			}
			if (i == sizeof(units) / sizeof(units[0]))
				goto bad;
			unit = units[i].ms;
			p += len;
		} else if (last != ~0ULL)
			goto bad;	/* "1h30": the unit of 30 is not said */
		if (unit >= last)
			goto bad;	/* units in decreasing order, each once */
		last = unit;
		if (n > DURATION_MAX_MS / unit || (total += n * unit) > DURATION_MAX_MS)
			goto big;
	}
	if (total == 0)
		return err_set(err, "'%s' is no time at all", s);
	*ms = total;
	return 0;
bad:
	return err_set(err, "'%s' is not a duration (for example 90s, 10m, 1h30m)", s);
big:
	return err_set(err, "'%s' is longer than a day", s);
}
