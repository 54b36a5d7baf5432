/*
 * query: rank the rule base's articles for an error text someone pasted.
 *
 * Two ways an article can be about a text, strongest first:
 *   1. a symptom pattern matches it: 0.9 for a primary symptom, 0.8 for a
 *      description (words for a symptom without a message), 0.7 for a
 *      fallback (a generic text), 0.5 for a companion (a line that only means
 *      something after another), plus up to 0.1 for the share of the
 *      symptom's message the text covers, so that the most specific match
 *      ranks first and the exact text scores 1.0;
 *   2. the words match: score = 0.9 * q * max over the article's messages of
 *      r * (0.5 + 0.45 * m + 0.05 * o), where q is the share of the query's
 *      words found in the article (its messages, title and keywords; its
 *      summary and cause titles count at half weight), m the share of the
 *      message's words found in the query, o the share of the query's
 *      adjacent word pairs that stand next to each other in the message,
 *      and r 1 for a primary message, 0.6 for a companion. Words are
 *      weighted by rarity across the rule base (idf); function words and
 *      "error" do not count.
 * A description symptom's pattern score is weighed by the share of the
 * text's words the article has (40% of it is sure, 60% follows that share).
 * Words are compared by their stems ("hosts", "adding": "host", "add").
 * A host name, an address (IPv4, IPv6, host:port, mail) or the NAME of an
 * MTA's "NAME[ADDRESS]" is one name word, as the rule base's HOST and
 * ADDRESS placeholders are; in the query it weighs nothing, so a text with a
 * name scores what the bare text does. A path keeps its file name. A line in
 * a receiving server's notation ("from unknown[198.51.100.23]", Exim's
 * "from (HELO) [ADDRESS]") has its words left out (nserver counts them): no
 * article describes a server's view. Before the words are compared, a word
 * of four letters or more that no article has anywhere (steps included) is
 * read as the message, title or keyword word with the same first letter one
 * letter off (two for words of seven letters or more), and recorded in
 * forgiven. Several lines pasted
 * at once are one query: a pattern score counts for 90% and the share of
 * the lines the article's patterns match for the rest, so the article that
 * explains the lines together ranks first.
 * Articles scoring below QUERY_MIN_SCORE are left out, so a text the rule base
 * knows nothing about gets no results.
 *
 * Ownership: query_free() frees the results and everything in them; article
 * and symptom pointers refer into the kb, which must outlive the results.
 */
#ifndef KBDIAG_QUERY_H
#define KBDIAG_QUERY_H

#include <stddef.h>

#include "kb.h"
#include "match.h"

#define QUERY_MIN_SCORE	0.25

enum query_how {
	QUERY_PATTERN,	/* a symptom pattern matched */
	QUERY_WORDS	/* words in common */
};

struct query_result {
	const struct kb_article	*article;
	double			 score;		/* 0..1 */
	enum query_how		 how;
	const struct kb_symptom	*symptom;	/* QUERY_PATTERN: which one */
	char			**words;	/* QUERY_WORDS: the shared words */
	size_t			 nwords;
	/* Why the score is what it is (--explain): */
	double			 base;		/* QUERY_PATTERN: the symptom role's base */
	double			 query_cover;	/* QUERY_WORDS: share of the query's words */
	double			 message_cover;	/* share of the best message's words */
	double			 order;		/* QUERY_WORDS: adjacent pairs in order */
	double			 lines;		/* share of pasted lines explained (1 for one) */
};

/* A query word read as another: a typing mistake forgiven. */
struct query_forgiven {
	char	*typed;
	char	*as;
};

struct query_results {
	char			*query;		/* the text, sanitised for display,
						   cut to 1000 bytes */
	struct query_forgiven	*forgiven;	/* words read as others, in order */
	size_t			 nforgiven;
	size_t			 nserver;	/* lines read as a receiving server's
						   view, whose words were not read */
	struct query_result	*results;	/* best first */
	size_t			 nresults;
};

/* Keep only the best n results. */
void query_keep(struct query_results *q, size_t n);

/*
 * What query_ask() needs of a rule base, built once: each article's words,
 * messages and context, the vocabulary and each word's rarity. It refers to
 * the kb, which must outlive it.
 */
struct query_index;
struct query_index *query_index_new(const struct kb *kb);
void query_index_free(struct query_index *ix);

/*
 * Rank the articles for text (len bytes). Never fails (OOM aside). The
 * index may grow on the first query that needs the words it reads late (the
 * steps', see query.c): one thread at a time per index.
 */
struct query_results *query_ask(struct query_index *ix, struct matcher *m,
    const char *text, size_t len);
/* The same for one query: builds the index, asks, frees it. */
struct query_results *query_run(const struct kb *kb, struct matcher *m,
    const char *text, size_t len);
void query_free(struct query_results *q);

const char *query_how_name(enum query_how how);

#endif
