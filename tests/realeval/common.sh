# tests/realeval/common.sh: the start that dev.sh, run.sh and failures.sh
# share (heldout.sh keeps its own). Each sources it first, with its own
# arguments:
#
#   . "$(dirname "$0")/common.sh"
#
# It sets strict mode and the C locale, takes a first argument --check away
# (check=1, else 0) and sets here (this directory). Then, for the script:
#
#   realeval_skip STATUS WHAT WHY   print "SKIP: WHAT: WHY", exit STATUS
#   realeval_need_jq STATUS WHAT    realeval_skip when jq is missing
#   realeval_tmp                    tmp: a new directory, removed at exit,
#                                   holding kbdiag's rule base cache
#                                   (KBDIAG_CACHE: its own, never $HOME's)
#   realeval_diagnose NAME KBDIAG LOG OUT
#                                   kbdiag diagnose --offline --format json -q
#                                   LOG > OUT (stderr OUT.err); exit 1 with
#                                   kbdiag's first lines when it fails (exit
#                                   above 1: 1 is "incidents found")
set -eu
export LC_ALL=C

check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

realeval_skip() {
	echo "SKIP: $2: $3"
	exit "$1"
}

realeval_need_jq() {
	command -v jq > /dev/null || realeval_skip "$1" "$2" "jq is missing"
}

realeval_tmp() {
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	KBDIAG_CACHE=$tmp/cache
	export KBDIAG_CACHE
}

realeval_diagnose() {
	local st=0

	"$2" diagnose --offline --format json -q "$3" > "$4" 2> "$4.err" || st=$?
	if [ "$st" -gt 1 ]; then
		echo "$1: kbdiag failed on ${3##*/} (exit $st):" >&2
		head -5 "$4.err" >&2
		exit 1
	fi
}
