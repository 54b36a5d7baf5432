/*
 * html: the shared HTML document and its stylesheet.
 */
#include "html.h"

#include "render_sink.h"

#include <stdarg.h>
#include <string.h>

#include <libxml/HTMLtree.h>

/*
 * The screen: a readable column, the verdict in a box, facts as a two-column
 * grid, probes as a table whose failed rows stand out (also by a mark in the
 * text, for readers without colour). Print: the whole width, no heading at
 * the foot of a page without what follows it, no row or item cut in two.
 */
const char html_css[] =
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:62em;margin:1em auto;"
    "padding:0 1em;line-height:1.45;color:#1b1b1b}"
    "h1{font-size:1.45em;margin:.3em 0 .5em}"
    "h2{font-size:1.2em;margin:1.6em 0 .5em;padding-bottom:.15em;border-bottom:1px solid #ccc}"
    "h3{font-size:1.02em;margin:1.1em 0 .35em}"
    "code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:.92em}"
    "code{background:#f1f1f1;padding:0 .2em;border-radius:2px}"
    "pre{background:#f6f6f6;padding:.4em .6em;white-space:pre-wrap;overflow-wrap:anywhere}"
    ".verdict{border:2px solid #b3261e;background:#fff6f5;padding:.5em 1em .7em;"
    "border-radius:4px}"
    ".verdict.clear{border-color:#2e7d32;background:#f3faf3}"
    ".verdict.unread{border-color:#8a6d00;background:#fffbea}"
    ".verdict h2{margin-top:.2em;border:0}"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.4em 0}"
    "dl.facts dt{font-weight:bold}dl.facts dd{margin:0}"
    "table{border-collapse:collapse;width:100%;margin:.3em 0}"
    "th,td{border:1px solid #d6d6d6;padding:.2em .45em;text-align:left;vertical-align:top}"
    "th{background:#f1f1f1}"
    "tr.failed td{background:#fdeceb}tr.failed td.mark{color:#b3261e;font-weight:bold}"
    "tr.skipped td{color:#666}table.probes td:nth-child(-n+3){white-space:nowrap}"
    ".confidence{font-weight:bold}.ruled-out{color:#666}"
    "details summary{cursor:pointer;color:#444}"
    "ol.causes>li,ol.steps>li{margin:.3em 0}"
    "@media print{body{max-width:none;margin:0;font-size:10.5pt}"
    "h1,h2,h3,dt,summary{break-after:avoid;page-break-after:avoid}"
    "li,tr,dd,pre,.verdict,dl.facts{break-inside:avoid;page-break-inside:avoid}"
    "section.incident{break-before:auto}a{color:inherit;text-decoration:none}}";

xmlNodePtr
html_el(xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);

	if (text != NULL)
		xmlAddChild(n, xmlNewText(BAD_CAST text));
	return n;
}

xmlNodePtr
html_elf(xmlNodePtr parent, const char *name, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	xmlNodePtr n;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	n = html_el(parent, name, buf_str(&b));
	buf_free(&b);
	return n;
}

void
html_text(xmlNodePtr parent, const char *text)
{
	xmlAddChild(parent, xmlNewText(BAD_CAST text));
}

xmlNodePtr
html_attr(xmlNodePtr n, const char *name, const char *value)
{
	xmlNewProp(n, BAD_CAST name, BAD_CAST value);
	return n;
}

xmlDocPtr
html_doc_new(const char *title, xmlNodePtr *body)
{
	xmlDocPtr doc = htmlNewDocNoDtD(NULL, NULL);
	xmlNodePtr html = xmlNewNode(NULL, BAD_CAST "html"), head;

	html_attr(html, "lang", "en");
	xmlDocSetRootElement(doc, html);
	head = html_el(html, "head", NULL);
	html_attr(html_el(head, "meta", NULL), "charset", "utf-8");
	html_attr(html_attr(html_el(head, "meta", NULL), "name", "viewport"), "content",
	    "width=device-width, initial-scale=1");
	html_el(head, "title", title);
	html_el(head, "style", html_css);
	*body = html_el(html, "body", NULL);
	html_el(*body, "h1", title);
	return doc;
}

/* The document's bytes (html_doc_end()'s), the document kept. */
static int
html_doc_dump(xmlDocPtr doc, struct buf *out, char err[ERR_LEN])
{
	xmlChar *mem = NULL;
	int size = 0;

	htmlDocDumpMemoryFormat(doc, &mem, &size, 1);
	if (mem == NULL)
		return err_set(err, "cannot serialise the HTML report");
	buf_puts(out, "<!DOCTYPE html>\n");
	buf_append(out, mem, (size_t)size);
	xmlFree(mem);
	return 0;
}

int
html_doc_end(xmlDocPtr doc, struct buf *out, char err[ERR_LEN])
{
	int rc = html_doc_dump(doc, out, err);

	xmlFreeDoc(doc);
	return rc;
}

#define HTML_MARK	"kbdiag:parts"

xmlNodePtr
html_mark(xmlNodePtr parent)
{
	return xmlAddChild(parent, xmlNewComment(BAD_CAST HTML_MARK));
}

static int
html_doc_split(xmlDocPtr doc, struct buf *head, struct buf *tail, char err[ERR_LEN])
{
	static const char mark[] = "<!--" HTML_MARK "-->";
	struct buf all = BUF_INIT;
	const char *at;

	if (html_doc_dump(doc, &all, err) != 0)
		return -1;
	/* text from the logs is escaped: "<!--" is only ever the mark's */
	if ((at = strstr(buf_str(&all), mark)) == NULL) {
		buf_free(&all);
		return err_set(err, "cannot serialise the HTML report");
	}
	buf_append(head, all.data, (size_t)(at - all.data));
	buf_puts(tail, at + sizeof(mark) - 1);
	buf_free(&all);
	return 0;
}

static int
html_part(xmlDocPtr doc, xmlNodePtr mark, xmlNodePtr part, int last, struct buf *out,
    char err[ERR_LEN])
{
	const char *enc = (const char *)htmlGetMetaEncoding(doc);
	xmlCharEncodingHandlerPtr h = NULL;
	xmlOutputBufferPtr ob;
	int rc = 0;

	/* the encoding htmlDocDumpMemoryFormat() writes the whole in */
	if (enc != NULL)
		h = xmlFindCharEncodingHandler(enc);
	if (h == NULL)
		h = xmlFindCharEncodingHandler("HTML");
	if (h == NULL)
		h = xmlFindCharEncodingHandler("ascii");
	/*
	 * Before the mark, so that it is followed as in the whole document;
	 * but the last part where nothing follows the mark stays last (libxml2
	 * ends an element that nothing follows without a newline).
	 */
	if (!last || part->prev != mark || part->next != NULL)
		xmlAddPrevSibling(mark, part);
	if ((ob = xmlAllocOutputBuffer(h)) == NULL)
		rc = err_set(err, "cannot serialise the HTML report");
	else {
		htmlNodeDumpFormatOutput(ob, doc, part, enc, 1);
		xmlOutputBufferFlush(ob);
		if (ob->error)
			rc = err_set(err, "cannot serialise the HTML report");
		else if (ob->conv != NULL)	/* as htmlDocDumpMemoryFormat() reads it */
			buf_append(out, xmlBufContent(ob->conv), xmlBufUse(ob->conv));
		else
			buf_append(out, xmlBufContent(ob->buffer), xmlBufUse(ob->buffer));
		xmlOutputBufferClose(ob);
	}
	xmlUnlinkNode(part);
	xmlFreeNode(part);
	return rc;
}

int
html_doc_parts(xmlDocPtr doc, xmlNodePtr mark, size_t n,
    void (*make)(void *ctx, xmlNodePtr parent, size_t i), void *ctx, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN])
{
	struct buf tail = BUF_INIT;
	/*
	 * libxml2 puts a block's children on lines of their own only when it
	 * has more than one: the mark alone in it stands for n parts
	 */
	int alone = mark->prev == NULL && mark->next == NULL && n > 1;
	size_t i;
	int rc;

	if ((rc = html_doc_split(doc, out, &tail, err)) == 0 && alone)
		buf_putc(out, '\n');
	if (rc == 0)
		for (i = 0; i < n && rc == 0; i++) {
			make(ctx, mark->parent, i);
			rc = html_part(doc, mark, xmlGetLastChild(mark->parent), i + 1 == n, out,
			    err);
			render_sink_part(out, sink);
		}
	if (rc == 0 && alone)
		buf_putc(out, '\n');
	if (rc == 0)
		buf_append(out, tail.data, tail.len);
	buf_free(&tail);
	xmlFreeDoc(doc);
	return rc;
}
