/* phase: the SMTP phases and their texts (see phase.h). */
#include <stddef.h>
#include <strings.h>

#include "phase.h"

static const char *const smtp_phase_texts[] = {
#define SMTP_PHASE_TEXT(name, text) text,
	SMTP_PHASE_LIST(SMTP_PHASE_TEXT)
#undef SMTP_PHASE_TEXT
};

#define SMTP_PHASE_N	(sizeof(smtp_phase_texts) / sizeof(smtp_phase_texts[0]))

const char *
smtp_phase_to_text(enum smtp_phase p)
{
	return (size_t)p < SMTP_PHASE_N ? smtp_phase_texts[p] : NULL;
}

enum smtp_phase
smtp_phase_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < SMTP_PHASE_N; i++)
		if (smtp_phase_texts[i] != NULL && strcasecmp(name, smtp_phase_texts[i]) == 0)
			return (enum smtp_phase)i;
	return SMTP_PHASE_NONE;
}
