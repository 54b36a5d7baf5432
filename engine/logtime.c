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

/*
 * The day of "Nov 23 10:15:02" at s: space-padded ("Nov  3"), two digits
 * ("Nov 03"), or one digit after one space ("Nov 3", as forums and mail
 * clients print it, collapsing the padding). The day, and in *at the offset
 * of the clock; -1 when s has no such day.
 */
static int
logtime_bsd_day(const char *s, size_t n, size_t *at)
{
	int d;

	if (n < 14 || s[3] != ' ')
		return -1;
	if (s[4] == ' ') {
		d = logtime_digits(s + 5, 1, 1);
		*at = 7;
	} else if (s[5] == ' ') {
		d = logtime_digits(s + 4, 1, 1);
		*at = 6;
	} else {
		d = logtime_digits(s + 4, 2, 2);
		*at = 7;
	}
	if (d < 1 || d > 31 || s[*at - 1] != ' ')
		return -1;
	return d;
}

int
logtime_parse_bsd(const char *s, size_t n, int year, long long *t, size_t *used)
{
	int mo, d;
	long long secs;
	size_t k, at;

	if ((mo = logtime_month(s)) == 0 || (d = logtime_bsd_day(s, n, &at)) < 0 ||
	    !logtime_valid_date(year, mo, d) || logtime_clock(s + at, n - at, 1, &secs, &k) != 0)
		return -1;
	*t = logtime_days(year, mo, d) * LOGTIME_DAY + secs;
	*used = at + k;
	return 0;
}

int
logtime_parse_bsd_fields(const char *s, size_t n, int *mo, int *d, long long *secs,
    size_t *used)
{
	size_t c, at;

	if (n < 14 || s[3] != ' ' || (*mo = logtime_month(s)) == 0 ||
	    (*d = logtime_bsd_day(s, n, &at)) < 0 ||
	    logtime_clock(s + at, n - at, 1, secs, &c) != 0)
		return -1;
	*used = at + c;
	return 0;
}

int
logtime_parse_bsd_year(const char *s, size_t n, long long *t, size_t *used)
{
	int mo, d, y;
	long long secs;
	size_t k;

	/* "Apr 06 15:16:46 2016 ": the year right after the clock, then a space */
	if (logtime_parse_bsd_fields(s, n, &mo, &d, &secs, &k) != 0 || k + 6 > n ||
	    s[k] != ' ' || s[k + 5] != ' ' || (y = logtime_digits(s + k + 1, 4, 4)) < 1970 ||
	    !logtime_valid_date(y, mo, d))
		return -1;
	*t = logtime_days(y, mo, d) * LOGTIME_DAY + secs;
	*used = k + 5;
	return 0;
}

int
logtime_parse_dmy(const char *s, size_t n, long long *t, size_t *used)
{
	int d, mo, y;
	long long secs;
	size_t k, i;

	/* "11.12.2019, 16:53:13" (day first), then optionally " | LEVEL |" */
	if (n < 20 || s[2] != '.' || s[5] != '.' || s[10] != ',' || s[11] != ' ' ||
	    (d = logtime_digits(s, n, 2)) < 0 || (mo = logtime_digits(s + 3, n - 3, 2)) < 0 ||
	    (y = logtime_digits(s + 6, n - 6, 4)) < 0 || !logtime_valid_date(y, mo, d) ||
	    logtime_clock(s + 12, n - 12, 1, &secs, &k) != 0)
		return -1;
	i = 12 + k;
	if (i + 3 < n && s[i] == ' ' && s[i + 1] == '|' && s[i + 2] == ' ') {
		size_t j;

		for (j = i + 3; j < n && j < i + 3 + 16 && s[j] >= 'a' && s[j] <= 'z'; j++)
			;
		if (j > i + 3 && j + 1 < n && s[j] == ' ' && s[j + 1] == '|')
			i = j + 2;
	}
	*t = logtime_days(y, mo, d) * LOGTIME_DAY + secs;
	*used = i;
	return 0;
}

int
logtime_parse_clock_alone(const char *s, size_t n, long long *secs, size_t *used)
{
	char two[8];
	size_t k;

	/* "3:04:29 " or "03:04:29 ": the hour may have one digit */
	if (n >= 8 && s[0] >= '0' && s[0] <= '9' && s[1] == ':') {
		two[0] = '0';
		memcpy(two + 1, s, 7);
		if (logtime_clock(two, 8, 1, secs, &k) != 0 || k != 8 || s[7] != ' ')
			return -1;
		*used = 7;
		return 0;
	}
	if (logtime_clock(s, n, 1, secs, &k) != 0 || k != 8 || n <= 8 || s[8] != ' ')
		return -1;
	*used = 8;
	return 0;
}

/* Does a stamp this reader knows start at s: a month name, or a digit? */
static int
logtime_stamp_start(const char *s, size_t n)
{
	if (n >= 4 && logtime_month(s) != 0 && s[3] == ' ')
		return 1;
	return n >= 2 && s[0] >= '0' && s[0] <= '9';
}

size_t
logtime_prefix(const char *s, size_t n)
{
	size_t i = 0, j, lim;

	if (n == 0 || logtime_stamp_start(s, n))
		return 0;
	/* an indent (a code block, a quoted mail) */
	while (i < n && i < 64 && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i > 0)
		return i < n && logtime_stamp_start(s + i, n - i) ? i : 0;
	/*
	 * One word of name bytes, then ':' (grep's and zgrep's FILE:, with no
	 * space before the stamp), or blanks and '|' and a space (docker
	 * compose's "SERVICE_1    | "), or " : " (a log mailer's "HOST : ").
	 */
	lim = n < 256 ? n : 256;
	for (j = 0; j < lim && s[j] > ' ' && s[j] < 0x7f && s[j] != ':' && s[j] != '|'; j++)
		;
	if (j == 0 || j >= lim)
		return 0;
	if (s[j] == ':')
		i = j + 1;
	else {
		for (i = j; i < lim && s[i] == ' '; i++)
			;
		if (i + 1 < lim && (s[i] == '|' || (s[i] == ':' && i > j)) && s[i + 1] == ' ')
			i += 2;
		else
			return 0;
	}
	return i < n && logtime_stamp_start(s + i, n - i) ? i : 0;
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
