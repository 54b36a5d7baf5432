#include "kb.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <nettle/sha2.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "config.h"	/* KBDIAG_DATADIR: written by make */
#include "kbpriv.h"
#include "kbschema.h"
#include "kbvalid.h"
#include "util/text.h"
#include "util/xmem.h"

/*
 * No network, no entity substitution, no DTD loading; line numbers past
 * 65535 kept. Documents with a DOCTYPE are rejected as soon as the parser
 * meets it (kb_on_doctype), before any entity declaration is read.
 */
#define KB_XML_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING)


/*
 * Collects the first error libxml2 reports while we parse or validate, or
 * the first one with a line number when the first has none (RelaxNG says
 * "failed to validate attributes" without a place, then which one, where).
 */
struct kb_xml_errors {
	char		 msg[ERR_LEN];
	int		 count;
	int		 has_line;	/* msg names a line */
	const char	*path;	/* the document, for errors libxml2 gives no file */
};

static void
kb_xml_on_error(void *arg, xmlErrorPtr e)
{
	struct kb_xml_errors *xe = arg;
	const xmlNode *node;
	const char *file;
	char raw[ERR_LEN], text[ERR_LEN];
	long line;
	size_t n;

	if (e == NULL || e->level < XML_ERR_ERROR)
		return;
	if (e->code == XML_ERR_NO_MEMORY)
		xmem_oom(0);	/* the one way out of memory ends (exit status 4) */
	if (xe->count++ > 0 && xe->has_line)
		return;
	snprintf(raw, sizeof(raw), "%s", e->message ? e->message : "unknown error");
	n = strlen(raw);
	while (n > 0 && isspace((unsigned char)raw[n - 1]))
		raw[--n] = '\0';
	/* libxml2 quotes the document's bytes in some messages */
	text_escape_into(text, sizeof(text), raw);
	/*
	 * Some errors (inside entities, several RelaxNG ones) come without a
	 * file or a line; every message must still name the document, and the
	 * element when libxml2 tells which.
	 */
	file = e->file ? e->file : xe->path;
	line = e->line;
	node = e->node;
	if (line <= 0 && node && node->type == XML_ELEMENT_NODE)
		line = xmlGetLineNo(node);
	if (xe->count > 1 && line <= 0)
		return;
	xe->has_line = line > 0;
	if (file && line > 0)
		err_set(xe->msg, "%s:%ld: %s", file, line, text);
	else if (file)
		err_set(xe->msg, "%s: %s", file, text);
	else
		err_set(xe->msg, "%s", text);
}

/*
 * libxml2 prints to stderr unless told otherwise, and a library must not
 * print: route its errors to a collector for the duration of one call.
 */
struct kb_xml_guard {
	xmlStructuredErrorFunc	 old_fn;
	void			*old_ctx;
	xmlGenericErrorFunc	 old_generic_fn;
	void			*old_generic_ctx;
};

static void
kb_xml_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
kb_xml_enter(struct kb_xml_guard *g, struct kb_xml_errors *xe, const char *path)
{
	xmlInitParser();
	g->old_fn = xmlStructuredError;
	g->old_ctx = xmlStructuredErrorContext;
	g->old_generic_fn = xmlGenericError;
	g->old_generic_ctx = xmlGenericErrorContext;
	memset(xe, 0, sizeof(*xe));
	xe->path = path;
	xmlSetStructuredErrorFunc(xe, kb_xml_on_error);
	xmlSetGenericErrorFunc(NULL, kb_xml_silent);
}

static void
kb_xml_leave(struct kb_xml_guard *g)
{
	xmlSetStructuredErrorFunc(g->old_ctx, g->old_fn);
	/* The caller's handler, not libxml2's default (which prints). */
	xmlSetGenericErrorFunc(g->old_generic_ctx, g->old_generic_fn);
}

/* ---------------------------------------------------------------------- */
/* Small XML helpers                                                       */

static int
kb_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static xmlNode *
kb_child(const xmlNode *parent, const char *name)
{
	xmlNode *n;

	for (n = parent->children; n; n = n->next)
		if (kb_is(n, name))
			return n;
	return NULL;
}

static size_t
kb_count_children(const xmlNode *parent, const char *name)
{
	const xmlNode *n;
	size_t count = 0;

	for (n = parent->children; n; n = n->next)
		if (kb_is(n, name))
			count++;
	return count;
}

/* Append s to b with runs of white space collapsed to one space. */
static void
kb_collapse_into(struct buf *b, const char *s)
{
	int space = b->len > 0 && b->data[b->len - 1] == ' ';

	/* Runs of other bytes are appended whole: prose is most of the load. */
	while (*s) {
		size_t n = 0;

		if (isspace((unsigned char)*s)) {
			if (!space)
				buf_putc(b, ' ');
			space = 1;
			s++;
			continue;
		}
		while (s[n] && !isspace((unsigned char)s[n]))
			n++;
		buf_append(b, s, n);
		s += n;
		space = 0;
	}
}

static char *
kb_trimmed_copy(struct arena *a, const char *s, size_t n)
{
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	return arena_strndup(a, s, n);
}

/* The element's text with white space collapsed and trimmed, in the arena. */
static char *
kb_prose(struct arena *a, const xmlNode *n)
{
	struct buf b = BUF_INIT;
	xmlChar *c = xmlNodeGetContent(n);
	char *out;

	kb_collapse_into(&b, c ? (const char *)c : "");
	xmlFree(c);
	out = kb_trimmed_copy(a, buf_str(&b), b.len);
	buf_free(&b);
	return out;
}

/* The element's text exactly, in the arena (patterns, messages, examples). */
static char *
kb_verbatim(struct arena *a, const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *out = arena_strdup(a, c ? (const char *)c : "");

	xmlFree(c);
	return out;
}

/* An attribute's value in the arena, or NULL when absent. */
static char *
kb_attr(struct arena *a, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *out;

	if (v == NULL)
		return NULL;
	out = arena_strdup(a, (const char *)v);
	xmlFree(v);
	return out;
}

/* Split a white-space separated list into an arena array. */
static const char **
kb_split(struct arena *a, const char *s, size_t *count)
{
	const char **out;
	const char *p;
	size_t n = 0, i = 0, len;

	for (p = s; *p;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		n++;
		while (*p && !isspace((unsigned char)*p))
			p++;
	}
	out = arena_calloc(a, n ? n : 1, sizeof(*out));
	for (p = s; *p;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		for (len = 0; p[len] && !isspace((unsigned char)p[len]); len++)
			;
		out[i++] = arena_strndup(a, p, len);
		p += len;
	}
	*count = n;
	return out;
}

/* ---------------------------------------------------------------------- */
/* Parsing and validating one document                                     */

/*
 * The SAX internalSubset event comes for every DOCTYPE, before its internal
 * subset is parsed. Stopping the parser there means no entity of the
 * document is ever declared, let alone expanded or fetched ("billion
 * laughs", external entities): the rule base has no use for a DTD.
 */
struct kb_doctype {
	long	line;		/* where the DOCTYPE is, 0 when there is none */
};

static void
kb_on_doctype(void *ctx, const xmlChar *name, const xmlChar *public_id,
    const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct kb_doctype *dt = ctxt->_private;

	(void)name;
	(void)public_id;
	(void)system_id;
	if (dt != NULL && dt->line == 0)
		dt->line = ctxt->input && ctxt->input->line > 0 ? ctxt->input->line : 1;
	xmlStopParser(ctxt);
}

/* Read the whole file at path into b (a rule base document is small). */
static int
kb_slurp(const char *path, struct buf *b, char err[ERR_LEN])
{
	struct stat st;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(err, "%s: is a directory", path);
	}
	if (fd_read_all(fd, b, INT_MAX) != 0)
		rc = errno == EFBIG ? err_set(err, "%s: document too large", path) :
		    err_set(err, "%s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

static void
kb_digest(const char *data, size_t len, unsigned char d[KBVALID_DIGEST])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, (const uint8_t *)data);
	sha256_digest(&c, KBVALID_DIGEST, d);
}

static int
kb_digest_cmp(const void *a, const void *b)
{
	return memcmp(a, b, KBVALID_DIGEST);
}

/* Has this build validated a document with these bytes (kbvalid.h)? */
static int
kb_known_valid(const struct kb *kb, const unsigned char d[KBVALID_DIGEST])
{
	return kb->memo && bsearch(d, kbvalid_docs, kbvalid_ndocs, KBVALID_DIGEST,
	    kb_digest_cmp) != NULL;
}

static int kb_compile_schema(struct kb *kb, char err[ERR_LEN]);

/*
 * A control character that XML allows (DEL, the C1 controls U+0080 to
 * U+009F) in s, or NULL. The rule base's text is shown on terminals.
 */
static const unsigned char *
kb_control(const xmlChar *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; p && *p; p++)
		if (*p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return p;
	return NULL;
}

/* Every text and attribute value of the tree at n is free of them. */
static int
kb_check_controls(const xmlNode *n, const char *path, char err[ERR_LEN])
{
	const unsigned char *c;
	const xmlAttr *a;

	for (; n != NULL; n = n->next) {
		if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
		    (c = kb_control(n->content)) != NULL)
			return err_set(err, "%s:%ld: a control character (%s%02X) in the text: "
			    "the rule base is shown on terminals", path, xmlGetLineNo(n),
			    *c == 0x7f ? "\\x" : "U+00", *c == 0x7f ? 0x7f : c[1]);
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (a = n->properties; a != NULL; a = a->next)
			if (a->children && (c = kb_control(a->children->content)) != NULL)
				return err_set(err, "%s:%ld: a control character (%s%02X) in "
				    "attribute %s: the rule base is shown on terminals", path,
				    xmlGetLineNo(n), *c == 0x7f ? "\\x" : "U+00",
				    *c == 0x7f ? 0x7f : c[1], (const char *)a->name);
		if (kb_check_controls(n->children, path, err) != 0)
			return -1;
	}
	return 0;
}

/*
 * Parse `path` (or `data`/`len` when data is not NULL; `path` then names it
 * in messages) and validate it against the schema, unless this build knows
 * these bytes to be valid (kbvalid.h). Returns the document or NULL with
 * err filled.
 */
static xmlDocPtr
kb_read_doc(struct kb *kb, const char *path, const char *data, size_t len,
    char err[ERR_LEN])
{
	struct kb_xml_guard guard;
	struct kb_xml_errors xe;
	struct kb_doctype dt = { 0 };
	struct buf file = BUF_INIT;
	unsigned char digest[KBVALID_DIGEST];
	xmlParserCtxtPtr ctxt;
	xmlRelaxNGValidCtxtPtr vctxt;
	xmlDocPtr doc = NULL;
	int rc;

	if (data == NULL && kb->loading != NULL && kb->loading->override_path != NULL) {
		size_t dl = strlen(kb->dir);

		if (strncmp(path, kb->dir, dl) == 0 && path[dl] == '/' &&
		    strcmp(path + dl + 1, kb->loading->override_path) == 0) {
			data = kb->loading->override_data ? kb->loading->override_data : "";
			len = kb->loading->override_len;
		}
	}
	if (data && len > INT_MAX) {
		err_set(err, "%s: document too large", path);
		return NULL;
	}
	if (data == NULL) {
		if (kb_slurp(path, &file, err) != 0) {
			buf_free(&file);
			return NULL;
		}
		data = buf_str(&file);
		len = file.len;
	}
	kb_digest(data, len, digest);
	kb_xml_enter(&guard, &xe, path);
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL || ctxt->sax == NULL)
		xmem_oom(sizeof(*ctxt));
	ctxt->_private = &dt;
	ctxt->sax->internalSubset = kb_on_doctype;
	errno = 0;
	doc = xmlCtxtReadMemory(ctxt, data, (int)len, path, NULL, KB_XML_OPTIONS);
	xmlFreeParserCtxt(ctxt);
	if (dt.line > 0 || (doc && (doc->intSubset || doc->extSubset))) {
		err_set(err, "%s:%ld: DOCTYPE declarations are not allowed in the rule base",
		    path, dt.line > 0 ? dt.line : 1L);
		goto fail;
	}
	if (doc == NULL) {
		if (xe.count)
			err_set(err, "%s", xe.msg);
		else
			err_set(err, "%s: cannot parse: %s", path,
			    errno ? strerror(errno) : "unknown error");
		goto fail;
	}
	if (xmlDocGetRootElement(doc) == NULL) {
		err_set(err, "%s: empty document", path);
		goto fail;
	}
	if (kb_known_valid(kb, digest))
		goto out;
	if (kb->schema == NULL && kb_compile_schema(kb, err) != 0)
		goto fail;
	vctxt = xmlRelaxNGNewValidCtxt(kb->schema);
	if (vctxt == NULL)
		xmem_oom(0);
	xmlRelaxNGSetValidStructuredErrors(vctxt, kb_xml_on_error, &xe);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	if (rc != 0) {
		if (xe.count)
			err_set(err, "%s (schema)", xe.msg);
		else
			err_set(err, "%s: does not match the rule base schema", path);
		goto fail;
	}
	if (kbschema_check(kb->lifted, doc, path, err) != 0)
		goto fail;
	if (kb_check_controls(xmlDocGetRootElement(doc), path, err) != 0)
		goto fail;
	if (kb->on_valid)
		kb->on_valid(kb->on_valid_arg, path, digest);
out:
	kb_xml_leave(&guard);
	buf_free(&file);
	return doc;
fail:
	xmlFreeDoc(doc);
	kb_xml_leave(&guard);
	buf_free(&file);
	return NULL;
}

static int
kb_expect_root(xmlDocPtr doc, const char *path, const char *root, char err[ERR_LEN])
{
	xmlNode *r = xmlDocGetRootElement(doc);

	if (!kb_is(r, root))
		return err_set(err, "%s:%ld: expected a <%s> document, found <%s>",
		    path, xmlGetLineNo(r), root, (const char *)r->name);
	return 0;
}

/* Compile the schema read by kb_open_schema() (kb->rng). */
static int
kb_compile_schema(struct kb *kb, char err[ERR_LEN])
{
	struct kb_xml_guard guard;
	struct kb_xml_errors xe;
	xmlRelaxNGParserCtxtPtr pctxt;
	xmlDocPtr rng;
	struct buf path = BUF_INIT;
	int rc = 0;

	buf_printf(&path, "%s/schema/kb.rng", kb->dir);
	kb_xml_enter(&guard, &xe, buf_str(&path));
	/* the attribute patterns are checked by kbschema, compiled once */
	if ((rng = xmlReadMemory(buf_str(&kb->rng), (int)kb->rng.len, buf_str(&path), NULL,
	    KB_XML_OPTIONS)) == NULL) {
		kb_xml_leave(&guard);
		rc = err_set(err, "%s", xe.count ? xe.msg : "cannot load the schema");
		goto out;
	}
	if (kbschema_lift(rng, &kb->lifted, err) != 0) {
		xmlFreeDoc(rng);
		kb_xml_leave(&guard);
		rc = -1;
		goto out;
	}
	pctxt = xmlRelaxNGNewDocParserCtxt(rng);
	if (pctxt == NULL)
		xmem_oom(0);
	xmlRelaxNGSetParserStructuredErrors(pctxt, kb_xml_on_error, &xe);
	kb->schema = xmlRelaxNGParse(pctxt);
	xmlRelaxNGFreeParserCtxt(pctxt);
	xmlFreeDoc(rng);
	kb_xml_leave(&guard);
	if (kb->schema == NULL)
		rc = err_set(err, "%s", xe.count ? xe.msg : "cannot load the schema");
	else
		buf_free(&kb->rng);
out:
	buf_free(&path);
	return rc;
}

/*
 * Read the schema. It is compiled now unless kbvalid's table applies to it
 * (validate_all not asked, and the schema is the one the table lists); then
 * only when a document the table does not know comes.
 */
static int
kb_open_schema(struct kb *kb, int validate_all, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	unsigned char digest[KBVALID_DIGEST];
	struct stat st;
	int rc = 0;

	buf_printf(&path, "%s/schema/kb.rng", kb->dir);
	if (stat(buf_str(&path), &st) != 0) {
		rc = err_set(err, "%s: %s (is %s a kbdiag rule base?)", buf_str(&path),
		    strerror(errno), kb->dir);
		goto out;
	}
	if ((rc = kb_slurp(buf_str(&path), &kb->rng, err)) != 0)
		goto out;
	kb_digest(buf_str(&kb->rng), kb->rng.len, digest);
	kb->memo = !validate_all && kbvalid_ndocs > 0 &&
	    memcmp(digest, kbvalid_schema, KBVALID_DIGEST) == 0;
	if (!kb->memo)
		rc = kb_compile_schema(kb, err);
out:
	buf_free(&path);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Causes, tables, steps                                                    */

/*
 * An xsd:decimal the schema has already checked ("0.3", "1", "+.5"). Not
 * strtod(): that follows the locale, and a program that links libkbdiag may
 * have set one with a decimal comma.
 */
static double
kb_decimal(const char *s)
{
	double v = 0, scale = 1;
	int neg = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; isdigit((unsigned char)*s); s++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++)
			v += (*s - '0') * (scale /= 10);
	return neg ? -v : v;
}

static const struct kb_evidence_value *
kb_find_value(const struct kb_evidence_source *src, const char *id)
{
	size_t i;

	for (i = 0; i < src->nvalues; i++)
		if (strcmp(src->values[i].id, id) == 0)
			return &src->values[i];
	return NULL;
}

/* Resolve "SOURCE:VALUE" (the schema has checked its shape). */
static int
kb_resolve_ref(const struct kb *kb, const char *ref, const struct kb_evidence_source **src,
    const struct kb_evidence_value **val, const char *where, long line, char err[ERR_LEN])
{
	const char *colon = strchr(ref, ':');
	char id[128];

	if (colon == NULL || (size_t)(colon - ref) >= sizeof(id))
		return err_set(err, "%s:%ld: evidence '%s' is not SOURCE:VALUE", where, line, ref);
	memcpy(id, ref, (size_t)(colon - ref));
	id[colon - ref] = '\0';
	if ((*src = kb_find_source(kb, id)) == NULL)
		return err_set(err, "%s:%ld: unknown evidence source '%s' (not in evidence.xml)",
		    where, line, id);
	if ((*val = kb_find_value(*src, colon + 1)) == NULL)
		return err_set(err, "%s:%ld: evidence source '%s' has no value '%s' "
		    "(see evidence.xml)", where, line, id, colon + 1);
	return 0;
}

/* The <derive all="..."> rules of evidence.xml, once every source is known. */
static int
kb_load_derives(struct kb *kb, const xmlNode *root, const char *path, char err[ERR_LEN])
{
	const xmlNode *n, *v, *dn;
	size_t si = 0, vi, k, j;

	for (n = root->children; n; n = n->next) {
		struct kb_evidence_source *src;

		if (!kb_is(n, "source"))
			continue;
		src = &kb->sources[si++];
		for (vi = 0, v = n->children; v; v = v->next) {
			struct kb_evidence_value *val;
			struct kb_derive *dv;

			if (!kb_is(v, "value"))
				continue;
			val = (struct kb_evidence_value *)&src->values[vi++];
			if ((k = kb_count_children(v, "derive")) == 0)
				continue;
			dv = arena_calloc(&kb->arena, k, sizeof(*dv));
			for (dn = v->children; dn; dn = dn->next) {
				const struct kb_evidence_source **ss;
				const struct kb_evidence_value **vv;
				const char **refs;
				size_t nrefs;

				if (!kb_is(dn, "derive"))
					continue;
				refs = kb_split(&kb->arena, kb_attr(&kb->arena, dn, "all"), &nrefs);
				ss = arena_calloc(&kb->arena, nrefs ? nrefs : 1, sizeof(*ss));
				vv = arena_calloc(&kb->arena, nrefs ? nrefs : 1, sizeof(*vv));
				for (j = 0; j < nrefs; j++) {
					if (kb_resolve_ref(kb, refs[j], &ss[j], &vv[j], path,
					    xmlGetLineNo((xmlNodePtr)dn), err) != 0)
						return -1;
					if (ss[j] == src)
						return err_set(err, "%s:%ld: %s:%s is derived "
						    "from its own source", path,
						    xmlGetLineNo((xmlNodePtr)dn), src->id, val->id);
				}
				dv[val->nderives].sources = ss;
				dv[val->nderives].values = vv;
				dv[val->nderives].n = nrefs;
				val->nderives++;
			}
			val->derives = dv;
		}
	}
	return 0;
}

static int
kb_load_evidence(struct kb *kb, char err[ERR_LEN])
{
	static const char *const kinds[] = { "probe", "log", "file", "manual" };
	struct buf path = BUF_INIT;
	xmlDocPtr doc;
	xmlNode *n, *v;
	size_t i, j;
	int rc = -1;

	buf_printf(&path, "%s/evidence.xml", kb->dir);
	if ((doc = kb_read_doc(kb, buf_str(&path), NULL, 0, err)) == NULL)
		goto out;
	if (kb_expect_root(doc, buf_str(&path), "evidence", err) != 0)
		goto out;
	n = xmlDocGetRootElement(doc);
	if ((v = kb_child(n, "probing")) != NULL) {
		kb->probe_current = (unsigned)strtoul(kb_attr(&kb->arena, v, "current"), NULL, 10);
		kb->probe_quiet = (unsigned)strtoul(kb_attr(&kb->arena, v, "quiet"), NULL, 10);
	}
	kb->sources = arena_calloc(&kb->arena, kb_count_children(n, "source"),
	    sizeof(*kb->sources));
	for (n = n->children; n; n = n->next) {
		struct kb_evidence_source *src;
		struct kb_evidence_value *vals;
		const char *kind, *num;

		if (!kb_is(n, "source"))
			continue;
		src = &kb->sources[kb->nsources];
		src->id = kb_attr(&kb->arena, n, "id");
		kind = kb_attr(&kb->arena, n, "kind");
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (strcmp(kind, kinds[i]) == 0)
				src->kind = (enum kb_source_kind)i;
		src->title = kb_prose(&kb->arena, kb_child(n, "title"));
		if (kb_child(n, "question") != NULL)
			src->question = kb_prose(&kb->arena, kb_child(n, "question"));
		if ((num = kb_attr(&kb->arena, n, "layer")) != NULL)
			src->layer = (unsigned)strtoul(num, NULL, 10);
		vals = arena_calloc(&kb->arena, kb_count_children(n, "value"), sizeof(*vals));
		for (v = n->children; v; v = v->next) {
			if (!kb_is(v, "value"))
				continue;
			vals[src->nvalues].id = kb_attr(&kb->arena, v, "id");
			vals[src->nvalues].text = kb_prose(&kb->arena, v);
			vals[src->nvalues].reaches = src->layer;
			if ((num = kb_attr(&kb->arena, v, "reaches")) != NULL) {
				vals[src->nvalues].reaches = (unsigned)strtoul(num, NULL, 10);
				if (src->layer == 0 || vals[src->nvalues].reaches > src->layer) {
					err_set(err, "%s:%ld: evidence value '%s:%s': reaches "
					    "%s, but the source's layer is %u", buf_str(&path),
					    xmlGetLineNo(v), src->id, vals[src->nvalues].id,
					    num, src->layer);
					goto out;
				}
			}
			if ((num = kb_attr(&kb->arena, v, "count")) != NULL)
				vals[src->nvalues].count = (unsigned)strtoul(num, NULL, 10);
			if ((num = kb_attr(&kb->arena, v, "window")) != NULL)
				vals[src->nvalues].window = (unsigned)strtoul(num, NULL, 10);
			if ((num = kb_attr(&kb->arena, v, "gap")) != NULL)
				vals[src->nvalues].gap = (unsigned)strtoul(num, NULL, 10);
			for (j = 0; j < src->nvalues; j++)
				if (strcmp(vals[j].id, vals[src->nvalues].id) == 0) {
					err_set(err, "%s:%ld: evidence value '%s:%s' is defined "
					    "twice", buf_str(&path), xmlGetLineNo(v), src->id,
					    vals[j].id);
					goto out;
				}
			src->nvalues++;
		}
		src->values = vals;
		if (kb_find_source(kb, src->id) != NULL) {
			err_set(err, "%s:%ld: evidence source '%s' is defined twice",
			    buf_str(&path), xmlGetLineNo(n), src->id);
			goto out;
		}
		kb->nsources++;
	}
	if (kb_load_derives(kb, xmlDocGetRootElement(doc), buf_str(&path), err) != 0)
		goto out;
	rc = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return rc;
}

static int
kb_parse_cause_evidence(struct kb *kb, struct kb_cause *c, const xmlNode *ev,
    const char *path, char err[ERR_LEN])
{
	struct kb_evidence_item *items;
	const xmlNode *n;
	size_t count = kb_count_children(ev, "confirms") + kb_count_children(ev, "refutes") +
	    kb_count_children(ev, "excludes");

	items = arena_calloc(&kb->arena, count ? count : 1, sizeof(*items));
	for (n = ev->children; n; n = n->next) {
		struct kb_evidence_item *it;
		size_t j;

		if (!kb_is(n, "confirms") && !kb_is(n, "refutes") && !kb_is(n, "excludes"))
			continue;
		it = &items[c->nevidence];
		it->confirms = kb_is(n, "confirms");
		it->excludes = kb_is(n, "excludes");
		it->weight = it->excludes ? 0 : kb_decimal(kb_attr(&kb->arena, n, "weight"));
		it->why = kb_prose(&kb->arena, n);
		if (kb_resolve_ref(kb, kb_attr(&kb->arena, n, "ref"), &it->source, &it->value,
		    path, xmlGetLineNo((xmlNodePtr)n), err) != 0)
			return -1;
		for (j = 0; j < c->nevidence; j++)
			if (items[j].value == it->value)
				return err_set(err, "%s:%ld: cause '%s' lists evidence %s:%s "
				    "twice", path, xmlGetLineNo((xmlNodePtr)n), c->id,
				    it->source->id, it->value->id);
		c->nevidence++;
	}
	c->evidence = items;
	return 0;
}

static int
kb_load_causes(struct kb *kb, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	xmlDocPtr doc;
	xmlNode *n;
	size_t i = 0, j;
	int rc = -1;

	buf_printf(&path, "%s/causes.xml", kb->dir);
	if ((doc = kb_read_doc(kb, buf_str(&path), NULL, 0, err)) == NULL)
		goto out;
	if (kb_expect_root(doc, buf_str(&path), "causes", err) != 0)
		goto out;
	n = xmlDocGetRootElement(doc);
	kb->causes = arena_calloc(&kb->arena, kb_count_children(n, "cause"),
	    sizeof(*kb->causes));
	for (n = n->children; n; n = n->next) {
		struct kb_cause *c;

		if (!kb_is(n, "cause"))
			continue;
		c = &kb->causes[i++];
		c->id = kb_attr(&kb->arena, n, "id");
		c->title = kb_prose(&kb->arena, kb_child(n, "title"));
		c->description = kb_prose(&kb->arena, kb_child(n, "description"));
		c->file = arena_strdup(&kb->arena, buf_str(&path));
		c->line = xmlGetLineNo(n);
		for (j = 0; j + 1 < i; j++)
			if (strcmp(kb->causes[j].id, c->id) == 0) {
				err_set(err, "%s:%ld: cause '%s' is defined twice",
				    buf_str(&path), xmlGetLineNo(n), c->id);
				goto out;
			}
		if (kb_parse_cause_evidence(kb, c, kb_child(n, "evidence"), buf_str(&path),
		    err) != 0)
			goto out;
		kb->ncauses = i;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return rc;
}

/*
 * Each table row becomes field/value pairs: its attributes, "name" as the key
 * of protocol-ini rows, "section" as the first of their sections, and its
 * text (<description> or <note>) under that element's name.
 */
static void
kb_add_fact_row(struct kb *kb, const char *table, const xmlNode *row, const char *path,
    size_t *cap)
{
	struct kb_row *r;
	const xmlAttr *a;
	const xmlNode *c;
	const char **fields, **values;
	size_t n = 0;

	for (a = row->properties; a; a = a->next)
		n++;
	kb->facts = xgrow(kb->facts, cap, kb->nfacts + 1, sizeof(*kb->facts));
	r = &kb->facts[kb->nfacts++];
	r->table = table;
	r->file = path;
	r->line = xmlGetLineNo((xmlNodePtr)row);
	fields = arena_calloc(&kb->arena, n + 2, sizeof(*fields));
	values = arena_calloc(&kb->arena, n + 2, sizeof(*values));
	r->nfields = 0;
	for (a = row->properties; a; a = a->next) {
		fields[r->nfields] = arena_strdup(&kb->arena, (const char *)a->name);
		values[r->nfields] = kb_attr(&kb->arena, row, (const char *)a->name);
		if (strcmp(fields[r->nfields], "sections") == 0) {
			size_t ns;
			const char **sec = kb_split(&kb->arena, values[r->nfields], &ns);

			r->nfields++;
			fields[r->nfields] = "section";
			values[r->nfields] = ns ? sec[0] : "";
		}
		r->nfields++;
	}
	for (c = row->children; c; c = c->next)
		if (kb_is(c, "description") || kb_is(c, "note")) {
			fields[r->nfields] = arena_strdup(&kb->arena, (const char *)c->name);
			values[r->nfields++] = kb_prose(&kb->arena, c);
			break;
		}
	r->fields = fields;
	r->values = values;
	/* Rows are keyed by id; protocol-ini parameters, which have none, by name. */
	r->key = kb_attr(&kb->arena, row, "id");
	if (r->key == NULL)
		r->key = kb_attr(&kb->arena, row, "name");
}

/* A peer row also carries its greeting pattern and examples. */
static void
kb_add_peer(struct kb *kb, const xmlNode *row, const char *path)
{
	struct kb_peer *p;
	const xmlNode *c;
	const char **ex, **ce;

	kb->peers = xgrow(kb->peers, &kb->peers_cap, kb->npeers + 1, sizeof(*kb->peers));
	p = &kb->peers[kb->npeers++];
	memset(p, 0, sizeof(*p));
	p->id = kb_attr(&kb->arena, row, "id");
	p->product = kb_attr(&kb->arena, row, "product");
	p->greeting = kb_verbatim(&kb->arena, kb_child(row, "greeting"));
	p->file = arena_strdup(&kb->arena, path);
	p->line = xmlGetLineNo((xmlNodePtr)kb_child(row, "greeting"));
	ex = arena_calloc(&kb->arena, kb_count_children(row, "example") + 1, sizeof(*ex));
	ce = arena_calloc(&kb->arena, kb_count_children(row, "counter-example") + 1,
	    sizeof(*ce));
	for (c = row->children; c; c = c->next) {
		if (kb_is(c, "example"))
			ex[p->nexamples++] = kb_verbatim(&kb->arena, c);
		else if (kb_is(c, "counter-example"))
			ce[p->ncounters++] = kb_verbatim(&kb->arena, c);
	}
	p->examples = ex;
	p->counters = ce;
}

static int
kb_load_table(struct kb *kb, const char *file, const char *root, const char *table,
    const char *row_name, size_t *cap, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	const char *apath;
	xmlDocPtr doc;
	xmlNode *n;
	int rc = -1;

	buf_printf(&path, "%s/tables/%s", kb->dir, file);
	apath = arena_strdup(&kb->arena, buf_str(&path));
	if ((doc = kb_read_doc(kb, buf_str(&path), NULL, 0, err)) == NULL)
		goto out;
	if (kb_expect_root(doc, buf_str(&path), root, err) != 0)
		goto out;
	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		size_t i;

		if (!kb_is(n, row_name))
			continue;
		kb_add_fact_row(kb, table, n, apath, cap);
		for (i = 0; i + 1 < kb->nfacts; i++)
			if (strcmp(kb->facts[i].table, table) == 0 &&
			    strcmp(kb->facts[i].key, kb->facts[kb->nfacts - 1].key) == 0) {
				err_set(err, "%s:%ld: %s row '%s' is defined twice",
				    buf_str(&path), xmlGetLineNo(n), table, kb->facts[i].key);
				goto out;
			}
		if (strcmp(table, "peers") == 0)
			kb_add_peer(kb, n, buf_str(&path));
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return rc;
}

const struct kb_row *
kb_find_row(const struct kb *kb, const char *ref)
{
	const char *colon = strchr(ref, ':');
	size_t tlen, i;

	if (colon == NULL)
		return NULL;
	tlen = (size_t)(colon - ref);
	for (i = 0; i < kb->nfacts; i++) {
		const struct kb_row *r = &kb->facts[i];

		if (strlen(r->table) == tlen && strncmp(r->table, ref, tlen) == 0 &&
		    r->key != NULL && strcmp(r->key, colon + 1) == 0)
			return r;
	}
	return NULL;
}

const char *
kb_row_field(const struct kb_row *r, const char *field)
{
	size_t j;

	for (j = 0; j < r->nfields; j++)
		if (strcmp(r->fields[j], field) == 0)
			return r->values[j];
	return NULL;
}

size_t
kb_row_count(const struct kb *kb)
{
	return kb->nfacts;
}

const struct kb_row *
kb_row_at(const struct kb *kb, size_t i)
{
	return i < kb->nfacts ? &kb->facts[i] : NULL;
}

size_t
kb_context_count(const struct kb *kb)
{
	return kb->ncontexts;
}

const struct kb_context *
kb_context_at(const struct kb *kb, size_t i)
{
	return i < kb->ncontexts ? &kb->contexts[i] : NULL;
}

size_t
kb_term_count(const struct kb *kb)
{
	return kb->nterms;
}

const struct kb_term *
kb_term_at(const struct kb *kb, size_t i)
{
	return i < kb->nterms ? &kb->terms[i] : NULL;
}

static const char *
kb_fact(const struct kb *kb, const char *ref, const char *field, const char *where,
    long line, char err[ERR_LEN])
{
	const struct kb_row *r;
	const char *v;
	struct buf known = BUF_INIT;
	size_t j;

	if (strchr(ref, ':') == NULL) {
		err_set(err, "%s:%ld: fact reference '%s' is not TABLE:KEY", where, line, ref);
		return NULL;
	}
	if ((r = kb_find_row(kb, ref)) == NULL) {
		err_set(err, "%s:%ld: unknown fact '%s' (no such row in tables/)", where, line,
		    ref);
		return NULL;
	}
	if ((v = kb_row_field(r, field)) != NULL)
		return v;
	for (j = 0; j < r->nfields; j++)
		buf_printf(&known, "%s%s", j ? ", " : "", r->fields[j]);
	err_set(err, "%s:%ld: fact %s has no field '%s' (it has: %s)", where,
	    line, ref, field, buf_str(&known));
	buf_free(&known);
	return NULL;
}

int
kb_smarthost_port(const struct kb *kb, unsigned port)
{
	size_t i, n = kb_table_count(kb, "ports");

	for (i = 0; i < n; i++) {
		const char *num = kb_table_field(kb, "ports", i, "number");
		const char *yes = kb_table_field(kb, "ports", i, "smarthost");

		if (num && yes && strcmp(yes, "yes") == 0 && strtoul(num, NULL, 10) == port)
			return 1;
	}
	return 0;
}

void
kb_smarthost_ports(const struct kb *kb, char *out, size_t cap)
{
	size_t i, n = kb_table_count(kb, "ports"), len = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *num = kb_table_field(kb, "ports", i, "number");
		const char *yes = kb_table_field(kb, "ports", i, "smarthost");
		int w;

		if (num == NULL || yes == NULL || strcmp(yes, "yes") != 0)
			continue;
		w = snprintf(out + len, cap - len, "%s%s", len ? ", " : "", num);
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

size_t
kb_table_count(const struct kb *kb, const char *table)
{
	size_t i, n = 0;

	for (i = 0; i < kb->nfacts; i++)
		n += strcmp(kb->facts[i].table, table) == 0;
	return n;
}

const char *
kb_table_field(const struct kb *kb, const char *table, size_t i, const char *field)
{
	size_t k, seen = 0;

	for (k = 0; k < kb->nfacts; k++) {
		const struct kb_row *r = &kb->facts[k];

		if (strcmp(r->table, table) != 0 || seen++ != i)
			continue;
		return kb_row_field(r, field);
	}
	return NULL;
}

/* Step text is built into a list of parts; adjacent text merges. */
struct kb_parts {
	struct kb_part	*v;
	size_t		 n;
	size_t		 cap;
	struct buf	 text;	/* pending text */
	int		 text_code;
};

static void
kb_parts_flush(struct kb *kb, struct kb_parts *p)
{
	if (p->text.len == 0)
		return;
	p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof(*p->v));
	p->v[p->n].kind = KB_PART_TEXT;
	p->v[p->n].code = p->text_code;
	p->v[p->n].text = arena_strndup(&kb->arena, p->text.data, p->text.len);
	p->n++;
	buf_reset(&p->text);
}

static void
kb_parts_text(struct kb *kb, struct kb_parts *p, const char *s, int code)
{
	if (p->text.len && p->text_code != code)
		kb_parts_flush(kb, p);
	p->text_code = code;
	kb_collapse_into(&p->text, s);
}

static void
kb_parts_value(struct kb *kb, struct kb_parts *p, enum kb_part_kind kind, int code)
{
	kb_parts_flush(kb, p);
	p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof(*p->v));
	p->v[p->n].kind = kind;
	p->v[p->n].code = code;
	p->v[p->n].text = NULL;
	p->n++;
}

static int
kb_parse_inline(struct kb *kb, struct kb_parts *p, const xmlNode *parent, int code,
    const char *where, char err[ERR_LEN])
{
	const xmlNode *n;

	for (n = parent->children; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			kb_parts_text(kb, p, (const char *)n->content, code);
		} else if (kb_is(n, "worked")) {
			continue;	/* a step's own part (kb_parse_step) */
		} else if (kb_is(n, "code")) {
			if (kb_parse_inline(kb, p, n, 1, where, err) != 0)
				return -1;
		} else if (kb_is(n, "peer-host")) {
			kb_parts_value(kb, p, KB_PART_PEER_HOST, code);
		} else if (kb_is(n, "peer-port")) {
			kb_parts_value(kb, p, KB_PART_PEER_PORT, code);
		} else if (kb_is(n, "peer-address")) {
			kb_parts_value(kb, p, KB_PART_PEER_ADDRESS, code);
		} else if (kb_is(n, "queue-id")) {
			kb_parts_value(kb, p, KB_PART_QUEUE_ID, code);
		} else if (kb_is(n, "first-seen")) {
			kb_parts_value(kb, p, KB_PART_FIRST_SEEN, code);
		} else if (kb_is(n, "last-seen")) {
			kb_parts_value(kb, p, KB_PART_LAST_SEEN, code);
		} else if (kb_is(n, "fact")) {
			char *ref = kb_attr(&kb->arena, n, "ref");
			char *field = kb_attr(&kb->arena, n, "field");
			const char *v = kb_fact(kb, ref, field, where, xmlGetLineNo(n), err);

			if (v == NULL)
				return -1;
			if (p->text.len && p->text_code != code)
				kb_parts_flush(kb, p);
			p->text_code = code;
			buf_puts(&p->text, v);
		}
	}
	return 0;
}

static int
kb_check_cause_ids(const struct kb *kb, const char * const *ids, size_t n,
    const char *where, long line, char err[ERR_LEN])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kb_find_cause(kb, ids[i]) == NULL)
			return err_set(err, "%s:%ld: unknown cause '%s' (not in causes.xml)",
			    where, line, ids[i]);
	return 0;
}

/*
 * The inline content of an element (a step, a paragraph) as parts, trimmed:
 * no leading space in the first part, no trailing space in the last.
 */
static int
kb_parse_parts(struct kb *kb, const xmlNode *n, const char *where,
    const struct kb_part **parts_out, size_t *nparts, char err[ERR_LEN])
{
	struct kb_parts p = { 0 };
	int rc = -1;

	if (kb_parse_inline(kb, &p, n, 0, where, err) != 0)
		goto out;
	kb_parts_flush(kb, &p);
	if (p.n && p.v[0].kind == KB_PART_TEXT)
		p.v[0].text += strspn(p.v[0].text, " ");
	if (p.n && p.v[p.n - 1].kind == KB_PART_TEXT) {
		const char *t = p.v[p.n - 1].text;
		size_t len = strlen(t);

		while (len > 0 && t[len - 1] == ' ')
			len--;
		p.v[p.n - 1].text = arena_strndup(&kb->arena, t, len);
	}
	{
		struct kb_part *parts = arena_calloc(&kb->arena, p.n ? p.n : 1, sizeof(*parts));

		if (p.n)
			memcpy(parts, p.v, p.n * sizeof(*parts));
		*parts_out = parts;
		*nparts = p.n;
	}
	rc = 0;
out:
	free(p.v);
	buf_free(&p.text);
	return rc;
}

/* Fill `step` from a <step> element with inline content. */
static int
kb_parse_step(struct kb *kb, struct kb_step *step, const xmlNode *n, const char *where,
    char err[ERR_LEN])
{
	const char *addr, *origins, *done;
	const xmlNode *w;
	long line = xmlGetLineNo((xmlNodePtr)n);

	step->id = kb_attr(&kb->arena, n, "id");
	addr = kb_attr(&kb->arena, n, "addresses");
	step->addresses = kb_split(&kb->arena, addr ? addr : "", &step->naddresses);
	origins = kb_attr(&kb->arena, n, "for");
	step->origins = kb_split(&kb->arena, origins ? origins : "gateway smtpgw",
	    &step->norigins);
	step->fix_id = kb_attr(&kb->arena, n, "fix");
	step->needs_id = kb_attr(&kb->arena, n, "needs");
	if (kb_check_cause_ids(kb, step->addresses, step->naddresses, where, line, err) != 0)
		return -1;
	if ((done = kb_attr(&kb->arena, n, "done-when")) != NULL) {
		if (strchr(done, ':') != NULL) {
			if (kb_resolve_ref(kb, done, &step->done_source, &step->done_value,
			    where, line, err) != 0)
				return -1;
		} else if ((step->done_source = kb_find_source(kb, done)) == NULL)
			return err_set(err, "%s:%ld: step '%s': unknown evidence source '%s' "
			    "(see evidence.xml)", where, line, step->id, done);
	}
	if (kb_parse_parts(kb, n, where, &step->parts, &step->nparts, err) != 0)
		return -1;
	if ((w = kb_child(n, "worked")) != NULL &&
	    kb_parse_parts(kb, w, where, &step->worked, &step->nworked, err) != 0)
		return -1;
	return 0;
}

/*
 * A step's fix="ID", once fixes.xml is loaded: the fix, whose in-place
 * evidence also says when the step is done (unless done-when says).
 */
static int
kb_resolve_step_fix(const struct kb *kb, struct kb_step *s, const char *where,
    char err[ERR_LEN])
{
	if (s->fix_id == NULL || s->fix != NULL)
		return 0;
	if ((s->fix = kb_find_fix(kb, s->fix_id)) == NULL)
		return err_set(err, "%s: step '%s': unknown fix '%s' (not in fixes.xml)",
		    where, s->id, s->fix_id);
	if (s->done_source == NULL) {
		s->done_source = s->fix->in_place_source;
		s->done_value = s->fix->in_place_value;
	}
	return 0;
}

/* A step's needs="ID" names another step of the same article. */
static int
kb_check_step_needs(const struct kb_article *a, const struct kb_step *s, char err[ERR_LEN])
{
	if (s->needs_id == NULL || kb_article_step(a, s->needs_id) != NULL)
		return 0;
	return err_set(err, "%s: article %s: step '%s' needs step '%s', which the article "
	    "does not have", a->file, a->id, s->id, s->needs_id);
}

/* Every step's fix, shared and inline, and what each step needs. */
static int
kb_resolve_step_fixes(struct kb *kb, char err[ERR_LEN])
{
	size_t i, j;

	for (i = 0; i < kb->nsteps; i++)
		if (kb_resolve_step_fix(kb, &kb->steps[i], "steps.xml", err) != 0)
			return -1;
	for (i = 0; i < kb->narticles; i++)
		for (j = 0; j < kb->articles[i]->nsteps; j++)
			if (kb_resolve_step_fix(kb, (struct kb_step *)kb->articles[i]->steps[j],
			    kb->articles[i]->file, err) != 0 ||
			    kb_check_step_needs(kb->articles[i], kb->articles[i]->steps[j], err) != 0)
				return -1;
	return 0;
}

const struct kb_step *
kb_article_step(const struct kb_article *a, const char *id)
{
	size_t i;

	for (i = 0; i < a->nsteps; i++)
		if (strcmp(a->steps[i]->id, id) == 0)
			return a->steps[i];
	return NULL;
}

int
kb_step_for(const struct kb_step *s, const char *origin)
{
	size_t i;

	for (i = 0; i < s->norigins; i++)
		if (strcmp(s->origins[i], origin) == 0)
			return 1;
	return 0;
}

static const struct kb_step *
kb_find_shared_step(const struct kb *kb, const char *id)
{
	size_t i;

	for (i = 0; i < kb->nsteps; i++)
		if (strcmp(kb->steps[i].id, id) == 0)
			return &kb->steps[i];
	return NULL;
}

static int
kb_load_steps(struct kb *kb, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	xmlDocPtr doc;
	xmlNode *n;
	int rc = -1;

	buf_printf(&path, "%s/steps.xml", kb->dir);
	if ((doc = kb_read_doc(kb, buf_str(&path), NULL, 0, err)) == NULL)
		goto out;
	if (kb_expect_root(doc, buf_str(&path), "steps", err) != 0)
		goto out;
	n = xmlDocGetRootElement(doc);
	kb->steps = arena_calloc(&kb->arena, kb_count_children(n, "step"), sizeof(*kb->steps));
	for (n = n->children; n; n = n->next) {
		struct kb_step *s;

		if (!kb_is(n, "step"))
			continue;
		s = &kb->steps[kb->nsteps];
		if (kb_parse_step(kb, s, n, buf_str(&path), err) != 0)
			goto out;
		if (kb_find_shared_step(kb, s->id)) {
			err_set(err, "%s:%ld: step '%s' is defined twice", buf_str(&path),
			    xmlGetLineNo(n), s->id);
			goto out;
		}
		kb->nsteps++;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Vocabulary                                                               */

/*
 * vocabulary.xml: each term's words as written (prose, collapsed). A phrase
 * that two terms both claim is an error: the reader could not tell which
 * one is meant. Whether the words it means are the rule base's is `kb
 * lint`'s check (lint.c), which needs the articles.
 */
static int
kb_load_vocabulary(struct kb *kb, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	const char *apath;
	xmlDocPtr doc;
	xmlNode *n, *c;
	size_t cap = 0, ccap = 0, i, j, k;
	int rc = -1;

	buf_printf(&path, "%s/vocabulary.xml", kb->dir);
	apath = arena_strdup(&kb->arena, buf_str(&path));
	if ((doc = kb_read_doc(kb, apath, NULL, 0, err)) == NULL)
		goto out;
	if (kb_expect_root(doc, apath, "vocabulary", err) != 0)
		goto out;
	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next) {
		struct kb_term *t;
		const char **said;

		if (kb_is(n, "context")) {
			struct kb_context *cx;

			kb->contexts = xgrow(kb->contexts, &ccap, kb->ncontexts + 1,
			    sizeof(*kb->contexts));
			cx = &kb->contexts[kb->ncontexts++];
			cx->topic = kb_attr(&kb->arena, n, "topic");
			cx->words = kb_prose(&kb->arena, n);
			cx->file = apath;
			cx->line = xmlGetLineNo(n);
			continue;
		}
		if (!kb_is(n, "term"))
			continue;
		kb->terms = xgrow(kb->terms, &cap, kb->nterms + 1, sizeof(*kb->terms));
		t = &kb->terms[kb->nterms];
		memset(t, 0, sizeof(*t));
		t->file = apath;
		t->line = xmlGetLineNo(n);
		t->means = kb_attr(&kb->arena, n, "means");
		t->kind = kb_attr(&kb->arena, n, "kind");
		said = arena_calloc(&kb->arena, kb_count_children(n, "said") + 1, sizeof(*said));
		for (c = n->children; c; c = c->next) {
			if (!kb_is(c, "said"))
				continue;
			said[t->nsaid] = kb_prose(&kb->arena, c);
			for (i = 0; i <= kb->nterms; i++)
				for (j = 0; j < (i < kb->nterms ? kb->terms[i].nsaid : t->nsaid); j++) {
					const char *o = i < kb->nterms ? kb->terms[i].said[j] : said[j];

					if (strcasecmp(o, said[t->nsaid]) != 0)
						continue;
					err_set(err, "%s:%ld: '%s' is said for two terms (line %ld "
					    "too)", apath, xmlGetLineNo(c), o, i < kb->nterms ?
					    kb->terms[i].line : t->line);
					goto out;
				}
			for (k = 0; said[t->nsaid][k] && !isalnum((unsigned char)said[t->nsaid][k]);
			    k++)
				;
			if (said[t->nsaid][k] == '\0') {
				err_set(err, "%s:%ld: a <said> with no word in it", apath,
				    xmlGetLineNo(c));
				goto out;
			}
			t->nsaid++;
		}
		t->said = said;
		kb->nterms++;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Articles                                                                 */

static int
kb_parse_symptom(struct kb *kb, struct kb_symptom *s, const xmlNode *n, const char *path)
{
	const char *role = kb_attr(&kb->arena, n, "role");
	const char *cs = kb_attr(&kb->arena, n, "case");
	const char *sev = kb_attr(&kb->arena, n, "severity");
	const xmlNode *c;
	const char **ex, **ce;
	size_t nex = 0, nce = 0;

	s->id = kb_attr(&kb->arena, n, "id");
	s->role = strcmp(role, "companion") == 0 ? KB_ROLE_COMPANION :
	    strcmp(role, "fallback") == 0 ? KB_ROLE_FALLBACK :
	    strcmp(role, "description") == 0 ? KB_ROLE_DESCRIPTION : KB_ROLE_PRIMARY;
	s->severity = sev == NULL || strcmp(sev, "error") == 0 ? KB_SEVERITY_ERROR :
	    strcmp(sev, "warning") == 0 ? KB_SEVERITY_WARNING : KB_SEVERITY_INFO;
	s->caseless = cs == NULL || strcmp(cs, "insensitive") == 0;
	if ((s->origin = kb_attr(&kb->arena, n, "origin")) == NULL)
		s->origin = "gateway";
	s->retries_ended = kb_attr(&kb->arena, n, "means") != NULL;
	s->message = kb_verbatim(&kb->arena, kb_child(n, "message"));
	s->pattern = kb_verbatim(&kb->arena, kb_child(n, "pattern"));
	s->file = path;
	s->line = xmlGetLineNo((xmlNodePtr)kb_child(n, "pattern"));
	ex = arena_calloc(&kb->arena, kb_count_children(n, "example") + 1, sizeof(*ex));
	ce = arena_calloc(&kb->arena, kb_count_children(n, "counter-example") + 1, sizeof(*ce));
	for (c = n->children; c; c = c->next) {
		if (kb_is(c, "example"))
			ex[nex++] = kb_verbatim(&kb->arena, c);
		else if (kb_is(c, "counter-example"))
			ce[nce++] = kb_verbatim(&kb->arena, c);
	}
	s->examples = ex;
	s->nexamples = nex;
	s->counters = ce;
	s->ncounters = nce;
	return 0;
}

static void
kb_products(struct kb *kb, struct kb_article *a, const xmlNode *applies)
{
	struct buf b = BUF_INIT;
	const xmlNode *n;

	for (n = applies->children; n; n = n->next) {
		xmlChar *name, *versions;

		if (!kb_is(n, "product"))
			continue;
		name = xmlGetProp(n, BAD_CAST "name");
		versions = xmlGetProp(n, BAD_CAST "versions");
		buf_printf(&b, "%s%s %s", b.len ? "; " : "", (const char *)name,
		    (const char *)versions);
		xmlFree(name);
		xmlFree(versions);
	}
	a->products = arena_strdup(&kb->arena, buf_str(&b));
	buf_free(&b);
}

/* The parts of an errmsg or troubleshoot article: symptoms, causes, steps. */
static int
kb_parse_problem(struct kb *kb, struct kb_article *a, const xmlNode *root,
    const char *path, char err[ERR_LEN])
{
	const xmlNode *n, *sec;
	struct kb_symptom *sym;
	struct kb_cause_ref *causes;
	const struct kb_step **steps;
	size_t j, nprimary = 0;

	sec = kb_child(root, "symptoms");
	sym = arena_calloc(&kb->arena, kb_count_children(sec, "symptom"), sizeof(*sym));
	for (n = sec->children; n; n = n->next) {
		if (!kb_is(n, "symptom"))
			continue;
		kb_parse_symptom(kb, &sym[a->nsymptoms], n, a->file);
		for (j = 0; j < a->nsymptoms; j++)
			if (strcmp(sym[j].id, sym[a->nsymptoms].id) == 0) {
				err_set(err, "%s:%ld: symptom '%s' is defined twice", path,
				    xmlGetLineNo((xmlNodePtr)n), sym[j].id);
				return -1;
			}
		if (sym[a->nsymptoms].role != KB_ROLE_COMPANION)
			nprimary++;
		a->nsymptoms++;
	}
	a->symptoms = sym;
	if (nprimary == 0) {
		err_set(err, "%s:%ld: article %s has no primary, fallback or description "
		    "symptom", path,
		    xmlGetLineNo((xmlNodePtr)sec), a->id);
		return -1;
	}

	sec = kb_child(root, "causes");
	causes = arena_calloc(&kb->arena, kb_count_children(sec, "cause"), sizeof(*causes));
	for (n = sec->children; n; n = n->next) {
		const char *ref, *prior, *basis;

		if (!kb_is(n, "cause"))
			continue;
		ref = kb_attr(&kb->arena, n, "ref");
		prior = kb_attr(&kb->arena, n, "prior");
		causes[a->ncauses].cause = kb_find_cause(kb, ref);
		if (causes[a->ncauses].cause == NULL) {
			err_set(err, "%s:%ld: unknown cause '%s' (not in causes.xml)", path,
			    xmlGetLineNo((xmlNodePtr)n), ref);
			return -1;
		}
		for (j = 0; j < a->ncauses; j++)
			if (causes[j].cause == causes[a->ncauses].cause) {
				err_set(err, "%s:%ld: cause '%s' is listed twice", path,
				    xmlGetLineNo((xmlNodePtr)n), ref);
				return -1;
			}
		causes[a->ncauses].prior = kb_decimal(prior);
		basis = kb_attr(&kb->arena, n, "basis");
		causes[a->ncauses].inferred = basis && strcmp(basis, "inferred") == 0;
		a->ncauses++;
	}
	a->causes = causes;

	sec = kb_child(root, "resolution");
	{
		const char *order = kb_attr(&kb->arena, sec, "order");

		a->steps_as_written = order != NULL && strcmp(order, "as-written") == 0;
	}
	steps = arena_calloc(&kb->arena, kb_count_children(sec, "step"), sizeof(*steps));
	for (n = sec->children; n; n = n->next) {
		const char *ref;

		if (!kb_is(n, "step"))
			continue;
		if ((ref = kb_attr(&kb->arena, n, "ref")) != NULL) {
			steps[a->nsteps] = kb_find_shared_step(kb, ref);
			if (steps[a->nsteps] == NULL) {
				err_set(err, "%s:%ld: unknown step '%s' (not in steps.xml)",
				    path, xmlGetLineNo((xmlNodePtr)n), ref);
				return -1;
			}
		} else {
			struct kb_step *s = arena_calloc(&kb->arena, 1, sizeof(*s));

			if (kb_parse_step(kb, s, n, path, err) != 0)
				return -1;
			steps[a->nsteps] = s;
		}
		for (j = 0; j < a->nsteps; j++)
			if (strcmp(steps[j]->id, steps[a->nsteps]->id) == 0) {
				err_set(err, "%s:%ld: step '%s' is listed twice", path,
				    xmlGetLineNo((xmlNodePtr)n), steps[j]->id);
				return -1;
			}
		a->nsteps++;
	}
	a->steps = steps;

	return 0;
}

/* The parts of a config, reference or other article: its body and facts. */
static int
kb_parse_knowledge(struct kb *kb, struct kb_article *a, const xmlNode *root,
    const char *path, char err[ERR_LEN])
{
	const xmlNode *n, *sec = kb_child(root, "body");
	struct kb_para *body;
	const struct kb_row **facts;
	const char **refs;
	size_t nrefs, i;

	body = arena_calloc(&kb->arena, kb_count_children(sec, "para"), sizeof(*body));
	for (n = sec->children; n; n = n->next) {
		if (!kb_is(n, "para"))
			continue;
		if (kb_parse_parts(kb, n, path, &body[a->nbody].parts, &body[a->nbody].nparts,
		    err) != 0)
			return -1;
		a->nbody++;
	}
	a->body = body;
	n = kb_child(root, "facts");
	refs = kb_split(&kb->arena, n ? kb_attr(&kb->arena, n, "refs") : "", &nrefs);
	facts = arena_calloc(&kb->arena, nrefs ? nrefs : 1, sizeof(*facts));
	for (i = 0; i < nrefs; i++) {
		size_t j;

		if ((facts[i] = kb_find_row(kb, refs[i])) == NULL)
			return err_set(err, "%s:%ld: unknown fact '%s' (no such row in tables/)",
			    path, xmlGetLineNo((xmlNodePtr)n), refs[i]);
		for (j = 0; j < i; j++)
			if (facts[j] == facts[i])
				return err_set(err, "%s:%ld: fact '%s' is listed twice", path,
				    xmlGetLineNo((xmlNodePtr)n), refs[i]);
	}
	a->facts = facts;
	a->nfacts = nrefs;
	a->symptoms = arena_calloc(&kb->arena, 1, sizeof(*a->symptoms));
	a->causes = arena_calloc(&kb->arena, 1, sizeof(*a->causes));
	a->steps = arena_calloc(&kb->arena, 1, sizeof(*a->steps));
	return 0;
}

/* Build an article from a validated document. Returns NULL with err. */
static struct kb_article *
kb_parse_article(struct kb *kb, xmlDocPtr doc, const char *path, const char *name,
    char err[ERR_LEN])
{
	const xmlNode *root = xmlDocGetRootElement(doc), *n, *sec;
	struct kb_article *a;
	size_t i, len;
	const char *rel;

	if (kb_expect_root(doc, path, "article", err) != 0)
		return NULL;
	a = arena_calloc(&kb->arena, 1, sizeof(*a));
	a->file = arena_strdup(&kb->arena, path);
	a->id = kb_attr(&kb->arena, root, "id");
	len = strlen(name);
	if (len < 5 || strcmp(name + len - 4, ".xml") != 0 ||
	    strlen(a->id) != len - 4 || strncmp(a->id, name, len - 4) != 0) {
		err_set(err, "%s:%ld: article id '%s' does not match the file name '%s'",
		    path, xmlGetLineNo((xmlNodePtr)root), a->id, name);
		return NULL;
	}
	a->kind = kb_attr(&kb->arena, root, "kind");
	a->modified = kb_attr(&kb->arena, root, "modified");
	a->title = kb_prose(&kb->arena, kb_child(root, "title"));
	a->summary = kb_prose(&kb->arena, kb_child(root, "summary"));
	if ((n = kb_child(root, "keywords")) != NULL)
		a->keywords = kb_prose(&kb->arena, n);
	kb_products(kb, a, kb_child(root, "applies-to"));

	/* The parts must fit the kind: the schema allows each part, not which. */
	a->knowledge = strcmp(a->kind, "errmsg") != 0 && strcmp(a->kind, "troubleshoot") != 0;
	{
		static const char *const problem[] = { "symptoms", "causes", "resolution" };
		size_t k;

		for (k = 0; k < 3; k++)
			if ((kb_child(root, problem[k]) != NULL) == a->knowledge) {
				n = kb_child(root, problem[k]);
				err_set(err, a->knowledge ? "%s:%ld: article %s of kind %s has "
				    "<%s>: only errmsg and troubleshoot articles have symptoms, "
				    "causes and a resolution" : "%s:%ld: article %s of kind %s "
				    "has no <%s>", path, xmlGetLineNo((xmlNodePtr)(n ? n : root)),
				    a->id, a->kind, problem[k]);
				return NULL;
			}
		if ((kb_child(root, "body") != NULL) != a->knowledge ||
		    (!a->knowledge && kb_child(root, "facts") != NULL)) {
			n = kb_child(root, "body");
			if (n == NULL)
				n = kb_child(root, "facts");
			err_set(err, a->knowledge ? "%s:%ld: article %s of kind %s has no "
			    "<body>" : "%s:%ld: article %s of kind %s has <%s>: only config, "
			    "reference and other articles have a body and facts", path,
			    xmlGetLineNo((xmlNodePtr)(n ? n : root)), a->id, a->kind,
			    n ? (const char *)n->name : "body");
			return NULL;
		}
	}
	if (a->knowledge ? kb_parse_knowledge(kb, a, root, path, err) != 0 :
	    kb_parse_problem(kb, a, root, path, err) != 0)
		return NULL;

	if ((n = kb_child(root, "related")) != NULL) {
		rel = kb_attr(&kb->arena, n, "articles");
		a->related = kb_split(&kb->arena, rel, &a->nrelated);
	} else
		a->related = kb_split(&kb->arena, "", &a->nrelated);

	n = kb_child(root, "provenance");
	a->archive = kb_attr(&kb->arena, n, "archive");
	a->encoded = kb_attr(&kb->arena, n, "encoded");
	{
		const char **notes = arena_calloc(&kb->arena, kb_count_children(n, "note") + 1,
		    sizeof(*notes));

		for (sec = n->children; sec; sec = sec->next)
			if (kb_is(sec, "note"))
				notes[a->nnotes++] = kb_prose(&kb->arena, sec);
		a->notes = notes;
	}

	for (i = 0; i < kb->narticles; i++)
		if (strcasecmp(kb->articles[i]->id, a->id) == 0) {
			err_set(err, "%s: article %s is already defined in %s", path, a->id,
			    kb->articles[i]->file);
			return NULL;
		}
	return a;
}

static long
kb_article_number(const char *id)
{
	return strtol(id + 1, NULL, 10);
}

static int
kb_cmp_articles(const void *x, const void *y)
{
	const struct kb_article *a = *(const struct kb_article * const *)x;
	const struct kb_article *b = *(const struct kb_article * const *)y;
	long na = kb_article_number(a->id), nb = kb_article_number(b->id);

	return na < nb ? -1 : na > nb;
}

/* Into its place by number (the files come in name order, which is not it). */
static void
kb_insert_article(struct kb *kb, struct kb_article *a)
{
	size_t lo = 0, hi = kb->narticles, mid;

	kb->articles = xgrow(kb->articles, &kb->articles_cap, kb->narticles + 1,
	    sizeof(*kb->articles));
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (kb_cmp_articles(&kb->articles[mid], &a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(kb->articles + lo + 1, kb->articles + lo,
	    (kb->narticles - lo) * sizeof(*kb->articles));
	kb->articles[lo] = a;
	kb->narticles++;
}

static int
kb_article_from(struct kb *kb, const char *path, const char *name, const char *data,
    size_t len, char err[ERR_LEN])
{
	struct kb_article *a;
	xmlDocPtr doc;

	if ((doc = kb_read_doc(kb, path, data, len, err)) == NULL)
		return -1;
	a = kb_parse_article(kb, doc, path, name, err);
	xmlFreeDoc(doc);
	if (a == NULL)
		return -1;
	if (kb->fixes_loaded) {		/* kb_add_article(): resolve its steps' fixes now */
		size_t j;

		for (j = 0; j < a->nsteps; j++)
			if (kb_resolve_step_fix(kb, (struct kb_step *)a->steps[j], path, err) != 0)
				return -1;
	}
	kb_insert_article(kb, a);
	return 0;
}

int
kb_add_article(struct kb *kb, const char *name, const char *data, size_t len,
    char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	int rc;

	if (kb->from_cache)	/* read from the cache (kbcache.h): no schema */
		return err_set(err, "%s: rule base loaded without its schema", kb->dir);
	buf_printf(&path, "%s/articles/%s", kb->dir, name);
	rc = kb_article_from(kb, buf_str(&path), name, data, len, err);
	buf_free(&path);
	return rc;
}

static int
kb_cmp_str(const void *x, const void *y)
{
	return strcmp(*(char * const *)x, *(char * const *)y);
}

static void
kb_problem(const struct kb_load_params *params, int *count, char err[ERR_LEN],
    const char *msg)
{
	char safe[ERR_LEN];

	/* a message may quote the document's bytes: never raw to a terminal */
	text_escape_into(safe, sizeof(safe), msg);
	if (params->on_problem)
		params->on_problem(params->arg, safe);
	if ((*count)++ == 0 || msg == err)
		snprintf(err, ERR_LEN, "%s", safe);
}

/* Does the file's <article> start tag say kind="config|reference|other"? */
static int
kb_is_knowledge_file(const char *path)
{
	char head[1025], *a, *k, *end;
	size_t n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	if ((a = strstr(head, "<article")) == NULL || (end = strchr(a, '>')) == NULL)
		return 0;
	*end = '\0';
	if ((k = strstr(a, " kind=\"")) == NULL)
		return 0;
	k += 7;
	return strncmp(k, "config\"", 7) == 0 || strncmp(k, "reference\"", 10) == 0 ||
	    strncmp(k, "other\"", 6) == 0;
}

int
kb_article_names(const char *dir, char ***names, size_t *nnames, char err[ERR_LEN])
{
	struct buf dirpath = BUF_INIT;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;

	*names = NULL;
	*nnames = 0;
	buf_printf(&dirpath, "%s/articles", dir);
	if ((d = opendir(buf_str(&dirpath))) == NULL) {
		err_set(err, "%s: %s", buf_str(&dirpath), strerror(errno));
		buf_free(&dirpath);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		*names = xgrow(*names, &cap, *nnames + 1, sizeof(**names));
		(*names)[(*nnames)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*nnames > 0)	/* qsort's base must not be NULL, even for 0 */
		qsort(*names, *nnames, sizeof(**names), kb_cmp_str);
	buf_free(&dirpath);
	return 0;
}

static int
kb_load_articles(struct kb *kb, const struct kb_load_params *params, char err[ERR_LEN])
{
	struct buf dirpath = BUF_INIT, path = BUF_INIT;
	char **names = NULL, msg[ERR_LEN];
	size_t nnames = 0, i;
	int problems = 0;

	buf_printf(&dirpath, "%s/articles", kb->dir);
	if (kb_article_names(kb->dir, &names, &nnames, err) != 0) {
		kb_problem(params, &problems, err, err);
		goto out;
	}
	for (i = 0; i < nnames; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", buf_str(&dirpath), names[i]);
		if (params->problems_only && kb_is_knowledge_file(buf_str(&path)))
			continue;
		if (kb_article_from(kb, buf_str(&path), names[i], NULL, 0, msg) != 0) {
			kb_problem(params, &problems, err, msg);
			kb->skipped++;
		}
	}
	if (params->keep_going && kb->narticles > 0)
		problems = 0;
	if (problems == 0 && kb->narticles == 0) {
		err_set(err, "%s: no articles (*.xml)", buf_str(&dirpath));
		kb_problem(params, &problems, err, err);
	} else if (problems > 1) {
		size_t len = strlen(err);

		snprintf(err + len, ERR_LEN - len, " (and %d more problems)", problems - 1);
	}
out:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	buf_free(&dirpath);
	buf_free(&path);
	return problems ? -1 : 0;
}

/* ---------------------------------------------------------------------- */
/* Overlaps                                                                 */

static int
kb_parse_overlap(struct kb *kb, struct kb_overlap *o, const xmlNode *n, const char *path,
    char err[ERR_LEN])
{
	struct kb_decider *d;
	const xmlNode *c;
	size_t i, found = 0;

	/* The slot of an overlap refused before is reused: nothing of it stays
	 * (its count of deciders indexed past this one's array: fuzz_kb_overlaps) */
	memset(o, 0, sizeof(*o));
	o->id = kb_attr(&kb->arena, n, "id");
	o->kind = kb_attr(&kb->arena, n, "kind");
	o->articles = kb_split(&kb->arena, kb_attr(&kb->arena, n, "articles"), &o->narticles);
	o->summary = kb_prose(&kb->arena, kb_child(n, "summary"));
	o->resolution = kb_prose(&kb->arena, kb_child(n, "resolution"));
	o->file = arena_strdup(&kb->arena, path);
	o->line = xmlGetLineNo((xmlNodePtr)n);
	/*
	 * A text overlap is between articles of this rule base; a conflict may
	 * cite articles it does not encode, as long as one is here.
	 */
	for (i = 0; i < o->narticles; i++) {
		if (kb_find_article(kb, o->articles[i]) != NULL)
			found++;
		else if (strcmp(o->kind, "conflict") != 0)
			return err_set(err, "%s:%ld: overlap '%s' names article %s, which "
			    "is not in the rule base", path, o->line, o->id, o->articles[i]);
	}
	if (o->narticles < 2 || found == 0)
		return err_set(err, "%s:%ld: overlap '%s' must name two articles or more, "
		    "one of them in the rule base", path, o->line, o->id);
	d = arena_calloc(&kb->arena, kb_count_children(n, "decides") + 1, sizeof(*d));
	for (c = n->children; c; c = c->next) {
		if (!kb_is(c, "decides"))
			continue;
		d[o->ndeciders].article = kb_attr(&kb->arena, c, "article");
		d[o->ndeciders].why = kb_prose(&kb->arena, c);
		if (kb_resolve_ref(kb, kb_attr(&kb->arena, c, "ref"), &d[o->ndeciders].source,
		    &d[o->ndeciders].value, path, xmlGetLineNo((xmlNodePtr)c), err) != 0)
			return -1;
		if (d[o->ndeciders].article != NULL) {
			for (i = 0; i < o->narticles; i++)
				if (strcmp(o->articles[i], d[o->ndeciders].article) == 0)
					break;
			if (i == o->narticles)
				return err_set(err, "%s:%ld: overlap '%s' decides for %s, "
				    "which it does not name", path,
				    xmlGetLineNo((xmlNodePtr)c), o->id,
				    d[o->ndeciders].article);
		}
		o->ndeciders++;
	}
	o->deciders = d;
	for (i = 0; i < kb->noverlaps; i++)
		if (strcmp(kb->overlaps[i].id, o->id) == 0)
			return err_set(err, "%s:%ld: overlap '%s' is defined twice", path,
			    o->line, o->id);
	return 0;
}

static int
kb_load_overlaps(struct kb *kb, const struct kb_load_params *params, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	char msg[ERR_LEN];
	xmlDocPtr doc;
	xmlNode *n;
	int problems = 0;

	buf_printf(&path, "%s/overlaps.xml", kb->dir);
	if ((doc = kb_read_doc(kb, buf_str(&path), NULL, 0, err)) == NULL ||
	    kb_expect_root(doc, buf_str(&path), "overlaps", err) != 0) {
		kb_problem(params, &problems, err, err);
		goto out;
	}
	n = xmlDocGetRootElement(doc);
	kb->overlaps = arena_calloc(&kb->arena, kb_count_children(n, "overlap"),
	    sizeof(*kb->overlaps));
	for (n = n->children; n; n = n->next) {
		if (!kb_is(n, "overlap"))
			continue;
		if (kb_parse_overlap(kb, &kb->overlaps[kb->noverlaps], n, buf_str(&path),
		    msg) == 0) {
			kb->noverlaps++;
			continue;
		}
		kb_problem(params, &problems, err, msg);
		kb->skipped++;
	}
	if (params->keep_going)
		problems = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return problems ? -1 : 0;
}

/* ---------------------------------------------------------------------- */
/* Fixes                                                                    */

/* "LOAD TCPIP": upper-case name and argument in the arena. */
static void
kb_fix_words(struct arena *a, const char *s, const char **name, const char **arg)
{
	size_t n = strcspn(s, " "), i;
	char *w = arena_strdup(a, s);

	for (i = 0; w[i]; i++)
		w[i] = (char)toupper((unsigned char)w[i]);
	w[n] = '\0';
	*name = w;
	*arg = s[n] ? w + n + 1 : NULL;
}

static long
kb_fix_number(struct arena *a, const xmlNode *n, const char *name, long dflt)
{
	const char *v = kb_attr(a, n, name);

	return v ? strtol(v, NULL, 10) : dflt;
}

/* An evidence reference of the given kind, for a fix's verify. */
static int
kb_fix_ref(const struct kb *kb, const char *ref, enum kb_source_kind kind,
    const struct kb_evidence_source **src, const struct kb_evidence_value **val,
    const char *where, long line, char err[ERR_LEN])
{
	if (kb_resolve_ref(kb, ref, src, val, where, line, err) != 0)
		return -1;
	if ((*src)->kind != kind)
		return err_set(err, "%s:%ld: %s is %s evidence, not %s", where, line, ref,
		    kb_source_kind_name((*src)->kind), kb_source_kind_name(kind));
	return 0;
}

static int
kb_parse_fix(struct kb *kb, struct kb_fix *f, const xmlNode *n, const char *path,
    char err[ERR_LEN])
{
	struct arena *a = &kb->arena;
	const xmlNode *e, *c;
	const char *v, **ids;
	size_t i, k;

	f->id = kb_attr(a, n, "id");
	f->title = kb_prose(a, kb_child(n, "title"));
	f->kbfile = arena_strdup(a, path);
	f->line = xmlGetLineNo((xmlNodePtr)n);
	ids = kb_split(a, kb_attr(a, n, "resolves"), &f->nresolves);
	f->resolves = arena_calloc(a, f->nresolves ? f->nresolves : 1, sizeof(*f->resolves));
	for (i = 0; i < f->nresolves; i++)
		if ((((const struct kb_cause **)f->resolves)[i] = kb_find_cause(kb, ids[i])) ==
		    NULL)
			return err_set(err, "%s:%ld: fix '%s' resolves unknown cause '%s' (not in "
			    "causes.xml)", path, f->line, f->id, ids[i]);
	v = kb_attr(a, n, "articles");
	f->articles = kb_split(a, v ? v : "", &f->narticles);
	f->sources = kb_split(a, kb_attr(a, n, "sources"), &f->nsources);
	f->at_most = f->dflt = -1;
	for (e = n->children; e; e = e->next)
		if (kb_is(e, "set") || kb_is(e, "order") || kb_is(e, "switch") ||
		    kb_is(e, "replace"))
			break;
	f->file = kb_attr(a, e, "file");
	if (kb_is(e, "set")) {
		f->kind = KB_FIX_SET;
		f->section = kb_attr(a, e, "section");
		f->driver_tcpip = (v = kb_attr(a, e, "driver")) != NULL;
		f->key = kb_attr(a, e, "key");
		f->value = kb_attr(a, e, "value");
		f->at_least = kb_fix_number(a, e, "at-least", -1);
		f->at_most = kb_fix_number(a, e, "at-most", -1);
		f->dflt = kb_fix_number(a, e, "default", -1);
		if (f->at_most >= 0 && f->at_most < f->at_least)
			return err_set(err, "%s:%ld: fix '%s': at-most is below at-least", path,
			    xmlGetLineNo((xmlNodePtr)e), f->id);
	} else if (kb_is(e, "order")) {
		struct kb_fix_command *cmds;

		f->kind = KB_FIX_ORDER;
		cmds = arena_calloc(a, kb_count_children(e, "command"), sizeof(*cmds));
		for (c = e->children; c; c = c->next) {
			struct kb_fix_command *x;

			if (!kb_is(c, "command"))
				continue;
			x = &cmds[f->ncommands++];
			x->written = kb_attr(a, c, "name");
			kb_fix_words(a, x->written, &x->name, &x->arg);
			x->anchor = (v = kb_attr(a, c, "anchor")) != NULL && strcmp(v, "yes") == 0;
			x->insert = (v = kb_attr(a, c, "insert")) != NULL && strcmp(v, "yes") == 0;
			for (k = 0; k + 1 < f->ncommands; k++)
				if (strcmp(cmds[k].name, x->name) == 0 &&
				    (cmds[k].arg == NULL) == (x->arg == NULL) &&
				    (x->arg == NULL || strcmp(cmds[k].arg, x->arg) == 0))
					return err_set(err, "%s:%ld: fix '%s' names command '%s' "
					    "twice", path, xmlGetLineNo((xmlNodePtr)c), f->id,
					    x->written);
		}
		f->commands = cmds;
		if (f->ncommands < 2)
			return err_set(err, "%s:%ld: fix '%s': an order needs two commands or "
			    "more", path, xmlGetLineNo((xmlNodePtr)e), f->id);
	} else if (kb_is(e, "switch")) {
		const char *arg;

		f->kind = KB_FIX_SWITCH;
		kb_fix_words(a, kb_attr(a, e, "command"), &f->command, &arg);
		if (arg != NULL)
			return err_set(err, "%s:%ld: fix '%s': the command of a switch is one "
			    "word", path, xmlGetLineNo((xmlNodePtr)e), f->id);
		f->switch_name = kb_attr(a, e, "name");
		f->at_least = kb_fix_number(a, e, "at-least", -1);
		f->dflt = kb_fix_number(a, e, "default", -1);
	} else {
		struct kb_fix_variant *vs;
		const struct kb_evidence_source *stack = kb_find_source(kb, "stack");

		f->kind = KB_FIX_REPLACE;
		vs = arena_calloc(a, kb_count_children(e, "variant"), sizeof(*vs));
		for (c = e->children; c; c = c->next) {
			struct kb_fix_variant *x;
			const struct kb_row *row;
			char ref[128];

			if (!kb_is(c, "variant"))
				continue;
			x = &vs[f->nvariants++];
			x->stack = kb_attr(a, c, "stack");
			x->build = kb_attr(a, c, "build");
			if (stack == NULL || kb_find_value(stack, x->stack) == NULL)
				return err_set(err, "%s:%ld: fix '%s': '%s' is not a value of the "
				    "evidence source stack", path, xmlGetLineNo((xmlNodePtr)c),
				    f->id, x->stack);
			snprintf(ref, sizeof(ref), "builds:%s", x->build ? x->build : "");
			if ((row = kb_find_row(kb, ref)) == NULL)
				return err_set(err, "%s:%ld: fix '%s': no build '%s' in "
				    "tables/builds.xml", path, xmlGetLineNo((xmlNodePtr)c), f->id,
				    x->build);
			x->file = kb_row_field(row, "file");
			x->stack_name = kb_row_field(row, "stack");
			if (x->stack_name == NULL)
				x->stack_name = x->stack;
			for (k = 0; k + 1 < f->nvariants; k++)
				if (strcmp(vs[k].stack, x->stack) == 0)
					return err_set(err, "%s:%ld: fix '%s' names stack '%s' twice",
					    path, xmlGetLineNo((xmlNodePtr)c), f->id, x->stack);
		}
		f->variants = vs;
	}
	e = kb_child(n, "verify");
	f->verify = kb_prose(a, e);
	if ((v = kb_attr(a, e, "in-place")) != NULL &&
	    kb_fix_ref(kb, v, KB_SOURCE_FILE, &f->in_place_source, &f->in_place_value, path,
	    xmlGetLineNo((xmlNodePtr)e), err) != 0)
		return -1;
	v = kb_attr(a, e, "proof");
	f->proofs = kb_split(a, v ? v : "", &f->nproofs);
	for (i = 0; i < f->nproofs; i++) {
		const struct kb_evidence_source *src;
		const struct kb_evidence_value *val;

		if (kb_fix_ref(kb, f->proofs[i], KB_SOURCE_PROBE, &src, &val, path,
		    xmlGetLineNo((xmlNodePtr)e), err) != 0)
			return -1;
	}
	{
		struct kb_fix_example *ex = arena_calloc(a, kb_count_children(n, "example") + 1,
		    sizeof(*ex));
		const char **notes = arena_calloc(a, kb_count_children(n, "note") + 1,
		    sizeof(*notes));

		for (c = n->children; c; c = c->next) {
			if (kb_is(c, "note"))
				notes[f->nnotes++] = kb_prose(a, c);
			if (!kb_is(c, "example"))
				continue;
			struct kb_fix_example *x = &ex[f->nexamples++];
			const xmlNode *after = kb_child(c, "after");

			v = kb_attr(a, c, "outcome");
			x->outcome = v == NULL || strcmp(v, "edited") == 0 ? KB_FIX_EDITED :
			    strcmp(v, "already") == 0 ? KB_FIX_ALREADY : KB_FIX_NOT_APPLICABLE;
			x->before = kb_verbatim(a, kb_child(c, "before"));
			x->after = after ? kb_verbatim(a, after) : NULL;
			x->line = xmlGetLineNo((xmlNodePtr)c);
			if ((x->outcome == KB_FIX_EDITED) != (after != NULL))
				return err_set(err, "%s:%ld: fix '%s': an example %s", path,
				    x->line, f->id, after ? "that leaves the file alone has no "
				    "<after>" : "of an edit needs an <after>");
			if (f->kind == KB_FIX_REPLACE)
				return err_set(err, "%s:%ld: fix '%s': a replacement has no text "
				    "examples", path, x->line, f->id);
		}
		f->examples = ex;
		f->notes = notes;
	}
	return 0;
}

static int
kb_load_fixes(struct kb *kb, const struct kb_load_params *params, char err[ERR_LEN])
{
	struct buf path = BUF_INIT;
	xmlDocPtr doc;
	xmlNode *n;
	size_t i, j;
	int rc = -1;

	buf_printf(&path, "%s/fixes.xml", kb->dir);
	if ((doc = kb_read_doc(kb, buf_str(&path), NULL, 0, err)) == NULL)
		goto out;
	if (kb_expect_root(doc, buf_str(&path), "fixes", err) != 0)
		goto out;
	n = xmlDocGetRootElement(doc);
	kb->fixes = arena_calloc(&kb->arena, kb_count_children(n, "fix"), sizeof(*kb->fixes));
	for (n = n->children; n; n = n->next) {
		struct kb_fix *f;

		if (!kb_is(n, "fix"))
			continue;
		f = &kb->fixes[kb->nfixes];
		if (kb_parse_fix(kb, f, n, buf_str(&path), err) != 0)
			goto out;
		if (kb_find_fix(kb, f->id) != NULL) {
			err_set(err, "%s:%ld: fix '%s' is defined twice", buf_str(&path), f->line,
			    f->id);
			goto out;
		}
		/* With --keep-going, an article it names may have been skipped. */
		for (i = 0; i < f->narticles && !params->keep_going; i++)
			if (kb_find_article(kb, f->articles[i]) == NULL) {
				err_set(err, "%s:%ld: fix '%s' names article %s, which the rule "
				    "base does not have", buf_str(&path), f->line, f->id,
				    f->articles[i]);
				goto out;
			}
		for (i = 0; i < f->nresolves; i++)
			for (j = i + 1; j < f->nresolves; j++)
				if (f->resolves[i] == f->resolves[j]) {
					err_set(err, "%s:%ld: fix '%s' resolves '%s' twice",
					    buf_str(&path), f->line, f->id, f->resolves[i]->id);
					goto out;
				}
		kb->nfixes++;
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	buf_free(&path);
	return rc;
}

size_t
kb_fix_count(const struct kb *kb)
{
	return kb->nfixes;
}

const struct kb_fix *
kb_fix_at(const struct kb *kb, size_t i)
{
	return i < kb->nfixes ? &kb->fixes[i] : NULL;
}

const struct kb_fix *
kb_find_fix(const struct kb *kb, const char *id)
{
	size_t i;

	for (i = 0; i < kb->nfixes; i++)
		if (strcmp(kb->fixes[i].id, id) == 0)
			return &kb->fixes[i];
	return NULL;
}

int
kb_fix_resolves(const struct kb_fix *f, const char *cause)
{
	size_t i;

	for (i = 0; i < f->nresolves; i++)
		if (strcmp(f->resolves[i]->id, cause) == 0)
			return 1;
	return 0;
}

const char *
kb_fix_kind_name(enum kb_fix_kind kind)
{
	switch (kind) {
	case KB_FIX_SET:
		return "set";
	case KB_FIX_ORDER:
		return "order";
	case KB_FIX_SWITCH:
		return "switch";
	case KB_FIX_REPLACE:
		return "replace";
	}
	return "unknown";
}

const char *
kb_fix_outcome_name(enum kb_fix_outcome o)
{
	switch (o) {
	case KB_FIX_EDITED:
		return "edited";
	case KB_FIX_ALREADY:
		return "already";
	case KB_FIX_NOT_APPLICABLE:
		return "not-applicable";
	}
	return "unknown";
}

int
kb_load(const struct kb_load_params *params, struct kb **out, char err[ERR_LEN])
{
	struct kb *kb;
	struct stat st;
	size_t facts_cap = 0;
	int problems = 0, is_dir;

	*out = NULL;
	if (params->dir == NULL || params->dir[0] == '\0')
		return err_set(err, "no rule base directory given");
	is_dir = 0;
	if (stat(params->dir, &st) != 0)
		err_set(err, "%s: %s", params->dir, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		err_set(err, "%s: not a directory", params->dir);
	else
		is_dir = 1;
	if (!is_dir) {
		kb_problem(params, &problems, err, err);
		return -1;
	}

	kb = xcalloc(1, sizeof(*kb));
	kb->dir = xstrdup(params->dir);
	kb->loading = params;
	kb->on_valid = params->on_valid;
	kb->on_valid_arg = params->arg;
	if (kb_open_schema(kb, params->validate_all, err) != 0 ||
	    kb_load_evidence(kb, err) != 0 ||
	    kb_load_causes(kb, err) != 0 ||
	    kb_load_table(kb, "tcptsr.xml", "tcptsr-versions", "tcptsr", "tcptsr",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "protocol-ini.xml", "protocol-ini", "protocol-ini",
	    "parameter", &facts_cap, err) != 0 ||
	    kb_load_table(kb, "builds.xml", "builds", "builds", "build",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "switches.xml", "switches", "switches", "switch",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "peers.xml", "peers", "peers", "peer",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "ports.xml", "ports", "ports", "port",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "gateway.xml", "gateway-facts", "gateway", "item",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "files.xml", "files", "files", "file",
	    &facts_cap, err) != 0 ||
	    kb_load_table(kb, "stacks.xml", "stacks", "stacks", "stack",
	    &facts_cap, err) != 0 ||
	    kb_load_steps(kb, err) != 0 ||
	    (!params->problems_only && kb_load_vocabulary(kb, err) != 0)) {
		kb_problem(params, &problems, err, err);
		kb_free(kb);
		return -1;
	}
	if (kb_load_articles(kb, params, err) != 0 ||
	    kb_load_overlaps(kb, params, err) != 0) {
		text_escape_err(err);
		kb_free(kb);
		return -1;
	}
	kb->fixes_loaded = 1;
	if (kb_load_fixes(kb, params, err) != 0 || kb_resolve_step_fixes(kb, err) != 0) {
		kb_problem(params, &problems, err, err);
		kb_free(kb);
		return -1;
	}
	kb->loading = NULL;
	*out = kb;
	return 0;
}

void
kb_free(struct kb *kb)
{
	if (kb == NULL)
		return;
	if (kb->schema)
		xmlRelaxNGFree(kb->schema);
	kbschema_free(kb->lifted);
	buf_free(&kb->rng);
	arena_free(&kb->arena);
	free(kb->facts);
	free(kb->terms);
	free(kb->contexts);
	free(kb->peers);
	free(kb->articles);
	if (kb->map != NULL)
		munmap(kb->map, kb->map_len);	/* qindex is in it */
	else
		free(kb->qindex);
	free(kb->dir);
	free(kb);
}

const void *
kb_query_index(const struct kb *kb, size_t *len)
{
	*len = kb->qindex_len;
	return kb->qindex;
}

const char *
kb_dir(const struct kb *kb)
{
	return kb->dir;
}

size_t
kb_article_count(const struct kb *kb)
{
	return kb->narticles;
}

const struct kb_article *
kb_article_at(const struct kb *kb, size_t i)
{
	return i < kb->narticles ? kb->articles[i] : NULL;
}

const struct kb_article *
kb_find_article(const struct kb *kb, const char *id)
{
	size_t i;

	for (i = 0; i < kb->narticles; i++)
		if (strcasecmp(kb->articles[i]->id, id) == 0)
			return kb->articles[i];
	return NULL;
}

size_t
kb_cause_count(const struct kb *kb)
{
	return kb->ncauses;
}

const struct kb_cause *
kb_cause_at(const struct kb *kb, size_t i)
{
	return i < kb->ncauses ? &kb->causes[i] : NULL;
}

const struct kb_cause *
kb_find_cause(const struct kb *kb, const char *id)
{
	size_t i;

	for (i = 0; i < kb->ncauses; i++)
		if (strcmp(kb->causes[i].id, id) == 0)
			return &kb->causes[i];
	return NULL;
}

size_t
kb_skipped(const struct kb *kb)
{
	return kb->skipped;
}

void
kb_drop_article(struct kb *kb, const struct kb_article *a)
{
	size_t i;

	for (i = 0; i < kb->narticles; i++)
		if (kb->articles[i] == a) {
			memmove(&kb->articles[i], &kb->articles[i + 1],
			    (kb->narticles - i - 1) * sizeof(*kb->articles));
			kb->narticles--;
			kb->skipped++;
			return;
		}
}

unsigned
kb_probe_current(const struct kb *kb)
{
	return kb->probe_current;
}

unsigned
kb_probe_quiet(const struct kb *kb)
{
	return kb->probe_quiet;
}

size_t
kb_source_count(const struct kb *kb)
{
	return kb->nsources;
}

const struct kb_evidence_source *
kb_source_at(const struct kb *kb, size_t i)
{
	return i < kb->nsources ? &kb->sources[i] : NULL;
}

const struct kb_evidence_source *
kb_find_source(const struct kb *kb, const char *id)
{
	size_t i;

	for (i = 0; i < kb->nsources; i++)
		if (strcmp(kb->sources[i].id, id) == 0)
			return &kb->sources[i];
	return NULL;
}

const char *
kb_source_kind_name(enum kb_source_kind kind)
{
	switch (kind) {
	case KB_SOURCE_PROBE:	return "probe";
	case KB_SOURCE_LOG:	return "log";
	case KB_SOURCE_FILE:	return "file";
	case KB_SOURCE_MANUAL:	return "manual";
	}
	return "?";
}

size_t
kb_overlap_count(const struct kb *kb)
{
	return kb->noverlaps;
}

const struct kb_overlap *
kb_overlap_at(const struct kb *kb, size_t i)
{
	return i < kb->noverlaps ? &kb->overlaps[i] : NULL;
}

int
kb_overlap_names(const struct kb_overlap *o, const char *id)
{
	size_t i;

	for (i = 0; i < o->narticles; i++)
		if (strcasecmp(o->articles[i], id) == 0)
			return 1;
	return 0;
}

const struct kb_overlap *
kb_find_overlap(const struct kb *kb, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < kb->noverlaps; i++)
		if (kb_overlap_names(&kb->overlaps[i], a) &&
		    kb_overlap_names(&kb->overlaps[i], b))
			return &kb->overlaps[i];
	return NULL;
}

size_t
kb_peer_count(const struct kb *kb)
{
	return kb->npeers;
}

const struct kb_peer *
kb_peer_at(const struct kb *kb, size_t i)
{
	return i < kb->npeers ? &kb->peers[i] : NULL;
}

const char *
kb_role_name(enum kb_symptom_role role)
{
	switch (role) {
	case KB_ROLE_PRIMARY:		return "primary";
	case KB_ROLE_COMPANION:		return "companion";
	case KB_ROLE_FALLBACK:		return "fallback";
	case KB_ROLE_DESCRIPTION:	return "description";
	}
	return "?";
}

const char *
kb_severity_name(enum kb_severity severity)
{
	switch (severity) {
	case KB_SEVERITY_ERROR:		return "error";
	case KB_SEVERITY_WARNING:	return "warning";
	case KB_SEVERITY_INFO:		return "info";
	}
	return "?";
}

/* ---------------------------------------------------------------------- */
/* Where the rule base is                                                   */

static int
kb_is_dir(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/schema/kb.rng", dir) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * $KBDIAG_KB, then a rule base beside the executable (the build tree's kb/,
 * or PREFIX/share/kbdiag/kb of a staged install), then the compiled-in data
 * directory.
 */
const char *
kb_default_dir(char buf[PATH_MAX])
{
	static const char *const rel[] = { "../kb", "../share/kbdiag/kb" };
	char exe[PATH_MAX], *slash;
	const char *env = getenv("KBDIAG_KB");
	ssize_t n;
	size_t i;

	if (env && env[0])
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char path[PATH_MAX];

			if (snprintf(path, sizeof(path), "%s/%s", exe, rel[i]) <
			    (int)sizeof(path) && kb_is_dir(path) && realpath(path, buf))
				return buf;
		}
	}
	return KBDIAG_DATADIR "/kb";
}
