/*
 * kbpriv: the inside of a loaded rule base, shared by kb.c (which builds it
 * from the XML documents) and kbcache.c (which writes it to and reads it from
 * the on-disk cache). Nothing else includes this header.
 *
 * Ownership: as kb.h says; facts, peers and articles are arrays of their
 * own (xgrow), everything else is in the arena.
 */
#ifndef KBDIAG_KBPRIV_H
#define KBDIAG_KBPRIV_H

#include <stddef.h>

#include <libxml/relaxng.h>

#include "util/arena.h"
#include "util/buf.h"
#include "kb.h"
#include "kbvalid.h"

struct kbschema;

struct kb {
	char			*dir;
	struct arena		 arena;
	xmlRelaxNGPtr		 schema;	/* compiled on the first document
						   kbvalid does not know */
	struct kbschema		*lifted;	/* the schema's attribute patterns */
	struct buf		 rng;		/* schema/kb.rng, until compiled */
	int			 memo;		/* kbvalid's table applies: the
						   schema is the one it lists */
	/* kb_load_params.on_valid, for the documents the schema validated */
	void			(*on_valid)(void *arg, const char *path,
				    const unsigned char digest[KBVALID_DIGEST]);
	void			*on_valid_arg;
	struct kb_evidence_source *sources;	/* evidence.xml */
	size_t			 nsources;
	struct kb_cause		*causes;
	size_t			 ncauses;
	struct kb_overlap	*overlaps;
	size_t			 noverlaps;
	struct kb_peer		*peers;
	size_t			 npeers;
	size_t			 peers_cap;
	size_t			 skipped;	/* under keep_going */
	struct kb_step		*steps;		/* shared steps (steps.xml) */
	size_t			 nsteps;
	struct kb_row		*facts;		/* every table's rows */
	size_t			 nfacts;
	struct kb_term		*terms;		/* vocabulary.xml */
	size_t			 nterms;
	struct kb_context	*contexts;
	size_t			 ncontexts;
	struct kb_article	**articles;
	size_t			 narticles;
	size_t			 articles_cap;
	struct kb_fix		*fixes;		/* fixes.xml */
	size_t			 nfixes;
	const struct kb_load_params *loading;	/* during kb_load() only */
	int			 fixes_loaded;	/* steps' fix= resolve at once */
	unsigned		 probe_current;	/* evidence.xml <probing> */
	unsigned		 probe_quiet;
	int			 from_cache;	/* kbcache.c made it, not kb_load() */
	/* the query's index as the cache keeps it (kb_query_index()), or NULL:
	 * in map when there is one, else the kb's own copy */
	unsigned char		*qindex;
	size_t			 qindex_len;
	void			*map;		/* the cache file, mapped (kbcache.c) */
	size_t			 map_len;
};

/*
 * The file names of dir/articles that kb_load() reads (*.xml, not hidden),
 * sorted; the caller frees each and the array. 0, or -1 with err.
 */
int kb_article_names(const char *dir, char ***names, size_t *nnames, char err[ERR_LEN]);

#endif
