/*
 * probe_dos: the DOS client's files under dos_root (tcptsr, protocol-ini,
 * stack).
 *
 * Files are found without regard to case by walking the tree (at most
 * PROBE_DOS_MAX_DEPTH levels and PROBE_DOS_MAX_ENTRIES entries); symbolic
 * links are never followed, so nothing outside the root is read.
 *
 * PROTOCOL.INI is read by a real INI parser: CR LF, LF or CR line ends, a
 * last line without one, a Ctrl-Z (0x1A) at the end, ';' comments, names
 * and sections without regard to case, blanks around '='.
 */
#ifndef KBDIAG_PROBE_DOS_H
#define KBDIAG_PROBE_DOS_H

#include <stddef.h>

#include "kb.h"
#include "probe.h"

#define PROBE_DOS_MAX_DEPTH	8
#define PROBE_DOS_MAX_ENTRIES	20000
#define PROBE_DOS_INI_MAX	(1024 * 1024)	/* bytes of PROTOCOL.INI read */

/*
 * Fill the four results (prepared by probe_result_init()) from the files
 * under root: tcptsr, protocol-ini's ForcePushBit, protocol-ini's section,
 * stack.
 */
void probe_dos_run(const char *root, const struct kb *kb, struct probe_result *tcptsr,
    struct probe_result *push, struct probe_result *section, struct probe_result *stack);

/*
 * The INI parser: calls on_entry for each section header (name and value
 * NULL) and each name=value (section "" before the first header) with the
 * 1-based line; a non-zero return stops it. Names, values and sections are
 * trimmed, a ';' comment after an unquoted value is dropped; a line that is
 * neither a section, an entry, a comment nor blank is passed with value
 * NULL.
 */
void probe_dos_ini_parse(const char *data, size_t len,
    int (*on_entry)(void *arg, const char *section, const char *name,
    const char *value, unsigned line), void *arg);

/* PROTOCOL.INI's bytes into the push and section results; target names it. */
void probe_dos_protocol_ini(const char *data, size_t len, const char *target,
    struct probe_result *push, struct probe_result *section);

#endif
