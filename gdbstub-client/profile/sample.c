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
 *   --callers adds the call stack of each kernel sample, unwound as the
 *   kernel's own unwinder does from the image's ORC tables (linux/
 *   unwind.c; the stack read in 4 KiB pieces, one round trip each while
 *   the guest waits), so the folded output is a flame graph of the boot;
 *   --sync takes every sample the slow way below (for comparison).
 *   GDBSTUB_SAMPLE_TRACE=1 prints one line per sample on stderr: how long
 *   the client waited, the guest ran, the stop took to come, the read took.
 *
 * Files: sample.c (the command, the CS cache, the buckets and the report:
 * the table and folded stacks are written by report/folded.c),
 * sample-attr.c (regions and pacing), sample-tick.c (one pipelined sample),
 * sample-stop.c (the stop method), sample-monitor.c (--method=monitor).
 *
 * How it works
 *   Pipelined (the default): each sample is one write, 0x03, a 'p' for
 *   each of rip, cs, eflags, cr0 and efer, and "$vCont;c#a8", and the
 *   client goes back to sleep.  QEMU handles the bytes in order: 0x03
 *   stops the guest, the 'p's are answered while it is stopped, the resume
 *   starts it again; the client reads those replies at the next tick,
 *   while the guest runs.  So the client never holds the guest: a sample
 *   costs QEMU's own stop and resume (about 0.1 ms here) and nothing
 *   more.  One sample in SAMPLE_MEASURE_EVERY
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
#include "sample-internal.h"
#include "clock.h"
#include "opts.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int sample_sig_pipe[2] = { -1, -1 };
volatile sig_atomic_t sample_got_signal;

static void on_signal(int signo)
{
	int saved = errno;
	char c = (char)signo;

	sample_got_signal = signo;
	if (write(sample_sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a signal is already pending */
	}
	errno = saved;
}


static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: gdbstub-client sample [--latest | --wait | HOST:PORT | unix:PATH]\n"
		"                             [--kernel FILE] [--hz N] [--duration SEC | --until-exit]\n"
		"                             [-o FILE.json] [--top N] [--folded FILE|-] [--timeout SEC]\n"
		"                             [--callers] [--sync]\n"
		"                             [--method=stop|monitor] [--monitor unix:PATH|HOST:PORT]\n");
	if (!status)
		kit_help_done();
	exit(status);
}

/* Options that only set a flag or a string; false for the others. */
static bool simple_opt(int c, struct opts *o)
{
	switch (c) {
	case 'h': usage(0); break;
	case 'V': kit_print_version("gdbstub-client"); break;
	case 'L': o->wait = false; break;
	case 'W': o->wait = true; break;
	case 'k': o->kernel = optarg; break;
	case 'o': o->json = optarg; break;
	case 'F': o->folded = optarg; break;
	case 'c': o->callers = true; break;
	case 's': o->sync = true; break;
	case 'M': o->monitor = optarg; break;
	case 'U':
		o->until_exit = true;
		o->duration_s = 0;
		break;
	default: return false;
	}
	return true;
}

static const struct option sample_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "latest", no_argument, NULL, 'L' },
	{ "wait", no_argument, NULL, 'W' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "hz", required_argument, NULL, 'z' },
	{ "duration", required_argument, NULL, 'd' },
	{ "until-exit", no_argument, NULL, 'U' },
	{ "top", required_argument, NULL, 't' },
	{ "folded", required_argument, NULL, 'F' },
	{ "callers", no_argument, NULL, 'c' },
	{ "sync", no_argument, NULL, 's' },
	{ "method", required_argument, NULL, 'm' },
	{ "monitor", required_argument, NULL, 'M' },
	{ "timeout", required_argument, NULL, 'T' },
	{ NULL, 0, NULL, 0 },
};

/* An option getopt_long() refused: name it as the user wrote it. */
static void __attribute__((noreturn)) bad_opt(int c, char **argv)
{
	const char *a = argv[optind - 1];

	if (c == ':')
		die_usage("option '%s' needs a value (see 'sample --help')", a);
	if (optopt && (a[0] != '-' || a[1] == '-'))
		die_usage("unknown option '-%c' (see 'sample --help')", optopt);
	die_usage("unknown option '%s' (see 'sample --help')", a);
}

static void parse_opts(int argc, char **argv, struct opts *o, int *timeout_s)
{
	bool method_set = false;
	int c;

	memset(o, 0, sizeof *o);
	o->hz = 1000;
	o->top = 20;
	o->until_exit = true;
	opterr = 0;   /* our own messages, in the kit's form */
	optind = 0;   /* from the start, whatever parsed argv before */
	while ((c = getopt_long(argc, argv, ":ho:", sample_longopts, NULL)) != -1) {
		if (simple_opt(c, o))
			continue;
		switch (c) {
		case 'z':
			o->hz = kit_opt_double_or_die("--hz", optarg, 1, 100000);
			break;
		case 'd':
			o->duration_s = kit_opt_double_or_die("--duration", optarg,
							      0.001, 1e9);
			o->until_exit = false;
			break;
		case 't':
			o->top = (size_t)kit_opt_long_or_die("--top", optarg, 1,
							     LONG_MAX);
			break;
		case 'T':
			/* seconds, used as int milliseconds */
			*timeout_s = (int)kit_opt_long_or_die("--timeout", optarg,
							      1, INT_MAX / 1000);
			break;
		case 'm':
			if (!strcmp(optarg, "stop"))
				o->method = METHOD_STOP;
			else if (!strcmp(optarg, "monitor"))
				o->method = METHOD_MONITOR;
			else
				die_usage("--method: '%s' is not 'stop' or 'monitor'", optarg);
			method_set = true;
			break;
		default:
			bad_opt(c, argv);
		}
	}
	if (optind < argc)
		o->endpoint = argv[optind++];
	if (optind < argc)
		die_usage("more than one endpoint: '%s' and '%s'", o->endpoint,
			  argv[optind]);
	/* naming a monitor asks for it, unless --method=stop says otherwise */
	if (o->monitor && !method_set)
		o->method = METHOD_MONITOR;
	if (o->method == METHOD_MONITOR && (o->callers || o->sync))
		die_usage("--method=monitor reads no stack and has no --sync: it "
			  "never stops the guest (use --method=stop)");
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

/* Time by process: the task layout from the image's BTF (quietly none
 * without BTF; the monitor method reads no memory). */
static bool want_procs(const struct sampler *s)
{
	return s->o.kernel && s->syms && s->o.method != METHOD_MONITOR &&
	       ksym_addr(s->syms, "__start_BTF");
}

static void load_procs(struct sampler *s, const struct ksym_btf *b)
{
	struct gc_procs_layout l;
	struct kit_err e = { 0 };

	if (want_procs(s) && b && gc_procs_layout(s->syms, b, &l, &e) == 0) {
		gc_procs_init(&s->procs, &l, (int64_t)(1e9 / s->o.hz));
		s->procs_on = true;
	}
}

/* --callers: the image's ORC tables, and struct orc_entry's and pt_regs'
 * layouts from its BTF (b; NULL: btf_err says why).  Without them (an
 * image without ORC tables or BTF, or not a Linux kernel) a stack scan
 * gives one probable caller, as said. */
static void load_unwinder(struct sampler *s, const struct ksym_btf *b,
			  const struct kit_err *btf_err)
{
	struct kit_err e = { 0 };

	if (!s->o.callers)
		return;
	if (!s->o.kernel || !s->syms)
		die("--callers needs the kernel image (--kernel FILE)");
	if ((s->orc = ksym_orc_open(s->o.kernel, &e))) {
		if (!b)
			e = *btf_err;
		else if (lx_unwind_layout_btf(b, &s->ul, &e) == 0)
			return;
	}
	ksym_orc_free(s->orc);
	s->orc = NULL;
	warning("--callers: no call stacks from '%s' (%s): each kernel sample gets "
		"the probable caller from a stack scan", s->o.kernel, e.msg);
}

/* The CS descriptor cache (both methods): CS selector -> descriptor from
 * "info registers".  The cached descriptor of sel, or NULL. */
const struct x86_seg *sample_cs_cached(const struct sampler *s, uint16_t sel)
{
	size_t i;

	for (i = 0; i < s->ncs; i++)
		if (s->cs_cache[i].sel == sel)
			return &s->cs_cache[i].seg;
	return NULL;
}

void sample_cs_remember(struct sampler *s, const struct x86_seg *seg)
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
void sample_cs_mode(struct sampler *s, uint64_t cr0, uint64_t efer)
{
	uint64_t pe_lma = (cr0 & X86_CR0_PE) | (efer & X86_EFER_LMA);

	if (pe_lma != s->last_pe_lma)
		s->ncs = 0;
	s->last_pe_lma = pe_lma;
}

const struct stack *sample_stack(struct sampler *s, const char **f, size_t n)
{
	struct stack *k;
	size_t i;

	for (i = 0; i < s->nstacks; i++)
		if (s->stacks[i]->n == n && !memcmp(s->stacks[i]->f, f, n * sizeof *f))
			return s->stacks[i];
	if (s->nstacks == s->capstacks) {
		size_t cap = s->capstacks ? 2 * s->capstacks : 64;
		struct stack **v = realloc(s->stacks, cap * sizeof *v);

		if (!v)
			return NULL;
		s->stacks = v;
		s->capstacks = cap;
	}
	if (!(k = malloc(sizeof *k)) || !(k->f = malloc((n ? n : 1) * sizeof *f))) {
		free(k);
		return NULL;
	}
	memcpy(k->f, f, n * sizeof *f);
	k->n = n;
	s->stacks[s->nstacks++] = k;
	return k;
}

static void stacks_free(struct sampler *s)
{
	size_t i;

	for (i = 0; i < s->nstacks; i++) {
		free(s->stacks[i]->f);
		free(s->stacks[i]);
	}
	free(s->stacks);
}

int sample_add_bucket(struct sampler *s, enum x86_mode mode,
		      const struct gc_where *w, const struct stack *caller, uint64_t addr)
{
	struct bucket *b;
	size_t i;

	for (i = 0; i < s->nb; i++) {
		b = &s->b[i];
		if (b->mode == mode && b->region == w->region &&
		    b->symbol == w->symbol && b->sym_addr == w->sym_addr &&
		    b->callers == caller && b->cpu == s->cur_cpu) {
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
	b->callers = caller;
	b->cpu = s->cur_cpu;
	b->lo = b->hi = addr;
	b->count = 1;
	return 0;
}

/* A sample read through the monitor: its linear pc ("p $pc" is rip plus
 * CS base) and CS selector; the mode from the control registers of the
 * last "info registers" (st) and the selector's descriptor (NULL when not
 * known: flat). */
int sample_attribute_linear(struct sampler *s, uint64_t pc, uint16_t cs,
			    const struct x86_cpu_state *st,
			    const struct x86_seg *seg, struct kit_err *err)
{
	enum x86_mode mode = x86_mode_derive(st->cr0, st->efer, st->eflags, seg);
	unsigned cpl = x86_mode_is_segmented(mode) ? (mode == X86_MODE_V86 ? 3 : 0)
						   : (unsigned)(cs & 3);
	struct gc_where w;

	gc_sample_attribute(&s->layout, s->syms, pc, mode,
			    (st->cr0 & X86_CR0_PG) != 0, cpl, &w);
	if (sample_add_bucket(s, mode, &w, NULL, pc) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	s->nsamples++;
	return 0;
}

void sample_interrupted(struct sampler *s)
{
	sample_set_reason(s, "interrupted (%s)", sample_got_signal == SIGINT ? "SIGINT" :
			  sample_got_signal == SIGTERM ? "SIGTERM" : "signal");
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

void sample_set_reason(struct sampler *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof s->reason, fmt, ap);
	va_end(ap);
}

/* The guest ended (W, X or a closed connection): say how. */
void sample_ended(struct sampler *s, const struct gc_event *ev)
{
	if (ev->kind == GC_EV_EXITED) {
		s->exited_normally = true;
		sample_set_reason(s, "guest exited (status %d)", ev->exit_status);
	} else if (ev->kind == GC_EV_KILLED) {
		sample_set_reason(s, "guest killed (signal %d)", ev->signo);
	} else if (qemu_gone(s)) {
		s->exited_normally = true;
		sample_set_reason(s, "guest exited (qemu ended)");
	} else {
		sample_set_reason(s, "connection dropped");
	}
}

/* Buckets merged over callers: the self time of each place, for the top
 * table and the JSON; by_cpu keeps a bucket per place and CPU.  *out is
 * malloc'ed (sorted by count). */
static int cmp_bucket(const void *a, const void *b);
static int merge_callers(const struct sampler *s, bool by_cpu, struct bucket **out,
			 size_t *nout)
{
	struct bucket *m = malloc((s->nb ? s->nb : 1) * sizeof *m);
	size_t i, j, n = 0;

	if (!m)
		return -1;
	for (i = 0; i < s->nb; i++) {
		const struct bucket *b = &s->b[i];

		for (j = 0; j < n; j++)
			if (m[j].mode == b->mode && m[j].region == b->region &&
			    m[j].symbol == b->symbol && m[j].sym_addr == b->sym_addr &&
			    (!by_cpu || m[j].cpu == b->cpu))
				break;
		if (j == n) {
			m[n] = *b;
			m[n++].callers = NULL;
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

/* The report module's view of a bucket. */
static void bucket_row(const struct bucket *b, struct prof_sample_row *r)
{
	memset(r, 0, sizeof *r);
	r->mode = gc_sample_mode_id(b->mode);
	r->region = gc_region_name(b->region);
	r->symbol = b->symbol;
	r->callers = b->callers ? b->callers->f : NULL;
	r->ncallers = b->callers ? b->callers->n : 0;
	r->lo = b->lo;
	r->hi = b->hi;
	r->have_addr = 1;
	r->count = b->count;
}

static void print_summary(struct sampler *s, int64_t med, int64_t p95)
{
	double guest_s = (double)s->pace.run_ns / 1e9;

	if (s->via_monitor) {
		printf("sample: %lld samples at %g Hz in %.3f s (wall, the guest "
		       "never stopped); read through the QEMU monitor %s: %lu "
		       "commands (%lu info registers), %llu ticks skipped while "
		       "QEMU was behind\n",
		       (long long)s->nsamples, s->o.hz, (double)s->wall_ns / 1e9,
		       s->mon.spec, s->monitor_calls, sample_monitor_regs_reads(s),
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
		       (double)sample_hold_estimate(s) / 1e3, s->nholds, s->sync_stops,
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
}

/* The summary and the top table (prof_sample_table). */
static int by_proc_samples(const void *a, const void *b)
{
	const struct gc_proc *x = *(const struct gc_proc *const *)a;
	const struct gc_proc *y = *(const struct gc_proc *const *)b;

	return (x->samples < y->samples) - (x->samples > y->samples);
}

/* Time by process: the processes the samples ran in, most first. */
static void print_procs(const struct sampler *s)
{
	const struct gc_procs *p = &s->procs;
	const struct gc_proc **v;
	int64_t named = 0;
	size_t i, top = s->o.top < 10 ? s->o.top : 10;
	char c[80];

	if (!s->procs_on || !p->n || !(v = malloc(p->n * sizeof *v)))
		return;
	for (i = 0; i < p->n; i++) {
		v[i] = &p->v[i];
		named += p->v[i].samples;
	}
	qsort(v, p->n, sizeof *v, by_proc_samples);
	printf("By process: %lld samples named, %lld in no known process "
	       "(before the kernel, or its task unreadable)\n",
	       (long long)named, (long long)p->unnamed);
	printf("  %4s %7s %7s %5s  %-7s %s\n", "rank", "count", "%", "user", "pid", "process");
	for (i = 0; i < p->n && i < top; i++) {
		ksym_printable(v[i]->comm, c, sizeof c);
		printf("  %4zu %7lld %6.1f%% %4.0f%%  %-7d %s%s%s\n", i + 1,
		       (long long)v[i]->samples,
		       100.0 * (double)v[i]->samples / (double)(named + p->unnamed),
		       100.0 * (double)v[i]->user / (double)v[i]->samples, v[i]->pid,
		       v[i]->kthread ? "[" : "", c, v[i]->kthread ? "]" : "");
	}
	if (p->n > top)
		printf("  (%zu more)\n", p->n - top);
	free(v);
}

static void print_report(struct sampler *s, const struct bucket *m, size_t nm,
			 int64_t med, int64_t p95)
{
	struct prof_sample_row *rows = malloc((nm ? nm : 1) * sizeof *rows);
	size_t i;

	if (!rows)
		die("out of memory");
	for (i = 0; i < nm; i++)
		bucket_row(&m[i], &rows[i]);
	if (!s->complete)
		printf("INCOMPLETE: %s\n", s->reason);
	print_summary(s, med, p95);
	prof_sample_table(stdout, rows, nm, s->o.top, s->nsamples);
	print_procs(s);
	if (!s->complete)
		printf("INCOMPLETE: %s\n", s->reason);
	free(rows);
}

/* The folded stacks (flamegraph.pl), one line a bucket, callers kept. */
static int folded_to(FILE *f, const void *arg, struct kit_err *err)
{
	const struct sampler *s = arg;
	struct prof_sample_row r;
	size_t i;

	(void)err;
	for (i = 0; i < s->nb; i++) {
		bucket_row(&s->b[i], &r);
		prof_folded_sample(f, &r);
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

		if (prof_add_sample_cpu(p, gc_region_name(b->region), b->symbol,
					gc_sample_mode_id(b->mode),
					s->ncpu > 1 ? (int64_t)b->cpu : -1, b->count, &e))
			goto out;
	}
	if (s->procs_on && gc_procs_save(&s->procs, p, NULL, NULL, &e) < 0)
		goto out;
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

	if (pipe2(sample_sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
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
		die_usage("--method=monitor needs QEMU's human monitor: --monitor unix:PATH "
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
	struct ksym_btf *btf = NULL;
	struct kit_err e, btf_err = { 0 };
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
	/* the image's BTF, opened once for the unwinder and the tasks */
	if (s.o.kernel && s.syms && (s.o.callers || want_procs(&s)))
		btf = ksym_btf_open(s.o.kernel, &btf_err);
	load_unwinder(&s, btf, &btf_err);
	load_procs(&s, btf);
	ksym_btf_free(btf);
	/* sub-millisecond sleeps: the default 50 us slack is 5 % at 1 kHz */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (sample_got_signal)   /* Ctrl-C while the symbols loaded: leave the guest be */
		die("interrupted before attaching");
	/* the monitor first: attaching stops the guest */
	choose_method(&s, timeout_s);
	s.t = gc_target_open(s.o.endpoint, timeout_s * 1000, &e);
	if (!s.t)
		die("cannot attach to '%s': %s", s.o.endpoint, e.msg);
	s.t->syms = s.syms;
	rsp_set_wake_fd(s.t->c, -1);
	rsp_set_quickack(s.t->c, true);
	kit_say("sample", "attached to %s%s; %g Hz, %s; %s", s.o.endpoint,
		s.have_sess && s.sess.hold ? " (held at the reset vector)" : "",
		s.o.hz, s.o.until_exit ? "until the guest exits" : "for a duration",
		s.via_monitor ? "reading the CPU state through the QEMU monitor, "
				"the guest is not stopped" :
				"an interrupt stop per sample");
	if (s.via_monitor)
		sample_run_monitor(&s);
	else
		sample_run_stop(&s);
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
	if (merge_callers(&s, false, &merged, &nmerged) < 0)
		die("out of memory");
	if (s.procs_on)
		gc_procs_finish(&s.procs);
	print_report(&s, merged, nmerged, med, p95);
	fflush(stdout);
	status = s.complete ? 0 : 1;
	if (s.o.folded && write_folded(&s, s.o.folded) < 0)
		status = 1;
	if (s.o.json) {
		/* several vCPUs: a bucket per place and CPU */
		struct bucket *per = merged;
		size_t nper = nmerged;

		if (s.ncpu > 1 && merge_callers(&s, true, &per, &nper) < 0)
			die("out of memory");
		if (write_json(&s, per, nper, s.o.json) < 0)
			status = 1;
		if (per != merged)
			free(per);
	}
	free(merged);
	free(s.b);
	stacks_free(&s);
	ksym_orc_free(s.orc);
	gc_procs_free(&s.procs);
	free(s.stops);
	free(s.client_ns);
	sample_monitor_free(&s);
	rsp_batch_free(&s.batch);
	ksym_free(s.syms);
	close(sample_sig_pipe[0]);
	close(sample_sig_pipe[1]);
	return status;
}
