/*
 * logtime: the time stamps of logs, as seconds on one clock.
 *
 * A log time is a count of seconds since 1970-01-01 00:00:00 on the clock
 * the log was written with. Times without a zone (the legacy log, BSD
 * syslog, Exim) are taken as written; a time with a zone (RFC 3339 "Z" or
 * "+01:00": smtpgw's events, rsyslog) is converted to UTC. Only the Gregorian
 * calendar from year 1 to 9999 is read; no time-zone database is consulted.
 */
#ifndef KBDIAG_LOGTIME_H
#define KBDIAG_LOGTIME_H

#include <stddef.h>

#define LOGTIME_DAY	86400LL

/* Days from 1970-01-01 to y-m-d (m 1..12); no range check. */
long long logtime_days(int y, int m, int d);
/* Is y-m-d a day of the calendar (Feb 29 only in leap years)? */
int logtime_valid_date(int y, int m, int d);
/* The date of a day number. */
void logtime_civil(long long days, int *y, int *m, int *d);

/*
 * "YYYY-MM-DD", then optionally "T" or " " and "HH:MM[:SS[.fraction]]", then
 * optionally "Z" or "+HH:MM" / "-HH:MM" (or "+HHMM"). *t gets the time, *used
 * the bytes read. 0, or -1 when s does not start with such a time.
 */
int logtime_parse_iso(const char *s, size_t n, long long *t, size_t *used);
/*
 * "Nov 23 10:15:02" in year (the day space-padded, two digits, or one digit
 * after one space as forums print it, "Nov 3 10:15:02"): *t, *used. 0 or -1.
 */
int logtime_parse_bsd(const char *s, size_t n, int year, long long *t, size_t *used);
/*
 * "Nov 23 10:15:02" with no year: in the latest year that puts it at or
 * before anchor (a log time), so that a log is dated backwards from the
 * moment its last line was written. *t, *used; 0, or -1 when s does not
 * start with such a stamp.
 */
int logtime_parse_bsd_before(const char *s, size_t n, long long anchor, long long *t,
    size_t *used);
/*
 * The same in two steps, so that a reader can keep the day of the last
 * stamp: the fields of "Nov 23 10:15:02" (month 1..12, day, seconds of the
 * day), then the day (logtime_days) of the latest month/day whose time secs
 * is at or before anchor. 0, or -1.
 */
int logtime_parse_bsd_fields(const char *s, size_t n, int *mo, int *d, long long *secs,
    size_t *used);
int logtime_bsd_day_before(int mo, int d, long long secs, long long anchor, long long *day);
/*
 * "Apr 06 15:16:46 2016": a BSD stamp with the year after the clock (a
 * Barracuda's log, some zgrep pastes). *t, *used (the year included). 0 or -1.
 */
int logtime_parse_bsd_year(const char *s, size_t n, long long *t, size_t *used);
/*
 * "11.12.2019, 16:53:13" (day.month.year, as mailcow's web UI exports its
 * logs), then optionally its " | info |" column, which *used passes over.
 * *t, *used; 0 or -1.
 */
int logtime_parse_dmy(const char *s, size_t n, long long *t, size_t *used);
/*
 * A time of day alone, "03:04:29" or "3:04:29", then a space (a syslog line
 * pasted without its date): its seconds of the day, *used (the space not
 * included). 0, or -1.
 */
int logtime_parse_clock_alone(const char *s, size_t n, long long *secs, size_t *used);
/*
 * The bytes before a line's time stamp that the log did not write: an indent
 * (a code block), grep's or zgrep's "FILE:" right before the stamp, docker
 * compose's "SERVICE_1  | ", a log mailer's "HOST : ". How many to pass over
 * so that a stamp (a month name or a digit) starts there; 0 when the line
 * starts with one already or has no such prefix.
 */
size_t logtime_prefix(const char *s, size_t n);
/* A ctime() date "Tue Feb 23 08:50:03 1993": the start of its day, as a log
 * time (seconds, at 00:00:00). 0 or -1. */
int logtime_parse_ctime(const char *s, size_t n, long long *day);
/* Month number 1..12 of "Jan".."Dec" (exact case), or 0. */
int logtime_month(const char *s);

/* "YYYY-MM-DDTHH:MM:SS" (with_date) or "HH:MM:SS"; out has 32 bytes. */
void logtime_format(long long t, int with_date, char out[32]);

#endif
