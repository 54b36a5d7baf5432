/*
 * Fuzz target: kb/fixes.xml, any bytes, in the real rule base (kbdoc.h).
 */
#define KBDOC_PATH(d, n, dp, np)	"fixes.xml"
#include "kbdoc.h"
