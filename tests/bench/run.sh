#!/bin/bash
# The log-ingestion benchmark (kbdiag issue 4):
#
#   tests/bench/run.sh [SIZE]      SIZE as genlog takes it (123M, 1G); default 1G
#
# Builds kbdiag and the bench tools, generates one seeded gateway log of SIZE
# bytes (build/genlog), exports the rule base's patterns (kbdiag kb patterns,
# in PCRE2 and ERE form), and then times on that log, one after the other:
#
#   grep -c -F Network               the literal floor
#   grep -c -i -E -f ere.txt         the rule base's patterns, as ERE
#   pcre2grep -c -i -f pcre.txt      the same, as PCRE2
#   rg -c -i -f ere.txt              ripgrep, ERE form
#   build/naive pcre.txt             every PCRE2 pattern on every line
#   build/kbdiag diagnose --offline --format json     the subject
#
# each BENCH_RUNS times (default 3), in rounds of one run of each tool, for
# the median wall time, then once more under /usr/bin/time -f %M for the
# peak RSS (apart, so that time's own start-up is not in the wall time),
# plus kbdiag's start-up on an empty log
# (median of 20). Every command writes its output to a file: GNU grep stops
# reading when its output is /dev/null. A peer that is not installed is
# skipped with a note (make deps-bench installs them). Everything runs with
# LC_ALL=C: a log is bytes, as kbdiag and pcre2grep read it, and GNU grep -i
# in a UTF-8 locale is more than ten times slower.
#
# Bash, for $EPOCHREALTIME: timing with date(1) would add its own start-up.
#
# The results replace the section between <!-- bench:ingest begin --> and
# <!-- bench:ingest end --> of docs/benchmarks.md (BENCH_DOC to write
# another file); the rest of the file is left alone.
#
# Then it times kbdiag side by side with `grep -c -i -E -f ere.txt` (and rg
# when installed) on three inputs, each of the kinds a user has, and writes
# the section between <!-- bench:inputs begin --> and <!-- bench:inputs end -->:
#
#   gateway  the generated gateway log above (its times, from the rounds above)
#   mixed    gateway lines (genlog, another seed), smtpgw's NDJSON events of
#            their failures (genlog --events) and MTA syslog lines (the real
#            corpus, or tests/cases/mta-lines.tsv without it), interleaved in
#            blocks, BENCH_INPUT_SIZE bytes (default 200M)
#   real     the real corpus ($KBDIAG_REAL_CORPUS, default
#            /work/shared/corpus/real-logs: Postfix, Exim, Sendmail logs of
#            other projects and servers) repeated to BENCH_INPUT_SIZE bytes;
#            skipped, with a note, when the corpus is not there
#
# Environment: BENCH_SEED (1), BENCH_RUNS (3), BENCH_DIR (build/bench: the
# log and the outputs), BENCH_KEEP=1 keeps the log afterwards, BENCH_DOC,
# BENCH_NOTE (a paragraph to add to the section).
set -eu
export LC_ALL=C

size=${1:-1G}
seed=${BENCH_SEED:-1}
runs=${BENCH_RUNS:-3}

cd "$(dirname "$0")/../.."
dir=${BENCH_DIR:-build/bench}
doc=${BENCH_DOC:-docs/benchmarks.md}
log=$dir/gateway.log

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

case $runs in
''|*[!0-9]*|0) die "BENCH_RUNS must be a positive number, not '$runs'" ;;
esac

say "== building kbdiag and the bench tools"
${MAKE:-make} --no-print-directory build bench-tools >&2 ||
	die "the build failed"

mkdir -p "$dir"
rm -f "$dir"/out.* "$dir"/time.*

say "== generating a $size log (seed $seed)"
build/genlog --seed "$seed" --size "$size" --manifest "$dir/manifest.json" \
	> "$log" || die "genlog failed"
bytes=$(wc -c < "$log" | tr -d ' ')
lines=$(wc -l < "$log" | tr -d ' ')

say "== exporting the rule base's patterns"
build/kbdiag kb patterns > "$dir/pcre.txt" ||
	die "'kbdiag kb patterns' failed: does this kbdiag have it yet?"
build/kbdiag --syntax ere kb patterns > "$dir/ere.txt" ||
	die "'kbdiag --syntax ere kb patterns' failed"
npat=$(grep -c . "$dir/pcre.txt" || true)
[ "$npat" -gt 0 ] || die "kbdiag kb patterns printed no patterns"

timer=
if [ -x /usr/bin/time ]; then
	timer=/usr/bin/time
else
	say "run.sh: /usr/bin/time is missing (make deps-bench): no peak RSS"
fi

# Read the log once so that every tool finds it in the page cache.
cat "$log" > /dev/null

# usec T: $EPOCHREALTIME's seconds.micro as microseconds (no subshell,
# which would add its own fork to the time).
usec() { echo "${1/./}"; }

# median FILE: the middle one of the numbers in FILE, one a line.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# status NAME OK-STATUSES ST: is ST one of the exit statuses that mean success?
status_ok() {
	case " $2 " in
	*" $3 "*) return 0 ;;
	esac
	say "run.sh: $1 failed (exit $3):"
	cut -c 1-200 "$dir/err.$1" | head -5 | sed 's/^/    /' >&2
	return 1
}

have() { command -v "$1" > /dev/null 2>&1; }

# The tools, in the table's order. tool NAME TITLE LABEL OK-STATUSES CMD...
# adds one: NAME names its files ($dir/out.NAME, ...), TITLE and LABEL are
# the table's tool and command columns, OK-STATUSES the exit statuses that
# mean success.
tools=()
declare -A title label okst why
tool() {
	local name=$1
	tools+=("$name")
	title[$name]=$2
	label[$name]=$3
	okst[$name]=$4
	shift 4
	printf '%s\0' "$@" > "$dir/cmd.$name"
	: > "$dir/time.$name.wall"
	have "$1" || why[$name]="not installed (make deps-bench)"
}

# run_tool NAME [WRAPPER...]: run NAME's command once, its output in
# $dir/out.NAME; 1 if it failed.
run_tool() {
	local name=$1 st=0 cmd
	shift
	mapfile -d '' cmd < "$dir/cmd.$name"
	"$@" "${cmd[@]}" > "$dir/out.$name" 2> "$dir/err.$name" || st=$?
	echo "$st" > "$dir/status.$name"
	status_ok "$name" "${okst[$name]}" "$st"
}

# Why a tool failed, for the table: its exit status and the last line of its
# error output, short and safe in a Markdown table.
failure_of() {
	printf 'exit %s: %s' "$(cat "$dir/status.$1")" \
		"$(tail -n 1 "$dir/err.$1" | cut -c 1-100 | sed 's/|/\\|/g')"
}

# What a tool found, for the output column.
result_of() {
	case $1 in
	naive)	awk -F '\t' '$1 == "matched" { print $2 " lines" }' "$dir/out.$1" ;;
	hsscan*) cat "$dir/out.$1" ;;
	kbdiag*) # The incidents' own keys are indented by six spaces.
		awk '
		/^      "count": / { sub(/,$/, "", $2); events += $2; incidents++ }
		END { printf "%d incidents, counts summing to %d\n", incidents, events }
		' "$dir/out.$1" ;;
	*)	echo "$(cat "$dir/out.$1") lines" ;;
	esac
}

rows=$dir/rows
: > "$rows"

skip() {
	printf '%s\t%s\tskipped\t\t\t%s\n' "$1" "$2" "$3" >> "$rows"
	say "   $1: skipped: $3"
}

tool grep-F "grep -F" "\`grep -c -F Network\`" "0 1" grep -c -F Network "$log"
tool grep-E "grep -E" "\`grep -c -i -E -f ere.txt\`" "0 1" \
	grep -c -i -E -f "$dir/ere.txt" "$log"
tool pcre2grep pcre2grep "\`pcre2grep -c -i -f pcre.txt\`" "0 1" \
	pcre2grep -c -i -f "$dir/pcre.txt" "$log"
tool rg rg "\`rg -c -i -f ere.txt\`" "0 1" rg -c -i -f "$dir/ere.txt" "$log"
tool naive "naive loop" "\`naive pcre.txt\`" "0" build/naive "$dir/pcre.txt" "$log"
tool hsscan "Vectorscan + PCRE2" "\`hsscan pcre.txt\`" "0" build/hsscan "$dir/pcre.txt" "$log"
tool kbdiag kbdiag "\`kbdiag diagnose --offline --format json\`" "0 1" \
	build/kbdiag diagnose --offline --format json "$log"

# timed_rounds NAME...: round by round, each tool once a round ($runs rounds),
# so that a change in the machine's load (other work on it) spreads over all
# tools rather than hitting one; the wall time of each run in
# $dir/time.NAME.wall; a tool that fails is left out of later rounds with why.
timed_rounds() {
	local round=0 name t0 t1
	while [ "$round" -lt "$runs" ]; do
		round=$((round + 1))
		for name in "$@"; do
			[ -z "${why[$name]:-}" ] || continue
			t0=$EPOCHREALTIME
			if run_tool "$name"; then
				t1=$EPOCHREALTIME
				echo $(($(usec "$t1") - $(usec "$t0"))) >> "$dir/time.$name.wall"
			else
				why[$name]="failed: $(failure_of "$name")"
			fi
		done
		say "   round $round done"
	done
}

say "== timing: $runs rounds of ${#tools[@]} tools"
timed_rounds "${tools[@]}"

grep_mbs=
kbdiag_ok=
for name in "${tools[@]}"; do
	if [ -n "${why[$name]:-}" ]; then
		skip "${title[$name]}" "${label[$name]}" "${why[$name]}"
		continue
	fi
	wall=$(median "$dir/time.$name.wall" | awk '{ printf "%.3f", $1 / 1e6 }')
	mbs=$(awk -v b="$bytes" -v t="$wall" 'BEGIN { printf "%.0f", b / 1e6 / t }')
	mib="n/a"
	if [ -n "$timer" ]; then
		run_tool "$name" "$timer" -f %M -o "$dir/time.$name.rss" ||
			die "$name failed under $timer"
		mib=$(tail -n 1 "$dir/time.$name.rss" |
			awk '{ printf "%.1f", $1 / 1024 }')
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "${title[$name]}" "${label[$name]}" "$wall" "$mbs" \
		"$mib" "$(result_of "$name")" >> "$rows"
	say "   ${title[$name]}: $wall s, $mbs MB/s, $mib MiB"
	case $name in
	grep-E)	grep_mbs=$mbs ;;
	kbdiag)	kbdiag_ok=1 ;;
	esac
done

# Lines that any pattern matches: the same for the two PCRE2 peers, and the
# same for the two ERE ones.
count_of() { [ -s "$dir/out.$1" ] && awk -F '\t' '
	NF == 1 { n = $1 } $1 == "matched" { n = $2 } END { print n }' "$dir/out.$1"; }
for pair in "pcre2grep naive" "grep-E rg"; do
	set -- $pair
	a=$(count_of "$1" || true) b=$(count_of "$2" || true)
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then
		say "run.sh: odd: $1 matched $a lines, $2 $b"
	fi
done

# startup NAME CMD...: the median of 20 runs of CMD, in milliseconds.
startup() {
	local name=$1 i=0 t0 t1 st
	shift
	: > "$dir/time.$name"
	while [ "$i" -lt 20 ]; do
		i=$((i + 1))
		st=0
		t0=$EPOCHREALTIME
		"$@" > "$dir/out.$name" 2> "$dir/err.$name" || st=$?
		t1=$EPOCHREALTIME
		status_ok "$name" "0 1" "$st" || die "$*: failed"
		echo $(($(usec "$t1") - $(usec "$t0"))) >> "$dir/time.$name"
	done
	median "$dir/time.$name" | awk '{ printf "%.1f", $1 / 1e3 }'
}

say "== kbdiag start-up, 20 runs"
startup=$(startup startup build/kbdiag diagnose --offline /dev/null)
floor=$(startup floor /bin/true)
say "   start-up: $startup ms (starting /bin/true: $floor ms)"
read -r inproc_cold inproc_median < <(build/startup kb)
say "   in-process load, validate, compile: first $inproc_cold ms, median $inproc_median ms"

# ---------------------------------------------------------------------------
# The section of docs/benchmarks.md.

ver() {
	if have "$1"; then "$@" 2>/dev/null | head -n 1 || true
	else echo "$1 not installed"; fi
}
cpu=$(awk -F ': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
os="Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), Linux $(uname -r)"
errlines=$(awk -F '"count": ' 'NF > 1 { split($2, a, ","); n += a[1] } END { print n + 0 }' \
	"$dir/manifest.json")

section=$dir/section.md
{
	echo "<!-- bench:ingest begin -->"
	echo "## Log ingestion"
	echo
	echo "Written by \`tests/bench/run.sh $size\` on $(date -u +%Y-%m-%d)."
	echo "Rerun with \`make bench\` (\`BENCH_SIZE=100M make bench\` for a smaller log),"
	echo "or \`tests/bench/run.sh SIZE\`; \`make deps-bench\` installs the peers."
	echo
	echo "- The log: \`genlog --seed $seed --size $size\`, $bytes bytes, $lines lines of"
	echo "  Microsoft Mail Gateway to SMTP log (sessions, transcripts, midnights, bursts"
	echo "  of errors, near misses), of which $errlines are primary error lines."
	echo "- The patterns: the rule base's $npat patterns, from \`kbdiag kb patterns\`"
	echo "  (pcre.txt) and \`kbdiag --syntax ere kb patterns\` (ere.txt, a superset)."
	echo "- The machine: $cpu, $cores cores (nproc), $mem, $os."
	echo "- Tools: $(ver grep --version); $(ver pcre2grep --version);"
	echo "  $(ver rg --version); PCRE2 $(pkg-config --modversion libpcre2-8);"
	echo "  $(ver build/kbdiag --version) (source $(git describe --always --dirty 2>/dev/null ||
		echo 'not a git checkout')); $(ver ${CC:-cc} --version)."
	echo "- Each time is the median of $runs runs, wall clock, taken in rounds of one"
	echo "  run of each tool (so that other load on the machine spreads over all of"
	echo "  them), with the log in the page cache, the output written to a file and"
	echo "  LC_ALL=C (GNU grep -i is more than ten times slower in a UTF-8 locale);"
	echo "  MB is 10^6 bytes; peak RSS from \`/usr/bin/time -f %M\` in one more run;"
	echo "  \"vs grep -E\" is the speed relative to \`grep -c -i -E -f ere.txt\`."
	echo "  \"output\" is what the tool found: lines that any pattern matched, or"
	echo "  kbdiag's incidents."
	echo
	echo "| tool | command | time (s) | MB/s | peak RSS (MiB) | vs grep -E | output |"
	echo "|---|---|---:|---:|---:|---:|---|"
	awk -F '\t' -v g="$grep_mbs" '{
		if ($3 == "skipped") {
			printf "| %s | %s | skipped | | | | %s |\n", $1, $2, $6
			next
		}
		ratio = (g != "" && g > 0) ? sprintf("%.2f", $4 / g) : "n/a"
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, ratio, $6
	}' "$rows"
	echo
	echo "kbdiag start-up (\`kbdiag diagnose --offline /dev/null\`: load, validate and"
	echo "compile the full rule base), median of 20 runs: $startup ms, of which starting"
	echo "a process is about $floor ms here (\`/bin/true\`, timed the same way)."
	echo "Inside one process (\`build/startup kb\`, tests/bench/startup.c: kb_load() and"
	echo "match_compile() only), the first run takes $inproc_cold ms and the median of the"
	echo "next 20 is $inproc_median ms."
	if [ -n "${BENCH_NOTE:-}" ]; then
		echo
		printf '%s\n' "$BENCH_NOTE" | fold -s -w 80 | sed 's/ *$//'
	fi
	echo
	echo "<!-- bench:ingest end -->"
} > "$section"

# write_section NAME FILE: FILE replaces the section between
# <!-- bench:NAME begin --> and <!-- bench:NAME end --> of $doc (appended when
# there is none); the rest of $doc is left alone.
write_section() {
	if [ ! -f "$doc" ]; then
		{
			echo "# Benchmarks"
			echo
			echo "Measurements of kbdiag against its peers, each section written by its"
			echo "script under tests/bench/ (see there for how to rerun it)."
			echo
		} > "$doc"
	fi
	if grep -q "^<!-- bench:$1 begin -->\$" "$doc"; then
		awk -v sec="$2" -v b="<!-- bench:$1 begin -->" -v e="<!-- bench:$1 end -->" '
			$0 == b { while ((getline l < sec) > 0) print l; skip = 1; next }
			$0 == e { skip = 0; next }
			!skip { print }
		' "$doc" > "$doc.tmp"
	else
		{ cat "$doc"; echo; cat "$2"; } > "$doc.tmp"
	fi
	mv "$doc.tmp" "$doc"
}

write_section ingest "$section"
say "== wrote the log-ingestion section of $doc"

# ---------------------------------------------------------------------------
# Three inputs, kbdiag against grep -E on the same patterns.

isize=${BENCH_INPUT_SIZE:-200M}
ibytes=$(numfmt --from=iec "$isize" 2>/dev/null) || die "BENCH_INPUT_SIZE: not a size: $isize"
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
real=$dir/real.log
mixed=$dir/mixed.log
inputs=$dir/inputs
: > "$inputs"

# input_row NAME FILE TOOL WALL-FILE: one row of the table, with a peak RSS run.
input_row() {
	local input=$1 file=$2 name=$3 b wall mbs mib
	b=$(wc -c < "$file" | tr -d ' ')
	wall=$(median "$dir/time.$name.wall" | awk '{ printf "%.3f", $1 / 1e6 }')
	mbs=$(awk -v b="$b" -v t="$wall" 'BEGIN { printf "%.0f", b / 1e6 / t }')
	mib="n/a"
	if [ -n "$timer" ]; then
		run_tool "$name" "$timer" -f %M -o "$dir/time.$name.rss" ||
			die "$name failed under $timer"
		mib=$(tail -n 1 "$dir/time.$name.rss" | awk '{ printf "%.1f", $1 / 1024 }')
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$input" "$b" "${title[$name]}" "$wall" \
		"$mbs" "$mib" "$(result_of "$name")" >> "$inputs"
	say "   $input, ${title[$name]}: $wall s, $mbs MB/s, $mib MiB"
}

# bench_input NAME FILE: time grep -E, rg and kbdiag on FILE in rounds.
bench_input() {
	local input=$1 file=$2 name
	local names=(grep-E-$input rg-$input hsscan-$input kbdiag-$input)
	tools=()
	tool "grep-E-$input" "grep -E" "" "0 1" grep -c -i -E -f "$dir/ere.txt" "$file"
	tool "rg-$input" rg "" "0 1" rg -c -i -f "$dir/ere.txt" "$file"
	tool "hsscan-$input" "Vectorscan + PCRE2" "" "0" build/hsscan "$dir/pcre.txt" "$file"
	tool "kbdiag-$input" kbdiag "" "0 1" build/kbdiag diagnose --offline --format json "$file"
	cat "$file" > /dev/null
	say "== timing the $input input: $runs rounds"
	timed_rounds "${names[@]}"
	for name in "${names[@]}"; do
		if [ -n "${why[$name]:-}" ]; then
			printf '%s\t\t%s\tskipped\t\t\t%s\n' "$input" "${title[$name]}" \
				"${why[$name]}" >> "$inputs"
			continue
		fi
		input_row "$input" "$file" "$name"
	done
}

# The gateway input: the rounds above timed it.
for name in grep-E rg hsscan kbdiag; do
	[ -z "${why[$name]:-}" ] || continue
	input_row gateway "$log" "$name"
done

syslog_src=$dir/syslog.src
if [ -d "$corpus" ] && ls "$corpus"/*.log > /dev/null 2>&1; then
	cat "$corpus"/*.log > "$syslog_src"
	say "== the real corpus: $(wc -c < "$syslog_src" | tr -d ' ') bytes from $corpus"
	: > "$real"
	while [ "$(wc -c < "$real")" -lt "$ibytes" ]; do
		cat "$syslog_src" >> "$real"
	done
	bench_input real "$real"
	real_note="the real corpus of $corpus ($(ls "$corpus"/*.log | wc -l) files, \
$(wc -c < "$syslog_src" | tr -d ' ') bytes: Postfix, Exim and Sendmail logs of \
other projects and real servers, their README there) repeated to $(wc -c < "$real" |
		tr -d ' ') bytes"
else
	say "run.sh: no real corpus at $corpus: the real input is skipped"
	cut -f 3 tests/cases/mta-lines.tsv | grep -v '^#' | grep . > "$syslog_src"
	printf 'real\t\t-\tskipped\t\t\tno corpus at %s (KBDIAG_REAL_CORPUS)\n' \
		"$corpus" >> "$inputs"
	real_note="skipped: no corpus at $corpus"
fi

say "== building the mixed input ($isize)"
build/genlog --seed $((seed + 1)) --size "$isize" --events "$dir/events.json" \
	> "$dir/mixed-gw.log" || die "genlog failed"
# Blocks of 200 gateway lines, 4 events, 200 syslog lines, to the size.
awk -v limit="$ibytes" -v ev="$dir/events.json" -v sl="$syslog_src" \
	-f tests/bench/mixed.awk "$dir/mixed-gw.log" > "$mixed"
rm -f "$dir/mixed-gw.log"
bench_input mixed "$mixed"

isection=$dir/section-inputs.md
{
	echo "<!-- bench:inputs begin -->"
	echo "## Three inputs: kbdiag against grep, rg and Vectorscan (issues 15, 22)"
	echo
	echo "Written by \`tests/bench/run.sh $size\` (\`make bench\`) on $(date -u +%Y-%m-%d),"
	echo "kbdiag source $(git describe --always --dirty 2>/dev/null || echo '?'), $cores cores."
	echo "Each input is read by \`grep -c -i -E -f ere.txt\` (the rule base's patterns as"
	echo "\`kbdiag --syntax ere kb patterns\` exports them), \`rg -c -i -f ere.txt\` when"
	echo "installed, \`hsscan pcre.txt\` (tests/bench/hsscan.c: Vectorscan in prefilter"
	echo "mode, caseless, over blocks of whole lines, each candidate line confirmed by"
	echo "PCRE2, as Suricata does; its time includes compiling the patterns) when"
	echo "libvectorscan-dev is installed, and \`kbdiag diagnose --offline --format json\`, in rounds as above"
	echo "(median of $runs, wall clock, output to a file, LC_ALL=C, peak RSS in one more"
	echo "run); \"vs grep\" is the speed relative to grep -E on the same input."
	echo
	echo "- gateway: the generated gateway log of the section above ($bytes bytes)."
	echo "- mixed: $(wc -c < "$mixed" | tr -d ' ') bytes, blocks of 200 lines of a generated"
	echo "  gateway log (\`genlog --seed $((seed + 1))\`), 4 smtpgw NDJSON events of its"
	echo "  failures (\`genlog --events\`) and 200 MTA syslog lines (the real corpus)."
	echo "- real: $real_note." | fold -s -w 80 | sed 's/ *$//'
	echo
	echo "| input | bytes | tool | time (s) | MB/s | peak RSS (MiB) | vs grep | output |"
	echo "|---|---:|---|---:|---:|---:|---:|---|"
	awk -F '\t' '
		$4 != "skipped" && $3 == "grep -E" { g[$1] = $5 }
		{ row[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				split(row[i], f, "\t")
				if (f[4] == "skipped") {
					printf "| %s | | %s | skipped | | | | %s |\n", f[1], f[3], f[7]
					continue
				}
				r = (f[1] in g && g[f[1]] > 0) ? sprintf("%.2f", f[5] / g[f[1]]) : "n/a"
				printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3],
				    f[4], f[5], f[6], r, f[7]
			}
		}' "$inputs"
	if [ -n "${BENCH_INPUTS_NOTE:-}" ]; then
		echo
		printf '%s\n' "$BENCH_INPUTS_NOTE" | fold -s -w 80 | sed 's/ *$//'
	fi
	echo
	echo "<!-- bench:inputs end -->"
} > "$isection"
write_section inputs "$isection"
say "== wrote the three-input section of $doc"

[ "${BENCH_KEEP:-}" = 1 ] || rm -f "$log" "$real" "$mixed" "$syslog_src" "$dir/events.json"
[ -n "$kbdiag_ok" ] || die "kbdiag failed: see above"
