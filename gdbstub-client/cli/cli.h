/*
 * cli.h: the command-line part of gdbstub-client (main.c, cmds.c, repl.c,
 * linux.c, examine.c, gdb.c).
 * This part prints; the library part (target.h) does not.
 */
#ifndef GC_CLI_H
#define GC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "target.h"

struct ksym_table;
struct ksym_btf;

struct cli {
	struct gc_target *t;
	struct ksym_table *syms;
	const char *kernel;    /* the image syms came from: BTF for dmesg */
	struct ksym_btf *btf;  /* loaded by the first dmesg, or NULL */
	struct ksym_orc *orc;  /* loaded by the first bt, or NULL */
	bool no_orc;           /* the image has no ORC tables: frame pointers */
	bool batch;            /* -ex / -x / stdin not a terminal */
	bool quit;             /* "quit", "detach", or the target is gone */
	bool intel;            /* disassembly syntax */
	int run_timeout_ms;    /* continue/finish: -1 = until a stop */

	/* gdb's habits (gdb.c) */
	bool no_confirm;       /* "set confirm off" */
	char *repeat_line;     /* what Enter runs again (NULL: nothing) */
	bool repeating;        /* the command runs again by Enter */
	bool x_valid;          /* x: where the last one ended, its format */
	uint64_t x_next;
	long x_count;
	char x_fmt;
	unsigned x_size;
	uint64_t *history;     /* p's values: $1, $2... */
	size_t nhistory;
	struct cli_display *displays;
	size_t ndisplays;
	int next_display;
	struct gc_addr_ctx target_ctx; /* the target's, under cli_addr_ctx */
	long last_tid;         /* the thread of the last stop reported; 0 none */
};

/* One "display" expression, shown at every stop. */
struct cli_display {
	int num;
	char fmt;              /* print letter, 'i' or 's' (x), 0 none */
	long count;            /* for 'i' and 's' */
	char expr[128];
};

struct cli_cmd {
	const char *name;
	const char *alias;     /* short form, or NULL */
	int (*fn)(struct cli *cli, const char *args);
	const char *usage;     /* arguments */
	const char *help;      /* one line */
	int complete;          /* what TAB completes after it: CLI_COMPLETE_* */
};

enum { CLI_COMPLETE_NONE, CLI_COMPLETE_SYMBOL, CLI_COMPLETE_INFO,
       CLI_COMPLETE_SIGNAL, CLI_COMPLETE_COMMAND };

extern const struct cli_cmd cli_cmds[];

/* Run one command line: 0, or -1 after printing why it failed. */
int cli_exec(struct cli *cli, const char *line);
/* Print where the target is now ("=> f000:fff0 = 0xfffffff0: ljmp ..."). */
void cli_show_location(struct cli *cli);
/* Ask the guest to stop (safe in a signal handler). */
void cli_interrupt(struct cli *cli);
/* Completion candidates: the command names, info subcommands, signal
 * names, symbols starting with text; state 0 starts over. */
char *cli_complete(struct cli *cli, int what, const char *text, int state);

/* linux.c: the kernel log of the stopped guest, read from its memory
 * (the "dmesg" command and subcommand): 0, or -1 after printing why. */
int cli_dmesg(struct cli *cli, const char *args);
int cli_percpu(struct cli *cli, const char *args);
/* Load cli->btf from cli->kernel unless loaded: 0, or -1 after saying why. */
/* A live target, or -1 after saying why it is gone. */
int cli_need_target(struct cli *cli);
/* "CMD takes no arguments" unless ARGS is blank: 0 or -1 (said). */
int cli_no_args(const char *cmd, const char *args);
int cli_need_btf(struct cli *cli);
struct lx_prb_layout;
int cli_need_prb_layout(struct cli *cli, struct lx_prb_layout *l);
struct lx_task_layout;
int cli_need_task_layout(struct cli *cli, struct lx_task_layout *l);
int cli_ps(struct cli *cli, const char *args);
/* meminfo.c: the guest's memory as /proc/meminfo shows it ("meminfo",
 * "info meminfo", the subcommand); the layout before attaching. */
struct lx_mem_layout;
int cli_need_mem_layout(struct cli *cli, struct lx_mem_layout *l);
int cli_meminfo(struct cli *cli, const char *args);
int cli_bt(struct cli *cli, const char *args);
/* threads.c: "info threads", "thread [N]" (QEMU: a thread per vCPU). */
int cli_info_threads(struct cli *cli, const char *args);
int cli_thread(struct cli *cli, const char *args);

/* cmds.c, for gdb.c: an address expression with $N of p's history:
 * 0, or -1 after saying why. */
int cli_parse_addr(struct cli *cli, const char *s, uint64_t *v);
/* The address context of cli_parse_addr (registers, symbols, $N). */
void cli_addr_ctx(struct cli *cli, struct gc_addr_ctx *x);
void cli_print_insn(struct cli *cli, const struct gc_insn *in, const char *prefix,
		    const char *where);
/* Report a stop event as gdb would (and the displays): 0, or -1 for a
 * failure in batch mode. */
int cli_report(struct cli *cli, const struct gc_event *ev);
/* Wait for the running target's stop, then cli_report; --run-timeout
 * interrupts it. */
int cli_wait_report(struct cli *cli);
/* Run to the internal breakpoints just set; their stop is a step's end. */
int cli_run_internal(struct cli *cli, struct gc_event *ev);
/* stepi/nexti N. */
int cli_step(struct cli *cli, const char *args, bool over);
/* Whether Enter runs command NAME again (cli_repeats lists them). */
bool cli_repeats(const char *name);
/* Run the last repeatable command again (Enter on an empty line). */
int cli_exec_repeat(struct cli *cli);

/* examine.c: print, x, info registers, info symbol as gdb's. */
int cli_print(struct cli *cli, const char *args);
int cli_x(struct cli *cli, const char *args);
int cli_info_symbol(struct cli *cli, const char *args);
int cli_info_registers(struct cli *cli, const char *args);
/* "/FMT" after print or display: the letter (0 none), *pp past it; 0 or
 * -1 after saying why. */
int cli_parse_print_format(const char **pp, char *fmt, const char *cmd);
/* EXPR's value: an address expression, or memory when it starts with '*'
 * (*(TYPE *)ADDR; *typed then, with *type): 0, or -1 after saying why. */
int cli_eval(struct cli *cli, const char *expr, uint64_t *v, struct gc_ctype *type,
	     bool *typed);
/* VALUE as p/FMT shows it ("0x1ad40", "64 '@'", "0x... <sym+0x1a>"). */
void cli_render(struct cli *cli, char *buf, size_t len, uint64_t v,
		const struct gc_ctype *type, char fmt);
/* " <sym+0x1a>" for addr, or "". */
const char *cli_sym_suffix(struct cli *cli, uint64_t addr, char *buf, size_t len);
/* The CPU mode's word in bytes (8 in 64-bit code): a bare symbol's size. */
unsigned cli_mode_word(struct cli *cli);

/* gdb.c: gdb's vocabulary beyond looking. */
int cli_set(struct cli *cli, const char *args);
int cli_watch(struct cli *cli, const char *args);
int cli_rwatch(struct cli *cli, const char *args);
int cli_awatch(struct cli *cli, const char *args);
int cli_display(struct cli *cli, const char *args);
int cli_undisplay(struct cli *cli, const char *args);
int cli_until(struct cli *cli, const char *args);
int cli_advance(struct cli *cli, const char *args);
int cli_info_frame(struct cli *cli, const char *args);
int cli_info_display(struct cli *cli, const char *args);
/* Show every display (after a stop). */
void cli_do_displays(struct cli *cli);
/*
 * gdb's query: "QUESTION(y or n) " on a terminal, the answer read from
 * it; true without asking in batch mode (-ex, -x, -batch, stdin not a
 * terminal) or after "set confirm off", as gdb does.  EOF is yes, Ctrl-C
 * no.
 */
bool cli_confirm(struct cli *cli, const char *question);
void cli_gdb_free(struct cli *cli);
struct lx_frame;
/* linux.c: the kernel stack's frames (bt, info frame, until). */
int cli_unwind(struct cli *cli, struct lx_frame *f, size_t max, size_t *n,
	       char *why, size_t wlen);

/* repl.c: the interactive loop on a terminal; returns the exit status. */
int cli_repl(struct cli *cli);
/* Read commands from f (no prompt): with a name (-x FILE) stop at the
 * first failure; without (a pipe on stdin) go on.  0, or -1 if any failed. */
int cli_script(struct cli *cli, FILE *f, const char *name);

#endif
