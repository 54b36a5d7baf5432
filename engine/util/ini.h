/*
 * ini: the line model of a DOS text file, with byte offsets, so that the
 * PROTOCOL.INI probe reads and the fix editor changes one byte range while
 * keeping every other byte as it was.
 *
 * The text is the bytes up to the first Ctrl-Z (an MS-DOS end of file), after
 * a UTF-8 byte order mark an editor may have put first. A line ends at CR LF,
 * LF or CR alone. Each line is classified the way the TCP/IP driver's INI
 * reader takes it (blanks are spaces and tabs):
 *
 *   INI_BLANK    nothing but blanks
 *   INI_COMMENT  first non-blank is ';'
 *   INI_SECTION  first non-blank is '['; name: up to the first ']' (the rest
 *                of the line when there is none), trimmed
 *   INI_ENTRY    NAME = VALUE: name before the first '=', value after it,
 *                both trimmed; a ';' comment after an unquoted value is not
 *                part of the value
 *   INI_OTHER    anything else; name: the whole line trimmed
 *
 * Batch files use the same lines and ignore the kinds.
 */
#ifndef KBDIAG_INI_H
#define KBDIAG_INI_H

#include <stddef.h>

enum ini_kind {
	INI_BLANK,
	INI_COMMENT,
	INI_SECTION,
	INI_ENTRY,
	INI_OTHER
};

struct ini_line {
	enum ini_kind	 kind;
	size_t		 start;		/* first byte of the line */
	size_t		 content_end;	/* before the line end */
	size_t		 end;		/* after the line end */
	size_t		 name_start, name_end;	/* SECTION, ENTRY, OTHER: as above;
						   else both content_end */
	size_t		 eq;		/* ENTRY: the '='; else content_end */
	size_t		 value_start, value_end;	/* ENTRY: as above; else both
							   content_end */
	long		 section;	/* index of the INI_SECTION line this one is
					   under (a section line: itself), -1: none */
};

/* How many bytes of data are text: up to the first Ctrl-Z, else len. */
size_t ini_text_len(const char *data, size_t len);
/* The length of a UTF-8 byte order mark that starts data: 3, or 0. */
size_t ini_bom(const char *data, size_t len);

/*
 * The lines of the text of data, *n of them (0 for an empty text; then the
 * result may be NULL). Any bytes; never fails. The caller frees the array.
 */
struct ini_line *ini_lines(const char *data, size_t len, size_t *n);

/* "blank", "comment", "section", "entry", "other". */
const char *ini_kind_to_text(enum ini_kind k);

#endif
