#!/usr/bin/env bash
# diagnose on logs naming 10^3, 10^4, 10^5 and 10^6 distinct smart hosts
# (issue 20): time and peak memory as the number of hosts grows, NEW (default
# build/kbdiag) beside OLD (optional: the build before issue 20, given the
# same log while it takes less than SCALE_OLD_LIMIT seconds). Writes the
# section between <!-- bench:scale begin --> and <!-- bench:scale end --> of
# docs/benchmarks.md; what the figures say is written by hand after it.
#
#   bash tests/bench/scale.sh [OLD_KBDIAG]
#
# Each log is smtpgw's events, one failure per host (10.X.Y.Z port 25), in
# time order; kbdiag runs --offline (nothing is contacted) and writes the
# diagnosis as JSON to a file, as the issue measured. A benchmark, not a
# test: the figures are one run each on a shared 2-core machine.
set -uo pipefail
cd "$(dirname "$0")/../.."

old=${1:-}
new=build/kbdiag
limit=${SCALE_OLD_LIMIT:-600}
sizes=${SCALE_SIZES:-"1000 10000 100000 1000000"}
kb=$PWD/kb
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf '%s\n' "$*" >&2; }
${MAKE:-make} --no-print-directory build/kbdiag >&2

# log N: the events of N distinct smart hosts
genlog() {
	awk -v n="$1" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "{\"time\":\"2026-11-23T%02d:%02d:%02dZ\",\"text\":\"Error (119) Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":\"10.%d.%d.%d\",\"port\":25}\n",
			    int(k / 3600) % 24, int(k / 60) % 60, k % 60,
			    int(k / 65536) % 256, int(k / 256) % 256, k % 256
	}' > "$work/log.json"
}

# run BIN: "wall user_cpu peak_kib exit" of diagnose on the log, or "-" past the limit
run() {
	local r
	rm -f "$work/time"
	# time measures timeout, which waits for kbdiag: its peak is kbdiag's
	/usr/bin/time -o "$work/time" -f '%e %U %M %x' timeout "$limit" "$1" --kb "$kb" \
	    --offline -f json -o "$work/out.json" diagnose "$work/log.json" >/dev/null \
	    2>"$work/err"
	r=$(tail -n 1 "$work/time" 2>/dev/null)
	if ! grep -q '^[0-9.]* [0-9.]* [0-9]* [0-9]*$' <<<"$r" || [ "${r##* }" = 124 ]; then
		echo "-"
	else
		echo "$r"
	fi
}

rows=""
for n in $sizes; do
	genlog "$n"
	bytes=$(stat -c %s "$work/log.json")
	set -- $(run "$new")
	held=$(jq '.incidents | length' "$work/out.json" 2>/dev/null || echo '?')
	nothel=$(jq '.summary.incidents_not_held' "$work/out.json" 2>/dev/null || echo '?')
	out=$(stat -c %s "$work/out.json" 2>/dev/null || echo 0)
	newcol="$1 s ($2 s CPU), $(( $3 / 1024 )) MiB"
	say "$n hosts ($bytes bytes): new $newcol, $held held, $nothel not held, JSON $out bytes"
	oldcol="not run"
	if [ -n "$old" ]; then
		r=$(run "$old")
		if [ "$r" = - ]; then
			oldcol="more than $limit s (stopped)"
		else
			set -- $r
			oldcol="$1 s ($2 s CPU), $(( $3 / 1024 )) MiB"
		fi
		say "  old: $oldcol"
	fi
	rows="$rows| $n | $(( bytes / 1000000 )) MB | $newcol | $held | $nothel | $(( out / 1000000 )) MB | $oldcol |
"
done

section=$(cat <<END
<!-- bench:scale begin -->
## Logs naming many smart hosts (issue 20)

Written by \`tests/bench/scale.sh\` on $(date -u +%Y-%m-%d), kbdiag source
$(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores (shared with other
work). \`kbdiag --offline -f json -o FILE diagnose LOG\` on smtpgw events naming N
distinct smart hosts (one failure each, in time order): wall and CPU time and peak
resident memory, one run each. Incidents are found in a hash table (linear in lines,
issue 15), at most 10,000 are held in memory (DIAG_MAX_INCIDENTS: the rest are
counted in the summary, and replay reads at most as many), and the probe step groups
hosts by sorting; OLD is the build before issue 20 (every incident compared with
every other, every host probed one after another), stopped after $limit s.

| hosts | log | NEW | incidents held | not held | JSON written | OLD |
|---:|---:|---|---:|---:|---:|---|
$rows
<!-- bench:scale end -->
END
)
. tests/bench/section.sh
bench_section scale "$section"
