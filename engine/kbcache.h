/*
 * kbcache: a compiled rule base kept on disk, so that a command starts
 * without parsing and validating the XML again.
 *
 * kb_load() parses every document of a rule base with libxml2 and validates
 * it against the RelaxNG schema: about 20 ms, most of a `kbdiag query`. The
 * cache holds the loaded rule base (every article, cause, step, table, overlap
 * and fix, as kb.h shows them) in a flat binary form, under a key:
 *
 *   - the SHA-256 of every file kb_load() reads (schema/kb.rng, the catalogs,
 *     the tables, every article by name, overlaps.xml, fixes.xml): their
 *     names, sizes and contents, and the directory as it was given (file
 *     names in messages carry it);
 *   - the program: its version, the digest of the sources that build the
 *     loaded form (KBDIAG_KB_CODE, written by make), libxml2's version, the
 *     cache format and the machine's word size and byte order.
 *
 * The patterns are kept as PCRE2 serialises them, so they need no compiling,
 * and the query's word index (terms, postings, field lengths, vocabulary
 * phrases, word lists) as query_index_save() writes it, so that `kbdiag
 * query` does not split and stem the whole rule base at every start: the
 * index is read back by query_index_new() when a query asks for it, checked
 * against the kb like the rest (query.c says how a field added to the
 * index is either kept here or derived again after the load).
 *
 * Keying a warm start does not read the rule base: the file keeps each rule
 * base file's stamp (size, inode, device, modification and change time, as
 * stat() gave them when the file was hashed), and when every file stands as
 * stamped, none changed within two seconds of the stamps being taken (a
 * change within a time stamp's granularity would not show: git's "racy"
 * files), the key they were taken with is the key; else the files are
 * hashed as above (and the cache file stamped anew when the key is the
 * same: the files were only touched). A change to a file moves its change
 * time, which only the kernel sets.
 *
 * A cache file is never trusted blindly: it must be a regular file of the
 * user's own (PCRE2 does not check its serialised form against malice), and
 * its magic, format, key, lengths and a CRC-32 of its contents are checked,
 * and the reader checks every count, string and reference against the bytes
 * it has (a corrupt file is reported
 * as such, never read past its end). A stale or corrupt cache is rebuilt from
 * the XML and replaced. Two processes that rebuild at once each write a
 * temporary file in the cache directory and rename() it into place, so a
 * reader sees one whole file or the other. The file is not fsync()ed: a file
 * cut short by a crash fails its checksum and is rebuilt.
 *
 * Where: $KBDIAG_CACHE when set (a directory; "off" or "" disables the
 * cache), else $XDG_CACHE_HOME/kbdiag, else $HOME/.cache/kbdiag; no cache when
 * none of these is usable. The directory keeps the 16 most recently written
 * files (one per rule base directory, and another for a problems_only load,
 * kb.h, which is what `diagnose` needs); older ones are removed. `kbdiag kb
 * lint` and `--keep-going` always load
 * from the XML, and so does libkbdiag's kbdiag_kb_load(): only the kbdiag
 * command uses the cache.
 *
 * Ownership: the kb returned is the caller's (kb_free()).
 */
#ifndef KBDIAG_KBCACHE_H
#define KBDIAG_KBCACHE_H

#include <limits.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"
#include "kb.h"
#include "match.h"

#define KBCACHE_KEY_LEN	32	/* SHA-256 */

/* How kbcache_load() got the rule base. */
enum kbcache_how {
	KBCACHE_OFF,		/* no cache: loaded from the XML */
	KBCACHE_HIT,		/* read from the cache */
	KBCACHE_BUILT,		/* no cache file yet: loaded and written */
	KBCACHE_STALE,		/* the rule base or program changed: rebuilt */
	KBCACHE_CORRUPT		/* the file did not check: rebuilt */
};

const char *kbcache_how_name(enum kbcache_how how);

/*
 * The cache directory from the environment (see above) into buf (PATH_MAX
 * bytes); NULL when the cache is disabled or no directory can be named.
 */
const char *kbcache_dir(char buf[PATH_MAX]);

/*
 * Load the rule base at params->dir as kb_load() does, through the cache in
 * cache_dir (NULL: no cache, straight kb_load()), and when m is not NULL
 * compile its patterns into *m (from the cache, PCRE2's serialised form;
 * compiled when PCRE2 refuses it). With params->on_problem or
 * params->keep_going set, the cache is not used. When the XML must be read
 * and loads, the cache file is written; a cache that cannot be written costs
 * only time. *how (may be NULL) says what happened. Returns 0; -1 with err
 * from kb_load(); -2 with err when a pattern does not compile (match.h).
 */
int kbcache_load(const struct kb_load_params *params, const char *cache_dir,
    struct kb **out, struct matcher **m, enum kbcache_how *how, char err[ERR_LEN]);

/*
 * The key of the rule base at dir, loaded whole or problems_only (kb.h); -1
 * with err when a file cannot be read.
 */
int kbcache_key(const char *dir, int problems_only, unsigned char key[KBCACHE_KEY_LEN],
    char err[ERR_LEN]);

/*
 * The whole cache file for a loaded kb under key, appended to out, with m's
 * patterns (m may be NULL: none).
 */
void kbcache_encode(const struct kb *kb, const struct matcher *m,
    const unsigned char key[KBCACHE_KEY_LEN], struct buf *out);

/*
 * Read a cache file's bytes. key NULL: accept any key (for fuzzing). Returns
 * 0 with *out and, when codes is not NULL, the patterns' serialised form in
 * *codes (pointing into data; NULL when there are none) and *codes_len; 1
 * when the file is whole but for another key or format (stale); -1 with err
 * when it is not a valid cache file (corrupt).
 */
int kbcache_decode(const void *data, size_t len, const unsigned char *key,
    struct kb **out, const void **codes, size_t *codes_len, char err[ERR_LEN]);

/*
 * The reader behind the checks: the payload alone (what follows the header),
 * every count, string and reference checked against the bytes. For the fuzz
 * target, which cannot forge the checksum. 0 with *out, or -1 with err.
 */
int kbcache_decode_payload(const void *data, size_t len, struct kb **out,
    char err[ERR_LEN]);

/*
 * Build the query's index of kb (query.h) and keep it with the kb as bytes,
 * which kbcache_encode() writes into the file (kbcache_load() does this for
 * a whole load, not a problems_only one); nothing when it has them already.
 */
void kbcache_add_query_index(struct kb *kb);

/*
 * The stamps of the rule base's files (what stat() says of each, kbcache.c)
 * appended to stamps, with the key they were taken with into key, as
 * kbcache_load() writes them into a cache file: 0, or -1 with err.
 */
int kbcache_stamps(const char *dir, int problems_only, unsigned char key[KBCACHE_KEY_LEN],
    struct buf *stamps, char err[ERR_LEN]);

/*
 * Does every file of the rule base at dir stand as the stamps of the cache
 * file data (len bytes) say, for this program and this load? 1 with the
 * file's key in key (no file of the rule base read), else 0. The parser
 * checks every length against the bytes.
 */
int kbcache_stamps_hold(const void *data, size_t len, const char *dir, int problems_only,
    unsigned char key[KBCACHE_KEY_LEN]);

/* A cache file (into out) of stamps alone: no kb (for tests and fuzzing). */
void kbcache_stamps_file(const void *stamps, size_t len, const unsigned char key[KBCACHE_KEY_LEN],
    struct buf *out);

/* Bytes before the payload in a cache file. */
size_t kbcache_header_len(void);

#endif
