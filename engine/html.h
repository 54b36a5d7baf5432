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
