#!/usr/bin/env bats
# The SVG timeline names its initcalls as bootgraph.pl does, and says what
# its marks mean.  tests/helpers/svg-labels.py parses the SVG and checks
# the names with the real advance widths of the font it is drawn in
# (Debian's sans-serif, DejaVu Sans, read from the TTF file): every one of
# the ten slowest named, a bar wide enough holds its name, no name covers
# another name or another bar, a name under a lane has its leader line.
# Fixtures: hand-made profiles (make-fixtures.py) and debian-6.1.json, a
# real boot of Debian's 6.1 kernel to its busybox poweroff (666 initcalls;
# scripts/boot-profile --kernel /boot/vmlinuz-6.1.0-57-amd64, the kernel
# log and stop list left out).

load lib

D=$KIT/tests/data/profiles
CHECK=$KIT/tests/helpers/svg-labels.py

setup() {
	FONT=$(fc-match -f '%{file}' sans-serif)
	[ -r "$FONT" ] || { echo "# no sans-serif font file: '$FONT'"; false; }
}

svg() {
	"$CLIENT" report --format=svg "$1" >"$2"
	xmllint --noout "$2"
	rsvg-convert -o "${2%.svg}.png" "$2"
}

# place SVG FN: where the picture names FN (in, out, row), or nothing
place() {
	xmllint --xpath "string(//*[local-name()='text'][@class='ic-label'][@data-fn='$2']/@data-place)" "$1"
}

@test "svg: the slowest initcalls named, wide bars named inside, no name covers another" {
	local t=$BATS_TEST_TMPDIR
	for f in realistic debian-6.1; do
		svg "$D/$f.json" "$t/$f.svg"
		python3 "$CHECK" "$t/$f.svg" "$D/$f.json" "$FONT"
	done
	# each way of naming, where the fixture's bars put it
	[ "$(place "$t/realistic.svg" acpi_init)" = in ]            # 182 ms: inside
	[ "$(place "$t/realistic.svg" pci_arch_init)" = out ]       # 4.2 ms, room on its right
	[ "$(place "$t/realistic.svg" chr_dev_init)" = out ]        # room on its left only
	[ "$(place "$t/realistic.svg" i8042_init)" = row ]          # no room in the lane
	# a bar too narrow for its name, not among the slowest: not named
	[ -z "$(place "$t/realistic.svg" rcu_spawn_gp_kthread)" ]
	# the real boot: the slowest is named inside its bar, and only the ten
	# slowest are named outside theirs
	[ "$(place "$t/debian-6.1.svg" crypto_algapi_init)" = in ]
	[ "$(xmllint --xpath "count(//*[@class='ic-label'][@data-place!='in'])" "$t/debian-6.1.svg")" -le 10 ]
	# --top is the text report's; the picture names ten whatever it is
	"$CLIENT" report --format=svg --top 3 "$D/realistic.json" | cmp - "$t/realistic.svg"
}

@test "svg: 666 tiny initcalls: the ten slowest still named, every name clear of the others" {
	local t=$BATS_TEST_TMPDIR
	# one initcall in fifty 0.9 ms long, the rest 3 us, all of one level
	# but spread over all ten (the lanes fill, neighbours crowd)
	jq '.initcalls as $ic | .initcalls = [range(0; 666) as $i |
		($ic[$i % ($ic | length)]) + {fn: ("init_\($i)"), order: $i,
		start_ns: (3400000000 + $i * 1200000),
		duration_ns: (if $i % 50 == 0 then 900000 + $i * 1000 else 3000 end)}]' \
		"$D/realistic.json" >"$t/many.json"
	svg "$t/many.json" "$t/many.svg"
	python3 "$CHECK" "$t/many.svg" "$t/many.json" "$FONT"
}

@test "svg: a legend for failed initcalls and the other marks, only those the picture has" {
	local t=$BATS_TEST_TMPDIR mark
	# small.json: fake_init_b returned -12
	svg "$D/small.json" "$t/small.svg"
	mark=$(xmllint --xpath "string(//*[@class='mark-failed'])" "$t/small.svg")
	[[ "$mark" == "initcall that returned an error: 1 here"* ]] || { echo "# failed mark: '$mark'"; false; }
	[ "$(xmllint --xpath "count(//*[local-name()='rect'][@class='failed'])" "$t/small.svg")" -eq 1 ]
	# no failure: no such legend, and no red outline
	jq '.initcalls[].ret = 0' "$D/small.json" >"$t/ok.json"
	svg "$t/ok.json" "$t/ok.svg"
	[ "$(xmllint --xpath "count(//*[@class='mark-failed'])" "$t/ok.svg")" -eq 0 ]
	! grep -q 'stroke="#d00"' "$t/ok.svg"
	# the real boot: 49 initcalls returned non-zero (most -19, ENODEV), most
	# of them under a pixel: each is a red tick or a red outline
	svg "$D/debian-6.1.json" "$t/real.svg"
	local nf
	nf=$(jq '[.initcalls[] | select(.ret != 0)] | length' "$D/debian-6.1.json")
	[ "$(xmllint --xpath "count(//*[local-name()='rect'][@class='failed' or @class='failed-tick'])" "$t/real.svg")" -eq "$nf" ]
	mark=$(xmllint --xpath "string(//*[@class='mark-failed'])" "$t/real.svg")
	[[ "$mark" == *": $nf here"* ]] || { echo "# failed mark: '$mark'"; false; }
	# and its other marks: merged bars, leader lines, the zoom box, processes
	for m in merged leader zoom kthread process; do
		[ "$(xmllint --xpath "count(//*[@class='mark-$m'])" "$t/real.svg")" -eq 1 ] ||
			{ echo "# no legend for $m"; false; }
	done
	# small.json has no samples: no process marks there
	[ "$(xmllint --xpath "count(//*[@class='mark-process' or @class='mark-kthread'])" "$t/small.svg")" -eq 0 ]
}
