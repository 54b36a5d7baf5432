/*
 * Fuzz target: the pattern readers (literals for the prefilter, the ERE
 * translation, kb lint's backtracking shapes). Input: a pattern, a NUL
 * byte, a subject. The oracle: when PCRE2 compiles the pattern and it matches the subject, the subject holds
 * one of the pattern's literals (else the prefilter would lose that match),
 * and every literal one of its alternatives requires (pattern_required(),
 * else the matcher's check before PCRE2 would lose it).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backtrack.h"
#include "util/buf.h"
#include "pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
contains_nocase(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit), i, k;

	for (i = 0; i + l <= n; i++) {
		for (k = 0; k < l && tolower((unsigned char)s[i + k]) == (unsigned char)lit[k];
		    k++)
			;
		if (k == l)
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pattern_literals lits;
	struct pattern_required req;
	struct buf b = BUF_INIT;
	const char *subject;
	char err[ERR_LEN], *pattern;
	size_t plen, slen, i;
	pcre2_code *code;
	pcre2_match_data *md;
	int errcode, found = 0, all;
	size_t j;
	PCRE2_SIZE off;

	plen = strnlen((const char *)data, size);
	pattern = malloc(plen + 1);
	memcpy(pattern, data, plen);
	pattern[plen] = '\0';
	subject = plen < size ? (const char *)data + plen + 1 : "";
	slen = plen < size ? size - plen - 1 : 0;
	(void)pattern_to_ere(pattern, &b, err);
	(void)backtrack_shape(pattern, err);	/* kb lint's reading of the text */
	if (pattern_literals(pattern, &lits) == 0) {
		code = pcre2_compile((PCRE2_SPTR)pattern, plen, PCRE2_CASELESS |
		    PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &errcode, &off, NULL);
		if (code != NULL) {
			md = pcre2_match_data_create(1, NULL);
			if (pcre2_match(code, (PCRE2_SPTR)subject, slen, 0, 0, md, NULL) >= 0) {
				for (i = 0; i < lits.n; i++)
					found |= contains_nocase(subject, slen, lits.lit[i]);
				if (!found)
					abort();
				if (pattern_required(pattern, &req) != 0)
					abort();	/* it has literals, so required ones */
				for (found = 0, i = 0; i < req.n; i++) {
					for (all = 1, j = 0; j < req.nreq[i]; j++)
						all &= contains_nocase(subject, slen, req.req[i][j]);
					found |= all;
				}
				if (!found)
					abort();
			}
			pcre2_match_data_free(md);
			pcre2_code_free(code);
		}
	}
	buf_free(&b);
	free(pattern);
	return 0;
}
