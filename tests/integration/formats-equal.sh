#!/usr/bin/env bash
# The same log in the forms an administrator has on a modern system (the
# systemd journal through journalctl, docker's logs) gives the same diagnosis
# as the classic syslog file it was written from.
#
# All the files of the real corpus at once ($KBDIAG_REAL_CORPUS, default
# /work/shared/corpus/real-logs; tests/cases/mta-lines.tsv without it) is
# written again in each form (each file alone in json, json-pretty, verbose, export,
# short and docker's json-file, whole and split) by
# tests/integration/journal-forms.pl (json, json-seq, json-pretty, verbose, export,
# the short forms, cat, docker's json-file, whole and with every line split
# as docker splits one over 16 kB, and --timestamps), under the same file name in a
# directory of its own, and diagnosed; the JSON diagnosis must be the same
# as the syslog file's, read with --date YEAR-12-31 (so that the year-less
# stamps fall in the year the converter wrote), apart from what the form
# changes by its nature:
#   - every form: the inputs' format and year, and whether an incident's year
#     was inferred;
#   - short, short-precise, short-header: no year, so the lines of the corpus
#     of other years (Exim's test suite, 1999) are dated in 2026: each file
#     whose lines have no year gives the same as its syslog file in short,
#     and all at once the same as the syslog file with all its years 2026;
#     short-precise and short-header the same as short;
#   - export, json-pretty, verbose: an entry is several lines, its record at
#     its MESSAGE line; docker-json-split: a line is several entries, its record
#     at the first: the lines the diagnosis names are not compared;
#   - short-header: journalctl's "-- Logs begin at" line is one more line
#     (the line numbers after it are one more), and it, not --date, dates the
#     year-less stamps;
#   - short-monotonic and cat (no wall-clock time; cat no program or host
#     either): the articles and the lines each matched only (without times
#     a message's end cannot be joined to its failures, nor episodes split),
#     and the warning that short-monotonic has no time.
# Each form is also read with its --input-format forced. Then the samples of
# real journalctl and docker output (tests/samples/journal/) are diagnosed:
# every line read, the entries recognised as such (none examined as text),
# no warning of a JSON line.
#
#   tests/integration/formats-equal.sh
#
# Environment: BUILD (default build), KEEP=1 keeps the work directory.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIP (jq or perl's JSON::PP missing).
set -uo pipefail
export LC_ALL=C TZ=UTC
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
KBDIAG=$PWD/$BUILD/kbdiag
FORMS=$PWD/tests/integration/journal-forms.pl
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
say() { printf 'formats-equal: %s\n' "$*" >&2; }

command -v jq >/dev/null || { say "SKIP: jq is not installed (make deps-test)"; exit 77; }
perl -MJSON::PP -e 1 2>/dev/null || { say "SKIP: perl's JSON::PP is missing"; exit 77; }
[ -x "$KBDIAG" ] || { say "SKIP: $KBDIAG not built"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/formeq.XXXXXX")
cleanup() { if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
export KBDIAG_CACHE=$work/cache
fail=0
compared=0

# What a form keeps of a diagnosis (jq), by form.
strip='del(.inputs) | del(.incidents[].year_inferred) | del(.summary.bytes)'
strip_header='walk(if type == "object" and has("line") and has("file") and
	(.line | type) == "number" then .line -= 1 else . end) | .summary.lines -= 1'
# an export entry is several lines: its record is at its MESSAGE line
strip_lines='walk(if type == "object" and has("line") and has("file") then del(.line)
	else . end) | del(.summary.lines)'
weak='([.incidents[].article] | unique), .summary.matched_by_article, .summary.lines'

# diagnose DIR/NAME [options...] into OUT (JSON), exit status in $rc
diagnose() {
	local out=$1
	shift
	(cd "$(dirname "$1")" && "$KBDIAG" --offline --format json -o "$out" \
		diagnose "$(basename "$1")" "${@:2}" 2> "$out.err")
	rc=$?
}

compare() {
	local name=$1 src=$2 form=$3 force=$4 base=$work/${5:-base}/$1/out.json
	local dir=$work/$form${force:+-$force}/$name
	mkdir -p "$dir"
	perl "$FORMS" "$form" 2026 < "$src" > "$dir/mail.log" ||
		{ say "FAIL: $name: journal-forms.pl $form"; fail=1; return; }
	local opts=(--date 2026-12-31)
	[ "$form" = short-header ] && opts=()
	[ -n "$force" ] && opts+=(--input-format "$force")
	diagnose "$dir/out.json" "$dir/mail.log" "${opts[@]}"
	if [ $rc != 0 ] && [ $rc != 1 ]; then
		say "FAIL: $name $form: exit $rc: $(head -3 "$dir/out.json.err")"; fail=1; return
	fi
	compared=$((compared + 1))
	local filt=$strip filt2=$strip
	case $form in
	short-header) filt2="$strip | $strip_header" ;;
	# (json-pretty's record at its MESSAGE line, a split docker line's at its first part)
	export | json-pretty | verbose | docker-json-split) filt="$strip | $strip_lines" filt2=$filt ;;
	short-monotonic | cat) filt=$weak filt2=$weak ;;
	esac
	if ! cmp -s <(jq -S "$filt" "$base") <(jq -S "$filt2" "$dir/out.json")
	then
		say "FAIL: $name: $form${force:+ (--input-format $force)} gives another diagnosis than ${5:-syslog}:"
		diff <(jq -S "$filt" "$base") <(jq -S "$filt2" "$dir/out.json") |
			head -20 >&2
		fail=1
	fi
	# every line read as its form: none taken for another's JSON
	if grep -q 'neither smtpgw\|not a JSON object' "$dir/out.json.err"; then
		say "FAIL: $name $form: $(head -1 "$dir/out.json.err")"; fail=1
	fi
	if [ "$form" = short-monotonic ] && ! grep -q 'time since boot' "$dir/out.json.err"; then
		say "FAIL: $name: short-monotonic: no warning that it has no wall-clock time"; fail=1
	fi
}

if [ -d "$corpus" ] && ls "$corpus"/*.log >/dev/null 2>&1; then
	srcs=("$corpus"/*.log)
	cat "$corpus"/*.log > "$work/real-all.log"
	# the short form of all of it: its lines of other years moved into 2026
	mkdir -p "$work/short-yearless/real-all"
	perl "$FORMS" short-iso 2026 < "$work/real-all.log" |
		sed -E 's/^[0-9]{4}-/2026-/' > "$work/short-yearless/real-all/mail.log"
	diagnose "$work/short-yearless/real-all/out.json" "$work/short-yearless/real-all/mail.log"
	srcs+=("$work/real-all.log")
else
	say "no real corpus at $corpus: tests/cases/mta-lines.tsv's lines instead"
	cut -f 3 tests/cases/mta-lines.tsv | grep -v '^#' | grep . > "$work/mta-lines.log"
	srcs=("$work/mta-lines.log")
fi

forms="json json-seq json-pretty verbose export short short-header short-iso short-iso-old
	short-iso-precise short-precise short-full short-unix short-monotonic cat docker-json
	docker-json-split docker-ts"
for src in "${srcs[@]}"; do
	name=$(basename "$src" .log)
	mkdir -p "$work/base/$name"
	cp "$src" "$work/base/$name/mail.log"
	diagnose "$work/base/$name/out.json" "$work/base/$name/mail.log" --date 2026-12-31
	[ $rc = 0 ] || [ $rc = 1 ] || { say "FAIL: $name: syslog: exit $rc"; fail=1; continue; }
	# each file in the main forms, all of them at once in every form
	case $name in
	real-all | mta-lines) ;;
	*) for form in json json-pretty verbose export docker-json docker-json-split; do
		compare "$name" "$src" "$form" ""
	   done
	   # the short form has no year: only of a log whose lines have none
	   grep -qE '^[0-9]{4}-' "$src" || compare "$name" "$src" short ""
	   continue ;;
	esac
	for form in $forms; do
		case $form in
		short-header | short-precise) compare "$name" "$src" $form "" short ;;
		short) compare "$name" "$src" short "" short-yearless ;;
		*) compare "$name" "$src" "$form" "" ;;
		esac
	done
	# forced formats
	compare "$name" "$src" json journal
	compare "$name" "$src" json-seq journal
	compare "$name" "$src" export journal
	compare "$name" "$src" json-pretty journal
	compare "$name" "$src" verbose journal
	compare "$name" "$src" docker-json docker
	compare "$name" "$src" docker-json-split docker
	compare "$name" "$src" docker-ts docker
	compare "$name" "$src" short-full syslog
	compare "$name" "$src" short-unix syslog
done
n=$(jq '.incidents | length' "$work/base/real-all/out.json" 2>/dev/null || echo 0)
say "real-all: $n incidents in the syslog form"

# Real journalctl and docker output (tests/samples/journal/README.md).
for f in tests/samples/journal/*.json tests/samples/journal/*.export; do
	[ -e "$f" ] || continue
	compared=$((compared + 1))
	"$KBDIAG" --offline --format json -o "$work/sample.json" diagnose "$f" 2> "$work/sample.err"
	rc=$?
	lines=$(wc -l < "$f")
	if [ $rc != 0 ] && [ $rc != 1 ]; then
		say "FAIL: $f: exit $rc"; fail=1; continue
	fi
	got=$(jq '.summary.lines' "$work/sample.json")
	[ "$got" = "$lines" ] || { say "FAIL: $f: $got lines read of $lines"; fail=1; }
	want=$(case $f in *docker*) echo docker ;; *) echo journal ;; esac)
	fmt=$(jq -r '.inputs[0].format' "$work/sample.json")
	[ "$fmt" = "$want" ] || { say "FAIL: $f: read as $fmt, not $want"; fail=1; }
	! grep -q 'neither smtpgw\|not a JSON object' "$work/sample.err" ||
		{ say "FAIL: $f: $(head -1 "$work/sample.err")"; fail=1; }
done

if [ $fail = 0 ]; then
	say "PASS: $compared diagnoses of journal and docker forms, each the same as syslog's"
	exit 0
fi
exit 1
