/*
 * target.h: the library part of gdbstub-client, on top of the rsp_ protocol
 * library (rsp.h).  Like rsp.h it never prints and never exits: functions
 * return 0 (or a count) on success and -1 on failure with a message in a
 * struct kit_err, unless noted.
 *
 *   x86mode.c  x86_*: CPU mode from CR0/EFER/EFLAGS and the CS descriptor,
 *              parsing QEMU's "info registers" for segment caches, linear
 *              addresses; pure functions
 *   addr.c     gc_parse_addr: "0x7c00", "31744", "0000:7c00", "start64+4",
 *              "$rsp+8", "*sym"
 *   cond.c     gc_cond_*: breakpoint conditions on registers
 *              ("$rdi == fake_init_delta && $rax != 0")
 *   sigtab.c   gc_sig*: the signal table of "handle SIG [no]stop ..."
 *   disasm.c   gc_disasm_*: capstone in the current mode's width
 *   value.c    gc_value_*: gdb's C casts ("*(long *)ADDR"), lvalues of
 *              "set" and "watch", and values printed in gdb's /FMT
 *              letters; pure functions
 *   session.c   gc_session_*: qemu-wrapper's session files (--latest, --wait)
 *   target.c   gc_target_*: the debugged target (connection, caches,
 *              breakpoints with hardware fallback, stops, run control)
 */
#ifndef GC_H
#define GC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "usage.h"
#include "rsp.h"

/* ------------------------------------------------------------------ */
/* x86mode.c                                                           */

#define X86_CR0_PE     0x1ull
#define X86_CR0_PG     0x80000000ull
#define X86_EFER_LME   0x100ull
#define X86_EFER_LMA   0x400ull
#define X86_EFLAGS_VM  0x20000ull
/* In the descriptor's high dword as QEMU prints it (its "flags" column). */
#define X86_DESC_P     (1u << 15)
#define X86_DESC_L     (1u << 21)  /* 64-bit code segment */
#define X86_DESC_B     (1u << 22)  /* D/B: 32-bit default operand size */

enum x86_mode {
	X86_MODE_UNKNOWN = 0,
	X86_MODE_REAL,      /* CR0.PE clear */
	X86_MODE_V86,       /* PE set, EFLAGS.VM set: 16-bit, seg * 16 */
	X86_MODE_PROT16,    /* PE set, CS.D clear */
	X86_MODE_PROT32,    /* PE set, CS.D set */
	X86_MODE_COMPAT16,  /* EFER.LMA set, CS.L clear, CS.D clear */
	X86_MODE_COMPAT32,  /* EFER.LMA set, CS.L clear, CS.D set */
	X86_MODE_LONG64,    /* EFER.LMA set, CS.L set */
};

/* One segment register with its hidden descriptor cache. */
struct x86_seg {
	uint16_t sel;
	uint64_t base;     /* linear address */
	uint32_t limit;    /* bytes - 1, as QEMU prints it (granularity applied) */
	uint32_t flags;    /* descriptor high dword: X86_DESC_* */
	bool valid;        /* read from "info registers" */
};

struct x86_segs {
	struct x86_seg es, cs, ss, ds, fs, gs;
};

/*
 * The mode from the control registers and CS's descriptor cache.  cs may
 * be NULL (or not valid) when the descriptor is not known: then a
 * protected mode is taken to be 32-bit and long mode 64-bit, the usual
 * flat case.
 */
enum x86_mode x86_mode_derive(uint64_t cr0, uint64_t efer, uint64_t eflags,
			      const struct x86_seg *cs);
/* Whether the descriptor can change x86_mode_derive's answer or the
 * linear address of CS:IP (real mode included: CS base after reset is
 * 0xffff0000, not CS * 16). */
bool x86_mode_needs_cs(uint64_t cr0, uint64_t efer, uint64_t eflags);
/* 16, 32 or 64 (the default operand and address size); 0 for unknown. */
int x86_mode_bits(enum x86_mode m);
/* "real", "virtual-8086", "16-bit protected", "32-bit protected",
 * "16-bit compatibility", "32-bit compatibility", "64-bit", "unknown". */
const char *x86_mode_name(enum x86_mode m);
/* Real mode and virtual-8086: addresses are shown and taken as seg:off. */
bool x86_mode_is_segmented(enum x86_mode m);
/*
 * The linear address of seg:off in mode m: 64-bit mode ignores the base
 * (fs/gs aside); 16-bit modes wrap the offset at 64 KiB; 32-bit ones wrap
 * the sum at 4 GiB.  A seg not valid uses sel * 16 in real and v86 mode
 * and base 0 elsewhere.
 */
uint64_t x86_linear(enum x86_mode m, const struct x86_seg *seg, uint64_t off);
/*
 * Parse the segment lines of QEMU's "info registers" ("CS =f000 ffff0000
 * 0000ffff 00009b00 ..." or, in long mode, a 16-digit base).  Returns the
 * number of segments found (0..6); the others are left invalid.
 */
int x86_parse_info_registers(const char *text, struct x86_segs *segs);

/* The CPU state that "info registers" prints for one CPU. */
struct x86_cpu_state {
	uint64_t ip;       /* RIP= or EIP= (the offset in CS, not linear) */
	uint64_t eflags;   /* RFL= or EFL= */
	uint64_t cr0, efer;
	unsigned cpl;
	bool halted;       /* HLT=1: waiting for an interrupt */
	struct x86_segs segs;
};
/*
 * Parse QEMU's "info registers" text (the first CPU in it): the
 * RIP/EIP line, CR0, EFER and the segment lines.  Returns 0, or -1 when
 * the instruction pointer, CR0 or CS is missing (not that text).
 */
int x86_parse_cpu_state(const char *text, struct x86_cpu_state *st);

/* ------------------------------------------------------------------ */
/* addr.c                                                              */

/* How gc_parse_addr looks names up; each returns 0, or -1 when unknown. */
struct gc_addr_ctx {
	int (*reg)(void *ctx, const char *name, uint64_t *v);
	int (*sym)(void *ctx, const char *name, uint64_t *v);
	void *ctx;
};

/*
 * An address expression: terms joined by '+' and '-'.  A term is
 *   0x7c00 | 31744        a number (hex with 0x, else decimal)
 *   f000:fff0 | $cs:$ip   seg:off, both hex with or without 0x (or
 *                         registers): the linear address seg * 16 + off,
 *                         real-mode style
 *   $rdi                  a register
 *   start_kernel          a symbol (letters, digits, _ . and $, not
 *                         starting with a digit); &start_kernel the same
 * A leading '*' is accepted and ignored (gdb's "break *ADDR").  A NULL ctx
 * function makes that kind of term an error.  Errors: "malformed address
 * 'S': ...", "unknown symbol 'S'", "unknown register '$R'".
 */
int gc_parse_addr(const char *s, const struct gc_addr_ctx *x, uint64_t *out,
		  struct kit_err *err);
/* Whether s looks like seg:off ("f000:fff0"), with *seg and *off set. */
bool gc_parse_segoff(const char *s, uint16_t *seg, uint64_t *off);

/* ------------------------------------------------------------------ */
/* cond.c                                                              */

#define GC_COND_MAX 8

enum gc_cond_op { GC_OP_TRUE, GC_OP_EQ, GC_OP_NE, GC_OP_LT, GC_OP_LE,
		  GC_OP_GT, GC_OP_GE };

/*
 * A condition: comparisons of two address expressions (unsigned 64-bit),
 * joined by "&&" and "||" ("&&" binds tighter), or a single expression
 * (true when not zero).  Operands are kept as text and evaluated at each
 * stop, since they name registers.
 */
struct gc_cond {
	size_t n;
	struct {
		char lhs[128], rhs[128];
		enum gc_cond_op op;
		bool or_next;    /* joined to the next term by "||" */
	} t[GC_COND_MAX];
	char text[512];
};

/* Parse (and check every operand against x, whose lookups may be NULL
 * for syntax only).  Errors: "malformed condition 'S': ...". */
int gc_cond_parse(const char *s, const struct gc_addr_ctx *x,
		  struct gc_cond *c, struct kit_err *err);
/* 1 true, 0 false, -1 an operand could not be evaluated. */
int gc_cond_eval(const struct gc_cond *c, const struct gc_addr_ctx *x,
		 struct kit_err *err);

/* ------------------------------------------------------------------ */
/* value.c                                                             */

/* The C type of a value the user names with a cast ("(unsigned char *)"),
 * as x86-64 gdb sizes it: char 1, short 2, int 4, long and pointers 8. */
struct gc_ctype {
	unsigned size;     /* bytes: 1, 2, 4 or 8 */
	bool is_signed;
	bool is_char;      /* printed as 65 'A' */
	bool is_ptr;       /* printed as (TYPE *) 0x... */
	char name[80];     /* "unsigned long", "char *" */
};

/*
 * A type name: char, short, int, long, long long with signed/unsigned,
 * unsigned alone, u8..u64, s8..s64, [u]int8_t..[u]int64_t, size_t, void
 * (only as a pointer), bool; then any number of '*'.  Errors: "unknown
 * type 'T' (...)".
 */
int gc_ctype_parse(const char *s, struct gc_ctype *t, struct kit_err *err);
/* The type of a bare symbol or register: an unsigned integer of size
 * bytes ("unsigned long" for 8). */
void gc_ctype_unsigned(struct gc_ctype *t, unsigned size);

/* Where "set X = V" writes and what "watch X" watches. */
struct gc_lvalue {
	bool is_reg;       /* $NAME: a register */
	char reg[32];      /* its name without '$' */
	uint64_t addr;     /* memory: the linear address */
	struct gc_ctype type;
	char text[128];    /* as the user wrote it, trimmed */
};

/*
 * Parse an lvalue:
 *   $rax                   a register (is_reg; type unsigned, 8 bytes)
 *   *(TYPE *)EXPR          TYPE at the address EXPR
 *   *EXPR                  an int at EXPR (gdb's default)
 *   SYM, SYM+4, &SYM...    memory at that address, an unsigned integer of
 *                          word bytes (the CPU mode's: 8 in 64-bit mode)
 * EXPR is an address expression (gc_parse_addr; a leading '&' on a symbol
 * is accepted, its value is its address).  Errors as gc_parse_addr's and
 * gc_ctype_parse's, "malformed cast in 'S'".
 */
int gc_lvalue_parse(const char *s, const struct gc_addr_ctx *x, unsigned word,
		    struct gc_lvalue *lv, struct kit_err *err);

/*
 * v (of type t; NULL: a 64-bit signed integer, what gdb gives a register)
 * in gdb's print format letter fmt into buf:
 *   0    by type: signed or unsigned decimal, 65 'A' for a char,
 *        0x... for a pointer
 *   x    hex, no leading zeros         z   hex, zero-padded to the size
 *   d    signed decimal                u   unsigned decimal
 *   o    octal with a leading 0        t   binary, no leading zeros
 *   c    the low byte as a char: 65 'A', 10 '\n', -56 '\310'
 *   a    hex (the caller adds " <symbol>")
 *   f    the bits as an IEEE double (8 bytes) or float (4); else decimal
 *   s    as 0 (an integer is no string)
 * pad: x pads to the size (x/NFU's units do, p/x does not).  Returns buf;
 * an unknown letter gives "".
 */
const char *gc_value_format(char *buf, size_t len, uint64_t v,
			    const struct gc_ctype *t, char fmt, bool pad);

/* ------------------------------------------------------------------ */
/* sigtab.c                                                            */

/* GDB's signal numbers (gdb/signals.def), which stubs send in S/T/X. */
#define GC_NSIG 64

struct gc_sigaction {
	bool stop, print, pass;
};

struct gc_sigtab {
	struct gc_sigaction a[GC_NSIG];
};

/* gdb's defaults, except SIGTERM and SIGKILL: nostop noprint nopass. */
void gc_sigtab_init(struct gc_sigtab *t);
/* "SIGTERM", "TERM", "sigterm" or "15": the GDB number, or -1. */
int gc_signal_number(const char *name);
/* "SIGTERM"; "SIG<n>" for a number without a name (static buffer-free:
 * buf is used then, at least 16 bytes). */
const char *gc_signal_name(int signo, char *buf);
/* A description ("Terminated"), or "Unknown signal". */
const char *gc_signal_desc(int signo);
/*
 * Apply "handle" arguments: one or more signal names (or "all"), then
 * actions among stop nostop print noprint pass nopass ignore noignore.  As
 * in gdb, "stop" implies "print" and "noprint" implies "nostop".  With no
 * action the table is unchanged.  The signals named go to sigs[] (up to
 * max; *nsigs the count).  Errors: "unknown signal 'X'", "unknown action
 * 'X'", "no signal named".
 */
int gc_sigtab_handle(struct gc_sigtab *t, const char *args, int *sigs,
		     size_t max, size_t *nsigs, struct kit_err *err);

/* ------------------------------------------------------------------ */
/* layout.c                                                            */

struct ksym_bzimage;
struct ksym_table;

/* Physical (linear before paging) ranges, [lo, hi). */
struct gc_range {
	uint64_t lo, hi;
};

#define GC_KERNEL_VIRT_OFFSET 0xffffffff80000000ull /* __START_KERNEL_map */

struct gc_sample_layout {
	struct gc_range setup;      /* real-mode setup code */
	struct gc_range decomp;     /* decompressor as loaded (0x100000..) */
	struct gc_range reloc;      /* where it may run after relocating
	                               itself; empty when unknown */
	struct gc_range kphys;      /* the kernel text, physical (_text.._etext
	                               - __START_KERNEL_map); empty w/o symbols */
	bool from_header;           /* setup and reloc came from a bzImage */
};

/*
 * Defaults for QEMU -kernel without a header: setup 0x10000-0x20000,
 * decompressor 0x100000-0x1000000, no relocated copy known.
 */
void gc_sample_layout_default(struct gc_sample_layout *l);
/*
 * Refine from the bzImage header: setup = 0x10000 (QEMU's real_addr for
 * boot protocol >= 2.02 with LOADED_HIGH, else 0x90000) + (setup_sects +
 * 1) * 512; decompressor from code32_start to pref_address; relocated copy
 * anywhere in [pref_address, pref_address + init_size) that is not kernel
 * text: the decompressor moves itself to the end of that buffer
 * (arch/x86/boot/compressed/head_64.S) and decompresses to its start.
 */
void gc_sample_layout_bzimage(struct gc_sample_layout *l,
			      const struct ksym_bzimage *bz);
/* The kernel text's physical range from _text/_etext (or _stext/_end) of
 * a kernel linked at __START_KERNEL_map; nothing for other tables. */
void gc_sample_layout_symbols(struct gc_sample_layout *l,
			      const struct ksym_table *syms);

/* ------------------------------------------------------------------ */
/* disasm.c                                                            */

struct gc_insn {
	uint64_t addr;
	uint16_t size;
	uint8_t bytes[16];
	char mnemonic[32];
	char op_str[160];
	bool is_call;      /* call: nexti steps over it */
	bool is_ret;
	bool has_target;   /* a call or jump to an immediate address: */
	uint64_t target;   /* that address, for naming it as gdb does */
};

/*
 * Disassemble up to max instructions of code (len bytes at linear addr)
 * in bits (16, 32, 64) mode, AT&T syntax unless intel.  Returns how many
 * were decoded (0 when the first is invalid), or -1 with err set when
 * capstone cannot be opened.
 */
int gc_disasm(const uint8_t *code, size_t len, uint64_t addr, int bits,
	      bool intel, struct gc_insn *out, size_t max, struct kit_err *err);

/* ------------------------------------------------------------------ */
/* session.c                                                            */

struct gc_session {
	char path[4200];      /* the session file */
	long wrapper_pid, qemu_pid;
	char gdb[4200];       /* "tcp:127.0.0.1:PORT" or "unix:PATH"; "" none */
	char monitor[4200];   /* the clients' human monitor "unix:PATH"; "" none */
	char kernel[4096];    /* "" when none */
	char accel_active[32];/* "kvm", "tcg", "" unknown */
	char accel[32];       /* what was asked for ("kvm:tcg"); "" unknown */
	char qemu[4096];      /* the qemu binary the wrapper ran; "" unknown */
	char append[4096];    /* the kernel command line (-append) */
	bool have_append;     /* an "append" was in the file, maybe "" */
	bool hold;
	int64_t start_realtime_ns;
	int64_t start_monotonic_ns; /* the wrapper's start, CLOCK_MONOTONIC */
	char exit_file[4200]; /* RUNDIR/PID.exit.json, written when qemu has
			       * exited; "" when the wrapper names none */
	char events[4200];    /* RUNDIR/PID.events, QEMU's STOP/RESUME times;
			       * "" none */
};

/* Parse one session file.  Errors: cannot read, not JSON, no version 1. */
/*
 * A file of the run directory (session, exit record) as JSON: only a
 * regular file owned by the caller, at most 1 MiB, no link followed, no
 * FIFO waited on.  NULL with *err filled otherwise.
 */
struct json_object *gc_read_own_json(const char *path, struct kit_err *err);
int gc_session_read(const char *path, struct gc_session *s,
		    struct kit_err *err);
/* Whether both its wrapper and its QEMU are alive. */
bool gc_session_alive(const struct gc_session *s);
/*
 * The newest live session with a gdb endpoint in rundir (newest by
 * start.realtime_ns).  1 found, 0 none, -1 error (cannot read the dir).
 */
int gc_session_latest(const char *rundir, struct gc_session *s,
		      struct kit_err *err);
/* The same among the sessions whose endpoint is gdb ("tcp:" and
 * "localhost" read as "127.0.0.1"); gdb NULL: any. */
int gc_session_find(const char *rundir, const char *gdb,
		    struct gc_session *s, struct kit_err *err);

/*
 * The session to attach to, as --latest and --wait mean it, for every
 * subcommand: the newest live session in the user's run directory
 * (kit_rundir_path).  wait false: one look.  wait true: a look every 20 ms
 * until one appears, timeout_ms passes (-1 = no limit) or *stop (may be
 * NULL; a signal handler sets it) becomes non-zero.  1 with *s filled, or
 * -1 with err saying which of those it was, in one line.
 */
int gc_session_wait(bool wait, int64_t timeout_ms, volatile sig_atomic_t *stop,
		    struct gc_session *s, struct kit_err *err);

/* ------------------------------------------------------------------ */
/* target.c                                                            */

#define GC_MAX_BPS 64
#define GC_HW_SLOTS 4    /* x86 debug registers DR0..DR3 */

enum gc_bp_flags {
	GC_BP_HW = 0x1,      /* asked for a hardware breakpoint (hbreak) */
	GC_BP_TEMP = 0x2,    /* deleted when hit (tbreak) */
	GC_BP_FINISH = 0x4,  /* internal: finish/nexti; not listed */
	GC_BP_WATCH = 0x8,   /* a watchpoint (Z2-Z4): addr is data, as is
	                        RSP_WP_WRITE, _READ or _ACCESS */
};

struct gc_bp {
	int num;               /* user-visible number; internal ones < 0 */
	uint64_t addr;         /* linear */
	unsigned flags;        /* GC_BP_* */
	bool inserted;
	enum rsp_bp_type as;   /* how it is inserted: RSP_BP_SW or RSP_BP_HW */
	bool want_sw;          /* hardware only as a fallback: re-arm as sw */
	char why[96];          /* why it fell back, for info breakpoints */
	bool has_cond;
	struct gc_cond cond;
	unsigned long hits;
	char spec[128];        /* what the user typed */
	uint64_t frame_sp;     /* GC_BP_FINISH: stop only when sp > this */
	/* GC_BP_WATCH: */
	unsigned len;          /* bytes watched at addr (1, 2, 4 or 8) */
	struct gc_ctype type;  /* how the value is shown */
	uint64_t value;        /* the value at the last look (set, hit) */
	bool value_known;      /* it could be read then */
};

/* The CPU state derived after a stop, cached until the next resume. */
struct gc_mode_info {
	enum x86_mode mode;
	int bits;
	uint64_t cr0, efer, eflags;
	uint64_t ip;           /* rip as the stub reports it */
	uint64_t pc;           /* linear */
	uint16_t cs;
	bool segs_valid;       /* from "info registers" */
	struct x86_segs segs;
};

enum gc_event_kind {
	GC_EV_BREAK,       /* a user breakpoint; bp_num */
	GC_EV_FINISH,      /* an internal breakpoint (finish, nexti) */
	GC_EV_WATCH,       /* a watchpoint: bp_num, watch_* below */
	GC_EV_STEP,        /* a single step completed */
	GC_EV_SIGNAL,      /* a signal to stop for (SIGINT after Ctrl-C...) */
	GC_EV_EXITED,      /* W: exit_status */
	GC_EV_KILLED,      /* X: signo */
	GC_EV_CLOSED,      /* the connection ended */
	GC_EV_TIMEOUT,     /* still running after the wait's timeout */
};

struct gc_event {
	enum gc_event_kind kind;
	int bp_num;
	bool temp;         /* GC_EV_BREAK: it was a tbreak (now deleted) */
	int signo;
	int exit_status;
	struct rsp_stop stop;
	/* GC_EV_WATCH: the data address the stub reported, the value before
	 * (old_known: it could be read then) and now; changed: new != old */
	uint64_t watch_addr, watch_old, watch_new;
	bool watch_old_known, watch_new_known, watch_changed;
};

/* Things the library reports while it resumes on its own (a signal
 * marked "print nostop", a breakpoint re-armed); the CLI prints them. */
typedef void (*gc_notify_fn)(void *ctx, const char *msg);

struct gc_target {
	struct rsp_conn *c;
	struct ksym_table *syms;   /* may be NULL; not owned */
	int kvm;                   /* 1 KVM, 0 not, -1 unknown */
	bool have_monitor;         /* qRcmd works (not QEMU user mode) */
	bool monitor_checked;

	bool regs_valid;           /* rsp_g() is current (cleared on resume) */
	bool mode_valid;
	struct gc_mode_info mi;

	struct gc_bp bps[GC_MAX_BPS];
	size_t nbps;
	int next_num;
	struct gc_sigtab sigs;
	int pending_sig;           /* passed on the next resume; 0 none */
	bool exited;               /* W/X/closed: nothing more to do */
	long bp_tid;               /* the thread (vCPU) of the last breakpoint
	                              hit, until a continue steps it off; 0 */
	bool have_early;           /* a stop that ended a step-over early, */
	struct rsp_stop early;     /* handed out by the next gc_wait */

	gc_notify_fn notify;
	void *notify_ctx;

	/* Stop-cost accounting (bench/stop-cost): ns, monotonic. */
	uint64_t last_stop_ns;     /* when the last stop reply was parsed */
	uint64_t stop_cost_ns;     /* sum of stop -> resume sent */
	unsigned long nstops;      /* stops counted in stop_cost_ns */
};

/* Connect and start (qSupported, description, '?').  NULL on failure. */
struct gc_target *gc_target_open(const char *spec, int timeout_ms,
				 struct kit_err *err);
void gc_target_close(struct gc_target *t);
/* Learn whether QEMU runs under KVM ("monitor info kvm"), unless known. */
void gc_target_probe_accel(struct gc_target *t);

/* Registers from the cache (a 'g' when stale). */
int gc_reg(struct gc_target *t, const char *name, uint64_t *v,
	   struct kit_err *err);
/* Change one register (P, or G when P is refused). */
int gc_reg_write(struct gc_target *t, const char *name, uint64_t v,
		 struct kit_err *err);
/* The mode, pc and (when needed) segments: cached until the next resume.
 * want_segs forces "info registers" even when the mode does not need it. */
int gc_mode(struct gc_target *t, bool want_segs,
	    const struct gc_mode_info **mi, struct kit_err *err);
/* An address-expression context reading this target's registers and
 * symbols (seg:off uses seg * 16). */
void gc_target_addr_ctx(struct gc_target *t, struct gc_addr_ctx *x);

ssize_t gc_read_mem(struct gc_target *t, uint64_t addr, void *buf, size_t len,
		    struct kit_err *err);
/* Write len bytes at addr (M).  "cannot write memory at 0x..." for E NN. */
int gc_write_mem(struct gc_target *t, uint64_t addr, const void *buf, size_t len,
		 struct kit_err *err);

/*
 * Breakpoints.  A software one refused by the stub (empty or E NN: KVM
 * writing int3 through page tables where the address is not mapped), or
 * asked for under KVM before paging is on, becomes a hardware one (at most
 * GC_HW_SLOTS in use) and is re-armed as software at a later stop when
 * paging is on and the stub accepts it.  cond may be NULL.  Returns the
 * breakpoint, or NULL.
 */
struct gc_bp *gc_break_add(struct gc_target *t, uint64_t addr, unsigned flags,
			   const char *spec, const struct gc_cond *cond,
			   struct kit_err *err);
int gc_break_delete(struct gc_target *t, int num, struct kit_err *err);
/*
 * A watchpoint: Z2 (type RSP_WP_WRITE), Z3 (RSP_WP_READ) or Z4
 * (RSP_WP_ACCESS) of len bytes at the linear address addr (QEMU under
 * TCG takes any number; under KVM they share the 4 debug registers).  Its
 * value is read now, and again at each hit: a write watchpoint that finds
 * the value unchanged resumes silently, as gdb's do.  Listed with the
 * breakpoints (same numbers); deleted the same way.  NULL on failure
 * ("the stub does not support watchpoints" for an empty reply).
 */
struct gc_bp *gc_watch_add(struct gc_target *t, enum rsp_bp_type type,
			   uint64_t addr, unsigned len, const struct gc_ctype *vt,
			   const char *spec, struct kit_err *err);
int gc_break_delete_all(struct gc_target *t, struct kit_err *err);
struct gc_bp *gc_break_find(struct gc_target *t, int num);

/* Resume (continue or one single step), passing the pending signal. */
int gc_continue(struct gc_target *t, struct kit_err *err);
/*
 * Wait for the next event worth reporting: conditions that are false,
 * finish breakpoints in a deeper frame and "nostop" signals are resumed
 * silently here.  timeout_ms -1 = forever (the wake fd readable, or
 * rsp_interrupt(), is how a user stops it).  0 or -1 (error).
 */
int gc_wait(struct gc_target *t, int timeout_ms, struct gc_event *ev,
	    struct kit_err *err);
/* One instruction; the event is GC_EV_STEP unless something else ended it. */
int gc_stepi(struct gc_target *t, struct gc_event *ev, struct kit_err *err);
/* Send the break byte (async-signal-safe). */
void gc_interrupt(struct gc_target *t);
int gc_detach(struct gc_target *t, struct kit_err *err);

/* A symbolic rendering "name+0x1a" of addr into buf, or "" when none. */
const char *gc_symbolize(struct gc_target *t, uint64_t addr, char *buf,
			 size_t len);

#endif
