#!/usr/bin/env python3
"""profile-vs-initcall-debug.py PROFILE.json CONSOLE.log [MIN_US]

Compare a recorded profile with the kernel's own initcall_debug lines on the
serial console ('calling  FN+0x0/0x.. @ PID' and 'initcall FN+0x0/0x..
returned R after N usecs'), leaving out pid 0 (console initcalls run from
start_kernel, not do_one_initcall) and PCI fixups ('for DEVICE').  Prints
one JSON object: order agreement, return-value mismatches, and the relative
errors of durations for initcalls of at least MIN_US (default 1000) us.

Durations are compared only from the first initcall after
clocksource_done_booting on: before it the kernel's ktime runs on jiffies
(HZ=250 on Debian: every duration a multiple of 4000 us).
"""
import json, re, statistics, sys

prof = json.load(open(sys.argv[1]))
min_us = float(sys.argv[3]) if len(sys.argv) > 3 else 1000.0
calling = re.compile(r'\] calling  ([^+ ]+)\+0x[0-9a-f]+/0x[0-9a-f]+ @ ([0-9]+)$')
ret = re.compile(r'\] initcall ([^+ ]+)\+0x[0-9a-f]+/0x[0-9a-f]+ returned (-?[0-9]+) after ([0-9]+) usecs$')
order, rets = [], {}
pending = {}
for line in open(sys.argv[2], errors='replace'):
    line = line.rstrip('\r\n')
    m = calling.search(line)
    if m and m.group(2) != '0':
        order.append(m.group(1))
        continue
    m = ret.search(line)
    if m:
        rets.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3))))
# pair the k-th call of a name with its k-th 'returned' line (pid-0 calls
# also print 'returned': drop as many leading ones as there were)
seen = {}
kernel = []
skip = {}
for fn in order:
    seen[fn] = seen.get(fn, 0) + 1
for fn, lst in rets.items():
    extra = len(lst) - seen.get(fn, 0)
    skip[fn] = max(extra, 0)
idx = {}
for fn in order:
    k = idx.get(fn, 0) + skip.get(fn, 0)
    idx[fn] = idx.get(fn, 0) + 1
    r, us = rets[fn][k] if fn in rets and k < len(rets[fn]) else (None, None)
    kernel.append((fn, r, us))
ours = [(ic['fn'], ic.get('ret'), ic['duration_ns'] / 1000.0) for ic in prof['initcalls']]
names_k = [k[0] for k in kernel]
names_o = [o[0] for o in ours]
same = names_k == names_o
first_diff = None
if not same:
    for i, (a, b) in enumerate(zip(names_k, names_o)):
        if a != b:
            first_diff = {'index': i, 'kernel': a, 'profile': b}
            break
ret_bad, errs, worst, pairs = [], [], [], []
fine = False
for (fn, r, us), (_, r2, d) in zip(kernel, ours):
    if r is not None and r2 is not None and r != r2:
        ret_bad.append({'fn': fn, 'kernel': r, 'profile': r2})
    if not fine:
        fine = fn == 'clocksource_done_booting'
        continue
    if us is not None:
        pairs.append((us, d))
    if us is not None and us >= min_us:
        e = (d - us) / us
        errs.append(abs(e))
        worst.append((abs(e), fn, us, round(d)))
worst.sort(reverse=True)
# The kernel's 'after N usecs' also holds what the recorder's return-site
# stop costs before the kernel reads its clock again: QEMU flushed its
# translation cache at that stop, and the path back to ktime_get() is
# translated anew.  Estimate it from the initcalls with the smallest
# kernel figures (the tenth of them, at least 5: next to no work of their
# own, so what the kernel counts for them is mostly that cost) and compare
# again with it taken out.  (Chosen by the kernel's figure, not ours: the
# recorder's own floor depends on its latency calibration.)
small = sorted(pairs)[:max(5, len(pairs) // 10)]
triv = [us - d for us, d in small]
post = statistics.median(triv) if triv else 0.0
cerr = [abs(d - (us - post)) / (us - post) for us, d in pairs
        if us >= min_us and us - post > 0]
print(json.dumps({
    'kernel_initcalls': len(kernel), 'profile_initcalls': len(ours),
    'kernel_returned': sum(1 for k in kernel if k[1] is not None),
    'same_order': same, 'first_difference': first_diff,
    'return_mismatches': ret_bad[:10], 'n_return_mismatches': len(ret_bad),
    'n_compared': len(errs),
    'mean_rel_err': statistics.mean(errs) if errs else None,
    'return_stop_cost_us': post, 'n_trivial': len(triv),
    'corrected_median_rel_err': statistics.median(cerr) if cerr else None,
    'corrected_n': len(cerr),
    'median_rel_err': statistics.median(errs) if errs else None,
    'max_rel_err': max(errs) if errs else None,
    'worst': [{'fn': w[1], 'kernel_us': w[2], 'profile_us': w[3], 'rel_err': round(w[0], 4)} for w in worst[:8]],
}, indent=1))
