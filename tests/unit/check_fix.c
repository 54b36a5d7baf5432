/*
 * check_fix: the PROTOCOL.INI editor, its diff, apply and undo (fix.h).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fix.h"
#include "testutil.h"
#include "xmem.h"

/* Edit s; assert the result and the new bytes (NULL: no bytes). */
static void
edit_is(const char *s, enum fix_ini_result want, const char *bytes)
{
	struct buf out = BUF_INIT;
	char *section = NULL, *what = NULL;
	enum fix_ini_result r = fix_ini_force_push(s, strlen(s), &out, &section, &what);

	ck_assert_int_eq(r, want);
	if (bytes == NULL)
		ck_assert_uint_eq(out.len, 0);
	else {
		ck_assert_uint_eq(out.len, strlen(bytes));
		ck_assert_msg(memcmp(out.data, bytes, out.len) == 0, "got:\n%s\nwant:\n%s",
		    buf_str(&out), bytes);
		ck_assert_ptr_nonnull(section);
		ck_assert_ptr_nonnull(what);
	}
	free(section);
	free(what);
	buf_free(&out);
}

START_TEST(crlf_tcpip_line_added_at_end_of_section)
{
	edit_is("[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n"
	    "  IPADDRESS0 = 10 0 0 5\r\n\r\n[NETBEUI_XIF]\r\n  Drivername = netbeui$\r\n",
	    FIX_INI_EDITED,
	    "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n"
	    "  IPADDRESS0 = 10 0 0 5\r\n  ForcePushBit = 1\r\n\r\n[NETBEUI_XIF]\r\n"
	    "  Drivername = netbeui$\r\n");
}
END_TEST

START_TEST(lf_xif_existing_zero_replaced)
{
	edit_is("[protman]\nDRIVERNAME=PROTMAN$\n[tcpip_xif]\nDRIVERNAME=TCPIP$\n"
	    "forcepushbit=0 ; off for now\nLOADRCV=1\n", FIX_INI_EDITED,
	    "[protman]\nDRIVERNAME=PROTMAN$\n[tcpip_xif]\nDRIVERNAME=TCPIP$\n"
	    "forcepushbit=1 ; off for now\nLOADRCV=1\n");
}
END_TEST

START_TEST(crlf_xif_zero_replaced_case_kept)
{
	edit_is("[TCPIP_XIF]\r\n   DriverName = TCPIP$\r\n   ForcePushBit = 0\r\n",
	    FIX_INI_EDITED,
	    "[TCPIP_XIF]\r\n   DriverName = TCPIP$\r\n   ForcePushBit = 1\r\n");
}
END_TEST

START_TEST(last_line_without_line_end)
{
	edit_is("[TCPIP]\r\nDRIVERNAME=TCPIP$", FIX_INI_EDITED,
	    "[TCPIP]\r\nDRIVERNAME=TCPIP$\r\nForcePushBit=1");
	/* An empty section: after its header; a lone CR is the line end. */
	edit_is("[TCPIP]\r[X]\rA=1\r", FIX_INI_EDITED, "[TCPIP]\rForcePushBit=1\r[X]\rA=1\r");
	/* Bytes after a Ctrl-Z stay. */
	edit_is("[TCPIP]\r\nA=1\r\n\x1a junk", FIX_INI_EDITED,
	    "[TCPIP]\r\nA=1\r\nForcePushBit=1\r\n\x1a junk");
}
END_TEST

START_TEST(already_on_or_no_section)
{
	edit_is("[TCPIP]\r\nForcePushBit = 1\r\n", FIX_INI_ALREADY, NULL);
	edit_is("[TCPIP_XIF]\nDRIVERNAME=TCPIP$\nforcepushbit=1\n", FIX_INI_ALREADY, NULL);
	edit_is("[protman]\r\nDRIVERNAME=PROTMAN$\r\nForcePushBit=0\r\n", FIX_INI_NO_SECTION,
	    NULL);
	edit_is("", FIX_INI_NO_SECTION, NULL);
	/* "ForcePushBit" without '=' is no setting: a line is added. */
	edit_is("[TCPIP]\nForcePushBit\n", FIX_INI_EDITED, "[TCPIP]\nForcePushBit\nForcePushBit=1\n");
	/* A value that is not 0 or 1 is replaced too. */
	edit_is("[TCPIP]\nForcePushBit = yes\n", FIX_INI_EDITED, "[TCPIP]\nForcePushBit = 1\n");
}
END_TEST

START_TEST(diff_is_unified_with_context)
{
	const char *a = "[protman]\r\nP=1\r\n[TCPIP]\r\nD=TCPIP$\r\nI=1\r\n\r\n[N]\r\nA=1\r\nB=2\r\n";
	struct buf out = BUF_INIT, d = BUF_INIT;

	ck_assert_int_eq(fix_ini_force_push(a, strlen(a), &out, NULL, NULL), FIX_INI_EDITED);
	fix_diff("LANMAN.DOS/PROTOCOL.INI", a, strlen(a), out.data, out.len, &d);
	ck_assert_str_eq(buf_str(&d),
	    "--- a/LANMAN.DOS/PROTOCOL.INI\n+++ b/LANMAN.DOS/PROTOCOL.INI\n"
	    "@@ -3,6 +3,7 @@\n [TCPIP]\n D=TCPIP$\n I=1\n+ForcePushBit=1\n \n [N]\n A=1\n");
	buf_reset(&d);
	fix_diff("X", a, strlen(a), a, strlen(a), &d);
	ck_assert_uint_eq(d.len, 0);
	buf_free(&out);
	buf_free(&d);
}
END_TEST

START_TEST(hash_is_sha256)
{
	unsigned char h[FIX_HASH_LEN];
	char hex[2 * FIX_HASH_LEN + 1];

	fix_hash("abc", 3, h);
	fix_hash_hex(h, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

/* ---------------------------------------------------------------------- */

/* The rule base, loaded once before the tests fork. */
static struct kb *kb;

static void
kb_setup(void)
{
	tu_scratch_setup();
	kb = tu_kb_mini();
}

static void
kb_teardown(void)
{
	kb_free(kb);
	kb = NULL;
	tu_scratch_teardown();
}

/* A diagnosis with one incident whose causes are ids (first stands). */
static struct diagnosis *
diag_with(const char *first, int first_ruled_out, const char *second)
{
	struct diagnosis *d = xcalloc(1, sizeof(*d));
	struct diag_incident *inc;

	d->incidents = xcalloc(1, sizeof(*d->incidents));
	d->nincidents = 1;
	inc = &d->incidents[0];
	inc->article = xstrdup("Q123827");
	inc->causes = xcalloc(2, sizeof(*inc->causes));
	inc->ncauses = 2;
	inc->causes[0].id = xstrdup(first);
	inc->causes[0].ruled_out = first_ruled_out;
	inc->causes[1].id = xstrdup(second);
	return d;
}

#define INI_CRLF "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n" \
	"  ForcePushBit = 0\r\n  IPADDRESS0 = 10 0 0 5\r\n"

/* A DOS root under the scratch directory with lanman.dos/protocol.ini. */
static char *
dos_root(const char *name, const char *ini)
{
	char *root = tu_scratch_path(name), *sub, *path;

	ck_assert_int_eq(mkdir(root, 0755), 0);
	sub = xmalloc(strlen(root) + 32);
	path = xmalloc(strlen(root) + 64);
	snprintf(sub, strlen(root) + 32, "%s/lanman.dos", root);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(path, strlen(root) + 64, "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, ini);
	free(sub);
	free(path);
	return root;
}

static char *
ini_of(const char *root, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	return tu_read(path, len);
}

static int
exists_in(const char *root, const char *rel)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

START_TEST(plan_only_for_a_standing_push_cause)
{
	struct diagnosis *d = diag_with("peer-host-down", 0, "peer-requires-push");
	struct fix_plan *p;
	char err[ERR_LEN], *root = dos_root("plan-none", INI_CRLF);

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_uint_eq(p->narticles, 0);
	ck_assert_contains(p->notes[0], "No incident's standing cause");
	fix_plan_free(p);
	diag_free(d);
	/* The first cause ruled out: the next one stands. */
	d = diag_with("peer-host-down", 1, "peer-requires-push");
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_str_eq(p->edits[0].path, "lanman.dos/protocol.ini");
	ck_assert_str_eq(p->edits[0].section, "TCPIP");
	ck_assert_contains(p->edits[0].diff, "-  ForcePushBit = 0\n+  ForcePushBit = 1\n");
	ck_assert_contains(p->edits[0].what, "CR LF line ends kept");
	fix_plan_free(p);
	/* Without a root: a note, no edit. */
	ck_assert_int_eq(fix_plan(d, NULL, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_contains(p->notes[0], "--dos-root");
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(apply_then_undo_gives_the_original_back)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("apply-undo", INI_CRLF), *now;
	size_t len;
	struct stat st;
	char path[1024];

	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	ck_assert_contains(buf_str(&msg), "kbdiag fix --undo");
	now = ini_of(root, &len);
	ck_assert_uint_eq(len, p->edits[0].after_len);
	ck_assert(memcmp(now, p->edits[0].after, len) == 0);
	ck_assert_contains(now, "  ForcePushBit = 1\r\n");
	free(now);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert(exists_in(root, ".kbdiag/journal"));
	ck_assert(exists_in(root, ".kbdiag/protocol.ini.orig"));
	/* A second apply before an undo is refused. */
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	buf_reset(&msg);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	ck_assert_contains(buf_str(&msg), "Restored");
	now = ini_of(root, &len);
	ck_assert_uint_eq(len, strlen(INI_CRLF));
	ck_assert(memcmp(now, INI_CRLF, len) == 0);
	free(now);
	ck_assert(!exists_in(root, ".kbdiag"));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	/* Nothing left to undo. */
	buf_reset(&msg);
	ck_assert_int_eq(fix_undo(root, &msg, err), 1);
	ck_assert_contains(buf_str(&msg), "Nothing to undo");
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(undo_refused_after_a_hand_edit)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("hand-edit", INI_CRLF), *now, path[1024];
	const char *edited = "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n"
	    "  DRIVERNAME = TCPIP$\r\n  ForcePushBit = 1\r\n  IPADDRESS0 = 10 0 0 9\r\n";
	size_t len;

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_int_eq(fix_apply(p, root, &msg, err), 0);
	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, edited);
	buf_reset(&msg);
	ck_assert_int_eq(fix_undo(root, &msg, err), -1);
	ck_assert_contains(err, "changed since --apply");
	ck_assert_contains(err, ".kbdiag/protocol.ini.orig");
	ck_assert_contains(buf_str(&msg), "-  IPADDRESS0 = 10 0 0 5\n+  IPADDRESS0 = 10 0 0 9\n");
	now = ini_of(root, &len);
	ck_assert_str_eq(now, edited);
	free(now);
	ck_assert(exists_in(root, ".kbdiag/journal"));
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(apply_refused_when_the_file_changed)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("changed", INI_CRLF), *now, path[1024];
	size_t len;

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, INI_CRLF "; a comment\r\n");
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	ck_assert_contains(err, "changed since the plan");
	now = ini_of(root, &len);
	ck_assert_str_eq(now, INI_CRLF "; a comment\r\n");
	free(now);
	ck_assert(!exists_in(root, ".kbdiag/journal"));
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(bounded_and_no_links)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	char err[ERR_LEN], *root = dos_root("big", "[TCPIP]\r\n"), path[1024], link[1024];
	char *big = xmalloc(FIX_INI_MAX + 2);

	memset(big, ';', FIX_INI_MAX + 1);
	big[FIX_INI_MAX + 1] = '\0';
	memcpy(big, "[TCPIP]\r\n", 9);
	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, big);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), -1);
	ck_assert_contains(err, "more than the");
	free(big);
	/* A link named PROTOCOL.INI is not followed: no file to edit. */
	ck_assert_int_eq(unlink(path), 0);
	snprintf(link, sizeof(link), "%s/PROTOCOL.INI", root);
	ck_assert_int_eq(symlink("/etc/hostname", link), 0);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_contains(p->notes[0], "No PROTOCOL.INI");
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(old_tcptsr_warns)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	char err[ERR_LEN], *root = dos_root("old-tcptsr", INI_CRLF), path[1024];
	struct timespec ts[2] = { { 700000000, 0 }, { 700000000, 0 } };	/* 1992 */

	snprintf(path, sizeof(path), "%s/lanman.dos/TCPTSR.EXE", root);
	tu_write_str(path, "MZ old build");
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_uint_eq(p->nwarnings, 1);
	ck_assert_contains(p->warnings[0], "older than 2.2b");
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

Suite *
fix_suite(void)
{
	Suite *s = suite_create("fix");
	TCase *tc = tcase_create("fix");

	tcase_add_unchecked_fixture(tc, kb_setup, kb_teardown);
	tcase_add_test(tc, crlf_tcpip_line_added_at_end_of_section);
	tcase_add_test(tc, lf_xif_existing_zero_replaced);
	tcase_add_test(tc, crlf_xif_zero_replaced_case_kept);
	tcase_add_test(tc, last_line_without_line_end);
	tcase_add_test(tc, already_on_or_no_section);
	tcase_add_test(tc, diff_is_unified_with_context);
	tcase_add_test(tc, hash_is_sha256);
	tcase_add_test(tc, plan_only_for_a_standing_push_cause);
	tcase_add_test(tc, apply_then_undo_gives_the_original_back);
	tcase_add_test(tc, undo_refused_after_a_hand_edit);
	tcase_add_test(tc, apply_refused_when_the_file_changed);
	tcase_add_test(tc, bounded_and_no_links);
	tcase_add_test(tc, old_tcptsr_warns);
	suite_add_tcase(s, tc);
	return s;
}
