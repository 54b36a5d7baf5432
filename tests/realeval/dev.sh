#!/bin/bash
# Hold kbdiag to the expected reading of the development samples of real MTA
# log forms (tests/realeval/dev/README.md: origins, licences, why each is
# there; dev/expected.tsv: the reading, written before the fixes).
#
#   tests/realeval/dev.sh [--check] [KBDIAG]
#
# Each sample is copied into a temporary directory dated 2026-12-01 (the year
# rule then gives the years the README names), diagnosed with
# `kbdiag diagnose --offline --format json`, and its incidents (article, peer,
# attempts, held, whether it has a time) compared with the expected rows.
# Prints one line per sample, and with --check exits 1 when one differs.
# The samples are small and were tuned on: this is a regression test of the
# classes, not a score (run.sh's test part and heldout.sh are the scores).
. "$(dirname "$0")/common.sh"
kbdiag=${1:-$here/../../build/kbdiag}
realeval_need_jq 0 "realeval dev samples"
realeval_tmp

fail=0
dev=$here/dev
for path in "$dev"/*.log "$dev"/check/*.log; do
	f=${path#"$dev"/}
	out=$tmp/$(echo "$f" | tr / _)
	cp "$path" "$out"
	touch -d 2026-12-01T00:00:00Z "$out"
	realeval_diagnose dev.sh "$kbdiag" "$out" "$out.json"
	jq -r '.incidents[] | [.article, (.peer.host // "-"), (.count | tostring),
		(.held | tostring), (if .first_seen then "yes" else "no" end)] | @tsv' \
		"$out.json" | sort > "$out.got"
	awk -F '\t' -v f="$f" '$1 == f { print $2 "\t" $3 "\t" $4 "\t" $5 "\t" $6 }' \
		"$dev/expected.tsv" | sort > "$out.want"
	if cmp -s "$out.got" "$out.want"; then
		printf '%-36s ok (%d incidents)\n' "$f" "$(wc -l < "$out.want")"
	else
		printf '%-36s DIFFERS\n' "$f"
		diff "$out.want" "$out.got" | sed -n 's/^[<>]/    &/p' |
			sed 's/^    </    want/; s/^    >/    got /'
		fail=1
	fi
done
if [ "$check" = 1 ]; then
	[ "$fail" = 0 ] && echo "PASS: realeval dev samples: the expected reading of each"
	exit "$fail"
fi
exit 0
