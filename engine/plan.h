/*
 * plan: turn an article's resolution steps into steps for one incident.
 *
 * The rule base writes steps with placeholders for the peer (<peer-host/>,
 * <peer-port/>); the planner fills them from the incident. When neither the
 * log nor --smarthost named the smart host, prose says "the smart host" and
 * commands say SMART-HOST, and the port is the SMTP port, 25.
 */
#ifndef KBDIAG_PLAN_H
#define KBDIAG_PLAN_H

#include "diag.h"

#define PLAN_UNKNOWN_HOST_TEXT	"the smart host"
#define PLAN_UNKNOWN_HOST_CODE	"SMART-HOST"

/* Fill inc->steps from inc->kb_article (nothing when that is NULL). */
void plan_steps(struct diag_incident *inc);

#endif
