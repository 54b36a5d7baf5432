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
${MAKE:-make} --no-print-directory build build/querybench >&2
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

A \`kbdiag query\` command adds the process start-up (see the ingestion section) to
one query. The peer's time includes its own process start-up (about 1 ms); it
validates, and neither compiles patterns nor builds an index.
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
