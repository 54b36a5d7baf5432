#!/usr/bin/env bash
# The query benchmark: build/querybench over the evaluation set with the full
# rule base, several runs, the median of each figure; writes the section
# between <!-- bench:query begin --> and <!-- bench:query end --> of
# docs/benchmarks.md. Run by `make bench-query`.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${QUERY_BENCH_RUNS:-5}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
${MAKE:-make} --no-print-directory build build/querybench build/spawn >&2
for _ in $(seq "$runs"); do
	build/querybench kb tests/cases/query-eval.tsv >> "$out"
done
# The peer, in the same run: libxml2's own xmllint parsing and validating the
# same documents against the same schema (what kbdiag's load does before its
# own checks, the pattern compile and the index), as one process.
xml_files=(kb/causes.xml kb/evidence.xml kb/overlaps.xml kb/steps.xml kb/tables/*.xml kb/articles/*.xml)
peer_ms=()
for _ in $(seq "$runs"); do
	t0=$(date +%s%N)
	xmllint --noout --relaxng kb/schema/kb.rng "${xml_files[@]}" > "$out.xmllint" 2>&1
	t1=$(date +%s%N)
	peer_ms+=( "$(( (t1 - t0) / 100000 ))" )	# tenths of ms
done
peer=$(printf '%s\n' "${peer_ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 10 }')
rm -f "$out.xmllint"
# The whole process, fork to exit, median of 20 (build/spawn, tests/bench/spawn.c),
# one command after the other: /bin/true, and kbdiag with
# no rule base cache (removed before each run), with it (warm), and with the
# cache off. Output to a file.
cache=$(mktemp -d)
spawn_runs=${QUERY_SPAWN_RUNS:-20}
q='Error (119) Network Write Error'
# "MEDIAN (MIN)": the minimum is the run the machine's other load touched least.
spawn() { build/spawn --runs "$spawn_runs" --out "$out.spawn" "$@" | awk '{ print $1 " (" $2 ")" }'; }
true_ms=$(spawn -- /bin/true)
query_cold=$(KBDIAG_CACHE=$cache spawn --cold "$cache" -- build/kbdiag query "$q")
KBDIAG_CACHE=$cache build/kbdiag query "$q" > "$out.spawn"
query_warm=$(KBDIAG_CACHE=$cache spawn -- build/kbdiag query "$q")
query_off=$(KBDIAG_CACHE=off spawn -- build/kbdiag query "$q")
diag_cold=$(KBDIAG_CACHE=$cache spawn --cold "$cache" -- build/kbdiag diagnose --offline /dev/null)
KBDIAG_CACHE=$cache build/kbdiag diagnose --offline /dev/null > "$out.spawn" || true
diag_warm=$(KBDIAG_CACHE=$cache spawn -- build/kbdiag diagnose --offline /dev/null)
diag_off=$(KBDIAG_CACHE=off spawn -- build/kbdiag diagnose --offline /dev/null)
cache_bytes=$(cat "$cache"/*.cache | wc -c)
rm -rf "$cache" "$out.spawn"
load=$(cut -d' ' -f1-3 /proc/loadavg)
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { printf "%.1f", a / b }'; }

# columns: startup_ms queries runs median_us p90_us max_us qps
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
startup=$(awk '{ print $1 }' "$out" | med)
queries=$(awk 'NR == 1 { print $2 }' "$out")
per=$(awk 'NR == 1 { print $3 }' "$out")
median=$(awk '{ print $4 }' "$out" | med)
p90=$(awk '{ print $5 }' "$out" | med)
max=$(awk '{ print $6 }' "$out" | med)
qps=$(awk '{ print $7 }' "$out" | med)
say() { printf '%s\n' "$*" >&2; }
say "whole process: /bin/true $true_ms ms; query cold $query_cold warm $query_warm off $query_off; diagnose /dev/null cold $diag_cold warm $diag_warm off $diag_off"
say "query: start-up $startup ms (xmllint on the same documents: $peer ms); per query median $median us, p90 $p90 us; $qps queries/s"

section=$(cat <<END
<!-- bench:query begin -->
## Query

Written by \`tests/bench/query.sh\` (\`make bench-query\`) on $(date -u +%Y-%m-%d), kbdiag
source $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- . ':!docs/benchmarks.md' 2>/dev/null || echo '-dirty'), $(nproc) cores.
\`build/querybench\` (tests/bench/querybench.c) loads the full rule base, compiles its
patterns and builds the query index once, then runs each of the $queries queries of the
evaluation set (tests/cases/query-eval.tsv) 20 times, $per queries in all, inside one
process; each figure is the median of $runs such runs.

| figure | value |
|---|---:|
| start-up: load, validate, compile, index | $startup ms |
| peer: \`xmllint --relaxng\` on the same documents, one process | $peer ms |
| start-up / peer | $(awk -v a="$startup" -v b="$peer" 'BEGIN { printf "%.2f", a / b }') |
| one query, median | $median µs |
| one query, 90th percentile | $p90 µs |
| one query, slowest | $max µs |
| queries per second | $qps |

The peer's time includes its own process start-up (about 1 ms); it
validates, and neither compiles patterns nor builds an index.

### Start-up, whole process

The whole process from fork() to exit, median (and fastest) of $spawn_runs runs
each (\`build/spawn\`, tests/bench/spawn.c; output to a file), load average $load:
"cold" removes the rule base cache before each run (so each run reads the XML,
validates it and writes the cache, $cache_bytes bytes), "warm" reads the
cache, "off" is \`KBDIAG_CACHE=off\` (the XML every time, no cache written).

| command | cold (ms) | warm (ms) | cache off (ms) | warm / \`/bin/true\` (medians) |
|---|---:|---:|---:|---:|
| \`/bin/true\` | $true_ms | $true_ms | $true_ms | 1.0 |
| \`kbdiag query '$q'\` | $query_cold | $query_warm | $query_off | $(ratio "$query_warm" "$true_ms") |
| \`kbdiag diagnose --offline /dev/null\` | $diag_cold | $diag_warm | $diag_off | $(ratio "$diag_warm" "$true_ms") |
<!-- bench:query end -->
END
)
doc=docs/benchmarks.md
if grep -q '<!-- bench:query begin -->' "$doc"; then
	awk -v s="$section" '
		/<!-- bench:query begin -->/ { print s; skip = 1; next }
		/<!-- bench:query end -->/ { skip = 0; next }
		!skip' "$doc" > "$doc.tmp"
else
	{ cat "$doc"; printf '\n%s\n' "$section"; } > "$doc.tmp"
fi
mv "$doc.tmp" "$doc"
say "== wrote the query section of $doc"
