/*
 * plan: turn an article's resolution steps into steps for one incident.
 *
 * The rule base writes each step for the operators who can run it (kb.h,
 * kb_step_for(): the gateway PC, smtpgw, or the host of Postfix, Exim or
 * Sendmail); the planner keeps the steps for the one who has the incident's
 * log (inc->origin), in the article's order. An incident with no origin (kb
 * show) gets every step.
 *
 * Steps have placeholders, filled from the incident: <peer-host/>,
 * <peer-port/>, <peer-address/> (the address the log gave, else the host),
 * <queue-id/> (the first message it concerned), <first-seen/> and
 * <last-seen/>. When neither the log nor --smarthost named the smart host,
 * prose says "the smart host" and commands say SMART-HOST, and the port is
 * the SMTP port, 25; an unknown message is "the message" (QUEUEID in
 * commands), an unknown time "the time of the failure" (TIME).
 */
#ifndef KBDIAG_PLAN_H
#define KBDIAG_PLAN_H

#include "diag.h"

#define PLAN_UNKNOWN_HOST_TEXT	"the smart host"
#define PLAN_UNKNOWN_HOST_CODE	"SMART-HOST"
#define PLAN_UNKNOWN_QUEUE_TEXT	"the message"
#define PLAN_UNKNOWN_QUEUE_CODE	"QUEUEID"
#define PLAN_UNKNOWN_TIME_TEXT	"the time of the failure"
#define PLAN_UNKNOWN_TIME_CODE	"TIME"

/* Fill inc->steps from inc->kb_article (nothing when that is NULL). */
void plan_steps(struct diag_incident *inc);

#endif
