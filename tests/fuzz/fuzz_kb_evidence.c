/*
 * Fuzz target: kb/evidence.xml, any bytes, in the real rule base (kbdoc.h).
 */
#define KBDOC_PATH(d, n, dp, np)	"evidence.xml"
#include "kbdoc.h"
