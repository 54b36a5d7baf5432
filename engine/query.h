/*
 * query: rank the rule base's articles for a text someone typed or pasted: an
 * error message, a log excerpt, a question, a few search words, a symptom in
 * their own words.
 *
 * Reading the text:
 *   - words are lower-cased runs of letters and digits, compared by their
 *     stems ("hosts" is "host"); a host name, an address or the NAME of an
 *     MTA's "NAME[ADDRESS]" is one name word that weighs nothing, as the rule
 *     base's HOST and ADDRESS placeholders are; a path keeps its file name;
 *   - settings are words too: "FILES=40" and "ForcePushBit=1" (name=value),
 *     "-Q90" (the switch -q and 90; a switch is the longest switch name of
 *     tables/switches.xml it starts with), "3.0.9" and "2.2b" (builds),
 *     "42,716" (42716);
 *   - a line in a receiving server's notation ("from unknown[198.51.100.23]")
 *     has its words left out (nserver counts them): no article describes a
 *     server's view;
 *   - a word no article has, that is no word of the vocabulary and no English
 *     word (the word list of QUERY_DICT, when it is installed), is read as a
 *     typing or OCR mistake for the nearest word of the rule base (edit
 *     distance, a letter for a digit 0/O, 1/l/I, "rn" for "m" costing half a
 *     slip; one slip for words of four to six letters, two from seven), and
 *     recorded in forgiven; a number read as letters ("(l2l)") as the number;
 *   - phrases of the vocabulary (kb/vocabulary.xml) add the words they mean
 *     at QUERY_SYNONYM_WEIGHT, recorded in synonyms.
 *
 * Scoring each article:
 *   - words: BM25F over the article's fields (title, messages, keywords,
 *     summary, body, facts of the tables it is a source of, causes, steps,
 *     notes), each with its weight and length normalisation
 *     (QUERY_FIELD_LIST in query.c), as the share of the query's weight
 *     (idf) the article covers, saturated per word; times how much of the
 *     best of its messages (or its title) the text covers and in what order;
 *   - patterns: a symptom pattern that matches the text scores its role's
 *     base (0.9 primary, 0.8 description, 0.7 fallback, 0.5 companion) plus
 *     up to 0.1 for the share of its message the text covers; the words of
 *     the whole text (every line of a paste) decide between articles a
 *     pattern matches alike. A generic pattern (a fallback, or a message of
 *     two plain words or fewer) counts only when the text has mail context
 *     (vocabulary.xml's <context topic="mail">, or a line in the gateway's
 *     "HH:MM:SS - " log format).
 *
 * Answering: a logistic model of measured features (the best score, the
 * margin to the next, the share of the text's content words the rule base
 * knows, mail context, the kind of match; query_model_inputs()), fitted on the
 * development half of tests/cases/query-eval.tsv and the development-only
 * texts (`build/queryeval --fit`), gives the probability that the text is
 * about the rule base at all: for a text that is, a wrong first article and
 * no answer are the same miss, so the model is fitted to tell related texts
 * from unrelated ones, and the ranking picks the article; a text that
 * starts as another program's message does ("cc:Mail: ...", "curl: ...")
 * is an input of it (query_features.program). A pattern of a message of the
 * gateway's own, the whole text as three words or more of one of an
 * article's messages (or its title) word for word (two, when one is the
 * field's own word or a name such as "network_read"), or three content
 * words of such a message word for word inside a longer text in the
 * gateway's world ("what does error 119 network write error mean"), answers
 * by rule (query_features.matched), and so does a table row that a question
 * asks for by a setting, a file of the gateway's own or the row's own name
 * (fact.why). At QUERY_SURE or above the answer is sure; at
 * QUERY_WEAK or above it is weak: the best three are kept, marked weak (a
 * text the model doubts, related or not, still gets the closest articles
 * with why, instead of silence); below, there are no results. A question about a fact of the tables answers with that
 * row first (fact).
 *
 * Ownership: query_free() frees the results and everything in them; article,
 * symptom and row pointers refer into the kb, which must outlive the results.
 */
#ifndef KBDIAG_QUERY_H
#define KBDIAG_QUERY_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "kb.h"
#include "match.h"

/* The most rows a fact answer lists besides its first. */
#define QUERY_FACT_ALSO	3
/* The least score a result that is shown has. */
#define QUERY_MIN_SCORE	0.1
/*
 * The probability at and above which an answer is sure (confident), or
 * weak (query.c says how both were chosen on the development data): a
 * sure answer lists the best results; a weak one the best three, marked as
 * weak, with why; below QUERY_WEAK nothing is answered. "No unrelated text
 * answered" (issue 17) is about sure answers: a weak answer to an
 * unrelated text is counted apart (build/queryeval, check_queryeval).
 */
#define QUERY_SURE	0.90
#define QUERY_WEAK	0.20
/* Weak answers are a band below the sure ones (build/queryeval reads it). */
#define QUERY_WEAK_BAND	1
/*
 * Below this best score the answer model reads how far below it is (the
 * LOW feature): a long text of known words can add up to a best score that
 * says little ("warning: hostname ... does not resolve to address").
 */
#define QUERY_LOW_BEST	0.35

enum query_how {
	QUERY_PATTERN,	/* a symptom pattern matched */
	QUERY_WORDS	/* words in common */
};

enum query_answer {
	QUERY_NONE,	/* nothing in the rule base is about the text */
	QUERY_WEAK_ANSWER, /* the best three, with little confidence */
	QUERY_SURE_ANSWER
};

/* How much one field of an article gave to its word score (--explain). */
struct query_field_score {
	const char	*field;		/* "title", "messages", ... */
	double		 share;		/* of the article's word score */
};

struct query_result {
	const struct kb_article	*article;
	double			 score;		/* 0..1, what the ranking uses */
	enum query_how		 how;
	const struct kb_symptom	*symptom;	/* QUERY_PATTERN: which one */
	char			**words;	/* the query's words the article has */
	size_t			 nwords;
	/* Why the score is what it is (--explain): */
	double			 base;		/* QUERY_PATTERN: the symptom role's base */
	double			 words_score;	/* BM25F: share of the query's weight */
	double			 text_score;	/* plain BM25 over the whole text: the
						   same share (build/querytune only:
						   QUERY_TEXT_RANKER in query.c) */
	size_t			 text_rank;	/* its rank by text_score, 1 first */
	double			 message_cover;	/* share of the best message's words */
	double			 order;		/* adjacent pairs in the message's order */
	size_t			 message_terms;	/* distinct words of that message */
	double			 in_message;	/* share of the text's content words
						   that message has (0 under two) */
	double			 lines;		/* share of pasted lines its patterns
						   match (1 for one line) */
	size_t			 run;		/* query_features' run, for this article */
	int			 fragment;	/* the text is a piece of one of its
						   messages or its title, word for
						   word (query.c, QUERY_FRAGMENT_*) */
	struct query_field_score fields[4];	/* the fields that gave most, best first */
	size_t			 nfields;
};

/* A query word read as another: a typing or OCR mistake forgiven. */
struct query_forgiven {
	char	*typed;
	char	*as;
	int	 ocr;		/* the reading took an OCR confusion */
};

/* A vocabulary term the text used. */
struct query_synonym {
	const struct kb_term	*term;
	char			*said;	/* as the text has it (stems) */
};

/*
 * A word class of vocabulary.xml that changed how the text was read
 * (--explain): "400 staff" read as a count, "exe" as an extension.
 */
struct query_class_used {
	const char	*topic;		/* "count", "message", ... (static) */
	char		*said;		/* as the text has it */
};

/* The measured features the answer is decided on (--explain). */
struct query_features {
	double	best;		/* the first result's score */
	double	margin;		/* best minus the second's */
	double	known;		/* share of the content words the rule base knows */
	double	known_strong;	/* the same, in the fields that say what an
				   article is about (or the vocabulary) */
	double	words;		/* content words (0..1: n / (n + 4)) */
	int	mail;		/* mail context words */
	int	network;	/* network context words */
	int	pattern;	/* the first result is a pattern match */
	int	question;	/* the text asks a question */
	double	specific;	/* share of the text's weight (by rarity) in
				   words the first result has that are no
				   English words: codes, settings, the field's
				   names */
	double	cover;		/* the first result's best message or title:
				   0.8 x its words covered + 0.2 x word order */
	double	fragment;	/* the text as a piece of the first result's
				   message: in_message x order */
	int	foreign;	/* words neither the rule base nor English has
				   ("ssh", "nginx"): another field's names */
	int	unknown;	/* content words no article, row or vocabulary
				   term has */
	double	coherent;	/* share of the text's weight (known words by
				   rarity, unknown ones as QUERY_UNKNOWN_WEIGHT)
				   whose words the first article has at all */
	double	strong;		/* the same, in the fields that say what it is
				   about: title, messages, keywords, summary,
				   facts */
	int	nspecific;	/* specific words (codes, settings, the field's
				   names), and phrases that mean one */
	int	spread;		/* results within 0.7 of the best score */
	int	gateway_only;	/* the only mail words are "gateway(s)" */
	double	common;		/* how much the content words are the rule
				   base's everyday words: the mean of
				   min(articles that have it, 20) / 20 */
	int	matched;	/* a pattern answers by rule (query.c,
				   query_features): a sure answer */
	int	run;		/* content words of the first result's message of
				   the gateway's own (or title) that stand in the
				   text word for word, in order */
	int	program;	/* the text starts as another program's message
				   does: a name of one or two words and a colon
				   ("cc:Mail:", "curl:", "Error 0x800CCC0E:")
				   with a word no message or title of the rule
				   base has */
	int	domain;		/* the text is in the gateway's world: a pattern,
				   a mail word, a word of the field's own, or
				   most of a message (else no answer) */
	int	elsewhere;	/* words that name another product or field
				   (vocabulary.xml, topic "elsewhere": "gmail",
				   "iphone", "printer") */
	int	own;		/* the text speaks of a gateway of its own ("the
				   gateway", "our mail gateway") */
	double	text_best;	/* the second ranker, plain BM25 over each
				   article's whole text (build/querytune
				   only): the first result's share of the
				   text's weight by it (its text_score) */
	double	text_peak;	/* how far the best article by it stands
				   above the next: (t1 - t2) / t1 */
};

struct query_results {
	char			*query;		/* the text, sanitised for display,
						   cut to 1000 bytes */
	struct query_forgiven	*forgiven;	/* words read as others, in order */
	size_t			 nforgiven;
	struct query_synonym	*synonyms;	/* vocabulary terms used */
	size_t			 nsynonyms;
	struct query_class_used	*classes;	/* word classes that read it */
	size_t			 nclasses;
	size_t			 nserver;	/* lines read as a receiving server's
						   view, whose words were not read */
	const char		*dictionary;	/* the English word list used, or NULL */
	struct query_results_fact {
		const struct kb_row	*row;	/* NULL: no fact */
		char			*text;	/* the row as one line (and the
						   rows of also after it, "; "
						   between) */
		double			 score;
		/* rows of the same table the question fits as well (it
		   names the table's subject, not one row: "what size is
		   TCPTSR.EXE"), in the table's order */
		const struct kb_row	*also[QUERY_FACT_ALSO];
		size_t			 nalso;
		/* why the row answers surely, whatever the model says
		   (QUERY_FACT_MODEL: it does not; the model decided) */
		enum query_fact_why {
			QUERY_FACT_MODEL,
			QUERY_FACT_SETTING,	/* a setting the rule base knows: "2.2b", "-Q90" */
			QUERY_FACT_FILE,	/* the row of a file of the gateway's own the
						   text names: "LOCAL.CFG" */
			QUERY_FACT_NAMED,	/* a question naming the row by a word of
						   the field's own: "maxlmhosts", "tcptsr" */
			QUERY_FACT_WORDS	/* a question naming a row of the gateway's
						   facts by words of its name, with mail
						   context and no other product: "how many
						   files should config.sys allow for the
						   gateway" */
		} why;
		/* the first result was moved up from second or third: the
		   row is from it, not from the article that scored best */
		int			 lifted;
		/* a question names the row by a word of the field's own */
		int			 named;
		/* a question names the row, one of the gateway's facts, by
		   words of its name (query.c, query_names_row_words) */
		int			 worded;
	} fact;
	enum query_answer	 answer;
	double			 confidence;	/* P(the text is about the rule base) */
	struct query_features	 features;
	struct query_result	*results;	/* best first */
	size_t			 nresults;
	int			 owns_dictionary;	/* query_run(): a copy */
};

/* Keep only the best n results. */
void query_keep(struct query_results *q, size_t n);

/*
 * What query_ask() needs of a rule base, built once: the fields' words of
 * every article and table row, the vocabulary, each word's rarity. It refers
 * to the kb, which must outlive it. The English word list is opened on the
 * first query that has a word the rule base does not know.
 */
struct query_index;
/*
 * The index of kb: read from the copy the rule base cache keeps with it
 * (kb_query_index(), kbcache.h) when there is one that reads, else built
 * from the rule base's text.
 */
struct query_index *query_index_new(const struct kb *kb);
void query_index_free(struct query_index *ix);

/*
 * The index as bytes, for the rule base cache: query_index_save() appends
 * them to out; query_index_load() reads them back against the kb they were
 * made from (every count, offset and reference checked: NULL with err when
 * they do not read as an index of this kb). The loaded index answers every
 * query as the built one does.
 */
void query_index_save(const struct query_index *ix, struct buf *out);
struct query_index *query_index_load(const struct kb *kb, const void *data, size_t len,
    char err[ERR_LEN]);

/* Does the rule base have this word (its stem) in any field? */
int query_index_knows(const struct query_index *ix, const char *word);
/*
 * How many content words of text (read as a query reads it) the rule base
 * does not have; the first is copied to first (size n) when there is one.
 */
size_t query_index_unknown(const struct query_index *ix, const char *text, char *first,
    size_t n);

/*
 * Rank the articles for text (len bytes). Never fails (OOM aside). One
 * thread at a time per index (the word list is opened late).
 */
struct query_results *query_ask(struct query_index *ix, struct matcher *m,
    const char *text, size_t len);
/* The same for one query: builds the index, asks, frees it. */
struct query_results *query_run(const struct kb *kb, struct matcher *m,
    const char *text, size_t len);
void query_free(struct query_results *q);

const char *query_how_name(enum query_how how);
/*
 * A row of the reference tables as one line, as a fact answer shows it
 * ("TCPTSR.EXE 2.2b: 42716 bytes, dated 1994-02-01, ... (Q100709 ...)").
 * The caller frees it.
 */
char *query_row_text(const struct kb_row *r);
const char *query_answer_name(enum query_answer a);

/*
 * The features of a text and whether its first result would be right, for
 * fitting the answer model (build/queryeval --fit): fills f, and returns the
 * ranked results (which query_ask() would then cut by the model).
 */
struct query_results *query_ask_unjudged(struct query_index *ix, struct matcher *m,
    const char *text, size_t len);

/*
 * The answer model's inputs for f, in the order of its coefficients
 * (QUERY_MODEL_LIST in query.c), and with names their names: the one
 * definition build/queryeval --fit fits and query_ask() applies. Returns
 * how many there are (at most QUERY_MODEL_MAX).
 */
#define QUERY_MODEL_MAX	24
size_t query_model_inputs(const struct query_features *f, double x[QUERY_MODEL_MAX],
    const char *names[QUERY_MODEL_MAX]);
/* The model's coefficient of input i (0 is the bias), in the same order. */
double query_model_weight(size_t i);
/*
 * How the answer was decided, for --explain: by the model (its sum z, whose
 * logistic is the confidence), or by rule (a pattern of the gateway's own
 * message, the text as a message word for word, a fact row for a setting),
 * or not at all (no sign of the gateway's world in the text).
 */
enum query_decided {
	QUERY_BY_MODEL,
	QUERY_BY_RULE,
	QUERY_OUT_OF_DOMAIN
};
enum query_decided query_decided_by(const struct query_results *q);

#endif
