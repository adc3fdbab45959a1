/*
 * sample-internal.h: what the files of `gdbstub-client sample` share, and
 * nobody else includes:
 *   sample.c          the command: options, attaching, the CS cache, the
 *                     buckets, the report
 *   sample-attr.c     the pure parts of sample.h (regions, pacing)
 *   sample-tick.c     one pipelined sample in one write (gc_tick_*)
 *   sample-stop.c     the stop method: interrupt stops, pipelined or not
 *   sample-monitor.c  the monitor method: QEMU's human monitor
 */
#ifndef GC_SAMPLE_INTERNAL_H
#define GC_SAMPLE_INTERNAL_H

#include "sample.h"
#include "procs.h"
#include "lx.h"
#include "hmp.h"
#include "model.h"
#include "rundir.h"

#include <signal.h>

struct opts {
	const char *endpoint, *kernel, *json, *folded;
	bool wait, until_exit;
	double hz;
	double duration_s;     /* s, host wall time; 0 = until exit */
	size_t top;
	bool callers;          /* --callers: the call stack of each kernel
	                          sample, from the image's ORC tables */
	bool sync;             /* --sync: wait for each stop, then read */
	enum { METHOD_STOP, METHOD_MONITOR } method;
	const char *monitor;   /* --monitor SPEC: QEMU's human monitor */
};

/* One bucket of the top table: samples with the same mode and place. */
struct bucket {
	enum x86_mode mode;
	enum gc_region region;
	const char *symbol;
	uint64_t sym_addr;
	const struct stack *callers; /* the call stack above symbol (interned:
	                          one pointer a stack), or NULL */
	uint64_t lo, hi;       /* lowest and highest linear address seen */
	unsigned cpu;          /* the vCPU (0 with one) */
	int64_t count;
};

/* A kernel call stack above a sample's function, outermost first: symbol
 * names of the kernel's table (stable pointers). */
struct stack {
	const char **f;
	size_t n;
};

/* Where a register sits in the 'g' reply (hex digits: 2 * offset). */
struct reg_slot {
	long offset;           /* bytes into g; -1 = not there */
	int bytes;
};

/* A CS descriptor seen in protected or compatibility mode. */
struct cs_cache_ent {
	uint16_t sel;
	struct x86_seg seg;
};

#define CS_CACHE_MAX 16
/* Pipelined: one sample in SAMPLE_MEASURE_EVERY is read at once, to see
 * how long QEMU holds the guest for a sample (the others use the median). */
#define SAMPLE_MEASURE_EVERY 16
#define SAMPLE_MAX_HOLDS 4096

/* Registers of one sample, from one 'g'. */
struct regs {
	uint64_t ip, cs, eflags, cr0, efer, sp;
	uint64_t bp, di, dx, r10, r13;    /* for --callers' unwinder */
	unsigned cpu;                     /* the vCPU it was read on */
};

struct sampler {
	struct opts o;
	struct gc_session sess;
	bool have_sess;
	struct ksym_table *syms;
	struct gc_sample_layout layout;
	struct gc_target *t;
	struct gc_pace pace;

	struct bucket *b;
	size_t nb, cap;
	int64_t nsamples;
	int64_t *client_ns;      /* per sample: stop reply -> resumed */
	struct prof_stop *stops;
	size_t nstops, stops_cap;

	struct reg_slot r_rip, r_cs, r_eflags, r_cr0, r_efer, r_rsp;
	struct reg_slot r_rbp, r_rdi, r_rdx, r_r10, r_r13;
	bool have_slots;
	unsigned long stack_reads;
	/* --callers: the ORC tables and the layouts they are read with */
	struct ksym_orc *orc;
	struct lx_unwind_layout ul;
	struct stack **stacks;   /* interned call stacks */
	size_t nstacks, capstacks;
	unsigned long unwinds, unwind_frames;
	/* time by process (procs.h): pipelined ticks read the current task */
	struct gc_procs procs;
	bool procs_on;
	struct gc_tick_req treq[GC_TICK_MAXMEM]; /* the reads of the batch sent */
	size_t ntreq;

	struct cs_cache_ent cs_cache[CS_CACHE_MAX];
	size_t ncs;
	uint64_t last_pe_lma;    /* CR0.PE | EFER.LMA of the last sample */
	unsigned long monitor_calls;

	bool trace;              /* GDBSTUB_SAMPLE_TRACE: one line per sample */
	struct gc_hmp mon;       /* method monitor: the human monitor */
	bool via_monitor;        /* samples read through HMP, guest not stopped */
	struct mon_state *ms;    /* method monitor: answers awaited, CS cache */
	bool pipelined;          /* one write per sample (see gc_tick_prepare) */
	long tids[GC_TICK_MAXCPU]; /* pipelined: every vCPU at each tick */
	unsigned ncpu;           /* vCPUs sampled (1: CPU 0 only) */
	unsigned cur_cpu;        /* the vCPU of the sample being counted */
	bool unread;             /* pipelined: a batch's replies not read yet */
	bool ending;             /* pipelined: end at the next tick */
	unsigned long nbatches;  /* pipelined: samples sent in one write */
	int64_t holds[SAMPLE_MAX_HOLDS]; /* measured: write -> 'g' reply */
	size_t nholds;
	int64_t hold_median;     /* cached hold_estimate() */
	int64_t work_ns;         /* pipelined: client time per tick, summed */
	unsigned long sync_stops;/* pipelined: samples taken the slow way */
	struct regs pending[64]; /* pipelined: samples waiting for a CS base */
	struct rsp_batch batch;  /* pipelined: the bytes of one tick */
	size_t npending;
	struct rsp_stop exit_stop; /* a W/X that came instead of a reply */
	int64_t run_lo_ns;       /* guest running time if it stopped at once on */
	int64_t run_hi_ns;       /* 0x03, and if only when the reply came */
	int64_t wall_ns;         /* first resume to the end, host */
	bool complete;
	char reason[128];        /* incomplete_reason */
	bool exited_normally;
};

/* The only file-level state (sample.c): what the signal handler reaches.
 * sample_sig_pipe[0] becomes readable on SIGINT and SIGTERM. */
extern int sample_sig_pipe[2];
extern volatile sig_atomic_t sample_got_signal;

struct mon_state;

/* sample.c: the CS descriptor cache (both methods): CS selector ->
 * descriptor from "info registers".  The cached descriptor of sel, or
 * NULL. */
const struct x86_seg *sample_cs_cached(const struct sampler *s, uint16_t sel);
void sample_cs_remember(struct sampler *s, const struct x86_seg *seg);
/* A change of CR0.PE or EFER.LMA empties the cache. */
void sample_cs_mode(struct sampler *s, uint64_t cr0, uint64_t efer);
/* One more sample in its bucket.  0, or -1 on ENOMEM. */
int sample_add_bucket(struct sampler *s, enum x86_mode mode,
		      const struct gc_where *w, const struct stack *callers,
		      uint64_t addr);
/* The interned copy of stack f[0..n) (outermost first); NULL when out of
 * memory. */
const struct stack *sample_stack(struct sampler *s, const char **f, size_t n);
/* A sample from a linear pc (the monitor method, see sample.c). */
int sample_attribute_linear(struct sampler *s, uint64_t pc, uint16_t cs,
			    const struct x86_cpu_state *st,
			    const struct x86_seg *seg, struct kit_err *err);
__attribute__((format(printf, 2, 3)))
void sample_set_reason(struct sampler *s, const char *fmt, ...);
/* The guest ended (W, X or a closed connection): say how. */
void sample_ended(struct sampler *s, const struct gc_event *ev);
/* "interrupted (SIGINT)" and the like into s->reason. */
void sample_interrupted(struct sampler *s);

/* sample-stop.c: the sampling loop of the stop method.  0, or -1 on an
 * error (message printed). */
int sample_run_stop(struct sampler *s);
/* The median measured hold (write -> reply), 0 before any. */
int64_t sample_hold_estimate(struct sampler *s);

/* sample-monitor.c: the loop of the monitor method. */
int sample_run_monitor(struct sampler *s);
/* "info registers" read; and freeing the method's state. */
unsigned long sample_monitor_regs_reads(const struct sampler *s);
void sample_monitor_free(struct sampler *s);

#endif
