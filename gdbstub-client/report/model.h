/*
 * model.h: the boot profile data model (prof_*), its JSON form, and the
 * reports made from one or several profiles.
 *
 * A profile is what `gdbstub-client profile` records and `gdbstub-client
 * sample` adds to: the phases of one boot, every initcall, a summary of the
 * debugger's stops, optional statistical samples, optionally the kernel's
 * log messages, and the environment it ran in.  Its JSON form is documented field by field in docs/profile-schema.md
 * and checked by docs/profile-schema.json; PROF_SCHEMA_VERSION is the
 * "version" a file must carry.
 *
 * Timing model.  Times on the boot timeline are integer nanoseconds of guest
 * running time since the reset vector ("guest ns"): host CLOCK_MONOTONIC
 * between resumes and stops, with every interval in which the debugger held
 * the guest left out.  The one exception is the "qemu" phase (QEMU's start
 * to the first instruction), which ends at 0 and so starts at a negative
 * time.  Stop records are host CLOCK_MONOTONIC nanoseconds.
 *
 * Errors.  Every function that can fail takes a struct kit_err *err (may be
 * NULL), fills it and returns -1 (or NULL).  err->code is an errno value or
 * one of the PROF_E* codes below; err->msg is a lower-case sentence that
 * starts with the file name when there is one:
 *   ENOENT, EACCES ...  the file cannot be opened or read
 *   PROF_EJSON          the file is not JSON (msg has the line)
 *   PROF_EVERSION       "version" is missing or not one this build reads
 *   PROF_ESCHEMA        a field is missing or has the wrong type or value
 *                       (msg names it as a path, e.g. 'initcalls[3].fn')
 *   PROF_EUSAGE         a caller passed arguments that make no sense
 *                       (no profiles, runs of different boots ...)
 *   ENOMEM              out of memory
 *   ENOSPC, EIO, EPIPE ...  writing the output failed (the errno of the
 *                       failing write, flush, fsync or close)
 *
 * Limits.  A loaded profile holds no time beyond PROF_NS_MAX (either
 * sign) and no count beyond PROF_COUNT_MAX, and the durations of its phases,
 * of its initcalls and its sample counts each add up to no more than that:
 * a file that breaks these is refused (PROF_ESCHEMA, naming the field), not
 * clamped, so the reports can add and subtract any few of them in int64_t
 * without overflow and print them through a double without rounding.  (The
 * stop records' host clock readings may be any value >= 0: only their
 * differences are used.)  samples.rate_hz is finite, in (0, PROF_RATE_MAX].
 * It holds at most PROF_MESSAGES_MAX kernel log messages of at most
 * PROF_MESSAGE_MAX bytes each.
 *
 * The library never prints (except to the FILE * a report function is given)
 * and never exits.  prof_report_main() and prof_compare_main() are the
 * command-line front ends (commands.c): they parse options, print errors
 * with usage.h and return an exit status.
 */
#ifndef PROF_PROFILE_H
#define PROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "usage.h"

#define PROF_SCHEMA_VERSION 1

/* 2^53 ns = 104 days; also the largest integer a double holds exactly */
#define PROF_NS_MAX ((int64_t)1 << 53)
#define PROF_COUNT_MAX ((int64_t)1 << 53)
/* samples.rate_hz above this is refused */
#define PROF_RATE_MAX 1e9
/* At most this many kernel log messages, each text at most
 * PROF_MESSAGE_MAX bytes (as UTF-8): the kernel's own lines are under
 * 1 KiB, and a bound keeps a hostile file from costing gigabytes. */
#define PROF_MESSAGES_MAX 1000000
#define PROF_MESSAGE_MAX 4096

enum {
	PROF_EJSON = 2001,
	PROF_EVERSION,
	PROF_ESCHEMA,
	PROF_EUSAGE,
};

/*
 * Phases have fixed identifiers, in boot order:
 *   qemu              QEMU start to the first instruction (host time)
 *   firmware          reset vector to the hand-over to the kernel's setup
 *   setup             real-mode setup (arch/x86/boot)
 *   decompressor      the bzImage decompressor
 *   kernel-early      startup_64 to start_kernel
 *   kernel-init       start_kernel to the first initcall
 *   initcalls:LEVEL   one per initcall level (early pure core postcore arch
 *                     subsys fs rootfs device late)
 *   userspace-start   after the initcalls to run_init_process
 *   userspace         run_init_process to the end the user asked for
 * prof_phase_label() gives the display label.  Unknown identifiers are kept
 * and shown as they are (a newer recorder may add phases).
 */
struct prof_phase {
	char *id;             /* "firmware", "initcalls:core" ... */
	char *label;          /* display label; never NULL after load */
	int64_t start_ns;     /* guest ns */
	int64_t duration_ns;  /* ns; >= 0 */
};

/* One initcall, as do_one_initcall ran it. */
struct prof_initcall {
	char *fn;             /* function name */
	char *level;          /* "early" "pure" "core" ... "late" */
	char *module;         /* KBUILD_MODNAME, or NULL */
	int sync;             /* 1 for a LEVEL_initcall_sync */
	int64_t order;        /* position in call order, from 0 */
	int64_t ret;          /* return value (0 or -errno) */
	int has_ret;          /* 0 when the return was never seen */
	int64_t start_ns;     /* guest ns */
	int64_t duration_ns;  /* ns; >= 0 */
};

enum prof_stop_kind {
	PROF_STOP_DEBUG,      /* breakpoint or single step: TCG flushes its TBs */
	PROF_STOP_INTERRUPT,  /* 0x03 from the client: almost free */
	PROF_STOP_WATCH,      /* a watchpoint: no flush (QEMU 7.2 TCG) */
};

/* One stop: when the stub reported it and when the client resumed. */
struct prof_stop {
	enum prof_stop_kind kind;
	int64_t reported_ns;  /* host CLOCK_MONOTONIC ns */
	int64_t resumed_ns;   /* host CLOCK_MONOTONIC ns; >= reported_ns */
};

struct prof_stops {
	int64_t count;            /* all stops */
	int64_t debug_stops;
	int64_t interrupt_stops;
	int64_t watch_stops;      /* optional in the file: 0 when absent */
	int64_t client_ns;        /* host ns the guest was held, all stops */
	int64_t median_ns;        /* per stop */
	int64_t p95_ns;           /* per stop */
	int64_t self_median_ns;   /* the client's own time per stop, median:
	                             stop reply read to resume written, its
	                             clock; 0 = not measured apart (then it
	                             is median_ns) */
	int64_t cost_per_debug_stop_ns; /* guest ns one debug stop adds
	                                   (re-translation); 0 = not measured */
	struct prof_stop *list;   /* may be empty even when count > 0 */
	size_t nlist;
};

/* One sample bucket of `gdbstub-client sample`. */
struct prof_sample {
	char *region;  /* "kernel" "bios-rom" "option-rom" "real-mode-setup"
	                  "decompressor" "unknown" */
	char *symbol;  /* kernel symbol, or NULL outside the kernel */
	int64_t count;
	char *mode;    /* CPU mode of these samples ("real" "prot16" "prot32"
	                  "compat16" "compat32" "long64" "v86"), or NULL when
	                  not recorded (older files); one entry per mode */
	int64_t cpu;   /* the vCPU (0..PROF_CPUS_MAX-1) of these samples, one
	                  entry per CPU; -1: not recorded (one vCPU, older
	                  files) */
};

/* vCPUs a profile may name (samples' and slices' "cpu") */
#define PROF_CPUS_MAX 1024

/*
 * A process the samples ran in (time by process, read from the guest's
 * current task at each sample): one thread group under one name, so a
 * process that exec()s shows again under its new name.
 */
struct prof_process {
	int64_t pid;           /* its thread group id; 0 = the idle task */
	char *comm;            /* task->comm, as prof_utf8_dup() keeps it */
	int kthread;           /* a kernel thread (PF_KTHREAD) */
	int64_t first_ns;      /* its first sample, on the profile's timeline */
	int64_t samples;       /* samples in it */
	int64_t user_samples;  /* of those, in user mode */
};

/* Consecutive samples in one process: [start_ns, end_ns) on the profile's
 * timeline (end: the last sample plus one period). */
struct prof_slice {
	int64_t process;       /* index into prof_samples.procs; -1: samples
	                          whose process could not be read */
	int64_t start_ns, end_ns;
	int64_t samples;
	int64_t cpu;           /* the vCPU it ran on; -1: not recorded */
};

struct prof_samples {
	double rate_hz;             /* 0 = no samples taken */
	char *method;               /* "stop" "monitor", or NULL (older files) */
	struct prof_sample *list;
	size_t n;
	struct prof_process *procs; /* none in older files, or when the
	                               kernel's tasks could not be read */
	size_t nprocs;
	struct prof_slice *slices;  /* in time order */
	size_t nslices;
};

/* Where the boot ran; every string may be NULL. */
struct prof_env {
	char *qemu;            /* path of the real qemu */
	char *qemu_version;
	char *accel;           /* "tcg" "kvm" */
	char *kernel;          /* path of the kernel image */
	char *kernel_version;
	char *cmdline;         /* kernel command line */
	char *host;            /* "Linux 6.1.0-57-amd64 x86_64, 2 cpus" */
	char *hostname;        /* the machine's name (uname's nodename) */
	char *cpu_model;       /* /proc/cpuinfo's first "model name" */
	char *recorded_at;     /* ISO 8601, UTC */
	char *tool;            /* recorder name and version */
};

/*
 * One line of the kernel's log (printk), so that a phase can be read next
 * to what the kernel said in it.  Messages are kept in the order they were
 * added (the kernel's sequence), which need not be the order of t_ns.
 */
struct prof_message {
	int64_t t_ns;         /* on the profile's timeline, like phases' start_ns */
	int level;            /* 0..7 printk level, -1 unknown */
	char *text;           /* valid UTF-8, at most PROF_MESSAGE_MAX bytes */
};

/*
 * The guest's memory at one moment, from the kernel's own counters in
 * guest memory (what /proc/meminfo prints, KiB); -1 where not known.
 */
struct prof_mem_point {
	char *at;             /* a milestone's name ("userspace"), "end" (the
	                         recording's last read), "read" (one between) */
	int64_t t_ns;         /* guest ns on the profile's timeline */
	int64_t total_kb, free_kb, available_kb, buffers_kb, cached_kb;
	int64_t page_cache_kb;  /* Buffers + Cached (known when Buffers is not) */
	int64_t shmem_kb, anon_kb, slab_reclaimable_kb, slab_unreclaimable_kb;
	int64_t kernel_stack_kb, page_tables_kb, vmalloc_kb, percpu_kb;
};

/* Memory in and out of the guest; all optional. */
struct prof_memory {
	int64_t qemu_peak_rss_kb;  /* qemu's peak RSS; 0 = not recorded */
	int64_t qemu_user_us, qemu_system_us;  /* its CPU time, us; 0 = not recorded */
	char *qemu_source;         /* "wait4" (qemu-wrapper's exit record),
	                              "VmHWM" (/proc while qemu ran), NULL */
	struct prof_mem_point *points;  /* in time order */
	size_t npoints;
};

struct prof_profile;

/* free(1)'s columns of a point (procps 4: used = total - available,
 * buff/cache = Buffers + Cached + SReclaimable), and the kernel's own
 * use (slab, stacks, page tables, vmalloc, per-CPU), KiB; -1 unknown. */
struct prof_mem_free {
	int64_t total, used, free, shared, buff_cache, available, kernel, slab;
};
void prof_mem_free_of(const struct prof_mem_point *pt, struct prof_mem_free *f);
/* The point named at (a milestone, "end"), or NULL. */
const struct prof_mem_point *prof_mem_find(const struct prof_profile *p,
					   const char *at);
/* A point (copied; at may be NULL for "read").  PROF_EUSAGE: a negative
 * total, a time out of range. */
int prof_add_mem_point(struct prof_profile *p, const struct prof_mem_point *pt,
		       struct kit_err *err);

struct prof_profile {
	int version;               /* PROF_SCHEMA_VERSION */
	int complete;              /* 0: interrupted, see incomplete_reason */
	char *incomplete_reason;   /* "interrupted (SIGINT)", "guest died" ... */
	char *end;                 /* what the user asked to stop at */
	int64_t end_ns;            /* guest ns at that end (or where it stopped) */
	struct prof_env env;
	struct prof_phase *phases;
	size_t nphases;
	struct prof_initcall *initcalls;
	size_t ninitcalls;
	struct prof_stops stops;
	struct prof_samples samples;
	struct prof_message *messages; /* the kernel log; may be empty */
	size_t nmessages;
	char *source;              /* file it was loaded from; not saved */
	struct prof_memory memory; /* qemu's peak RSS, the guest's meminfo */
};

/* ---- model (model.c) ---- */

struct prof_profile *prof_new(void);
void prof_free(struct prof_profile *p);

/* The vCPUs the samples name: 1 + the highest "cpu", 0 when none does. */
int64_t prof_sample_cpus(const struct prof_profile *p);

/* Builders for the recorder.  Strings are copied.  Return 0 or -1. */
int prof_add_phase(struct prof_profile *p, const char *id, int64_t start_ns,
		   int64_t duration_ns, struct kit_err *err);
int prof_add_initcall(struct prof_profile *p, const struct prof_initcall *ic,
		      struct kit_err *err);
int prof_add_stop(struct prof_profile *p, enum prof_stop_kind kind,
		  int64_t reported_ns, int64_t resumed_ns, struct kit_err *err);
int prof_add_sample(struct prof_profile *p, const char *region,
		    const char *symbol, int64_t count, struct kit_err *err);
/* The same with the CPU mode (may be NULL). */
int prof_add_sample_mode(struct prof_profile *p, const char *region,
			 const char *symbol, const char *mode, int64_t count,
			 struct kit_err *err);
/* The same on vCPU cpu (-1: not recorded). */
int prof_add_sample_cpu(struct prof_profile *p, const char *region,
			const char *symbol, const char *mode, int64_t cpu,
			int64_t count, struct kit_err *err);
int prof_set_str(char **field, const char *value, struct kit_err *err);
/* One more process (copied; its comm as prof_utf8_dup() keeps it).
 * PROF_EUSAGE: a negative pid or count, user_samples > samples, no comm. */
int prof_add_process(struct prof_profile *p, const struct prof_process *in,
		     struct kit_err *err);
/* The slices, copied, replacing any.  PROF_EUSAGE: a process index out of
 * range (-1 is no process), end before start, a negative count. */
int prof_set_slices(struct prof_profile *p, const struct prof_slice *v, size_t n,
		    struct kit_err *err);
/*
 * A kernel log message at t_ns (guest ns, within +-PROF_NS_MAX) with printk
 * level 0..7 or -1 (unknown).  text is copied as prof_json_text() will
 * keep it: bytes that are not UTF-8 become U+FFFD and a longer text is cut
 * at PROF_MESSAGE_MAX bytes (on a character boundary).  PROF_EUSAGE for a
 * bad time or level, a NULL text, or a message past PROF_MESSAGES_MAX.
 */
int prof_add_message(struct prof_profile *p, int64_t t_ns, int level,
		     const char *text, struct kit_err *err);
/* Mark incomplete (reason copied). */
int prof_set_incomplete(struct prof_profile *p, const char *reason,
			struct kit_err *err);
/* Recompute the stops summary (counts, client_ns, median, p95) from list. */
void prof_stops_summarize(struct prof_stops *s);

/* ---- the timeline (timeline.c) ---- */

/* Display label of a phase id ("firmware" -> "firmware (SeaBIOS)"); the id
 * itself when unknown. */
const char *prof_phase_label(const char *id);
/* Index of an initcall level in run order (early=0 ... late=9), -1 if none. */
int prof_level_index(const char *level);
extern const char *const prof_levels[10];

/* Guest ns at which userspace starts (start of "userspace", else end of the
 * last phase before it); -1 if the profile never got there. */
int64_t prof_userspace_ns(const struct prof_profile *p);
/* Host ns QEMU took to reach the first instruction (the "qemu" phase). */
int64_t prof_qemu_ns(const struct prof_profile *p);
/* Earliest and latest time on the timeline (phases, initcalls, end). */
void prof_span(const struct prof_profile *p, int64_t *lo, int64_t *hi);
const struct prof_phase *prof_find_phase(const struct prof_profile *p,
					  const char *id);

/* ---- JSON (model.c) ---- */

/* Load a profile; the file name goes into messages and p->source. */
struct prof_profile *prof_load(const char *path, struct kit_err *err);
/* The same from a buffer; name is used in messages. */
struct prof_profile *prof_parse(const char *buf, size_t len, const char *name,
				struct kit_err *err);
/* Write the profile as JSON (pretty-printed, stable key order). */
int prof_write_json(const struct prof_profile *p, FILE *out,
		    struct kit_err *err);
/* The same JSON in a malloc'd string of *len bytes (len may be NULL);
 * NULL when out of memory. */
char *prof_json_text(const struct prof_profile *p, size_t *len);
/* Write to a file with prof_write_file(), keeping the profile in a fallback
 * file when it cannot go where asked (err->msg then names that file). */
int prof_save(const struct prof_profile *p, const char *path,
	      struct kit_err *err);

/* ---- output files (files.c) ---- */

/* Writes the content to out; returns 0, or -1 with err filled. */
typedef int prof_write_fn(FILE *out, const void *arg, struct kit_err *err);

/*
 * Write a file so that it is whole or not there, through the kit's one
 * writer (common/outfile.h, KIT_OUTFILE_DIRECT): fn writes into a new
 * file beside path (.NAME.XXXXXX, created O_EXCL; 0666 less the umask, or
 * the permissions of the file it replaces), which is flushed, fsync'd,
 * closed and renamed over path (the directory is not fsync'd); on any
 * failure it is removed and path is left as it was.  A symbolic link is
 * followed.  A path that exists and is not a regular file (/dev/null, a
 * FIFO, /dev/full) is written in place, every write checked.  "-" is
 * standard output: flushed and checked, not closed.
 *
 * kept: NULL, or where to return (malloc'd) the name of a fallback copy.
 * With kept, when path cannot be written the content is written again to
 * $TMPDIR, /tmp or /var/tmp (the first that takes it) as BASENAME.XXXXXX
 * ("stdout.XXXXXX" for "-"), created O_EXCL 0600, fsync'd; the call still
 * fails, and err->msg says where the copy is ("...; kept in
 * '/tmp/x.json.Ab12Cd' instead").
 *
 * Errors: err->code is the errno of the failing open, write, flush, fsync,
 * close or rename, and err->msg "cannot write 'PATH': STRERROR" ('-' reads
 * "standard output"); or fn's own error, passed through (no fallback then:
 * fn would fail again).
 */
int prof_write_file(const char *path, prof_write_fn *fn, const void *arg,
		    char **kept, struct kit_err *err);

/* ---- statistics (stats.c) ---- */

struct prof_stat {
	size_t n;
	double mean, sd;   /* sd: sample standard deviation (n - 1); 0 if n<2 */
	double min, max;
};

void prof_stat_of(const double *x, size_t n, struct prof_stat *st);
double prof_mean(const double *x, size_t n);
double prof_sd(const double *x, size_t n);

struct prof_welch {
	double t;    /* (mean_b - mean_a) / se; +-INFINITY if se == 0 */
	double df;   /* Welch-Satterthwaite; NAN if undefined */
	double p;    /* two-sided; NAN if either n < 2 */
};

/* Welch's unequal-variances t-test between a and b. */
void prof_welch_test(const struct prof_stat *a, const struct prof_stat *b,
		     struct prof_welch *w);
/* Regularized incomplete beta I_x(a, b); NAN for bad arguments. */
double prof_betainc(double a, double b, double x);
/* Two-sided p-value of Student's t with df degrees of freedom. */
double prof_t_p2(double t, double df);

/* ---- several runs of one boot (stats.c) ---- */

/* A phase, initcall or total across runs. */
struct prof_series {
	char *key;              /* phase id, "total:userspace", "total:end",
	                           "level:core", "fn:NAME" ("fn:NAME#2" ...) */
	char *label;            /* display label */
	char *level;            /* initcalls: level; else NULL */
	int kind;               /* PROF_SERIES_* */
	int64_t order;          /* sort key: first run's order/start */
	double *v;              /* ns, one per run that has it */
	size_t n;
	size_t seen;            /* 1 + the last run that gave a value */
	struct prof_stat st;
};

enum { PROF_SERIES_TOTAL, PROF_SERIES_PHASE, PROF_SERIES_INITCALL,
       PROF_SERIES_LEVEL,
       PROF_SERIES_MEMORY };   /* KiB, not ns: "mem:qemu:peak_rss",
                                  "mem:userspace:used" ... (memory.c) */

struct prof_runs {
	struct prof_profile **p; /* borrowed */
	size_t n;
	size_t discarded;        /* warm-up runs left out */
	struct prof_series *s;   /* totals, phases, levels, initcalls */
	size_t ns;
	int mixed_kernels;       /* runs of different kernels (a warning) */
	int incomplete;          /* how many runs are incomplete */
};

/* Gather series from profiles p[warmup..n-1].  The profiles are borrowed. */
int prof_runs_build(struct prof_runs *r, struct prof_profile **p, size_t n,
		    size_t warmup, struct kit_err *err);
void prof_runs_free(struct prof_runs *r);
const struct prof_series *prof_runs_find(const struct prof_runs *r,
					 const char *key);

/* ---- reports ---- */

struct prof_report_opts {
	int color;          /* ANSI colour */
	size_t top;         /* slowest initcalls shown; 0 = default 20 */
	int samples;        /* folded: samples instead of time */
};

/* text.c: one profile, or several runs of one boot. */
int prof_report_text(const struct prof_profile *p,
		     const struct prof_report_opts *o, FILE *out,
		     struct kit_err *err);
int prof_report_text_runs(const struct prof_runs *r,
			  const struct prof_report_opts *o, FILE *out,
			  struct kit_err *err);
/* JSON summary of several runs (mean, sd, min, max, n per series). */
int prof_report_json_runs(const struct prof_runs *r, FILE *out,
			  struct kit_err *err);
/* svg.c */
int prof_report_svg(const struct prof_profile *p,
		    const struct prof_report_opts *o, FILE *out,
		    struct kit_err *err);
/* trace.c: each profile a process of its own */
int prof_report_trace(struct prof_profile *const *p, size_t n, FILE *out,
		      struct kit_err *err);
/* folded.c: "phase;level;fn us" lines, or the samples' stacks
 * (prof_folded_sample) */
int prof_report_folded(const struct prof_profile *p,
		       const struct prof_report_opts *o, FILE *out,
		       struct kit_err *err);

/* One frame of a folded stack (folded.c): ';', spaces, tabs and newlines
 * become '_', bytes that are not safe to print "\xNN". */
void prof_folded_frame(FILE *out, const char *s);

/*
 * Sample output (folded.c): one place samples fell in, as `sample` counts
 * them and a profile's samples list holds them.  Both `sample --folded`
 * and `report --samples --format=folded` write them through
 * prof_folded_sample(): one format, one writer.
 */
struct prof_sample_row {
	const char *mode;     /* "real" "long64"...; NULL = not recorded */
	const char *region;   /* "kernel" "bios-rom"... */
	const char *symbol;   /* NULL outside symbols */
	const char *const *callers; /* `sample --callers`: the kernel call stack
	                         above symbol, outermost first (from the
	                         image's ORC tables), or NULL */
	size_t ncallers;
	uint64_t lo, hi;      /* lowest and highest linear address seen */
	int have_addr;        /* lo/hi are known */
	int64_t count;
};
/*
 * One folded stack line: [MODE;]REGION[;CALLER...][;SYMBOL] COUNT, and for a
 * row without a symbol whose samples all fell at one address,
 * [MODE;]REGION;0xADDR COUNT.  Frames as prof_folded_frame() writes them.
 */
void prof_folded_sample(FILE *out, const struct prof_sample_row *r);
/*
 * The top table: a header, then rank, percent of total, count, place (the
 * symbol, or "[region] 0xLO-0xHI") and mode of rows[0..min(n, top)) in
 * their order, then "(N more)" when rows were left out.
 */
void prof_sample_table(FILE *out, const struct prof_sample_row *rows,
		       size_t n, size_t top, int64_t total);

/* ---- how many runs a comparison needs (power.c) ---- */

/* Fewer runs than this in a group and compare marks nothing: one run has
 * no spread, so nothing tells a change from the noise between boots. */
#define PROF_COMPARE_MIN_RUNS 2
/* prof_runs_needed() counts no further */
#define PROF_RUNS_NEEDED_MAX 10000
/* The power compare sizes its advice for: 80 %, the usual choice. */
#define PROF_COMPARE_POWER 0.8

/* The t > 0 whose two-sided p-value at df is p (the inverse of
 * prof_t_p2); NAN for p outside (0, 1] or df <= 0. */
double prof_t_inv2(double p, double df);
/* Runs per group that let Welch's t-test at level alpha see a change of
 * delta (ns) with probability power, when the groups' noise is sd_a and
 * sd_b (ns): at least PROF_COMPARE_MIN_RUNS; 0 when the arguments make
 * no sense or more than PROF_RUNS_NEEDED_MAX would be needed. */
size_t prof_runs_needed(double sd_a, double sd_b, double delta, double alpha,
			double power);

/* compare.c */
struct prof_compare_opts {
	double threshold_pct;   /* mark changes beyond this; default 5 */
	double alpha;           /* and with p below this; default 0.05 */
	int64_t min_delta_ns;   /* and at least this large; default 100 us */
	size_t top;             /* rows shown besides the marked; default 20 */
	int color;
	int json;
};

struct prof_change {
	const struct prof_series *a, *b; /* either may be NULL (only in one) */
	double delta_ns, delta_pct;
	struct prof_welch w;
	int mark;                 /* +1 slower, -1 faster, 0 within noise */
};

struct prof_comparison {
	struct prof_change *c;    /* ranked by |delta_ns|, totals first */
	size_t n;
	size_t marked;
	/* enough runs for the test: each group has PROF_COMPARE_MIN_RUNS or
	 * more; when not, nothing is marked */
	int enough;
	/* the advice, for the headline total (boot to userspace, else to
	 * the end): the change it is sized for (threshold % of A's mean, at
	 * least min_delta), the noise (sd, ns) of A and B (one group's for
	 * both when the other has a single run; NAN when neither has two),
	 * and the runs a group that need (0: unknown) */
	const struct prof_change *headline;
	double effect_ns, noise_a_ns, noise_b_ns;
	size_t runs_needed;
};

int prof_compare(const struct prof_runs *a, const struct prof_runs *b,
		 const struct prof_compare_opts *o, struct prof_comparison *cmp,
		 struct kit_err *err);
void prof_comparison_free(struct prof_comparison *cmp);
int prof_report_compare(const struct prof_runs *a, const struct prof_runs *b,
			const struct prof_comparison *cmp,
			const struct prof_compare_opts *o, FILE *out,
			struct kit_err *err);

/* ---- command-line front ends (commands.c) ---- */

/*
 * gdbstub-client report FILE.json... [--format=text|json|svg|trace|folded]
 *        [--warmup N] [--top N] [--samples] [--color=auto|always|never]
 *        [-o FILE]
 * gdbstub-client compare A.json... -- B.json... [--threshold PCT]
 *        [--alpha P] [--min-delta-us N] [--warmup N] [--top N]
 *        [--format=text|json] [--color=auto|always|never]
 * argv[0] is the subcommand's name.  They print to stdout (report: or to
 * -o FILE, written whole or not at all by prof_write_file(); -o - is
 * stdout), errors to stderr through usage.h, and return the exit status:
 * 0, 1 on an error (a write that failed, stdout included), 2 on a usage
 * error.
 */
int prof_report_main(int argc, char **argv);
int prof_compare_main(int argc, char **argv);

#endif
