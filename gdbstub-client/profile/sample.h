/*
 * sample.h: `gdbstub-client sample`, a statistical profiler that stops the
 * guest with 0x03 at a fixed rate, reads where it was and lets it run on.
 *
 * Pure parts (unit-tested in tests/unit/test-gc-sample.c):
 *   gc_sample_layout_*   where the boot's pieces live in physical memory
 *                        (firmware, real-mode setup, decompressor, kernel)
 *   gc_sample_attribute  one address -> region and kernel symbol
 *   gc_pace_*            the pacing arithmetic: ticks in guest running time
 *   gc_sample_mode_id    short mode names used in folded stacks and JSON
 *
 * The command itself is gc_sample_main() (sample.c); it prints through
 * usage.h and returns an exit status.  Library functions here never print.
 */
#ifndef GC_SAMPLE_H
#define GC_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"
#include "ksym.h"

/* Regions, in the order gc_sample_attribute tries them (after "user"). */
enum gc_region {
	GC_REGION_UNKNOWN = 0,
	GC_REGION_KERNEL,       /* a kernel (or --kernel ELF) text symbol */
	GC_REGION_BIOS_ROM,     /* 0xf0000-0xfffff, 0xfffc0000-0xffffffff */
	GC_REGION_OPTION_ROM,   /* 0xc0000-0xeffff, real/16-bit code */
	GC_REGION_SETUP,        /* real-mode setup (QEMU -kernel: 0x10000) */
	GC_REGION_BOOT_SECTOR,  /* 0x7c00-0x7dff, where the BIOS loads the MBR */
	GC_REGION_DECOMPRESSOR, /* bzImage decompressor, and its relocated copy */
	GC_REGION_USER,         /* CPL 3 below 0x800000000000, paging on */
	GC_REGION_COUNT
};

/* "kernel" "bios-rom" "option-rom" "real-mode-setup" "boot-sector"
 * "decompressor" "user" "unknown": the profile schema's region ids. */
const char *gc_region_name(enum gc_region r);

/* x86 mode -> "real" "v86" "prot16" "prot32" "compat16" "compat32"
 * "long64" "unknown" (no spaces: folded stacks split on them). */
const char *gc_sample_mode_id(enum x86_mode m);

/* What one sample is. */
struct gc_where {
	enum gc_region region;
	const char *symbol;   /* points into the symbol table; NULL if none */
	uint64_t sym_addr;    /* the symbol's (virtual) address */
};

/*
 * Attribute the linear address addr, taken in mode with paging on or off,
 * at privilege level cpl (cs & 3; 0 in real mode).  Order: user space
 * (paging, CPL 3, addr < 0x800000000000); firmware ROMs (0xc0000-0xeffff
 * is option-rom, except in 32-bit protected mode: option ROMs run in real
 * mode, while SeaBIOS keeps 32-bit code there too); a text symbol (types
 * T t W w) covering addr; the same for the physical alias of the kernel
 * image (addr + __START_KERNEL_map when addr is in l->kphys); real-mode
 * setup; boot sector; decompressor (loaded, then relocated); unknown.
 * syms may be NULL.
 */
void gc_sample_attribute(const struct gc_sample_layout *l,
			 const struct ksym_table *syms, uint64_t addr,
			 enum x86_mode mode, bool paging, unsigned cpl,
			 struct gc_where *w);

/*
 * Pacing in guest running time.  Ticks fall at guest times period,
 * 2 * period, ...; after each sample the guest has run run_ns in all, and
 * the next interrupt is due at the first tick after it.  Ticks that passed
 * while the guest was held (or while the client overslept) are skipped and
 * counted, not made up in a burst.
 */
struct gc_pace {
	int64_t period_ns;    /* 1e9 / hz */
	int64_t run_ns;       /* guest running time so far */
	uint64_t tick;        /* ticks consumed (the next is tick + 1) */
	uint64_t missed;      /* ticks skipped */
};

void gc_pace_init(struct gc_pace *p, double hz);
/* ns of guest running time to let pass after the next resume. */
int64_t gc_pace_wait(struct gc_pace *p);
/* The guest ran ran_ns since the last resume (the stop came); advances
 * the tick that was due and skips ticks already passed. */
void gc_pace_ran(struct gc_pace *p, int64_t ran_ns);

/* Nearest-rank percentile (0 < pct <= 100) of v[0..n) (sorted in place);
 * 0 when n == 0. */
int64_t gc_sample_percentile(int64_t *v, size_t n, double pct);

/* The command: argv[0] = "sample".  Returns the exit status. */
/*
 * One sample while the guest runs, in one write (`sample`, and `profile
 * --sample`): 0x03, a 'p' for each of rip, cs, eflags, cr0, efer, and the
 * resume.  QEMU 7.2 stops the guest, answers the 'p's while it is stopped
 * and resumes it, all without waiting for the client, which reads the
 * replies when it likes (gc_tick_read(); nothing but 0x03 may be sent
 * before).  If the guest had stopped on its own just before the 0x03 came
 * (a breakpoint), QEMU ignores the 0x03, answers the 'p's with the
 * registers there and resumes it: tick.stop says which.
 */
enum { GC_TICK_RIP, GC_TICK_CS, GC_TICK_EFLAGS, GC_TICK_CR0, GC_TICK_EFER, GC_TICK_NREGS };
/* A memory read a tick adds after its 'p's (`profile` watches a kernel
 * variable, the process attribution reads the current task). */
#define GC_TICK_MAXMEM 40
#define GC_TICK_MEMLEN 64
/* vCPUs a tick reads (QEMU: a thread each); more are left out, said */
#define GC_TICK_MAXCPU 8
struct gc_tick_req {
	uint64_t addr;
	unsigned len;                  /* 1 to GC_TICK_MEMLEN */
};
struct gc_tick {
	struct rsp_stop stop;          /* the stop reply: signo 2 = the 0x03 */
	uint64_t regs[GC_TICK_NREGS];  /* CPU 0's (thread ids[0]'s) */
	unsigned ncpu;                 /* CPUs read (1 without ids) */
	uint64_t cregs[GC_TICK_MAXCPU][GC_TICK_NREGS]; /* each CPU's */
	uint8_t mem[GC_TICK_MAXMEM][GC_TICK_MEMLEN]; /* the reads asked for */
	bool mem_ok[GC_TICK_MAXMEM];   /* read (an 'E' reply: not) */
	int64_t stop_ns;               /* CLOCK_MONOTONIC when it was read */
};
/* The packets of one tick into out (reset first); an 'm' for each of
 * req[0..nreq) (nreq <= GC_TICK_MAXMEM) after the 'p's.  -1 when the
 * stub's description lacks a register. */
int gc_tick_prepare(struct rsp_conn *c, struct rsp_batch *out,
		    const struct gc_tick_req *req, size_t nreq, struct kit_err *err);
/*
 * The same for several vCPUs, still one write: for each thread id of
 * tids[ncpu-1] down to tids[0] an "Hg" and its 'p's, so that the 'm's
 * that follow read through CPU tids[0]'s page tables (as with one CPU).
 * ncpu <= 1: gc_tick_prepare() (no Hg).  Read with gc_tick_read_cpus().
 */
int gc_tick_prepare_cpus(struct rsp_conn *c, struct rsp_batch *out,
			 const long *tids, unsigned ncpu,
			 const struct gc_tick_req *req, size_t nreq, struct kit_err *err);
/* The vCPUs' thread ids (qfThreadInfo), at most GC_TICK_MAXCPU into tids;
 * returns how many the stub lists (more than kept: the rest are not
 * sampled), or -1 (err). */
int gc_tick_threads(struct rsp_conn *c, long *tids, struct kit_err *err);
/*
 * The replies of one tick: the stop reply, the 'p's, the 'm's of req (as
 * prepared), then QEMU's '+' for the resume (taken, so that the next wait
 * does not see it).  0 = read; 1 = the guest ended instead (t->stop holds
 * the W or X; kind 0 when the connection closed); -1 = error (err).
 */
int gc_tick_read(struct rsp_conn *c, struct gc_tick *t,
		 const struct gc_tick_req *req, size_t nreq, struct kit_err *err);
/* The replies of a tick of gc_tick_prepare_cpus(): t->cregs[i] is CPU
 * tids[i]'s, t->regs CPU tids[0]'s. */
int gc_tick_read_cpus(struct rsp_conn *c, struct gc_tick *t, unsigned ncpu,
		      const struct gc_tick_req *req, size_t nreq, struct kit_err *err);
/* Read i of a tick as a little-endian number of len (<= 8) bytes. */
uint64_t gc_tick_word(const struct gc_tick *t, size_t i, unsigned len);

int gc_sample_main(int argc, char **argv);

#endif
