/*
 * Fuzz target: the rule base's tables (kb/tables/: tcptsr, protocol-ini,
 * builds, switches, peers), any bytes, in the real rule base (kbdoc.h). The
 * first byte of the input picks the table.
 */
#include <stddef.h>
#include <stdint.h>

static const char *
kbdoc_table(const uint8_t *data, size_t size, const uint8_t **rest, size_t *nrest)
{
	static const char *const tables[] = {
		"tables/tcptsr.xml", "tables/protocol-ini.xml", "tables/builds.xml",
		"tables/switches.xml", "tables/peers.xml"
	};

	if (size == 0) {
		*rest = data;
		*nrest = 0;
		return tables[0];
	}
	*rest = data + 1;
	*nrest = size - 1;
	return tables[data[0] % 5];
}

#define KBDOC_PATH(d, n, dp, np)	kbdoc_table((d), (n), (dp), (np))
#include "kbdoc.h"
