/*
 * tasks.c: the kernel's processes, read from a stopped guest.
 *
 * Every process's task_struct is on the circular list that starts at
 * init_task.tasks (thread group leaders only: the threads of a process
 * hang off their leader, and ps shows processes); pid, tgid, comm, the
 * state word (__state from 5.14, state before), exit_state, flags
 * (PF_KTHREAD) and real_parent come at offsets from the kernel's types.
 * The state letter is the kernel's own (fs/proc/array.c: "RSDTtXZPI" by
 * the highest bit of (state | exit_state) & TASK_REPORT, I for
 * TASK_IDLE), so it matches ps.
 *
 * Guest memory is untrusted: every pointer must be a kernel address, the
 * walk stops at LX_MAX_TASKS or when a task's link does not point back
 * (next->prev), and says why in the list's problem.
 */
#include "lx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PF_KTHREAD 0x00200000u
#define TASK_REPORT 0x7fu
#define TASK_IDLE 0x402u     /* TASK_UNINTERRUPTIBLE | TASK_NOLOAD */
#define KERNEL_HALF UINT64_C(0xffff800000000000)

static int member(const struct ksym_btf *b, const char *path, uint32_t *off,
		  uint32_t *size, struct kit_err *err)
{
	struct ksym_btf_field f;

	if (ksym_btf_member(b, path, &f, err) < 0)
		return -1;
	*off = (uint32_t)f.offset;
	if (size)
		*size = (uint32_t)f.size;
	return 0;
}

int lx_task_layout_btf(const struct ksym_btf *b, struct lx_task_layout *l,
		       struct kit_err *err)
{
	struct kit_err e = { 0 };
	uint32_t sz;

	memset(l, 0, sizeof *l);
	if (member(b, "task_struct.tasks", &l->tasks, NULL, &e) < 0 ||
	    member(b, "task_struct.pid", &l->pid, NULL, &e) < 0 ||
	    member(b, "task_struct.tgid", &l->tgid, NULL, &e) < 0 ||
	    member(b, "task_struct.comm", &l->comm, &sz, &e) < 0 ||
	    member(b, "task_struct.flags", &l->flags, NULL, &e) < 0 ||
	    member(b, "task_struct.exit_state", &l->exit_state, NULL, &e) < 0 ||
	    member(b, "task_struct.real_parent", &l->real_parent, NULL, &e) < 0)
		return kit_seterr(err, LX_ELAYOUT, "the kernel's types: %s", e.msg);
	if (sz < 8 || sz > 64)
		return kit_seterr(err, LX_ELAYOUT, "task_struct.comm is %u bytes", sz);
	l->comm_size = sz;
	if (member(b, "task_struct.__state", &l->state, &l->state_size, &e) < 0 &&
	    member(b, "task_struct.state", &l->state, &l->state_size, &e) < 0)
		return kit_seterr(err, LX_ELAYOUT, "task_struct has neither __state nor "
				  "state: %s", e.msg);
	if (l->state_size != 4 && l->state_size != 8)
		return kit_seterr(err, LX_ELAYOUT, "task_struct's state is %u bytes",
				  l->state_size);
	return 0;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The ps state letter of a task. */
static char state_letter(uint64_t state, uint64_t exit_state)
{
	static const char letters[] = "RSDTtXZP";
	unsigned v = (unsigned)((state | exit_state) & TASK_REPORT), i = 0;

	if ((state & 0xffffffffu) == TASK_IDLE)
		return 'I';
	while (v) {
		i++;
		v >>= 1;
	}
	return letters[i < sizeof letters - 1 ? i : 0];
}

/* One task at ADDR (its task_struct) into T. */
static int read_task(const struct lx_mem *m, const struct lx_task_layout *l,
		     uint64_t addr, struct lx_task *t, struct kit_err *err)
{
	uint8_t buf[8192], pb[4];
	uint32_t lo = l->state, hi = l->comm + l->comm_size, offs[] = {
		l->tasks, l->pid, l->tgid, l->flags, l->exit_state, l->real_parent };
	uint64_t parent;
	size_t i;

	for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		lo = offs[i] < lo ? offs[i] : lo;
		hi = offs[i] + 16 > hi ? offs[i] + 16 : hi;
	}
	if (hi - lo > sizeof buf)
		return kit_seterr(err, LX_ELAYOUT, "task_struct's members span %u bytes", hi - lo);
	if (m->read(m->ctx, addr + lo, buf, hi - lo, err) < 0)
		return -1;
#define AT(o) (buf + (o) - lo)
	memset(t, 0, sizeof *t);
	t->addr = addr;
	t->pid = (int32_t)le(AT(l->pid), 4);
	t->tgid = (int32_t)le(AT(l->tgid), 4);
	memcpy(t->comm, AT(l->comm), l->comm_size < sizeof t->comm ? l->comm_size
								   : sizeof t->comm - 1);
	t->comm[sizeof t->comm - 1] = '\0';
	t->kthread = (le(AT(l->flags), 4) & PF_KTHREAD) != 0;
	t->state = state_letter(le(AT(l->state), l->state_size), le(AT(l->exit_state), 4));
	parent = le(AT(l->real_parent), 8);
#undef AT
	t->ppid = -1;
	if (parent >= KERNEL_HALF && m->read(m->ctx, parent + l->tgid, pb, 4, NULL) == 0)
		t->ppid = (int32_t)le(pb, 4);
	return 0;
}

static int push(struct lx_task_list *out, const struct lx_task *t, size_t *cap)
{
	if (out->n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct lx_task *v = realloc(out->v, c * sizeof *v);

		if (!v)
			return -1;
		out->v = v;
		*cap = c;
	}
	out->v[out->n++] = *t;
	return 0;
}

int lx_tasks_read(const struct lx_mem *m, const struct lx_task_layout *l,
		  uint64_t init_task, struct lx_task_list *out, struct kit_err *err)
{
	uint64_t head = init_task + l->tasks, cur = head, next, back;
	uint8_t b[16];
	size_t cap = 0;
	struct lx_task t;

	memset(out, 0, sizeof *out);
	for (;;) {
		struct kit_err e = { 0 };

		if (m->read(m->ctx, cur, b, 16, cur == head ? err : &e) < 0) {
			if (cur == head)
				return -1;
			snprintf(out->problem, sizeof out->problem, "the list breaks at 0x%"
				 PRIx64 ": %.100s", cur, e.msg);
			return 0;
		}
		next = le(b, 8);
		if (next == head)
			return 0;
		if (next < KERNEL_HALF || next % 8) {
			snprintf(out->problem, sizeof out->problem, "a link points outside "
				 "the kernel (0x%" PRIx64 " after 0x%" PRIx64 ")", next, cur);
			return 0;
		}
		if (m->read(m->ctx, next + 8, b, 8, NULL) < 0 || (back = le(b, 8)) != cur) {
			snprintf(out->problem, sizeof out->problem, "the task at 0x%" PRIx64
				 " does not link back to the one before", next - l->tasks);
			return 0;
		}
		if (out->n == LX_MAX_TASKS) {
			snprintf(out->problem, sizeof out->problem, "more than %d tasks: "
				 "the list does not come back to init_task", LX_MAX_TASKS);
			return 0;
		}
		if (read_task(m, l, next - l->tasks, &t, &e) < 0) {
			snprintf(out->problem, sizeof out->problem, "the task at 0x%" PRIx64
				 " cannot be read: %.100s", next - l->tasks, e.msg);
			return 0;
		}
		if (push(out, &t, &cap) < 0) {
			lx_task_list_free(out);
			return kit_seterr(err, ENOMEM, "out of memory for the task list");
		}
		cur = next;
	}
}

void lx_task_list_free(struct lx_task_list *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

int lx_current_task(const struct lx_mem *m, const struct ksym_table *syms,
		    const struct ksym_btf *b, unsigned cpu, uint64_t *task,
		    struct kit_err *err)
{
	struct ksym_btf_field f;
	uint64_t addr;
	uint8_t v[8];

	if (ksym_find(syms, "current_task")) {
		if (lx_percpu_addr(m, syms, "current_task", cpu, &addr, err) < 0)
			return -1;
	} else {
		if (lx_percpu_addr(m, syms, "pcpu_hot", cpu, &addr, err) < 0 ||
		    ksym_btf_member(b, "pcpu_hot.current_task", &f, err) < 0)
			return -1;
		addr += f.offset;
	}
	if (m->read(m->ctx, addr, v, 8, err) < 0)
		return -1;
	*task = le(v, 8);
	return 0;
}
