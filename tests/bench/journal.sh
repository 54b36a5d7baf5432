#!/usr/bin/env bash
# Throughput of `kbdiag diagnose` on the journal's and docker's forms of a log
# against the same lines as classic syslog, in the same run.
#
# The real corpus (/work/shared/corpus/real-logs, all of it) is written in each
# form by tests/integration/journal-forms.pl, then repeated until the
# journalctl -o json form is about JOURNAL_MB (default 100) MB; every form
# holds the same lines, so the forms are compared per line as well as per
# byte. Each form is diagnosed ROUNDS times (default 5) in turn, round-robin,
# the output to a file; the medians are reported with the ratio to syslog's
# lines per second. Results go to docs/benchmarks-journal.md (OUT=...).
#
#   bash tests/bench/journal.sh
#
# Environment: BUILD (default build), JOURNAL_MB, ROUNDS, OUT, KEEP=1.
set -euo pipefail
export LC_ALL=C TZ=UTC
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
KBDIAG=$PWD/$BUILD/kbdiag
corpus=${KBDIAG_REAL_CORPUS:-/work/shared/corpus/real-logs}
mb=${JOURNAL_MB:-100}
rounds=${ROUNDS:-5}
out=${OUT:-docs/benchmarks-journal.md}
[ -x "$KBDIAG" ] || { echo "journal.sh: build $KBDIAG first" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/benchjournal.XXXXXX")
cleanup() { if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
export KBDIAG_CACHE=$work/cache

forms="syslog json export short-iso docker-json"
cat "$corpus"/*.log > "$work/one.syslog"
for f in $forms; do
	[ $f = syslog ] && continue
	perl tests/integration/journal-forms.pl $f 2026 < "$work/one.syslog" > "$work/one.$f"
done
one=$(wc -c < "$work/one.json")
copies=$(( (mb * 1000000 + one - 1) / one ))
for f in $forms; do
	for ((i = 0; i < copies; i++)); do cat "$work/one.$f"; done > "$work/mail.$f"
	rm -f "$work/one.$f"
done
lines=$(wc -l < "$work/mail.syslog")
echo "journal.sh: $copies copies of the corpus, $lines log lines in each form" >&2

# one timed run: seconds (wall clock), and CPU seconds (user + system) to $2
run() {
	local s e
	s=$EPOCHREALTIME
	/usr/bin/time -f '%U %S' -o "$work/cpu" "$KBDIAG" --offline --date 2026-12-31 \
		--format json -o "$work/out.json" diagnose "$1" 2> "$work/err" || [ $? = 1 ]
	e=$EPOCHREALTIME
	awk '{ printf "%.3f\n", $1 + $2 }' "$work/cpu" >> "$2"
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
}
for ((r = 0; r < rounds; r++)); do
	for f in $forms; do
		run "$work/mail.$f" "$work/c.$f" >> "$work/t.$f"
	done
done
median() {
	sort -n "$1" | awk '{ a[NR] = $1 }
		END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

{
	echo "# kbdiag on the journal's and docker's forms"
	echo
	echo "\`bash tests/bench/journal.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores"
	echo "($(uname -m)), a shared machine under other load: the medians of $rounds rounds,"
	echo "each form in turn in every round. The input: the whole real corpus"
	echo "(/work/shared/corpus/real-logs, 41,995 lines) written in each form by"
	echo "tests/integration/journal-forms.pl and repeated $copies times, so that every"
	echo "form holds the same $lines lines; \`kbdiag --offline --date 2026-12-31"
	echo "--format json diagnose FILE\`, the output to a file. MB are 10^6 bytes."
	echo
	echo "| form | size (MB) | median wall (s) | MB/s | lines/s | lines/s against syslog | median CPU (s) | CPU against syslog |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	base= cbase=
	for f in $forms; do
		size=$(wc -c < "$work/mail.$f")
		m=$(median "$work/t.$f")
		c=$(median "$work/c.$f")
		lps=$(awk -v l=$lines -v m=$m 'BEGIN { printf "%.0f", l / m }')
		[ -n "$base" ] || base=$lps
		[ -n "$cbase" ] || cbase=$c
		awk -v f=$f -v s=$size -v m=$m -v l=$lps -v b=$base -v c=$c -v cb=$cbase 'BEGIN {
			printf "| %s | %.1f | %.2f | %.1f | %d | %.2f | %.2f | %.1fx |\n", f, s / 1e6,
			    m, s / 1e6 / m, l, l / b, c, (cb > 0 ? c / cb : 0) }'
	done
	echo
	echo "syslog is the corpus as stored; json is \`journalctl -o json\` with the"
	echo "fields journald gives a syslog entry (about 1 kB a line, as real entries);"
	echo "export is \`journalctl -o export\` (an entry of about 20 lines, every fifth"
	echo "MESSAGE a binary field); short-iso is \`journalctl -o short-iso\`; docker-json"
	echo "is docker's json-file log of a container that writes the syslog lines. CPU"
	echo "is user + system time of both of kbdiag's threads (the load of the other"
	echo "work on the machine shows in the wall time, much less in the CPU time)."
} > "$out"
cat "$out"
