/*
 * gwlog: smtpgw's two logs.
 *
 * The text log is the Microsoft Mail Gateway format (docs/log-format.md):
 * "HH:MM:SS - message" lines in local time and, at verbose level 1 or more,
 * " [tx] " / " [rx] " transcript lines (not the message body). The events
 * file is NDJSON, one object per failure (docs/events.md). Either may be
 * absent (NULL path); "-" is standard error. Lines are written with one
 * write(2) each (O_APPEND), so several processes may share the files.
 *
 * Ownership: gwlog_close() frees the gwlog; events' strings stay the caller's.
 */
#ifndef SMTPGW_GWLOG_H
#define SMTPGW_GWLOG_H

#include <stddef.h>

#include "util/err.h"
#include "legacy.h"
#include "smtp/phase.h"
#include "smtp/tcpinfo.h"

struct gwlog_params {
	const char	*log_path;	/* text log, "-" = stderr, NULL = none */
	const char	*events_path;	/* NDJSON events, NULL = none */
	int		 verbose;	/* 1: transcript lines too; 2: and the
					   relay's state moves */
};

struct gwlog;

int gwlog_open(const struct gwlog_params *p, struct gwlog **out, char err[ERR_LEN]);
void gwlog_close(struct gwlog *g);

/* "HH:MM:SS - " + the message + "\n". */
void gwlog_line(struct gwlog *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The start-up banner, whose ctime() date gives later lines their date. */
void gwlog_banner(struct gwlog *g, const char *what);
/* A transcript line (without its CRLF), at verbose level 1. */
void gwlog_tx(struct gwlog *g, const char *line, size_t n);
void gwlog_rx(struct gwlog *g, const char *line, size_t n);
int gwlog_verbose(const struct gwlog *g);
/* A move of the relay's state machine, " [state] FROM -> TO", at verbose
 * level 2 (-vv): what a maintainer reads beside the transcript. */
void gwlog_state(struct gwlog *g, const char *from, const char *to);

/* One failure. */
struct gwlog_event {
	enum legacy_cond	 cond;
	const char		*detail;	/* appended to the legacy text, or NULL */
	enum smtp_phase		 phase;		/* SMTP_PHASE_NONE: none */
	const char		*last_command;	/* or NULL */
	const char		*last_reply;	/* or NULL */
	const char		*helo;		/* the name the session's EHLO/HELO
						   gave, or NULL (none sent yet) */
	int			 err;		/* errno, 0 = none */
	const char		*peer;
	unsigned		 port;
	const char		*queue_id;	/* or NULL */
	long long		 bytes_sent;	/* of the message; -1 = not sending one */
	const struct tcpinfo_snap *tcp;	/* or NULL */
};

/*
 * Write the event's legacy line to the text log (and, for READ_CLOSED, its
 * companion "SMTP_recv: system error", as the original did) and its NDJSON
 * object to the events file. The full legacy line (text + detail) is put in
 * line when not NULL (for the spool's last error).
 */
void gwlog_event(struct gwlog *g, const struct gwlog_event *ev, char *line, size_t linelen);

/* The event's NDJSON object as one line without its newline, time now
 * (docs/events.md). Caller frees. */
char *gwlog_event_json(const struct gwlog_event *ev);

#endif
