/*
 * Fuzz target: kb/overlaps.xml, any bytes, in the real rule base (kbdoc.h).
 */
#define KBDOC_PATH(d, n, dp, np)	"overlaps.xml"
#include "kbdoc.h"
