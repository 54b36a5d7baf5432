#!/bin/bash
# The scan on two threads (issue 22, engine/scan.h) against the plain loop
# and the peers, on each kind of input, in one run:
#
#   tests/bench/scan.sh [SIZE]       SIZE as genlog takes it; default 100M
#
# Inputs (BENCH_INPUTS, default "gateway real mixed"):
#   gateway  build/genlog --seed 1 --size SIZE
#   real     the real corpus ($KBDIAG_REAL_CORPUS, default
#            /work/shared/corpus/real-logs) repeated to SIZE
#   mixed    blocks of 200 gateway lines (genlog --seed 2), 4 smtpgw events,
#            200 lines of the real corpus, to SIZE
#   gzip     the gateway log compressed (gzip -6), read by kbdiag as it is
#   pipe     the gateway log through a pipe (cat LOG | kbdiag diagnose -)
# (the peers only on the uncompressed files)
# Tools, each BENCH_RUNS times (default 3) in rounds (one run of each a
# round), wall time by $EPOCHREALTIME, median; then once more under
# /usr/bin/time for the peak RSS and the CPU time:
#   kbdiag        build/kbdiag diagnose --offline --format json (the scan)
#   plain         the same with KBDIAG_SCAN=plain (the reader loop)
#   before        BENCH_BEFORE, another kbdiag build (e.g. main's), if given,
#                 with this tree's rule base
#   grep -E, rg   -c -i -f on the rule base's patterns in ERE form
#   floors (BENCH_FLOORS=0 leaves them out), what reading the file costs at
#   least: cat (to /dev/null, which cat does not short-cut), grep -F -c a
#   literal no line holds (BENCH_RARE), wc -l (glibc's memchr line loop)
# Every command writes its output to a file; LC_ALL=C. The table replaces
# the section between <!-- bench:scan begin --> and <!-- bench:scan end -->
# of docs/benchmarks.md (BENCH_DOC); `make bench-scan` runs it. BENCH_DIR
# (build/bench-scan) holds the inputs and outputs; BENCH_KEEP=1 keeps them.
set -eu
export LC_ALL=C
size=${1:-100M}
runs=${BENCH_RUNS:-3}
inputs=${BENCH_INPUTS:-gateway gzip pipe real mixed}
before=${BENCH_BEFORE:-}
cd "$(dirname "$0")/../.."
dir=${BENCH_DIR:-build/bench-scan}
doc=${BENCH_DOC:-docs/benchmarks.md}
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
kb=$PWD/kb
say() { printf '%s\n' "$*" >&2; }
die() { say "scan.sh: $*"; exit 1; }
have() { command -v "$1" > /dev/null 2>&1; }

${MAKE:-make} --no-print-directory build/kbdiag build/genlog >&2 || die "the build failed"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (make deps-bench)"
mkdir -p "$dir"
build/kbdiag --syntax ere kb patterns > "$dir/ere.txt" || die "kb patterns failed"
bytes_of() { wc -c < "$1" | tr -d ' '; }
target=$(build/genlog --seed 1 --size "$size" | tee "$dir/gateway.log" | wc -c)

for input in $inputs; do
	case $input in
	gateway|pipe) ;;
	gzip) gzip -6 -c "$dir/gateway.log" > "$dir/gzip.log" ;;
	real|mixed)
		[ -d "$corpus" ] || { say "no corpus at $corpus: $input skipped"; continue; }
		if [ ! -s "$dir/real.log" ]; then
			: > "$dir/real.log"
			while [ "$(bytes_of "$dir/real.log")" -lt "$target" ]; do
				cat "$corpus"/*.log >> "$dir/real.log"
			done
		fi
		if [ $input = mixed ]; then
			build/genlog --seed 2 --size "$size" --events "$dir/events.json" \
				> "$dir/mixed-gw.log"
			awk -v limit="$target" -v ev="$dir/events.json" -v sl="$dir/real.log" \
				-f tests/bench/mixed.awk "$dir/mixed-gw.log" > "$dir/mixed.log"
			rm -f "$dir/mixed-gw.log" "$dir/events.json"
		fi ;;
	*) die "unknown input '$input'" ;;
	esac
done

usec() { echo "${1/./}"; }
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# cmd TOOL INPUT FILE: the command line of a tool on a file, in CMD; 1 when the
# tool is not run on that input (the peers read only plain files).
kbdiag_pipe='f=$1; shift; cat "$f" | exec "$@"'
cmd() {
	local k=build/kbdiag
	case $1 in
	plain) k="env KBDIAG_SCAN=plain build/kbdiag" ;;
	before) k=$before ;;
	grep|rg|cat|grepF|wcl) [ "$2" != gzip ] && [ "$2" != pipe ] || return 1 ;;
	esac
	case $1 in
	cat) CMD=(sh -c 'exec cat "$1" > /dev/null' sh "$3") ;;
	grepF) CMD=(grep -c -F "$rare" "$3") ;;
	wcl) CMD=(wc -l "$3") ;;
	grep) CMD=(grep -c -i -E -f "$dir/ere.txt" "$3") ;;
	rg) CMD=(rg -c -i -f "$dir/ere.txt" "$3") ;;
	*) if [ "$2" = pipe ]; then
		# shellcheck disable=SC2086 # k is a command and its words
		CMD=(sh -c "$kbdiag_pipe" sh "$3" $k --kb "$kb" diagnose --offline --format json -)
	   else
		# shellcheck disable=SC2086
		CMD=($k --kb "$kb" diagnose --offline --format json "$3")
	   fi ;;
	esac
}
tools="kbdiag plain"
[ -n "$before" ] && tools="$tools before"
have grep && tools="$tools grep"
have rg && tools="$tools rg"
rare=${BENCH_RARE:-kbdiag-floor-zqxj}
[ "${BENCH_FLOORS:-1}" = 1 ] && tools="$tools cat grepF wcl"

rows=$dir/rows
: > "$rows"
for input in $inputs; do
	log=$dir/$input.log
	[ $input = pipe ] && log=$dir/gateway.log
	[ -s "$log" ] || continue
	cat "$log" > /dev/null
	bytes=$(bytes_of "$log")
	[ $input = gzip ] && bytes=$(bytes_of "$dir/gateway.log")	# the log's, not the file's
	say "== $input: $bytes bytes"
	for t in $tools; do : > "$dir/wall.$input.$t"; done
	for round in $(seq 1 "$runs"); do
		for t in $tools; do
			t0=$EPOCHREALTIME
			cmd $t $input "$log" || continue
			"${CMD[@]}" > "$dir/out.$input.$t" 2> "$dir/err.$input.$t" || true
			t1=$EPOCHREALTIME
			echo $(( $(usec "$t1") - $(usec "$t0") )) >> "$dir/wall.$input.$t"
		done
	done
	cmp -s "$dir/out.$input.kbdiag" "$dir/out.$input.plain" ||
		die "$input: the scan and the plain loop wrote different diagnoses"
	for t in $tools; do
		cmd $t $input "$log" || continue
		/usr/bin/time -f '%M %U %S' -o "$dir/rss.$input.$t" "${CMD[@]}" \
			> "$dir/out.$input.$t" 2> /dev/null || true
		w=$(median "$dir/wall.$input.$t")
		# the last line: time says "Command exited with non-zero status 1"
		# first when grep counts no line
		read -r rss u s < <(tail -n 1 "$dir/rss.$input.$t")
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$input" "$bytes" "$t" "$w" "$rss" "$u" "$s" \
			>> "$rows"
		say "   $t: $(awk -v w="$w" -v b="$bytes" 'BEGIN { printf "%.3f s, %.0f MB/s", w / 1e6, b / w }'), $((rss / 1024)) MiB"
	done
done

section=$dir/section.md
{
	echo "<!-- bench:scan begin -->"
	echo "### The scan on two threads (issue 22)"
	echo
	echo "Written by \`tests/bench/scan.sh $size\` on $(date -u +%Y-%m-%d), kbdiag source"
	echo "$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg)."
	echo "Wall time, median of $runs in rounds (each tool once a round), output to a file,"
	echo "LC_ALL=C; MB/s = bytes of log (decompressed) / wall time; then one more run each under /usr/bin/time"
	echo "for the peak RSS and the CPU time (user + system, both threads)."
	echo "*kbdiag* is \`kbdiag diagnose --offline --format json\` (a regular file: the"
	echo "scan, engine/scan.h), *plain* the same with KBDIAG_SCAN=plain (the reader"
	echo "loop, one thread)$([ -n "$before" ] && echo ", *before* another build, the same command (BENCH_BEFORE: $before)"); grep -E and rg are \`-c -i -f\` the rule"
	echo "base's $(grep -c . "$dir/ere.txt") patterns in ERE form. The floors: \`cat\` to /dev/null,"
	echo "\`grep -c -F\` a literal no line holds and \`wc -l\` (glibc's memchr line loop) on the same file."
	echo
	echo "| input | tool | wall | MB/s | CPU | peak RSS | vs plain | vs grep -E | vs rg |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F '\t' '
	{ w[$1, $3] = $4; row[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++) {
			split(row[i], f, "\t")
			name = f[3] == "grep" ? "grep -E" : f[3] == "grepF" ? "grep -F (floor)" : \
			    f[3] == "wcl" ? "wc -l (floor)" : f[3] == "cat" ? "cat (floor)" : f[3]
			r1 = w[f[1], "plain"] ? sprintf("%.2f", w[f[1], "plain"] / f[4]) : "-"
			r2 = w[f[1], "grep"] ? sprintf("%.2f", w[f[1], "grep"] / f[4]) : "-"
			r3 = w[f[1], "rg"] ? sprintf("%.2f", w[f[1], "rg"] / f[4]) : "-"
			printf "| %s, %.1f MB | %s | %.3f s | %.0f | %.2f s | %d MiB | %s | %s | %s |\n",
			    f[1], f[2] / 1e6, name, f[4] / 1e6, f[2] / f[4], f[6] + f[7],
			    f[5] / 1024, r1, r2, r3
		}
	}' "$rows"
	echo
	echo "Ratios are speed-ups of the row's tool over the column's (above 1: faster)."
	echo "<!-- bench:scan end -->"
} > "$section"

if [ -f "$doc" ] && grep -q "<!-- bench:scan begin -->" "$doc"; then
	awk -v sec="$section" '
	/<!-- bench:scan begin -->/ { while ((getline l < sec) > 0) print l; skip = 1; next }
	/<!-- bench:scan end -->/ { skip = 0; next }
	!skip' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
else
	cat "$section" >> "$doc"
fi
say "== written to $doc"
[ "${BENCH_KEEP:-}" = 1 ] || rm -f "$dir"/*.log "$dir"/out.*
