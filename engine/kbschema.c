/* kbschema: attribute patterns lifted out of the RelaxNG schema (see kbschema.h). */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "kbschema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "util/buf.h"
#include "util/xmem.h"

#define KBSCHEMA_RNG_NS	"http://relaxng.org/ns/structure/1.0"

/* One use of an attribute in the schema, by one element. */
struct kbschema_use {
	char		*element;	/* NULL: the element could not be told */
	char		*attribute;
	char		*pattern;	/* NULL: no liftable pattern */
	int		 list;		/* a list of such tokens */
	xmlNode		*param;		/* the inline <param> to take out, or NULL */
	char		*define;	/* the define whose <param> it is, or NULL */
};

struct kbschema_rule {
	char		*element;
	char		*attribute;
	char		*pattern;
	int		 list;
	pcre2_code	*code;
};

struct kbschema {
	struct kbschema_rule	*rules;
	size_t			 nrules;
	pcre2_match_data	*md;
};

static int
kbschema_is(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, KBSCHEMA_RNG_NS) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

/* The only element child, or NULL when there are none or several. */
static xmlNode *
kbschema_only_child(const xmlNode *n)
{
	xmlNode *c, *only = NULL;

	for (c = n ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			if (only != NULL)
				return NULL;
			only = c;
		}
	return only;
}

static int
kbschema_name_is(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "name");
	int eq = v != NULL && strcmp((const char *)v, name) == 0;

	xmlFree(v);
	return eq;
}

/*
 * <data type="token"><param name="pattern">P</param></data> and nothing else:
 * the <param>, else NULL.
 */
static xmlNode *
kbschema_token_pattern(const xmlNode *data)
{
	xmlNode *param;
	xmlChar *type;
	int ok;

	if (!kbschema_is(data, "data") || (param = kbschema_only_child(data)) == NULL ||
	    !kbschema_is(param, "param") || !kbschema_name_is(param, "pattern") ||
	    param->children == NULL || param->children->type != XML_TEXT_NODE)
		return NULL;
	type = xmlGetProp(data, BAD_CAST "type");
	ok = type != NULL && strcmp((const char *)type, "token") == 0;
	xmlFree(type);
	return ok ? param : NULL;
}

struct kbschema_walk {
	xmlNode			*root;
	xmlNode			**defines;	/* every <define> */
	size_t			 ndefines, defcap;
	xmlNode			**refs;		/* every <ref> */
	size_t			 nrefs, refcap;
	struct kbschema_use	*uses;
	size_t			 nuses, usecap;
};

static xmlNode *
kbschema_define(const struct kbschema_walk *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->ndefines; i++)
		if (kbschema_name_is(w->defines[i], name))
			return w->defines[i];
	return NULL;
}

static char *
kbschema_name(const xmlNode *n)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST "name");
	char *s = v ? xstrdup((const char *)v) : NULL;

	xmlFree(v);
	return s;
}

static void
kbschema_collect(struct kbschema_walk *w, xmlNode *n)
{
	xmlNode *c;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (kbschema_is(c, "define")) {
			w->defines = xgrow(w->defines, &w->defcap, w->ndefines + 1, sizeof(c));
			w->defines[w->ndefines++] = c;
		} else if (kbschema_is(c, "ref")) {
			w->refs = xgrow(w->refs, &w->refcap, w->nrefs + 1, sizeof(c));
			w->refs[w->nrefs++] = c;
		}
		kbschema_collect(w, c);
	}
}

/*
 * The names of the elements n can be in: up to the nearest <element>, or
 * through a <define> to every <ref> of it. Adds them to names; -1 when one
 * cannot be told (an element named otherwise, a define nobody refers to).
 */
static int
kbschema_elements(const struct kbschema_walk *w, const xmlNode *n, char ***names,
    size_t *count, size_t *cap, int depth)
{
	size_t i;
	int found = 0;

	if (depth > 16)
		return -1;
	for (n = n->parent; n != NULL && n->type == XML_ELEMENT_NODE; n = n->parent) {
		if (kbschema_is(n, "element")) {
			char *name = kbschema_name(n);

			if (name == NULL)
				return -1;
			*names = xgrow(*names, cap, *count + 1, sizeof(char *));
			(*names)[(*count)++] = name;
			return 0;
		}
		if (kbschema_is(n, "define")) {
			char *dn = kbschema_name(n);

			for (i = 0; dn != NULL && i < w->nrefs; i++)
				if (kbschema_name_is(w->refs[i], dn)) {
					found = 1;
					if (kbschema_elements(w, w->refs[i], names, count, cap,
					    depth + 1) != 0) {
						free(dn);
						return -1;
					}
				}
			free(dn);
			return found ? 0 : -1;
		}
	}
	return -1;
}

/*
 * What the attribute's value must match: a token pattern inline, through a
 * define, or a list of such tokens through a define of the list.
 */
static void
kbschema_value(const struct kbschema_walk *w, const xmlNode *attr, struct kbschema_use *u)
{
	xmlNode *c = kbschema_only_child(attr), *def, *param, *l, *m, *r;
	char *dn;

	if (c == NULL)
		return;
	if ((param = kbschema_token_pattern(c)) != NULL) {
		u->param = param;
		u->pattern = xstrdup((const char *)param->children->content);
		return;
	}
	if (!kbschema_is(c, "ref") || (dn = kbschema_name(c)) == NULL)
		return;
	def = kbschema_define(w, dn);
	free(dn);
	if (def == NULL)
		return;
	if ((param = kbschema_token_pattern(kbschema_only_child(def))) != NULL) {
		u->define = kbschema_name(def);
		u->pattern = xstrdup((const char *)param->children->content);
		return;
	}
	/* <list><oneOrMore><ref name="D"/></oneOrMore></list> */
	l = kbschema_only_child(def);
	m = kbschema_is(l, "list") ? kbschema_only_child(l) : NULL;
	r = kbschema_is(m, "oneOrMore") ? kbschema_only_child(m) : NULL;
	if (kbschema_is(r, "ref") && (dn = kbschema_name(r)) != NULL) {
		def = kbschema_define(w, dn);
		free(dn);
		if (def != NULL &&
		    (param = kbschema_token_pattern(kbschema_only_child(def))) != NULL) {
			u->define = kbschema_name(def);
			u->pattern = xstrdup((const char *)param->children->content);
			u->list = 1;
		}
	}
}

static void
kbschema_note_uses(struct kbschema_walk *w, xmlNode *n)
{
	xmlNode *c;

	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (kbschema_is(c, "attribute")) {
			struct kbschema_use u;
			char **names = NULL;
			size_t i, count = 0, cap = 0;
			int ok;

			memset(&u, 0, sizeof(u));
			kbschema_value(w, c, &u);
			ok = kbschema_elements(w, c, &names, &count, &cap, 0) == 0;
			for (i = 0; i < count || (!ok && i == 0); i++) {
				struct kbschema_use v = u;

				v.element = ok ? names[i] : NULL;
				v.attribute = kbschema_name(c);
				v.define = u.define ? xstrdup(u.define) : NULL;
				v.pattern = u.pattern ? xstrdup(u.pattern) : NULL;
				w->uses = xgrow(w->uses, &w->usecap, w->nuses + 1, sizeof(v));
				w->uses[w->nuses++] = v;
			}
			for (i = ok ? count : 0; i < count; i++)
				free(names[i]);
			free(names);
			free(u.define);
			free(u.pattern);
		}
		kbschema_note_uses(w, c);
	}
}

static int
kbschema_same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * Is every <ref> of the define one the uses account for: directly the
 * value of an attribute, or the item of a list define whose every ref is?
 */
static int
kbschema_refs_accounted(const struct kbschema_walk *w, const char *define, int depth)
{
	size_t i;

	for (i = 0; i < w->nrefs; i++) {
		const xmlNode *r = w->refs[i], *p = r->parent;

		if (!kbschema_name_is(r, define))
			continue;
		if (kbschema_is(p, "attribute") && kbschema_only_child(p) == r)
			continue;
		if (depth == 0 && kbschema_is(p, "oneOrMore") && kbschema_is(p->parent, "list") &&
		    kbschema_is(p->parent->parent, "define")) {
			char *ln = kbschema_name(p->parent->parent);
			int ok = ln != NULL && kbschema_refs_accounted(w, ln, 1);

			free(ln);
			if (ok)
				continue;
		}
		return 0;
	}
	return 1;
}

/* Do all uses of this element/attribute agree on one lifted pattern? */
static int
kbschema_agree(const struct kbschema_walk *w, const struct kbschema_use *u)
{
	size_t i;

	if (u->pattern == NULL || u->element == NULL || u->attribute == NULL)
		return 0;
	for (i = 0; i < w->nuses; i++) {
		const struct kbschema_use *v = &w->uses[i];

		if (kbschema_same(v->element, u->element) &&
		    kbschema_same(v->attribute, u->attribute) &&
		    (!kbschema_same(v->pattern, u->pattern) || v->list != u->list))
			return 0;
	}
	return 1;
}

/* May this use's pattern leave the schema? */
static int
kbschema_liftable(const struct kbschema_walk *w, const struct kbschema_use *u)
{
	size_t i;

	if (!kbschema_agree(w, u))
		return 0;
	if (u->define == NULL)
		return 1;
	/* a define's pattern leaves only when every use of it can take it */
	if (!kbschema_refs_accounted(w, u->define, 0))
		return 0;
	for (i = 0; i < w->nuses; i++)
		if (kbschema_same(w->uses[i].define, u->define) && !kbschema_agree(w, &w->uses[i]))
			return 0;
	return 1;
}

static int
kbschema_add_rule(struct kbschema *s, const struct kbschema_use *u, size_t *cap,
    char err[ERR_LEN])
{
	struct buf b = BUF_INIT;
	struct kbschema_rule *r;
	PCRE2_SIZE off;
	size_t i;
	int ec;

	for (i = 0; i < s->nrules; i++)
		if (strcmp(s->rules[i].element, u->element) == 0 &&
		    strcmp(s->rules[i].attribute, u->attribute) == 0)
			return 0;	/* the same rule from another use */
	/* XML Schema patterns match the whole value */
	buf_printf(&b, "^(?:%s)$", u->pattern);
	s->rules = xgrow(s->rules, cap, s->nrules + 1, sizeof(*s->rules));
	r = &s->rules[s->nrules];
	r->code = pcre2_compile((PCRE2_SPTR)buf_str(&b), PCRE2_ZERO_TERMINATED,
	    PCRE2_DOLLAR_ENDONLY, &ec, &off, NULL);
	buf_free(&b);
	if (r->code == NULL) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(ec, msg, sizeof(msg));
		return err_set(err, "schema: the pattern of <%s %s> cannot be compiled: %s",
		    u->element, u->attribute, (const char *)msg);
	}
	r->element = xstrdup(u->element);
	r->attribute = xstrdup(u->attribute);
	r->pattern = xstrdup(u->pattern);
	r->list = u->list;
	s->nrules++;
	return 0;
}

int
kbschema_lift(xmlDocPtr rng, struct kbschema **out, char err[ERR_LEN])
{
	struct kbschema_walk w;
	struct kbschema *s = xcalloc(1, sizeof(*s));
	char **drop = NULL;
	size_t i, cap = 0, ndrop = 0, dropcap = 0;
	int rc = 0, *lift;

	*out = NULL;
	memset(&w, 0, sizeof(w));
	w.root = xmlDocGetRootElement(rng);
	if (w.root != NULL) {
		kbschema_collect(&w, w.root);
		kbschema_note_uses(&w, w.root);
	}
	/* decide first: removing a param changes what is left to decide on */
	lift = xcalloc(w.nuses ? w.nuses : 1, sizeof(*lift));
	for (i = 0; i < w.nuses; i++)
		lift[i] = kbschema_liftable(&w, &w.uses[i]);
	for (i = 0; i < w.nuses; i++) {
		struct kbschema_use *u = &w.uses[i];

		if (!lift[i])
			continue;
		if ((rc = kbschema_add_rule(s, u, &cap, err)) != 0)
			break;
		if (u->define != NULL) {
			drop = xgrow(drop, &dropcap, ndrop + 1, sizeof(*drop));
			drop[ndrop++] = u->define;
		}
	}
	/* the inline params; then the defines' */
	for (i = 0; i < w.nuses && rc == 0; i++) {
		xmlNode *p = w.uses[i].param;
		size_t j;

		if (p == NULL || !lift[i])
			continue;
		for (j = 0; j < w.nuses; j++)	/* other elements' uses of this attribute */
			if (w.uses[j].param == p)
				w.uses[j].param = NULL;
		xmlUnlinkNode(p);
		xmlFreeNode(p);
	}
	for (i = 0; i < ndrop && rc == 0; i++) {
		xmlNode *def = kbschema_define(&w, drop[i]), *param;

		if (def != NULL &&
		    (param = kbschema_token_pattern(kbschema_only_child(def))) != NULL) {
			xmlUnlinkNode(param);
			xmlFreeNode(param);
		}
	}
	for (i = 0; i < w.nuses; i++) {
		free(w.uses[i].element);
		free(w.uses[i].attribute);
		free(w.uses[i].define);
		free(w.uses[i].pattern);
	}
	free(lift);
	free(w.uses);
	free(w.defines);
	free(w.refs);
	free(drop);
	if (rc != 0) {
		kbschema_free(s);
		return -1;
	}
	s->md = pcre2_match_data_create(1, NULL);
	if (s->md == NULL)
		xmem_oom(0);
	*out = s;
	return 0;
}

/* The value as the "token" type sees it: whitespace collapsed and trimmed. */
static void
kbschema_token(const char *v, struct buf *b)
{
	int space = 0;

	buf_reset(b);
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
			space = b->len > 0;
			continue;
		}
		if (space)
			buf_putc(b, ' ');
		space = 0;
		buf_putc(b, *v);
	}
}

/* The value (token-normalised) against the rule: each word of a list. */
static int
kbschema_value_ok(const struct kbschema *s, const struct kbschema_rule *r, const char *v,
    size_t len)
{
	size_t i = 0, j;

	if (!r->list)
		return pcre2_match(r->code, (PCRE2_SPTR)v, len, 0, 0, s->md, NULL) >= 0;
	if (len == 0)
		return 0;	/* oneOrMore */
	while (i < len) {
		for (j = i; j < len && v[j] != ' '; j++)
			;
		if (pcre2_match(r->code, (PCRE2_SPTR)v + i, j - i, 0, 0, s->md, NULL) < 0)
			return 0;
		i = j + 1;
	}
	return 1;
}

static int
kbschema_check_node(const struct kbschema *s, xmlNode *n, const char *path, struct buf *b,
    char err[ERR_LEN])
{
	xmlAttr *a;
	size_t i;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		/* most elements have no attributes: the loop over the rules is per attribute */
		for (a = n->properties; a != NULL; a = a->next)
			for (i = 0; i < s->nrules; i++) {
				const struct kbschema_rule *r = &s->rules[i];
				xmlChar *v;

				if (a->ns != NULL || strcmp((const char *)a->name, r->attribute) != 0 ||
				    strcmp((const char *)n->name, r->element) != 0)
					continue;
				v = xmlNodeListGetString(n->doc, a->children, 1);
				kbschema_token(v ? (const char *)v : "", b);
				xmlFree(v);
				if (kbschema_value_ok(s, r, buf_str(b), b->len))
					continue;
				return err_set(err, "%s:%ld: <%s %s=\"%.80s\">: %s the schema's "
				    "pattern %s (schema)", path, xmlGetLineNo(n), r->element,
				    r->attribute, buf_str(b), r->list ?
				    "a word of the value does not match" : "the value does not match",
				    r->pattern);
			}
		if (n->children != NULL && kbschema_check_node(s, n->children, path, b, err) != 0)
			return -1;
	}
	return 0;
}

int
kbschema_check(const struct kbschema *s, xmlDocPtr doc, const char *path, char err[ERR_LEN])
{
	struct buf b = BUF_INIT;
	int rc;

	if (s == NULL || s->nrules == 0)
		return 0;
	rc = kbschema_check_node(s, xmlDocGetRootElement(doc), path, &b, err);
	buf_free(&b);
	return rc;
}

size_t
kbschema_nrules(const struct kbschema *s)
{
	return s ? s->nrules : 0;
}

void
kbschema_free(struct kbschema *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrules; i++) {
		pcre2_code_free(s->rules[i].code);
		free(s->rules[i].element);
		free(s->rules[i].attribute);
		free(s->rules[i].pattern);
	}
	free(s->rules);
	pcre2_match_data_free(s->md);
	free(s);
}
