#!/usr/bin/env bash
# The start of a whole kbdiag process with and without the rule base cache
# (engine/kbcache.h): /bin/true, `kbdiag query` and `kbdiag diagnose
# --offline /dev/null`, cold (the cache removed before each run), warm and
# with the cache off, median and fastest of 20 (build/spawn,
# tests/bench/spawn.c: fork to exit timed inside one process, output to a
# file). Writes the section between <!-- bench:start begin --> and
# <!-- bench:start end --> of docs/benchmarks.md. Run by `make bench-query`.
#
#   START_BEFORE  the revision of the "before" rows, built from its own tree
#                 and run with its own rule base and cache directory, each
#                 command right before this tree's (default: where this
#                 branch left main; "none" for no before rows)
set -euo pipefail
cd "$(dirname "$0")/../.."

${MAKE:-make} --no-print-directory build build/spawn >&2
out=$(mktemp)
cache=$(mktemp -d)
bcache=$(mktemp -d)
tmp=$(mktemp -d)
trap 'rm -rf "$out" "$cache" "$bcache" "$tmp"' EXIT
before=${START_BEFORE:-$(git merge-base HEAD main 2>/dev/null || echo none)}
bk=
if [ "$before" != none ] && git cat-file -e "$before^{commit}" 2>/dev/null; then
	mkdir -p "$tmp/before"
	git archive "$before" | tar -x -C "$tmp/before"
	if ${MAKE:-make} --no-print-directory -C "$tmp/before" build/kbdiag > "$tmp/before.log" 2>&1; then
		bk=$tmp/before/build/kbdiag
		before=$(git rev-parse --short "$before")
	else
		printf 'start: could not build %s (%s)\n' "$before" "$tmp/before.log" >&2
	fi
fi
spawn_runs=${QUERY_SPAWN_RUNS:-20}
q='Error (119) Network Write Error'
# "MEDIAN (MIN)": the minimum is the run the machine's other load touched least.
spawn() { build/spawn --runs "$spawn_runs" --out "$out" "$@" | awk '{ print $1 " (" $2 ")" }'; }
true_ms=$(spawn -- /bin/true)
# each figure of the before build right before this tree's, in the same minute
# start KBDIAG CACHE: the cold, warm and off figures of query and diagnose
start() {
	local k=$1 c=$2
	query_cold=$(KBDIAG_CACHE=$c spawn --cold "$c" -- "$k" query "$q")
	KBDIAG_CACHE=$c "$k" query "$q" > "$out"
	# the warm runs read the stamps of files not changed in the last seconds
	sleep 3
	KBDIAG_CACHE=$c "$k" query "$q" > "$out"
	query_warm=$(KBDIAG_CACHE=$c spawn -- "$k" query "$q")
	query_off=$(KBDIAG_CACHE=off spawn -- "$k" query "$q")
	diag_cold=$(KBDIAG_CACHE=$c spawn --cold "$c" -- "$k" diagnose --offline /dev/null)
	KBDIAG_CACHE=$c "$k" diagnose --offline /dev/null > "$out" || true
	diag_warm=$(KBDIAG_CACHE=$c spawn -- "$k" diagnose --offline /dev/null)
	diag_off=$(KBDIAG_CACHE=off spawn -- "$k" diagnose --offline /dev/null)
}
if [ -n "$bk" ]; then
	start "$bk" "$bcache"
	b_query=("$query_cold" "$query_warm" "$query_off")
	b_diag=("$diag_cold" "$diag_warm" "$diag_off")
fi
start build/kbdiag "$cache"
cache_bytes=$(cat "$cache"/*.cache | wc -c)
load=$(cut -d' ' -f1-3 /proc/loadavg)
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { printf "%.1f", a / b }'; }
printf 'whole process: /bin/true %s ms; query cold %s warm %s off %s; diagnose /dev/null cold %s warm %s off %s\n' \
	"$true_ms" "$query_cold" "$query_warm" "$query_off" "$diag_cold" "$diag_warm" "$diag_off" >&2
before_rows=
if [ -n "$bk" ]; then
	printf 'before (%s): query cold %s warm %s off %s; diagnose /dev/null cold %s warm %s off %s\n' \
		"$before" "${b_query[@]}" "${b_diag[@]}" >&2
	before_rows="| \`kbdiag query '$q'\`, before ($before) | ${b_query[0]} | ${b_query[1]} | ${b_query[2]} | $(ratio "${b_query[1]}" "$true_ms") |
| \`kbdiag diagnose --offline /dev/null\`, before ($before) | ${b_diag[0]} | ${b_diag[1]} | ${b_diag[2]} | $(ratio "${b_diag[1]}" "$true_ms") |
"
fi

section=$(cat <<END
<!-- bench:start begin -->
### Start-up, whole process, with the rule base cache (issue 22)

Written by \`tests/bench/start.sh\` (\`make bench-query\`) on $(date -u +%Y-%m-%d), kbdiag
source $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $load.
The whole process from fork() to exit, median (and fastest) of $spawn_runs runs
each (\`build/spawn\`, tests/bench/spawn.c; output to a file): "cold" removes
the rule base cache before each run (so each run reads the XML and writes the
cache, $cache_bytes bytes), "warm" reads the cache, "off" is \`KBDIAG_CACHE=off\`
(the XML every time, no cache written).$( [ -n "$bk" ] && echo " *before* is kbdiag at $before
(START_BEFORE), built from its own tree with its own rule base and cache, each of
its figures taken right before this tree's.")

| command | cold (ms) | warm (ms) | cache off (ms) | warm / \`/bin/true\` (medians) |
|---|---:|---:|---:|---:|
| \`/bin/true\` | $true_ms | $true_ms | $true_ms | 1.0 |
$before_rows| \`kbdiag query '$q'\` | $query_cold | $query_warm | $query_off | $(ratio "$query_warm" "$true_ms") |
| \`kbdiag diagnose --offline /dev/null\` | $diag_cold | $diag_warm | $diag_off | $(ratio "$diag_warm" "$true_ms") |
<!-- bench:start end -->
END
)
doc=docs/benchmarks.md
if grep -q '<!-- bench:start begin -->' "$doc"; then
	awk -v s="$section" '
		/<!-- bench:start begin -->/ { print s; skip = 1; next }
		/<!-- bench:start end -->/ { skip = 0; next }
		!skip' "$doc" > "$doc.tmp"
else
	{ cat "$doc"; printf '\n%s\n' "$section"; } > "$doc.tmp"
fi
mv "$doc.tmp" "$doc"
printf '== wrote the start section of %s\n' "$doc" >&2
