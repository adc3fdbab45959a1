#!/usr/bin/env bats
# A profile's memory in `report` and `compare`: qemu's peak RSS and the
# guest's points (docs/profile-schema.md, memory) added with jq to the
# compare fixtures, A's qemu at ~200 MiB, B's at ~300 MiB, the guest's
# used memory the same in both.  The text report's Memory line and
# table, several runs' Memory table and JSON series, compare's Memory
# table and JSON: means, sample SDs, Welch's t and p checked against
# tests/helpers/stats-ref.py's own (plain Python, not the client's code);
# profiles without memory keep their reports as they were (t5100's golden
# files); the schema takes the object and refuses a negative figure.

load lib
bats_require_minimum_version 1.5.0

P=$KIT/tests/data/profiles
REF=$KIT/tests/helpers/stats-ref.py

setup() {
	need_client
	D=$BATS_TEST_TMPDIR
	local i
	# run i: qemu (RSS A) KiB, used at userspace 29000 + 50 i KiB
	for i in 1 2 3; do
		add_memory "$P/cmp-a$i.json" $((199000 + 1000 * i)) $((29000 + 50 * i)) >"$D/a$i.json"
		add_memory "$P/cmp-b$i.json" $((299000 + 1500 * i)) $((29000 + 60 * i)) >"$D/b$i.json"
	done
}

# add_memory PROFILE RSS USED: PROFILE with a memory object
add_memory() {
	jq --argjson rss "$2" --argjson used "$3" '.memory = {
		qemu: { peak_rss_kb: $rss, user_us: 4000000, system_us: 400000, source: "wait4" },
		guest: [
			{ at: "read", t_ns: 100000000, total_kb: 468416, free_kb: 200000 },
			{ at: "userspace", t_ns: 200000000, total_kb: 468416, free_kb: 430000,
			  available_kb: (468416 - $used), buffers_kb: 0, cached_kb: 1940,
			  page_cache_kb: 1940, shmem_kb: 1932, anon_kb: 28,
			  slab_reclaimable_kb: 8684, slab_unreclaimable_kb: 5764,
			  kernel_stack_kb: 720, page_tables_kb: 40, vmalloc_kb: 7340, percpu_kb: 260 },
			{ at: "end", t_ns: 200000000, total_kb: 468416, free_kb: 430000,
			  available_kb: (468416 - $used), page_cache_kb: 1940 } ] }' "$1"
}

# ref SCRIPT: python with stats-ref.py's functions (mean, sd, welch)
ref() {
	python3 -c "
src = open('$REF').read().rsplit('\nmain()', 1)[0]
exec(src)
$1"
}

@test "report: the Memory line under the summary, the table of named moments" {
	run "$CLIENT" report --color=never "$D/a1.json"
	[ "$status" -eq 0 ]
	# 200000 KiB = 195.3 MiB; used 29050 KiB = 28.4; buff/cache 1940 + 8684;
	# kernel: slab 14448 + stacks 720 + page tables 40 + vmalloc 7340 + percpu 260
	expect_line '^Memory: qemu peak RSS 195\.3 MiB; guest at userspace: 457\.4 MiB total, 28\.4 used, 419\.9 free, 10\.4 buff/cache, 429\.1 available; kernel 22\.3 \(slab 14\.1\)$'
	# right under the summary
	[[ "$(grep -A1 '^Boot to userspace' <<<"$output" | tail -1)" == "Memory: "* ]]
	expect_line '^  userspace +200\.0 +457\.4 +28\.4 +419\.9 +1\.9 +10\.4 +429\.1 +22\.3 +14\.1$'
	expect_line '^  end +200\.0 +457\.4 +28\.4 +419\.9 +- +1\.9 +429\.1 +- +-$'
	# the reads between milestones are for the picture, not the table
	! grep -q '^  read ' <<<"$output"
	# the SVG: the memory panel, one bar per read
	"$CLIENT" report --format=svg -o "$D/a1.svg" "$D/a1.json"
	grep -q '>memory</text>' "$D/a1.svg"
	grep -q 'qemu peak RSS 195.3 MiB' "$D/a1.svg"
	grep -Eq '<title>read at [0-9.]+ s: - MiB used, - buff/cache, 195.3 free' "$D/a1.svg"
	grep -Eq '<title>userspace at [0-9.]+ s: 28.4 MiB used, 10.4 buff/cache, 419.9 free, kernel 22.3</title>' "$D/a1.svg"
	# the trace: a counter, one event a point, free(1)'s columns in MiB
	"$CLIENT" report --format=trace -o "$D/a1.trace.json" "$D/a1.json"
	jq -e '[.traceEvents[] | select(.ph == "C" and .name == "guest memory (MiB)")] |
		length == 3 and .[1].args == {"used": 28.4, "buff/cache": 10.4, "free": 419.9} and
		(.[0].args | has("used") | not) and all(.[]; has("tid"))' "$D/a1.trace.json"
}

@test "report of several runs: a Memory table and JSON series in KiB" {
	"$CLIENT" report --color=never "$D"/a{1,2,3}.json >"$D/runs.txt"
	"$CLIENT" report --format=json "$D"/a{1,2,3}.json >"$D/runs.json"
	grep -A3 '^Memory (MiB)' "$D/runs.txt" | sed 's/^/#   /' >&3
	# peak RSS 200000, 201000, 202000 KiB: mean 196.3 MiB, sd 1000 KiB = 1.0;
	# used 29050, 29100, 29150: 28.4, sd 50 KiB = 0.0; under the summary
	[[ "$(grep -A1 '^Boot to userspace' "$D/runs.txt" | tail -1)" == \
	   "Memory: qemu peak RSS 196.3 ± 1.0 MiB (n=3); guest used at userspace 28.4 ± 0.0 MiB, kernel 22.3 ± 0.0" ]]
	grep -Eq '^  qemu peak RSS +196\.3 +1\.0 +195\.3 +197\.3 +3$' "$D/runs.txt"
	ref "
import json
s = {e['key']: e for e in json.load(open('$D/runs.json'))['series']}
for key, v in (('mem:qemu:peak_rss', [200000, 201000, 202000]),
               ('mem:userspace:used', [29050, 29100, 29150])):
    e = s[key]
    assert e['kind'] == 'memory' and 'mean_ns' not in e, e
    assert abs(e['mean_kb'] - mean(v)) <= 1 and abs(e['sd_kb'] - sd(v)) <= 1, (e, mean(v), sd(v))
    assert e['min_kb'] == min(v) and e['max_kb'] == max(v) and e['n'] == 3, e
"
}

@test "compare: memory apart from the times, with means, SD and Welch's t-test" {
	"$CLIENT" compare --color=never "$D"/a{1,2,3}.json -- "$D"/b{1,2,3}.json >"$D/cmp.txt"
	"$CLIENT" compare --format=json "$D"/a{1,2,3}.json -- "$D"/b{1,2,3}.json >"$D/cmp.json"
	sed -n '/^Memory/,$p' "$D/cmp.txt" | sed 's/^/#   /' >&3
	# the times' table is the same as without memory
	"$CLIENT" compare --color=never "$P"/cmp-a{1,2,3}.json -- "$P"/cmp-b{1,2,3}.json >"$D/plain.txt"
	diff <(sed '/^Memory/,$d; s#[^ ]*/##g' "$D/cmp.txt" | grep -v '^$') \
		<(sed 's#[^ ]*/##g; s#cmp-##g' "$D/plain.txt" | grep -v '^$')
	# qemu +50 %: MORE; the guest's used +0.2 % (p large): not marked
	# A 201000 KiB (196.3 MiB) sd 1000, B 302000 (294.9) sd 1500: +98.6 MiB, +50.2 %
	grep -Eq '^  MORE +qemu peak RSS +196\.3 ± 1\.0 +294\.9 ± 1\.5 +\+98\.6 +\+50\.2% +[0-9.<]+$' "$D/cmp.txt"
	grep -Eq '^          guest used at userspace ' "$D/cmp.txt"
	ref "
import json
j = json.load(open('$D/cmp.json'))
m = {e['key']: e for e in j['memory']}
assert not [c for c in j['changes'] if c['key'].startswith('mem:')], 'memory among the times'
for key, a, b, mark in (('mem:qemu:peak_rss', [200000, 201000, 202000], [300500, 302000, 303500], 'more'),
                        ('mem:userspace:used', [29050, 29100, 29150], [29060, 29120, 29180], 'none')):
    e = m[key]
    t, df, p = welch(a, b)
    assert abs(e['a']['mean_kb'] - mean(a)) < 1e-6 and abs(e['b']['sd_kb'] - sd(b)) < 1e-6, e
    assert abs(e['delta_kb'] - (mean(b) - mean(a))) < 1e-6, e
    assert abs(e['t'] - t) < 1e-9 * max(1, abs(t)) and abs(e['df'] - df) < 1e-9 * df, (e, t, df)
    assert abs(e['p'] - p) < 1e-6, (e['p'], p)
    assert e['mark'] == mark, (key, e['mark'])
"
}

@test "memory: the schema takes it, refuses a negative figure; the reader names it" {
	have_jsonschema || skip "python3-jsonschema not installed"
	validate "$D/a1.json"
	jq '.memory.guest[1].free_kb = -1' "$D/a1.json" >"$D/neg.json"
	run validate "$D/neg.json"
	[ "$status" -ne 0 ]
	run --separate-stderr "$CLIENT" report "$D/neg.json"
	fails 1 "*: 'memory.guest\\[1\\].free_kb' must not be negative"
}
