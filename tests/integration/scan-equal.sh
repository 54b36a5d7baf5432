#!/usr/bin/env bash
# The two-thread scan (engine/scan.h) against the plain reader loop: on every
# input, `kbdiag diagnose` writes the same bytes with the scan on (the
# default for a regular file) and off (KBDIAG_SCAN=plain), and every line an
# incident names is matched by PCRE2 (pcre2grep) with a pattern of the
# incident's article, so the fast path reports nothing PCRE2 does not match.
#
# Inputs: generated gateway logs (several seeds, sizes and error rates), a
# mixed log (gateway lines, smtpgw's events, the real corpus's MTA lines),
# the real corpus in the journal's and docker's forms and their real samples
# (tests/samples/journal/),
# every file of the real corpus ($KBDIAG_REAL_CORPUS, default
# /work/shared/corpus/real-logs; tests/cases/mta-lines.tsv without it) and
# all of it at once, and hand-made edge cases: CR LF, a lone CR, a CR LF split
# across the scan's blocks, lines of exactly and more than READER_MAX_LINE,
# one of three times it, NUL bytes, empty lines, JSON that is not, no last
# line end. Options: JSON and text, --since/--until, --input-format.
# KBDIAG_SCAN=plain also keeps the JSON report on one thread, so the two-thread
# report (engine/render.c) is compared too. KBDIAG_SCAN_PRE=all: the scan with
# the worker reading every matched, error and delivery line's message for the
# caller (scan.h), compared with the plain loop too.
#
#   tests/integration/scan-equal.sh
#
# Environment: BUILD (default build), KEEP=1 keeps the work directory.
# Exit 0 = PASS, 1 = FAIL, 77 = SKIP (pcre2grep or jq missing).
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
KBDIAG=$PWD/$BUILD/kbdiag
GENLOG=$PWD/$BUILD/genlog
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
say() { printf 'scan-equal: %s\n' "$*" >&2; }

for t in pcre2grep jq; do
	command -v $t >/dev/null || { say "SKIP: $t is not installed (make deps-test)"; exit 77; }
done
for b in "$KBDIAG" "$GENLOG"; do
	[ -x "$b" ] || { say "SKIP: $b not built"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/scaneq.XXXXXX")
cleanup() { if [ -n "${KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
# the rule base cache of the kbdiag runs here, never under $HOME
export KBDIAG_CACHE=$work/cache
fail=0
inputs=0
located=0

# The patterns of every article, PCRE2 syntax, (?i) where caseless: one file each.
mkdir -p "$work/pat"
"$KBDIAG" --format json kb list > "$work/articles.json" 2>/dev/null ||
	{ say "FAIL: kbdiag kb list"; exit 1; }
for id in $(jq -r '.articles[].id' "$work/articles.json"); do
	"$KBDIAG" --format json kb show "$id" |
		jq -r '.symptoms[] | select(.role != "description") |
			(if .caseless then "(?i)" else "" end) + .pattern' > "$work/pat/$id"
done
[ "$(ls "$work/pat" | wc -l)" -gt 50 ] || { say "FAIL: no articles' patterns"; exit 1; }

# Every line an incident of out (JSON) names matches its article's patterns.
pcre2_check() {
	local out=$1 name=$2
	jq -r '.incidents[] | .article as $a | .locations[]? |
		[$a, .file, (.line | tostring)] | @tsv' "$out" > "$work/locs"
	rm -f "$work"/lines.*
	# the lines, by article: one awk pass per file
	cut -f 2 "$work/locs" | sort -u | while IFS= read -r file; do
		awk -F '\t' -v f="$file" '$2 == f { print $3 "\t" $1 }' "$work/locs" |
			sort -n > "$work/want"
		# lines end at LF, CR LF or a lone CR, as the reader reads them
		case $file in
		*.gz) gzip -dc "$file" ;;
		*) cat "$file" ;;
		esac | perl -pe 's/\r\n?/\n/g' > "$work/lf"
		awk -v dir="$work" 'NR == FNR { want[$1] = want[$1] " " $2; next }
			FNR in want { n = split(want[FNR], a, " ")
				for (i = 1; i <= n; i++) print > (dir "/lines." a[i]) }' \
			"$work/want" "$work/lf"
	done
	for l in "$work"/lines.*; do
		[ -e "$l" ] || continue
		local id=${l##*/lines.}
		# an event's patterns are matched against its "text", a journal entry's
		# against its MESSAGE (a string or bytes), a docker line's its "log"; an
		# export entry's MESSAGE that is a binary field is not on its line
		awk '/^\x1e?[ \t]*\{/ { sub(/^\x1e/, ""); print > "'"$l"'.json"; next }
			$0 == "MESSAGE" { next } { print }' "$l" > "$l.text"
		[ -s "$l.json" ] && jq -r '.text // (.MESSAGE | if type == "array" then
			implode else . end) // (.log | values | rtrimstr("\n") | rtrimstr("\r")) //
			empty' "$l.json" >> "$l.text" 2>/dev/null
		located=$((located + $(wc -l < "$l.text")))
		if [ ! -s "$work/pat/$id" ]; then
			say "FAIL: $name: article $id has no patterns"; fail=1; continue
		fi
		# the reader matches a line's first READER_MAX_LINE bytes
		cut -b -1048576 "$l.text" > "$l.subject"
		pcre2grep --max-buffer-size=4194304 -v -f "$work/pat/$id" "$l.subject" \
			> "$work/nomatch"
		case $? in
		1) ;;	# every line matched
		0) say "FAIL: $name: lines of an incident of $id that no pattern of $id matches:"
		   cut -b -200 "$work/nomatch" | head -3 >&2
		   fail=1 ;;
		*) say "FAIL: $name: pcre2grep failed on the lines of $id"; fail=1 ;;
		esac
	done
}

# diagnose FILE with the scan on and off: the same bytes; then the PCRE2 check.
same() {
	local name=$1 file=$2
	shift 2
	inputs=$((inputs + 1))
	"$KBDIAG" --offline --format json "$@" -o "$work/fast.json" diagnose "$file" \
		2> "$work/fast.err"
	local rf=$?
	KBDIAG_SCAN=plain "$KBDIAG" --offline --format json "$@" -o "$work/plain.json" \
		diagnose "$file" 2> "$work/plain.err"
	local rp=$?
	if [ $rf != $rp ] || ! cmp -s "$work/fast.json" "$work/plain.json" ||
	    ! cmp -s "$work/fast.err" "$work/plain.err"; then
		say "FAIL: $name ($*): the scan and the plain loop differ (exit $rf, $rp)"
		diff <(jq -S . "$work/plain.json") <(jq -S . "$work/fast.json") | head -20 >&2
		fail=1
		return
	fi
	# the worker reading every matched, error and delivery line's message for
	# the caller (scan.h's scan_pre, which otherwise follows the load)
	KBDIAG_SCAN_PRE=all "$KBDIAG" --offline --format json "$@" -o "$work/pre.json" \
		diagnose "$file" 2> "$work/pre.err"
	if [ $? != $rp ] || ! cmp -s "$work/pre.json" "$work/plain.json" ||
	    ! cmp -s "$work/pre.err" "$work/plain.err"; then
		say "FAIL: $name ($*): the scan with the worker's messages and the plain loop differ"
		diff <(jq -S . "$work/plain.json") <(jq -S . "$work/pre.json") | head -20 >&2
		fail=1
		return
	fi
	[ ! -s "$file" ] || [ "$(jq '.summary.lines' "$work/fast.json")" -gt 0 ] ||
		{ say "FAIL: $name: no lines read"; fail=1; }
	pcre2_check "$work/fast.json" "$name"
}

# Several logs in one run (a rotation set and two others): the same bytes.
same_files() {
	local name=$1
	shift
	inputs=$((inputs + 1))
	"$KBDIAG" --offline --format json diagnose "$@" > "$work/fast.json" 2>&1
	KBDIAG_SCAN=plain "$KBDIAG" --offline --format json diagnose "$@" \
		> "$work/plain.json" 2>&1
	cmp -s "$work/fast.json" "$work/plain.json" ||
		{ say "FAIL: $name: the scan and the plain loop differ"; fail=1; return; }
	pcre2_check "$work/fast.json" "$name"
}

# The log on standard input, through a pipe: the same bytes.
same_stdin() {
	local name=$1 file=$2
	inputs=$((inputs + 1))
	cat "$file" | "$KBDIAG" --offline --format json diagnose - > "$work/fast.json" 2>&1
	cat "$file" | KBDIAG_SCAN=plain "$KBDIAG" --offline --format json diagnose - \
		> "$work/plain.json" 2>&1
	cmp -s "$work/fast.json" "$work/plain.json" ||
		{ say "FAIL: $name (standard input): the scan and the plain loop differ"; fail=1; }
}

# The same in text (the report a person reads).
same_text() {
	local name=$1 file=$2
	inputs=$((inputs + 1))
	"$KBDIAG" --offline diagnose "$file" > "$work/fast.txt" 2>&1
	KBDIAG_SCAN=plain "$KBDIAG" --offline diagnose "$file" > "$work/plain.txt" 2>&1
	cmp -s "$work/fast.txt" "$work/plain.txt" ||
		{ say "FAIL: $name (text): the scan and the plain loop differ"; fail=1; }
}

say "generated gateway logs"
"$GENLOG" --seed 1 --size 6M > "$work/g1.log"
"$GENLOG" --seed 2 --size 1M --error-rate 0.3 > "$work/g2.log"
"$GENLOG" --seed 3 --size 3M --error-rate 0.1 --events "$work/g3.events" > "$work/g3.log"
same genlog-1-6M "$work/g1.log"
# KBDIAG_SCAN=plain also writes the JSON report on one thread (render.c
# serialises 16 incidents or more on two): this log has enough to compare.
n=$(jq '.incidents | length' "$work/fast.json")
[ "${n:-0}" -ge 16 ] ||
	{ say "FAIL: genlog-1-6M: $n incidents, the two-thread report goes untested"; fail=1; }
same genlog-2-1M "$work/g2.log"
same genlog-3-3M "$work/g3.log"
same genlog-3-events "$work/g3.events"
same_text genlog-2-1M "$work/g2.log"
cp "$work/g2.log" "$work/gw.log.1"
cp "$work/g1.log" "$work/gw.log"
gzip -c "$work/g3.log" > "$work/gw.log.2.gz"
gzip -c "$work/g1.log" > "$work/g1.log.gz"
same genlog-1-gzip "$work/g1.log.gz"
same_stdin genlog-1-gzip "$work/g1.log.gz"
same_stdin genlog-2 "$work/g2.log"
# a gzip stream cut short: the lines before it, then the error (exit 3)
head -c 200000 "$work/g1.log.gz" > "$work/cut.gz"
same genlog-1-cut-gzip "$work/cut.gz"
same_files several "$work/gw.log" "$work/gw.log.1" "$work/gw.log.2.gz" "$work/g3.events"
# the banners date the log: a window of one day
day=$(grep -m 1 -o '[A-Z][a-z][a-z] [A-Z][a-z][a-z] [ 0-9][0-9] ..:..:.. [0-9]*' "$work/g1.log")
since=$(date -u -d "$day" +%Y-%m-%dT12:00:00)
until=$(date -u -d "$day + 1 day" +%Y-%m-%dT12:00:00)
same genlog-1-window "$work/g1.log" --since "$since" --until "$until"
same genlog-1-legacy "$work/g1.log" --input-format legacy
same genlog-1-text "$work/g1.log" --input-format text

say "the real corpus"
if [ -d "$corpus" ] && ls "$corpus"/*.log >/dev/null 2>&1; then
	for f in "$corpus"/*.log; do
		same "real-$(basename "$f")" "$f"
	done
	cat "$corpus"/*.log > "$work/real-all.log"
	same real-all "$work/real-all.log"
	same_text real-all "$work/real-all.log"
	same real-all-syslog "$work/real-all.log" --input-format syslog
	same real-all-window "$work/real-all.log" --date 2026-12-01 \
		--since 2026-10-01 --until 2026-11-30
	syslog_src=$work/real-all.log
else
	say "no real corpus at $corpus: its files are not compared"
	cut -f 3 tests/cases/mta-lines.tsv | grep -v '^#' | grep . > "$work/mta.log"
	syslog_src=$work/mta.log
	same mta-lines "$work/mta.log"
fi

say "the journal's and docker's forms (tests/integration/journal-forms.pl)"
for form in json json-seq export short-precise short-full short-unix short-monotonic \
    docker-json docker-ts; do
	perl tests/integration/journal-forms.pl $form 2026 < "$syslog_src" > "$work/$form.log"
	same "$form" "$work/$form.log"
done
same journal-forced "$work/json.log" --input-format journal
same export-forced "$work/export.log" --input-format journal
same docker-forced "$work/docker-json.log" --input-format docker
same_stdin export "$work/export.log"
gzip -c "$work/export.log" > "$work/export.log.gz"
same export-gzip "$work/export.log.gz"
cat "$work/json.log" "$work/export.log" "$work/short-unix.log" "$work/docker-ts.log" \
	> "$work/journal-mixed.log"
same journal-mixed "$work/journal-mixed.log"
for f in tests/samples/journal/*.json tests/samples/journal/*.export; do
	same "sample-$(basename "$f")" "$f"
done

say "a mixed log"
"$GENLOG" --seed 4 --size 4M --events "$work/g4.events" > "$work/g4.log"
awk -v ev="$work/g4.events" -v sl="$syslog_src" -f tests/bench/mixed.awk "$work/g4.log" \
	> "$work/mixed.log"
same mixed "$work/mixed.log"

say "edge cases"
err='10:41:07 - Error (119) Network Write Error'
e=$work/edge.log
{
	echo "09:00:00 - Tue Mar  1 09:00:00 1994 Microsoft Mail Gateway to SMTP V3.0"
	printf '%s\r\n' "$err" "10:41:08 - Connecting to smart SMTP host" " [tx] HELO a"
	printf '%s\r' "$err" " [rx] 250 ok"
	printf '\n\n\n'
	printf '%s\0 with a NUL\n' "$err"
	echo '  {"not": json'
	echo '{"time":"1994-03-01T10:42:00Z","text":"Error (119) Network Write Error","peer":"192.0.2.9"}'
	echo '{"text":7}'
	# lines the worker leaves to the reader (SCAN_SELF): json-seq's RS and
	# spaces before an event, a duplicate key, an object of no log, a journal
	# entry (scanned without jansson), an event cut by a NUL
	printf '\036  {"time":"1994-03-01T10:43:00Z","text":"Error (119) Network Write Error","peer":"192.0.2.10"}\n'
	echo '{"time":"1994-03-01T10:44:00Z","text":"hello","text":"twice"}'
	echo '{"user":"nobody","count":3}'
	echo '{"MESSAGE":"Error (119) Network Write Error","__REALTIME_TIMESTAMP":"762519840000000"}'
	printf '{"time":"1994-03-01T10:45:00Z","text":"Recipient \0unknown"}\n'
	# a line of exactly READER_MAX_LINE bytes, one byte more, three times it
	for n in 1048576 1048577 3145728; do
		printf '%s' "$err"; head -c $((n - ${#err})) /dev/zero | tr '\0' 'x'; echo
	done
	echo "23:59:59 - $err"
	echo "00:00:01 - $err"
} > "$e"
# a CR LF split between the scan's blocks (SCAN_READ, 256 KiB): padding to a
# block's last byte, then the CR at it
size=$(wc -c < "$e")
pad=$(( (262144 - size % 262144) % 262144 ))
[ $pad -lt 200 ] && pad=$((pad + 262144))
{
	head -c $((pad - ${#err} - 2)) /dev/zero | tr '\0' 'y'
	printf '\n%s\r\n' "$err"
	printf '%s' "$err"	# no last line end
} >> "$e"
same edge "$e"
same edge-ndjson "$e" --input-format ndjson
same_text edge "$e"
# the same bytes from every offset of a block: a CR at each block's end
for shift in 1 2 1000; do
	{ head -c $shift /dev/zero | tr '\0' 'z'; echo; cat "$e"; } > "$work/edge-$shift.log"
	same "edge+$shift" "$work/edge-$shift.log"
done
printf '' > "$work/empty.log"
same empty "$work/empty.log"

if [ $fail = 0 ]; then
	say "PASS: $inputs inputs, the same output with the scan on and off;" \
		"$located located lines, each matched by PCRE2 (pcre2grep)"
	exit 0
fi
exit 1
