/*
 * verdict: what a person reads first in a report. From a diagnosis, three
 * sentences: what happened (the incident that matters most: the error, how
 * often and when, at which smart host, in which SMTP phase), the most likely
 * cause and why (its strongest evidence, or that only the rule base's
 * priors rank it), and the first thing to do (that incident's first step).
 * When nothing was found, or nothing could be read, it says that instead.
 *
 * The HTML and Markdown reports of `kbdiag diagnose` and `kbdiag report`
 * open with it (render.c, render_report.c).
 *
 * Ownership: verdict_make() fills a caller-owned struct verdict whose
 * strings verdict_clear() frees; inc and step point into the diagnosis.
 */
#ifndef KBDIAG_VERDICT_H
#define KBDIAG_VERDICT_H

#include <stddef.h>

#include "diagnosis.h"

enum verdict_kind {
	VERDICT_INCIDENT,	/* inc is the incident that matters most */
	VERDICT_CLEAR,		/* everything was read and no article matched */
	VERDICT_UNREAD		/* no incident, and some input could not be read */
};

struct verdict {
	enum verdict_kind		 kind;
	const struct diag_incident	*inc;	/* VERDICT_INCIDENT, else NULL */
	size_t				 index;	/* of inc in d->incidents */
	char				*what;	/* what happened: one sentence */
	char				*cause;	/* the likely cause and why, or NULL */
	const struct diag_cause		*standing;	/* that cause, or NULL */
	const struct diag_step		*step;	/* the first thing to do, or NULL */
	size_t				 others;	/* the other incidents */
};

void verdict_make(const struct diagnosis *d, struct verdict *v);
void verdict_clear(struct verdict *v);

/* The first cause of inc that is not ruled out, or NULL. */
const struct diag_cause *verdict_standing(const struct diag_incident *inc);

#endif
