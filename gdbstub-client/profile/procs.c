/*
 * procs.c: time by process (procs.h): the current task read with each
 * tick, named a tick later, counted into processes and slices.
 */
#include "procs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF_KTHREAD 0x00200000u
#define KERNEL_HALF UINT64_C(0xffff800000000000)

int gc_procs_layout(const struct ksym_table *syms, const struct ksym_btf *b,
		    struct gc_procs_layout *l, struct kit_err *err)
{
	const struct ksym_sym *cur = ksym_find(syms, "current_task");
	struct lx_task_layout tl;
	struct ksym_btf_field f;

	memset(l, 0, sizeof *l);
	l->pcpu_offsets = ksym_addr(syms, "__per_cpu_offset");
	if (!l->pcpu_offsets)
		return kit_seterr(err, LX_ELAYOUT, "no __per_cpu_offset in the kernel");
	if (cur) {
		l->cur_var = cur->addr;
	} else {
		const struct ksym_sym *hot = ksym_find(syms, "pcpu_hot");

		if (!hot)
			return kit_seterr(err, LX_ELAYOUT, "neither current_task nor "
					  "pcpu_hot in the kernel");
		if (ksym_btf_member(b, "pcpu_hot.current_task", &f, err) < 0)
			return -1;
		l->cur_var = hot->addr + f.offset;
	}
	if (lx_task_layout_btf(b, &tl, err) < 0)
		return -1;
	l->pid = tl.pid;
	l->tgid = tl.tgid;
	l->comm = tl.comm;
	l->flags = tl.flags;
	l->comm_len = tl.comm_size < 16 ? tl.comm_size : 16;
	return 0;
}

void gc_procs_init(struct gc_procs *p, const struct gc_procs_layout *l,
		   int64_t period_ns)
{
	size_t i;

	memset(p, 0, sizeof *p);
	p->l = *l;
	p->period_ns = period_ns > 0 ? period_ns : 1000000;
	p->ncpu = 1;
	p->r_off = -1;
	for (i = 0; i < GC_TICK_MAXCPU; i++) {
		p->cpu[i].r_cur = p->cpu[i].r_id = p->cpu[i].r_comm = p->cpu[i].r_flags = -1;
		p->cpu[i].last_sl = SIZE_MAX;
	}
}

void gc_procs_set_cpus(struct gc_procs *p, unsigned n)
{
	p->ncpu = n < 1 ? 1 : n > GC_TICK_MAXCPU ? GC_TICK_MAXCPU : n;
}

void gc_procs_free(struct gc_procs *p)
{
	free(p->tasks);
	free(p->v);
	free(p->sl);
	memset(p, 0, sizeof *p);
}

/* v (n elements of size sz, room for *cap) with room for one more: v
 * itself, or a larger copy (*cap doubled).  NULL when out of memory
 * (p->nomem said; v is kept). */
static void *room(struct gc_procs *p, void *v, size_t *cap, size_t n, size_t sz)
{
	size_t c = *cap ? 2 * *cap : 64;
	void *nv;

	if (n < *cap)
		return v;
	if (!(nv = realloc(v, c * sz))) {
		p->nomem = true;
		return NULL;
	}
	*cap = c;
	return nv;
}

static struct gc_procs_task *task_of(struct gc_procs *p, uint64_t task)
{
	size_t i;

	for (i = p->ntasks; i-- > 0;)
		if (p->tasks[i].task == task)
			return &p->tasks[i];
	return NULL;
}

static int add_req(struct gc_tick_req *req, size_t room, size_t *n,
		   uint64_t addr, unsigned len)
{
	if (*n >= room)
		return -1;
	req[*n].addr = addr;
	req[*n].len = len;
	return (int)(*n)++;
}

size_t gc_procs_requests(struct gc_procs *p, struct gc_tick_req *req, size_t room)
{
	size_t n = 0;
	unsigned i;

	p->r_off = add_req(req, room, &n, p->l.pcpu_offsets, 8 * p->ncpu);
	for (i = 0; i < p->ncpu; i++) {
		struct gc_procs_cpu *c = &p->cpu[i];

		c->r_cur = c->r_id = c->r_comm = c->r_flags = -1;
		if (c->off >= KERNEL_HALF)
			c->r_cur = add_req(req, room, &n, c->off + p->l.cur_var, 8);
		if (c->pending) {
			bool adjacent = p->l.tgid == p->l.pid + 4;

			c->r_id = add_req(req, room, &n, c->p_task + p->l.pid,
					  adjacent ? 8 : 4);
			c->r_comm = add_req(req, room, &n, c->p_task + p->l.comm,
					    p->l.comm_len);
			/* every time: a freed task's memory is soon another's */
			c->r_flags = add_req(req, room, &n, c->p_task + p->l.flags, 4);
		}
	}
	return n;
}

static size_t proc_of(struct gc_procs *p, int32_t tgid, const char *comm,
		      bool kthread, int64_t t_ns)
{
	struct gc_proc *v;
	size_t i;

	for (i = p->n; i-- > 0;)
		if (p->v[i].pid == tgid && !strcmp(p->v[i].comm, comm))
			return i;
	if (!(v = room(p, p->v, &p->cap, p->n, sizeof *p->v)))
		return SIZE_MAX;
	p->v = v;
	memset(&p->v[p->n], 0, sizeof p->v[p->n]);
	p->v[p->n].pid = tgid;
	snprintf(p->v[p->n].comm, sizeof p->v[p->n].comm, "%s", comm);
	p->v[p->n].kthread = kthread;
	p->v[p->n].first_ns = t_ns;
	return p->n++;
}

static void count(struct gc_procs *p, unsigned cpu, size_t proc, bool user,
		  int64_t t_ns, unsigned gen)
{
	size_t last = p->cpu[cpu].last_sl;
	struct gc_proc_slice *s = last != SIZE_MAX ? &p->sl[last] : NULL, *sl;

	if (proc == SIZE_MAX) {
		p->unnamed++;
	} else {
		p->v[proc].samples++;
		p->v[proc].user += user;
	}
	if (s && s->proc == proc && s->gen == gen &&
	    t_ns >= s->start_ns && t_ns <= s->end_ns + p->period_ns) {
		s->end_ns = t_ns + p->period_ns;
		s->n++;
		return;
	}
	if (!(sl = room(p, p->sl, &p->capsl, p->nsl, sizeof *p->sl)))
		return;
	p->sl = sl;
	p->cpu[cpu].last_sl = p->nsl;
	p->sl[p->nsl++] = (struct gc_proc_slice){ proc, cpu, t_ns, t_ns + p->period_ns, 1, gen };
}

static struct gc_procs_task *remember(struct gc_procs *p, uint64_t task)
{
	struct gc_procs_task *k = task_of(p, task), *v;

	if (k)
		return k;
	if (!(v = room(p, p->tasks, &p->captasks, p->ntasks, sizeof *p->tasks)))
		return NULL;
	p->tasks = v;
	k = &p->tasks[p->ntasks++];
	memset(k, 0, sizeof *k);
	k->task = task;
	k->proc = SIZE_MAX;
	return k;
}

/* CPU cpu's pending sample, named from this tick's reads (or what is
 * known of its task when they failed). */
static void name_pending(struct gc_procs *p, unsigned cpu, const struct gc_tick *t,
			 size_t base)
{
	struct gc_procs_cpu *c = &p->cpu[cpu];
	struct gc_procs_task *k = task_of(p, c->p_task);
	bool have_id = c->r_id >= 0 && t->mem_ok[base + (size_t)c->r_id];
	bool have_comm = c->r_comm >= 0 && t->mem_ok[base + (size_t)c->r_comm];
	bool have_flags = c->r_flags >= 0 && t->mem_ok[base + (size_t)c->r_flags];
	char comm[17];
	size_t proc;

	if (have_id && have_comm && have_flags) {
		int32_t pid = (int32_t)gc_tick_word(t, base + (size_t)c->r_id, 4);
		int32_t tgid = p->l.tgid == p->l.pid + 4 ?
			       (int32_t)(gc_tick_word(t, base + (size_t)c->r_id, 8) >> 32) :
			       pid;    /* (never apart in the kernels seen) */
		bool kthread = (gc_tick_word(t, base + (size_t)c->r_flags, 4) &
				PF_KTHREAD) != 0;

		if (pid < 0 || tgid < 0)
			goto unnamed;
		memcpy(comm, t->mem[base + (size_t)c->r_comm], 16);
		comm[p->l.comm_len < 16 ? p->l.comm_len : 16] = '\0';
		comm[16] = '\0';
		if (!(k = remember(p, c->p_task)))
			goto unnamed;
		k->pid = pid;
		k->tgid = tgid;
		k->kthread = kthread;
		proc = proc_of(p, tgid, comm, kthread, c->p_ns);
		if (proc == SIZE_MAX)
			goto unnamed;
		k->proc = proc;
	} else if (k && k->proc != SIZE_MAX) {
		proc = k->proc;
	} else {
		goto unnamed;
	}
	count(p, cpu, proc, c->p_user, c->p_ns, c->p_gen);
	c->pending = false;
	return;
unnamed:
	count(p, cpu, SIZE_MAX, c->p_user, c->p_ns, c->p_gen);
	c->pending = false;
}

void gc_procs_tick(struct gc_procs *p, const struct gc_tick *t, size_t base,
		   const struct gc_procs_sample *s)
{
	bool off_ok = p->r_off >= 0 && t->mem_ok[base + (size_t)p->r_off];
	unsigned i;

	for (i = 0; i < p->ncpu; i++) {
		struct gc_procs_cpu *c = &p->cpu[i];
		uint64_t off = 0, task = 0;

		if (c->pending)
			name_pending(p, i, t, base);
		if (off_ok) {
			const uint8_t *b = t->mem[base + (size_t)p->r_off] + 8 * i;
			unsigned j;

			for (j = 0; j < 8; j++)
				off |= (uint64_t)b[j] << (8 * j);
		}
		/* the task read is good when the offset it was read at still
		 * holds */
		if (c->r_cur >= 0 && t->mem_ok[base + (size_t)c->r_cur] && off_ok &&
		    off == c->off)
			task = gc_tick_word(t, base + (size_t)c->r_cur, 8);
		if (off_ok)
			c->off = off;
		if (!s)
			continue;
		if (task >= KERNEL_HALF) {
			c->pending = true;
			c->p_task = task;
			c->p_user = s[i].user;
			c->p_ns = s[i].t_ns;
			c->p_gen = s[i].gen;
		} else {
			count(p, i, SIZE_MAX, s[i].user, s[i].t_ns, s[i].gen);
		}
	}
}

void gc_procs_finish(struct gc_procs *p)
{
	struct gc_procs_task *k;
	unsigned i;

	for (i = 0; i < p->ncpu; i++) {
		struct gc_procs_cpu *c = &p->cpu[i];

		if (!c->pending)
			continue;
		k = task_of(p, c->p_task);
		count(p, i, k ? k->proc : SIZE_MAX, c->p_user, c->p_ns, c->p_gen);
		c->pending = false;
	}
}

int gc_procs_save(const struct gc_procs *p, struct prof_profile *out,
		  int64_t (*map)(void *ctx, int64_t t), void *ctx,
		  struct kit_err *err)
{
	struct prof_slice *sl;
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++) {
		struct prof_process pr = {
			.pid = p->v[i].pid, .comm = (char *)p->v[i].comm,
			.kthread = p->v[i].kthread,
			.first_ns = map ? map(ctx, p->v[i].first_ns) : p->v[i].first_ns,
			.samples = p->v[i].samples, .user_samples = p->v[i].user,
		};

		if (prof_add_process(out, &pr, err) < 0)
			return -1;
	}
	if (!p->nsl)
		return 0;
	if (!(sl = calloc(p->nsl, sizeof *sl)))
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < p->nsl; i++) {
		sl[i].process = p->sl[i].proc == SIZE_MAX ? -1 : (int64_t)p->sl[i].proc;
		sl[i].start_ns = map ? map(ctx, p->sl[i].start_ns) : p->sl[i].start_ns;
		sl[i].end_ns = map ? map(ctx, p->sl[i].end_ns) : p->sl[i].end_ns;
		if (sl[i].end_ns < sl[i].start_ns)
			sl[i].end_ns = sl[i].start_ns;
		sl[i].samples = p->sl[i].n;
		sl[i].cpu = p->ncpu > 1 ? (int64_t)p->sl[i].cpu : -1;
	}
	rc = prof_set_slices(out, sl, p->nsl, err);
	free(sl);
	return rc;
}
