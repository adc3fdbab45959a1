/*
 * cli.h: the command-line part of gdbstub-client (main.c, cmds.c, repl.c).
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
	long last_tid;         /* the thread of the last stop reported; 0 none */
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
int cli_bt(struct cli *cli, const char *args);
/* threads.c: "info threads", "thread [N]" (QEMU: a thread per vCPU). */
int cli_info_threads(struct cli *cli, const char *args);
int cli_thread(struct cli *cli, const char *args);

/* repl.c: the interactive loop on a terminal; returns the exit status. */
int cli_repl(struct cli *cli);
/* Read commands from f (no prompt): with a name (-x FILE) stop at the
 * first failure; without (a pipe on stdin) go on.  0, or -1 if any failed. */
int cli_script(struct cli *cli, FILE *f, const char *name);

#endif
