/*
 * kbschema: the rule base's RelaxNG schema with its attribute patterns lifted
 * out, for speed.
 *
 * libxml2 compiles the regular expression of a <param name="pattern"> every
 * time it checks a value with it (xmlSchemaCheckFacet), and the rule base has
 * thousands of identifiers: that was a third of kbdiag's start-up. So, before
 * libxml2 compiles the schema, kbschema_lift() takes the pattern out of every
 * attribute whose every use in the schema has the same pattern (the
 * identifiers: article ids, slugs, SOURCE:VALUE references, table keys),
 * compiles it once with PCRE2, and kbschema_check() applies it after RelaxNG
 * to each such attribute of a document, by element and attribute name. A
 * pattern it cannot lift safely (in element content, or an attribute name
 * whose uses disagree) stays in the schema for libxml2. The schema file stays
 * the one description of the format (docs/kb-format.md); the error for a
 * value that does not match names the file, line, element, attribute and
 * pattern.
 *
 * Values are compared as the schema's "token" type sees them: leading and
 * trailing whitespace dropped, inner runs of whitespace made one space.
 *
 * Ownership: kbschema_free() frees the rules; the documents are the caller's.
 */
#ifndef KBDIAG_KBSCHEMA_H
#define KBDIAG_KBSCHEMA_H

#include <stddef.h>

#include <libxml/tree.h>

#include "util/err.h"

struct kbschema;

/*
 * Lift the patterns out of rng (a parsed RelaxNG schema, changed in place).
 * 0 and *out (possibly with no rules), or -1 with err (a pattern PCRE2
 * cannot compile).
 */
int kbschema_lift(xmlDocPtr rng, struct kbschema **out, char err[ERR_LEN]);

/* Check doc's attributes against the lifted patterns: 0, or -1 with err. */
int kbschema_check(const struct kbschema *s, xmlDocPtr doc, const char *path,
    char err[ERR_LEN]);

/* How many element/attribute pairs are checked here (for tests). */
size_t kbschema_nrules(const struct kbschema *s);

void kbschema_free(struct kbschema *s);

#endif
