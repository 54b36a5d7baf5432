/* The empty table of kbvalid.h, for engine/tools/kbvalid_gen.c itself. */
#include "kbvalid.h"

const unsigned char kbvalid_schema[KBVALID_DIGEST] = { 0 };
const unsigned char kbvalid_docs[][KBVALID_DIGEST] = { { 0 } };
const size_t kbvalid_ndocs = 0;
