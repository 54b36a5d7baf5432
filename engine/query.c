#include "query.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "peer.h"
#include "text.h"
#include "xmem.h"

#define QUERY_COMPANION_SCORE	0.6
/*
 * Bounds that keep a query's time bounded whatever is pasted: the distinct
 * words read from one text (the first ones), and the unknown words that are
 * looked up as typing mistakes.
 */
#define QUERY_MAX_WORDS		256
#define QUERY_MAX_SEQ		1024
/* The longest word read; longer runs of letters are not words. */
#define QUERY_WORD_MAX		64
/*
 * A host name, an address (IPv4, IPv6, mail) or the name in an MTA's
 * "NAME[ADDRESS]" is read as the one word QUERY_NAME, and so are the
 * placeholders the rule base writes for them (HOST, ADDRESS, in capitals):
 * a name is one instance of a problem, not the problem. In the query it
 * weighs nothing, and it and the function words before it ("to
 * mail.contoso.com") break the word order, so that a text with a name scores
 * what the bare text does; in a message, a name slot counts as a code does
 * (QUERY_CODE_WEIGHT when the query has no name).
 */
#define QUERY_NAME		"#name"
/* The longest "[ADDRESS]" looked for ("[IPv6:" and a full IPv6 address). */
#define QUERY_ADDR_MAX		64
/* The weight of a message's number that the query lacks, in message cover. */
#define QUERY_CODE_WEIGHT	0.5
/* The longest query text echoed back (then "..."). */
#define QUERY_SHOW_MAX		1000
#define QUERY_MAX_FORGIVE	32
#define QUERY_WORDS_MAX		0.9
/* Of the half of a word score that a message decides: its words, then their order. */
#define QUERY_COVER_SHARE	0.45

/*
 * A pattern match scores its role's base plus up to QUERY_PATTERN_SPAN for
 * how much of the symptom's message the text covers, so that of several
 * patterns that match, the one whose message the text spells out ranks first
 * ("ERROR write: (57) Socket is not connected" is about Q100707 before the
 * generic "ERROR write" of Q112237).
 */
#define QUERY_PATTERN_SPAN	0.1
/* How much of a description's pattern score the share of the text's words the
 * article has decides. */
#ifndef QUERY_DESC_SHARE
#define QUERY_DESC_SHARE	0.6
#endif
/* How much of a pattern score, for several pasted lines, the lines it explains decide. */
#define QUERY_LINES_SHARE	0.1

static double
query_role_base(enum kb_symptom_role role)
{
	switch (role) {
	case KB_ROLE_PRIMARY:		return 0.9;
	case KB_ROLE_DESCRIPTION:	return 0.8;
	case KB_ROLE_FALLBACK:		return 0.7;
	case KB_ROLE_COMPANION:		return 0.5;
	}
	return 0;
}

static const char *const query_stopwords[] = {
	"a", "an", "and", "are", "as", "at", "be", "by", "err", "error", "errors",
	"for", "from", "has", "in", "is", "it", "msg", "of", "on", "or", "the",
	"this", "to", "was", "with",
};

/*
 * The parts of an article the word score reads, with their weight in the
 * BM25F sum and in the earlier coverage score (QUERY_SCORER_COVER, kept to
 * compare the two on the evaluation set): what the article prints and is
 * called count fully; what it says about the problem less, as paraphrases
 * use those words but so do unrelated texts.
 *	name		BM25F	cover
 */
#ifndef QUERY_W_DETAILS
#define QUERY_W_DETAILS 0.1
#endif
#ifndef QUERY_W_STEPS
#define QUERY_W_STEPS 0.0
#endif
#define QUERY_FIELD_LIST(X) \
	X(MSG,		1.0,	1.0)	/* the symptoms' error texts */ \
	X(TITLE,	1.0,	1.0) \
	X(KEYWORDS,	1.0,	1.0) \
	X(SUMMARY,	0.4,	0.5) \
	X(CAUSES,	0.4,	0.5)	/* the causes' titles */ \
	X(DETAILS,	QUERY_W_DETAILS,	0.0)	/* the causes' descriptions */ \
	X(STEPS,	QUERY_W_STEPS,	0.0)	/* the steps' text */

enum query_field {
#define QUERY_FIELD_ENUM(name, bm25, cover) QUERY_F_##name,
	QUERY_FIELD_LIST(QUERY_FIELD_ENUM)
#undef QUERY_FIELD_ENUM
	QUERY_NFIELDS
};

static const double query_field_bm25[QUERY_NFIELDS] = {
#define QUERY_FIELD_BM25(name, bm25, cover) bm25,
	QUERY_FIELD_LIST(QUERY_FIELD_BM25)
#undef QUERY_FIELD_BM25
};

static const double query_field_cover[QUERY_NFIELDS] = {
#define QUERY_FIELD_COVER(name, bm25, cover) cover,
	QUERY_FIELD_LIST(QUERY_FIELD_COVER)
#undef QUERY_FIELD_COVER
};

/*
 * The word score: QUERY_SCORER_BM25 (BM25F) or
 * QUERY_SCORER_COVER (the default: a word counts once, at its best field's weight, with
 * no length normalisation). Chosen at build time; docs/benchmarks.md
 * compares them.
 */
#define QUERY_SCORER_COVER	0
#define QUERY_SCORER_BM25	1
#ifndef QUERY_SCORER
#define QUERY_SCORER		QUERY_SCORER_COVER
#endif
/* BM25's term-frequency saturation and length normalisation. */
#define QUERY_BM25_K1		1.2
#define QUERY_BM25_B		0.75
#ifndef QUERY_UNKNOWN_DF
#define QUERY_UNKNOWN_DF	0
#endif

/* The typo vocabulary: words of these fields. */
#ifndef QUERY_TYPO_FIELDS
#define QUERY_TYPO_FIELDS	((1u << QUERY_F_MSG) | (1u << QUERY_F_TITLE) | \
    (1u << QUERY_F_KEYWORDS))
#endif
/*
 * Words of these fields are never read as typing mistakes, though only
 * those above are what a mistake is read as: every field, the steps too
 * (vocabulary only, when they weigh nothing). Measured on the evaluation
 * set: 31 words forgiven instead of 47, the 16 fewer all real words read
 * wrongly ("there" as "then", "resolve" as "removed", "hundred" as
 * "handles"); hit@1 unchanged.
 */
#ifndef QUERY_KNOWN_FIELDS
#define QUERY_KNOWN_FIELDS	((1u << QUERY_NFIELDS) - 1)
#endif

#define QUERY_NO_TERM		UINT32_MAX
/* In a query's word sequence: a name was here; no pair spans it. */
#define QUERY_GAP		(UINT32_MAX - 1)

/*
 * The query: its distinct words in order, function words left out, with
 * their term numbers; and for word order, every word (the first
 * QUERY_MAX_SEQ), function words too, first as positions in all (its
 * distinct words), then, typing mistakes forgiven, as term numbers.
 */
struct query_words {
	char		**v;
	uint32_t	 *id;	/* QUERY_NO_TERM: no article has it */
	size_t		  n, cap, idcap;
	char		**all;
	size_t		  nall, allcap;
	uint32_t	 *seq;
	size_t		  nseq, seqcap;
};

/* One field of one article: its distinct terms, sorted, and their counts. */
struct query_field_doc {
	uint32_t	*id;
	uint32_t	*tf;
	size_t		 n;
	size_t		 len;	/* words in all */
};

/* A symptom's message: its distinct terms in order, and all its words. */
struct query_msg {
	uint32_t	*id;
	size_t		 n;
	uint32_t	*seq;	/* function words too, for word order */
	size_t		 nseq;
};

struct query_article_ix {
	struct query_field_doc	 f[QUERY_NFIELDS];
	struct query_msg	*msgs;	/* one per symptom */
};

struct query_index {
	const struct kb		*kb;
	struct arena		 arena;		/* everything below */
	struct query_article_ix	*art;
	size_t			 n;
	char			**term;		/* the vocabulary (stems), by term number */
	char			**surface;	/* each term as the rule base first writes it */
	uint32_t		 *df;		/* articles that have the term */
	uint32_t		 *last;		/* build only: last article + 1 */
	unsigned		 *fields;	/* bit per field the term is in */
	size_t			 nterms, capterms;
	uint32_t		 *hash;		/* open addressing: term + 1, 0 free */
	size_t			  hashcap;	/* a power of two */
	double			  avglen[QUERY_NFIELDS];
	int			  steps_read;	/* the steps' words are in the vocabulary */
};

static int
query_strptrcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
query_stopword(const char *w)
{
	/* The list is sorted; function words are short. */
	return strlen(w) <= 6 && bsearch(&w, query_stopwords, sizeof(query_stopwords) /
	    sizeof(query_stopwords[0]), sizeof(query_stopwords[0]), query_strptrcmp) != NULL;
}

/* A function word one slip away ("eror", "errror"), or NULL. */
static const char *
query_stopword_near(const char *w)
{
	static const char *const near[] = { "error", "errors" };
	size_t i, la = strlen(w), lb;

	for (i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		lb = strlen(near[i]);
		if ((la > lb ? la - lb : lb - la) <= 1) {
			/* one letter added, missing or changed */
			size_t a = 0, b = 0, diff = 0;

			while (a < la && b < lb && diff <= 1) {
				if (w[a] == near[i][b]) {
					a++;
					b++;
					continue;
				}
				diff++;
				if (la > lb)
					a++;
				else if (lb > la)
					b++;
				else {
					a++;
					b++;
				}
			}
			diff += (la - a) + (lb - b);
			if (diff <= 1)
				return near[i];
		}
	}
	return NULL;
}

/*
 * Normalising names: a host name, an IP address (v4 or v6, with a port), a
 * mail address or a directory names one instance of a problem, not the
 * problem, so it is not read as words ("Network write error to
 * mail.contoso.com" is "network write error"; the rule base writes HOST and
 * ADDRESS for them). A path keeps its last part, a file name ("LOCAL.CFG").
 * The text is cut into spans at white space and brackets, and each span is
 * classified on its own.
 */
static int
query_delim(unsigned char c)
{
	return isspace(c) || strchr("()[]<>{}\"',;=|", c) != NULL || c == '\0';
}

static int
query_is_ipv4(const char *s, size_t n)
{
	size_t i = 0, part, digits;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		for (digits = 0; i < n && isdigit((unsigned char)s[i]); i++)
			digits++;
		if (digits == 0 || digits > 3)
			return 0;
	}
	if (i < n && s[i] == ':')	/* a port */
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			;
	return i == n;
}

/* Hex digits and colons, two colons or more, and "::" or a letter: not a time. */
static int
query_is_ipv6(const char *s, size_t n)
{
	size_t i, colons = 0;
	int letter = 0, dbl = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ':') {
			colons++;
			dbl |= i > 0 && s[i - 1] == ':';
		} else if (isxdigit((unsigned char)s[i]))
			letter |= isalpha((unsigned char)s[i]);
		else if (s[i] == '.' && colons >= 2)
			continue;	/* ::ffff:192.0.2.7 */
		else
			return 0;
	}
	return colons >= 2 && (dbl || letter) && colons < n;
}

static int
query_is_mail(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);

	return at != NULL && at > s && at + 1 < s + n &&
	    isalnum((unsigned char)at[1]) && isalnum((unsigned char)at[-1]);
}

/*
 * Dotted labels whose last one is letters: three labels or more
 * ("mx.b.example"), or two with a top-level domain ("contoso.com"); two
 * labels otherwise are a file name ("TCPUTILS.INI") and stay words.
 */
static int
query_is_host(const char *s, size_t n)
{
	static const char *const tld[] = {
		"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz",
		"example", "test", "invalid", "local", "localdomain", "localhost",
		"arpa", "lan", "corp", "internal",
	};
	size_t i, labels = 1, last = 0, k;

	if (n == 0 || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (i + 1 == n || s[i + 1] == '.')
				return 0;
			labels++;
			last = i + 1;
		} else if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	}
	if (labels < 2)
		return 0;
	for (i = last; i < n; i++)
		if (!isalpha((unsigned char)s[i]))
			return 0;
	if (labels >= 3)
		return 1;
	for (k = 0; k < sizeof(tld) / sizeof(tld[0]); k++)
		if (strlen(tld[k]) == n - last && strncasecmp(s + last, tld[k], n - last) == 0)
			return 1;
	return 0;
}

/*
 * A path: a drive ("C:\\..."), a leading slash or backslash, or two
 * separators ("TCP/IP" is a word). Sets *base to the offset of its last part.
 */
static int
query_is_path(const char *s, size_t n, size_t *base)
{
	size_t i, seps = 0;

	*base = 0;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == '\\') {
			seps++;
			*base = i + 1;
		}
	return seps >= 2 || (seps == 1 && (s[0] == '/' || s[0] == '\\')) ||
	    (n > 2 && isalpha((unsigned char)s[0]) && s[1] == ':' &&
	    (s[2] == '\\' || s[2] == '/'));
}

/* Is s[at..] "[ADDRESS]", an MTA's bracketed address ("[IPv6:2001:db8::7]" too)? */
static int
query_bracket_addr(const char *s, size_t len, size_t at)
{
	const char *close;
	size_t from, n;

	if (at >= len || s[at] != '[' || (close = memchr(s + at, ']',
	    len - at < QUERY_ADDR_MAX ? len - at : QUERY_ADDR_MAX)) == NULL)
		return 0;
	from = at + 1;
	n = (size_t)(close - s) - from;
	if (n > 5 && strncasecmp(s + from, "IPv6:", 5) == 0) {
		from += 5;
		n -= 5;
	}
	return query_is_ipv4(s + from, n) || query_is_ipv6(s + from, n);
}

/*
 * Is the line a receiving server's view of a session: does it name its peer
 * as where the connection came from, in a notation only a server writes?
 * Postfix's smtpd writes "from NAME[ADDRESS]" ("from
 * unknown[198.51.100.23]"), Exim's daemon "from (HELO) [ADDRESS]"; their
 * clients, like the gateway, name the peer "to" or "with" ("lost
 * connection with HOST[ADDRESS]"). sendmail's "from [ADDRESS]" is no sign:
 * its client writes it too ("timeout waiting for input from [ADDRESS]").
 * No article of the rule base describes a server's view (check_query
 * asserts it of their symptoms' examples), so the words of such a line say
 * nothing about them: the line can match a pattern but its words are not
 * read. The rule is peer_server_line(), which diagnose applies too.
 */
static int
query_server_line(const char *s, size_t len)
{
	return peer_server_line(s, len);
}

/* Is the span a name: an address, a host, NAME of "NAME[ADDRESS]", a placeholder? */
static int
query_is_name(const char *s, size_t len, size_t start, size_t end, int kb)
{
	const char *p = s + start;
	size_t n = end - start, k;

	if (kb && ((n == 4 && memcmp(p, "HOST", 4) == 0) ||
	    (n == 7 && memcmp(p, "ADDRESS", 7) == 0)))
		return 1;
	if (query_is_ipv4(p, n) || query_is_ipv6(p, n) || query_is_mail(p, n))
		return 1;
	/* A host with a port: "smarthost.contoso.com:25". */
	for (k = n; k > 0 && isdigit((unsigned char)p[k - 1]); k--)
		;
	if (query_is_host(p, k > 1 && k < n && p[k - 1] == ':' ? k - 1 : n))
		return 1;
	/* "unknown[198.51.100.23]": Postfix's client without a name. */
	for (k = 0; k < n; k++)
		if (!isalnum((unsigned char)p[k]) && p[k] != '-' && p[k] != '.')
			return 0;
	return query_bracket_addr(s, len, end);
}

/*
 * Call fn(arg, word, stop) for every word of s (runs of letters and
 * digits, lower-cased; stop is 1 for a function word), a name read as
 * QUERY_NAME (above; kb: s is the rule base's, whose names are its
 * placeholders), until fn returns 0.
 */
typedef int query_word_fn(void *arg, const char *w, int stop);

static void
query_split(const char *s, size_t len, int kb, query_word_fn *fn, void *arg)
{
	size_t i = 0, start, end, k, from, wl;
	char w[QUERY_WORD_MAX + 1];

	while (i < len) {
		while (i < len && query_delim((unsigned char)s[i]))
			i++;
		start = i;
		while (i < len && !query_delim((unsigned char)s[i]))
			i++;
		end = i;
		/* Trailing punctuation is not part of a name. */
		while (end > start && strchr(".:!?", s[end - 1]) != NULL)
			end--;
		if (end == start)
			continue;
		if (query_is_name(s, len, start, end, kb)) {
			if (fn(arg, QUERY_NAME, 0) == 0)
				return;
			continue;
		}
		/* ":25" right after "[ADDRESS]" is its port. */
		if (start > 0 && s[start - 1] == ']' && s[start] == ':') {
			for (k = start + 1; k < end && isdigit((unsigned char)s[k]); k++)
				;
			if (k == end)
				continue;
		}
		from = start;
		if (query_is_path(s + start, end - start, &k)) {
			from = start + k;
			if (from == end)
				continue;
		}
		for (k = from; k < end;) {
			while (k < end && !isalnum((unsigned char)s[k]))
				k++;
			for (wl = 0; k < end && isalnum((unsigned char)s[k]); k++, wl++)
				if (wl < sizeof(w) - 1)
					w[wl] = (char)tolower((unsigned char)s[k]);
			if (wl == 0 || wl > sizeof(w) - 1)
				continue;
			w[wl] = '\0';
			if (fn(arg, w, query_stopword(w)) == 0)
				return;
		}
	}
}

static uint32_t
query_hash(const char *w)
{
	uint32_t h = 2166136261u;

	for (; *w; w++)
		h = (h ^ (unsigned char)*w) * 16777619u;
	return h;
}

/*
 * A word's stem: its inflections taken off, so that "hosts" is "host",
 * "adding" and "added" are "add", "bounces" and "bounced" are "bounc".
 * Harman's S-stemmer (-ies, -es, -s) with -ed, -ing and a final -e: only
 * suffixes that inflect, never a derivation ("connection" stays), and only
 * on words of letters whose stem keeps three letters and a vowel. The same
 * function reads the rule base and the query, so a stem need not be a word.
 * out has room for w and its NUL.
 */

static int
query_vowel(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr("aeiouy", w[i]) != NULL)
			return 1;
	return 0;
}

static void
query_stem(const char *w, char *out)
{
	size_t n = strlen(w), i;

	memcpy(out, w, n + 1);
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)w[i]))
			return;
	if (n < 4)
		return;
	if (n > 4 && strcmp(out + n - 3, "ies") == 0 && !strchr("ae", out[n - 4]))
		memcpy(out + (n -= 3), "y", 2), n++;
	else if (n > 4 && strcmp(out + n - 3, "ied") == 0)
		memcpy(out + (n -= 3), "y", 2), n++;
	else if (strcmp(out + n - 2, "es") == 0 && !strchr("aeo", out[n - 3]))
		out[--n] = '\0';
	else if (out[n - 1] == 's' && !strchr("su", out[n - 2]))
		out[--n] = '\0';
	else if (n > 5 && strcmp(out + n - 3, "ing") == 0 && query_vowel(out, n - 3))
		out[n -= 3] = '\0';
	else if (n > 4 && strcmp(out + n - 2, "ed") == 0 && query_vowel(out, n - 2))
		out[n -= 2] = '\0';
	if (n > 3 && out[n - 1] == 'e')
		out[--n] = '\0';
}

/* The term number of a stem, or QUERY_NO_TERM. */
static uint32_t
query_term_stem(const struct query_index *ix, const char *w)
{
	size_t mask = ix->hashcap - 1, k;

	if (ix->hashcap == 0)
		return QUERY_NO_TERM;
	for (k = query_hash(w) & mask; ix->hash[k]; k = (k + 1) & mask)
		if (strcmp(ix->term[ix->hash[k] - 1], w) == 0)
			return ix->hash[k] - 1;
	return QUERY_NO_TERM;
}

/* The term number of w (its stem), or QUERY_NO_TERM. */
static uint32_t
query_term(const struct query_index *ix, const char *w)
{
	char st[QUERY_WORD_MAX + 1];

	if (strlen(w) > QUERY_WORD_MAX)
		return QUERY_NO_TERM;
	query_stem(w, st);
	return query_term_stem(ix, st);
}

static void
query_rehash(struct query_index *ix, size_t cap)
{
	size_t i, k;

	free(ix->hash);
	ix->hash = xcalloc(cap, sizeof(*ix->hash));
	ix->hashcap = cap;
	for (i = 0; i < ix->nterms; i++) {
		for (k = query_hash(ix->term[i]) & (cap - 1); ix->hash[k]; k = (k + 1) & (cap - 1))
			;
		ix->hash[k] = (uint32_t)i + 1;
	}
}

/* The term number of w, added to the vocabulary if new. */
static uint32_t
query_intern(struct query_index *ix, const char *w)
{
	char st[QUERY_WORD_MAX + 1];
	uint32_t t;
	size_t k, old;

	query_stem(w, st);
	if ((t = query_term_stem(ix, st)) != QUERY_NO_TERM) {
		/* Shown as its shortest form: "write", not "writes". */
		if (strlen(w) < strlen(ix->surface[t]))
			ix->surface[t] = arena_strdup(&ix->arena, w);
		return t;
	}
	if (2 * (ix->nterms + 1) > ix->hashcap)
		query_rehash(ix, ix->hashcap ? 2 * ix->hashcap : 4096);
	old = ix->capterms;
	ix->term = xgrow(ix->term, &ix->capterms, ix->nterms + 1, sizeof(*ix->term));
	k = old;
	ix->df = xgrow(ix->df, &old, ix->nterms + 1, sizeof(*ix->df));
	old = k;
	ix->last = xgrow(ix->last, &old, ix->nterms + 1, sizeof(*ix->last));
	old = k;
	ix->fields = xgrow(ix->fields, &old, ix->nterms + 1, sizeof(*ix->fields));
	old = k;
	ix->surface = xgrow(ix->surface, &old, ix->nterms + 1, sizeof(*ix->surface));
	t = (uint32_t)ix->nterms++;
	ix->term[t] = arena_strdup(&ix->arena, st);
	ix->surface[t] = strcmp(st, w) == 0 ? ix->term[t] : arena_strdup(&ix->arena, w);
	ix->df[t] = ix->last[t] = 0;
	ix->fields[t] = 0;
	for (k = query_hash(st) & (ix->hashcap - 1); ix->hash[k]; k = (k + 1) & (ix->hashcap - 1))
		;
	ix->hash[k] = t + 1;
	return t;
}

/* Building one article's fields: every word's term, in a growable list. */
struct query_build {
	struct query_index	*ix;
	size_t			 article;
	enum query_field	 field;
	uint32_t		*v;	/* the words, function words left out */
	size_t			 n, cap;
	uint32_t		*seq;	/* every word in order */
	size_t			 nseq, seqcap;
};

static int
query_build_word(void *arg, const char *w, int stop)
{
	struct query_build *b = arg;
	struct query_index *ix = b->ix;
	uint32_t t = query_intern(ix, w);

	b->seq = xgrow(b->seq, &b->seqcap, b->nseq + 1, sizeof(*b->seq));
	b->seq[b->nseq++] = t;
	if (stop)
		return 1;
	ix->fields[t] |= 1u << b->field;
	/* The steps' words, when they weigh nothing, are vocabulary only:
	 * they change no word's rarity. */
	if (b->field == QUERY_F_STEPS && query_field_bm25[QUERY_F_STEPS] == 0)
		return 1;
	if (ix->last[t] != b->article + 1) {
		ix->last[t] = (uint32_t)b->article + 1;
		ix->df[t]++;
	}
	b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof(*b->v));
	b->v[b->n++] = t;
	return 1;
}

static void
query_build_text(struct query_build *b, enum query_field f, const char *s)
{
	b->field = f;
	if (s)
		query_split(s, strlen(s), 1, query_build_word, b);
}

static int
query_u32cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The terms collected in b (from `from` on) as a field: sorted, counted. */
static void
query_build_field(struct query_build *b, size_t from, struct query_field_doc *d)
{
	size_t i, n = b->n - from;
	uint32_t *v = b->v + from;

	qsort(v, n, sizeof(*v), query_u32cmp);
	d->len = n;
	d->id = arena_calloc(&b->ix->arena, n ? n : 1, sizeof(*d->id));
	d->tf = arena_calloc(&b->ix->arena, n ? n : 1, sizeof(*d->tf));
	for (i = 0; i < n; i++) {
		if (d->n > 0 && d->id[d->n - 1] == v[i])
			d->tf[d->n - 1]++;
		else {
			d->id[d->n] = v[i];
			d->tf[d->n++] = 1;
		}
	}
}

/* How often term t is in the field (0 if not). */
static uint32_t
query_tf(const struct query_field_doc *d, uint32_t t)
{
	size_t lo = 0, hi = d->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (d->id[mid] < t)
			lo = mid + 1;
		else if (d->id[mid] > t)
			hi = mid;
		else
			return d->tf[mid];
	}
	return 0;
}

static void
query_build_steps(struct query_build *b, const struct kb_article *a)
{
	size_t i, j;

	for (i = 0; i < a->nsteps; i++)
		for (j = 0; j < a->steps[i]->nparts; j++)
			if (a->steps[i]->parts[j].kind == KB_PART_TEXT)
				query_build_text(b, QUERY_F_STEPS, a->steps[i]->parts[j].text);
}

static void
query_index_article(struct query_index *ix, size_t ai)
{
	const struct kb_article *a = kb_article_at(ix->kb, ai);
	struct query_article_ix *x = &ix->art[ai];
	struct query_build b = { 0 };
	size_t i, j, from;

	b.ix = ix;
	b.article = ai;
	x->msgs = arena_calloc(&ix->arena, a->nsymptoms ? a->nsymptoms : 1, sizeof(*x->msgs));
	for (i = 0; i < a->nsymptoms; i++) {
		struct query_msg *m = &x->msgs[i];

		from = b.n;
		b.nseq = 0;
		query_build_text(&b, QUERY_F_MSG, a->symptoms[i].message);
		m->seq = arena_calloc(&ix->arena, b.nseq ? b.nseq : 1, sizeof(*m->seq));
		memcpy(m->seq, b.seq, b.nseq * sizeof(*m->seq));
		m->nseq = b.nseq;
		/* Its distinct terms in order. */
		m->id = arena_calloc(&ix->arena, b.n - from ? b.n - from : 1, sizeof(*m->id));
		for (j = from; j < b.n; j++) {
			size_t k;

			for (k = 0; k < m->n && m->id[k] != b.v[j]; k++)
				;
			if (k == m->n)
				m->id[m->n++] = b.v[j];
		}
	}
	query_build_field(&b, 0, &x->f[QUERY_F_MSG]);
	b.n = 0;
	query_build_text(&b, QUERY_F_TITLE, a->title);
	query_build_field(&b, 0, &x->f[QUERY_F_TITLE]);
	b.n = 0;
	query_build_text(&b, QUERY_F_KEYWORDS, a->keywords);
	query_build_field(&b, 0, &x->f[QUERY_F_KEYWORDS]);
	b.n = 0;
	query_build_text(&b, QUERY_F_SUMMARY, a->summary);
	query_build_field(&b, 0, &x->f[QUERY_F_SUMMARY]);
	b.n = 0;
	for (i = 0; i < a->ncauses; i++)
		query_build_text(&b, QUERY_F_CAUSES, a->causes[i].cause->title);
	query_build_field(&b, 0, &x->f[QUERY_F_CAUSES]);
	b.n = 0;
	for (i = 0; i < a->ncauses; i++)
		query_build_text(&b, QUERY_F_DETAILS, a->causes[i].cause->description);
	query_build_field(&b, 0, &x->f[QUERY_F_DETAILS]);
	b.n = 0;
	/* A field that weighs nothing is not read now (start-up time); when
	 * its words are vocabulary, query_steps_vocabulary() reads them for
	 * the first query that needs them. */
	if (query_field_bm25[QUERY_F_STEPS] > 0)
		query_build_steps(&b, a);
	query_build_field(&b, 0, &x->f[QUERY_F_STEPS]);
	free(b.v);
	free(b.seq);
}

/*
 * The steps' words as vocabulary only (they weigh nothing): read into the
 * index when a query first has a word the other fields do not. A word only
 * the steps have changes no score, only whether it is taken for a typing
 * mistake (query_forgive()), and the words already there keep their term
 * numbers, so reading them late gives the same results as reading them at
 * start-up, without their cost for the many queries that do not need them.
 */
static void
query_steps_vocabulary(struct query_index *ix)
{
	size_t ai;

	if (ix->steps_read)
		return;
	ix->steps_read = 1;
	/* query_intern() keeps last[] beside term[], of the same capacity */
	ix->last = xcalloc(ix->capterms ? ix->capterms : 1, sizeof(*ix->last));
	for (ai = 0; ai < ix->n; ai++) {
		struct query_build b = { 0 };

		b.ix = ix;
		b.article = ai;
		query_build_steps(&b, kb_article_at(ix->kb, ai));
		free(b.v);
		free(b.seq);
	}
	free(ix->last);
	ix->last = NULL;
}

static int
query_unknown_word(void *arg, const char *w, int stop)
{
	struct query_index *ix = ((void **)arg)[0];
	int *unknown = ((void **)arg)[1];

	if (stop || strcmp(w, QUERY_NAME) == 0 || query_term(ix, w) != QUERY_NO_TERM)
		return 1;
	*unknown = 1;
	return 0;
}

/* Read the steps' words now if the text has a word the index lacks. */
static void
query_need_steps(struct query_index *ix, const char *text, size_t len)
{
	int unknown = 0;
	void *arg[2] = { ix, &unknown };

	if (ix->steps_read)
		return;
	query_split(text, len, 0, query_unknown_word, arg);
	if (unknown)
		query_steps_vocabulary(ix);
}

/* Rarity across the rule base. */
static double
query_idf(const struct query_index *ix, uint32_t t)
{
	/* A word no article has weighs as one that QUERY_UNKNOWN_DF articles have:
	 * rarer than any, but not so much that one stray word (a terminal
	 * escape) outweighs the rest. */
	double df = t == QUERY_NO_TERM || ix->df[t] == 0 ? QUERY_UNKNOWN_DF : (double)ix->df[t];
	double n = (double)ix->n;

	if (QUERY_SCORER == QUERY_SCORER_BM25)
		return log(1.0 + (n - df + 0.5) / (df + 0.5));
	return log(1.0 + (n + 1) / (df + 1));
}

/*
 * How much an article has one query term, 0..1. BM25F: the field counts,
 * each weighted and normalised by its length against that field's average,
 * summed and saturated (k1); a term said once in an error text of average
 * length gives 1. The coverage scorer: the best field's weight.
 */
static double
query_term_score(const struct query_index *ix, size_t ai, uint32_t t)
{
	const struct query_article_ix *x = &ix->art[ai];
	double tf = 0, best = 0, c;
	size_t f;
	uint32_t k;

	if (t == QUERY_NO_TERM)
		return 0;
	for (f = 0; f < QUERY_NFIELDS; f++) {
		if (!(ix->fields[t] & (1u << f)) || (k = query_tf(&x->f[f], t)) == 0)
			continue;
		if (QUERY_SCORER == QUERY_SCORER_BM25) {
			double norm = 1 - QUERY_BM25_B + QUERY_BM25_B *
			    (double)x->f[f].len / (ix->avglen[f] > 0 ? ix->avglen[f] : 1);

			tf += query_field_bm25[f] * (double)k / norm;
		} else if (query_field_cover[f] > best)
			best = query_field_cover[f];
	}
	if (QUERY_SCORER != QUERY_SCORER_BM25)
		return best;
	c = tf * (QUERY_BM25_K1 + 1) / (QUERY_BM25_K1 + tf);
	return c < 1 ? c : 1;
}

static int
query_has_term(const uint32_t *v, size_t n, uint32_t t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == t)
			return 1;
	return 0;
}

/* Share of a message's weight that is in the query. */
static double
query_cover(const struct query_index *ix, const struct query_msg *msg,
    const struct query_words *q)
{
	double all = 0, hit = 0, w;
	size_t i;

	for (i = 0; i < msg->n; i++) {
		w = query_idf(ix, msg->id[i]);
		/* A code is what a fragment leaves out most ("Network Read
		 * Error" of "Error (116) Network Read Error"), and so is a
		 * name: it counts at QUERY_CODE_WEIGHT when the query lacks it. */
		if ((isdigit((unsigned char)ix->term[msg->id[i]][0]) ||
		    ix->term[msg->id[i]][0] == '#') &&
		    !query_has_term(q->id, q->n, msg->id[i]))
			w *= QUERY_CODE_WEIGHT;
		all += w;
		if (query_has_term(q->id, q->n, msg->id[i]))
			hit += w;
	}
	return all > 0 ? hit / all : 0;
}

/*
 * Word order: the share of the query's adjacent word pairs, function words
 * included, that stand next to each other, in that order, in the message
 * ("Write Error (119)" is Q123827's "Network Write Error"; Q100708 says
 * "ERROR write: (119)").
 */
static double
query_order(const struct query_msg *msg, const struct query_words *q)
{
	size_t i, j, pairs = 0, all = 0;

	for (i = 0; i + 1 < q->nseq; i++) {
		if (q->seq[i] == QUERY_GAP || q->seq[i + 1] == QUERY_GAP)
			continue;	/* a name between */
		all++;
		if (q->seq[i] == QUERY_NO_TERM)
			continue;
		for (j = 0; j + 1 < msg->nseq; j++)
			if (q->seq[i] == msg->seq[j] && q->seq[i + 1] == msg->seq[j + 1]) {
				pairs++;
				break;
			}
	}
	return all > 0 ? (double)pairs / (double)all : 0;
}

/* The share of the query's weight the article has (BM25F or coverage). */
static double
query_article_score(const struct query_index *ix, size_t ai, const struct query_words *q)
{
	double all = 0, hit = 0, w;
	size_t i;

	for (i = 0; i < q->n; i++) {
		if (strcmp(q->v[i], QUERY_NAME) == 0)
			continue;	/* a name weighs nothing */
		w = query_idf(ix, q->id[i]);
		all += w;
		hit += w * query_term_score(ix, ai, q->id[i]);
	}
	return all > 0 ? hit / all : 0;
}

static void
query_score_words(const struct query_index *ix, size_t ai, const struct query_words *q,
    struct query_result *r)
{
	const struct kb_article *a = kb_article_at(ix->kb, ai);
	const struct query_article_ix *x = &ix->art[ai];
	double qcov, best = 0, c;
	size_t i;

	qcov = query_article_score(ix, ai, q);
	if (qcov <= 0)
		return;
	/* The best message: half for sharing words with the article at all,
	 * half for how much of the message the query covers; a companion
	 * message weighs what a companion pattern match does. */
	for (i = 0; i < a->nsymptoms; i++) {
		double mc = query_cover(ix, &x->msgs[i], q);
		double o = query_order(&x->msgs[i], q);

		c = 0.5 + QUERY_COVER_SHARE * mc + (0.5 - QUERY_COVER_SHARE) * o;
		if (a->symptoms[i].role == KB_ROLE_COMPANION)
			c *= QUERY_COMPANION_SCORE;
		if (c > best) {
			best = c;
			r->message_cover = mc;
			r->order = o;
		}
	}
	r->query_cover = qcov;
	r->lines = 1;
	r->score = QUERY_WORDS_MAX * qcov * best;
	r->how = QUERY_WORDS;
	r->words = xcalloc(q->n ? q->n : 1, sizeof(*r->words));
	for (i = 0; i < q->n; i++)
		if (strcmp(q->v[i], QUERY_NAME) != 0 && query_term_score(ix, ai, q->id[i]) > 0)
			r->words[r->nwords++] = xstrdup(q->v[i]);
}

/* Reading the query: its distinct words in order, at most QUERY_MAX_WORDS. */
struct query_read {
	const struct query_index	*ix;
	struct query_words		*q;
};

static int
query_read_word(void *arg, const char *w, int stop)
{
	struct query_read *r = arg;
	struct query_words *q = r->q;
	int name = strcmp(w, QUERY_NAME) == 0;
	size_t i;

	if (name && q->nseq < QUERY_MAX_SEQ) {
		/* A name and the function words before it ("to
		 * mail.contoso.com") are left out of the word order. */
		while (q->nseq > 0 && q->seq[q->nseq - 1] != QUERY_GAP &&
		    query_stopword(q->all[q->seq[q->nseq - 1]]))
			q->nseq--;
		if (q->nseq > 0 && q->seq[q->nseq - 1] != QUERY_GAP) {
			q->seq = xgrow(q->seq, &q->seqcap, q->nseq + 1, sizeof(*q->seq));
			q->seq[q->nseq++] = QUERY_GAP;
		}
	} else if (!name) {
		for (i = 0; i < q->nall && strcmp(q->all[i], w) != 0; i++)
			;
		if (i == q->nall) {
			q->all = xgrow(q->all, &q->allcap, q->nall + 1, sizeof(*q->all));
			q->all[q->nall++] = xstrdup(w);
		}
		if (q->nseq < QUERY_MAX_SEQ) {
			q->seq = xgrow(q->seq, &q->seqcap, q->nseq + 1, sizeof(*q->seq));
			q->seq[q->nseq++] = (uint32_t)i;
		}
	}
	if (stop)
		return 1;
	for (i = 0; i < q->n; i++)
		if (strcmp(q->v[i], w) == 0)
			return 1;
	q->v = xgrow(q->v, &q->cap, q->n + 1, sizeof(*q->v));
	q->id = xgrow(q->id, &q->idcap, q->n + 1, sizeof(*q->id));
	q->v[q->n] = xstrdup(w);
	q->id[q->n++] = query_term(r->ix, w);
	return q->n < QUERY_MAX_WORDS;
}

/* The query's word positions as term numbers, each word read as forgiven. */
static void
query_read_seq(const struct query_index *ix, struct query_words *q,
    const struct query_results *qr)
{
	size_t i, k;

	for (i = 0; i < q->nseq; i++) {
		const char *w;

		if (q->seq[i] == QUERY_GAP)
			continue;
		w = q->all[q->seq[i]];
		for (k = 0; k < qr->nforgiven; k++)
			if (strcmp(qr->forgiven[k].typed, w) == 0) {
				w = qr->forgiven[k].as;
				break;
			}
		q->seq[i] = query_term(ix, w);
	}
}

static void
query_words_free(struct query_words *ws)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		free(ws->v[i]);
	free(ws->v);
	free(ws->id);
	for (i = 0; i < ws->nall; i++)
		free(ws->all[i]);
	free(ws->all);
	free(ws->seq);
	memset(ws, 0, sizeof(*ws));
}

static int
query_cmp(const void *x, const void *y)
{
	const struct query_result *a = x, *b = y;
	long na, nb;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	na = strtol(a->article->id + 1, NULL, 10);
	nb = strtol(b->article->id + 1, NULL, 10);
	return na < nb ? -1 : na > nb;
}

static void
query_result_clear(struct query_result *r)
{
	size_t i;

	for (i = 0; i < r->nwords; i++)
		free(r->words[i]);
	free(r->words);
	memset(r, 0, sizeof(*r));
}

/*
 * Edit distance with adjacent transpositions (optimal string alignment),
 * or max + 1 as soon as it must exceed max.
 */
static size_t
query_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[34][34], best;

	if (la > 32 || lb > 32 || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		best = max + 1;
		for (j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
			if (c < best)
				best = c;
		}
		if (best > max)
			return max + 1;
	}
	return d[la][lb];
}

static int
query_alpha(const char *w)
{
	for (; *w; w++)
		if (!isalpha((unsigned char)*w))
			return 0;
	return 1;
}

/*
 * Typing mistakes: a query word of four letters or more that no article has
 * (in the fields of QUERY_TYPO_FIELDS) is read as the closest word of those
 * fields that starts with the same letter, one letter off (two for words of
 * seven letters or more: a slip, a missing or doubled letter, two letters
 * swapped); of two as close, the one more articles have. A word that becomes
 * a function word ("eror") is dropped. Each word read so is recorded in
 * forgiven.
 */
static void
query_forgive(const struct query_index *ix, struct query_words *q,
    struct query_results *qr)
{
	size_t i, k, j, max, dist, cap = 0;
	uint32_t best;
	const char *as;
	char st[QUERY_WORD_MAX + 1];
	int drop, tried = 0;

	for (i = 0; i < q->n && tried < QUERY_MAX_FORGIVE; i++) {
		const char *w = q->v[i];

		if (strlen(w) < 4 || strlen(w) > QUERY_WORD_MAX || !query_alpha(w))
			continue;
		if (q->id[i] != QUERY_NO_TERM && (ix->fields[q->id[i]] &
		    (QUERY_TYPO_FIELDS | QUERY_KNOWN_FIELDS)))
			continue;	/* a word the rule base knows */
		tried++;
		max = strlen(w) >= 7 ? 2 : 1;
		query_stem(w, st);	/* stems against stems: "wirte" is "writ"e */
		best = QUERY_NO_TERM;
		for (k = 0; k < ix->nterms; k++) {
			const char *v = ix->term[k];

			/* Slips rarely hit the first letter: "find" is not "bind". */
			if (!(ix->fields[k] & QUERY_TYPO_FIELDS) || v[0] != st[0] ||
			    strlen(v) < 4 || (dist = query_distance(st, v, max)) > max)
				continue;
			if (best == QUERY_NO_TERM || dist < max || ix->df[k] > ix->df[best] ||
			    (ix->df[k] == ix->df[best] && strcmp(v, ix->term[best]) < 0)) {
				best = (uint32_t)k;
				max = dist;
			}
		}
		as = best != QUERY_NO_TERM ? ix->surface[best] : query_stopword_near(w);
		if (as == NULL)
			continue;
		qr->forgiven = xgrow(qr->forgiven, &cap, qr->nforgiven + 1,
		    sizeof(*qr->forgiven));
		qr->forgiven[qr->nforgiven].typed = xstrdup(w);
		qr->forgiven[qr->nforgiven].as = xstrdup(as);
		qr->nforgiven++;
		drop = query_stopword(as);
		for (j = 0; j < q->n && !drop; j++)
			drop = j != i && (best != QUERY_NO_TERM ? q->id[j] == best :
			    strcmp(q->v[j], as) == 0);
		free(q->v[i]);
		if (drop) {
			/* gone, or already there */
			for (j = i; j + 1 < q->n; j++) {
				q->v[j] = q->v[j + 1];
				q->id[j] = q->id[j + 1];
			}
			q->n--;
			i--;
		} else {
			q->v[i] = xstrdup(as);
			q->id[i] = best;
		}
	}
}

/* The lines of a pasted text that hold something (at most QUERY_MAX_LINES). */
#define QUERY_MAX_LINES	32

struct query_lines {
	const char	*p[QUERY_MAX_LINES];
	size_t		 len[QUERY_MAX_LINES];
	size_t		 n;
};

static void
query_split_lines(const char *text, size_t len, struct query_lines *l)
{
	size_t i = 0, start, k;

	l->n = 0;
	while (i < len && l->n < QUERY_MAX_LINES) {
		start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		for (k = start; k < i && isspace((unsigned char)text[k]); k++)
			;
		if (k < i) {
			l->p[l->n] = text + start;
			l->len[l->n++] = i - start;
		}
		i++;
	}
}

/*
 * Several lines pasted at once are one problem: of the articles whose
 * patterns match, the one that explains more of the lines ranks first (a
 * primary line with its companion is Q100709, not the companion's own
 * article). The share of lines an article's patterns match.
 */
static double
query_lines_explained(struct matcher *m, const struct kb_article *a,
    const struct query_lines *l)
{
	size_t i, j, explained = 0;

	if (l->n < 2)
		return 1;
	for (i = 0; i < l->n; i++)
		for (j = 0; j < a->nsymptoms; j++)
			if (match_symptom(m, &a->symptoms[j], l->p[i], l->len[i]) == 1) {
				explained++;
				break;
			}
	return (double)explained / (double)l->n;
}

struct query_index *
query_index_new(const struct kb *kb)
{
	struct query_index *ix = xcalloc(1, sizeof(*ix));
	size_t i, f, n = kb_article_count(kb);

	ix->kb = kb;
	ix->n = n;
	ix->art = arena_calloc(&ix->arena, n ? n : 1, sizeof(*ix->art));
	for (i = 0; i < n; i++)
		query_index_article(ix, i);
	for (f = 0; f < QUERY_NFIELDS; f++) {
		double len = 0;

		for (i = 0; i < n; i++)
			len += (double)ix->art[i].f[f].len;
		ix->avglen[f] = n ? len / (double)n : 0;
	}
	free(ix->last);
	ix->last = NULL;
	/* read now when they weigh; never when they are not vocabulary either */
	ix->steps_read = query_field_bm25[QUERY_F_STEPS] > 0 ||
	    !((QUERY_TYPO_FIELDS | QUERY_KNOWN_FIELDS) & (1u << QUERY_F_STEPS));
	return ix;
}

void
query_index_free(struct query_index *ix)
{
	if (ix == NULL)
		return;
	arena_free(&ix->arena);
	free(ix->term);
	free(ix->df);
	free(ix->last);
	free(ix->fields);
	free(ix->surface);
	free(ix->hash);
	free(ix);
}

struct query_results *
query_run(const struct kb *kb, struct matcher *m, const char *text, size_t len)
{
	struct query_index *ix = query_index_new(kb);
	struct query_results *q = query_ask(ix, m, text, len);

	query_index_free(ix);
	return q;
}

/*
 * The query's words, line by line: a line with a server's view (above) is
 * left out of them, and so of the word order.
 */
static void
query_read_lines(const char *text, size_t len, struct query_read *rd,
    struct query_results *qr)
{
	struct query_words *q = rd->q;
	size_t i = 0, start;

	while (i < len && q->n < QUERY_MAX_WORDS) {
		start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		if (!query_server_line(text + start, i - start))
			query_split(text + start, i - start, 0, query_read_word, rd);
		else {
			qr->nserver++;
			query_read_word(rd, QUERY_NAME, 0);	/* a gap in the order */
		}
		i++;
	}
}

struct query_results *
query_ask(struct query_index *ix, struct matcher *m, const char *text, size_t len)
{
	const struct kb *kb = ix->kb;
	struct query_results *qr = xcalloc(1, sizeof(*qr));
	struct query_lines lines;
	struct query_words q = { 0 };
	struct query_read rd;
	size_t i, j, n = ix->n;

	qr->query = text_sanitize(text, len, QUERY_SHOW_MAX);
	qr->results = xcalloc(n ? n : 1, sizeof(*qr->results));
	query_need_steps(ix, text, len);
	rd.ix = ix;
	rd.q = &q;
	query_read_lines(text, len, &rd, qr);
	query_forgive(ix, &q, qr);
	query_read_seq(ix, &q, qr);
	query_split_lines(text, len, &lines);

	for (i = 0; i < n; i++) {
		const struct kb_article *a = kb_article_at(kb, i);
		struct query_result r = { 0 };
		double qcov = -1;

		r.article = a;
		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];
			double base = query_role_base(s->role), score, mc, explained;

			if (base + QUERY_PATTERN_SPAN <= r.score ||
			    match_symptom(m, s, text, len) != 1)
				continue;
			mc = query_cover(ix, &ix->art[i].msgs[j], &q);
			explained = query_lines_explained(m, a, &lines);
			score = base + QUERY_PATTERN_SPAN * mc;
			/* A description's pattern finds a few words of a
			 * problem told in words; the rest of the text must be
			 * about the article too (a downstream postoffice is
			 * in Q135031's description and in Q136116's problem). */
			if (s->role == KB_ROLE_DESCRIPTION) {
				if (qcov < 0)
					qcov = query_article_score(ix, i, &q);
				score *= 1 - QUERY_DESC_SHARE * (1 - qcov);
			}
			if (lines.n > 1)
				score *= 1 - QUERY_LINES_SHARE + QUERY_LINES_SHARE * explained;
			if (score > r.score) {
				r.score = score;
				r.how = QUERY_PATTERN;
				r.symptom = s;
				r.base = base;
				r.message_cover = mc;
				r.lines = explained;
			}
		}
		if (r.score < QUERY_WORDS_MAX) {
			struct query_result w = { 0 };

			w.article = a;
			query_score_words(ix, i, &q, &w);
			if (w.score > r.score) {
				query_result_clear(&r);
				r = w;
			} else
				query_result_clear(&w);
		}
		if (r.score >= QUERY_MIN_SCORE)
			qr->results[qr->nresults++] = r;
		else
			query_result_clear(&r);
	}
	qsort(qr->results, qr->nresults, sizeof(*qr->results), query_cmp);
	query_words_free(&q);
	return qr;
}

void
query_keep(struct query_results *q, size_t n)
{
	while (q->nresults > n)
		query_result_clear(&q->results[--q->nresults]);
}

void
query_free(struct query_results *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nresults; i++)
		query_result_clear(&q->results[i]);
	free(q->results);
	for (i = 0; i < q->nforgiven; i++) {
		free(q->forgiven[i].typed);
		free(q->forgiven[i].as);
	}
	free(q->forgiven);
	free(q->query);
	free(q);
}

const char *
query_how_name(enum query_how how)
{
	return how == QUERY_PATTERN ? "pattern" : "words";
}
