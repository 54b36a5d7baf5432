/*
 * check_fix: the declared edits (kb/fixes.xml) through the editor, the diff,
 * apply and undo on real files (fix.h): every example of every fix round-trips
 * byte for byte with LF, CR LF and CR line ends, and the conditions under
 * which a fix does not apply leave the files alone.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "diag.h"
#include "fix.h"
#include "probe_dos.h"
#include "rank.h"
#include "testutil.h"
#include "util/text.h"
#include "util/xmem.h"

/* The whole rule base, loaded once before the tests fork. */
static struct kb *kb;

static void
kb_setup(void)
{
	tu_scratch_setup();
	kb = tu_kb();
}

static void
kb_teardown(void)
{
	kb_free(kb);
	kb = NULL;
	tu_scratch_teardown();
}

static const struct kb_fix *
fix_named(const char *id)
{
	const struct kb_fix *f = kb_find_fix(kb, id);

	ck_assert_msg(f != NULL, "no fix %s in the rule base", id);
	return f;
}

/* Edit s with fix id; assert the result and the new bytes (NULL: none). */
static void
edit_is(const char *id, const char *s, enum fix_status want, const char *bytes)
{
	struct buf out = BUF_INIT;
	char *what = NULL;
	enum fix_status r = fix_edit_text(fix_named(id), s, strlen(s), &out, &what);

	ck_assert_msg(r == want, "%s: got %s (%s), want %s", id, fix_status_name(r), what,
	    fix_status_name(want));
	ck_assert_ptr_nonnull(what);
	if (bytes == NULL)
		ck_assert_uint_eq(out.len, 0);
	else {
		ck_assert_uint_eq(out.len, strlen(bytes));
		ck_assert_msg(memcmp(out.data, bytes, out.len) == 0, "got:\n%s\nwant:\n%s",
		    buf_str(&out), bytes);
	}
	free(what);
	buf_free(&out);
}

#define PUSH	"force-push-bit"

START_TEST(crlf_tcpip_line_added_at_end_of_section)
{
	edit_is(PUSH, "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n"
	    "  IPADDRESS0 = 10 0 0 5\r\n\r\n[NETBEUI_XIF]\r\n  Drivername = netbeui$\r\n",
	    FIX_EDITED,
	    "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n"
	    "  IPADDRESS0 = 10 0 0 5\r\n  ForcePushBit = 1\r\n\r\n[NETBEUI_XIF]\r\n"
	    "  Drivername = netbeui$\r\n");
}
END_TEST

START_TEST(lf_xif_existing_zero_replaced)
{
	edit_is(PUSH, "[protman]\nDRIVERNAME=PROTMAN$\n[tcpip_xif]\nDRIVERNAME=TCPIP$\n"
	    "forcepushbit=0 ; off for now\nLOADRCV=1\n", FIX_EDITED,
	    "[protman]\nDRIVERNAME=PROTMAN$\n[tcpip_xif]\nDRIVERNAME=TCPIP$\n"
	    "forcepushbit=1 ; off for now\nLOADRCV=1\n");
	edit_is(PUSH, "[TCPIP_XIF]\r\n   DriverName = TCPIP$\r\n   ForcePushBit = 0\r\n",
	    FIX_EDITED, "[TCPIP_XIF]\r\n   DriverName = TCPIP$\r\n   ForcePushBit = 1\r\n");
}
END_TEST

START_TEST(last_line_without_line_end)
{
	edit_is(PUSH, "[TCPIP]\r\nDRIVERNAME=TCPIP$", FIX_EDITED,
	    "[TCPIP]\r\nDRIVERNAME=TCPIP$\r\nForcePushBit=1");
	/* An empty section: after its header; a lone CR is the line end. */
	edit_is(PUSH, "[TCPIP]\r[X]\rA=1\r", FIX_EDITED, "[TCPIP]\rForcePushBit=1\r[X]\rA=1\r");
	/* Bytes after a Ctrl-Z stay. */
	edit_is(PUSH, "[TCPIP]\r\nA=1\r\n\x1a junk", FIX_EDITED,
	    "[TCPIP]\r\nA=1\r\nForcePushBit=1\r\n\x1a junk");
}
END_TEST

START_TEST(already_on_or_no_section)
{
	edit_is(PUSH, "[TCPIP]\r\nForcePushBit = 1\r\n", FIX_ALREADY, NULL);
	edit_is(PUSH, "[TCPIP_XIF]\nDRIVERNAME=TCPIP$\nforcepushbit=1\n", FIX_ALREADY, NULL);
	edit_is(PUSH, "[protman]\r\nDRIVERNAME=PROTMAN$\r\nForcePushBit=0\r\n",
	    FIX_NOT_APPLICABLE, NULL);
	edit_is(PUSH, "", FIX_NOT_APPLICABLE, NULL);
	/* "ForcePushBit" without '=' is no setting: a line is added. */
	edit_is(PUSH, "[TCPIP]\nForcePushBit\n", FIX_EDITED, "[TCPIP]\nForcePushBit\nForcePushBit=1\n");
	/* A value that is not 0 or 1 is replaced too. */
	edit_is(PUSH, "[TCPIP]\nForcePushBit = yes\n", FIX_EDITED, "[TCPIP]\nForcePushBit = 1\n");
}
END_TEST

START_TEST(config_sys_files)
{
	/* Raised, kept, added at the end of the settings, into [COMMON]. */
	edit_is("dos-files", "FILES=8\r\n", FIX_EDITED, "FILES=40\r\n");
	edit_is("dos-files", "files = 256\n", FIX_EDITED, "files = 40\n");
	edit_is("dos-files", "FILES=40", FIX_ALREADY, NULL);
	edit_is("dos-files", "FILES=255\r\n", FIX_ALREADY, NULL);
	edit_is("dos-files", "BUFFERS=20\r\n\r\n; end\r\n", FIX_EDITED,
	    "BUFFERS=20\r\nFILES=40\r\n\r\n; end\r\n");
	edit_is("dos-files", "[menu]\nmenuitem=A\n[common]\nDOS=HIGH\n[A]\nDEVICE=X\n",
	    FIX_EDITED, "[menu]\nmenuitem=A\n[common]\nDOS=HIGH\nFILES=40\n[A]\nDEVICE=X\n");
	/* Blocks without [COMMON]: not guessed, even after a comment. */
	edit_is("dos-files", "[menu]\nmenuitem=A\n[A]\nDEVICE=X\n", FIX_NOT_APPLICABLE, NULL);
	edit_is("dos-files", "; DOS 6\r\n  [menu]\r\nmenuitem=A\r\n[A]\r\nDEVICE=X\r\n",
	    FIX_NOT_APPLICABLE, NULL);
	/* An empty CONFIG.SYS gets the line. */
	edit_is("dos-files", "", FIX_EDITED, "FILES=40\r\n");
}
END_TEST

START_TEST(startup_order)
{
	/* LH and paths and case do not hide a command; REM and labels run nothing. */
	edit_is("stack-then-sockets", "REM SOCKETS\r\n:start\r\nLH /L:1 C:\\NET\\LOAD.EXE tcpip\r\n"
	    "@smtpgate\r\n", FIX_EDITED, "REM SOCKETS\r\n:start\r\nLH /L:1 C:\\NET\\LOAD.EXE tcpip\r\n"
	    "SOCKETS\r\n@smtpgate\r\n");
	/* The last line without a line end stays so after a move. */
	edit_is("stack-then-sockets", "SOCKETS\nLOAD TCPIP", FIX_EDITED, "LOAD TCPIP\nSOCKETS");
	edit_is("stack-then-sockets", "smtpgate\r\nload tcpip\r\nsockets", FIX_EDITED,
	    "load tcpip\r\nsockets\r\nsmtpgate");
	/* No stack loading: not invented. */
	edit_is("stack-then-sockets", "SOCKETS\r\nSMTPGATE\r\n", FIX_NOT_APPLICABLE, NULL);
}
END_TEST

START_TEST(retry_switch)
{
	edit_is("retry-count", "SMTPGATE -Q\r\n", FIX_EDITED, "SMTPGATE -Q360\r\n");
	edit_is("retry-count", "smtpgate /q90 -lacsy\n", FIX_EDITED, "smtpgate /q360 -lacsy\n");
	edit_is("retry-count", "SMTPGATE -QUIET\n", FIX_EDITED, "SMTPGATE -QUIET -Q360\n");
	edit_is("retry-count", "SMTPGATE   \r\n", FIX_EDITED, "SMTPGATE -Q360   \r\n");
	edit_is("retry-count", "SMTPGATE -Q360 | MORE\n", FIX_ALREADY, NULL);
	edit_is("retry-count", "REM SMTPGATE\n", FIX_NOT_APPLICABLE, NULL);
}
END_TEST

START_TEST(diff_is_unified_with_context)
{
	const char *a = "[protman]\r\nP=1\r\n[TCPIP]\r\nD=TCPIP$\r\nI=1\r\n\r\n[N]\r\nA=1\r\nB=2\r\n";
	struct buf out = BUF_INIT, d = BUF_INIT;

	ck_assert_int_eq(fix_edit_text(fix_named(PUSH), a, strlen(a), &out, NULL), FIX_EDITED);
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
/* Plans on real files                                                      */

/* A diagnosis with one incident of article whose causes are ids (first stands). */
static struct diagnosis *
diag_of(const char *article, const char *first, int first_ruled_out, const char *second)
{
	struct diagnosis *d = xcalloc(1, sizeof(*d));
	struct diag_cause *c = xcalloc(2, sizeof(*c));
	struct diag_incident *inc;

	d->incidents = xcalloc(1, sizeof(*d->incidents));
	d->nincidents = 1;
	inc = &d->incidents[0];
	inc->article = xstrdup(article);
	c[0].id = xstrdup(first);
	c[0].ruled_out = first_ruled_out;
	c[1].id = xstrdup(second);
	/* an incident's causes are packed, as rank.c leaves them (diagnosis.h) */
	inc->causes = diag_causes_pack(c, 2, NULL);
	inc->ncauses = 2;
	return d;
}

static struct diagnosis *
diag_with(const char *first, int first_ruled_out, const char *second)
{
	return diag_of("Q123827", first, first_ruled_out, second);
}

#define INI_CRLF "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n" \
	"  ForcePushBit = 0\r\n  IPADDRESS0 = 10 0 0 5\r\n"

/* A new directory under the scratch directory (caller frees). */
static char *
new_root(const char *name)
{
	char *root = tu_scratch_path(name);

	ck_assert_int_eq(mkdir(root, 0755), 0);
	return root;
}

/* root/rel holds s, directories made on the way. */
static void
put(const char *root, const char *rel, const char *s, size_t len)
{
	char path[2048], *slash;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	tu_write(path, s, len);
}

/* A DOS root under the scratch directory with lanman.dos/protocol.ini. */
static char *
dos_root(const char *name, const char *ini)
{
	char *root = new_root(name);

	put(root, "lanman.dos/protocol.ini", ini, strlen(ini));
	return root;
}

static char *
file_of(const char *root, const char *rel, size_t *len)
{
	char path[2048];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return tu_read(path, len);
}

static char *
ini_of(const char *root, size_t *len)
{
	return file_of(root, "lanman.dos/protocol.ini", len);
}

static int
exists_in(const char *root, const char *rel)
{
	char path[2048];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return lstat(path, &st) == 0;
}

/* Is root/rel exactly len bytes of want? */
static void
file_is(const char *root, const char *rel, const char *want, size_t len)
{
	size_t n;
	char *now = file_of(root, rel, &n);

	ck_assert_msg(n == len && memcmp(now, want, len) == 0, "%s is not as expected:\n%s",
	    rel, now);
	free(now);
}

START_TEST(plan_only_for_a_standing_cause_with_a_fix)
{
	struct diagnosis *d = diag_with("peer-host-down", 0, "peer-requires-push");
	struct fix_plan *p;
	char err[ERR_LEN], *root = dos_root("plan-none", INI_CRLF);

	/* peer-host-down has a fix only for Q129239 (the retry count). */
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_uint_eq(p->nitems, 0);
	ck_assert_contains(p->notes[0], "No incident's standing cause");
	fix_plan_free(p);
	diag_free(d);
	/* The first cause ruled out: the next one stands. */
	d = diag_with("peer-host-down", 1, "peer-requires-push");
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_uint_eq(p->nitems, 1);
	ck_assert_str_eq(p->items[0].id, PUSH);
	ck_assert_str_eq(p->edits[0].path, "lanman.dos/protocol.ini");
	ck_assert_str_eq(p->edits[0].section, "TCPIP");
	ck_assert_str_eq(p->edits[0].fixes, PUSH);
	ck_assert_contains(p->edits[0].diff, "-  ForcePushBit = 0\n+  ForcePushBit = 1\n");
	ck_assert_contains(p->edits[0].what, "CR LF line ends kept");
	fix_plan_free(p);
	/* Without a root: a note naming the edit, no edit. */
	ck_assert_int_eq(fix_plan(d, NULL, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_int_eq(p->items[0].status, FIX_NO_ROOT);
	ck_assert_contains(p->notes[0], "--dos-root");
	ck_assert_contains(p->notes[0], PUSH);
	fix_plan_free(p);
	diag_free(d);
	/* The retry count, for Q129239 only. */
	d = diag_of("Q129239", "peer-host-down", 0, "network-path-down");
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nitems, 1);
	ck_assert_str_eq(p->items[0].id, "retry-count");
	ck_assert_int_eq(p->items[0].status, FIX_NO_FILE);
	ck_assert_contains(p->notes[0], "no AUTOEXEC.BAT");
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
	file_is(root, "lanman.dos/protocol.ini", INI_CRLF, strlen(INI_CRLF));
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
	char err[ERR_LEN], *root = dos_root("hand-edit", INI_CRLF), path[1024];
	const char *edited = "[protman]\r\n  DRIVERNAME = PROTMAN$\r\n[TCPIP]\r\n"
	    "  DRIVERNAME = TCPIP$\r\n  ForcePushBit = 1\r\n  IPADDRESS0 = 10 0 0 9\r\n";

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_int_eq(fix_apply(p, root, &msg, err), 0);
	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, edited);
	buf_reset(&msg);
	ck_assert_int_eq(fix_undo(root, &msg, err), -1);
	ck_assert_contains(err, "changed since --apply");
	ck_assert_contains(err, ".kbdiag/protocol.ini.orig");
	ck_assert_contains(buf_str(&msg), "-  IPADDRESS0 = 10 0 0 5\n+  IPADDRESS0 = 10 0 0 9\n");
	file_is(root, "lanman.dos/protocol.ini", edited, strlen(edited));
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
	char err[ERR_LEN], *root = dos_root("changed", INI_CRLF), path[1024];

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, INI_CRLF "; a comment\r\n");
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	ck_assert_contains(err, "changed since the plan");
	file_is(root, "lanman.dos/protocol.ini", INI_CRLF "; a comment\r\n",
	    strlen(INI_CRLF "; a comment\r\n"));
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
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("big", "[TCPIP]\r\n"), path[1024], link[1024];
	char *outside = tu_scratch_path("outside"), *big = xmalloc(FIX_INI_MAX + 2);

	memset(big, ';', FIX_INI_MAX + 1);
	big[FIX_INI_MAX + 1] = '\0';
	memcpy(big, "[TCPIP]\r\n", 9);
	snprintf(path, sizeof(path), "%s/lanman.dos/protocol.ini", root);
	tu_write_str(path, big);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), -1);
	ck_assert_contains(err, "more than the");
	free(big);
	/* A link named PROTOCOL.INI is not followed: refused, and said why (it
	 * is not "no PROTOCOL.INI"). */
	ck_assert_int_eq(unlink(path), 0);
	snprintf(link, sizeof(link), "%s/PROTOCOL.INI", root);
	ck_assert_int_eq(symlink("/etc/hostname", link), 0);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_int_eq(p->items[0].status, FIX_REFUSED);
	ck_assert_contains(p->notes[0], "PROTOCOL.INI is a symbolic link: refused");
	fix_plan_free(p);
	/* A directory replaced by a link out of the root after the plan: refused. */
	ck_assert_int_eq(unlink(link), 0);
	tu_write_str(path, INI_CRLF);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	put(outside, "protocol.ini", INI_CRLF, strlen(INI_CRLF));
	snprintf(link, sizeof(link), "%s/lanman.dos", root);
	snprintf(path, sizeof(path), "%s/lanman.old", root);
	ck_assert_int_eq(rename(link, path), 0);
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	ck_assert_contains(err, "symbolic link");
	file_is(outside, "protocol.ini", INI_CRLF, strlen(INI_CRLF));
	ck_assert(!exists_in(root, ".kbdiag/journal"));
	fix_plan_free(p);
	buf_free(&msg);
	diag_free(d);
	free(root);
	free(outside);
}
END_TEST

/*
 * The file that counts is not a regular file: a FIFO (whose open would
 * block), a directory, a link (above): refused with what it is, by the fix
 * and by the probe, never taken as absent. A deeper regular file does not
 * count: the shallowest does.
 */
START_TEST(refused_when_not_a_regular_file)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct probe_result *r;
	struct fix_plan *p;
	char err[ERR_LEN], *root = dos_root("odd", INI_CRLF), path[1024];
	size_t i;
	int kind;

	for (kind = 0; kind < 2; kind++) {
		snprintf(path, sizeof(path), "%s/protocol.ini", root);
		if (kind == 0)
			ck_assert_int_eq(mkfifo(path, 0600), 0);
		else
			ck_assert_int_eq(mkdir(path, 0755), 0);
		ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
		ck_assert_uint_eq(p->nedits, 0);
		ck_assert_int_eq(p->items[0].status, FIX_REFUSED);
		ck_assert_contains(p->items[0].what, kind == 0 ? "protocol.ini is a FIFO, not a "
		    "regular file: refused" : "protocol.ini is a directory, not a regular file: "
		    "refused");
		fix_plan_free(p);
		r = xcalloc(PROBE_DOS_NRESULTS, sizeof(*r));
		for (i = 0; i < PROBE_DOS_NRESULTS; i++)
			probe_result_init(&r[i], "f", "f");
		probe_dos_run(root, kb, r);
		for (i = PROBE_DOS_INI_PUSH; i <= PROBE_DOS_INI_SECTION; i++) {
			ck_assert_int_eq(r[i].status, PROBE_ERROR);
			ck_assert_contains(r[i].detail, kind == 0 ? "is a FIFO" : "is a directory");
		}
		probe_results_free(r, PROBE_DOS_NRESULTS);
		ck_assert_int_eq(kind == 0 ? unlink(path) : rmdir(path), 0);
	}
	/* gone: the deeper regular file counts again */
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/* A UTF-8 byte order mark before [TCPIP] (Notepad writes one): the section is
 * found, the edit made after it, the mark kept first; CONFIG.SYS alike. */
START_TEST(byte_order_mark_kept)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("bom", "\xEF\xBB\xBF" INI_CRLF);
	size_t n;
	char *now;

	edit_is(PUSH, "\xEF\xBB\xBF[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n", FIX_EDITED,
	    "\xEF\xBB\xBF[TCPIP]\r\n  DRIVERNAME = TCPIP$\r\n  ForcePushBit = 1\r\n");
	edit_is(PUSH, "\xEF\xBB\xBF[TCPIP]\r\nForcePushBit=1\r\n", FIX_ALREADY, NULL);
	edit_is("dos-files", "\xEF\xBB\xBF", FIX_EDITED, "\xEF\xBB\xBF" "FILES=40\r\n");
	edit_is("dos-files", "\xEF\xBB\xBF" "FILES=8\n", FIX_EDITED, "\xEF\xBB\xBF" "FILES=40\n");
	edit_is("stack-then-sockets", "\xEF\xBB\xBFLOAD TCPIP\r\nSMTPGATE\r\n", FIX_EDITED,
	    "\xEF\xBB\xBFLOAD TCPIP\r\nSOCKETS\r\nSMTPGATE\r\n");
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_str_eq(p->edits[0].section, "TCPIP");
	ck_assert_int_eq(fix_apply(p, root, &msg, err), 0);
	now = ini_of(root, &n);
	ck_assert(n > 3 && memcmp(now, "\xEF\xBB\xBF[protman]\r\n", 13) == 0);
	ck_assert_contains(now, "  ForcePushBit = 1\r\n");
	free(now);
	fix_plan_free(p);
	buf_free(&msg);
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

/* ---------------------------------------------------------------------- */
/* Every declared edit, round trip through real files                       */

/* s with LF made eol ("\r\n" or "\r"; NULL: as it is). */
static char *
with_eol(const char *s, const char *eol)
{
	struct buf b = BUF_INIT;

	for (; *s; s++)
		if (*s == '\n' && eol)
			buf_puts(&b, eol);
		else
			buf_putc(&b, *s);
	buf_puts(&b, "");
	return buf_detach(&b);
}

/* An article whose causes include the cause (for a fix without articles). */
static const char *
article_for(const struct kb_fix *f)
{
	size_t i, j;

	if (f->narticles)
		return f->articles[0];
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->ncauses; j++)
			if (a->causes[j].cause == f->resolves[0])
				return a->id;
	}
	ck_abort_msg("no article has cause %s", f->resolves[0]->id);
	return NULL;
}

/*
 * Each example of each fix, in a DOS root of its own with the file under a
 * directory in an odd case: plan through a diagnosis whose cause it resolves,
 * apply, check the bytes and that the probe now reads the in-place value,
 * undo, check the original bytes; a fix that does not apply writes nothing.
 */
START_TEST(every_declared_edit_round_trips)
{
	static const char *const eols[] = { NULL, "\r\n", "\r" };
	static const char *const eol_names[] = { "lf", "crlf", "cr" };
	size_t i, j, e, n = 0;

	for (i = 0; i < kb_fix_count(kb); i++) {
		const struct kb_fix *f = kb_fix_at(kb, i);

		for (j = 0; j < f->nexamples; j++)
			for (e = 0; e < 3; e++) {
				const struct kb_fix_example *x = &f->examples[j];
				char name[128], rel[128], *root, *before, *after, err[ERR_LEN];
				struct diagnosis *d = diag_of(article_for(f), f->resolves[0]->id, 0,
				    "no-fault");
				struct fix_plan *p;
				struct buf msg = BUF_INIT;
				size_t k;

				snprintf(name, sizeof(name), "rt-%s-%zu-%s", f->id, j, eol_names[e]);
				root = new_root(name);
				/* the file as the PC has it: in a directory, in lower case */
				snprintf(rel, sizeof(rel), "%s%s", f->kind == KB_FIX_SET &&
				    f->driver_tcpip ? "Lanman.Dos/" : "", f->file);
				for (k = 0; rel[k]; k++)
					if (rel[k] >= 'A' && rel[k] <= 'Z' && k > 0)
						rel[k] = (char)(rel[k] - 'A' + 'a');
				before = with_eol(x->before, eols[e]);
				after = x->after ? with_eol(x->after, eols[e]) : NULL;
				put(root, rel, before, strlen(before));
				ck_assert_msg(fix_plan(d, root, kb, &p, err) == 0, "%s: %s", name, err);
				if (x->outcome != KB_FIX_EDITED) {
					ck_assert_msg(p->nedits == 0, "%s: an edit was proposed", name);
					ck_assert_int_eq(p->items[0].status, x->outcome == KB_FIX_ALREADY ?
					    FIX_ALREADY : FIX_NOT_APPLICABLE);
					ck_assert_int_eq(fix_apply(p, root, &msg, err), 0);
					file_is(root, rel, before, strlen(before));
					ck_assert(!exists_in(root, ".kbdiag/journal"));
				} else {
					struct probe_result *r = xcalloc(PROBE_DOS_NRESULTS, sizeof(*r));

					ck_assert_msg(p->nedits == 1, "%s: %zu edits", name, p->nedits);
					ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s: %s", name,
					    err);
					file_is(root, rel, after, strlen(after));
					if (f->in_place_value) {
						for (k = 0; k < PROBE_DOS_NRESULTS; k++)
							probe_result_init(&r[k], "f", "f");
						probe_dos_run(root, kb, r);
						for (k = 0; k < PROBE_DOS_NRESULTS; k++)
							if (r[k].value &&
							    strcmp(r[k].value, f->in_place_value->id) == 0)
								break;
						ck_assert_msg(k < PROBE_DOS_NRESULTS, "%s: the probe does "
						    "not read %s:%s after the edit", name,
						    f->in_place_source->id, f->in_place_value->id);
					}
					probe_results_free(r, PROBE_DOS_NRESULTS);
					buf_reset(&msg);
					ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s: %s", name, err);
					file_is(root, rel, before, strlen(before));
					ck_assert(!exists_in(root, ".kbdiag"));
				}
				n++;
				buf_free(&msg);
				fix_plan_free(p);
				diag_free(d);
				free(before);
				free(after);
				free(root);
			}
	}
	ck_assert_uint_ge(n, 3 * 15);
}
END_TEST

/* The variants for the replace fix: random bytes of each build's size. */
static void
put_random(const char *root, const char *rel, size_t n, unsigned seed)
{
	char *b = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (char)(seed >> 16);
	}
	put(root, rel, b, n);
	free(b);
}

static struct diagnosis *
diag_stack(void)
{
	return diag_of("Q96244", "tcpip-stack-not-loaded", 0, "no-fault");
}

START_TEST(gateway_exe_replaced_for_the_stack)
{
	struct diagnosis *d = diag_stack();
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = new_root("exe"), *ftp, *lmn;
	size_t nftp, nlmn, k;
	struct probe_result *r = xcalloc(PROBE_DOS_NRESULTS, sizeof(*r));

	put(root, "lanman.dos/tcptsr.exe", "MZ", 2);
	put_random(root, "gwdisk/smtpftp.exe", 80567, 1);
	put_random(root, "gwdisk/smtplmn.exe", 71585, 2);
	ftp = file_of(root, "gwdisk/smtpftp.exe", &nftp);
	lmn = file_of(root, "gwdisk/smtplmn.exe", &nlmn);
	put(root, "mailexe/smtpgate.exe", ftp, nftp);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert(p->edits[0].binary);
	ck_assert_str_eq(p->edits[0].path, "mailexe/smtpgate.exe");
	ck_assert_contains(p->edits[0].diff, "Binary file replaced: replace mailexe/smtpgate.exe "
	    "(SMTPFTP.EXE, the variant for FTP Software PC/TCP Kernel) with gwdisk/smtplmn.exe "
	    "from the gateway disk");
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	file_is(root, "mailexe/smtpgate.exe", lmn, nlmn);
	for (k = 0; k < PROBE_DOS_NRESULTS; k++)
		probe_result_init(&r[k], "f", "f");
	probe_dos_run(root, kb, r);
	ck_assert_str_eq(r[PROBE_DOS_VARIANT].value, "matches");
	probe_results_free(r, PROBE_DOS_NRESULTS);
	fix_plan_free(p);
	/* Already the right variant now. */
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 0);
	ck_assert_int_eq(p->items[1].status, FIX_ALREADY);
	fix_plan_free(p);
	ck_assert_int_eq(fix_undo(root, &msg, err), 0);
	file_is(root, "mailexe/smtpgate.exe", ftp, nftp);
	/* By size alone: the 3.0.9 FTP build, against the tree's LAN Manager stack. */
	put_random(root, "mailexe/smtpgate.exe", 80567, 9);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_contains(p->edits[0].what, "SMTPFTP.EXE");
	fix_plan_free(p);
	free(ftp);
	free(lmn);
	buf_free(&msg);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(gateway_exe_conditions)
{
	struct diagnosis *d = diag_stack();
	struct fix_plan *p;
	char err[ERR_LEN], *root = new_root("exe-cond");

	/* No SMTPGATE.EXE. */
	put(root, "lanman.dos/tcptsr.exe", "MZ", 2);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_int_eq(p->items[1].status, FIX_NO_FILE);
	fix_plan_free(p);
	/* A build nobody knows. */
	put_random(root, "smtpgate.exe", 1000, 3);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_int_eq(p->items[1].status, FIX_NOT_APPLICABLE);
	ck_assert_contains(p->items[1].what, "not known");
	fix_plan_free(p);
	/* The FTP variant, but the LAN Manager one is not under the root. */
	put_random(root, "smtpgate.exe", 80567, 4);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_int_eq(p->items[1].status, FIX_NOT_APPLICABLE);
	ck_assert_contains(p->items[1].what, "SMTPLMN.EXE is not under the DOS root");
	ck_assert_uint_eq(p->nedits, 0);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/* Several edits of one diagnosis: one journal, undone together or not at all. */
START_TEST(several_edits_one_journal)
{
	struct diagnosis *d = diag_stack();
	struct fix_plan *p;
	struct fix_journal *j;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = new_root("several"), *ftp;
	const char *ae = "@ECHO OFF\r\nCD \\MAILEXE\r\nCALL GATEWAY\r\nLOAD TCPIP\r\n";
	const char *gw = "SMTPGATE -LACSY\r\n";
	size_t nftp;

	put(root, "lanman.dos/tcptsr.exe", "MZ", 2);
	put(root, "AUTOEXEC.BAT", ae, strlen(ae));
	put(root, "mailexe/GATEWAY.BAT", gw, strlen(gw));
	put_random(root, "gw/smtpftp.exe", 80567, 5);
	put_random(root, "gw/smtplmn.exe", 71585, 6);
	ftp = file_of(root, "gw/smtpftp.exe", &nftp);
	put(root, "mailexe/smtpgate.exe", ftp, nftp);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 2);
	/* SOCKETS after LOAD TCPIP, and the call of GATEWAY.BAT after both. */
	ck_assert_str_eq(p->edits[0].path, "AUTOEXEC.BAT");
	ck_assert_str_eq(p->edits[0].after, "@ECHO OFF\r\nCD \\MAILEXE\r\nLOAD TCPIP\r\nSOCKETS\r\n"
	    "CALL GATEWAY\r\n");
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	ck_assert_int_eq(fix_journal_load(root, &j, err), 1);
	ck_assert_int_eq(j->version, 2);
	ck_assert_uint_eq(j->nfiles, 2);
	ck_assert_uint_eq(j->nfixes, 2);
	ck_assert_str_eq(j->fixes[0].id, "stack-then-sockets");
	ck_assert_str_eq(j->fixes[1].id, "gateway-exe-for-stack");
	ck_assert_ptr_nonnull(j->applied);
	fix_journal_free(j);
	/* One file changed by hand: nothing is restored, not even the other. */
	put(root, "mailexe/smtpgate.exe", "MZ mine", 7);
	buf_reset(&msg);
	ck_assert_int_eq(fix_undo(root, &msg, err), -1);
	ck_assert_contains(err, "smtpgate.exe was changed since --apply");
	file_is(root, "AUTOEXEC.BAT", p->edits[0].after, p->edits[0].after_len);
	/* Put back what --apply wrote: both are restored. */
	put(root, "mailexe/smtpgate.exe", p->edits[1].after, p->edits[1].after_len);
	buf_reset(&msg);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	file_is(root, "AUTOEXEC.BAT", ae, strlen(ae));
	file_is(root, "mailexe/smtpgate.exe", ftp, nftp);
	ck_assert(!exists_in(root, ".kbdiag"));
	free(ftp);
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/* The next cause a kbdiag verify named after "not fixed" is the one to fix. */
/*
 * An --apply killed (or failed) after its journal and before it replaced a
 * file leaves the originals and a journal: the next --apply removes that
 * journal, says so, and applies; a journal whose file is in place still
 * refuses it.
 */
START_TEST(unfinished_apply_is_rolled_back)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("unfinished", INI_CRLF);

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	/* as if the rename had not happened: the original is back in place */
	put(root, "lanman.dos/protocol.ini", INI_CRLF, strlen(INI_CRLF));
	buf_reset(&msg);
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	ck_assert_contains(buf_str(&msg), "Removed the journal of an earlier --apply of ");
	ck_assert_contains(buf_str(&msg), "that did not finish: none of its 1 file had been "
	    "changed");
	file_is(root, "lanman.dos/protocol.ini", p->edits[0].after, p->edits[0].after_len);
	/* now in place: the plan is out of date, and the journal stays */
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	ck_assert_contains(err, "changed since the plan");
	ck_assert(exists_in(root, ".kbdiag/journal"));
	buf_reset(&msg);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	ck_assert(!exists_in(root, ".kbdiag"));
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/* A pid that is surely gone: a child's, reaped. */
static long
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return (long)pid;
}

/*
 * kill -9 during --apply can leave fix_write_at()'s temporary files
 * (.NAME.kbdiag-PID) beside the file and in .kbdiag: the plan warns of
 * them, --apply and --undo remove them and say so; one whose process lives
 * is left alone.
 */
START_TEST(stale_temporaries_removed_or_reported)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("stale", INI_CRLF), name[3][128];
	long gone = dead_pid();
	size_t i;

	snprintf(name[0], sizeof(name[0]), "lanman.dos/.protocol.ini.kbdiag-%ld", gone);
	snprintf(name[1], sizeof(name[1]), ".kbdiag/.journal.kbdiag-%ld", gone);
	snprintf(name[2], sizeof(name[2]), "lanman.dos/.protocol.ini.kbdiag-%ld", (long)getppid());
	for (i = 0; i < 3; i++)
		put(root, name[i], "half", 4);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nwarnings, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_contains(p->warnings[0][0] == '.' ? p->warnings[i] : p->warnings[i],
		    "is a temporary file left by a kbdiag fix that did not finish");
		ck_assert_msg(strstr(p->warnings[0], name[i]) || strstr(p->warnings[1], name[i]),
		    "no warning names %s", name[i]);
	}
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	for (i = 0; i < 2; i++) {
		ck_assert_contains(buf_str(&msg), name[i]);
		ck_assert(!exists_in(root, name[i]));
	}
	ck_assert_contains(buf_str(&msg), "a temporary file left by a kbdiag fix that did not "
	    "finish");
	ck_assert(exists_in(root, name[2]));
	/* and --undo */
	snprintf(name[0], sizeof(name[0]), "lanman.dos/.protocol.ini.kbdiag-%ld", dead_pid());
	put(root, name[0], "half", 4);
	buf_reset(&msg);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	ck_assert_contains(buf_str(&msg), name[0]);
	ck_assert(!exists_in(root, name[0]));
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/* Two applies (or an apply and an undo) at once under one root: the second
 * is refused while the first holds the lock, and nothing is written. */
START_TEST(one_apply_at_a_time)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = dos_root("locked", INI_CRLF), path[1024];
	int fd;

	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	snprintf(path, sizeof(path), "%s/.kbdiag", root);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_ge(fd = open(path, O_RDONLY | O_DIRECTORY), 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	ck_assert_contains(err, "another kbdiag fix is applying or undoing under");
	file_is(root, "lanman.dos/protocol.ini", INI_CRLF, strlen(INI_CRLF));
	ck_assert_int_eq(fix_undo(root, &msg, err), 1);	/* no journal: nothing to undo */
	close(fd);
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	ck_assert_int_ge(fd = open(path, O_RDONLY | O_DIRECTORY), 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(fix_undo(root, &msg, err), -1);
	ck_assert_contains(err, "another kbdiag fix is applying or undoing under");
	close(fd);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/*
 * An --apply that fails after its journal (the second file's directory is
 * read-only: a bind mount in a mount namespace of this test's own) puts the
 * first file back and leaves nothing: no journal, no backups, no .kbdiag,
 * so the next --apply is not refused.
 */
START_TEST(failed_apply_puts_everything_back)
{
	struct diagnosis *d = diag_stack();
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = new_root("failed"), *ftp, dir[1024];
	const char *ae = "@ECHO OFF\r\nCD \\MAILEXE\r\nCALL GATEWAY\r\nLOAD TCPIP\r\n";
	const char *gw = "SMTPGATE -LACSY\r\n";
	size_t nftp;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)
	    != 0) {
		tu_skip("fix/failed_apply_puts_everything_back", "no mount namespace (%s)",
		    strerror(errno));
		diag_free(d);
		free(root);
		return;
	}
	put(root, "lanman.dos/tcptsr.exe", "MZ", 2);
	put(root, "AUTOEXEC.BAT", ae, strlen(ae));
	put(root, "mailexe/GATEWAY.BAT", gw, strlen(gw));
	put_random(root, "gw/smtpftp.exe", 80567, 5);
	put_random(root, "gw/smtplmn.exe", 71585, 6);
	ftp = file_of(root, "gw/smtpftp.exe", &nftp);
	put(root, "mailexe/smtpgate.exe", ftp, nftp);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 2);
	ck_assert_str_eq(p->edits[0].path, "AUTOEXEC.BAT");
	snprintf(dir, sizeof(dir), "%s/mailexe", root);
	ck_assert_int_eq(mount(dir, dir, NULL, MS_BIND, NULL), 0);
	ck_assert_int_eq(mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	ck_assert_int_eq(fix_apply(p, root, &msg, err), -1);
	ck_assert_contains(err, "nothing is changed");
	file_is(root, "AUTOEXEC.BAT", ae, strlen(ae));
	file_is(root, "mailexe/smtpgate.exe", ftp, nftp);
	ck_assert(!exists_in(root, ".kbdiag"));
	/* writable again: the next --apply is not refused */
	ck_assert_int_eq(umount(dir), 0);
	buf_reset(&msg);
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	buf_reset(&msg);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	free(ftp);
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

/* No byte a terminal acts on: controls, DEL, C1 (as UTF-8), not UTF-8. */
static void
shows_safe(const char *what, const char *t)
{
	const unsigned char *p = (const unsigned char *)t;
	size_t n = strlen(t), k;

	while (n > 0) {
		if (*p == '\n' || *p == '\t')
			k = 1;
		else if ((k = text_utf8_len(p, n)) == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f)))
			ck_abort_msg("%s: byte 0x%02X in \"%s\"", what, *p, t);
		p += k;
		n -= k;
	}
}

/*
 * The tree's names and the files' values reach what a person reads (the
 * plan's notes and edits, --apply's and --undo's messages): a directory
 * named with a C1 CSI and a value holding escape sequences are shown
 * escaped, while the file is still found and edited under its real name.
 */
START_TEST(names_and_values_shown_escaped)
{
	struct diagnosis *d = diag_with("peer-requires-push", 0, "peer-host-down");
	struct fix_plan *p;
	struct buf msg = BUF_INIT;
	char err[ERR_LEN], *root = new_root("escaped");
	const char *ini = "[TCPIP]\r\nDRIVERNAME = TCPIP$\r\nForcePushBit = \x1b]0;owned\x07\r\n";
	size_t i;

	put(root, "LAN\xc2\x9bMAN.DOS/PROTOCOL.INI", ini, strlen(ini));
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_str_eq(p->edits[0].path, "LAN\xc2\x9bMAN.DOS/PROTOCOL.INI");
	ck_assert_str_eq(p->edits[0].shown, "LAN\\xC2\\x9BMAN.DOS/PROTOCOL.INI");
	shows_safe("what", p->edits[0].what);
	ck_assert_contains(p->edits[0].what, "'\\x1B]0'");
	shows_safe("diff", p->edits[0].diff);
	for (i = 0; i < p->nitems; i++) {
		shows_safe("item what", p->items[i].what ? p->items[i].what : "");
		shows_safe("item path", p->items[i].path ? p->items[i].path : "");
	}
	ck_assert_msg(fix_apply(p, root, &msg, err) == 0, "%s", err);
	shows_safe("apply", buf_str(&msg));
	ck_assert_contains(buf_str(&msg), "LAN\\xC2\\x9BMAN.DOS/PROTOCOL.INI");
	buf_reset(&msg);
	ck_assert_msg(fix_undo(root, &msg, err) == 0, "%s", err);
	shows_safe("undo", buf_str(&msg));
	file_is(root, "LAN\xc2\x9bMAN.DOS/PROTOCOL.INI", ini, strlen(ini));
	buf_free(&msg);
	fix_plan_free(p);
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(cause_from_the_history)
{
	struct diagnosis *d = diag_of("Q128570", "postoffice-write-failure", 0,
	    "dos-files-too-low");
	struct diag_verdict *v;
	struct fix_plan *p;
	char err[ERR_LEN], *root = new_root("history");
	int hist;

	put(root, "CONFIG.SYS", "FILES=30\r\n", 10);
	ck_assert_str_eq(fix_cause(d, 0, &hist)->id, "postoffice-write-failure");
	ck_assert_int_eq(hist, 0);
	d->history = xcalloc(1, sizeof(*d->history));
	d->nhistory = 1;
	d->history[0].nverdicts = 1;
	d->history[0].verdicts = v = xcalloc(1, sizeof(*v));
	v->article = xstrdup("Q128570");
	v->outcome = xstrdup("not-fixed");
	v->next_cause = xstrdup("dos-files-too-low");
	ck_assert_str_eq(fix_cause(d, 0, &hist)->id, "dos-files-too-low");
	ck_assert_int_eq(hist, 1);
	ck_assert_int_eq(fix_plan(d, root, kb, &p, err), 0);
	ck_assert_uint_eq(p->nedits, 1);
	ck_assert_str_eq(p->edits[0].after, "FILES=40\r\n");
	fix_plan_free(p);
	/* A next cause the incident does not have is not taken from the file. */
	free(v->next_cause);
	v->next_cause = xstrdup("peer-requires-push");
	ck_assert_str_eq(fix_cause(d, 0, NULL)->id, "postoffice-write-failure");
	diag_free(d);
	free(root);
}
END_TEST

START_TEST(journal_parse)
{
	struct fix_journal *j;
	char err[ERR_LEN];
	const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct buf b = BUF_INIT;

	/* The journal of the version before: one file, keys on lines. */
	buf_printf(&b, "kbdiag fix journal 1\npath\tLANMAN.DOS/PROTOCOL.INI\nbackup\tPROTOCOL.INI.orig\n"
	    "before\t%s\nafter\t%s\nsection\tTCPIP\n", h, h);
	ck_assert_msg(fix_journal_parse(b.data, b.len, &j, err) == 0, "%s", err);
	ck_assert_int_eq(j->version, 1);
	ck_assert_uint_eq(j->nfiles, 1);
	ck_assert_str_eq(j->files[0].path, "LANMAN.DOS/PROTOCOL.INI");
	fix_journal_free(j);
	/* Names that would leave .kbdiag or the root are refused. */
	buf_reset(&b);
	buf_printf(&b, "kbdiag fix journal 2\nfile\t../etc/passwd\tA.orig\tA.new\t%s\t%s\n", h, h);
	ck_assert_int_eq(fix_journal_parse(b.data, b.len, &j, err), -1);
	buf_reset(&b);
	buf_printf(&b, "kbdiag fix journal 2\nfile\tA\t../A.orig\tA.new\t%s\t%s\n", h, h);
	ck_assert_int_eq(fix_journal_parse(b.data, b.len, &j, err), -1);
	buf_reset(&b);
	buf_printf(&b, "kbdiag fix journal 2\nfile\tA\tjournal\tA.new\t%s\t%s\n", h, h);
	ck_assert_int_eq(fix_journal_parse(b.data, b.len, &j, err), -1);
	buf_reset(&b);
	buf_printf(&b, "kbdiag fix journal 2\nfile\tA\tA.orig\tA.new\t%s\t%s\n"
	    "file\tB\tA.orig\tB.new\t%s\t%s\n", h, h, h, h);
	ck_assert_int_eq(fix_journal_parse(b.data, b.len, &j, err), -1);
	ck_assert_contains(err, "twice");
	buf_reset(&b);
	buf_printf(&b, "kbdiag fix journal 2\nfile\tA\tA.orig\tA.new\tXYZ\t%s\n", h);
	ck_assert_int_eq(fix_journal_parse(b.data, b.len, &j, err), -1);
	ck_assert_int_eq(fix_journal_parse("kbdiag fix journal 2\n", 21, &j, err), -1);
	ck_assert_contains(err, "names no file");
	ck_assert_int_eq(fix_journal_parse("junk", 4, &j, err), -1);
	buf_free(&b);
}
END_TEST

/*
 * fix_cause_at() (the history's verdicts sorted once) gives, for every
 * incident, what fix_cause() gives reading the whole history: random
 * histories of verdicts of two articles, peers or none, next causes of the
 * incident's or not, over incidents with and without a host.
 */
START_TEST(causes_indexed_as_read)
{
	static const char *const peers[] = { NULL, "h0:25", "h1:25", "h1:2525", "h2:25" };
	static const char *const outcomes[] = { "not-fixed", "fixed", "inconclusive" };
	struct diagnosis *d = xcalloc(1, sizeof(*d));
	unsigned long long seed = 17;
	size_t i, j, h, round;

	d->nincidents = 12;
	d->incidents = xcalloc(d->nincidents, sizeof(*d->incidents));
	for (i = 0; i < d->nincidents; i++) {
		struct diag_incident *inc = &d->incidents[i];

		inc->kb_article = kb_find_article(kb, "Q123827");
		inc->article = xstrdup("Q123827");
		if (i % 4) {
			char host[8];

			snprintf(host, sizeof(host), "h%zu", i % 3);
			inc->peer.host = xstrdup(host);
		}
		inc->peer.port = i % 5 == 1 ? 2525 : 25;
		rank_causes(inc);
		ck_assert_uint_gt(inc->ncauses, 2);
	}
	for (round = 0; round < 200; round++) {
		struct fix_causes *fc;

		d->nhistory = 1 + round % 3;
		d->history = xcalloc(d->nhistory, sizeof(*d->history));
		for (h = 0; h < d->nhistory; h++) {
			struct diag_history *e = &d->history[h];

			e->nverdicts = round % 7;
			e->verdicts = xcalloc(e->nverdicts + 1, sizeof(*e->verdicts));
			for (j = 0; j < e->nverdicts; j++) {
				struct diag_verdict *v = &e->verdicts[j];
				const struct diag_incident *any;

				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				any = &d->incidents[(seed >> 40) % d->nincidents];
				v->article = xstrdup((seed >> 33) % 5 ? "Q123827" : "Q999999");
				v->peer = peers[(seed >> 35) % 5] ? xstrdup(peers[(seed >> 35) % 5]) :
				    NULL;
				v->outcome = xstrdup(outcomes[(seed >> 38) % 3 ? 0 : (seed >> 45) % 3]);
				v->next_cause = (seed >> 50) % 6 == 0 ? NULL : (seed >> 50) % 6 == 1 ?
				    xstrdup("no-such-cause") :
				    xstrdup(any->causes[(seed >> 53) % any->ncauses].id);
			}
		}
		fc = fix_causes_start(d);
		for (i = 0; i < d->nincidents; i++) {
			int fa = -1, fb = -1;
			const struct diag_cause *a = fix_cause(d, i, &fa), *b = fix_cause_at(fc, i, &fb);

			ck_assert_msg(a == b && fa == fb, "round %zu, incident %zu: %s (%d), indexed "
			    "%s (%d)", round, i, a ? a->id : "-", fa, b ? b->id : "-", fb);
		}
		fix_causes_end(fc);
		for (h = 0; h < d->nhistory; h++)
			diag_history_clear(&d->history[h]);
		free(d->history);
		d->history = NULL;
		d->nhistory = 0;
	}
	diag_free(d);
}
END_TEST

Suite *
fix_suite(void)
{
	Suite *s = suite_create("fix");
	TCase *tc = tcase_create("fix");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, kb_setup, kb_teardown);
	tcase_add_test(tc, crlf_tcpip_line_added_at_end_of_section);
	tcase_add_test(tc, lf_xif_existing_zero_replaced);
	tcase_add_test(tc, last_line_without_line_end);
	tcase_add_test(tc, already_on_or_no_section);
	tcase_add_test(tc, config_sys_files);
	tcase_add_test(tc, startup_order);
	tcase_add_test(tc, retry_switch);
	tcase_add_test(tc, diff_is_unified_with_context);
	tcase_add_test(tc, hash_is_sha256);
	tcase_add_test(tc, plan_only_for_a_standing_cause_with_a_fix);
	tcase_add_test(tc, apply_then_undo_gives_the_original_back);
	tcase_add_test(tc, undo_refused_after_a_hand_edit);
	tcase_add_test(tc, apply_refused_when_the_file_changed);
	tcase_add_test(tc, bounded_and_no_links);
	tcase_add_test(tc, old_tcptsr_warns);
	tcase_add_test(tc, refused_when_not_a_regular_file);
	tcase_add_test(tc, byte_order_mark_kept);
	tcase_add_test(tc, unfinished_apply_is_rolled_back);
	tcase_add_test(tc, stale_temporaries_removed_or_reported);
	tcase_add_test(tc, one_apply_at_a_time);
	tcase_add_test(tc, failed_apply_puts_everything_back);
	tcase_add_test(tc, names_and_values_shown_escaped);
	tcase_add_test(tc, every_declared_edit_round_trips);
	tcase_add_test(tc, gateway_exe_replaced_for_the_stack);
	tcase_add_test(tc, gateway_exe_conditions);
	tcase_add_test(tc, several_edits_one_journal);
	tcase_add_test(tc, cause_from_the_history);
	tcase_add_test(tc, causes_indexed_as_read);
	tcase_add_test(tc, journal_parse);
	suite_add_tcase(s, tc);
	return s;
}
