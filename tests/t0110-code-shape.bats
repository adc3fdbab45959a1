#!/usr/bin/env bats
# The size limits of docs/ARCHITECTURE.md, read from the sources: no C
# file of the programs over 1,200 lines, no function over 120 lines (a
# function: from a "{" in column 0 to the next "}" in column 0, the
# project's style).  Tests and benchmarks are not held to them.  Nothing
# is built or run.

load lib

MAX_FILE=1200
MAX_FN=120

sources() {
	(cd "$KIT" && git ls-files '*.c' 2>/dev/null || find . -name '*.c' -printf '%P\n') |
		grep -Ev '^(tests|bench)/|/fuzz/'
}

@test "no C file over $MAX_FILE lines" {
	local f n out=
	for f in $(sources); do
		n=$(wc -l <"$KIT/$f")
		[ "$n" -le "$MAX_FILE" ] || out+="$f: $n lines"$'\n'
	done
	[ -z "$out" ] || { printf '%s' "$out"; false; }
}

@test "no function over $MAX_FN lines" {
	local f hit out=
	for f in $(sources); do
		hit=$(awk -v F="$f" -v max="$MAX_FN" '
			/^\{/ { start = NR; name = prev }
			/^\}/ { if (start && NR - start > max)
					printf "%s:%d: %d lines: %s\n", F, start, NR - start, name
				start = 0 }
			{ prev = $0 }' "$KIT/$f")
		[ -z "$hit" ] || out+=$hit$'\n'
	done
	[ -z "$out" ] || { printf '%s' "$out"; false; }
}

@test "the checks see a long function and a long file" {
	local d=$BATS_TEST_TMPDIR
	{ echo 'int f(void)'; echo '{'; for i in $(seq 130); do echo '	;'; done; echo '}'; } >"$d/long.c"
	run awk -v F=long.c -v max="$MAX_FN" '
		/^\{/ { start = NR; name = prev }
		/^\}/ { if (start && NR - start > max) printf "%s: %d\n", F, NR - start; start = 0 }
		{ prev = $0 }' "$d/long.c"
	[ "$output" = "long.c: 131" ]
}
