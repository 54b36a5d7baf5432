#!/bin/sh
# The query scorer's settings, measured on the development half of
# tests/cases/query-eval.tsv (never the test half): hit@1 and hit@3 of the
# ranking alone (build/queryeval --ranking only, every text answered), and
# for questions and symptoms, for each variant below.
#
# It builds build/querytune: build/queryeval linked with engine/query.c
# compiled with -DQUERY_TUNABLE, which reads QUERY_K1, QUERY_SYNONYM,
# QUERY_MESSAGE, QUERY_UNKNOWN, QUERY_DF_FLOOR, QUERY_COORD, QUERY_W_<n>
# and QUERY_B_<n> (the weight and length normalisation of field n of
# QUERY_FIELD_LIST) from the environment. tests/bench/querytune-cv.py
# searches them by cross-validation with it.
#
#   sh tests/bench/querytune.sh                 the variants below
#   QUERY_W_0=2 sh tests/bench/querytune.sh -   one setting, from the environment
#
# Run `make build/queryeval` first (it builds the library).
set -e
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
CC=${CC:-cc}
CFLAGS="-std=c11 -D_DEFAULT_SOURCE -pthread -O2 -Ibuild -Iengine -I/usr/include/libxml2"
LIBS="-lxml2 -lpcre2-8 -ljansson -lz -lcares -lnettle -lm"

$CC $CFLAGS -DQUERY_TUNABLE -c -o "$BUILD/querytune-query.o" engine/query.c
# the tunable query.o first: the archive's own is then never pulled in
$CC $CFLAGS -o "$BUILD/querytune" tests/bench/queryeval.c "$BUILD/querytune-query.o" \
	"$BUILD/libkbdiag.a" $LIBS

# measure NAME [VAR=VALUE]...
measure() {
	name=$1
	shift
	env "$@" "$BUILD/querytune" --ranking only "${KBDIR:-kb}" tests/cases/query-eval.tsv | awk -v name="$name" '
		$1 == "dev" && $2 == "all" { a = $4 / $3; h3 = $5 / $3 }
		$1 == "dev" && $2 == "question" { q = $4 / $3 }
		$1 == "dev" && $2 == "symptom" { s = $4 / $3 }
		END { printf "| %s | %.3f | %.3f | %.2f | %.2f |\n", name, a, h3, q, s }'
}

echo "| variant (dev half, ranking only) | hit@1 | hit@3 | question | symptom |"
echo "|---|---:|---:|---:|---:|"
if [ "$1" = "-" ]; then
	measure "from the environment"
	exit 0
fi
# fields: 0 title, 1 messages, 2 keywords, 3 summary, 4 body, 5 facts,
# 6 causes, 7 cause details, 8 steps, 9 notes, 10 table row, 11 row name
measure "as built (QUERY_FIELD_LIST)"
measure "every field weight 1" QUERY_W_0=1 QUERY_W_1=1 QUERY_W_2=1 QUERY_W_3=1 \
	QUERY_W_4=1 QUERY_W_5=1 QUERY_W_6=1 QUERY_W_7=1 QUERY_W_8=1 QUERY_W_9=1 \
	QUERY_W_10=1 QUERY_W_11=1
measure "no body, cause details, steps, notes" QUERY_W_4=0 QUERY_W_7=0 QUERY_W_8=0 \
	QUERY_W_9=0
measure "title and messages 1.5 (not 3)" QUERY_W_0=1.5 QUERY_W_1=1.5
measure "body 2 (not 1)" QUERY_W_4=2
measure "vocabulary synonyms, phrases, broader words weigh 0" QUERY_SYNONYM=0
# the rule base without its vocabulary's terms (the context words stay)
novocab=$(mktemp -d)
trap 'rm -rf "$novocab"' EXIT
cp -r kb/. "$novocab"
perl -0pi -e 's{<term\b.*?</term>}{}gs' "$novocab/vocabulary.xml"
KBDIR=$novocab measure "no vocabulary terms at all"
measure "k1 0.5 (not 1.2)" QUERY_K1=0.5
measure "k1 2" QUERY_K1=2
measure "no message cover factor" QUERY_MESSAGE=0
measure "df floor 1 (not 2)" QUERY_DF_FLOOR=1
measure "coordination 0.5 (not 0)" QUERY_COORD=0.5
