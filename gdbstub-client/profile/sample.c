/*
 * sample.c: gdbstub-client sample, a statistical profiler for early boot.
 *
 * What it does
 *   At N Hz (default 1000) it stops the guest with a 0x03 byte, reads
 *   where the CPU was (rip, cs, cr0, efer, eflags from one 'g'), lets the
 *   guest run on, and at the end prints which kernel functions or boot
 *   regions the time went to: a top table, folded stacks for flamegraph.pl
 *   ("mode;region;symbol count") and, with -o, a profile JSON
 *   (docs/profile-schema.md) with the samples.  Under TCG an interrupt
 *   stop costs almost nothing (no translation-cache flush, unlike a
 *   breakpoint), so the boot runs at nearly its own speed.  It is also the
 *   quickest answer to "where is it hanging?": `sample --duration 2`.
 *
 * How to run it
 *   gdbstub-client sample [--latest | --wait | ENDPOINT] [--kernel FILE]
 *       [--hz N] [--duration SEC | --until-exit] [-o FILE.json] [--top N]
 *       [--folded FILE|-]
 *   The endpoint comes from qemu-wrapper's newest session file by default
 *   (--wait waits for one); its kernel gives the symbols unless --kernel
 *   names one (a bzImage, vmlinux, System.map or any ELF with symbols).
 *   The guest may be held at the reset vector (it is resumed) or already
 *   running (QEMU stops it when a debugger connects; it is resumed).
 *   --duration is host (wall) seconds from the first resume; without it
 *   sampling lasts until the guest exits (--until-exit, the default).
 *   At the end the client detaches and the guest runs on.
 *   --callers adds the probable caller of each kernel sample (a stack
 *   read: one more round trip while the guest waits); --sync takes every
 *   sample the slow way below (for comparison).
 *   GDBSTUB_SAMPLE_TRACE=1 prints one line per sample on stderr: how long
 *   the client waited, the guest ran, the stop took to come, the read took.
 *
 * How it works
 *   Pipelined (the default): each sample is one write, 0x03, a 'p' for
 *   each of rip, cs, eflags, cr0 and efer, and "$vCont;c#a8", and the
 *   client goes back to sleep.  QEMU handles the bytes in order: 0x03
 *   stops the guest, the 'p's are answered while it is stopped, the resume
 *   starts it again; the client reads those replies at the next tick,
 *   while the guest runs.  So the client never holds the guest: a sample
 *   costs QEMU's own stop and resume (about 0.1 ms here) and nothing
 *   more, where waiting for the stop reply, then asking for 'g', then
 *   resuming cost three round trips and woke the client twice while the
 *   guest waited (bench/profile-overhead: 1.25x the boot's wall time at
 *   1 kHz before, 1.13x pipelined).  One sample in SAMPLE_MEASURE_EVERY
 *   is read at once, to measure how long QEMU holds the guest; the other
 *   resumes are placed that median after their write.  A sample in
 *   protected mode with a CS selector not seen before waits for the next
 *   tick, which is taken the slow way (the monitor is asked for the
 *   descriptor while the guest is stopped).
 *   The slow way (--sync, --callers, or no target description): send
 *   0x03, wait for the stop reply, 'g' (and the stack, the monitor),
 *   resume.
 *   Pacing is in guest running time: the time between a resume and the
 *   interrupt that ends it (host CLOCK_MONOTONIC; the stop moment is taken
 *   half way between sending 0x03 and the stop reply) is added up, and the
 *   next 0x03 is sent when the next tick of 1/N s of that sum is due, so
 *   the rate is per second the guest ran, whatever the client costs.
 *   While the guest runs nothing but 0x03 is ever sent (any other byte
 *   stops QEMU without a stop reply); the wait is a ppoll() on the
 *   connection and a self-pipe for SIGINT/SIGTERM, so a guest that exits
 *   or a dropped connection ends the wait at once.  Each sample becomes a
 *   linear address: real mode cs * 16 + ip (right after reset CS.base is
 *   0xffff0000, but both addresses are in the BIOS ROM region); protected
 *   and compatibility mode add the CS base, read once per CS selector with
 *   "monitor info registers" (cached until CR0.PE or EFER.LMA changes, when
 *   a new GDT is likely); 64-bit mode is flat.  gc_sample_attribute() then
 *   names it: user space, firmware ROM, kernel symbol (virtual, or the
 *   kernel's physical alias before paging), real-mode setup, boot sector,
 *   decompressor, unknown.
 *
 * Where it breaks
 *   - Samples land on instruction boundaries where TCG checks for exits
 *     (ends of translation blocks), not uniformly on instructions: shares
 *     of functions are right, per-instruction detail is not.
 *   - A closed connection is taken as the guest's exit only when the
 *     session's QEMU process is gone (QEMU sends no 'W' on isa-debug-exit);
 *     a QEMU killed by a signal looks the same.  Without a session (a bare
 *     ENDPOINT) it is "connection dropped".
 *   - The CS base cache assumes one descriptor per selector between mode
 *     changes; firmware that reloads the GDT with other bases for the same
 *     selector in one mode is attributed with the old base.
 *   - Without a bzImage header (--kernel vmlinux or an ELF), the relocated
 *     decompressor's range is unknown: it shows as unknown.
 *   - Kernel symbols are link-time addresses: boot with nokaslr.
 */
#include "sample.h"
#include "hmp.h"
#include "model.h"
#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Pure parts.                                                          */

const char *gc_region_name(enum gc_region r)
{
	switch (r) {
	case GC_REGION_KERNEL: return "kernel";
	case GC_REGION_BIOS_ROM: return "bios-rom";
	case GC_REGION_OPTION_ROM: return "option-rom";
	case GC_REGION_SETUP: return "real-mode-setup";
	case GC_REGION_BOOT_SECTOR: return "boot-sector";
	case GC_REGION_DECOMPRESSOR: return "decompressor";
	case GC_REGION_USER: return "user";
	case GC_REGION_UNKNOWN:
	case GC_REGION_COUNT:
		break;
	}
	return "unknown";
}

const char *gc_sample_mode_id(enum x86_mode m)
{
	switch (m) {
	case X86_MODE_REAL: return "real";
	case X86_MODE_V86: return "v86";
	case X86_MODE_PROT16: return "prot16";
	case X86_MODE_PROT32: return "prot32";
	case X86_MODE_COMPAT16: return "compat16";
	case X86_MODE_COMPAT32: return "compat32";
	case X86_MODE_LONG64: return "long64";
	case X86_MODE_UNKNOWN: break;
	}
	return "unknown";
}

static bool in_range(const struct gc_range *r, uint64_t a)
{
	return a >= r->lo && a < r->hi;
}

void gc_sample_layout_default(struct gc_sample_layout *l)
{
	memset(l, 0, sizeof *l);
	l->setup.lo = 0x10000;
	l->setup.hi = 0x20000;
	l->decomp.lo = 0x100000;
	l->decomp.hi = 0x1000000;
}

void gc_sample_layout_bzimage(struct gc_sample_layout *l,
			      const struct ksym_bzimage *bz)
{
	uint64_t real = 0x10000, pref;

	/* QEMU's x86_load_linux: setup at 0x10000 unless the protocol is
	 * older than 2.02 or the kernel does not load high (0x90000) */
	if (bz->version < 0x202 || !(bz->loadflags & 0x01))
		real = 0x90000;
	l->setup.lo = real;
	l->setup.hi = real + ((uint64_t)(bz->setup_sects ? bz->setup_sects : 4) + 1) * 512;
	if (bz->code32_start)
		l->decomp.lo = bz->code32_start;
	pref = bz->pref_address ? bz->pref_address : 0x1000000;
	if (pref > l->decomp.lo)
		l->decomp.hi = pref;
	if (bz->init_size) {
		l->reloc.lo = pref;
		l->reloc.hi = pref + bz->init_size;
	}
	l->from_header = true;
}

void gc_sample_layout_symbols(struct gc_sample_layout *l,
			      const struct ksym_table *syms)
{
	uint64_t lo, hi;

	if (!syms)
		return;
	lo = ksym_addr(syms, "_text");
	if (!lo)
		lo = ksym_addr(syms, "_stext");
	hi = ksym_addr(syms, "_etext");
	if (!hi)
		hi = ksym_addr(syms, "_end");
	if (lo < GC_KERNEL_VIRT_OFFSET || hi <= lo)
		return;
	l->kphys.lo = lo - GC_KERNEL_VIRT_OFFSET;
	l->kphys.hi = hi - GC_KERNEL_VIRT_OFFSET;
}

static bool is_text(char type)
{
	return type == 'T' || type == 't' || type == 'W' || type == 'w';
}

/* A text symbol holding addr. */
static bool text_symbol(const struct ksym_table *syms, uint64_t addr,
			struct gc_where *w)
{
	const struct ksym_sym *s;
	uint64_t off;

	if (!syms || !(s = ksym_lookup_addr(syms, addr, &off)) || !is_text(s->type))
		return false;
	w->region = GC_REGION_KERNEL;
	w->symbol = ksym_name(syms, s);
	w->sym_addr = s->addr;
	return true;
}

void gc_sample_attribute(const struct gc_sample_layout *l,
			 const struct ksym_table *syms, uint64_t addr,
			 enum x86_mode mode, bool paging, unsigned cpl,
			 struct gc_where *w)
{
	static const struct gc_range bios_lo = { 0xf0000, 0x100000 };
	static const struct gc_range bios_hi = { 0xfffc0000, 0x100000000ull };
	static const struct gc_range optrom = { 0xc0000, 0xf0000 };
	static const struct gc_range mbr = { 0x7c00, 0x7e00 };

	memset(w, 0, sizeof *w);
	if (paging && cpl == 3 && addr < 0x800000000000ull) {
		w->region = GC_REGION_USER;
		return;
	}
	if (in_range(&bios_lo, addr) || in_range(&bios_hi, addr)) {
		w->region = GC_REGION_BIOS_ROM;
		return;
	}
	if (in_range(&optrom, addr)) {
		/* option ROMs run in real mode; SeaBIOS's own 32-bit code
		 * also sits here (0xd7000.. with bios-256k.bin) */
		w->region = mode == X86_MODE_PROT32 ? GC_REGION_BIOS_ROM
						    : GC_REGION_OPTION_ROM;
		return;
	}
	if (text_symbol(syms, addr, w))
		return;
	if (in_range(&l->kphys, addr) &&
	    text_symbol(syms, addr + GC_KERNEL_VIRT_OFFSET, w))
		return;
	if (in_range(&l->setup, addr))
		w->region = GC_REGION_SETUP;
	else if (in_range(&mbr, addr))
		w->region = GC_REGION_BOOT_SECTOR;
	else if (in_range(&l->decomp, addr) || in_range(&l->reloc, addr))
		w->region = GC_REGION_DECOMPRESSOR;
	else
		w->region = GC_REGION_UNKNOWN;
}

void gc_pace_init(struct gc_pace *p, double hz)
{
	memset(p, 0, sizeof *p);
	p->period_ns = hz > 0 ? (int64_t)llround(1e9 / hz) : 1000000;
	if (p->period_ns < 1)
		p->period_ns = 1;
}

int64_t gc_pace_wait(struct gc_pace *p)
{
	int64_t due = (int64_t)(p->tick + 1) * p->period_ns;

	return due > p->run_ns ? due - p->run_ns : 0;
}

void gc_pace_ran(struct gc_pace *p, int64_t ran_ns)
{
	if (ran_ns > 0)
		p->run_ns += ran_ns;
	p->tick++;
	/* ticks that passed before this stop are skipped, not caught up */
	while ((int64_t)(p->tick + 1) * p->period_ns <= p->run_ns) {
		p->tick++;
		p->missed++;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t gc_sample_percentile(int64_t *v, size_t n, double pct)
{
	size_t rank;

	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_i64);
	rank = (size_t)ceil(pct / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* ------------------------------------------------------------------ */
/* The command.                                                         */

struct opts {
	const char *endpoint, *kernel, *json, *folded;
	bool wait, until_exit;
	double hz;
	double duration_s;     /* s, host wall time; 0 = until exit */
	size_t top;
	bool callers;          /* --callers: a stack read per kernel sample */
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
	const char *caller;    /* probable caller from a stack scan, or NULL */
	uint64_t lo, hi;       /* lowest and highest linear address seen */
	int64_t count;
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
	bool have_slots;
	unsigned long stack_reads;

	struct cs_cache_ent cs_cache[CS_CACHE_MAX];
	size_t ncs;
	uint64_t last_pe_lma;    /* CR0.PE | EFER.LMA of the last sample */
	unsigned long monitor_calls;

	bool trace;              /* GDBSTUB_SAMPLE_TRACE: one line per sample */
	struct gc_hmp mon;       /* method monitor: the human monitor */
	bool via_monitor;        /* samples read through HMP, guest not stopped */
	struct mon_state *ms;    /* method monitor: answers awaited, CS cache */
	bool pipelined;          /* one write per sample (see gc_tick_prepare) */
	bool unread;             /* pipelined: a batch's replies not read yet */
	bool ending;             /* pipelined: end at the next tick */
	unsigned long nbatches;  /* pipelined: samples sent in one write */
	int64_t holds[SAMPLE_MAX_HOLDS]; /* measured: write -> 'g' reply */
	size_t nholds;
	int64_t hold_median;     /* cached hold_estimate() */
	int64_t work_ns;         /* pipelined: client time per tick, summed */
	unsigned long sync_stops;/* pipelined: samples taken the slow way */
	struct regs pending[64]; /* pipelined: samples waiting for a CS base */
	struct rsp_buf batch;    /* pipelined: the bytes of one tick */
	size_t npending;
	struct rsp_stop exit_stop; /* a W/X that came instead of a reply */
	int64_t run_lo_ns;       /* guest running time if it stopped at once on */
	int64_t run_hi_ns;       /* 0x03, and if only when the reply came */
	int64_t wall_ns;         /* first resume to the end, host */
	bool complete;
	char reason[128];        /* incomplete_reason */
	bool exited_normally;
};

/* The only file-level state: what the signal handler reaches. */
static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t got_signal;

static void on_signal(int signo)
{
	int saved = errno;
	char c = (char)signo;

	got_signal = signo;
	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a signal is already pending */
	}
	errno = saved;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: gdbstub-client sample [--latest | --wait | HOST:PORT | unix:PATH]\n"
		"                             [--kernel FILE] [--hz N] [--duration SEC | --until-exit]\n"
		"                             [-o FILE.json] [--top N] [--folded FILE|-] [--timeout SEC]\n"
		"                             [--callers] [--sync]\n"
		"                             [--method=stop|monitor] [--monitor unix:PATH|HOST:PORT]\n");
	exit(status);
}

static double parse_num(const char *opt, const char *v, double min)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= min) || !isfinite(d)) {
		set_die_status(2);
		die("invalid %s '%s'", opt, v);
	}
	return d;
}

static void parse_opts(int argc, char **argv, struct opts *o, int *timeout_s)
{
	bool method_set = false;
	int i;

	memset(o, 0, sizeof *o);
	o->hz = 1000;
	o->top = 20;
	o->until_exit = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage(0);
		else if (!strcmp(a, "--latest"))
			o->wait = false;
		else if (!strcmp(a, "--wait"))
			o->wait = true;
		else if (!strcmp(a, "--kernel") && has)
			o->kernel = argv[++i];
		else if (!strcmp(a, "--hz") && has)
			o->hz = parse_num(a, argv[++i], 1);
		else if (!strcmp(a, "--duration") && has) {
			o->duration_s = parse_num(a, argv[++i], 0.001);
			o->until_exit = false;
		} else if (!strcmp(a, "--until-exit")) {
			o->until_exit = true;
			o->duration_s = 0;
		} else if (!strcmp(a, "-o") && has)
			o->json = argv[++i];
		else if (!strcmp(a, "--top") && has)
			o->top = (size_t)parse_num(a, argv[++i], 1);
		else if (!strcmp(a, "--folded") && has)
			o->folded = argv[++i];
		else if (!strcmp(a, "--callers"))
			o->callers = true;
		else if (!strcmp(a, "--sync"))
			o->sync = true;
		else if (!strcmp(a, "--method=stop"))
			o->method = METHOD_STOP, method_set = true;
		else if (!strcmp(a, "--method=monitor"))
			o->method = METHOD_MONITOR, method_set = true;
		else if (!strcmp(a, "--monitor") && has)
			o->monitor = argv[++i];
		else if (!strcmp(a, "--timeout") && has)
			*timeout_s = (int)parse_num(a, argv[++i], 1);
		else if (a[0] == '-' && a[1]) {
			set_die_status(2);
			die("unknown option or missing value '%s' (see 'sample --help')", a);
		} else if (!o->endpoint)
			o->endpoint = a;
		else {
			set_die_status(2);
			die("more than one endpoint: '%s' and '%s'", o->endpoint, a);
		}
	}
	if (o->hz > 100000) {
		set_die_status(2);
		die("--hz %g is more than 100000", o->hz);
	}
	/* naming a monitor asks for it, unless --method=stop says otherwise */
	if (o->monitor && !method_set)
		o->method = METHOD_MONITOR;
	if (o->method == METHOD_MONITOR && (o->callers || o->sync)) {
		set_die_status(2);
		die("--method=monitor reads no stack and has no --sync: it never "
		    "stops the guest (use --method=stop)");
	}
}

static void find_session(struct sampler *s, int timeout_s)
{
	struct kit_err e;

	if (gc_session_wait(s->o.wait, (int64_t)timeout_s * 1000, NULL, &s->sess, &e) < 0)
		die("%s", e.msg);
	s->have_sess = true;
	s->o.endpoint = s->sess.gdb;
	if (!s->o.kernel && s->sess.kernel[0])
		s->o.kernel = s->sess.kernel;
}

/* The bzImage header of path, when it is one ("HdrS" at 0x202). */
static bool read_bzimage_header(const char *path, struct ksym_bzimage *bz)
{
	const uint8_t *payload;
	size_t plen, len = 0, cap = 0;
	uint8_t *data = NULL;
	bool ok = false;
	char magic[4];
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	if (fseek(f, 0x202, SEEK_SET) || fread(magic, 1, 4, f) != 4 ||
	    memcmp(magic, "HdrS", 4) || fseek(f, 0, SEEK_SET))
		goto out;
	for (;;) {
		size_t n;

		if (len == cap) {
			uint8_t *d;

			if (cap >= (size_t)256 << 20)
				goto out;
			cap = cap ? cap * 2 : (size_t)1 << 20;
			if (!(d = realloc(data, cap)))
				goto out;
			data = d;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (!n)
			break;
	}
	ok = ksym_bzimage_parse(data, len, bz, &payload, &plen, NULL) == 0;
out:
	free(data);
	fclose(f);
	return ok;
}

static void load_symbols(struct sampler *s)
{
	struct ksym_bzimage bz;
	struct kit_err e;

	gc_sample_layout_default(&s->layout);
	if (!s->o.kernel)
		return;
	s->syms = ksym_open(s->o.kernel, 0, &e);
	if (!s->syms)
		warning("no symbols: %s", e.msg);
	if (s->syms && s->syms->have_bzimage)
		gc_sample_layout_bzimage(&s->layout, &s->syms->bz);
	else if (read_bzimage_header(s->o.kernel, &bz))
		gc_sample_layout_bzimage(&s->layout, &bz);
	gc_sample_layout_symbols(&s->layout, s->syms);
}

/*
 * Acknowledge the stub's next segments at once.  QEMU writes its '+' and
 * then the reply as two segments; with Nagle on its side and our delayed
 * ACK, the reply waits 40 ms for the ACK of the '+'.  Quick-ack mode is not
 * permanent (the kernel drops it when it sees an interactive exchange), so
 * it is set again before every request.  Not a TCP socket: a no-op.
 */
static void quickack(struct sampler *s)
{
	int one = 1;

	(void)setsockopt(s->t->c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static int monitor(struct sampler *s, const char *cmd, struct rsp_buf *out);

/* The CS descriptor cache (both methods): CS selector -> descriptor from
 * "info registers".  The cached descriptor of sel, or NULL. */
static const struct x86_seg *cs_cached(const struct sampler *s, uint16_t sel)
{
	size_t i;

	for (i = 0; i < s->ncs; i++)
		if (s->cs_cache[i].sel == sel)
			return &s->cs_cache[i].seg;
	return NULL;
}

static void cs_remember(struct sampler *s, const struct x86_seg *seg)
{
	struct cs_cache_ent *c = NULL;
	size_t i;

	for (i = 0; i < s->ncs && !c; i++)
		if (s->cs_cache[i].sel == seg->sel)
			c = &s->cs_cache[i];
	if (!c) {
		if (s->ncs == CS_CACHE_MAX)
			s->ncs = 0;   /* a firmware that cycles through selectors */
		c = &s->cs_cache[s->ncs++];
	}
	c->sel = seg->sel;
	c->seg = *seg;
}

/* A change of CR0.PE or EFER.LMA empties the cache: a mode switch, a new
 * GDT is likely. */
static void cs_mode(struct sampler *s, uint64_t cr0, uint64_t efer)
{
	uint64_t pe_lma = (cr0 & X86_CR0_PE) | (efer & X86_EFER_LMA);

	if (pe_lma != s->last_pe_lma)
		s->ncs = 0;
	s->last_pe_lma = pe_lma;
}

/* The CS descriptor for sel in protected/compatibility mode, from the
 * cache or "info registers".  false when the monitor cannot say. */
static bool cs_descriptor(struct sampler *s, uint16_t sel, struct x86_seg *out)
{
	const struct x86_seg *c = cs_cached(s, sel);
	struct rsp_buf text = RSP_BUF_INIT;
	struct x86_segs segs;
	int rc;

	if (c) {
		*out = *c;
		return true;
	}
	if (!s->t->have_monitor)
		return false;
	memset(&segs, 0, sizeof segs);
	rc = monitor(s, "info registers", &text);
	s->monitor_calls++;
	if (rc == -RSP_ERR_UNSUPPORTED)
		s->t->have_monitor = false;
	if (rc == 0 && text.data)
		(void)x86_parse_info_registers(text.data, &segs);
	rsp_buf_free(&text);
	if (!segs.cs.valid || segs.cs.sel != sel)
		return false;
	cs_remember(s, &segs.cs);
	*out = segs.cs;
	return true;
}

static int add_bucket(struct sampler *s, enum x86_mode mode,
		      const struct gc_where *w, const char *caller, uint64_t addr)
{
	struct bucket *b;
	size_t i;

	for (i = 0; i < s->nb; i++) {
		b = &s->b[i];
		if (b->mode == mode && b->region == w->region &&
		    b->symbol == w->symbol && b->sym_addr == w->sym_addr &&
		    b->caller == caller) {
			if (addr < b->lo)
				b->lo = addr;
			if (addr > b->hi)
				b->hi = addr;
			b->count++;
			return 0;
		}
	}
	if (s->nb == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if (!(b = realloc(s->b, cap * sizeof *b)))
			return -1;
		s->b = b;
		s->cap = cap;
	}
	b = &s->b[s->nb++];
	b->mode = mode;
	b->region = w->region;
	b->symbol = w->symbol;
	b->sym_addr = w->sym_addr;
	b->caller = caller;
	b->lo = b->hi = addr;
	b->count = 1;
	return 0;
}

/*
 * Send a request and take its reply, flushing our delayed ACK of the
 * stub's '+' in between (see quickack).  The reply is in c->reply.
 */
static int exchange(struct sampler *s, const char *payload, struct kit_err *err)
{
	struct rsp_conn *c = s->t->c;
	int rc = rsp_send(c, payload, strlen(payload), err);

	if (rc < 0)
		return rc;
	quickack(s);
	return rsp_recv(c, c->timeout_ms, err);
}

/* qRcmd with the same care: its output comes as several 'O' packets. */
static int monitor(struct sampler *s, const char *cmd, struct rsp_buf *out)
{
	struct rsp_conn *c = s->t->c;
	char pkt[256];
	size_t n = strlen(cmd);
	int rc;

	if (6 + 2 * n >= sizeof pkt)
		return -RSP_ERR_INVAL;
	memcpy(pkt, "qRcmd,", 6);
	rsp_hex_encode(pkt + 6, cmd, n);
	for (rc = exchange(s, pkt, NULL); rc == 0;) {
		if (!rsp_is_console(c->reply.data, c->reply.len))
			break;
		if (rsp_parse_console(c->reply.data, c->reply.len, out) < 0)
			return -RSP_ERR_NOMEM;
		quickack(s);
		rc = rsp_recv(c, c->timeout_ms, NULL);
	}
	if (rc < 0)
		return rc;
	if (!c->reply.len)
		return -RSP_ERR_UNSUPPORTED;
	return strcmp(c->reply.data, "OK") ? -RSP_ERR_TARGET : 0;
}

static void find_slot(const struct rsp_conn *c, const char *name,
		      struct reg_slot *r)
{
	const struct rsp_reg *reg = rsp_tdesc_find(&c->tdesc, name);

	r->offset = reg && reg->offset >= 0 && reg->bitsize <= 64 ? reg->offset : -1;
	r->bytes = reg ? reg->bitsize / 8 : 0;
}

/* A register from the 'g' reply in c->reply; 0 when absent. */
static uint64_t slot_value(const struct rsp_conn *c, const struct reg_slot *r)
{
	uint64_t v = 0;

	if (r->offset < 0 || (size_t)(r->offset + r->bytes) * 2 > c->reply.len ||
	    rsp_hex_le_to_u64(c->reply.data + 2 * r->offset, (size_t)r->bytes * 2,
			      &v) < 0)
		return 0;
	return v;
}

static void find_slots(struct sampler *s)
{
	struct rsp_conn *c = s->t->c;

	if (s->have_slots || !c->have_tdesc)
		return;
	find_slot(c, "rip", &s->r_rip);
	find_slot(c, "cs", &s->r_cs);
	find_slot(c, "eflags", &s->r_eflags);
	find_slot(c, "cr0", &s->r_cr0);
	find_slot(c, "efer", &s->r_efer);
	find_slot(c, "rsp", &s->r_rsp);
	s->have_slots = s->r_rip.offset >= 0;
}

/* The registers from the 'g' reply in c->reply (or a W/X that came instead). */
static int regs_from_reply(struct sampler *s, struct regs *r, struct kit_err *err)
{
	struct rsp_conn *c = s->t->c;

	if (c->reply.len && (c->reply.data[0] == 'W' || c->reply.data[0] == 'X')) {
		/* QEMU shutting down reports a stop, then the exit */
		struct rsp_stop st;

		if (rsp_parse_stop(c->reply.data, c->reply.len, &st, NULL) == 0)
			s->exit_stop = st;
		return kit_seterr(err, RSP_ERR_EXITED, "the guest exited");
	}
	if (c->reply.len < 2 * (size_t)(s->r_rip.offset + s->r_rip.bytes) ||
	    c->reply.data[0] == 'E')
	{
		char q[80];

		return kit_seterr(err, RSP_ERR_PROTOCOL, "bad 'g' reply '%s'",
				  rsp_quote(q, sizeof q, c->reply.data,
					    c->reply.len, 40));
	}
	r->ip = slot_value(c, &s->r_rip);
	r->cs = slot_value(c, &s->r_cs);
	r->eflags = slot_value(c, &s->r_eflags);
	r->cr0 = slot_value(c, &s->r_cr0);
	r->efer = slot_value(c, &s->r_efer);
	r->sp = slot_value(c, &s->r_rsp);
	return 0;
}

static int read_regs(struct sampler *s, struct regs *r, struct kit_err *err)
{
	memset(r, 0, sizeof *r);
	find_slots(s);
	if (!s->have_slots) {
		/* no description: the library's way (slow on Nagle'd stubs) */
		if (gc_reg(s->t, "rip", &r->ip, NULL) < 0 &&
		    gc_reg(s->t, "eip", &r->ip, err) < 0)
			return -1;
		(void)gc_reg(s->t, "cs", &r->cs, NULL);
		(void)gc_reg(s->t, "eflags", &r->eflags, NULL);
		(void)gc_reg(s->t, "cr0", &r->cr0, NULL);
		(void)gc_reg(s->t, "efer", &r->efer, NULL);
		if (gc_reg(s->t, "rsp", &r->sp, NULL) < 0)
			(void)gc_reg(s->t, "esp", &r->sp, NULL);
		return 0;
	}
	if (exchange(s, "g", err) < 0)
		return -1;
	return regs_from_reply(s, r, err);
}

/*
 * The probable caller of a kernel sample: the first word of the 64 bytes
 * at the stack pointer that points inside a text symbol other than at its
 * start (a return address), like Linux's "?" guesses.  One 'm' packet.
 * Right for leaf functions and frames without locals; a stale return
 * address can be taken for the caller elsewhere.
 */
static const char *stack_caller(struct sampler *s, enum x86_mode mode,
				uint64_t sp)
{
	struct rsp_conn *c = s->t->c;
	uint8_t buf[64];
	char pkt[48];
	size_t n, i, wsz = mode == X86_MODE_LONG64 ? 8 : 4;
	struct gc_where w;
	ssize_t got;

	if (!s->syms || (mode != X86_MODE_LONG64 && mode != X86_MODE_PROT32 &&
			 mode != X86_MODE_COMPAT32))
		return NULL;
	if (wsz == 4)
		sp &= 0xffffffffu;
	snprintf(pkt, sizeof pkt, "m%llx,%zx", (unsigned long long)sp, sizeof buf);
	s->stack_reads++;
	if (exchange(s, pkt, NULL) < 0 || !c->reply.len || c->reply.data[0] == 'E')
		return NULL;
	got = rsp_hex_decode(buf, sizeof buf, c->reply.data, c->reply.len);
	if (got <= 0)
		return NULL;
	n = (size_t)got / wsz;
	for (i = 0; i < n; i++) {
		uint64_t v = rsp_le_to_u64(buf + i * wsz, wsz);

		if (v < 0x1000)
			continue;
		memset(&w, 0, sizeof w);
		gc_sample_attribute(&s->layout, s->syms, v, mode, false, 0, &w);
		if (w.region == GC_REGION_KERNEL && w.symbol && v != w.sym_addr)
			return w.symbol;
	}
	return NULL;
}

/* The CS descriptor for a sample is known without asking the monitor
 * (real mode, v86, or a selector in the cache). */
static bool cs_known(struct sampler *s, const struct regs *r)
{
	uint64_t pe_lma = (r->cr0 & X86_CR0_PE) | (r->efer & X86_EFER_LMA);

	if (pe_lma != s->last_pe_lma)
		return !(r->cr0 & X86_CR0_PE);   /* the cache will be emptied */
	if (!(r->cr0 & X86_CR0_PE) ||
	    ((r->eflags & X86_EFLAGS_VM) && !(r->efer & X86_EFER_LMA)))
		return true;
	return cs_cached(s, (uint16_t)r->cs) || !s->t->have_monitor;
}

/*
 * Attribute one sample.  stopped: the guest is still stopped at it, so the
 * monitor may be asked for a CS descriptor and, with --callers, the stack
 * read for the probable caller.
 */
static int attribute(struct sampler *s, const struct regs *r, bool stopped,
		     struct kit_err *err)
{
	uint64_t addr;
	struct x86_seg seg;
	enum x86_mode mode;
	struct gc_where w;
	const char *caller = NULL;
	unsigned cpl;

	memset(&seg, 0, sizeof seg);
	seg.sel = (uint16_t)r->cs;
	cs_mode(s, r->cr0, r->efer);
	if ((r->cr0 & X86_CR0_PE) &&
	    !((r->eflags & X86_EFLAGS_VM) && !(r->efer & X86_EFER_LMA)))
		(void)cs_descriptor(s, (uint16_t)r->cs, &seg);
	mode = x86_mode_derive(r->cr0, r->efer, r->eflags, &seg);
	/* real mode: cs * 16 + ip (x86_linear with an invalid seg) */
	addr = x86_linear(mode, &seg, r->ip);
	cpl = x86_mode_is_segmented(mode) ? (mode == X86_MODE_V86 ? 3 : 0)
					  : (unsigned)(r->cs & 3);
	gc_sample_attribute(&s->layout, s->syms, addr, mode,
			    (r->cr0 & X86_CR0_PG) != 0, cpl, &w);
	if (stopped && s->o.callers && w.region == GC_REGION_KERNEL)
		caller = stack_caller(s, mode, r->sp);
	if (add_bucket(s, mode, &w, caller, addr) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	s->nsamples++;
	return 0;
}

/* A sample read through the monitor: its linear pc ("p $pc" is rip plus
 * CS base) and CS selector; the mode from the control registers of the
 * last "info registers" (st) and the selector's descriptor (NULL when not
 * known: flat). */
static int attribute_linear(struct sampler *s, uint64_t pc, uint16_t cs,
			    const struct x86_cpu_state *st,
			    const struct x86_seg *seg, struct kit_err *err)
{
	enum x86_mode mode = x86_mode_derive(st->cr0, st->efer, st->eflags, seg);
	unsigned cpl = x86_mode_is_segmented(mode) ? (mode == X86_MODE_V86 ? 3 : 0)
						   : (unsigned)(cs & 3);
	struct gc_where w;

	gc_sample_attribute(&s->layout, s->syms, pc, mode,
			    (st->cr0 & X86_CR0_PG) != 0, cpl, &w);
	if (add_bucket(s, mode, &w, NULL, pc) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	s->nsamples++;
	return 0;
}

/* Samples that waited for a stop to learn their CS base (pipelined mode),
 * then the one just taken; the guest is stopped. */
static int take_pending(struct sampler *s, struct kit_err *err)
{
	size_t i;

	for (i = 0; i < s->npending; i++)
		if (attribute(s, &s->pending[i], true, err) < 0)
			return -1;
	s->npending = 0;
	return 0;
}

/* Where the stopped guest is: one 'g', the monitor when a new CS selector
 * shows up in protected or compatibility mode, and with --callers for
 * kernel samples one 'm' of the stack for the probable caller. */
static int take_sample(struct sampler *s, struct kit_err *err)
{
	struct regs r;

	if (read_regs(s, &r, err) < 0)
		return -1;
	if (take_pending(s, err) < 0)
		return -1;
	return attribute(s, &r, true, err);
}

static int record_stop(struct sampler *s, int64_t reported, int64_t resumed)
{
	if (s->nstops == s->stops_cap) {
		size_t cap = s->stops_cap ? s->stops_cap * 2 : 1024;
		struct prof_stop *p = realloc(s->stops, cap * sizeof *p);
		int64_t *c;

		if (!p)
			return -1;
		s->stops = p;
		if (!(c = realloc(s->client_ns, cap * sizeof *c)))
			return -1;
		s->client_ns = c;
		s->stops_cap = cap;
	}
	s->stops[s->nstops].kind = PROF_STOP_INTERRUPT;
	s->stops[s->nstops].reported_ns = reported;
	s->stops[s->nstops].resumed_ns = resumed;
	s->client_ns[s->nstops] = resumed - reported;
	s->nstops++;
	return 0;
}

/*
 * Sleep until deadline (host ns) unless the stub speaks first or a signal
 * comes.  0 = deadline, 1 = the connection is readable, 2 = a signal.
 */
static int wait_until(struct sampler *s, int64_t deadline)
{
	struct rsp_conn *c = s->t->c;
	struct pollfd pf[2];

	/* with a batch's replies unread, the socket is left for the tick */
	if (!s->unread && c->rpos < c->rlen)
		return 1;
	for (;;) {
		int64_t left = deadline - now_ns();
		struct timespec ts;
		int n;

		if (got_signal)
			return 2;
		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		pf[0].fd = s->unread ? -1 : c->fd;
		pf[0].events = POLLIN;
		pf[1].fd = sig_pipe[0];
		pf[1].events = POLLIN;
		n = ppoll(pf, 2, &ts, NULL);
		if (n < 0 && errno != EINTR)
			return 1;   /* let the read report it */
		if (n > 0 && (pf[1].revents & POLLIN))
			return 2;
		if (n > 0 && pf[0].revents)
			return 1;
	}
}

/* The session's QEMU is gone (waits up to 2 s for the wrapper to reap it). */
static bool qemu_gone(const struct sampler *s)
{
	int i;

	if (!s->have_sess || s->sess.qemu_pid <= 0)
		return false;
	for (i = 0; i < 200; i++) {
		if (kill((pid_t)s->sess.qemu_pid, 0) < 0 && errno == ESRCH)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

static void set_reason(struct sampler *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_reason(struct sampler *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof s->reason, fmt, ap);
	va_end(ap);
}

/* The guest ended (W, X or a closed connection): say how. */
static void ended(struct sampler *s, const struct gc_event *ev)
{
	if (ev->kind == GC_EV_EXITED) {
		s->exited_normally = true;
		set_reason(s, "guest exited (status %d)", ev->exit_status);
	} else if (ev->kind == GC_EV_KILLED) {
		set_reason(s, "guest killed (signal %d)", ev->signo);
	} else if (qemu_gone(s)) {
		s->exited_normally = true;
		set_reason(s, "guest exited (qemu ended)");
	} else {
		set_reason(s, "connection dropped");
	}
}

/*
 * The '+' QEMU sends for the resume comes after the last reply: take it
 * (from what was read already, or waiting up to 50 ms for it), so that the
 * wait for the next tick does not take it for the stub speaking.
 */
static void eat_ack(struct rsp_conn *c)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		struct pollfd pf = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (c->rpos < c->rlen) {
			if (c->rbuf[c->rpos] == '+')
				c->rpos++;
			return;
		}
		if (poll(&pf, 1, 50) <= 0)
			return;
		n = recv(c->fd, c->rbuf, sizeof c->rbuf, MSG_DONTWAIT);
		if (n <= 0)
			return;   /* a close shows again at the next wait */
		c->rpos = 0;
		c->rlen = (size_t)n;
	}
}

/* Five 'p' rather than one 'g' of all ~50 registers: 1.14x against 1.19x
 * of the boot's wall time at 1 kHz (bench/profile-overhead, 3 x 3 rounds
 * each, alternated; the host is noisy). */
static const char *const tick_regs[GC_TICK_NREGS] = {
	[GC_TICK_RIP] = "rip", [GC_TICK_CS] = "cs", [GC_TICK_EFLAGS] = "eflags",
	[GC_TICK_CR0] = "cr0", [GC_TICK_EFER] = "efer",
};

int gc_tick_prepare(struct rsp_conn *c, struct rsp_buf *out, uint64_t mem_addr,
		    unsigned mem_len, struct kit_err *err)
{
	size_t i;

	rsp_buf_reset(out);
	if (rsp_buf_append(out, "\x03", 1) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < GC_TICK_NREGS; i++) {
		const struct rsp_reg *rg = c->have_tdesc ?
			rsp_tdesc_find(&c->tdesc, tick_regs[i]) : NULL;
		char p[16];

		if (!rg)
			return kit_seterr(err, RSP_ERR_UNSUPPORTED,
					  "the stub does not describe '%s'", tick_regs[i]);
		snprintf(p, sizeof p, "p%x", rg->regnum);
		if (rsp_packet_encode(out, p, strlen(p)) < 0)
			return kit_seterr(err, ENOMEM, "out of memory");
	}
	if (mem_len) {
		char m[40];

		snprintf(m, sizeof m, "m%llx,%x", (unsigned long long)mem_addr, mem_len);
		if (rsp_packet_encode(out, m, strlen(m)) < 0)
			return kit_seterr(err, ENOMEM, "out of memory");
	}
	if (rsp_packet_encode(out, c->vCont_c ? "vCont;c" : "c", c->vCont_c ? 7 : 1) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	return 0;
}

int gc_tick_read(struct rsp_conn *c, struct gc_tick *t, unsigned mem_len,
		 struct kit_err *err)
{
	bool saved = c->noack;
	int rc = 0, i;

	memset(t, 0, sizeof *t);
	c->noack = true;
	for (i = 0; i < 1 + GC_TICK_NREGS + (mem_len ? 1 : 0); i++) {
		do {
			rc = rsp_recv(c, 3000, err);
		} while (rc == 0 && rsp_is_console(c->reply.data, c->reply.len));
		if (i == 0)
			t->stop_ns = now_ns();
		if (rc < 0) {
			if (rc == -RSP_ERR_CLOSED || rc == -RSP_ERR_TRUNCATED ||
			    rc == -RSP_ERR_SYS)
				rc = 1;
			else
				rc = -1;
			goto out;
		}
		if (c->reply.len && (c->reply.data[0] == 'W' || c->reply.data[0] == 'X') &&
		    rsp_parse_stop(c->reply.data, c->reply.len, &t->stop, NULL) == 0) {
			rc = 1;   /* the guest ended, whichever reply this was */
			goto out;
		}
		if (i == 0) {
			if (rsp_parse_stop(c->reply.data, c->reply.len, &t->stop, NULL) < 0) {
				char q[80];

				rc = kit_seterr(err, RSP_ERR_PROTOCOL,
						"expected a stop reply, got '%s'",
						rsp_quote(q, sizeof q, c->reply.data,
							  c->reply.len, 40));
				goto out;
			}
			continue;
		}
		if (i == 1 + GC_TICK_NREGS) {
			/* the word asked for: an E reply (not mapped) is no
			 * error, only no value */
			t->mem_ok = c->reply.len == 2 * (size_t)mem_len &&
				    rsp_hex_le_to_u64(c->reply.data, c->reply.len,
						      &t->mem) == 0;
			continue;
		}
		if (!c->reply.len || c->reply.data[0] == 'E' ||
		    rsp_hex_le_to_u64(c->reply.data, c->reply.len > 16 ? 16 : c->reply.len,
				      &t->regs[i - 1]) < 0) {
			char q[80];

			rc = kit_seterr(err, RSP_ERR_PROTOCOL, "bad 'p' reply '%s'",
					rsp_quote(q, sizeof q, c->reply.data,
						  c->reply.len, 40));
			goto out;
		}
	}
	eat_ack(c);
out:
	c->noack = saved;
	return rc;
}

/* The replies to the last tick, the sample attributed.  0; 1 = the guest
 * ended (*ev); -1 = error.  *t_stop: when the stop reply was read. */
static int read_batch(struct sampler *s, struct gc_event *ev, int64_t *t_stop,
		      struct kit_err *err)
{
	struct gc_tick t;
	struct regs r;
	int rc = gc_tick_read(s->t->c, &t, 0, err);

	memset(ev, 0, sizeof *ev);
	*t_stop = t.stop_ns;
	if (rc == 1) {
		ev->kind = t.stop.kind == 'X' ? GC_EV_KILLED :
			   t.stop.kind == 'W' ? GC_EV_EXITED : GC_EV_CLOSED;
		ev->exit_status = t.stop.exit_status;
		ev->signo = t.stop.signo;
		return 1;
	}
	if (rc < 0)
		return -1;
	memset(&r, 0, sizeof r);
	r.ip = t.regs[GC_TICK_RIP];
	r.cs = t.regs[GC_TICK_CS];
	r.eflags = t.regs[GC_TICK_EFLAGS];
	r.cr0 = t.regs[GC_TICK_CR0];
	r.efer = t.regs[GC_TICK_EFER];
	if (cs_known(s, &r))
		return attribute(s, &r, false, err);
	/* a CS selector never seen: its base comes from the monitor at the
	 * next tick, taken the slow way while the guest waits */
	if (s->npending == sizeof s->pending / sizeof s->pending[0])
		return attribute(s, &r, false, err);
	s->pending[s->npending++] = r;
	return 0;
}

/* The median measured hold (write -> 'g' reply), 0 before any. */
static int64_t hold_estimate(struct sampler *s)
{
	int64_t tmp[SAMPLE_MAX_HOLDS];

	if (!s->nholds)
		return 0;
	if (s->nholds <= 64 || s->nholds % 64 == 0 || !s->hold_median) {
		memcpy(tmp, s->holds, s->nholds * sizeof *tmp);
		s->hold_median = gc_sample_percentile(tmp, s->nholds, 50);
	}
	return s->hold_median;
}

/* The sampling loop.  Returns 0, or -1 on an error (message printed). */
static int run(struct sampler *s)
{
	struct kit_err e;
	struct gc_event ev;
	int64_t t_start, t_res, t_int, t_stop = 0, t_now;
	bool stopped = false, gone = false;
	int why;

	gc_pace_init(&s->pace, s->o.hz);
	if (gc_continue(s->t, &e) < 0)
		return error("cannot resume the guest: %s", e.msg);
	t_start = t_res = now_ns();
	find_slots(s);
	s->pipelined = !s->o.sync && !s->o.callers && s->have_slots &&
		       gc_tick_prepare(s->t->c, &s->batch, 0, 0, NULL) == 0;
	for (;;) {
		why = wait_until(s, t_res + gc_pace_wait(&s->pace));
		t_int = now_ns();
		if (s->pipelined && why == 0 && !s->npending && !s->ending) {
			int64_t t_g, t_sent = t_int;
			int rc = 0;
			bool eager;

			if (s->unread) {
				rc = read_batch(s, &ev, &t_stop, &e);
				s->unread = false;
			}
			/* the guest ran from the last resume (measured or
			 * estimated) to this tick */
			s->run_lo_ns += t_int - t_res;
			s->run_hi_ns += t_int - t_res;
			gc_pace_ran(&s->pace, t_int - t_res);
			eager = s->nbatches++ % SAMPLE_MEASURE_EVERY == 0;
			if (rc == 0 && s->npending == 0) {
				quickack(s);
				if (rsp_write_batch(s->t->c, s->batch.data, s->batch.len, NULL) < 0) {
					memset(&ev, 0, sizeof ev);
					ev.kind = GC_EV_CLOSED;
					rc = 1;
				} else if (t_sent = now_ns(), eager) {
					rc = read_batch(s, &ev, &t_stop, &e);
				} else {
					s->unread = true;
				}
			}
			if (rc == 1) {
				gone = true;
				ended(s, &ev);
				break;
			}
			if (rc < 0) {
				set_reason(s, "error: %s", e.msg);
				error("while sampling: %s", e.msg);
				break;
			}
			t_g = now_ns();
			if (eager && s->nholds < SAMPLE_MAX_HOLDS)
				s->holds[s->nholds++] = t_g - t_sent;
			/* the resume: seen (the 'g' reply) or the median hold */
			t_res = eager ? t_g : t_sent + hold_estimate(s);
			if (s->trace)
				fprintf(stderr, "sample: pipelined%s wait_ns=%lld hold_ns=%lld\n",
					eager ? " measured" : "", (long long)(t_int - t_res),
					(long long)(t_res - t_sent));
			/* in the JSON a stop the client held for no time: it was
			 * resumed by the write that asked for it */
			if (record_stop(s, t_res, t_res) < 0) {
				set_reason(s, "out of memory");
				break;
			}
			/* the client's share of the stop: none, the write that
			 * asks for it also resumes; its work (reading the last
			 * replies) was done while the guest ran */
			s->client_ns[s->nstops - 1] = 0;
			s->work_ns += t_sent - t_int;
			/* the end (a signal, --duration): the next tick goes
			 * the slow way, which stops the guest for the detach
			 * and says why */
			if (got_signal || (s->o.duration_s > 0 &&
					   t_g - t_start >= (int64_t)(s->o.duration_s * 1e9)))
				s->ending = true;
			continue;
		}
		if (s->unread) {
			/* the last batch's replies, before the slow way */
			int rc = read_batch(s, &ev, &t_stop, &e);

			s->unread = false;
			if (rc == 1) {
				gone = true;
				ended(s, &ev);
				break;
			}
		}
		if (why != 1)
			gc_interrupt(s->t);
		if (gc_wait(s->t, 2000, &ev, &e) < 0) {
			if (e.code == RSP_ERR_CLOSED || e.code == RSP_ERR_TRUNCATED ||
			    e.code == RSP_ERR_SYS) {
				memset(&ev, 0, sizeof ev);
				ev.kind = GC_EV_CLOSED;
			} else {
				set_reason(s, "error: %s", e.msg);
				error("while sampling: %s", e.msg);
				break;
			}
		}
		t_stop = now_ns();
		if (ev.kind == GC_EV_TIMEOUT) {
			set_reason(s, "the guest did not stop within 2 s of an interrupt");
			error("%s", s->reason);
			break;
		}
		if (ev.kind == GC_EV_EXITED || ev.kind == GC_EV_KILLED ||
		    ev.kind == GC_EV_CLOSED) {
			gone = true;
			ended(s, &ev);
			s->pace.run_ns += t_stop - t_res;
			s->run_lo_ns += t_stop - t_res;
			s->run_hi_ns += t_stop - t_res;
			break;
		}
		stopped = true;
		s->run_lo_ns += (why == 1 ? t_stop : t_int) - t_res;
		s->run_hi_ns += t_stop - t_res;
		/* the guest stopped between sending 0x03 and the reply */
		gc_pace_ran(&s->pace, (why == 1 ? t_stop : t_int + (t_stop - t_int) / 2) - t_res);
		if (s->pipelined)
			s->sync_stops++;
		if (take_sample(s, &e) < 0) {
			memset(&ev, 0, sizeof ev);
			if (e.code == RSP_ERR_EXITED) {
				ev.kind = s->exit_stop.kind == 'X' ? GC_EV_KILLED : GC_EV_EXITED;
				ev.exit_status = s->exit_stop.exit_status;
				ev.signo = s->exit_stop.signo;
			} else if (e.code == RSP_ERR_CLOSED || e.code == RSP_ERR_TRUNCATED ||
				   e.code == RSP_ERR_SYS) {
				ev.kind = GC_EV_CLOSED;
			} else {
				set_reason(s, "error: %s", e.msg);
				error("cannot read the registers: %s", e.msg);
				break;
			}
			/* the guest ended just as it stopped for us */
			gone = true;
			stopped = false;
			ended(s, &ev);
			break;
		}
		t_now = now_ns();
		if (s->trace)
			fprintf(stderr, "sample: why=%d wait_ns=%lld ran_ns=%lld stop_latency_ns=%lld read_ns=%lld\n", why,
				(long long)(t_int - t_res), (long long)((t_int + (t_stop - t_int) / 2) - t_res),
				(long long)(t_stop - t_int), (long long)(t_now - t_stop));
		if (got_signal) {
			set_reason(s, "interrupted (%s)", got_signal == SIGINT ? "SIGINT" :
				   got_signal == SIGTERM ? "SIGTERM" : "signal");
			break;
		}
		if (s->o.duration_s > 0 &&
		    t_now - t_start >= (int64_t)(s->o.duration_s * 1e9)) {
			s->complete = true;
			break;
		}
		if (gc_continue(s->t, &e) < 0) {
			memset(&ev, 0, sizeof ev);
			ev.kind = GC_EV_CLOSED;
			gone = true;
			stopped = false;
			ended(s, &ev);
			break;
		}
		stopped = false;
		t_res = now_ns();
		if (record_stop(s, t_stop, t_res) < 0) {
			set_reason(s, "out of memory");
			break;
		}
	}
	s->wall_ns = now_ns() - t_start;
	if (gone) {
		/* --until-exit: the end asked for; else cut short */
		s->complete = s->o.until_exit && s->exited_normally;
	} else if (stopped) {
		if (gc_detach(s->t, &e) < 0)
			warning("cannot detach: %s", e.msg);
	}
	if (!s->complete && !s->reason[0])
		set_reason(s, "stopped early");
	return 0;
}

/*
 * The monitor method's bookkeeping.  Each tick asks "p $pc" and "p $cs"
 * (a few microseconds of QEMU's main loop each); the mode, paging and CPL
 * come from the control registers of the last "info registers" and the
 * selector's descriptor in the CS cache (shared with the stop method),
 * asked only when a CS selector shows up that the cache does not know, and
 * every MON_REFRESH_EVERY samples (paging or EFER may change under the
 * same selector).  "info registers" holds QEMU's big lock much longer (it
 * formats every register, FPU and SSE included): asked at every tick,
 * Linux's fast PIT calibration failed in 3 of 3 boots (its PIT reads wait
 * for the lock); with the two "p" per tick in 2 of 10 (Python client) and
 * 5 of 6 (bench/sample-methods), against 0 without a debugger.
 */
#define MON_MAX_TICKS 2          /* ticks in flight at most */
#define MON_REFRESH_EVERY 512
#define MON_PENDING 64

enum mon_answer { ANS_PC, ANS_CS, ANS_REGS };

struct mon_state {
	unsigned char expect[256];   /* answers awaited, in order (a ring) */
	unsigned head, tail;
	uint64_t pc;                 /* the tick whose "p $cs" is awaited */
	struct { uint64_t pc; uint16_t cs; } pending[MON_PENDING];
	size_t npending;             /* samples waiting for "info registers" */
	bool want_regs, regs_asked;
	unsigned long since_regs;
	struct x86_cpu_state last;   /* the last "info registers" */
	bool have_last;
	unsigned long regs_reads;
};

static unsigned mon_ticks_out(const struct mon_state *m)
{
	unsigned n = 0, i;

	for (i = m->head; i != m->tail; i = (i + 1) % sizeof m->expect)
		n += m->expect[i] == ANS_CS;
	return n;
}

static int mon_ask(struct sampler *s, const char *cmd, enum mon_answer a,
		   struct kit_err *err)
{
	struct mon_state *m = s->ms;

	if ((m->tail + 1) % sizeof m->expect == m->head)
		return kit_seterr(err, EOVERFLOW, "QEMU monitor %s: too many "
				  "questions unanswered", s->mon.spec);
	if (gc_hmp_send(&s->mon, cmd, err) < 0)
		return -1;
	m->expect[m->tail] = (unsigned char)a;
	m->tail = (m->tail + 1) % sizeof m->expect;
	s->monitor_calls++;
	return 0;
}

/* What "info registers" said: the CS cache for its selector, then the
 * samples that waited for it (a selector still unknown: flat). */
static int mon_regs(struct sampler *s, const struct x86_cpu_state *st,
		    struct kit_err *err)
{
	struct mon_state *m = s->ms;
	size_t i;

	cs_mode(s, st->cr0, st->efer);
	cs_remember(s, &st->segs.cs);
	m->last = *st;
	m->have_last = true;
	m->regs_reads++;
	for (i = 0; i < m->npending; i++)
		if (attribute_linear(s, m->pending[i].pc, m->pending[i].cs, st,
				     cs_cached(s, m->pending[i].cs), err) < 0)
			return -1;
	m->npending = 0;
	return 0;
}

/* The value an HMP "print" answered: the last line ("0xfffffff0", or "0"),
 * after the echo of the command. */
static bool hmp_value(const char *text, uint64_t *v)
{
	const char *end = text + strlen(text), *line;
	char *stop;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (line = end; line > text && line[-1] != '\n'; line--)
		;
	/* "%#lx": 0 prints as "0" */
	if (end - line == 1 && line[0] == '0') {
		*v = 0;
		return true;
	}
	if (end - line < 3 || line[0] != '0' || line[1] != 'x')
		return false;
	*v = strtoull(line, &stop, 16);
	return stop == end;
}

/* Take the monitor's answers read so far.  0, or -1 with err filled. */
static int monitor_replies(struct sampler *s, struct kit_err *err)
{
	struct mon_state *m = s->ms;
	char *text;
	int rc;

	while ((rc = gc_hmp_take(&s->mon, &text, err)) == 1) {
		enum mon_answer a;
		struct x86_cpu_state st;
		uint64_t v = 0;
		bool good;

		if (m->head == m->tail) {
			free(text);   /* not ours: nothing asked */
			continue;
		}
		a = (enum mon_answer)m->expect[m->head];
		m->head = (m->head + 1) % sizeof m->expect;
		good = a == ANS_REGS ? x86_parse_cpu_state(text, &st) == 0
				     : hmp_value(text, &v);
		if (!good) {
			char *nl, *line = text, q[120];

			/* the first line is our command, echoed */
			if ((nl = strchr(line, '\n')) && nl[1])
				line = nl + 1;
			line[strcspn(line, "\r\n")] = '\0';

			kit_seterr(err, EPROTO, "QEMU monitor %s: %s gave no %s: '%s'",
				   s->mon.spec, a == ANS_REGS ? "info registers" :
				   a == ANS_PC ? "p $pc" : "p $cs",
				   a == ANS_REGS ? "CPU state" : "value",
				   rsp_quote(q, sizeof q, line, strlen(line), 80));
			free(text);
			return -1;
		}
		free(text);
		if (a == ANS_PC) {
			m->pc = v;
		} else if (a == ANS_CS) {
			const struct x86_seg *seg = m->have_last ?
						    cs_cached(s, (uint16_t)v) : NULL;

			if (seg && m->since_regs < MON_REFRESH_EVERY) {
				m->since_regs++;
				if (attribute_linear(s, m->pc, (uint16_t)v, &m->last,
						     seg, err) < 0)
					return -1;
			} else if (m->npending < MON_PENDING) {
				m->pending[m->npending].pc = m->pc;
				m->pending[m->npending].cs = (uint16_t)v;
				m->npending++;
				m->want_regs = true;
			} else {
				s->pace.missed++;   /* cannot happen: regs come first */
			}
		} else {
			m->regs_asked = false;
			m->since_regs = 0;
			if (mon_regs(s, &st, err) < 0)
				return -1;
		}
	}
	return rc;
}

/* One tick: "p $pc", "p $cs", and "info registers" when wanted. */
static int monitor_tick(struct sampler *s, struct kit_err *err)
{
	struct mon_state *m = s->ms;

	if (mon_ticks_out(m) >= MON_MAX_TICKS) {
		s->pace.missed++;   /* QEMU is behind: skip this tick */
		return 0;
	}
	if (mon_ask(s, "p $pc", ANS_PC, err) < 0 ||
	    mon_ask(s, "p $cs", ANS_CS, err) < 0)
		return -1;
	if ((m->want_regs || !m->have_last) && !m->regs_asked) {
		if (mon_ask(s, "info registers", ANS_REGS, err) < 0)
			return -1;
		m->regs_asked = true;
		m->want_regs = false;
	}
	return 0;
}

/*
 * Sample through QEMU's human monitor (--method=monitor): at each tick
 * "p $pc" and "p $cs" (monitor_tick()), answered by QEMU's main loop while
 * the vCPU runs on.
 * The gdbstub connection only resumed the guest and says when it ends.
 * Under TCG the state QEMU prints is where the vCPU last left generated
 * code or took a jump it could not chain (docs/gdbstub-client.md).
 */
static int run_monitor(struct sampler *s)
{
	struct kit_err e;
	struct gc_event ev;
	int64_t t_start, t_last, t_now;
	bool gone = false;

	gc_pace_init(&s->pace, s->o.hz);
	if (!(s->ms = calloc(1, sizeof *s->ms)))
		return error("out of memory");
	if (gc_continue(s->t, &e) < 0)
		return error("cannot resume the guest: %s", e.msg);
	t_start = t_last = now_ns();
	for (;;) {
		int64_t left = t_last + gc_pace_wait(&s->pace) - now_ns();
		struct pollfd pf[3];
		struct timespec ts;
		int n;

		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		pf[0].fd = s->mon.fd;
		pf[0].events = POLLIN;
		pf[1].fd = s->t->c->fd;
		pf[1].events = POLLIN;
		pf[2].fd = sig_pipe[0];
		pf[2].events = POLLIN;
		pf[0].revents = pf[1].revents = pf[2].revents = 0;
		n = s->t->c->rpos < s->t->c->rlen ? 1 : ppoll(pf, 3, &ts, NULL);
		if (n < 0 && errno != EINTR) {
			set_reason(s, "error: poll: %s", strerror(errno));
			break;
		}
		if (got_signal) {
			set_reason(s, "interrupted (%s)", got_signal == SIGINT ? "SIGINT" :
				   got_signal == SIGTERM ? "SIGTERM" : "signal");
			break;
		}
		if (n > 0 && (pf[0].revents || s->mon.len)) {
			if (gc_hmp_fill(&s->mon, &e) < 0 || monitor_replies(s, &e) < 0) {
				set_reason(s, "error: %s", e.msg);
				error("while sampling: %s", e.msg);
				break;
			}
		}
		if (n > 0 && (pf[1].revents || s->t->c->rpos < s->t->c->rlen)) {
			/* the stub speaks only when the guest stops: it ended, or
			 * something else stopped it (then it goes on) */
			if (gc_wait(s->t, 2000, &ev, &e) < 0) {
				memset(&ev, 0, sizeof ev);
				ev.kind = GC_EV_CLOSED;
			}
			if (ev.kind == GC_EV_EXITED || ev.kind == GC_EV_KILLED ||
			    ev.kind == GC_EV_CLOSED) {
				gone = true;
				ended(s, &ev);
				break;
			}
			if (ev.kind != GC_EV_TIMEOUT && gc_continue(s->t, &e) < 0) {
				set_reason(s, "error: cannot resume the guest: %s", e.msg);
				break;
			}
		}
		if (s->mon.eof) {
			/* QEMU quit; the stub's W, if any, is read below */
			if (gc_wait(s->t, 2000, &ev, &e) < 0 || ev.kind == GC_EV_TIMEOUT) {
				memset(&ev, 0, sizeof ev);
				ev.kind = GC_EV_CLOSED;
			}
			gone = true;
			ended(s, &ev);
			break;
		}
		t_now = now_ns();
		if (s->o.duration_s > 0 &&
		    t_now - t_start >= (int64_t)(s->o.duration_s * 1e9)) {
			s->complete = true;
			break;
		}
		if (t_now - t_last < gc_pace_wait(&s->pace))
			continue;
		gc_pace_ran(&s->pace, t_now - t_last);
		t_last = t_now;
		if (monitor_tick(s, &e) < 0) {
			if (s->mon.eof || e.code == EPIPE || e.code == ECONNRESET)
				continue;   /* QEMU is quitting: the next poll says */
			set_reason(s, "error: %s", e.msg);
			error("while sampling: %s", e.msg);
			break;
		}
	}
	t_now = now_ns();
	s->wall_ns = t_now - t_start;
	/* never held: the guest's running time is the wall time */
	s->pace.run_ns += t_now - t_last;
	s->run_lo_ns = s->run_hi_ns = s->pace.run_ns;
	if (gone) {
		s->complete = s->o.until_exit && s->exited_normally;
	} else {
		/* replies still on their way are dropped; the guest is
		 * stopped for the detach, which lets it run on */
		gc_interrupt(s->t);
		if (gc_wait(s->t, 2000, &ev, &e) < 0 || ev.kind == GC_EV_TIMEOUT)
			warning("the guest did not stop for the detach");
		else if (ev.kind != GC_EV_EXITED && ev.kind != GC_EV_KILLED &&
			 ev.kind != GC_EV_CLOSED && gc_detach(s->t, &e) < 0)
			warning("cannot detach: %s", e.msg);
	}
	if (!s->complete && !s->reason[0])
		set_reason(s, "stopped early");
	return 0;
}

/* Buckets merged over callers: the self time of each place, for the top
 * table and the JSON.  *out is malloc'ed (sorted by count). */
static int cmp_bucket(const void *a, const void *b);
static int merge_callers(const struct sampler *s, struct bucket **out, size_t *nout)
{
	struct bucket *m = malloc((s->nb ? s->nb : 1) * sizeof *m);
	size_t i, j, n = 0;

	if (!m)
		return -1;
	for (i = 0; i < s->nb; i++) {
		const struct bucket *b = &s->b[i];

		for (j = 0; j < n; j++)
			if (m[j].mode == b->mode && m[j].region == b->region &&
			    m[j].symbol == b->symbol && m[j].sym_addr == b->sym_addr)
				break;
		if (j == n) {
			m[n] = *b;
			m[n++].caller = NULL;
			continue;
		}
		m[j].count += b->count;
		if (b->lo < m[j].lo)
			m[j].lo = b->lo;
		if (b->hi > m[j].hi)
			m[j].hi = b->hi;
	}
	qsort(m, n, sizeof *m, cmp_bucket);
	*out = m;
	*nout = n;
	return 0;
}

static int cmp_bucket(const void *a, const void *b)
{
	const struct bucket *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->region != y->region)
		return (int)x->region - (int)y->region;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (int)x->mode - (int)y->mode;
}

/* The name shown for a bucket: its symbol, else region and addresses. */
static void place(const struct bucket *b, char *buf, size_t len)
{
	if (b->symbol)
		snprintf(buf, len, "%s", b->symbol);
	else if (b->lo == b->hi)
		snprintf(buf, len, "[%s] 0x%llx", gc_region_name(b->region),
			 (unsigned long long)b->lo);
	else
		snprintf(buf, len, "[%s] 0x%llx-0x%llx", gc_region_name(b->region),
			 (unsigned long long)b->lo, (unsigned long long)b->hi);
}

static void print_report(struct sampler *s, const struct bucket *m, size_t nm,
			 int64_t med, int64_t p95)
{
	size_t i, n = nm < s->o.top ? nm : s->o.top;
	double guest_s = (double)s->pace.run_ns / 1e9;

	if (!s->complete)
		printf("INCOMPLETE: %s\n", s->reason);
	if (s->via_monitor) {
		printf("sample: %lld samples at %g Hz in %.3f s (wall, the guest "
		       "never stopped); read through the QEMU monitor %s: %lu "
		       "commands (%lu info registers), %llu ticks skipped while "
		       "QEMU was behind\n",
		       (long long)s->nsamples, s->o.hz, (double)s->wall_ns / 1e9,
		       s->mon.spec, s->monitor_calls, s->ms ? s->ms->regs_reads : 0,
		       (unsigned long long)s->pace.missed);
	} else if (s->pipelined) {
		printf("sample: %lld samples at %g Hz in %.3f s of guest running time "
		       "(%.3f s wall); pipelined: one write per sample, the client "
		       "holds the guest 0 us (its work, %.0f us per sample, is done "
		       "while the guest runs), QEMU holds it %.0f us per sample "
		       "(median of %zu measured); %lu samples the slow way; "
		       "%llu ticks skipped; %lu monitor calls\n",
		       (long long)s->nsamples, s->o.hz, guest_s, (double)s->wall_ns / 1e9,
		       s->nstops ? (double)s->work_ns / (double)s->nstops / 1e3 : 0.0,
		       (double)hold_estimate(s) / 1e3, s->nholds, s->sync_stops,
		       (unsigned long long)s->pace.missed, s->monitor_calls);
	} else {
		printf("sample: %lld samples at %g Hz in %.3f s of guest running time "
		       "(%.3f-%.3f by when each stop took effect; %.3f s wall); "
		       "client %.0f us per sample (median), %.0f us p95; "
		       "%llu ticks skipped; %lu monitor calls, %lu stack reads\n",
		       (long long)s->nsamples, s->o.hz, guest_s, (double)s->run_lo_ns / 1e9,
		       (double)s->run_hi_ns / 1e9, (double)s->wall_ns / 1e9,
		       (double)med / 1e3, (double)p95 / 1e3,
		       (unsigned long long)s->pace.missed, s->monitor_calls, s->stack_reads);
	}
	printf("%4s %7s %8s  %-48s %s\n", "rank", "percent", "samples",
	       "symbol/region", "mode");
	for (i = 0; i < n; i++) {
		const struct bucket *b = &m[i];
		char name[256];

		place(b, name, sizeof name);
		printf("%4zu %6.2f%% %8lld  %-48s %s\n", i + 1,
		       s->nsamples ? 100.0 * (double)b->count / (double)s->nsamples : 0.0,
		       (long long)b->count, name, gc_sample_mode_id(b->mode));
	}
	if (nm > n)
		printf("(%zu more)\n", nm - n);
	if (!s->complete)
		printf("INCOMPLETE: %s\n", s->reason);
}

/* The folded stacks (flamegraph.pl); names come from the kernel image and
 * are written as folded.c writes frames. */
static int folded_to(FILE *f, const void *arg, struct kit_err *err)
{
	const struct sampler *s = arg;
	size_t i;

	(void)err;
	for (i = 0; i < s->nb; i++) {
		const struct bucket *b = &s->b[i];

		fprintf(f, "%s;%s;", gc_sample_mode_id(b->mode),
			gc_region_name(b->region));
		if (b->symbol && b->caller) {
			prof_folded_frame(f, b->caller);
			fputc(';', f);
			prof_folded_frame(f, b->symbol);
		} else if (b->symbol) {
			prof_folded_frame(f, b->symbol);
		} else if (b->lo == b->hi) {
			fprintf(f, "0x%llx", (unsigned long long)b->lo);
		} else {
			fputs(gc_region_name(b->region), f);
		}
		fprintf(f, " %lld\n", (long long)b->count);
	}
	return 0;
}

/* Whole or not at all, every write checked (prof_write_file). */
static int write_folded(struct sampler *s, const char *path)
{
	struct kit_err e;

	if (prof_write_file(path, folded_to, s, NULL, &e) < 0)
		return error("%s", e.msg);
	return 0;
}

static int write_json(struct sampler *s, const struct bucket *m, size_t nm,
		      const char *path)
{
	struct prof_profile *p = prof_new();
	struct kit_err e;
	struct utsname u;
	char host[128], when[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int rc = -1;

	if (!p)
		return error("out of memory");
	p->complete = s->complete;
	p->end_ns = s->pace.run_ns;
	p->samples.rate_hz = s->o.hz;
	snprintf(host, sizeof host, "%s, %ld cpus",
		 uname(&u) == 0 ? u.sysname : "unknown", sysconf(_SC_NPROCESSORS_ONLN));
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((!s->complete && prof_set_incomplete(p, s->reason, &e)) ||
	    prof_set_str(&p->end, s->o.until_exit ? "exit" : "duration", &e) ||
	    prof_set_str(&p->env.kernel, s->o.kernel, &e) ||
	    prof_set_str(&p->env.kernel_version,
			 s->syms && s->syms->version[0] ? s->syms->version : NULL, &e) ||
	    prof_set_str(&p->env.accel, s->have_sess && s->sess.accel_active[0] ?
			 s->sess.accel_active : NULL, &e) ||
	    prof_set_str(&p->env.host, host, &e) ||
	    prof_set_str(&p->env.recorded_at, when, &e) ||
	    prof_set_str(&p->env.tool, "gdbstub-client sample", &e) ||
	    prof_set_str(&p->samples.method, s->via_monitor ? "monitor" : "stop", &e))
		goto out;
	for (i = 0; i < nm; i++) {
		const struct bucket *b = &m[i];

		if (prof_add_sample_mode(p, gc_region_name(b->region), b->symbol,
					 gc_sample_mode_id(b->mode), b->count, &e))
			goto out;
	}
	for (i = 0; i < s->nstops; i++)
		if (prof_add_stop(p, PROF_STOP_INTERRUPT, s->stops[i].reported_ns,
				  s->stops[i].resumed_ns, &e))
			goto out;
	prof_stops_summarize(&p->stops);
	if (prof_save(p, path, &e))
		goto out;
	rc = 0;
out:
	if (rc)
		error("%s", e.msg);
	prof_free(p);
	return rc;
}

static void install_signals(void)
{
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die_errno("cannot create a pipe");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * --method=monitor: the human monitor named by --monitor, or the
 * qemu-wrapper session's.  Interrupt stops stay the default: a stop
 * freezes the guest's clocks, so the guest cannot tell it was sampled,
 * while the monitor's answers take QEMU's big lock with the guest's clocks
 * running (docs/gdbstub-client.md, "sample").
 */
static void choose_method(struct sampler *s, int timeout_s)
{
	const char *spec = s->o.monitor;
	struct kit_err e;

	if (s->o.method != METHOD_MONITOR)
		return;
	if (!spec && s->have_sess && s->sess.monitor[0])
		spec = s->sess.monitor;
	if (!spec) {
		set_die_status(2);
		die("--method=monitor needs QEMU's human monitor: --monitor unix:PATH "
		    "(qemu -monitor unix:PATH,server=on,wait=off), or a qemu-wrapper "
		    "session, which has one");
	}
	/* QEMU prompts at once; a monitor with another client on it takes
	 * the connection and says nothing until that one leaves: 2 s at most */
	if (gc_hmp_open(&s->mon, spec, timeout_s < 2 ? timeout_s * 1000 : 2000, &e) < 0)
		die("%s", e.msg);
	s->via_monitor = true;
}

int gc_sample_main(int argc, char **argv)
{
	struct sampler s;
	struct kit_err e;
	int timeout_s = 30, status;
	int64_t med = 0, p95 = 0, *tmp;
	struct bucket *merged = NULL;
	size_t nmerged = 0;

	memset(&s, 0, sizeof s);
	s.mon.fd = -1;
	parse_opts(argc, argv, &s.o, &timeout_s);
	if (!s.o.endpoint)
		find_session(&s, timeout_s);
	s.trace = getenv("GDBSTUB_SAMPLE_TRACE") && *getenv("GDBSTUB_SAMPLE_TRACE") &&
		  strcmp(getenv("GDBSTUB_SAMPLE_TRACE"), "0");
	install_signals();
	load_symbols(&s);
	/* sub-millisecond sleeps: the default 50 us slack is 5 % at 1 kHz */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (got_signal)   /* Ctrl-C while the symbols loaded: leave the guest be */
		die("interrupted before attaching");
	/* the monitor first: attaching stops the guest */
	choose_method(&s, timeout_s);
	s.t = gc_target_open(s.o.endpoint, timeout_s * 1000, &e);
	if (!s.t)
		die("cannot attach to '%s': %s", s.o.endpoint, e.msg);
	s.t->syms = s.syms;
	s.t->c->wake_fd = -1;
	fprintf(stderr, "sample: attached to %s%s; %g Hz, %s; %s\n", s.o.endpoint,
		s.have_sess && s.sess.hold ? " (held at the reset vector)" : "",
		s.o.hz, s.o.until_exit ? "until the guest exits" : "for a duration",
		s.via_monitor ? "reading the CPU state through the QEMU monitor, "
				"the guest is not stopped" :
				"an interrupt stop per sample");
	if (s.via_monitor)
		run_monitor(&s);
	else
		run(&s);
	gc_hmp_close(&s.mon);
	gc_target_close(s.t);
	s.t = NULL;

	if (s.nstops && (tmp = malloc(s.nstops * sizeof *tmp))) {
		memcpy(tmp, s.client_ns, s.nstops * sizeof *tmp);
		med = gc_sample_percentile(tmp, s.nstops, 50);
		p95 = gc_sample_percentile(tmp, s.nstops, 95);
		free(tmp);
	}
	/* no sample at all (an early error) leaves s.b NULL: qsort's
	 * arguments must not be NULL, whatever the count */
	if (s.nb)
		qsort(s.b, s.nb, sizeof *s.b, cmp_bucket);
	if (merge_callers(&s, &merged, &nmerged) < 0)
		die("out of memory");
	print_report(&s, merged, nmerged, med, p95);
	fflush(stdout);
	status = s.complete ? 0 : 1;
	if (s.o.folded && write_folded(&s, s.o.folded) < 0)
		status = 1;
	if (s.o.json && write_json(&s, merged, nmerged, s.o.json) < 0)
		status = 1;
	free(merged);
	free(s.b);
	free(s.stops);
	free(s.client_ns);
	free(s.ms);
	rsp_buf_free(&s.batch);
	ksym_free(s.syms);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	return status;
}
