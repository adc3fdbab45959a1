#!/usr/bin/env python3
"""truth-compare.py CONSOLE.log [CONSOLE.log ...] --profile P.json [--profile P2.json ...] [--min-us N] [--json]

Judge a recorded profile against boots WITHOUT a debugger.  Each CONSOLE.log
is the serial console of one such boot of the same kernel with
"initcall_debug ignore_loglevel" on its command line; the kernel's lines
'calling  FN+0x0/0x.. @ PID' and 'initcall FN+0x0/0x.. returned R after N
usecs' are the truth.  As in profile-vs-initcall-debug.py: pid 0 (the
console initcalls start_kernel runs itself) and PCI fixups ('for DEVICE')
are left out, and the k-th call of a name is paired with its k-th
'returned' line once the pid-0 ones are dropped.  An initcall is keyed by
its name and which call of that name it is (static functions of two files
share a name), in the boot and in the profile alike.

truth     per initcall, the MEDIAN over the consoles of the kernel's figure.
          Kernels before 5.18 print ns >> 10 as "usecs" (ktime_us_delta
          came with "init: Use ktime_us_delta() to make initcall_debug log
          more precise"): their figures are scaled by 1.024.
compared  initcalls whose truth is >= --min-us (default 1000), that ran after
          clocksource_done_booting returned (before it ktime runs on
          jiffies: multiples of 4000 us at HZ=250) and that are in the
          profile.  Figures: the median of |profile - truth| / truth, the
          median signed error, and the count.
top-20    the 20 slowest by truth and by profile, both over every initcall
          in both; K of 20 in common.  Before clocksource_done_booting the
          truth ranks by the console's timestamps instead (the time between
          an initcall's two lines less, per boot, the median of that less
          the kernel's figure over the later initcalls: the 'calling'
          line's own cost), as jiffy-quantized figures cannot rank; its
          floor: each truth boot's 20 slowest against the others' median.
sums      initcall durations summed over every initcall in both, and over
          the compared ones.
worst     the 5 compared rows with the largest relative error.
missing   initcalls in the truth boots that the profile does not have.
spread    the truth's own noise: per compared initcall (max - min) / median
          over the consoles, its median (0 with one console); the floor a
          perfect recorder would meet in one boot: each truth boot against
          the median of the others, the median relative error over the
          compared initcalls, its median over the boots (2 consoles or
          more); and that of a comparison of medians: the truth boots split
          in two halves, the median of one against the other's, its median
          over the splits.  A recorder that adds nothing of its own shows
          errors like these, and a median signed error near 0.

With several --profile, the profile's figure of an initcall is their
median, as the truth's is the consoles': a comparison of two medians shows
how far off the recorder is, with less of either side's boot-to-boot noise
(one profile against the truth still carries the noise of one boot: see
"spread").

Prints human-readable lines, or with --json one JSON object.  Exits 0
whatever the figures (it measures, it does not judge); 2 on bad input, with
one line on stderr saying what.
"""
import argparse
import itertools
import json
import re
import signal
import statistics
import sys

CALLING = re.compile(r'\] calling  ([^+ ]+)\+0x[0-9a-f]+/0x[0-9a-f]+ @ ([0-9]+)$')
RETURNED = re.compile(
    r'\] initcall ([^+ ]+)\+0x[0-9a-f]+/0x[0-9a-f]+ returned (-?[0-9]+) after ([0-9]+) usecs$')
STAMP = re.compile(r'^\[ *([0-9]+\.[0-9]+)\] ')
VERSION = re.compile(r'Linux version ([0-9]+)\.([0-9]+)')
CLOCKSOURCE = 'clocksource_done_booting'


class BadInput(Exception):
    pass


def parse_console(path):
    """One boot's initcalls in call order: [(key, fn, ret, us)], with
    key = (fn, n) for the n-th call of fn (0-based); us is None for a call
    without its 'returned' line.  Also the index of the first initcall after
    clocksource_done_booting (None without it) and the kernel version."""
    order, rets, version, stamps = [], {}, None, []
    try:
        f = open(path, errors='replace')
    except OSError as e:
        raise BadInput('cannot read console %s: %s' % (path, e.strerror))
    with f:
        for line in f:
            line = line.rstrip('\r\n')
            if version is None:
                m = VERSION.search(line)
                if m:
                    version = (int(m.group(1)), int(m.group(2)))
            st = STAMP.match(line)
            t = float(st.group(1)) * 1e6 if st else None
            m = CALLING.search(line)
            if m:
                if m.group(2) != '0':
                    order.append(m.group(1))
                    stamps.append(t)
                continue
            m = RETURNED.search(line)
            if m:
                rets.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3)), t))
    if not order:
        raise BadInput("no initcall_debug lines ('calling  FN+... @ PID') in %s: "
                       "boot with 'initcall_debug ignore_loglevel console=ttyS0'" % path)
    scale = 1.024 if version is not None and version < (5, 18) else 1.0
    calls = {}
    for fn in order:
        calls[fn] = calls.get(fn, 0) + 1
    # pid-0 calls print 'returned' too, before any of pid != 0: drop as
    # many leading ones as there are more returns than calls
    skip = {fn: max(len(lst) - calls.get(fn, 0), 0) for fn, lst in rets.items()}
    seen, out, after, gaps = {}, [], None, []
    for i, fn in enumerate(order):
        n = seen.get(fn, 0)
        seen[fn] = n + 1
        k = n + skip.get(fn, 0)
        r, us, t = rets[fn][k] if fn in rets and k < len(rets[fn]) else (None, None, None)
        gap = t - stamps[i] if t is not None and stamps[i] is not None else None
        out.append(((fn, n), fn, r, us * scale if us is not None else None, gap))
        if after is not None and us is not None and gap is not None:
            gaps.append(gap - us * scale)
        if fn == CLOCKSOURCE and after is None:
            after = len(out)
    # before clocksource_done_booting: the time between the lines, less
    # the 'calling' line's cost (see "top-20")
    cost = statistics.median(gaps) if gaps else 0.0
    early = {}
    for key, fn, r, us, gap in out[:after or 0]:
        if gap is not None:
            early[key] = max(gap - cost, 0.0)
    return [c[:4] for c in out], after, version, early


def parse_profile(path):
    try:
        with open(path) as f:
            p = json.load(f)
    except OSError as e:
        raise BadInput('cannot read profile %s: %s' % (path, e.strerror))
    except ValueError as e:
        raise BadInput('profile %s is not JSON: %s' % (path, e))
    ics = p.get('initcalls') if isinstance(p, dict) else None
    if not isinstance(ics, list):
        raise BadInput('profile %s has no initcalls[] (recorded with --initcalls=off?)' % path)
    seen, dur = {}, {}
    for i, ic in enumerate(ics):
        if not isinstance(ic, dict) or not isinstance(ic.get('fn'), str) \
                or not isinstance(ic.get('duration_ns'), (int, float)):
            raise BadInput('profile %s: initcalls[%d] has no fn and duration_ns' % (path, i))
        n = seen.get(ic['fn'], 0)
        seen[ic['fn']] = n + 1
        dur[(ic['fn'], n)] = ic['duration_ns'] / 1000.0
    env = p.get('environment') or {}
    return dur, {'tool': env.get('tool'), 'complete': p.get('complete'),
                 'kernel_version': env.get('kernel_version'), 'cmdline': env.get('cmdline')}


def name(key):
    fn, n = key
    return fn if n == 0 else '%s#%d' % (fn, n + 1)


def compare(consoles, profile, min_us):
    boots = [parse_console(c) for c in consoles]
    parsed = [parse_profile(x) for x in profile]
    pinfo = parsed[0][1]
    prof = {}
    for key in parsed[0][0]:
        v = [d[key] for d, _ in parsed if key in d]
        prof[key] = statistics.median(v)
    first, after, version, _ = boots[0]
    if after is None:
        raise BadInput('no %s in %s: cannot tell jiffy-quantized durations from fine ones'
                       % (CLOCKSOURCE, consoles[0]))
    # the truth: per key, the median over the boots that returned from it
    figs = {}
    for calls, _, _, _ in boots:
        for key, _, _, us in calls:
            if us is not None:
                figs.setdefault(key, []).append(us)
    truth = {k: statistics.median(v) for k, v in figs.items()}
    order = [c[0] for c in first]
    fine = set(order[after:])
    both = [k for k in order if k in truth and k in prof]
    missing = [k for k in order if k in truth and k not in prof]
    extra = [k for k in prof if k not in truth]
    rows = []
    for k in both:
        t = truth[k]
        if k in fine and t >= min_us:
            rows.append({'fn': name(k), 'truth_us': round(t, 1), 'profile_us': round(prof[k], 1),
                         'rel_err': (prof[k] - t) / t,
                         'spread': (max(figs[k]) - min(figs[k])) / t})
    errs = [abs(r['rel_err']) for r in rows]
    # the floor: each truth boot judged as if it were the profile, against
    # the median of the other boots, over the same initcalls
    self_errs = []
    per_boot = [{key: us for key, _, _, us in calls if us is not None} for calls, _, _, _ in boots]
    judged = [k for k in both if k in fine and truth[k] >= min_us]
    for i, mine in enumerate(per_boot if len(per_boot) > 1 else []):
        e = []
        for k in judged:
            others = [b[k] for j, b in enumerate(per_boot) if j != i and k in b]
            t = statistics.median(others) if others else 0
            if k in mine and t > 0:
                e.append(abs(mine[k] - t) / t)
        if e:
            self_errs.append(statistics.median(e))
    # the floor of a comparison of medians: the truth boots split in two
    # halves, the median of one against the other's, over every split
    split_errs = []
    nb = len(per_boot)
    for half in itertools.combinations(range(nb), nb // 2) if nb >= 2 else []:
        if 0 not in half:
            continue           # each split once
        a = [per_boot[i] for i in half]
        b = [per_boot[i] for i in range(nb) if i not in half]
        e = []
        for k in judged:
            va, vb = [x[k] for x in a if k in x], [x[k] for x in b if k in x]
            if va and vb and statistics.median(vb) > 0:
                e.append(abs(statistics.median(va) - statistics.median(vb)) / statistics.median(vb))
        if e:
            split_errs.append(statistics.median(e))
    # ranking: the figures after clocksource_done_booting, the console's
    # timestamps before it
    rank_boot = []
    for (calls, _, _, early), figs_b in zip(boots, per_boot):
        rb = dict(figs_b)
        rb.update({k: v for k, v in early.items() if k not in fine})
        rank_boot.append(rb)
    rank = {}
    for k in both:
        v = [b[k] for b in rank_boot if k in b]
        if v:
            rank[k] = statistics.median(v)
    ranked = [k for k in both if k in rank]
    top_t = sorted(ranked, key=lambda k: -rank[k])[:20]
    top_p = sorted(both, key=lambda k: -prof[k])[:20]
    k_common = len(set(top_t) & set(top_p))
    top_self = []
    for i, mine in enumerate(rank_boot if len(rank_boot) > 1 else []):
        oth = {}
        for k in ranked:
            v = [b[k] for j, b in enumerate(rank_boot) if j != i and k in b]
            if v and k in mine:
                oth[k] = statistics.median(v)
        a = sorted(oth, key=lambda k: -oth[k])[:20]
        b = sorted(oth, key=lambda k: -mine[k])[:20]
        top_self.append(len(set(a) & set(b)))
    worst = sorted(rows, key=lambda r: -abs(r['rel_err']))[:5]
    for r in worst:
        r['rel_err'] = round(r['rel_err'], 4)
        r['spread'] = round(r['spread'], 4)
    return {
        'consoles': len(consoles),
        'profiles': len(profile),
        'kernel_version': '%d.%d' % version if version else None,
        'usec_scale': 1.024 if version is not None and version < (5, 18) else 1.0,
        'profile_tool': pinfo['tool'],
        'profile_complete': pinfo['complete'],
        'min_us': min_us,
        'truth_initcalls': len([k for k in order if k in truth]),
        'profile_initcalls': len(prof),
        'in_both': len(both),
        'n_compared': len(rows),
        'median_rel_err': statistics.median(errs) if errs else None,
        'median_signed_err': statistics.median([r['rel_err'] for r in rows]) if rows else None,
        'truth_spread': statistics.median([r['spread'] for r in rows]) if rows else None,
        'truth_self_err': statistics.median(self_errs) if self_errs else None,
        'truth_split_err': statistics.median(split_errs) if split_errs else None,
        'top': min(20, len(both)),
        'top_overlap': k_common,
        'top_self_overlap': statistics.median(top_self) if top_self else None,
        'top_truth': [name(k) for k in top_t],
        'top_profile': [name(k) for k in top_p],
        'sum_truth_ms': sum(truth[k] for k in both) / 1e3,
        'sum_profile_ms': sum(prof[k] for k in both) / 1e3,
        'sum_compared_truth_ms': sum(r['truth_us'] for r in rows) / 1e3,
        'sum_compared_profile_ms': sum(r['profile_us'] for r in rows) / 1e3,
        'worst': worst,
        'n_missing': len(missing),
        'missing': [name(k) for k in missing[:20]],
        'n_extra': len(extra),
        'extra': [name(k) for k in extra[:20]],
    }


def pct(x):
    return '-' if x is None else '%.1f %%' % (100 * x)


def human(r):
    out = []
    out.append('truth: %d initcalls, median of %d boot(s) without a debugger (kernel %s%s); '
               'profile: %d initcalls, %d in both' % (
                   r['truth_initcalls'], r['consoles'], r['kernel_version'] or '?',
                   ', usecs x1.024' if r['usec_scale'] != 1.0 else '', r['profile_initcalls'],
                   r['in_both']))
    out.append('compared: %d initcalls >= %g us after %s' % (r['n_compared'], r['min_us'], CLOCKSOURCE))
    out.append('median relative error: %s (signed %s)' % (
        pct(r['median_rel_err']), pct(r['median_signed_err'])))
    out.append('truth noise: spread (max - min) / median %s; one truth boot against the others\' median %s; '
               'half the truth boots against the other half (medians) %s' % (
                   pct(r['truth_spread']), pct(r['truth_self_err']), pct(r['truth_split_err'])))
    out.append('top-20 overlap: %d of %d (one truth boot against the others: %s)' % (
        r['top_overlap'], r['top'],
        '-' if r['top_self_overlap'] is None else '%g' % r['top_self_overlap']))
    out.append('sum of durations, all %d in both: profile %.1f ms, truth %.1f ms' % (
        r['in_both'], r['sum_profile_ms'], r['sum_truth_ms']))
    out.append('sum of durations, the %d compared: profile %.1f ms, truth %.1f ms' % (
        r['n_compared'], r['sum_compared_profile_ms'], r['sum_compared_truth_ms']))
    out.append('worst %d:' % len(r['worst']))
    for w in r['worst']:
        out.append('  %-40s truth %10.1f us  profile %10.1f us  %+8.1f %%' % (
            w['fn'], w['truth_us'], w['profile_us'], 100 * w['rel_err']))
    out.append('missing from the profile: %d%s' % (
        r['n_missing'], (' (' + ', '.join(r['missing'][:10]) + (', ...' if r['n_missing'] > 10 else '') + ')')
        if r['n_missing'] else ''))
    if r['n_extra']:
        out.append('in the profile, not in the truth boots: %d (%s%s)' % (
            r['n_extra'], ', '.join(r['extra'][:10]), ', ...' if r['n_extra'] > 10 else ''))
    out.append('profile tool: %s' % (r['profile_tool'] or 'unknown'))
    return '\n'.join(out)


class Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write('truth-compare: %s (usage: truth-compare.py CONSOLE... --profile P.json '
                         '[--min-us N] [--json])\n' % message)
        sys.exit(2)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    ap = Parser(add_help=True, description=__doc__.split('\n')[0])
    ap.add_argument('consoles', nargs='+', metavar='CONSOLE')
    ap.add_argument('--profile', required=True, action='append',
                    help='a profile; given more than once, the median per initcall')
    ap.add_argument('--min-us', type=float, default=1000.0)
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    if a.min_us < 0:
        ap.error('--min-us must be >= 0')
    try:
        r = compare(a.consoles, a.profile, a.min_us)
    except BadInput as e:
        sys.stderr.write('truth-compare: %s\n' % e)
        return 2
    print(json.dumps(r, indent=1) if a.json else human(r))
    return 0


if __name__ == '__main__':
    sys.exit(main())
