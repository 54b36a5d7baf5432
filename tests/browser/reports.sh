#!/usr/bin/env bash
# What a reader sees of the HTML reports, in a real browser (Debian's
# chromium, headless): the diagnosis of the sample log with live probes of a
# closed port on 127.0.0.1 (so a layer fails), and its fix report.
#
#   - the verdict (what happened, the cause, the first thing to do) is on the
#     first screen at 1280x800, above the fold;
#   - no table row is there twice;
#   - what a log injected (<script>, <img onerror>) is shown as text: it is
#     in the page's text, and no such element exists;
#   - the diagnosis shows the lines that look like errors but matched no
#     article grouped, as a table (the hostile log's second line is one,
#     its markup shown as text);
#   - printed (Chromium's PDF), no page ends with a heading whose content is
#     on the next page (needs pdftotext; a SKIP without it);
#   - screenshots of the first screen of both reports in $BUILD/browser/
#     (docs/reports.md describes them).
#
# Run by `make check` from the top of the tree (BUILD=dir for another build
# directory). Prints PASS, FAIL or SKIP with the reason per check; exit 1
# when one failed. Only 127.0.0.1 is contacted. KEEP=1 keeps the work directory.
set -u

top=$(pwd)
build=${BUILD:-build}
kbdiag="$top/$build/kbdiag"
shots="$top/$build/browser"
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-browser.XXXXXX")
# the rule base cache of the kbdiag this test runs: its own, never $HOME's
KBDIAG_CACHE=$work/cache
export KBDIAG_CACHE
failed=0

cleanup() {
	if [ -n "${KEEP:-}" ]; then echo "browser: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() { echo "browser: PASS: $1"; }
fail() { echo "browser: FAIL: $1" >&2; failed=1; }
skip() { echo "browser: SKIP: $1: $2"; }

[ -x "$kbdiag" ] || { skip all "$kbdiag is not built (make)"; exit 0; }
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	skip all "chromium is not installed (make deps-test installs Debian's chromium when it can)"
	exit 0
fi

# The flags that work on this kind of machine: no sandbox as root, nothing
# fetched from the network, a profile of our own.
browse() {
	timeout 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update --disable-sync \
	    --disable-default-apps --mute-audio --user-data-dir="$work/profile" \
	    --window-size=1280,800 --hide-scrollbars "$@" 2>>"$work/chromium.log"
}
if ! browse --dump-dom "file://$top/docs/api.md" >/dev/null; then
	skip all "chromium does not start here: $(tail -n 3 "$work/chromium.log")"
	exit 0
fi

# A closed port on loopback: tcp-connect fails there, at once. tests/lib.sh's
# free_port: below the ephemeral range, so no connection of this machine
# (kbdiag's own probe included) takes it meanwhile.
. "$top/tests/lib.sh"
port=$(free_port)
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	fail "no closed port found on 127.0.0.1 ($port answers)"
	exit 1
fi

# The sample log, and a log with the lines a hostile log could carry: its
# incident's error is markup (the log names no smart host: --smarthost's).
cp "$top/kb/samples/smtpgate.log" "$work/smtpgate.log"
printf '%s\n' '09:40:00 - Error (119) Network Write Error <script>alert(1)</script><img src=x onerror=alert(2)>' \
    '09:41:00 - ERROR <b>unknown</b> failure <script>alert(3)</script>' >"$work/hostile.log"
(cd "$work" && "$kbdiag" --probe --smarthost "127.0.0.1:$port" --timeout 2s -o diagnosis.json \
    diagnose smtpgate.log hostile.log && "$kbdiag" --replay diagnosis.json -o diagnosis.html \
    diagnose && "$kbdiag" report -o report.html diagnosis.json) >"$work/kbdiag.log" 2>&1
if [ ! -s "$work/diagnosis.html" ] || [ ! -s "$work/report.html" ]; then
	fail "kbdiag did not write the reports: $(cat "$work/kbdiag.log")"
	exit 1
fi

# The measures, taken by the page itself after layout and written into the
# DOM, which --dump-dom prints. Appended to a copy: the reports have no script.
measure='<script>
(function () {
	var out = [], v = document.getElementById("verdict");
	if (v) {
		var r = v.getBoundingClientRect();
		out.push("verdict-bottom=" + Math.round(r.bottom), "viewport=" + window.innerHeight);
		out.push("verdict-text=" + (v.innerText.indexOf("First thing to do") >= 0 ? 1 : 0));
	}
	var dup = 0, rows = 0;
	document.querySelectorAll("table").forEach(function (t) {
		var seen = {};
		t.querySelectorAll("tr").forEach(function (tr) {
			var k = tr.innerText; rows++;
			if (seen[k]) dup++; seen[k] = 1;
		});
	});
	out.push("rows=" + rows, "duplicate-rows=" + dup);
	out.push("failed-rows=" + document.querySelectorAll("tr.failed").length);
	out.push("scripts=" + document.querySelectorAll("script").length);
	out.push("images=" + document.querySelectorAll("img").length);
	var t = document.body.innerText;
	/* \u003c: a literal end tag of script here would end this very script */
	out.push("injected-text=" + (t.indexOf("\u003cscript\u003ealert(1)\u003c/script\u003e" +
	    "\u003cimg src=x onerror=alert(2)\u003e") >= 0 ? 1 : 0));
	var groups = document.querySelectorAll("table.unmatched tr"), shown = 0;
	groups.forEach(function (tr) {
		var c = tr.querySelectorAll("td");
		if (c.length == 4 && c[0].innerText == "1" &&
		    c[2].innerText.indexOf("ERROR \u003cb\u003eunknown\u003c/b\u003e failure ") == 0 &&
		    c[3].innerText == "hostile.log:2: ERROR \u003cb\u003eunknown\u003c/b\u003e failure " +
		    "\u003cscript\u003ealert(3)\u003c/script\u003e" && c[3].getBoundingClientRect().height > 0)
			shown++;
	});
	out.push("unmatched-rows=" + groups.length, "unmatched-shown=" + shown);
	var pre = document.createElement("pre"); pre.id = "kbdiag-measure";
	pre.textContent = out.join(" "); document.body.appendChild(pre);
})();
</script>'
for name in diagnosis report; do
	page="$work/$name.html"
	printf '%s\n' "$measure" >"$work/measure.js"
	awk -v js="$work/measure.js" '/<\/body>/ { while ((getline l < js) > 0) print l }
	    { print }' "$page" >"$work/$name-measure.html"
	browse --dump-dom "file://$work/$name-measure.html" \
	    >"$work/$name.dom" || { fail "$name: chromium could not render it"; continue; }
	m=$(sed -n '/<pre id="kbdiag-measure">/,/<\/pre>/p' "$work/$name.dom" |
	    sed 's/<[^>]*>//g')
	get() { printf '%s\n' $m | sed -n "s/^$1=//p"; }
	bottom=$(get verdict-bottom)
	view=$(get viewport)
	if [ -z "$bottom" ]; then
		fail "$name: no verdict section (or the page did not load): $m"
	elif [ "$bottom" -le "$view" ] && [ "$(get verdict-text)" = 1 ]; then
		pass "$name: the verdict, to its first thing to do, ends at ${bottom}px of ${view}px (above the fold)"
	else
		fail "$name: the verdict ends at ${bottom}px, below the fold of ${view}px"
	fi
	if [ "$(get duplicate-rows)" = 0 ]; then
		pass "$name: no table row twice ($(get rows) rows)"
	else
		fail "$name: $(get duplicate-rows) table rows are there twice"
	fi
	if [ "$(get scripts)" = 1 ] && [ "$(get images)" = 0 ] && [ "$(get injected-text)" = 1 ]; then
		pass "$name: what the log injected is shown as text, and no element"
	else
		fail "$name: injected markup: scripts=$(get scripts) (1 is ours) images=$(get images) text=$(get injected-text)"
	fi
	if [ "$name" = diagnosis ]; then
		if [ "$(get failed-rows)" -ge 1 ]; then
			pass "diagnosis: the failed layer is marked ($(get failed-rows) failed row)"
		else
			fail "diagnosis: no probe row is marked failed (tcp-connect to a closed port)"
		fi
	fi
	# what was not recognised: in the diagnosis and in the report handed on
	if [ "$(get unmatched-shown)" = 1 ]; then
		pass "$name: the unmatched lines grouped, in a table of $(get unmatched-rows) rows"
	else
		fail "$name: the hostile log's unmatched line is not a visible group row (table.unmatched rows: $(get unmatched-rows))"
	fi
done

# The first screen of each, as a reader sees it.
mkdir -p "$shots"
for name in diagnosis report; do
	if browse --screenshot="$shots/$name-1280x800.png" "file://$work/$name.html" >/dev/null &&
	    [ "$(stat -c %s "$shots/$name-1280x800.png" 2>/dev/null || echo 0)" -gt 10000 ]; then
		pass "$name: screenshot $build/browser/$name-1280x800.png"
	else
		fail "$name: no screenshot"
	fi
done

# Printed: no page may end with a heading (its content on the next page).
if ! command -v pdftotext >/dev/null 2>&1; then
	skip print "pdftotext is not installed (make deps-test installs poppler-utils when it can)"
else
	for name in diagnosis report; do
		pdf="$work/$name.pdf"
		browse --no-pdf-header-footer --print-to-pdf="$pdf" "file://$work/$name.html" \
		    >/dev/null 2>&1
		if [ ! -s "$pdf" ]; then
			fail "$name: chromium printed no PDF"
			continue
		fi
		cp "$pdf" "$shots/$name.pdf"
		# the headings: h1-h3 and the terms of the verdict
		sed -n 's/.*<h[123][^>]*>\([^<]*\)<\/h[123]>.*/\1/p' "$work/$name.html" |
		    sed 's/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g' >"$work/$name.headings"
		pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *//p')
		[ -n "$pages" ] || pages=$(pdftotext "$pdf" - | tr -cd '\f' | wc -c)
		orphans=""
		for ((i = 1; i < pages; i++)); do
			last=$(pdftotext -f "$i" -l "$i" -layout "$pdf" - | tr -d '\f' | sed 's/^ *//; s/ *$//' |
			    grep -v '^$' | tail -n 1)
			[ -n "$last" ] && grep -qxF -- "$last" "$work/$name.headings" &&
			    orphans="$orphans page $i: '$last';"
		done
		if [ -z "$orphans" ]; then
			pass "$name: printed on $pages pages, no page ends with a heading"
		else
			fail "$name: headings cut from their content when printed:$orphans"
		fi
	done
fi

[ "$failed" = 0 ] || exit 1
