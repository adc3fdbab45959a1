/*
 * procs.h: which process each sample ran in (time by process), for the
 * interrupt-stop ticks of `profile --sample` and `sample` (procs.c).
 *
 * What.  Each tick reads, while QEMU holds the guest for it, CPU 0's
 * current task (per-CPU current_task, or pcpu_hot.current_task on 6.2+)
 * and the identity of the task the previous tick found: its pid and tgid,
 * comm and flags (PF_KTHREAD; read each time, as a freed task's memory is
 * soon another task's).  A sample is counted to
 * a process (a thread group under one name: a process that exec()s shows
 * again under its new name) one tick late, when its task's identity has
 * been read; consecutive samples of one process make a slice.
 *
 * How.  The task pointer of tick k is only known from tick k's replies,
 * and nothing may be sent while the guest runs (QEMU 7.2 stops without a
 * stop reply), so the task's name is read by tick k+1's packets: up to
 * five 'm' per tick (gc_tick_req), no round trip of its own.  The per-CPU
 * area's address is __per_cpu_offset[0] as the previous tick read it
 * (start_kernel moves it once, in setup_per_cpu_areas); a tick whose
 * offset changed under it counts its sample to no process.
 *
 * Several vCPUs (gc_procs_set_cpus): the same for each CPU in the same
 * tick (__per_cpu_offset[0..n) in one read, a current task and its
 * identity reads per CPU), each sample counted with its CPU and each CPU
 * its own slices; the reads go through CPU 0's page tables.
 *
 * Where it breaks.  A task's name is the one read
 * a tick after its sample (an exec in between names it after the exec).
 * Kernel memory that the user page tables do not map (KPTI) cannot be read
 * in user mode: those samples count to no process.  Needs the kernel's BTF
 * (task_struct's layout) and its symbols.
 */
#ifndef GC_PROCS_H
#define GC_PROCS_H

#include "sample.h"
#include "model.h"
#include "lx.h"

/* Where to read the current task and what a task holds. */
struct gc_procs_layout {
	uint64_t pcpu_offsets;   /* &__per_cpu_offset[0] */
	uint64_t cur_var;        /* the current task's per-CPU offset */
	uint32_t pid, tgid, comm, flags;
	uint32_t comm_len;       /* <= 16 */
};

/* From the kernel's symbols and BTF.  LX_ELAYOUT when a piece is missing. */
int gc_procs_layout(const struct ksym_table *syms, const struct ksym_btf *b,
		    struct gc_procs_layout *l, struct kit_err *err);

struct gc_proc {
	int32_t pid;             /* tgid */
	char comm[17];
	bool kthread;
	int64_t first_ns;
	int64_t samples, user;
};

struct gc_proc_slice {
	size_t proc;             /* SIZE_MAX: no process known */
	unsigned cpu;
	int64_t start_ns, end_ns;
	int64_t n;
	unsigned gen;            /* the caller's phase generation */
};

struct gc_procs_task {           /* a task pointer seen, and who it was */
	uint64_t task;
	int32_t pid, tgid;
	bool kthread;
	size_t proc;             /* its last process */
};

/* One CPU's part of a tick. */
struct gc_procs_cpu {
	/* the reads of the tick prepared last: indices in its requests, -1 none */
	int r_cur, r_id, r_comm, r_flags;
	uint64_t off;                /* __per_cpu_offset[cpu] as last read */
	/* the last sample, waiting for its task's name */
	bool pending;
	uint64_t p_task;
	bool p_user;
	int64_t p_ns;
	unsigned p_gen;
	size_t last_sl;              /* its last slice; SIZE_MAX none */
};

struct gc_procs {
	struct gc_procs_layout l;
	int64_t period_ns;           /* a slice ends after 2 periods unseen */
	unsigned ncpu;               /* CPUs sampled (1 unless set) */
	int r_off;                   /* the offsets' read, -1 none */
	struct gc_procs_cpu cpu[GC_TICK_MAXCPU];
	struct gc_procs_task *tasks;
	size_t ntasks, captasks;
	struct gc_proc *v;
	size_t n, cap;
	struct gc_proc_slice *sl;
	size_t nsl, capsl;
	int64_t unnamed;             /* samples counted to no process (in
				      * slices of their own too) */
	bool nomem;
};

void gc_procs_init(struct gc_procs *p, const struct gc_procs_layout *l,
		   int64_t period_ns);
void gc_procs_free(struct gc_procs *p);
/* Sample n CPUs (1 to GC_TICK_MAXCPU) from the next tick on: each tick's
 * gc_procs_tick() then takes n samples, one per CPU, in the order of the
 * tick's t->cregs. */
void gc_procs_set_cpus(struct gc_procs *p, unsigned n);
/* This tick's reads into req[0..room), after the caller's own: their
 * number (0 to 5). */
size_t gc_procs_requests(struct gc_procs *p, struct gc_tick_req *req, size_t room);
/* One sample: in user mode; its time (the caller's clock); the caller's
 * phase generation (a slice never spans two). */
struct gc_procs_sample {
	bool user;
	int64_t t_ns;
	unsigned gen;
};
/*
 * The replies of the tick prepared last, whose reads start at t->mem[base]
 * (base = how many the caller asked before them): names the previous
 * samples, and keeps these (s[0..ncpu), CPU by CPU; NULL when the tick
 * counts no sample) for the next tick.
 */
void gc_procs_tick(struct gc_procs *p, const struct gc_tick *t, size_t base,
		   const struct gc_procs_sample *s);
/* The end: the last sample named from what is known of its task. */
void gc_procs_finish(struct gc_procs *p);
/* Into the profile: processes, and slices with times through map (the
 * caller's clock to the profile's; NULL: as they are). */
int gc_procs_save(const struct gc_procs *p, struct prof_profile *out,
		  int64_t (*map)(void *ctx, int64_t t), void *ctx,
		  struct kit_err *err);

#endif
