/*
 * kbvalid: the rule base documents this build has validated, by digest.
 *
 * Validating a document against the schema (RelaxNG, then kbschema's
 * identifier patterns) is half of what loading the rule base costs, and its
 * outcome depends only on the document's bytes and the schema's. So the build
 * validates the rule base it ships once, with the loader itself
 * (engine/tools/kbvalid_gen.c, run by make), and compiles in the SHA-256 of
 * the schema and of every document that passed. kb_load() then skips the
 * schema for a document whose digest is listed, as long as the rule base's
 * schema is the listed one: a document someone edited, or another rule base,
 * is validated as before. `kbdiag kb lint` validates everything
 * (kb_load_params.validate_all).
 *
 * The table is generated into the build directory (kbvalid.c); the generator
 * itself links an empty one. Digests are sorted, for bsearch.
 */
#ifndef KBDIAG_KBVALID_H
#define KBDIAG_KBVALID_H

#include <stddef.h>

#define KBVALID_DIGEST	32	/* SHA-256 */

extern const unsigned char kbvalid_schema[KBVALID_DIGEST];
extern const unsigned char kbvalid_docs[][KBVALID_DIGEST];
extern const size_t kbvalid_ndocs;

#endif
