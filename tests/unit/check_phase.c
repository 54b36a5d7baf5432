/*
 * phase: the one enum of SMTP phases and its texts (engine/smtp/phase.h),
 * which the relay's events write and the expert system reads back. The
 * texts are an interface: docs/events.md lists them.
 */
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "smtp/phase.h"
#include "testutil.h"

/* Every phase's text is one docs/events.md lists for "phase", in its order,
 * and parses back to the phase, in any case. */
START_TEST(texts_are_the_documented_ones)
{
	char *path = tu_src("docs/events.md"), *md = tu_read(path, NULL), *row, *end;
	struct buf doc = BUF_INIT, ours = BUF_INIT;
	char upper[32];
	int p;
	size_t i;

	row = strstr(md, "| `phase` | one of ");
	ck_assert(row != NULL);
	end = strstr(row + 19, " | ");
	for (row += 19; row < end; row++)
		if (*row != '`' && *row != ',')
			buf_putc(&doc, *row);
	ck_assert_ptr_null(smtp_phase_to_text(SMTP_PHASE_NONE));
	for (p = SMTP_PHASE_NONE + 1; smtp_phase_to_text((enum smtp_phase)p) != NULL; p++) {
		const char *t = smtp_phase_to_text((enum smtp_phase)p);

		buf_printf(&ours, "%s%s", ours.len ? " " : "", t);
		ck_assert_int_eq(smtp_phase_parse(t), p);
		for (i = 0; t[i] && i + 1 < sizeof(upper); i++)
			upper[i] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 32 : t[i]);
		upper[i] = '\0';
		ck_assert_int_eq(smtp_phase_parse(upper), p);
	}
	ck_assert_int_eq(p, SMTP_PHASE_QUIT + 1);
	ck_assert_str_eq(buf_str(&ours), buf_str(&doc));
	ck_assert_int_eq(smtp_phase_parse(NULL), SMTP_PHASE_NONE);
	ck_assert_int_eq(smtp_phase_parse(""), SMTP_PHASE_NONE);
	ck_assert_int_eq(smtp_phase_parse("end of data"), SMTP_PHASE_NONE);
	ck_assert_int_eq(smtp_phase_parse("bodyx"), SMTP_PHASE_NONE);
	ck_assert_ptr_null(smtp_phase_to_text((enum smtp_phase)(SMTP_PHASE_QUIT + 1)));
	ck_assert_ptr_null(smtp_phase_to_text((enum smtp_phase)-1));
	buf_free(&doc);
	buf_free(&ours);
	free(md);
	free(path);
}
END_TEST

/* The relay's states name the phases the events have always said. */
START_TEST(relay_states_map_to_their_phases)
{
	static const struct {
		enum relay_state	 s;
		const char		*phase;	/* NULL: none */
	} want[] = {
		{ RELAY_INIT, NULL }, { RELAY_CONNECT, "connect" },
		{ RELAY_GREETING, "greeting" }, { RELAY_EHLO, "helo" }, { RELAY_HELO, "helo" },
		{ RELAY_READY, NULL }, { RELAY_MAIL, "mail" }, { RELAY_RCPT, "rcpt" },
		{ RELAY_DATA, "data" }, { RELAY_BODY, "body" },
		{ RELAY_END_OF_DATA, "end-of-data" }, { RELAY_RSET, "mail" },
		{ RELAY_QUIT, "quit" }, { RELAY_CLOSED, NULL }, { RELAY_FAILED, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *got = smtp_phase_to_text(relay_state_phase(want[i].s));

		if (want[i].phase == NULL)
			ck_assert_msg(got == NULL, "%s: phase %s", relay_state_to_text(want[i].s),
			    got);
		else
			ck_assert_msg(got != NULL && strcmp(got, want[i].phase) == 0,
			    "%s: phase %s, want %s", relay_state_to_text(want[i].s),
			    got ? got : "(none)", want[i].phase);
	}
	ck_assert_int_eq(relay_state_phase((enum relay_state)1000), SMTP_PHASE_NONE);
}
END_TEST

Suite *
phase_suite(void)
{
	Suite *s = suite_create("phase");
	TCase *tc = tcase_create("phase");

	tcase_add_test(tc, texts_are_the_documented_ones);
	tcase_add_test(tc, relay_states_map_to_their_phases);
	suite_add_tcase(s, tc);
	return s;
}
