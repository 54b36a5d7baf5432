/*
 * plan: turn an article's resolution steps into steps for one incident.
 *
 * The rule base writes each step for the operators who can run it (kb.h,
 * kb_step_for(): the gateway PC, smtpgw, or the host of Postfix, Exim or
 * Sendmail); the planner keeps the steps for the one who has the incident's
 * log (inc->origin), in the article's order. An incident with no origin (kb
 * show) gets every step.
 *
 * The plan follows the ranking: the steps go in the order of the causes
 * they address that stand (the best-ranked one of each step; a step of no
 * cause of the incident last; ties keep the article's order, and an article
 * whose resolution is a procedure, order="as-written", keeps all of it). A
 * step whose every cause of the incident is ruled out goes to
 * inc->unneeded, with the cause and the evidence against it in because. A
 * step the rule base gives a condition (done-when, or its fix's in-place
 * evidence) is marked done with what was seen when the observation holds,
 * and says what was found ("yours: ...") when its source was observed with
 * another value. Each step carries how to tell it worked: its own words,
 * else its fix's check.
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

#include "diagnosis.h"
#include "kb.h"

#define PLAN_UNKNOWN_HOST_TEXT	"the smart host"
#define PLAN_UNKNOWN_HOST_CODE	"SMART-HOST"
#define PLAN_UNKNOWN_QUEUE_TEXT	"the message"
#define PLAN_UNKNOWN_QUEUE_CODE	"QUEUEID"
#define PLAN_UNKNOWN_TIME_TEXT	"the time of the failure"
#define PLAN_UNKNOWN_TIME_CODE	"TIME"

/*
 * Fill inc->steps and inc->unneeded from inc->kb_article, its ranked causes
 * and its observations (replacing what was there; nothing when the article
 * is NULL).
 */
void plan_steps(struct diag_incident *inc);

#endif
