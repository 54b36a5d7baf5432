#!/usr/bin/env bash
# The streamed reports are the ones rendered whole: kbdiag report, fix,
# verify, query and diagnose of OLD (a build before the streaming, given as
# the first argument) and NEW (build/kbdiag), in every format, compared byte
# for byte with their exit codes and messages, on saved diagnoses of the
# real logs (/work/shared/corpus/real-logs, REAL_LOGS=DIR for another), of a
# generated gateway log (build/genlog) and of 10,000 smtpgw events (one
# incident each), on replay's fuzz corpus (saved diagnoses with histories,
# probes, escapes, malformed ones) and with a DOS tree whose PROTOCOL.INI has
# an edit to propose. verify's history entry carries the time it ran: that
# time is masked ("WHEN") in both before they are compared. Prints the peak
# RSS of both for report on the 10,000 incidents. Exit 1 when anything differs.
# SMALL=1 leaves the two generated logs out (minutes instead of half an hour).
#
#   bash tests/bench/stream-equal.sh OLD_KBDIAG [NEW_KBDIAG]
#
# OLD and NEW may be relative to the directory it is run from (or a name on
# PATH): they are made absolute before it moves to the source tree.
set -uo pipefail

# PATH as given, absolute: from the caller's directory, or found on PATH
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*/*) printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")" ;;
	*) command -v -- "$1" || printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}
old=$(absolute "${1:?usage: stream-equal.sh OLD_KBDIAG [NEW_KBDIAG]}") || exit 2
new=
[ -n "${2:-}" ] && { new=$(absolute "$2") || exit 2; }
cd "$(dirname "$0")/../.."
new=${new:-$PWD/build/kbdiag}
real=${REAL_LOGS:-/work/shared/corpus/real-logs}
kb=$PWD/kb
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-stream.XXXXXX")
trap 'rm -rf "$work"' EXIT
say() { printf '%s\n' "$*" >&2; }
${MAKE:-make} --no-print-directory build/kbdiag build/genlog >&2 || exit 2

# the DOS client's tree: a PROTOCOL.INI without ForcePushBit
mkdir -p "$work/dos/LANMAN.DOS"
printf '[PROTMAN]\r\nDRIVERNAME = PROTMAN$\r\n\r\n[TCPIP]\r\nDRIVERNAME = TCPIP$\r\nBINDINGS = NIC\r\n' \
    > "$work/dos/LANMAN.DOS/PROTOCOL.INI"

saved=()
cat "$real"/*.log > "$work/real-all.log"
build/genlog --seed 7 --size 20M > "$work/gateway-20M.log"
awk -v n=10000 'BEGIN { for (k = 0; k < n; k++) printf "{\"time\":\"2026-11-23T%02d:%02d:%02dZ\",\"text\":\"Error (119) Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":\"10.%d.%d.%d\",\"port\":25}\n", int(k / 3600) % 24, int(k / 60) % 60, k % 60, int(k / 65536) % 256, int(k / 256) % 256, k % 256 }' \
    > "$work/events-10000.log"
big=("$work/gateway-20M.log" "$work/events-10000.log")
[ -n "${SMALL:-}" ] && big=()
for log in "$real"/*.log "$work/real-all.log" "${big[@]}"; do
	name=$(basename "$log" .log)
	"$new" --kb "$kb" --offline -f json -o "$work/$name.saved.json" diagnose "$log" \
	    2>/dev/null
	saved+=("$work/$name.saved.json")
done
for f in tests/fuzz/corpus/replay/*.json; do
	saved+=("$PWD/$f")
done

compared=0
differ=0
# same NAME CMD...: run CMD with BIN for KBDIAG, in both, and compare
same() {
	local name=$1 b
	shift
	for b in old new; do
		local bin=$old
		[ $b = new ] && bin=$new
		(cd "$work" && "${@//KBDIAG/$bin}" >"$work/$b.out" 2>"$work/$b.err"
		    echo "exit $?" >>"$work/$b.err")
		sed -i -e "s|$bin|KBDIAG|g" "$work/$b.err"
	done
	compared=$((compared + 1))
	if cmp -s "$work/old.out" "$work/new.out" && cmp -s "$work/old.err" "$work/new.err"; then
		return 0
	fi
	differ=$((differ + 1))
	say "DIFFERENT: $name"
	diff "$work/old.err" "$work/new.err" | head -5 >&2
	cmp "$work/old.out" "$work/new.out" >&2
}

for s in "${saved[@]}"; do
	n=$(basename "$s")
	for fmt in text markdown html json; do
		same "report $n $fmt" KBDIAG --kb "$kb" -f "$fmt" report "$s"
		same "report $n $fmt --dos-root" KBDIAG --kb "$kb" -f "$fmt" --dos-root "$work/dos" report "$s"
		same "report $n $fmt -o" sh -c "KBDIAG --kb $kb -f $fmt -o $work/o.$fmt report $s && cat $work/o.$fmt"
		same "fix $n $fmt" KBDIAG --kb "$kb" -f "$fmt" --dos-root "$work/dos" fix "$s"
		same "fix $n $fmt (no root)" KBDIAG --kb "$kb" -f "$fmt" fix "$s"
		same "diagnose --replay $n $fmt" KBDIAG --kb "$kb" --offline -f "$fmt" diagnose --replay "$s"
		# verify: its output, and the saved diagnosis it rewrites
		same "verify $n $fmt" sh -c "cp $s $work/v.json && KBDIAG --kb $kb --offline -f $fmt --dos-root $work/dos verify $work/v.json | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z/WHEN/g'; sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z/WHEN/g' $work/v.json"
		same "verify --dry-run $n $fmt" sh -c "KBDIAG --kb $kb --offline -f $fmt --dry-run verify $s | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z/WHEN/g'"
	done
done
while IFS= read -r q; do
	for fmt in text markdown html json; do
		same "query '$q' $fmt" KBDIAG --kb "$kb" -f "$fmt" query "$q"
		same "query --explain '$q' $fmt" KBDIAG --kb "$kb" -f "$fmt" --explain query "$q"
		same "query --top 1 '$q' $fmt" KBDIAG --kb "$kb" -f "$fmt" --top 1 query "$q"
		same "query - '$q' $fmt" sh -c "printf '%s\n' '$q' | KBDIAG --kb $kb -f $fmt query -"
	done
done <<'END'
Error (119) Network Write Error
ERROR Network_read: Lost network connection
how do I set ForcePushBit
nothing at all to do with mail
END
for fmt in text markdown html json; do
	same "query - (empty) $fmt" sh -c "KBDIAG --kb $kb -f $fmt query - </dev/null"
	same "query - (2 MiB) $fmt" sh -c "head -c 2097152 $work/real-all.log | KBDIAG --kb $kb -f $fmt query -"
done

[ -n "${SMALL:-}" ] || say "peak RSS of report on 10,000 incidents (KiB), old and new:"
[ -n "${SMALL:-}" ] || for fmt in text markdown html json; do
	for b in "$old" "$new"; do
		/usr/bin/time -f '%M' -o "$work/time" "$b" --kb "$kb" -f "$fmt" -o "$work/r.$fmt" \
		    report "$work/events-10000.saved.json" 2>/dev/null
		printf '  %s %s %s\n' "$fmt" "$([ "$b" = "$old" ] && echo old || echo new)" \
		    "$(cat "$work/time")" >&2
	done
done
say "stream-equal: $compared compared, $differ different"
[ "$differ" -eq 0 ]
