/*
 * gdbstub-client: a GDB Remote Serial Protocol client for debugging early
 * boot in QEMU, where gdb stumbles.
 *
 * What it does
 *   It attaches to QEMU's gdbstub (TCG or KVM) and shows the machine as it
 *   is at each stop: which x86 mode the CPU is in (real, 16- or 32-bit
 *   protected, compatibility, 64-bit), the linear address of the
 *   instruction (real mode as "f000:fff0 = 0xfffffff0": right after reset
 *   the CS base is 0xffff0000, not CS * 16), and that instruction
 *   disassembled in the mode's width.  gdb 13 against QEMU 7.2 cannot: it
 *   rejects "set architecture i8086" because QEMU sends its own x86-64
 *   target description, shows real-mode pc as IP and disassembles the
 *   reset vector as 64-bit code.  Breakpoints take symbols (from
 *   kernel-symbols: a bzImage's kallsyms, a vmlinux, a guest ELF), linear
 *   addresses or seg:off, with conditions on registers.
 *
 * How to run it
 *   gdbstub-client attach                    newest live qemu-wrapper session
 *   gdbstub-client attach --wait             wait for one (--timeout SEC)
 *   gdbstub-client attach 127.0.0.1:1234     any gdbstub, TCP or unix:PATH
 *       --kernel FILE       symbols (default: the session file's kernel)
 *       -ex CMD             run CMD (repeatable), then leave; exit status 1
 *       -x FILE             run the commands in FILE, stop at the first
 *                           failure
 *   Commands: "help" lists them (continue, stepi, nexti, finish, break,
 *   hbreak, tbreak, delete, info, x/FMT, disassemble, mode, handle,
 *   monitor, symbol, detach, quit).  Ctrl-C stops the guest.
 *   GDBSTUB_TRACE=1 prints every packet.
 *
 * How it works
 *   gdbstub-client/rsp/rsp.h speaks the protocol; target.c keeps the state of
 *   one stop (registers from 'g', the mode from CR0/EFER/EFLAGS plus the
 *   CS descriptor from "monitor info registers" when the mode needs it),
 *   the breakpoint table and the signal table.  Resuming from a
 *   breakpoint lifts it for one single step (QEMU would stop there again).
 *   A software breakpoint the stub refuses (KVM writes int3 through page
 *   tables that may not map the address yet) becomes a hardware one,
 *   re-armed as software at a later stop once paging is on.  Conditions,
 *   "finish" frames and "handle SIG nostop" are decided here, and such
 *   stops are resumed without a word.
 *
 * Where it breaks
 *   - "finish" reads the return address from the top of the stack: right
 *     only at a function's entry (where a breakpoint on its symbol
 *     stops), not in its middle.  There is no unwinder.
 *   - Breakpoint matching in protected and long mode assumes a flat CS
 *     (base 0) until the mode is asked for; a non-flat CS costs one
 *     monitor command per stop, but is still right.
 *   - SIGKILL cannot be ignored: "handle SIGKILL nostop nopass" only
 *     matters for stubs that report it; the host kernel kills QEMU and
 *     the connection closes ("connection closed by the stub").
 *   - Symbols are link-time addresses: boot the kernel with nokaslr.
 *   - QEMU 7.2 flushes its whole translation cache at every breakpoint or
 *     single-step stop under TCG: many stops make the guest slow, whoever
 *     the client is (bench/stop-cost).
 */
#include "cli.h"
#include "ksym.h"
#include "model.h"
#include "recorder.h"
#include "sample.h"
#include "rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: gdbstub-client attach [--latest | --wait | HOST:PORT | unix:PATH]\n"
		"                             [--kernel FILE] [--timeout SEC] [--run-timeout SEC]\n"
		"                             [--intel] [-ex CMD]... [-x FILE]\n"
		"       gdbstub-client profile [--latest | --wait | ENDPOINT] [--kernel FILE]\n"
		"                             [--initcalls=breakpoints|entries|off] [--until M | --until-exit]\n"
		"                             [--sample HZ] -o FILE.json\n"
		"       gdbstub-client sample [--latest | --wait | ENDPOINT] [--kernel FILE] [--hz N]\n"
		"                             [--duration SEC | --until-exit] [-o FILE.json]\n"
		"       gdbstub-client report FILE.json... [--format=text|json|svg|trace|folded]\n"
		"                             [--warmup N] [--top N] [--color=auto|always|never] [-o FILE]\n"
		"       gdbstub-client compare A.json... -- B.json... [--threshold PCT]\n"
		"       gdbstub-client help    (the commands: gdbstub-client attach -ex help)\n");
	exit(status);
}

static void on_notify(void *ctx, const char *msg)
{
	(void)ctx;
	printf("%s\n", msg);
	fflush(stdout);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Find the endpoint from the session files; fills sess. */
static void find_session(bool wait, int timeout_s, struct gc_session *sess)
{
	struct kit_err e;

	if (gc_session_wait(wait, (int64_t)timeout_s * 1000, NULL, sess, &e) < 0)
		die("%s", e.msg);
}

static struct ksym_table *load_symbols(const char *path)
{
	struct timespec t0;
	struct kit_err e;
	struct ksym_table *t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = ksym_open(path, 0, &e);
	if (!t) {
		warning("no symbols: %s", e.msg);
		return NULL;
	}
	printf("symbols: %zu from '%s' (%s) in %.0f ms\n", t->nsyms, path,
	       t->source == KSYM_SRC_CACHE ? "cache" :
	       t->source == KSYM_SRC_KALLSYMS ? "kallsyms, now cached" :
	       t->source == KSYM_SRC_ELF ? "ELF" : "map", ms_since(&t0));
	return t;
}

int main(int argc, char **argv)
{
	const char *endpoint = NULL, *kernel = NULL, *script = NULL;
	struct { const char **v; int n; } ex = { NULL, 0 };
	struct gc_session sess;
	struct cli cli;
	struct kit_err e;
	bool wait = false;
	int timeout_s = 30, run_timeout_s = -1, i, status = 0;

	set_progname("gdbstub-client");
	memset(&cli, 0, sizeof cli);
	memset(&sess, 0, sizeof sess);
	if (argc < 2)
		usage(2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		usage(0);
	/* the report module parses its own options; argv[0] = subcommand */
	if (!strcmp(argv[1], "report"))
		return prof_report_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return prof_compare_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "profile"))
		return gc_profile_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sample"))
		return gc_sample_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "attach"))
		die("unknown subcommand '%s' (try 'gdbstub-client help')", argv[1]);
	ex.v = calloc((size_t)argc, sizeof *ex.v);
	if (!ex.v)
		die("out of memory");
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--latest"))
			wait = false;
		else if (!strcmp(a, "--wait"))
			wait = true;
		else if (!strcmp(a, "--kernel") && i + 1 < argc)
			kernel = argv[++i];
		else if (!strcmp(a, "--timeout") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else if (!strcmp(a, "--run-timeout") && i + 1 < argc)
			run_timeout_s = atoi(argv[++i]);
		else if (!strcmp(a, "--intel"))
			cli.intel = true;
		else if ((!strcmp(a, "-ex") || !strcmp(a, "--ex")) && i + 1 < argc)
			ex.v[ex.n++] = argv[++i];
		else if (!strcmp(a, "-x") && i + 1 < argc)
			script = argv[++i];
		else if (a[0] == '-')
			die("unknown option '%s'", a);
		else if (!endpoint)
			endpoint = a;
		else
			die("more than one endpoint: '%s' and '%s'", endpoint, a);
	}
	if (timeout_s <= 0)
		die("--timeout must be a positive number of seconds");
	cli.run_timeout_ms = run_timeout_s > 0 ? run_timeout_s * 1000 : -1;
	if (!endpoint) {
		find_session(wait, timeout_s, &sess);
		endpoint = sess.gdb;
		printf("session: %s (qemu pid %ld%s)\n", sess.path, sess.qemu_pid,
		       sess.hold ? ", held at the reset vector" : "");
		if (!kernel && sess.kernel[0])
			kernel = sess.kernel;
	}
	if (kernel)
		cli.syms = load_symbols(kernel);
	cli.t = gc_target_open(endpoint, timeout_s * 1000, &e);
	if (!cli.t)
		die("cannot attach to '%s': %s", endpoint, e.msg);
	cli.t->syms = cli.syms;
	cli.t->notify = on_notify;
	if (sess.accel_active[0])
		cli.t->kvm = !strcmp(sess.accel_active, "kvm");
	gc_target_probe_accel(cli.t);
	printf("attached to %s (%s)\n", endpoint,
	       cli.t->kvm == 1 ? "kvm" : cli.t->have_monitor ? "tcg" : "no monitor");
	cli_show_location(&cli);
	fflush(stdout);

	if (ex.n || script) {
		cli.batch = true;
		for (i = 0; i < ex.n && !cli.quit; i++)
			if (cli_exec(&cli, ex.v[i]) < 0) {
				status = 1;
				break;
			}
		if (!status && script && !cli.quit) {
			FILE *f = fopen(script, "r");

			if (!f)
				die_errno("cannot read '%s'", script);
			if (cli_script(&cli, f, script) < 0)
				status = 1;
			fclose(f);
		}
		if (!cli.quit)
			cli_exec(&cli, "quit");
	} else if (isatty(STDIN_FILENO)) {
		status = cli_repl(&cli);
	} else {
		cli.batch = true;
		if (cli_script(&cli, stdin, NULL) < 0)
			status = 1;
		if (!cli.quit)
			cli_exec(&cli, "quit");
	}
	gc_target_close(cli.t);
	ksym_free(cli.syms);
	free(ex.v);
	fflush(stdout);
	return status;
}
