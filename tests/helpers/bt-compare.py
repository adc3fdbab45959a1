#!/usr/bin/env python3
# tests/helpers/bt-compare.py TRUTH CLIENT-OUTPUT: for t3960-bt-truth.
# TRUTH is a tests/data/bt file (tests/helpers/bt-truth: gdb's physical
# frames per stop), CLIENT-OUTPUT gdbstub-client's output for the same
# stops in the same order, one bt each.  Per stop:
#   - each of gdb's frames (down to 'interrupted' at an irq stop) equals
#     bt's at the same depth, pc and name (any of the names at that
#     symbol's address: kallsyms keeps one of the aliases);
#   - but at an irq stop, from the irq stack switch on (sysvec_*,
#     common_interrupt, 5.10's asm_call_*_on_stack) the path depends on the
#     interrupted context: from user mode, or on the irq stack already (a
#     softirq run at irq exit), the handler is called on the current stack
#     from another call site; such frames are compared by name, without
#     asm_call_*, and counted apart;
#   - bt's frames beyond gdb's (the entry asm, where gdb has no CFI) are
#     not compared, but bt must end cleanly (no "<why>" line);
#   - at an irq stop bt shows the interrupt entry (asm_*, not
#     asm_call_*), the frame below it "(interrupted here)".
# Prints "# ..." lines; exits 1 on a difference.
import re
import sys

FRAME = re.compile(r"#(\d+) +0x([0-9a-f]+) in (\S+?)(?:\+0x[0-9a-f]+)?(  \(interrupted here\))?$")


def same(t, gf, i):
    return i < len(gf) and gf[i][0] == t[0] and gf[i][1] in t[1].split("|")


def call_on_stack(names):
    return any(n.startswith("asm_call_") for n in names.split("|"))


def switch_point(names):
    """Where an interrupt's path depends on the interrupted context: the
    entry's C function switches to the irq stack only from kernel mode
    with the irq stack free (6.x: call_on_irqstack in sysvec_* and
    common_interrupt; 5.10: through asm_call_*_on_stack), else calls the
    handler on the current stack, from another call site."""
    return call_on_stack(names) or any(
        n.startswith("sysvec_") or n == "common_interrupt" for n in names.split("|"))


def truth(path):
    stops = []
    for line in open(path):
        w = line.split()
        if not w or w[0].startswith("#"):
            continue
        if w[0] == "stop":
            stops.append({"what": "%s %s" % (w[1], w[2]), "irq": "irq" in w[3:],
                          "frames": [], "cut": False, "end": ""})
        elif w[0] == "interrupted":
            stops[-1]["cut"] = True
        elif w[0] == "end":
            stops[-1]["end"] = " ".join(w[1:])
        elif not stops[-1]["cut"]:
            stops[-1]["frames"].append((int(w[0], 16), w[1]))
    return stops


def bts(path):
    blocks = []
    for line in open(path):
        line = line.rstrip("\n")
        m = FRAME.match(line)
        if m:
            if m.group(1) == "0":
                blocks.append({"frames": [], "why": None})
            blocks[-1]["frames"].append((int(m.group(2), 16), m.group(3),
                                         bool(m.group(4))))
        elif line.startswith("<") and blocks and blocks[-1]["why"] is None:
            blocks[-1]["why"] = line
    return blocks


def main():
    want, got = truth(sys.argv[1]), bts(sys.argv[2])
    bad = []
    equal = compared = more = loose = 0
    note = []
    if len(got) != len(want):
        bad.append("%d stops in the truth, %d bt outputs" % (len(want), len(got)))
    for w, g in zip(want, got):
        gf = g["frames"]
        ok = True
        tf = w["frames"]
        compared += len(tf)
        sw = next((i for i, (pc, name) in enumerate(tf) if switch_point(name)),
                  len(tf)) if w["irq"] else len(tf)
        strict = next((i for i in range(len(tf)) if not same(tf[i], gf, i)), len(tf))
        if strict < sw:
            ok = False
            equal += strict
            i = strict
            bad.append("%s: frame #%d: gdb 0x%x %s, bt %s" % (
                w["what"], i, tf[i][0], tf[i][1],
                "0x%x %s" % gf[i][:2] if i < len(gf) else "(none)"))
        elif strict == len(tf):
            equal += len(tf)
        else:
            # the other path at the irq stack switch: by name, without
            # the asm_call_*_on_stack frame (5.10)
            equal += sw
            tn = [n for pc, n in tf[sw:] if not call_on_stack(n)]
            bn = [f[1] for f in gf[sw:] if not call_on_stack(f[1])]
            if len(bn) >= len(tn) and all(bn[j] in tn[j].split("|") for j in range(len(tn))):
                loose += len(tf) - sw
                note.append("%s: frames #%d on: the other irq path, equal by name: bt %s"
                            % (w["what"], sw, " <- ".join(
                                f[1] + (" (interrupted here)" if f[2] else "") for f in gf)))
            else:
                ok = False
                bad.append("%s: frames #%d on: gdb %s, bt %s" % (
                    w["what"], sw, " <- ".join(tn), " <- ".join(bn)))
        more += max(0, len(gf) - len(w["frames"]))
        if g["why"]:
            ok = False
            bad.append("%s: bt ended with %s" % (w["what"], g["why"]))
        if w["irq"]:
            n = len(w["frames"])
            entry = next((i for i in range(len(gf))
                          if gf[i][1].startswith("asm_")
                          and not gf[i][1].startswith("asm_call_")), None)
            if entry is None:
                ok = False
                bad.append("%s: no interrupt entry (asm_*) in bt" % w["what"])
            elif entry + 1 < len(gf) and not gf[entry + 1][2]:
                ok = False
                bad.append("%s: the frame below %s is not '(interrupted here)'"
                           % (w["what"], gf[entry][1]))
        print("# %-40s gdb %2d frames, bt %2d%s" % (w["what"], len(w["frames"]), len(gf),
                                                   "" if ok else "  DIFFERENT"))
    print("# %d stops: %d/%d of gdb's frames equal%s; bt had %d more beyond gdb's"
          % (len(want), equal + loose, compared,
             " (%d by name only)" % loose if loose else "", more))
    for b in note + bad:
        print("# " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
