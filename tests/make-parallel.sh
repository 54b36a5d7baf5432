#!/bin/sh
# Makes run at once in one build directory (`make fuzz` twice, a developer's
# make beside make check) must not take each other's temporary files: the
# files every make writes again (BUILD/cflags, BUILD/config.h) are written
# by 12 makes at once, 3 times, with flags that differ, so that each one
# replaces the file. Before the fix, 2 makes in 3 failed here with
# "mv: cannot stat 'BUILD/cflags.tmp'". Run by `make check` from the top of
# the tree; exit 1 when a make failed or left a temporary file.
set -u

work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-makepar.XXXXXX")
trap 'rm -rf "$work"' EXIT
for round in 1 2 3; do
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		(make -s --no-print-directory BUILD="$work/build" CFLAGS="-DROUND$round$((i % 2))" \
		    "$work/build/cflags" "$work/build/config.h" >/dev/null 2>>"$work/errors" ||
		    echo "make $round.$i failed" >>"$work/failed") &
	done
	wait
done
left=$(ls "$work/build" | grep -v '^cflags$' | grep -v '^config.h$')
if [ -s "$work/failed" ] || [ -n "$left" ]; then
	echo "make-parallel: FAIL: $(wc -l <"$work/failed" 2>/dev/null || echo 0) of 36 makes failed;" \
	    "left: ${left:-nothing}" >&2
	head -n 5 "$work/errors" >&2
	exit 1
fi
echo "make-parallel: PASS: 36 makes, 12 at once, wrote BUILD/cflags and config.h; none failed"
