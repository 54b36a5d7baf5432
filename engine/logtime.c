#include "logtime.h"

#include <stdio.h>
#include <string.h>

/* After H. Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
long long
logtime_days(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
logtime_civil(long long days, int *y, int *m, int *d)
{
	long long z = days + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
logtime_valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

int
logtime_month(const char *s)
{
	/* Called for every syslog line: by its letters, not a loop of compares. */
	switch (s[0]) {
	case 'J':
		if (s[1] == 'a' && s[2] == 'n')
			return 1;
		if (s[1] == 'u')
			return s[2] == 'n' ? 6 : s[2] == 'l' ? 7 : 0;
		return 0;
	case 'F':
		return s[1] == 'e' && s[2] == 'b' ? 2 : 0;
	case 'M':
		if (s[1] != 'a')
			return 0;
		return s[2] == 'r' ? 3 : s[2] == 'y' ? 5 : 0;
	case 'A':
		if (s[1] == 'p' && s[2] == 'r')
			return 4;
		return s[1] == 'u' && s[2] == 'g' ? 8 : 0;
	case 'S':
		return s[1] == 'e' && s[2] == 'p' ? 9 : 0;
	case 'O':
		return s[1] == 'c' && s[2] == 't' ? 10 : 0;
	case 'N':
		return s[1] == 'o' && s[2] == 'v' ? 11 : 0;
	case 'D':
		return s[1] == 'e' && s[2] == 'c' ? 12 : 0;
	default:
		return 0;
	}
}

/* n decimal digits at s, or -1. */
static int
logtime_digits(const char *s, size_t avail, size_t n)
{
	int v = 0;
	size_t i;

	if (avail < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "HH:MM" or "HH:MM:SS" at s: seconds of the day (a leap second is :60). */
static int
logtime_clock(const char *s, size_t n, int need_seconds, long long *secs, size_t *used)
{
#define LT_D(c)	((unsigned)((unsigned char)(c) - '0') <= 9)
	/* The common case first: "HH:MM:SS", all digits where they must be. */
	if (n >= 8 && s[2] == ':' && s[5] == ':' && LT_D(s[0]) && LT_D(s[1]) && LT_D(s[3]) &&
	    LT_D(s[4]) && LT_D(s[6]) && LT_D(s[7])) {
		int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
		int sec = (s[6] - '0') * 10 + (s[7] - '0');

		if (h > 23 || m > 59 || sec > 60)
			return -1;
		*secs = h * 3600LL + m * 60LL + sec;
		*used = 8;
		return 0;
	}
#undef LT_D
	int h = logtime_digits(s, n, 2), m, sec = 0;

	if (h < 0 || h > 23 || n < 5 || s[2] != ':' || (m = logtime_digits(s + 3, n - 3, 2)) < 0 ||
	    m > 59)
		return -1;
	*used = 5;
	if (n >= 8 && s[5] == ':') {
		if ((sec = logtime_digits(s + 6, n - 6, 2)) < 0 || sec > 60)
			return -1;
		*used = 8;
	} else if (need_seconds)
		return -1;
	*secs = h * 3600LL + m * 60LL + sec;
	return 0;
}

int
logtime_parse_iso(const char *s, size_t n, long long *t, size_t *used)
{
	int y, mo, d, oh, om;
	long long secs = 0;
	size_t i, k;

	if ((y = logtime_digits(s, n, 4)) < 0 || n < 10 || s[4] != '-' || s[7] != '-' ||
	    (mo = logtime_digits(s + 5, n - 5, 2)) < 0 || (d = logtime_digits(s + 8, n - 8, 2)) < 0 ||
	    !logtime_valid_date(y, mo, d))
		return -1;
	i = 10;
	if (i + 1 < n && (s[i] == 'T' || s[i] == ' ') && logtime_clock(s + i + 1, n - i - 1, 0,
	    &secs, &k) == 0) {
		i += 1 + k;
		if (i < n && (s[i] == '.' || s[i] == ',')) {
			for (k = i + 1; k < n && s[k] >= '0' && s[k] <= '9'; k++)
				;
			if (k > i + 1)
				i = k;
		}
		if (i < n && s[i] == 'Z')
			i++;
		else if (i + 5 <= n && (s[i] == '+' || s[i] == '-') &&
		    (oh = logtime_digits(s + i + 1, n - i - 1, 2)) >= 0 && oh <= 23) {
			k = s[i + 3] == ':' ? 4 : 3;
			if ((om = logtime_digits(s + i + k, n - i - k, 2)) >= 0 && om <= 59) {
				secs -= (s[i] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
				i += k + 2;
			}
		}
	}
	*t = logtime_days(y, mo, d) * LOGTIME_DAY + secs;
	*used = i;
	return 0;
}

int
logtime_parse_bsd(const char *s, size_t n, int year, long long *t, size_t *used)
{
	int mo, d;
	long long secs;
	size_t k;

	if (n < 15 || (mo = logtime_month(s)) == 0 || s[3] != ' ')
		return -1;
	if (s[4] == ' ')
		d = logtime_digits(s + 5, 1, 1);
	else
		d = logtime_digits(s + 4, 2, 2);
	if (d < 0 || s[6] != ' ' || !logtime_valid_date(year, mo, d) ||
	    logtime_clock(s + 7, n - 7, 1, &secs, &k) != 0)
		return -1;
	*t = logtime_days(year, mo, d) * LOGTIME_DAY + secs;
	*used = 7 + k;
	return 0;
}

int
logtime_parse_bsd_fields(const char *s, size_t n, int *mo, int *d, long long *secs,
    size_t *used)
{
	size_t c;

	if (n < 15 || s[3] != ' ' || (*mo = logtime_month(s)) == 0)
		return -1;
	*d = s[4] == ' ' ? logtime_digits(s + 5, 1, 1) : logtime_digits(s + 4, 2, 2);
	if (*d < 1 || *d > 31 || s[6] != ' ' || logtime_clock(s + 7, n - 7, 1, secs, &c) != 0)
		return -1;
	*used = 7 + c;
	return 0;
}

int
logtime_bsd_day_before(int mo, int d, long long secs, long long anchor, long long *day)
{
	int y, ay, am, ad, k;
	long long days = anchor / LOGTIME_DAY;

	if (anchor % LOGTIME_DAY < 0)
		days--;
	logtime_civil(days, &ay, &am, &ad);
	/* Eight years back always reach a leap year for February 29. */
	for (k = 0, y = ay; k <= 8; k++, y--) {
		if (!logtime_valid_date(y, mo, d))
			continue;
		*day = logtime_days(y, mo, d);
		if (*day * LOGTIME_DAY + secs <= anchor)
			return 0;
	}
	return -1;
}

int
logtime_parse_bsd_before(const char *s, size_t n, long long anchor, long long *t, size_t *used)
{
	int mo, d;
	long long secs, day;

	if (logtime_parse_bsd_fields(s, n, &mo, &d, &secs, used) != 0 ||
	    logtime_bsd_day_before(mo, d, secs, anchor, &day) != 0)
		return -1;
	*t = day * LOGTIME_DAY + secs;
	return 0;
}

int
logtime_parse_ctime(const char *s, size_t n, long long *day)
{
	static const char wdays[] = "SunMonTueWedThuFriSat";
	int mo, d, y, i, found = 0;
	long long secs;
	size_t k;

	/* "Www Mmm dd hh:mm:ss yyyy": 24 bytes, the day may be space-padded. */
	if (n < 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
		return -1;
	for (i = 0; i < 7; i++)
		found |= memcmp(s, wdays + 3 * i, 3) == 0;
	if (!found || (mo = logtime_month(s + 4)) == 0)
		return -1;
	d = s[8] == ' ' ? logtime_digits(s + 9, 1, 1) : logtime_digits(s + 8, 2, 2);
	y = logtime_digits(s + 20, 4, 4);
	if (d < 0 || y < 1970 || !logtime_valid_date(y, mo, d) ||
	    logtime_clock(s + 11, 8, 1, &secs, &k) != 0)
		return -1;
	*day = logtime_days(y, mo, d) * LOGTIME_DAY;
	return 0;
}

static void
logtime_put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void
logtime_format(long long t, int with_date, char out[32])
{
	long long days = t / LOGTIME_DAY, secs = t % LOGTIME_DAY;
	int y, m, d;
	char *p = out;

	if (secs < 0) {
		secs += LOGTIME_DAY;
		days--;
	}
	if (with_date) {
		logtime_civil(days, &y, &m, &d);
		logtime_put2(p, y / 100);
		logtime_put2(p + 2, y % 100);
		p[4] = '-';
		logtime_put2(p + 5, m);
		p[7] = '-';
		logtime_put2(p + 8, d);
		p[10] = 'T';
		p += 11;
	}
	logtime_put2(p, (int)(secs / 3600));
	p[2] = ':';
	logtime_put2(p + 3, (int)(secs / 60 % 60));
	p[5] = ':';
	logtime_put2(p + 6, (int)(secs % 60));
	p[8] = '\0';
}
