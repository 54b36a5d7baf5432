/*
 * kbschema: the attribute patterns lifted out of the RelaxNG schema and
 * checked with PCRE2, directly (issue 16: the module was only tested through
 * kb_load). Small schemas written here hold each rule of kbschema.h: what is
 * lifted (inline, through a define, a list of tokens), what stays for libxml2
 * (uses that disagree, a define used elsewhere, a pattern in element content),
 * the token normalisation, and the error's file, line, element, attribute and
 * pattern. The real schema is lifted too, and the real rule base passes it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "kbschema.h"
#include "testutil.h"

#define RNG_HEAD "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\" " \
	"datatypeLibrary=\"http://www.w3.org/2001/XMLSchema-datatypes\">"
#define RNG_TAIL "</grammar>"

static xmlDocPtr
parse(const char *xml)
{
	xmlDocPtr d = xmlReadMemory(xml, (int)strlen(xml), "test.xml", NULL, XML_PARSE_NONET);

	ck_assert_msg(d != NULL, "not XML: %s", xml);
	return d;
}

static struct kbschema *
lift(xmlDocPtr rng)
{
	struct kbschema *s = NULL;
	char err[ERR_LEN] = "";

	ck_assert_msg(kbschema_lift(rng, &s, err) == 0, "%s", err);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* kbschema_check() of one document; err gets the message. */
static int
check(const struct kbschema *s, const char *xml, char err[ERR_LEN])
{
	xmlDocPtr d = parse(xml);
	int rc;

	err[0] = '\0';
	rc = kbschema_check(s, d, "doc.xml", err);
	xmlFreeDoc(d);
	return rc;
}

/* How many <param name="pattern"> the schema still holds. */
static int
params_left(xmlDocPtr rng)
{
	xmlChar *text;
	int size, n = 0;
	const char *at;

	xmlDocDumpMemory(rng, &text, &size);
	for (at = (const char *)text; (at = strstr(at, "name=\"pattern\"")) != NULL; at++)
		n++;
	xmlFree(text);
	return n;
}

/* Does libxml2 still compile the schema, and does it accept the document? */
static int
relaxng_accepts(xmlDocPtr rng, const char *xml)
{
	xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewDocParserCtxt(rng);
	xmlRelaxNGPtr schema = xmlRelaxNGParse(pc);
	xmlRelaxNGValidCtxtPtr vc;
	xmlDocPtr d = parse(xml);
	int rc;

	ck_assert_msg(schema != NULL, "the lifted schema no longer compiles");
	vc = xmlRelaxNGNewValidCtxt(schema);
	xmlRelaxNGSetValidStructuredErrors(vc, NULL, NULL);
	rc = xmlRelaxNGValidateDoc(vc, d);
	xmlRelaxNGFreeValidCtxt(vc);
	xmlRelaxNGFree(schema);
	xmlRelaxNGFreeParserCtxt(pc);
	xmlFreeDoc(d);
	return rc == 0;
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
setup(void)
{
	xmlSetGenericErrorFunc(NULL, quiet);
}

/* An inline token pattern on an attribute: lifted, taken out of the schema,
 * checked on the whole value after token normalisation. */
START_TEST(inline_pattern_lifted_and_checked)
{
	xmlDocPtr rng = parse(RNG_HEAD
	    "<start><element name=\"a\"><attribute name=\"id\">"
	    "<data type=\"token\"><param name=\"pattern\">[a-z]+[0-9]*</param></data>"
	    "</attribute><empty/></element></start>" RNG_TAIL);
	struct kbschema *s = lift(rng);
	char err[ERR_LEN];

	ck_assert_uint_eq(kbschema_nrules(s), 1);
	ck_assert_int_eq(params_left(rng), 0);
	ck_assert_int_eq(check(s, "<a id=\"abc12\"/>", err), 0);
	ck_assert_int_eq(check(s, "<a id=\"  abc12 \n\"/>", err), 0);	/* token: trimmed */
	/* the whole value: no partial match */
	ck_assert_int_eq(check(s, "<a id=\"abc12x\"/>", err), -1);
	ck_assert_int_eq(check(s, "<a id=\"abc\n12\"/>", err), -1);	/* "abc 12" */
	ck_assert_int_eq(check(s, "<a id=\"9\"/>", err), -1);
	ck_assert_str_eq(err, "doc.xml:1: <a id=\"9\">: the value does not match the "
	    "schema's pattern [a-z]+[0-9]* (schema)");
	/* libxml2 no longer holds the pattern: it accepts what kbschema refuses */
	ck_assert(relaxng_accepts(rng, "<a id=\"9\"/>"));
	kbschema_free(s);
	xmlFreeDoc(rng);
}
END_TEST

/* A pattern through a define, and a list of such tokens: each word checked. */
START_TEST(define_and_list_lifted)
{
	xmlDocPtr rng = parse(RNG_HEAD
	    "<start><element name=\"r\">"
	    "<attribute name=\"ref\"><ref name=\"slug\"/></attribute>"
	    "<optional><attribute name=\"tags\"><ref name=\"slugs\"/></attribute></optional>"
	    "<zeroOrMore><element name=\"c\"><attribute name=\"ref\"><ref name=\"slug\"/>"
	    "</attribute><empty/></element></zeroOrMore>"
	    "</element></start>"
	    "<define name=\"slug\"><data type=\"token\"><param name=\"pattern\">[a-z]+(-[a-z]+)*"
	    "</param></data></define>"
	    "<define name=\"slugs\"><list><oneOrMore><ref name=\"slug\"/></oneOrMore></list></define>"
	    RNG_TAIL);
	struct kbschema *s = lift(rng);
	char err[ERR_LEN];

	/* r/ref, r/tags (a list) and c/ref */
	ck_assert_uint_eq(kbschema_nrules(s), 3);
	ck_assert_int_eq(params_left(rng), 0);
	ck_assert_int_eq(check(s, "<r ref=\"a-b\" tags=\"x  y-z\tw\"><c ref=\"q\"/></r>", err), 0);
	ck_assert_int_eq(check(s, "<r ref=\"a-b\" tags=\"x Y\"/>", err), -1);
	ck_assert_ptr_nonnull(strstr(err, "<r tags=\"x Y\">: a word of the value does not match"));
	ck_assert_int_eq(check(s, "<r ref=\"a-b\" tags=\"   \"/>", err), -1);	/* oneOrMore */
	/* the nested element's line is named */
	ck_assert_int_eq(check(s, "<r ref=\"a\">\n\n<c ref=\"a--b\"/></r>", err), -1);
	ck_assert_ptr_nonnull(strstr(err, "doc.xml:3: <c ref=\"a--b\">"));
	/* an attribute in a namespace is not the schema's attribute */
	ck_assert_int_eq(check(s, "<r xmlns:o=\"urn:o\" ref=\"a\" o:ref=\"NOT\"/>", err), 0);
	ck_assert(relaxng_accepts(rng, "<r ref=\"A\" tags=\"B\"><c ref=\"C\"/></r>"));
	kbschema_free(s);
	xmlFreeDoc(rng);
}
END_TEST

/* The same element and attribute with two patterns: nothing lifted for it,
 * the schema keeps both, and libxml2 still refuses bad values. */
START_TEST(disagreeing_uses_stay_in_the_schema)
{
	xmlDocPtr rng = parse(RNG_HEAD
	    "<start><choice>"
	    "<element name=\"a\"><attribute name=\"id\"><data type=\"token\">"
	    "<param name=\"pattern\">[a-z]+</param></data></attribute><empty/></element>"
	    "<element name=\"a\"><attribute name=\"id\"><data type=\"token\">"
	    "<param name=\"pattern\">[0-9]+</param></data></attribute><empty/></element>"
	    "</choice></start>" RNG_TAIL);
	struct kbschema *s = lift(rng);
	char err[ERR_LEN];

	ck_assert_uint_eq(kbschema_nrules(s), 0);
	ck_assert_int_eq(params_left(rng), 2);
	ck_assert_int_eq(check(s, "<a id=\"!!\"/>", err), 0);	/* not kbschema's to refuse */
	ck_assert(!relaxng_accepts(rng, "<a id=\"!!\"/>"));
	ck_assert(relaxng_accepts(rng, "<a id=\"42\"/>"));
	kbschema_free(s);
	xmlFreeDoc(rng);
}
END_TEST

/* A define that is also used in element content cannot lose its pattern;
 * a pattern in element content is never lifted. */
START_TEST(define_used_elsewhere_stays)
{
	xmlDocPtr rng = parse(RNG_HEAD
	    "<start><element name=\"a\">"
	    "<attribute name=\"id\"><ref name=\"word\"/></attribute>"
	    "<element name=\"b\"><ref name=\"word\"/></element>"
	    "<element name=\"n\"><data type=\"token\"><param name=\"pattern\">[0-9]+</param>"
	    "</data></element>"
	    "</element></start>"
	    "<define name=\"word\"><data type=\"token\"><param name=\"pattern\">[a-z]+</param>"
	    "</data></define>" RNG_TAIL);
	struct kbschema *s = lift(rng);

	ck_assert_uint_eq(kbschema_nrules(s), 0);
	ck_assert_int_eq(params_left(rng), 2);
	ck_assert(!relaxng_accepts(rng, "<a id=\"X\"><b>x</b><n>1</n></a>"));
	ck_assert(!relaxng_accepts(rng, "<a id=\"x\"><b>x</b><n>z</n></a>"));
	ck_assert(relaxng_accepts(rng, "<a id=\"x\"><b>x</b><n>1</n></a>"));
	kbschema_free(s);
	xmlFreeDoc(rng);
}
END_TEST

/* A pattern PCRE2 cannot compile: -1, the element and attribute named. */
START_TEST(uncompilable_pattern_is_an_error)
{
	xmlDocPtr rng = parse(RNG_HEAD
	    "<start><element name=\"a\"><attribute name=\"id\">"
	    "<data type=\"token\"><param name=\"pattern\">[a-z</param></data>"
	    "</attribute><empty/></element></start>" RNG_TAIL);
	struct kbschema *s = (struct kbschema *)&s;
	char err[ERR_LEN] = "";

	ck_assert_int_eq(kbschema_lift(rng, &s, err), -1);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err, "the pattern of <a id> cannot be compiled"));
	xmlFreeDoc(rng);
}
END_TEST

/* No rules: every document passes; NULL is allowed where the header says. */
START_TEST(empty_and_null)
{
	xmlDocPtr rng = parse(RNG_HEAD "<start><element name=\"a\"><empty/></element></start>"
	    RNG_TAIL);
	struct kbschema *s = lift(rng);
	char err[ERR_LEN];

	ck_assert_uint_eq(kbschema_nrules(s), 0);
	ck_assert_int_eq(check(s, "<a id=\"anything\"/>", err), 0);
	ck_assert_int_eq(check(NULL, "<a/>", err), 0);
	ck_assert_uint_eq(kbschema_nrules(NULL), 0);
	kbschema_free(NULL);
	kbschema_free(s);
	xmlFreeDoc(rng);
}
END_TEST

/* The real schema: its identifiers are lifted, what is left still compiles,
 * and every document of the real rule base passes both. */
START_TEST(real_schema_and_rule_base)
{
	char *path = tu_src("kb/schema/kb.rng"), *arts = tu_src("kb/articles");
	xmlDocPtr rng = xmlReadFile(path, NULL, XML_PARSE_NONET);
	int before, checked = 0;
	struct kbschema *s;
	struct dirent *e;
	DIR *d;
	char err[ERR_LEN];

	ck_assert_ptr_nonnull(rng);
	before = params_left(rng);
	s = lift(rng);
	ck_assert_uint_ge(kbschema_nrules(s), 5);
	ck_assert_int_lt(params_left(rng), before);
	ck_assert_ptr_nonnull(d = opendir(arts));
	while ((e = readdir(d)) != NULL) {
		char *file;
		xmlDocPtr doc;
		size_t n = strlen(e->d_name);

		if (n < 4 || strcmp(e->d_name + n - 4, ".xml") != 0)
			continue;
		file = tu_join(arts, e->d_name);
		ck_assert_ptr_nonnull(doc = xmlReadFile(file, NULL, XML_PARSE_NONET));
		ck_assert_msg(kbschema_check(s, doc, file, err) == 0, "%s", err);
		xmlFreeDoc(doc);
		free(file);
		checked++;
	}
	closedir(d);
	ck_assert_int_ge(checked, 100);
	kbschema_free(s);
	xmlFreeDoc(rng);
	free(arts);
	free(path);
}
END_TEST

Suite *
kbschema_suite(void)
{
	Suite *s = suite_create("kbschema");
	TCase *tc = tcase_create("kbschema");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, inline_pattern_lifted_and_checked);
	tcase_add_test(tc, define_and_list_lifted);
	tcase_add_test(tc, disagreeing_uses_stay_in_the_schema);
	tcase_add_test(tc, define_used_elsewhere_stays);
	tcase_add_test(tc, uncompilable_pattern_is_an_error);
	tcase_add_test(tc, empty_and_null);
	tcase_add_test(tc, real_schema_and_rule_base);
	suite_add_tcase(s, tc);
	return s;
}
