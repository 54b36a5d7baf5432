#!/usr/bin/env bash
# The query benchmark (make bench-query): speed and quality of `kbdiag query`,
# side by side with a BM25 baseline and with an earlier revision, in one run.
# Writes the section between <!-- bench:query begin --> and
# <!-- bench:query end --> of docs/benchmarks.md.
#
#   QUERY_BENCH_RUNS   runs of querybench (default 5)
#   QUERY_BENCH_BEFORE the revision of the "before" column (default: where this
#                      branch left main)
#   QUERY_BENCH_ROUND  a second earlier revision with a column of its own
#                      (default: none), e.g. where a round of work on the
#                      scorer began
#   QUERY_BENCH_SOURCE a directory of the source articles (QNNNNNN.txt) for a
#                      second BM25 baseline over their full text (default:
#                      ../shared/kb-source/articles when it exists)
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${QUERY_BENCH_RUNS:-5}
before=${QUERY_BENCH_BEFORE:-$(git merge-base HEAD main 2>/dev/null || echo '')}
source_dir=${QUERY_BENCH_SOURCE:-$(cd .. && pwd)/../shared/kb-source/articles}
[ -d "$source_dir" ] || source_dir=
eval_tsv=tests/cases/query-eval.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { printf '%s\n' "$*" >&2; }
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

${MAKE:-make} --no-print-directory build build/querybench build/queryeval >&2

# 1. inside one process: start-up, then every query of the set 20 times
for _ in $(seq "$runs"); do
	build/querybench kb "$eval_tsv" >> "$tmp/qb"
done
startup=$(awk '{ print $1 }' "$tmp/qb" | med)
queries=$(awk 'NR == 1 { print $2 }' "$tmp/qb")
per=$(awk 'NR == 1 { print $3 }' "$tmp/qb")
median=$(awk '{ print $4 }' "$tmp/qb" | med)
p90=$(awk '{ print $5 }' "$tmp/qb" | med)
max=$(awk '{ print $6 }' "$tmp/qb" | med)
qps=$(awk '{ print $7 }' "$tmp/qb" | med)

# an earlier revision, built from its own tree: its queryeval for the
# quality columns, its kbdiag for the whole-process timings. Prints its
# short name, or "none".
build_rev() { # revision name
	local rev=$1 name=$2
	if [ -n "$rev" ] && git cat-file -e "$rev^{commit}" 2>/dev/null; then
		mkdir -p "$tmp/$name"
		git archive "$rev" | tar -x -C "$tmp/$name"
		if ${MAKE:-make} --no-print-directory -C "$tmp/$name" build/libkbdiag.a build/kbdiag \
		    > "$tmp/$name.log" 2>&1 &&
		    cc -std=c11 -D_DEFAULT_SOURCE -O2 -DQUERYEVAL_NO_FIT -I"$tmp/$name/engine" \
		    -I"$tmp/$name/build" $(pkg-config --cflags libxml-2.0) -o "$tmp/queryeval-$name" \
		    tests/bench/queryeval.c "$tmp/$name/build/libkbdiag.a" \
		    $(pkg-config --libs libxml-2.0 libpcre2-8 jansson zlib libcares nettle) -lm -pthread \
		    >> "$tmp/$name.log" 2>&1; then
			git rev-parse --short "$rev"
			return
		fi
		say "query: could not build $rev (see $tmp/$name.log)"
	fi
	echo none
}
before_label=$(build_rev "$before" before)
round_label=$(build_rev "${QUERY_BENCH_ROUND:-}" round)


# 2. whole processes: `kbdiag query` on one text of each kind, 20 times each,
# this tree's and the "before" revision's, taken in rounds (one run of each)
# so that other load spreads over all
ptexts=(
	'Error (119) Network Write Error'
	'what does ForcePushBit=1 actually do?'
	'mail to the IBM mainframe gets cut off halfway every time'
	'Err0r (119) Netw0rk Write Err0r'
	'Microsoft Excel: Insufficient memory to run this application.'
)
# timed with python3's subprocess (vfork and exec: no shell fork in the
# figure) when it is there, else with bash's $EPOCHREALTIME around each run
if command -v python3 > /dev/null; then
	timer="python3's subprocess"
	python3 - "$tmp" "$before_label" "$tmp/before" "$round_label" "$tmp/round" "${ptexts[@]}" <<'PY'
import subprocess, sys, time
tmp, before, btree, rnd, rtree, texts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]
def run(cmd):
    # the output to a file, as a user's would go somewhere (not /dev/null)
    with open(tmp + "/out", "w") as out:
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
        return int((time.perf_counter() - t0) * 1e6)
for _ in range(20):
    for i, t in enumerate(texts):
        with open("%s/proc.%d" % (tmp, i), "a") as f:
            f.write("%d\n" % run(["build/kbdiag", "--kb", "kb", "query", t]))
        if before != "none":
            with open("%s/bproc.%d" % (tmp, i), "a") as f:
                f.write("%d\n" % run([btree + "/build/kbdiag", "--kb", btree + "/kb", "query", t]))
        if rnd != "none":
            with open("%s/rproc.%d" % (tmp, i), "a") as f:
                f.write("%d\n" % run([rtree + "/build/kbdiag", "--kb", rtree + "/kb", "query", t]))
    with open(tmp + "/true", "a") as f:
        f.write("%d\n" % run(["/bin/true"]))
PY
else
	timer="bash's \$EPOCHREALTIME"
	for _ in $(seq 20); do
		for i in "${!ptexts[@]}"; do
			t0=${EPOCHREALTIME/./}
			build/kbdiag --kb kb query "${ptexts[$i]}" > "$tmp/out" 2>&1 || true
			t1=${EPOCHREALTIME/./}
			echo "$(( t1 - t0 ))" >> "$tmp/proc.$i"
			if [ "$before_label" != none ]; then
				t0=${EPOCHREALTIME/./}
				"$tmp/before/build/kbdiag" --kb "$tmp/before/kb" query "${ptexts[$i]}" \
				    > "$tmp/out" 2>&1 || true
				t1=${EPOCHREALTIME/./}
				echo "$(( t1 - t0 ))" >> "$tmp/bproc.$i"
			fi
		done
		t0=${EPOCHREALTIME/./}
		/bin/true
		t1=${EPOCHREALTIME/./}
		echo "$(( t1 - t0 ))" >> "$tmp/true"
	done
fi
proc_rows=""
all_med=()
for i in "${!ptexts[@]}"; do
	m=$(med < "$tmp/proc.$i")
	all_med+=("$m")
	if [ -f "$tmp/bproc.$i" ]; then
		bm=$(med < "$tmp/bproc.$i")
		bcell="$(awk -v u="$bm" 'BEGIN { printf "%.1f", u / 1000 }') ms | $(awk -v a="$m" -v b="$bm" 'BEGIN { printf "%.2f", a / b }')"
	else
		bcell="- | -"
	fi
	rcell=""
	if [ -f "$tmp/rproc.$i" ]; then
		rcell=" $(awk -v u="$(med < "$tmp/rproc.$i")" 'BEGIN { printf "%.1f", u / 1000 }') ms |"
	elif [ "$round_label" != none ]; then
		rcell=" - |"
	fi
	proc_rows+="| \`${ptexts[$i]}\` | $bcell |$rcell $(awk -v u="$m" 'BEGIN { printf "%.1f", u / 1000 }') ms |"$'\n'
done
proc_worst=$(printf '%s\n' "${all_med[@]}" | sort -n | tail -1)
true_ms=$(awk -v u="$(med < "$tmp/true")" 'BEGIN { printf "%.1f", u / 1000 }')
say "query: in-process start-up $startup ms, per query median $median us; whole process, worst kind $(awk -v u="$proc_worst" 'BEGIN { printf "%.1f", u / 1000 }') ms"

# 3. quality, in the same run: this tree, its BM25 baseline, and the "before"
# revision with its own rule base and baseline
if [ "$before_label" != none ]; then
	"$tmp/queryeval-before" "$tmp/before/kb" "$eval_tsv" > "$tmp/before.kbdiag"
	"$tmp/queryeval-before" --scorer bm25 "$tmp/before/kb" "$eval_tsv" > "$tmp/before.bm25"
fi
if [ "$round_label" != none ]; then
	"$tmp/queryeval-round" "$tmp/round/kb" "$eval_tsv" > "$tmp/round.kbdiag"
fi
build/queryeval kb "$eval_tsv" > "$tmp/after"
build/queryeval --scorer bm25 kb "$eval_tsv" > "$tmp/after.bm25"
if [ -n "$source_dir" ]; then
	build/queryeval --scorer bm25 --source "$source_dir" kb "$eval_tsv" > "$tmp/after.bm25src"
fi
# one cell: for related kinds hit@1 (a sure answer, the article first) and
# hit@3 (an answer, sure or weak, with it among three); for unrelated ones
# "n/N sure" answers, and the weak ones (queryeval's 7th column; a revision
# or scorer without weak answers has none)
cell() { # file split kind
	[ -f "$1" ] || { echo "-"; return; }
	awk -v s="$2" -v k="$3" '$1 == s && $2 == k {
		if (k == "unrelated" || k == "nearmiss" || k == "answered")
			printf "%d/%d sure, %d weak", $6, $3, $7
		else
			printf "%.2f / %.2f", $4 / $3, $5 / $3
		found = 1 }
		END { if (!found) printf "-" }' "$1"
}
count() { awk -v s="$1" -v k="$2" '$1 == s && $2 == k { print $3 }' "$tmp/after"; }
table() { # split
	local k
	local rh="" rs=""
	if [ "$round_label" != none ]; then rh=" $round_label |"; rs="---:|"; fi
	echo "| kind | n | before ($before_label) | BM25 before |$rh after | BM25 after |$( [ -n "$source_dir" ] && echo ' BM25 over the source text |')"
	echo "|---|---:|---:|---:|$rs---:|---:|$( [ -n "$source_dir" ] && echo '---:|')"
	for k in exact prefixed fragment typo paraphrase multiline question keyword symptom misspelt paste all unrelated nearmiss answered; do
		local n
		n=$(count "$1" "$k")
		[ -n "$n" ] || continue
		local label=$k
		[ "$k" = all ] && label="**all related (hit@1 / hit@3)**"
		[ "$k" = answered ] && label="**all unrelated**"
		local rc=""
		if [ "$round_label" != none ]; then rc=" $(cell "$tmp/round.kbdiag" "$1" "$k") |"; fi
		echo "| $label | $n | $(cell "$tmp/before.kbdiag" "$1" "$k") | $(cell "$tmp/before.bm25" "$1" "$k") |$rc $(cell "$tmp/after" "$1" "$k") | $(cell "$tmp/after.bm25" "$1" "$k") |$( [ -n "$source_dir" ] && echo " $(cell "$tmp/after.bm25src" "$1" "$k") |")"
	done
}

section=$(cat <<END
<!-- bench:query begin -->
## Query

Written by \`tests/bench/query.sh\` (\`make bench-query\`) on $(date -u +%Y-%m-%d), kbdiag
source $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- . ':!docs/benchmarks.md' 2>/dev/null || echo '-dirty'), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end.

### Quality: the frozen test half

The evaluation set (tests/cases/query-eval.tsv: $(grep -vc '^#\|^$' "$eval_tsv") queries) is split by a
seeded hash into a development half, on which the scorer, its weights, the
vocabulary and the answer model were tuned and fitted, and a frozen test half,
which was not looked at to tune anything. Each cell of a related kind is hit@1 /
hit@3: hit@1, a sure answer has an expected article first (a text left
unanswered, or answered weakly, is a miss); hit@3, an answer, sure or weak,
holds one among its first three. For unrelated texts, how many got a sure
answer (issue 17's "no unrelated text answered" is about these) and how many a
weak one (the closest three, marked weak: docs/kbdiag.1). BM25 and revisions
before the weak band answer surely or not at all. *before* is kbdiag at $before_label with its own rule base ($(ls "$tmp/before/kb/articles" 2>/dev/null | grep -c '\.xml$') articles)$( [ "$round_label" != none ] && echo "; *$round_label* is kbdiag at that revision with its own rule base (where the latest round of work on the scorer began)");
*BM25* is Okapi BM25 (k1 1.2, b 0.75) over each article's XML text, always
answering when a word matches (build/queryeval --scorer bm25), over the rule base
of the same column$( [ -n "$source_dir" ] && echo '; *BM25 over the source text* reads the source articles themselves (kb-source/articles), for the articles of this rule base').
All columns were measured in this run.

$(table test)

The development half, for comparison (tuned on):

$(table dev)

### Speed

\`build/querybench\` (tests/bench/querybench.c) loads the full rule base, compiles its
patterns and builds the query index once, then runs each of the $queries queries of
the evaluation set 20 times, $per queries in all, inside one process; each figure is
the median of $runs such runs.

| figure | value |
|---|---:|
| start-up: load, validate, compile, index | $startup ms |
| one query, median | $median µs |
| one query, 90th percentile | $p90 µs |
| one query, slowest | $max µs |
| queries per second | $qps |

A whole \`kbdiag query\` process (exec, dynamic linking, loading and validating the
rule base, the index, one query, the output), median of 20 runs per text, this
tree's and the before revision's ($before_label, with its own rule base)$( [ "$round_label" != none ] && echo " and $round_label's") taken
in the same rounds, timed with $timer; starting \`/bin/true\` takes $true_ms ms
here:

| text | before | after / before |$( [ "$round_label" != none ] && echo " $round_label |") after |
|---|---:|---:|$( [ "$round_label" != none ] && echo "---:|")---:|
${proc_rows}<!-- bench:query end -->
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
