#!/usr/bin/env bash
# The candidate scan (issue 22): build/pfbench (tests/bench/pfbench.c: the
# prefilter alone, per line and over whole buffers, each implementation
# the CPU has, and Vectorscan's literal mode on the same literals), then the
# whole `kbdiag diagnose --offline --format json` beside grep -c -i -E -f and
# rg -c -i -f on the rule base's patterns, and, given a BASE kbdiag binary
# (the build before), that one too, whose output must be the same byte for
# byte. Inputs: `genlog --seed 1 --size SIZE` and the real corpus repeated to
# about SIZE. LC_ALL=C, every output to a file, median of ROUNDS (3), in
# rounds. Writes the section between <!-- bench:prefilter begin --> and
# <!-- bench:prefilter end --> of docs/benchmarks.md.
#
#   tests/bench/prefilter.sh [BASE_KBDIAG]      (SCAN_SIZE=100M SCAN_ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/section.sh
export LC_ALL=C

base=${1:-}
size=${SCAN_SIZE:-100M}
rounds=${SCAN_ROUNDS:-3}
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
${MAKE:-make} --no-print-directory build build/genlog build/pfbench >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build/genlog --seed 1 --size "$size" > "$tmp/gen.log"
want=$(stat -c %s "$tmp/gen.log")
cat "$corpus"/*.log > "$tmp/one.log"
while [ "$(stat -c %s "$tmp/real.log" 2>/dev/null || echo 0)" -lt "$want" ]; do
	cat "$tmp/one.log" >> "$tmp/real.log"
done
build/kbdiag --syntax ere kb patterns > "$tmp/ere.txt"

# "SECONDS RSS_KIB CPU_SECONDS" of one run, its output to a file.
run() { /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" > "$tmp/out" 2>/dev/null || true
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$tmp/time"; }
median() { sort -n | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'; }

pf=$(build/pfbench --runs "$rounds" kb "$tmp/gen.log" "$tmp/real.log")
printf '%s\n' "$pf" >&2

rows=""
for input in gen real; do
	f=$tmp/$input.log
	bytes=$(stat -c %s "$f")
	tools="new grep rg"
	[ -n "$base" ] && tools="base new grep rg"
	for r in $(seq "$rounds"); do
		for t in $tools; do
			case $t in
			base) x=$(run "$base" diagnose --offline --format json "$f")
			      cp "$tmp/out" "$tmp/base.json";;
			new) x=$(run build/kbdiag diagnose --offline --format json "$f")
			     cp "$tmp/out" "$tmp/new.json";;
			grep) x=$(run grep -c -i -E -f "$tmp/ere.txt" "$f");;
			rg) if command -v rg > /dev/null; then x=$(run rg -c -i -f "$tmp/ere.txt" "$f"); else x="- - -"; fi;;
			esac
			echo "$x" >> "$tmp/$input.$t"
		done
		if [ -n "$base" ] && ! cmp -s "$tmp/base.json" "$tmp/new.json"; then
			echo "scan.sh: kbdiag's output on $input differs from the base's" >&2
			exit 1
		fi
	done
	cells=""
	for t in base new grep rg; do
		if [ ! -f "$tmp/$input.$t" ]; then cells="$cells | -"; continue; fi
		s=$(cut -d' ' -f1 "$tmp/$input.$t" | median)
		k=$(cut -d' ' -f2 "$tmp/$input.$t" | median)
		c=$(cut -d' ' -f3 "$tmp/$input.$t" | median)
		cells="$cells | $(awk -v s="$s" -v b="$bytes" -v k="$k" -v c="$c" 'BEGIN {
			if (s == "-") { print "-"; exit }
			printf "%.2f s (CPU %.2f s), %.0f MB/s, %d MiB", s, c, b / (s > 0 ? s : 0.01) / 1e6, k / 1024 }')"
	done
	rows="$rows| $input, $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }')$cells |
"
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
section=$(cat <<END
<!-- bench:prefilter begin -->
### The candidate scan (issue 22)

Written by \`tests/bench/prefilter.sh${base:+ BASE}\` on $(date -u +%Y-%m-%d), kbdiag source
$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $load; LC_ALL=C,
median of $rounds, outputs to files. Inputs: \`genlog --seed 1 --size $size\` and the
real corpus repeated to as many bytes.

The prefilter alone (\`build/pfbench\`, tests/bench/pfbench.c: the rule base's
literals; *line* splits the lines with memchr and calls prefilter_scan() on
each, *block* is prefilter_lines() over the whole buffer, *hs-lit* Vectorscan's
literal mode on the same literals, caseless, block mode, every match marking
its line; all report the same lines):

\`\`\`
$pf
\`\`\`

Whole \`kbdiag diagnose --offline --format json\` (wall time, CPU time (user and
system: the measure when other work shares the cores), MB/s of wall time, peak RSS)
beside \`grep -c -i -E -f\` and \`rg -c -i -f\` on \`kbdiag --syntax ere kb
patterns\`${base:+; BASE is the build before, whose output was the same byte for byte}:

| input | kbdiag BASE | kbdiag | grep -E | rg |
|---|---:|---:|---:|---:|
$rows
<!-- bench:prefilter end -->
END
)
bench_section prefilter "$section"
