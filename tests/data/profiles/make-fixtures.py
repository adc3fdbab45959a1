#!/usr/bin/env python3
# Writes the hand-made fixture profiles of tests/t5100-report.bats.  The
# numbers are invented but shaped like a Debian 6.1 kernel booting under TCG
# (docs/qemu-notes.md); the script only does the arithmetic of start and
# duration.  Run it from this folder; the JSON files are committed.
import json, random

MS = 1_000_000
US = 1_000

ENV = {
    "qemu": "/usr/bin/qemu-system-x86_64",
    "qemu_version": "7.2.19",
    "accel": "tcg",
    "kernel": "/boot/vmlinuz-6.1.0-56-amd64",
    "kernel_version": "6.1.0-56-amd64",
    "cmdline": "console=ttyS0 nokaslr panic=-1",
    "host": "debian 12, 2 cpus",
    "recorded_at": "2025-11-20T10:00:00Z",
    "tool": "gdbstub-client 0.1",
}

# level -> [(fn, duration_us, ret, module)]
INITCALLS = {
    "early": [("spawn_ksoftirqd", 310, 0, None), ("migration_init", 45, 0, None),
              ("srcu_bootup_announce", 12, 0, None), ("rcu_spawn_gp_kthread", 820, 0, None)],
    "pure": [("ipc_ns_init", 30, 0, None), ("init_mmap_min_addr", 4, 0, None)],
    "core": [("e820__register_nvs_regions", 25, 0, None), ("cpufreq_core_init", 60, 0, None),
             ("cpuidle_init", 40, 0, None), ("bdi_class_init", 150, 0, None),
             ("pm_init", 380, 0, None)],
    "postcore": [("irq_sysfs_init", 900, 0, None), ("kobject_uevent_init", 75, 0, None),
                 ("pcibus_class_init", 55, 0, None)],
    "arch": [("bts_init", 8, -19, None), ("pci_arch_init", 4200, 0, None)],
    "subsys": [("acpi_init", 182000, 0, None), ("pnp_init", 120, 0, None),
               ("misc_init", 90, 0, None), ("usb_common_init", 140, 0, "usb_common")],
    "fs": [("chr_dev_init", 6100, 0, None), ("init_pipe_fs", 210, 0, None),
           ("pcibios_assign_resources", 2300, 0, None)],
    "rootfs": [("populate_rootfs", 121000, 0, None), ("pci_iommu_init", 15, 0, None)],
    "device": [("serial8250_init", 61000, 0, None), ("ata_init", 23000, 0, "libata"),
               ("i8042_init", 9500, -19, None), ("rtc_dev_init", 35, 0, None),
               ("virtio_pci_driver_init", 1800, 0, "virtio_pci")],
    "late": [("clk_disable_unused", 60, 0, None), ("init_root_keyring", 1400, 0, None),
             ("prandom_init_late", 22, 0, None)],
}
LEVELS = ["early", "pure", "core", "postcore", "arch", "subsys", "fs", "rootfs", "device", "late"]


def phase(pid, start, dur):
    return {"id": pid, "start_ns": start, "duration_ns": dur}


def boot(noise=None, scale=None, slower=None, incomplete_at=None, with_samples=False,
         firmware_ms=1450, stops_list=False):
    rnd = noise or (lambda v: v)
    scale = scale or {}
    slower = slower or {}
    phases, ics = [], []
    qemu = rnd(310 * MS)
    phases.append(phase("qemu", -qemu, qemu))
    t = 0
    for pid, d in (("firmware", firmware_ms * MS), ("setup", 30 * MS),
                   ("decompressor", 1200 * MS), ("kernel-early", 80 * MS),
                   ("kernel-init", 640 * MS)):
        d = rnd(d)
        phases.append(phase(pid, t, d))
        t += d
    order = 0
    stop = None
    for lv in LEVELS:
        start = t
        for fn, dus, ret, mod in INITCALLS[lv]:
            d = rnd(slower.get(fn, dus) * US)
            t += 20 * US  # do_initcall_level's own work between calls
            if incomplete_at and t + d > incomplete_at:
                stop = (lv, start, t)
                break
            ic = {"fn": fn, "level": lv, "order": order, "ret": ret,
                  "start_ns": t, "duration_ns": d}
            if mod:
                ic["module"] = mod
            ics.append(ic)
            order += 1
            t += d
        if stop:
            break
        t += 30 * US
        phases.append(phase("initcalls:" + lv, start, t - start))
        if lv == "early":
            t += rnd(90 * MS)  # smp_init, sched_init_smp ... before do_initcalls
    end = None
    if stop:
        lv, start, t = stop
        phases.append(phase("initcalls:" + lv, start, t - start))
        end = t
    else:
        d = rnd(100 * MS)
        phases.append(phase("userspace-start", t, d))
        t += d
        d = rnd(200 * MS)
        phases.append(phase("userspace", t, d))
        t += d
        end = t
    n_debug = 2 * len(ics) + 8
    p = {"version": 1, "complete": stop is None}
    if stop:
        p["incomplete_reason"] = "interrupted (SIGINT)"
    p["end"] = "panic" if not stop else "userspace"
    p["end_ns"] = end
    p["environment"] = dict(ENV)
    p["phases"] = phases
    p["initcalls"] = ics
    p["stops"] = {"count": n_debug, "debug_stops": n_debug, "interrupt_stops": 0,
                  "client_ns": n_debug * 120 * US, "median_ns": 110 * US, "p95_ns": 240 * US}
    if with_samples:
        ents = [("bios-rom", None, 140), ("decompressor", None, 118),
                ("kernel", "acpi_ns_search_one_scope", 12), ("kernel", "memset_orig", 9),
                ("real-mode-setup", None, 3), ("option-rom", None, 2),
                ("kernel", "serial8250_console_putchar", 40), ("unknown", None, 1),
                ("kernel", "unpack_to_rootfs", 25), ("kernel", "native_safe_halt", 70)]
        p["samples"] = {"rate_hz": 100,
                        "entries": [dict({"region": r, "count": c}, **({"symbol": s} if s else {}))
                                    for r, s, c in ents]}
        p["stops"]["interrupt_stops"] = sum(c for _, _, c in ents)
        p["stops"]["count"] += p["stops"]["interrupt_stops"]
    return p


def write(name, p):
    with open(name, "w") as f:
        json.dump(p, f, indent=2)
        f.write("\n")


def noisy(seed, pct):
    r = random.Random(seed)
    return lambda v: int(round(v * (1 + r.uniform(-pct, pct) / 100)))


# small: three phases and three initcalls, with a stop list
small = {
    "version": 1, "complete": True, "end": "userspace", "end_ns": 40 * MS,
    "environment": {"qemu": "/usr/bin/qemu-system-x86_64", "accel": "tcg",
                    "kernel": "tests/guests/build/guest.bin"},
    "phases": [phase("qemu", -5 * MS, 5 * MS), phase("firmware", 0, 20 * MS),
               phase("kernel-init", 20 * MS, 5 * MS),
               phase("initcalls:core", 25 * MS, 10 * MS),
               phase("userspace-start", 35 * MS, 5 * MS)],
    "initcalls": [
        {"fn": "fake_init_a", "level": "core", "order": 0, "ret": 0,
         "start_ns": 25 * MS, "duration_ns": 2 * MS},
        {"fn": "fake_init_b", "level": "core", "order": 1, "ret": -12,
         "start_ns": 27 * MS, "duration_ns": 6 * MS},
        {"fn": "fake_init_c", "level": "core", "sync": True, "order": 2, "ret": 0,
         "start_ns": 33 * MS, "duration_ns": 1500 * US, "module": "fake"}],
    "stops": {"count": 3, "debug_stops": 2, "interrupt_stops": 1,
              "client_ns": 450 * US, "median_ns": 150 * US, "p95_ns": 200 * US,
              "list": [{"kind": "debug", "reported_ns": 1000000000, "resumed_ns": 1000100000},
                       {"kind": "debug", "reported_ns": 1010000000, "resumed_ns": 1010200000},
                       {"kind": "interrupt", "reported_ns": 1020000000, "resumed_ns": 1020150000}]},
}
write("small.json", small)
# messages: small with three kernel log messages (t5110), one longer than
# the trace's 120-byte event names, one of unknown level
write("messages.json", dict(small, messages=[
    {"t_ns": 20 * MS, "level": 5,
     "text": "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)"},
    {"t_ns": 27500 * US, "level": 3,
     "text": "fake_init_b: cannot allocate the receive ring of 4096 descriptors "
             "for the fake device at 0000:00:03.0, giving up: error -12 (out of memory)"},
    {"t_ns": 36 * MS, "level": -1, "text": "Run /init as init process"}]))
write("realistic.json", boot(with_samples=True))
write("incomplete.json", boot(incomplete_at=3850 * MS))
# three runs of one boot, and a cold first run to discard with --warmup 1
write("run-warm.json", boot(noise=noisy(100, 2), firmware_ms=2900))
for i in range(1, 4):
    write("run%d.json" % i, boot(noise=noisy(i, 2)))
# compare: B has serial8250_init three times slower, the rest the same boot
for i in range(1, 4):
    write("cmp-a%d.json" % i, boot(noise=noisy(10 + i, 1)))
    write("cmp-b%d.json" % i, boot(noise=noisy(20 + i, 1), slower={"serial8250_init": 180000}))
