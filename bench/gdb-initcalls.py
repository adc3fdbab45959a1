# bench/gdb-initcalls.py: what a user does today to time the kernel's
# initcalls with gdb, for bench/profile-overhead to compare against.
#
#   GI_ENDPOINT=127.0.0.1:PORT GI_SYMBOLS=k.elf GI_OUT=out.json \
#       gdb -batch -nx -x bench/gdb-initcalls.py
#
# GI_SYMBOLS is the kernel's symbols as an ELF (kernel-symbols export KERNEL
# --format=elf); the guest is held at its reset vector by qemu-wrapper and
# boots with nokaslr.  No "set architecture": gdb 13 reads QEMU 7.2's x86-64
# description as it is (the libguestfs recipe's "set architecture i8086" is
# what fails).
#
# How it works.  A temporary breakpoint at start_kernel stops the guest
# once, when the kernel's text is in memory: there the script finds the
# return site of the initcall's indirect call in do_one_initcall by
# disassembling it (the instruction after the first "call" through a
# retpoline thunk or a register; the exported ELF holds symbols, no code).
# Then two breakpoints, the "commands; silent; continue" of a gdb script
# written in Python: a gdb.Breakpoint whose stop() records the time and
# the initcall ($rdi) at do_one_initcall's entry, and one at the return
# site that records the time and the return value ($eax), both returning
# False so gdb resumes without returning to its prompt.  The exported ELF
# has no code bytes, so gdb.FinishBreakpoint (which needs an unwinder and
# may not be created inside stop()) is not used.  Then "continue" until the
# guest powers off.
#
# What it writes (GI_OUT, JSON): the initcalls seen (function, start and
# duration in host ns, return value), the breakpoint hits, and the time
# spent inside the stop() callbacks: a lower bound on gdb's time per stop,
# which also reads registers, removes and re-inserts breakpoints and
# single-steps over the one it stopped at (a second debug stop) outside
# Python's view.  "unreturned" names the entries no return matched.
# "error" is set when something failed; the file is written whatever
# happens.  Seen here: a few hits reported twice by gdb (an initcall
# appears twice, with one extra entry or return), a fact about the
# alternative, not corrected.
import json
import os
import re
import time

import gdb

out_path = os.environ.get("GI_OUT", "gdb-initcalls.json")
result = {
    "complete": False,
    "error": None,
    "return_site": None,
    "entry_hits": 0,
    "return_hits": 0,
    "callback_ns": [],
    "initcalls": [],
}
open_calls = []  # [fn, start_ns] per do_one_initcall being run (module inits may nest)
calls = []       # [fn, start_ns, duration_ns, ret]


class Entry(gdb.Breakpoint):
    def stop(self):
        t0 = time.monotonic_ns()
        fn = int(gdb.parse_and_eval("$rdi")) & 0xFFFFFFFFFFFFFFFF
        open_calls.append([fn, t0])
        result["entry_hits"] += 1
        result["callback_ns"].append(time.monotonic_ns() - t0)
        return False


class Return(gdb.Breakpoint):
    def stop(self):
        t0 = time.monotonic_ns()
        ret = int(gdb.parse_and_eval("(int)$eax"))
        result["return_hits"] += 1
        if open_calls:
            fn, start = open_calls.pop()
            calls.append([fn, start, t0 - start, ret])
        result["callback_ns"].append(time.monotonic_ns() - t0)
        return False


def return_site(addr):
    """The address after do_one_initcall's indirect call of the initcall."""
    arch = gdb.selected_frame().architecture()
    for insn in arch.disassemble(addr, addr + 0x400):
        asm = insn["asm"]
        if re.match(r"call[q]?\s", asm) and ("__x86_indirect_thunk_" in asm or re.search(r"call[q]?\s+\*%r", asm)):
            return insn["addr"] + insn["length"], asm
        if asm.startswith("ret") or asm.startswith("int3"):
            break
    raise gdb.GdbError("no indirect call in do_one_initcall")


def name_of(addr):
    s = gdb.execute("info symbol 0x%x" % addr, to_string=True).strip()
    m = re.match(r"(\S+)( \+ (\d+))? in section", s)
    if not m:
        return "0x%x" % addr
    return m.group(1) if not m.group(3) else "%s+%s" % (m.group(1), m.group(3))


def main():
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set height 0")
    gdb.execute("set width 0")
    # the path may hold spaces: the symbol-file command takes the rest of the line
    gdb.execute("symbol-file " + os.environ["GI_SYMBOLS"])
    gdb.execute("target remote " + os.environ["GI_ENDPOINT"])
    entry = int(gdb.parse_and_eval("(unsigned long)&do_one_initcall"))
    gdb.Breakpoint("*start_kernel", temporary=True)
    gdb.execute("continue")
    site, asm = return_site(entry)
    result["return_site"] = "0x%x (after '%s')" % (site, asm)
    Entry("*0x%x" % entry)
    Return("*0x%x" % site)
    gdb.execute("continue")  # until the guest powers off (QEMU's W reply)
    result["complete"] = True


try:
    main()
except Exception as e:  # gdb.error, gdb.GdbError, KeyError ...
    result["error"] = str(e).splitlines()[0] if str(e) else type(e).__name__
for fn, start, dur, ret in calls:
    result["initcalls"].append({"fn": name_of(fn), "start_ns": start, "duration_ns": dur, "ret": ret})
result["unreturned"] = [name_of(fn) for fn, _ in open_calls]
with open(out_path, "w") as f:
    json.dump(result, f)
