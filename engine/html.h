/*
 * html: the HTML document that every kbdiag report is (diagnose, query,
 * probe, report, fix): one stylesheet for the screen and for print, and
 * the few helpers that build a libxml2 tree, so that everything taken from
 * a log is escaped by construction when libxml2 serialises it.
 *
 * Ownership: html_doc_new() returns a document that html_doc_end() frees
 * (whether or not it could serialise it); the helpers return nodes owned by
 * their parent. Text arguments are UTF-8 and copied; NULL text makes an
 * empty element.
 */
#ifndef KBDIAG_HTML_H
#define KBDIAG_HTML_H

#include <libxml/tree.h>

#include "util/buf.h"
#include "util/err.h"

/* The stylesheet (screen and @media print), for a test or another document. */
extern const char html_css[];

/* A new document titled title (also its h1); *body is where content goes. */
xmlDocPtr html_doc_new(const char *title, xmlNodePtr *body);
/* Serialise doc into out with its doctype and free it; 0, or -1 with err. */
int html_doc_end(xmlDocPtr doc, struct buf *out, char err[ERR_LEN]);
/*
 * A long document written in parts, never held whole: the parts' place is
 * marked (html_mark(): the marker is the last child of parent), the rest of
 * the document made, and html_doc_parts() ends it instead of
 * html_doc_end(): the document is serialised and split at the mark, then
 * each of the n parts is made by make(ctx, parent, i) as the last child of
 * parent (the mark's), serialised where the mark is and freed, out handed
 * to sink (render_sink.h) whenever it holds a part's worth, then the tail.
 * The bytes are those html_doc_end() gives for the whole; doc is freed. 0,
 * or -1 with err.
 */
xmlNodePtr html_mark(xmlNodePtr parent);
struct render_sink;
int html_doc_parts(xmlDocPtr doc, xmlNodePtr mark, size_t n,
    void (*make)(void *ctx, xmlNodePtr parent, size_t i), void *ctx, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN]);
/* <name>text</name> appended to parent. */
xmlNodePtr html_el(xmlNodePtr parent, const char *name, const char *text);
/* The same, the text made with printf. */
xmlNodePtr html_elf(xmlNodePtr parent, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A text node appended to parent. */
void html_text(xmlNodePtr parent, const char *text);
/* An attribute; returns n. */
xmlNodePtr html_attr(xmlNodePtr n, const char *name, const char *value);

#endif
