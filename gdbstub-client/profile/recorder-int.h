/*
 * recorder-int.h: the boot recorder's shared state and the functions its
 * files share (recorder.c and the files named below).  Not for use
 * outside gdbstub-client/profile.
 *
 *   recorder.c       the command: options, session, the main loop and the
 *                    stop dispatcher (handle_stop())
 *   decode.c         the pure decoding parts (recorder.h)
 *   stub.c           the recorder's use of the stub: the packet queue,
 *                    breakpoints, resume/step, calibration; every direct
 *                    access to struct rsp_conn's fields is here
 *   milestones.c     milestones, start_kernel's stem, --save-memory
 *   ticks.c          interrupt stops while the guest runs: --sample and
 *                    the watch that arms run_init_process late
 *   initcalls.c      the initcall table, what every scheme shares (entry,
 *                    call, return), and the choice of scheme
 *   scheme-*.c       the initcall schemes (scheme.h)
 *   qclock.c         QEMU's clock of record (marks, events) and how the
 *                    recording ended
 *   write.c          phases and the profile written
 */
#ifndef GC_RECORDER_INT_H
#define GC_RECORDER_INT_H

#include "recorder.h"
#include "sample.h"
#include "procs.h"
#include "model.h"
#include "rsp.h"

#include <signal.h>
#include <stdarg.h>
#include <sys/types.h>

struct rec_scheme;
struct rec_klog;
struct rec_mem;

enum ic_mode { IC_BREAKPOINTS, IC_ENTRIES, IC_OFF, IC_KLOG };
enum ic_state { IC_PENDING, IC_ENTERED, IC_DONE, IC_SKIPPED, IC_MISSED };

#define REC_MAX_MS 16
#define REC_WINDOW 2       /* entry breakpoints armed at a time */
#define REC_QMAX 16        /* packets queued for one write (see rec_flush()) */
#define REC_WATCH_HZ 50    /* ticks a second of the late-milestone watch */

struct rec_ms {
	char name[64];
	char phase[48];        /* the phase that starts here; "" none */
	uint64_t addr;
	bool armed, hit, is_until;
	bool deferred;         /* held back while the initcalls run
				* (rec_hold_milestones()) */
	bool late;             /* armed when the watch sees the kernel leave
				* its initcalls (rec_watch_setup()) */
	bool stem;             /* armed at startup_64's stop, on its first
				* callee when it can be (resolve_stem()) */
	uint64_t ret_check;    /* at a callee: the return address expected
				* at [rsp]; 0 none */
	uint64_t watch;        /* reached when this 8-byte word is written
				* (a watchpoint, no breakpoint: stem_watch());
				* 0 none */
};

struct rec_ic {
	const char *fn;
	char level[16];
	int sync;
	char module[64];
	uint64_t addr;
	enum ic_state state;
	bool armed;
	int64_t start, end, ret;
	int64_t wstart;        /* the watch scheme: its start; -1 not seen */
	bool has_ret;
};

struct rec {
	/* options */
	const char *out, *kernel_opt, *endpoint, *until, *milestones_opt;
	const char *save_mem;
	enum ic_mode mode;
	bool mode_given;               /* --initcalls */
	bool until_exit, latest, wait;
	double timeout_s;
	unsigned long progress_every;
	long stall_at;                 /* --test-stall */
	const struct rec_scheme *scheme_opt;   /* --initcall-scheme; NULL auto */

	/* session */
	bool have_session;
	char session_path[4200];
	char gdb[4200], kernel[4096], append[4096], accel[32], qemu[4096];
	bool have_append;
	int64_t start_mono;
	long qemu_pid;                 /* the session's; 0 none */

	struct rsp_conn *c;
	struct ksym_table *syms;
	struct prof_profile *p;
	bool nokaslr, kaslr_assumed;

	/* time: host CLOCK_MONOTONIC ns; g: guest running ns */
	int64_t t0, ready_host, resume_host, stop_host;
	int64_t g;
	bool running, resumed_once, alive, last_debug;
	enum prof_stop_kind last_kind;

	struct rec_ms ms[REC_MAX_MS];
	size_t nms;
	bool have_until_ms;
	bool ms_held;                  /* the milestones ahead are held back
					* while the initcalls run */

	/* the phase in progress */
	char cur[48];
	int64_t cur_start;
	bool open;
	char level_phase[48];          /* the open initcall level phase */
	int64_t level_last_end;
	const char *after_ic_phase;    /* "userspace-start" or "after-initcalls" */

	/* initcalls */
	struct rec_ic *ics;
	size_t nic, next, nseen, nreturned;
	long entered;                  /* index, -1 none */
	bool prepared, ics_done, table_from_mem;
	struct rec_retsite rs;
	struct rec_emul emul;
	bool ret_armed, emul_ok, have_rs;
	bool call_armed;               /* a breakpoint at rs.call_addr */
	const struct rec_scheme *sch;  /* the initcall scheme (scheme.h) */
	struct rec_klog *klog;         /* --initcalls=klog (klog.c) */
	struct rec_mem *mem;           /* the guest's memory (memory.c) */
	char klog_why[160];            /* why not klog, when it was the default */
	void *sch_state;               /* its own state; freed at the end */
	char scheme[600];              /* how initcalls are caught, for env */
	uint64_t doi_addr, doi_size;
	long last_runnable;            /* last table initcall not blacklisted */
	unsigned long nsteps, nemul, ncalls, nunattributed, nunexpected;
	unsigned long nfast;           /* stops answered without a round trip */
	bool z0_refused;               /* a Z0 was refused: Z1 used (KVM) */
	bool at_reset;                 /* attached at the reset vector */

	/* Z/z/P packets queued during a stop, written in one go (rec_flush()) */
	struct rsp_buf qout;           /* the encoded packets */
	char qwhat[REC_QMAX][64];      /* each one's description, for errors */
	size_t nq;
	long qg;                       /* index of a queued 'g', -1 none */
	long qm;                       /* index of a queued 'm' (<= 8 bytes) */
	unsigned qm_len;
	uint64_t qm_val;               /* its bytes, little-endian */
	bool qm_ok;

	/* --sample HZ: interrupt stops between the breakpoint stops
	 * (rec_sample_tick()); their counts go to the profile's samples */
	double sample_hz;
	int64_t next_tick;             /* host ns */
	int64_t sample_hold;           /* ns the ticks held the guest since
					* the last resume (not guest time) */
	int64_t raced_stop;            /* a breakpoint stop that came instead of
					* a tick's: when it came (0 none) */
	struct rsp_batch sbatch;       /* the packets of one tick */
	/* the late milestones of --initcalls=off (rec_watch_setup()) */
	bool late_pending;             /* some wait for the watch to arm them */
	bool watching;                 /* ticks read watch_var */
	uint64_t watch_var, watch_min;
	const char *watch_name;        /* the symbol watch_var is */
	unsigned long nwatch;          /* watch ticks */
	char watch_note[96];           /* for environment.tool */
	char early_note[128];          /* qemu exited before a milestone */
	bool watch_missed;             /* the watch saw user mode first */
	struct gc_sample_layout layout;
	struct rec_bucket {
		enum gc_region region;
		const char *symbol;
		enum x86_mode mode;
		unsigned cpu;
		int64_t count;
	} *sb;
	/* secondary CPUs online (smp.c): the watchpoint, when each came */
	uint64_t smp_addr;       /* __cpu_online_mask while watched; 0 */
	unsigned smp_ncpu, smp_non;
	int smp_on_cpu[REC_SMP_MAX];
	int64_t smp_on_g[REC_SMP_MAX];
	/* --sample: the vCPUs' thread ids; each tick reads every one */
	long tids[GC_TICK_MAXCPU];
	unsigned ncpu;
	size_t nsb, sbcap;
	unsigned long nsamples, nraced;
	/* --sample: time by process (procs.h); the layout is read by a
	 * thread while the firmware runs, the ticks read tasks once it is */
	struct gc_procs procs;
	bool procs_on;
	struct rec_procs_th *procs_th;
	unsigned phase_gen;            /* phases opened (a slice spans one) */

	/* QEMU's clock of record (recorder.h: rec_mark): every resume
	 * written and stop read, matched at the end to the wrapper's
	 * STOP/RESUME events (rec_qemu_clock()) */
	struct rec_mark *marks;
	size_t nmarks, capmarks;
	bool marks_lost;               /* out of memory: no QEMU clock */
	long last_stop_mark;           /* its index, -1 none */
	char events_path[4200];        /* RUNDIR/PID.events; "" none */
	char exit_path[4200];          /* RUNDIR/PID.exit.json; "" none */
	long wrapper_pid;              /* the session's; 0 none */
	int64_t rt_off;                /* CLOCK_REALTIME - CLOCK_MONOTONIC, ns */
	int64_t *map_g, *map_q;        /* client-clocked -> QEMU's guest ns,
					* at every stop; n 0: not mapped */
	size_t nmap;
	char clock_note[240];          /* for environment.tool */

	/* how the connection ended ('W', 'X', 'E' closed, 'Q' a shutdown stop
	 * of -no-shutdown, T03, the connection still open; 0 it did not) */
	char conn_end;
	int conn_num;                  /* W: the status; X: the signal */
	bool have_exit;
	struct rec_exit exit;          /* the wrapper's record of it */
	char end_cause[200];           /* rec_end_cause() */
	bool end_by_guest;

	bool complete;
	char reason[200];
	char endname[64];
	int sigpipe[2];
	int signo;
	bool trace_stderr;             /* GDBSTUB_TRACE was set */
	bool raw;                      /* --raw: no latency correction */
	int64_t latency;               /* ns, the stub's resume -> stop cost */
};

/* recorder.c: the signal that ends a recording (0 none) and whether the
 * recorder was stopped and continued */
extern volatile sig_atomic_t rec_signal;
extern volatile sig_atomic_t rec_continued;

/* stub.c: messages and state */
double rec_ms_of(int64_t ns);
void rec_progress(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rec_set_incomplete(struct rec *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rec_conn_ended(struct rec *r, char how, int num);

/* stub.c: the connection (struct rsp_conn's fields are read here only) */
void rec_conn_hook(struct rec *r);
void rec_conn_wake_fd(struct rec *r, int fd);
bool rec_conn_closed(struct rec *r);
void rec_wait_input(struct rec *r, int ms);
bool rec_has_reg(struct rec *r, const char *name);
int rec_flush(struct rec *r, bool cont);
int rec_queue(struct rec *r, const char *payload, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rec_queue_g(struct rec *r);
int rec_queue_m(struct rec *r, uint64_t addr, unsigned len);
void rec_quickack(struct rec *r);
ssize_t rec_read_mem(struct rec *r, uint64_t addr, void *buf, size_t len);
int rec_write_mem(struct rec *r, uint64_t addr, const void *buf, size_t len);
int rec_read_regs(struct rec *r, uint64_t *linear, uint64_t *ip);
uint64_t rec_reg(struct rec *r, const char *name);
int rec_write_reg(struct rec *r, const char *name, uint64_t v);
int rec_bp_insert(struct rec *r, uint64_t addr, bool sync, const char *what);
int rec_bp_remove(struct rec *r, uint64_t addr);
bool rec_bp_at(struct rec *r, uint64_t addr);
const char *rec_bp_kind(struct rec *r, uint64_t addr);
int rec_bp_want(struct rec *r, uint64_t addr, bool sync, const char *what);
int rec_wp_insert(struct rec *r, enum rsp_bp_type type, uint64_t addr,
		  unsigned len, struct kit_err *err);
int rec_wp_remove(struct rec *r, enum rsp_bp_type type, uint64_t addr,
		  unsigned len);
int rec_resume(struct rec *r);
void rec_stopped(struct rec *r, enum prof_stop_kind kind);
int rec_step_over(struct rec *r);
void rec_halt_running(struct rec *r);
int rec_calibrate(struct rec *r);
void rec_detach(struct rec *r);
/* hostinfo.c: the host name, CPU model and, from `QEMU --version` (qemu
 * may be NULL), the QEMU version into env. */
void rec_env_machine(struct prof_env *env, const char *qemu);

/* initcalls.c */
int rec_load_initcalls(struct rec *r, const char *kpath);
int rec_prepare_initcalls(struct rec *r);
void rec_finish_initcalls(struct rec *r, int64_t t);
int rec_bp_drop(struct rec *r, uint64_t addr);
int rec_arm_window(struct rec *r);
int rec_read_stop_pc(struct rec *r, uint64_t *lin, uint64_t *ip);
int rec_on_entry(struct rec *r, size_t i);
int rec_on_call(struct rec *r);
int rec_on_return_data(struct rec *r);
int rec_on_return(struct rec *r, uint64_t ip);
int rec_ended_early(struct rec *r);
long rec_last_runnable(struct rec *r);
bool rec_is_watch(const struct rsp_stop *st);
/* smp.c: the watchpoint on __cpu_online_mask (several vCPUs, no KASLR):
 * armed before the guest runs; a stop (or a tick's race, at guest time g)
 * that is its own is noted and claimed (true). */
void rec_smp_setup(struct rec *r);
bool rec_smp_own_stop(struct rec *r, const struct rsp_stop *st);
bool rec_smp_tick_watch(struct rec *r, const struct rsp_stop *st, int64_t g);
/* The phases from the CPUs' online times, between t0 ("Bringing up") and
 * tend ("Brought up"), guest ns; 0 unless every CPU was seen. */
size_t rec_smp_online_phases(struct rec *r, int64_t t0, int64_t tend,
			     struct rec_smp_phase *out, size_t max);

/* milestones.c */
int rec_setup_milestones(struct rec *r);
int rec_hold_milestones(struct rec *r);
bool rec_stem_call(struct rec *r, const struct rec_ms *m);
int rec_on_milestone(struct rec *r, struct rec_ms *m);
int rec_on_milestone_at(struct rec *r, struct rec_ms *m, int64_t t);
struct rec_ms *rec_ms_watch_hit(struct rec *r, const struct rsp_stop *st);
int rec_arm_late(struct rec *r);
int rec_watch_setup(struct rec *r);
int rec_watch_check(struct rec *r, const struct gc_tick *t);

/* klog.c */
bool rec_klog_possible(struct rec *r, char *why, size_t len);
int rec_klog_begin(struct rec *r);
void rec_klog_free(struct rec *r);
int rec_klog_start(struct rec *r);
int64_t rec_klog_due(const struct rec *r);
bool rec_klog_pending(const struct rec *r);
int rec_klog_interrupt(struct rec *r);
bool rec_klog_own_stop(struct rec *r, const struct rsp_stop *st);
int rec_klog_read(struct rec *r);
void rec_klog_milestone(struct rec *r, const char *name);
int rec_klog_finish(struct rec *r);
int rec_klog_phases(struct rec *r);

/* memory.c: the guest's meminfo at stops that happen anyway, qemu's
 * peak RSS; rec_mem_write() puts them in the profile, times mapped */
int rec_mem_begin(struct rec *r);
void rec_mem_free(struct rec *r);
int rec_mem_milestone(struct rec *r, const char *name, bool until);
int rec_mem_stop(struct rec *r);
int rec_mem_write(struct rec *r, int64_t (*map)(const struct rec *, int64_t));

/* ticks.c */
double rec_tick_hz(const struct rec *r);
int rec_sample_setup(struct rec *r);
int rec_sample_tick(struct rec *r);
/* The end of --sample's time by process: the layout thread joined, the
 * last sample named (ticks.c). */
void rec_procs_end(struct rec *r);

/* qclock.c */
void rec_mark_resume(struct rec *r, int64_t t, bool cal);
void rec_mark_stop(struct rec *r, int64_t t, bool cal, int64_t g);
void rec_mark_end(struct rec *r);
void rec_record_stop(struct rec *r, int64_t t);
int64_t rec_rt_offset(void);
void rec_decide_end(struct rec *r);
void rec_qemu_clock(struct rec *r);
int64_t rec_gmap(const struct rec *r, int64_t t);

/* write.c */
void rec_phase_close(struct rec *r, int64_t t);
void rec_phase_open(struct rec *r, const char *id, int64_t t);
int rec_write_profile(struct rec *r);

#endif
