/*
 * Fuzz target: kb/causes.xml, any bytes, in the real rule base (kbdoc.h).
 */
#define KBDOC_PATH(d, n, dp, np)	"causes.xml"
#include "kbdoc.h"
