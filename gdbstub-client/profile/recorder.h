/*
 * recorder.h: the boot recorder, `gdbstub-client profile` (recorder.c and
 * the files recorder-int.h lists).
 *
 * gc_profile_main() is the command: it attaches to a guest held at its
 * reset vector, arms milestone and initcall breakpoints, resumes, and
 * writes a profile (model.h, docs/profile-schema.md).  It prints progress
 * and errors on stderr and returns the exit status: 0 for a complete
 * profile, 1 when the profile was written but is incomplete (Ctrl-C,
 * SIGTERM, timeout, guest died before the end asked for, qemu killed or
 * stopped from the host, a stub that said X or closed the connection) or
 * nothing could be written; a usage error exits with status 2
 * (die_usage()).
 *
 * The rec_* functions below are the recorder's pure parts, exposed for the
 * unit test (tests/unit/test-gc-record.c), in decode.c and qclock.c.  They
 * never print or exit.
 */
#ifndef GC_RECORD_H
#define GC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usage.h"

struct ksym_table;

int gc_profile_main(int argc, char **argv);

/*
 * Where do_one_initcall's indirect call returns to.  Found by decoding the
 * function (64-bit code at addr): the first "call *%REG" or "call
 * __x86_indirect_thunk_REG" (a retpoline; syms names the thunk; may be
 * NULL).  fn_reg is a callee-saved register that still holds the initcall's
 * address after the call: the call's own register when it is callee-saved
 * (rbx rbp r12-r15), else one it was copied to or from before the call;
 * "" when none (the caller then cannot check which initcall returned).
 */
struct rec_retsite {
	uint64_t call_addr;    /* the call instruction */
	uint64_t ret_addr;     /* the instruction after it: the breakpoint */
	char call_reg[8];      /* "rdi", "r12" */
	char fn_reg[8];        /* "rbx", "r12"; "" unknown */
	bool thunk;            /* a call through a retpoline thunk */
};

/* 0, or -1 with err set (no indirect call found; capstone failed). */
int rec_find_return_site(const uint8_t *code, size_t len, uint64_t addr,
			 const struct ksym_table *syms, struct rec_retsite *rs,
			 struct kit_err *err);

/*
 * Whether the recorder can execute the call at rs->call_addr for the guest
 * (scheme-callsite.c, initcalls.c: rec_on_call()): push rs->ret_addr,
 * rsp -= 8, rip = the value of rs->call_reg.  True for "call *%REG" and for a call to
 * __x86_indirect_thunk_REG (a retpoline is "jmp *%REG"), REG a 64-bit
 * general register other than rsp, and a call of 2 to 8 bytes.  When not,
 * why (if not NULL) says what is unknown.
 */
bool rec_call_emulable(const struct rec_retsite *rs, char *why, size_t len);

/*
 * One instruction the recorder can execute for the guest instead of
 * single-stepping it (a single step is a debug stop: under TCG it flushes
 * the translation cache).  Only writes to a general register are taken:
 *   REC_EMUL_MOV_REG    mov %src, %dst (32-bit zero-extends), movsxd
 *   REC_EMUL_MOV_IMM    mov $imm, %dst
 *   REC_EMUL_MOV_MEM    mov ABS or mov disp(%rip), %dst: mem is the
 *                       linear address to read mem_bytes from
 */
enum rec_emul_kind {
	REC_EMUL_NONE = 0,
	REC_EMUL_MOV_REG,
	REC_EMUL_MOV_IMM,
	REC_EMUL_MOV_MEM,
};

struct rec_emul {
	enum rec_emul_kind kind;
	char dst[8];          /* 64-bit name of the destination: "rax" */
	int dst_bytes;        /* 1, 2, 4, 8 (4 zero-extends to 64) */
	char src[8];          /* REC_EMUL_MOV_REG: 64-bit name of the source */
	int src_bytes;
	bool sext;            /* movsxd: sign-extend the source */
	uint64_t imm;
	uint64_t mem;
	uint16_t size;        /* instruction bytes: rip += size */
	char text[200];       /* "mov r12d, eax", for messages */
};

/* 0 and *e filled (kind may be REC_EMUL_NONE: not emulable); -1 when the
 * bytes do not decode. */
int rec_decode_emul(const uint8_t *code, size_t len, uint64_t addr,
		    struct rec_emul *e);
/*
 * The destination's new 64-bit value, given its old value, the source
 * register's value (MOV_REG) or the memory read (MOV_MEM, little-endian,
 * mem_bytes used).  Follows x86-64: 32-bit writes zero the upper half, 8-
 * and 16-bit writes keep the other bytes.
 */
uint64_t rec_emul_result(const struct rec_emul *e, uint64_t old_dst,
			 uint64_t src);

/* The 64-bit register name for a capstone-style name ("r12d" -> "r12",
 * "eax" -> "rax"), with its width in *bytes; NULL when not a GPR. */
/*
 * Where a milestone's breakpoint goes when its own 4 KiB page is busy.
 * While a breakpoint is armed, QEMU 7.2 (TCG) runs every instruction of
 * its page as a translation block of its own; start_kernel shares its page
 * with the early boot code that runs before it (x86_64_start_kernel,
 * clear_bss, __early_make_pgtable), which a breakpoint there slows by
 * ~0.15 s on Debian's 6.1.  rec_first_callee() decodes the function at
 * addr (64-bit code) and returns the first direct call, made before any
 * branch, to a function that starts in another page: a breakpoint at that
 * function's entry is reached a few instructions after addr.  Calls to
 * ftrace's hooks (__fentry__, mcount) and the compiler's thunks (__x86_*,
 * __sanitizer_*) are passed over, as are calls within addr's page.
 * 0 with out set; -1 with err when there is none within
 * REC_CALLEE_MAX_INSNS instructions (an indirect call, a branch, a call to
 * no symbol's start, or no call).
 */
#define REC_CALLEE_MAX_INSNS 32
struct rec_callee {
	uint64_t target;      /* the callee's entry: the breakpoint */
	uint64_t ret_addr;    /* what the call pushes: checked at the stop */
	unsigned insns;       /* instructions from addr to the call, inclusive */
	const char *name;     /* the callee (points into syms) */
};
int rec_first_callee(const uint8_t *code, size_t len, uint64_t addr,
		     const struct ksym_table *syms, struct rec_callee *out,
		     struct kit_err *err);

/*
 * The immediates that the code at addr (64-bit) stores into the variable
 * at var ("movl $imm, var(%rip)" or an absolute address), in code order,
 * at most max of them; returns how many.  The recorder reads kernel_init
 * with it: "system_state = SYSTEM_FREEING_INITMEM" before free_initmem()
 * and "= SYSTEM_RUNNING" before run_init_process(); a kernel without the
 * state in between stores once.
 */
size_t rec_stores_to(const uint8_t *code, size_t len, uint64_t addr,
		     uint64_t var, uint64_t *vals, size_t max);

/*
 * The watch scheme's end of an initcall (scheme-watch.c): the first NOP at
 * or after addr (do_one_initcall's return site), reached in a straight line
 * through register moves that leave rax (the return value), rsp and
 * fn_reg alone; at most 4 instructions.  Linux 6.1: "mov %eax,%ebp" then
 * the 2-byte NOP of the disabled initcall_finish tracepoint.  A
 * breakpoint on a NOP is left by setting rip past it: no register has to
 * be read first.  0 with *nop and *nop_len; -1 when there is none.
 */
int rec_find_end_nop(const uint8_t *code, size_t len, uint64_t addr,
		     const char *fn_reg, uint64_t *nop, unsigned *nop_len);

/*
 * QEMU's clock of record.  The guest's running time is taken from QEMU's
 * own STOP and RESUME events (qemu-wrapper appends each to RUNDIR/PID.events
 * as "STOP <realtime_ns>" / "RESUME <realtime_ns>", QEMU's timestamps,
 * microsecond resolution), not from when the recorder happened to read a
 * stop reply: a recorder that is not scheduled then shows as held time.
 *
 * The recorder keeps a mark for every resume it writes and every stop it
 * reads, in order (a resume, then its stop; an interrupt stop of --sample
 * is a stop and a resume of its own).  Host times are CLOCK_MONOTONIC ns.
 */
struct rec_mark {
	bool stop;             /* a stop; else a resume */
	bool cal;              /* a calibration interval: not guest time */
	bool end;              /* the connection ended here (W, X, EOF): no
				* STOP event comes for it */
	int64_t lo;            /* resume: just before it was written; QEMU's
				* RESUME cannot be earlier */
	int64_t host;          /* stop: when its reply was read (QEMU's STOP
				* cannot be later); resume: lo */
	int64_t g;             /* stop: client-clocked guest ns after it */
	long rec;              /* stop: its record in the profile's
				* stops.list, -1 none */
};

struct rec_qevent {
	bool stop;             /* STOP; else RESUME */
	int64_t rt;            /* QEMU's timestamp, CLOCK_REALTIME ns */
};

/*
 * Parse an events file's text: one "STOP N" or "RESUME N" per line; a last
 * line without its newline (being written) is left out.  0 with *ev (to
 * free) and *n; -1 with err on a malformed line or no memory.
 */
int rec_parse_events(const char *text, size_t len, struct rec_qevent **ev,
		     size_t *n, struct kit_err *err);

/*
 * How many events the marks need: one RESUME per resume mark, one STOP per
 * stop mark that is not an end; a last resume mark without its stop (the
 * recording ended while a resume failed) needs none.
 */
size_t rec_events_needed(const struct rec_mark *m, size_t nm);

/*
 * Match the marks to the events in order, events before the first resume
 * mark's lo left out (a STOP from a debugger's attach, an earlier
 * session); events after the last one needed are ignored (the detach's
 * RESUME, a STOP at shutdown).  off is CLOCK_REALTIME - CLOCK_MONOTONIC, in
 * ns.  Every RESUME must come after its resume was written (lo - tol),
 * every STOP after its RESUME and at most stop_lag after its stop reply
 * was read: QEMU 7.2 sends the stop reply first (the gdbstub's state
 * change handler) and times its STOP event after the other handlers ran,
 * 2 ms later and more on a loaded host.  Fills qt[i] with each mark's event
 * on CLOCK_MONOTONIC (an end mark: -1).  0, or -1 with why (a sentence
 * without subject: "the events file has 31 events, the recorder needs 33").
 */
int rec_match_events(const struct rec_mark *m, size_t nm,
		     const struct rec_qevent *ev, size_t nev, int64_t off,
		     int64_t tol, int64_t stop_lag, int64_t *qt, char *why,
		     size_t len);

/*
 * The guest time on QEMU's clock: q[i] for each stop mark i, the guest ns
 * at it (running time from the first resume that is not calibration, each
 * RESUME -> STOP interval less lat; a STOP later than its stop reply was
 * read is taken at the read: the guest had stopped by then).  An end mark's interval ends at
 * end_host (the earlier of its reply and qemu's exit), a calibration
 * interval adds nothing.  *lat_out: the median of the calibration
 * intervals on QEMU's clock (0 when there are none); subtract is false
 * with --raw.
 */
void rec_qemu_guest_time(const struct rec_mark *m, size_t nm, const int64_t *qt,
			 int64_t end_host, bool subtract, int64_t *q,
			 int64_t *lat_out);

/*
 * A client-clocked guest time t mapped onto QEMU's clock: between the two
 * stops whose client-clocked times bracket it, linearly; past the last,
 * shifted with it.  g and q are the stop marks' times (ascending g).
 */
int64_t rec_map_time(const int64_t *g, const int64_t *q, size_t n, int64_t t);

/* qemu-wrapper's RUNDIR/PID.exit.json, written when qemu has exited. */
struct rec_exit {
	bool signaled;         /* qemu died of a signal */
	int code;              /* exited: its status */
	int signal;
	char signal_name[32];  /* "SIGKILL" */
	char shutdown_reason[48]; /* QMP SHUTDOWN's reason; "" none came */
	bool guest_panicked;
	int64_t realtime_ns;   /* when the wrapper saw qemu gone */
	/* "rusage": qemu's own account from wait4() (older wrappers: none) */
	bool have_rusage;
	int64_t max_rss_kb;    /* peak RSS, KiB */
	int64_t user_us, system_us;   /* CPU time */
};

/* Parse one.  0, or -1 with err (cannot read, not version 1). */
int rec_exit_read(const char *path, struct rec_exit *x, struct kit_err *err);

/*
 * How a recording's connection ended, and whether that is the boot ending
 * by itself (true: the guest powered off, reset with -no-reboot, panicked,
 * or qemu exited without being asked) or not (qemu killed, stopped from
 * the host, the stub gone or reporting the target killed).  how: 'W' (num
 * the exit status), 'X' (num the signal) or 'E' (the connection closed
 * without either), or 'Q' (a T03 stop: QEMU's stop for a guest that powered
 * off under -no-shutdown, as libvirt runs it; always the guest's end); x:
 * the wrapper's exit record, NULL when there is none.
 * The cause, a lower-case phrase, goes to buf: "qemu was killed by
 * SIGKILL", "the gdbstub closed the connection without an exit reply".
 */
bool rec_end_cause(char how, int num, const struct rec_exit *x, char *buf,
		   size_t len);

const char *rec_gpr64(const char *name, int *bytes);

/* Whether "nokaslr" is a word of the command line. */
bool rec_cmdline_has(const char *cmdline, const char *word);

/* ---- klog-parse.c: the kernel's initcall_debug records ---------------- */

/* One printk record as --initcalls=klog keeps it. */
struct rec_klog_rec {
	int64_t ts;             /* the kernel's clock (local_clock), ns */
	int level;
	char *text;
};

/* smp.c: secondary-CPU bring-up from the kernel's records (see there). */
#define REC_SMP_MAX 64
struct rec_smp_phase {
	char id[24];            /* "smp:prepare", "smp:cpu1", "smp:cpus2-3" */
	int64_t start, end;     /* the kernel's clock, ns (rec_klog_rec.ts) */
};
/* The phases into out (at most max), in order; their number (0: the
 * records hold no bring-up: one CPU, or the records were lost). */
int rec_smp_phases(const struct rec_klog_rec *recs, size_t n,
		   struct rec_smp_phase *out, size_t max);

/* An initcall's two records, paired. */
struct rec_klog_call {
	const char *fn;         /* in the "calling" record's text, fnlen bytes */
	size_t fnlen;
	int64_t ts_call, ts_ret;
	long ret;
	long long usecs;        /* the kernel's figure, as printed */
	bool done;              /* its "returned" record was seen */
};

/*
 * The "calling  FN+0x0/0x.. @ PID" records of RECS in order (pid 0, the
 * console initcalls start_kernel runs itself, left out: they are not
 * do_one_initcall's), each "initcall FN+0x0/0x.. returned R after N
 * usecs" paired with the latest open call of the same function.  *OUT
 * (free()) points into RECS' texts.  0, or -1 out of memory.
 */
int rec_klog_pair(const struct rec_klog_rec *recs, size_t nrec,
		  struct rec_klog_call **out, size_t *nout, struct kit_err *err);

/*
 * How the figures of the N calls read, from those after
 * clocksource_done_booting (exact; *fine: the index of the first, 0 with
 * no such call: every figure exact as far as is known): *unit, ns per
 * printed "usec" (1024, ns >> 10, up to 5.17: the time between a call's
 * records is ~1.025 times the figure for calls of 3 ms and more; else
 * 1000); *cost, ns, the "calling" record's own cost (the median of the
 * time between the records less the figure).  0, or -1 out of memory.
 */
int rec_klog_figures(const struct rec_klog_call *c, size_t n, size_t *fine,
		     int64_t *unit, int64_t *cost, struct kit_err *err);

/* The median of the N values at D (sorted in place: the upper one of an
 * even count); 0 for none. */
int64_t rec_median_i64(int64_t *d, size_t n);

#endif
