/*
 * test-gc-procs: time by process (profile/procs.c) against a simulated
 * guest: each tick's reads are answered from a small memory of per-CPU
 * offset, current task and task structs, as QEMU would while the guest is
 * held, and the samples must land in the right processes, a tick late:
 *   - the per-CPU offset read first, the task from the next tick on;
 *   - a task named by pid, tgid, comm and flags (kernel thread or not);
 *   - an exec (same task, new comm) shows as a new process, the old one
 *     keeps its samples;
 *   - a freed task's memory taken by another (same pointer, other pid and
 *     flags) is another process;
 *   - the per-CPU offset moving under a tick: that sample has no process;
 *   - unreadable task memory: the sample counts to no process, or to
 *     the task's last known process;
 *   - slices: consecutive samples of one process merged, broken by a
 *     gap, another process or another phase; saved into the profile
 *     with -1 for no process, through the time map;
 *   - two vCPUs: one read of __per_cpu_offset[0..2), each CPU's current
 *     task read at its own offset, each sample counted to its CPU's task,
 *     each CPU's slices its own (saved with their CPU).
 */
#include "procs.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define PCPU_OFFSETS UINT64_C(0xffffffff82000000)
#define CUR_VAR      UINT64_C(0x1a000)
#define OFF0         UINT64_C(0xffff888007a00000)
#define OFF1         UINT64_C(0xffff888007c00000)
#define TASK_A       UINT64_C(0xffff888004000000)
#define TASK_B       UINT64_C(0xffff888004100000)
#define PID 0x5a0
#define COMM 0x738
#define FLAGS 0x2c
#define PF_KTHREAD 0x00200000u

struct task {
	uint64_t addr;
	int32_t pid, tgid;
	uint32_t flags;
	char comm[16];
	bool unreadable;
};

static struct guest {
	uint64_t off;            /* __per_cpu_offset[0] */
	uint64_t cur;            /* the current task */
	struct task t[4];
	size_t nt;
} g;

static void put_le(uint8_t *b, uint64_t v, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

/* Answer one read as the guest's memory holds it now. */
static bool answer(const struct gc_tick_req *q, uint8_t *b)
{
	size_t i;

	memset(b, 0, GC_TICK_MEMLEN);
	if (q->addr == PCPU_OFFSETS && q->len == 8) {
		put_le(b, g.off, 8);
		return true;
	}
	if (g.off && q->addr == g.off + CUR_VAR && q->len == 8) {
		put_le(b, g.cur, 8);
		return true;
	}
	for (i = 0; i < g.nt; i++) {
		const struct task *t = &g.t[i];

		if (t->unreadable)
			continue;
		if (q->addr == t->addr + PID && q->len == 8) {
			put_le(b, (uint32_t)t->pid, 4);
			put_le(b + 4, (uint32_t)t->tgid, 4);
			return true;
		}
		if (q->addr == t->addr + COMM && q->len == 16) {
			memcpy(b, t->comm, 16);
			return true;
		}
		if (q->addr == t->addr + FLAGS && q->len == 4) {
			put_le(b, t->flags, 4);
			return true;
		}
	}
	return false;   /* an 'E' reply */
}

/* One tick: the watch word first (base 1), then the processes' reads. */
static void tick(struct gc_procs *p, bool user, int64_t t_ns, unsigned gen)
{
	struct gc_tick_req req[GC_TICK_MAXMEM] = { { 0xffffffff81000000ull, 4 } };
	struct gc_procs_sample s = { user, t_ns, gen };
	struct gc_tick t;
	size_t n = 1 + gc_procs_requests(p, req + 1, GC_TICK_MAXMEM - 1), i;

	memset(&t, 0, sizeof t);
	for (i = 0; i < n; i++)
		t.mem_ok[i] = answer(&req[i], t.mem[i]);
	gc_procs_tick(p, &t, 1, &s);
}

static struct task *task(uint64_t addr, int32_t pid, const char *comm, bool kthread)
{
	struct task *t = &g.t[g.nt++];

	memset(t, 0, sizeof *t);
	t->addr = addr;
	t->pid = t->tgid = pid;
	t->flags = kthread ? PF_KTHREAD | 0x40 : 0x400100;
	snprintf(t->comm, sizeof t->comm, "%s", comm);
	return t;
}

static const struct gc_proc *proc(const struct gc_procs *p, int32_t pid, const char *comm)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].pid == pid && !strcmp(p->v[i].comm, comm))
			return &p->v[i];
	return NULL;
}

static void setup(struct gc_procs *p)
{
	struct gc_procs_layout l = {
		.pcpu_offsets = PCPU_OFFSETS, .cur_var = CUR_VAR,
		.pid = PID, .tgid = PID + 4, .comm = COMM, .flags = FLAGS,
		.comm_len = 16,
	};

	memset(&g, 0, sizeof g);
	gc_procs_init(p, &l, 1000000);
}

static void test_names(void)
{
	struct gc_procs p;
	const struct gc_proc *a, *k;
	struct task *ta;
	int64_t t = 0;
	int i;

	setup(&p);
	/* before setup_per_cpu_areas-like offsets: nothing to read yet */
	tick(&p, false, t += 1000000, 0);
	is_int(p.n, 0, "no process before the per-CPU offset is known");
	is_int(p.unnamed, 1, "the first sample counts to no process");
	g.off = OFF0;
	ta = task(TASK_A, 1, "init", false);
	task(TASK_B, 9, "kworker/u2:0", true);
	tick(&p, false, t += 1000000, 0);      /* reads the offset only */
	g.cur = TASK_A;
	for (i = 0; i < 3; i++)
		tick(&p, i == 1, t += 1000000, 0);
	g.cur = TASK_B;
	tick(&p, false, t += 1000000, 0);
	tick(&p, false, t += 1000000, 0);
	gc_procs_finish(&p);
	a = proc(&p, 1, "init");
	k = proc(&p, 9, "kworker/u2:0");
	ok(a && !a->kthread, "init named, not a kernel thread");
	ok(k && k->kthread, "kworker named, a kernel thread");
	is_int(a ? a->samples : -1, 3, "init: its three samples");
	is_int(a ? a->user : -1, 1, "init: one of them in user mode");
	is_int(k ? k->samples : -1, 2, "kworker: two samples (the last one from what was known)");
	is_int(p.unnamed, 2, "the offset-only tick's sample counts to no process");

	/* exec: same task, new comm */
	snprintf(ta->comm, sizeof ta->comm, "udevadm");
	g.cur = TASK_A;
	tick(&p, true, t += 1000000, 1);
	tick(&p, true, t += 1000000, 1);
	gc_procs_finish(&p);
	ok(proc(&p, 1, "udevadm") && proc(&p, 1, "udevadm")->samples == 2,
	   "after an exec the same task is a process of its new name");
	is_int(proc(&p, 1, "init")->samples, 3, "the old name keeps its samples");
	gc_procs_free(&p);
}

static void test_reuse_and_moves(void)
{
	struct gc_procs p;
	struct task *ta;
	int64_t t = 0, before;

	setup(&p);
	g.off = OFF0;
	ta = task(TASK_A, 30, "kworker/0:2", true);
	tick(&p, false, t += 1000000, 0);            /* the offset */
	g.cur = TASK_A;
	tick(&p, false, t += 1000000, 0);            /* sample 2: task A */
	tick(&p, false, t += 1000000, 0);            /* names 2: the kworker */
	/* the kworker exits; a user process gets its task_struct */
	ta->pid = ta->tgid = 80;
	ta->flags = 0x400100;
	snprintf(ta->comm, sizeof ta->comm, "modprobe");
	tick(&p, false, t += 1000000, 0);            /* names 3 (a tick late) */
	tick(&p, false, t += 1000000, 0);            /* names 4 */
	gc_procs_finish(&p);                         /* names 5 */
	ok(proc(&p, 30, "kworker/0:2") && proc(&p, 30, "kworker/0:2")->kthread,
	   "the first owner of the memory: a kernel thread");
	ok(proc(&p, 80, "modprobe") && !proc(&p, 80, "modprobe")->kthread,
	   "the next owner: a user process, its flags read again");
	is_int(proc(&p, 80, "modprobe") ? proc(&p, 80, "modprobe")->samples : -1, 3,
	       "the next owner's samples");

	/* the per-CPU offset moves (setup_per_cpu_areas): the tick that read
	 * the task at the old place counts to no process */
	before = p.unnamed;
	g.off = OFF1;
	tick(&p, false, t += 1000000, 0);
	is_int(p.unnamed - before, 1, "a moved offset: that sample has no process");
	tick(&p, false, t += 1000000, 0);
	gc_procs_finish(&p);
	is_int(proc(&p, 80, "modprobe")->samples, 4,
	       "read at the new place from the next tick on");

	/* unreadable task memory: the task's last known process */
	ta->unreadable = true;
	tick(&p, false, t += 1000000, 0);
	tick(&p, false, t += 1000000, 0);
	gc_procs_finish(&p);
	is_int(proc(&p, 80, "modprobe")->samples, 6,
	       "unreadable task: counted to its last known process");
	gc_procs_free(&p);
}

static int64_t plus_ms(void *ctx, int64_t t)
{
	return t + *(int64_t *)ctx;
}

static void test_slices_and_save(void)
{
	struct gc_procs p;
	struct prof_profile *pr = prof_new();
	struct kit_err e;
	int64_t t = 0, shift = 1000000;

	setup(&p);
	g.off = OFF0;
	task(TASK_A, 1, "init", false);
	task(TASK_B, 0, "swapper/0", true);
	tick(&p, false, t += 1000000, 0);            /* 1 ms: no process */
	g.cur = TASK_A;
	tick(&p, false, t += 1000000, 0);            /* 2 ms: init */
	tick(&p, false, t += 1000000, 0);            /* 3 ms: init */
	tick(&p, false, t += 5000000, 0);            /* 8 ms: init after a gap */
	tick(&p, false, t += 1000000, 1);            /* 9 ms: init, next phase */
	g.cur = TASK_B;
	tick(&p, false, t += 1000000, 1);            /* 10 ms: swapper */
	tick(&p, false, t += 1000000, 1);            /* 11 ms: swapper */
	gc_procs_finish(&p);
	is_int(p.nsl, 5, "slices: none, init, init (gap), init (phase), swapper");
	if (p.nsl == 5) {
		is_int(p.sl[0].proc, SIZE_MAX, "the first slice has no process");
		is_int(p.sl[1].n, 2, "two consecutive samples merged");
		is_int(p.sl[1].start_ns, 2000000, "the slice starts at its first sample");
		is_int(p.sl[1].end_ns, 4000000, "and ends a period after its last");
		is_int(p.sl[2].start_ns, 8000000, "a gap starts another slice");
		is_int(p.sl[3].gen, 1, "a phase starts another slice");
		is_int(p.sl[4].n, 2, "another process starts another slice");
	}
	ok(pr && gc_procs_save(&p, pr, plus_ms, &shift, &e) == 0, "saved into a profile");
	if (pr) {
		is_int(pr->samples.nprocs, 2, "two processes saved");
		is_int(pr->samples.nslices, 5, "five slices saved");
		is_int(pr->samples.slices[0].process, -1, "no process: -1");
		is_int(pr->samples.procs[0].first_ns, 3000000, "first_ns through the time map");
		is_int(pr->samples.slices[1].start_ns, 3000000, "slices through the time map");
	}
	prof_free(pr);
	gc_procs_free(&p);
}

/* Two CPUs: CPU 0 runs init, CPU 1 the idle task, then they swap. */
static void test_two_cpus(void)
{
	struct gc_procs p;
	struct prof_profile *pr = prof_new();
	struct gc_tick_req req[GC_TICK_MAXMEM];
	struct kit_err e;
	uint64_t cur[2] = { TASK_A, TASK_B };
	int64_t t = 0;
	size_t n, i, k;
	int r;

	setup(&p);
	gc_procs_set_cpus(&p, 2);
	task(TASK_A, 1, "init", false);
	task(TASK_B, 0, "swapper/1", true);
	for (r = 0; r < 6; r++) {
		struct gc_procs_sample s[2] = { { false, t, 0 }, { false, t, 0 } };
		struct gc_tick tk;

		if (r == 4) {
			cur[0] = TASK_B;
			cur[1] = TASK_A;
		}
		n = gc_procs_requests(&p, req, GC_TICK_MAXMEM);
		if (r == 0)
			is_int(req[0].len, 16, "one read of both CPUs' per-CPU offsets");
		memset(&tk, 0, sizeof tk);
		for (i = 0; i < n; i++) {
			if (req[i].addr == PCPU_OFFSETS) {
				put_le(tk.mem[i], OFF0, 8);
				put_le(tk.mem[i] + 8, OFF1, 8);
				tk.mem_ok[i] = true;
				continue;
			}
			for (k = 0; k < 2; k++)
				if (req[i].addr == (k ? OFF1 : OFF0) + CUR_VAR) {
					put_le(tk.mem[i], cur[k], 8);
					tk.mem_ok[i] = true;
				}
			if (!tk.mem_ok[i]) {
				g.off = 0;
				tk.mem_ok[i] = answer(&req[i], tk.mem[i]);
			}
		}
		gc_procs_tick(&p, &tk, 0, s);
		t += 1000000;
	}
	gc_procs_finish(&p);
	ok(proc(&p, 1, "init") && proc(&p, 0, "swapper/1"), "both CPUs' tasks named");
	if (proc(&p, 1, "init") && proc(&p, 0, "swapper/1")) {
		/* ticks 1..5 read tasks (tick 0 learns the offsets): init on
		 * CPU 0 at 1-3, on CPU 1 at 4-5; swapper the other way */
		is_int(proc(&p, 1, "init")->samples, 5, "init: 5 samples over both CPUs");
		is_int(proc(&p, 0, "swapper/1")->samples, 5, "swapper: 5 samples");
	}
	/* each CPU: no process (tick 0), one task, then the other */
	for (i = 0, k = 0; i < p.nsl; i++)
		k += p.sl[i].cpu == 1;
	is_int(k, 3, "CPU 1: three slices of its own");
	is_int(p.nsl, 6, "CPU 0: three too, no slice shared between CPUs");
	ok(pr && gc_procs_save(&p, pr, NULL, NULL, &e) == 0, "two CPUs saved");
	if (pr && pr->samples.nslices) {
		for (i = 0, k = 0; i < pr->samples.nslices; i++)
			k += pr->samples.slices[i].cpu == 0 || pr->samples.slices[i].cpu == 1;
		is_int(k, pr->samples.nslices, "every slice saved with its CPU");
	}
	prof_free(pr);
	gc_procs_free(&p);
}

int main(void)
{
	test_names();
	test_reuse_and_moves();
	test_slices_and_save();
	test_two_cpus();
	return tap_done();
}
