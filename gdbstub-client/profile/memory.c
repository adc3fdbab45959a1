/*
 * memory.c: the recorder's memory figures, in and out of the guest.
 *
 * Inside.  The guest's own memory counters (linux/meminfo.c: what its
 * /proc/meminfo would print), read at stops that happen anyway, never at
 * one of their own (under TCG a debug stop costs milliseconds of
 * re-translation; a memory read at a stop only holds the guest a little
 * longer, which the profile's times leave out):
 *   - at each milestone from the kernel's mem_init() on (start_kernel is
 *     too early: _totalram_pages is still 0, and is left out), in full:
 *     the block devices' page cache (Buffers) walked, the zones' low
 *     watermarks (MemAvailable) read;
 *   - at the other stops (--initcalls=klog's log reads, the schemes'
 *     breakpoints), at most every REC_MEM_EVERY_NS of host time: the
 *     counters only (four reads on Debian's 6.1: nearby variables are
 *     read together), Buffers folded into the page cache and MemAvailable
 *     from the last watermarks read;
 *   - the last of them all is the profile's "end".
 * The layout (symbols and the enums of the image's BTF) is found in a
 * thread while the firmware runs, as klog.c does for the printk ring.
 *
 * Outside.  qemu's peak RSS: qemu-wrapper's exit record (wait4() of qemu,
 * ru_maxrss) when qemu has exited; when the recording ends first (--until:
 * the guest runs on), qemu's VmHWM in /proc/PID/status, its peak so far.
 *
 * Where it breaks.  A kernel without BTF, or one whose types lack the
 * counters, records no guest memory (said once in the progress output);
 * a read that fails is skipped.
 */
#include "recorder-int.h"
#include "lx.h"
#include "ksym.h"
#include "clock.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_MEM_EVERY_NS (50 * 1000000LL)
#define REC_MEM_MAX_POINTS 100000

struct rec_mem_pt {
	struct prof_mem_point pt;
	char at[64];
};

struct rec_mem {
	pthread_t th;
	bool th_started, th_joined;
	char path[4096];
	const struct ksym_table *syms;
	int th_rc;
	char th_err[600];
	struct lx_mem_layout l;
	bool usable, said;
	bool up;                    /* start_kernel (or a later milestone) was
				     * reached: the kernel's addresses are mapped */
	int64_t wmark;              /* the last low watermarks' sum; -1 none */
	int64_t next;               /* host ns of the next read between milestones */
	int64_t hwm;                /* qemu's VmHWM at the --until stop, KiB; 0 none */
	struct rec_mem_pt *v;
	size_t n, cap;
	int64_t spent[2];           /* host ns the reads held the guest: the
				     * counters alone, in full */
	size_t nread[2];
};

static void *layout_thread(void *arg)
{
	struct rec_mem *k = arg;
	struct kit_err e = { 0 };
	struct ksym_btf *b = ksym_btf_open(k->path, &e);

	if (!b || lx_mem_layout_btf(k->syms, b, &k->l, &e) < 0) {
		snprintf(k->th_err, sizeof k->th_err, "%s", e.msg);
		k->th_rc = -1;
	}
	ksym_btf_free(b);
	return NULL;
}

int rec_mem_begin(struct rec *r)
{
	struct rec_mem *k;

	if (!r->nokaslr || !ksym_addr(r->syms, "vm_node_stat") ||
	    (!ksym_addr(r->syms, "__start_BTF") && !ksym_has_dwarf(r->syms->path)))
		return 0;      /* not a kernel we can read (the test guest) */
	if (!(k = calloc(1, sizeof *k)))
		return error("out of memory");
	r->mem = k;
	k->wmark = -1;
	k->syms = r->syms;
	snprintf(k->path, sizeof k->path, "%s", r->syms->path);
	if (pthread_create(&k->th, NULL, layout_thread, k) != 0)
		return error("cannot start a thread to read the kernel's BTF");
	k->th_started = true;
	return 0;
}

static void join(struct rec_mem *k)
{
	if (k->th_started && !k->th_joined) {
		pthread_join(k->th, NULL);
		k->th_joined = true;
		k->usable = k->th_rc == 0;
	}
}

void rec_mem_free(struct rec *r)
{
	if (!r->mem)
		return;
	join(r->mem);
	free(r->mem->v);
	free(r->mem);
	r->mem = NULL;
}

static int mem_read(void *ctx, uint64_t addr, void *buf, size_t len,
		    struct kit_err *err)
{
	ssize_t got = rec_read_mem(ctx, addr, buf, len);

	if (got != (ssize_t)len)
		return kit_seterr(err, EFAULT, "cannot read %zu bytes at 0x%llx",
				  len, (unsigned long long)addr);
	return 0;
}

static int keep(struct rec_mem *k, const char *at, int64_t g,
		const struct lx_meminfo *i)
{
	struct rec_mem_pt *p;

	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;

		if (cap > REC_MEM_MAX_POINTS)
			return 0;
		if (!(p = realloc(k->v, cap * sizeof *p)))
			return error("out of memory");
		k->v = p;
		k->cap = cap;
	}
	p = &k->v[k->n++];
	memset(p, 0, sizeof *p);
	snprintf(p->at, sizeof p->at, "%s", at);
	p->pt.t_ns = g;
	p->pt.total_kb = i->total;
	p->pt.free_kb = i->free;
	p->pt.available_kb = i->available;
	p->pt.buffers_kb = i->buffers;
	p->pt.cached_kb = i->cached;
	p->pt.page_cache_kb = i->page_cache;
	p->pt.shmem_kb = i->shmem;
	p->pt.anon_kb = i->anon;
	p->pt.slab_reclaimable_kb = i->sreclaimable;
	p->pt.slab_unreclaimable_kb = i->sunreclaim;
	p->pt.kernel_stack_kb = i->kernel_stack;
	p->pt.page_tables_kb = i->page_tables;
	p->pt.vmalloc_kb = i->vmalloc_used;
	p->pt.percpu_kb = i->percpu;
	return 0;
}

/* One read at this stop: full (buffers, watermarks) or the counters only.
 * 0 (a read that fails is skipped), -1 out of memory. */
static int read_now(struct rec *r, const char *at, bool full)
{
	struct rec_mem *k = r->mem;
	struct lx_mem m = { mem_read, r };
	struct lx_mem_counters c;
	struct lx_meminfo info;
	struct kit_err e = { 0 };
	int64_t buffers = -1, w, t0 = kit_mono_ns(), now;

	if (!k)
		return 0;
	join(k);
	if (!k->usable) {
		if (!k->said) {
			k->said = true;
			rec_progress(r, "guest memory not recorded: %s", k->th_err);
		}
		return 0;
	}
	if (lx_meminfo_counters(&m, &k->l, &c, &e) < 0)
		return 0;      /* before mem_init(), or unreadable: nothing */
	if (full && lx_meminfo_buffers(&m, &k->l, &buffers, NULL) < 0)
		buffers = -1;
	/* the watermarks are set by a postcore initcall and hardly move:
	 * read at milestones, and at reads between until they are set */
	if ((full || k->wmark <= 0) && k->l.node_data &&
	    lx_meminfo_wmark_low(&m, &k->l, &w, NULL) == 0)
		k->wmark = w > 0 ? w : -1;
	lx_meminfo_compute(&k->l, &c, buffers, k->wmark, &info);
	now = kit_mono_ns();
	k->next = now + REC_MEM_EVERY_NS;
	k->spent[full] += now - t0;
	k->nread[full]++;
	return keep(k, at, r->g, &info);
}

/* qemu's VmHWM (KiB) from /proc/PID/status; 0 when it cannot be read. */
static int64_t vmhwm(long pid);

int rec_mem_milestone(struct rec *r, const char *name, bool until)
{
	static const char *const early[] = { "setup", "decompressor startup_32",
					     "startup_32", "startup_64" };
	size_t i;

	if (!r->mem)
		return 0;
	/* the recording ends here and the guest runs on, qemu may be gone by
	 * the time the profile is written: its peak so far, now */
	if (until)
		r->mem->hwm = vmhwm(r->qemu_pid);
	/* before start_kernel the kernel's virtual addresses are not mapped
	 * (real mode, the decompressor's identity map): nothing to read, and
	 * a read there would be of whatever sits at the truncated address */
	for (i = 0; i < sizeof early / sizeof early[0]; i++)
		if (!strcmp(name, early[i]))
			return 0;
	r->mem->up = true;
	return read_now(r, !strcmp(name, "run_init_process") ? "userspace" : name, true);
}

int rec_mem_stop(struct rec *r)
{
	if (!r->mem || !r->mem->up || !r->alive || kit_mono_ns() < r->mem->next)
		return 0;
	if (r->mem->th_started && !r->mem->th_joined)
		return 0;      /* still reading the BTF: not waited for here */
	return read_now(r, "read", false);
}

/* qemu's VmHWM (KiB) from /proc/PID/status; 0 when it cannot be read. */
static int64_t vmhwm(long pid)
{
	char path[64], line[256];
	long long kb = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? kb : 0;
}

int rec_mem_write(struct rec *r, int64_t (*map)(const struct rec *, int64_t))
{
	struct prof_memory *pm = &r->p->memory;
	struct rec_mem *k = r->mem;
	struct kit_err e;
	size_t i;

	if (r->have_exit && r->exit.have_rusage) {
		pm->qemu_peak_rss_kb = r->exit.max_rss_kb;
		pm->qemu_user_us = r->exit.user_us;
		pm->qemu_system_us = r->exit.system_us;
		prof_set_str(&pm->qemu_source, "wait4", NULL);
	} else {
		/* qemu runs on (--until): its peak so far */
		int64_t h = k && k->hwm > 0 ? k->hwm : !r->conn_end ? vmhwm(r->qemu_pid) : 0;

		if (h > 0) {
			pm->qemu_peak_rss_kb = h;
			prof_set_str(&pm->qemu_source, "VmHWM", NULL);
		}
	}
	if (!k)
		return 0;
	/* the last read is the end's figure: a read between milestones is
	 * renamed, a milestone's is kept and copied */
	if (k->n && !strcmp(k->v[k->n - 1].at, "read"))
		snprintf(k->v[k->n - 1].at, sizeof k->v[0].at, "end");
	for (i = 0; i < k->n; i++) {
		struct prof_mem_point pt = k->v[i].pt;

		pt.at = k->v[i].at;
		pt.t_ns = map(r, pt.t_ns);
		if (prof_add_mem_point(r->p, &pt, &e) < 0)
			return error("%s", e.msg);
	}
	if (k->n) {
		struct prof_mem_point pt = k->v[k->n - 1].pt;

		pt.at = (char *)"end";
		pt.t_ns = map(r, pt.t_ns);
		if (strcmp(k->v[k->n - 1].at, "end") &&
		    prof_add_mem_point(r->p, &pt, &e) < 0)
			return error("%s", e.msg);
		rec_progress(r, "guest memory: %zu reads, the last at %.1f ms: %" PRId64
			     " kB total, %" PRId64 " kB free; a read held the guest "
			     "%.3f ms on average (%zu of the counters), %.3f ms (%zu in full)",
			     k->n, rec_ms_of(pt.t_ns), pt.total_kb, pt.free_kb,
			     k->nread[0] ? rec_ms_of(k->spent[0]) / (double)k->nread[0] : 0.0,
			     k->nread[0],
			     k->nread[1] ? rec_ms_of(k->spent[1]) / (double)k->nread[1] : 0.0,
			     k->nread[1]);
	}
	return 0;
}
