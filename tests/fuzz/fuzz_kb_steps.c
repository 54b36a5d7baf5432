/*
 * Fuzz target: kb/steps.xml, any bytes, in the real rule base (kbdoc.h).
 */
#define KBDOC_PATH(d, n, dp, np)	"steps.xml"
#include "kbdoc.h"
