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
 *       -batch              no REPL, no questions (gdb's -batch)
 *   gdbstub-client dmesg [ENDPOINT] [--kernel FILE]   the kernel log of the
 *                           guest, read from its memory (then it runs on)
 *   gdbstub-client ps [ENDPOINT] [--kernel FILE]      its processes, the same way
 *   Commands: "help" lists them (continue, stepi, nexti, finish, until,
 *   advance, break, hbreak, tbreak, watch, rwatch, awatch, delete, info,
 *   x/FMT, print/FMT, set, display, disassemble, mode, handle, monitor,
 *   symbol, dmesg, ps, bt, percpu, detach, quit), with gdb's syntax and
 *   output shapes; Enter repeats the last command.  Ctrl-C stops the guest.
 *   GDBSTUB_TRACE=1 prints every packet.  --help (stdout, exit 0) and
 *   --version on the program and on every subcommand; man gdbstub-client.
 *   Options are read with getopt_long_only (so gdb's -ex and -x work) and
 *   numbers strictly (common/opts.h: "--timeout 5x" is refused); a usage
 *   error in any subcommand is one line and exit status 2.
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
#include "clock.h"
#include "ksym.h"
#include "lx.h"
#include "model.h"
#include "recorder.h"
#include "sample.h"
#include "opts.h"
#include "rundir.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
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
		"                             [--intel] [-ex CMD]... [-x FILE] [-batch]\n"
		"       gdbstub-client dmesg [--latest | --wait | ENDPOINT] [--kernel FILE] [--timeout SEC]\n"
		"       gdbstub-client ps [--latest | --wait | ENDPOINT] [--kernel FILE] [--timeout SEC]\n"
		"       gdbstub-client meminfo [--latest | --wait | ENDPOINT] [--kernel FILE] [--timeout SEC]\n"
		"       gdbstub-client profile [--latest | --wait | ENDPOINT] [--kernel FILE]\n"
		"                             [--initcalls=klog|breakpoints|entries|off] [--until M | --until-exit]\n"
		"                             [--sample HZ] -o FILE.json\n"
		"       gdbstub-client sample [--latest | --wait | ENDPOINT] [--kernel FILE] [--hz N]\n"
		"                             [--duration SEC | --until-exit] [-o FILE.json]\n"
		"       gdbstub-client report FILE.json... [--format=text|json|svg|trace|folded]\n"
		"                             [--warmup N] [--top N] [--color=auto|always|never] [-o FILE]\n"
		"       gdbstub-client compare A.json... -- B.json... [--threshold PCT]\n"
		"       gdbstub-client help    (the commands: gdbstub-client attach -ex help)\n"
		"       gdbstub-client --version\n"
		"Each subcommand's --help says more; man gdbstub-client has it all.\n");
	if (!status)
		kit_help_done();
	exit(status);
}

static void attach_usage(void)
{
	fputs("usage: gdbstub-client attach [--latest | --wait | HOST:PORT | unix:PATH]\n"
	      "                             [--kernel FILE] [--timeout SEC] [--run-timeout SEC]\n"
	      "                             [--intel] [-ex CMD]... [-x FILE]\n"
	      "  --latest           the newest live qemu-wrapper session (the default)\n"
	      "  --wait             wait for a session to start\n"
	      "  HOST:PORT, unix:PATH   any gdbstub instead of a session\n"
	      "  --kernel FILE      symbols: bzImage, vmlinux, System.map or kallsyms text\n"
	      "                     (default: the session's -kernel)\n"
	      "  --timeout SEC      for --wait and for connecting (default 30)\n"
	      "  --run-timeout SEC  continue, finish, nexti, until, advance give up after SEC\n"
	      "                     (default: never)\n"
	      "  --intel            disassemble in Intel syntax\n"
	      "  -ex CMD            run CMD (repeatable), then detach and leave\n"
	      "  -x FILE            run the commands in FILE, stop at the first failure\n"
	      "Without -ex or -x: a prompt on a terminal, else commands from standard input.\n"
	      "The commands: gdbstub-client attach -ex help.  GDBSTUB_TRACE=1 prints every packet.\n",
	      stdout);
	kit_help_done();
}

static void on_notify(void *ctx, const char *msg)
{
	(void)ctx;
	printf("%s\n", msg);
	fflush(stdout);
}

/* Find the endpoint from the session files; fills sess. */
static void find_session(bool wait, int timeout_s, struct gc_session *sess)
{
	struct kit_err e;

	if (gc_session_wait(wait, (int64_t)timeout_s * 1000, NULL, sess, &e) < 0)
		die("%s", e.msg);
}

/* Symbols of PATH; says how many on OUT, or nothing when OUT is NULL. */
static struct ksym_table *load_symbols(const char *path, FILE *out)
{
	int64_t t0 = kit_mono_ns();
	struct kit_err e;
	struct ksym_table *t;

	t = ksym_open(path, 0, &e);
	if (!t) {
		warning("no symbols: %s", e.msg);
		return NULL;
	}
	if (out)
		fprintf(out, "symbols: %zu from '%s' (%s) in %.0f ms\n", t->nsyms, path,
			t->source == KSYM_SRC_CACHE ? "cache" :
			t->source == KSYM_SRC_KALLSYMS ? "kallsyms, now cached" :
			t->source == KSYM_SRC_ELF ? "ELF" : "map",
			(double)(kit_mono_ns() - t0) / 1e6);
	return t;
}

/* Connect cli->t to ENDPOINT (the guest stops), with cli->syms. */
static void connect_target(struct cli *cli, const char *endpoint, int timeout_s,
			   const struct gc_session *sess)
{
	struct kit_err e;

	cli->t = gc_target_open(endpoint, timeout_s * 1000, &e);
	if (!cli->t)
		die("cannot attach to '%s': %s", endpoint, e.msg);
	cli->t->syms = cli->syms;
	cli->t->notify = on_notify;
	if (sess->accel_active[0])
		cli->t->kvm = !strcmp(sess->accel_active, "kvm");
	gc_target_probe_accel(cli->t);
}

/* What `attach` was told. */
struct attach_opts {
	const char *endpoint, *kernel, *script;
	const char **ex;       /* -ex commands, in order */
	int nex;
	bool wait;
	int timeout_s;
	int run_timeout_s;     /* 0 = continue/finish until a stop */
	bool batch;            /* -batch: no REPL, no questions (gdb's) */
};

/*
 * Parse `attach`'s arguments (argv[0] = "attach").  getopt_long_only, so
 * gdb's single-dash -ex and -x read as they do in gdb; every usage error
 * is one line and exit status 2.
 */
static void parse_attach(int argc, char **argv, struct attach_opts *o,
			 struct cli *cli)
{
	enum { O_LATEST = 256, O_WAIT, O_KERNEL, O_TIMEOUT, O_RUN_TIMEOUT,
	       O_INTEL, O_EX, O_BATCH, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{ "latest", no_argument, NULL, O_LATEST },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "run-timeout", required_argument, NULL, O_RUN_TIMEOUT },
		{ "intel", no_argument, NULL, O_INTEL },
		{ "ex", required_argument, NULL, O_EX },
		{ "batch", no_argument, NULL, O_BATCH },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->ex = calloc((size_t)argc, sizeof *o->ex);
	if (!o->ex)
		die("out of memory");
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":x:", opts, NULL)) != -1) {
		switch (c) {
		case O_LATEST: o->wait = false; break;
		case O_WAIT: o->wait = true; break;
		case O_KERNEL: o->kernel = optarg; break;
		case O_TIMEOUT:
			/* seconds, and in milliseconds an int */
			o->timeout_s = (int)kit_opt_long_or_die("--timeout", optarg,
								1, INT_MAX / 1000);
			break;
		case O_RUN_TIMEOUT:
			o->run_timeout_s = (int)kit_opt_long_or_die("--run-timeout",
					optarg, 0, INT_MAX / 1000);
			break;
		case O_INTEL: cli->intel = true; break;
		case O_EX: o->ex[o->nex++] = optarg; break;
		case O_BATCH: o->batch = true; break;
		case 'x': o->script = optarg; break;
		case O_HELP: attach_usage(); break;
		case O_VERSION: kit_print_version("gdbstub-client"); break;
		default: kit_opt_die_getopt(c, argv);
		}
	}
	if (optind < argc)
		o->endpoint = argv[optind++];
	if (optind < argc)
		die_usage("more than one endpoint: '%s' and '%s'", o->endpoint,
			  argv[optind]);
}

/* Run -ex, -x or standard input; the exit status. */
static int run_commands(struct cli *cli, const struct attach_opts *o)
{
	int i, status = 0;

	if (o->nex || o->script || o->batch) {
		cli->batch = true;
		for (i = 0; i < o->nex && !cli->quit; i++)
			if (cli_exec(cli, o->ex[i]) < 0) {
				status = 1;
				break;
			}
		if (!status && o->script && !cli->quit) {
			FILE *f = fopen(o->script, "r");

			if (!f)
				die_errno("cannot read '%s'", o->script);
			if (cli_script(cli, f, o->script) < 0)
				status = 1;
			fclose(f);
		}
		if (!cli->quit)
			cli_exec(cli, "quit");
	} else if (isatty(STDIN_FILENO)) {
		status = cli_repl(cli);
	} else {
		cli->batch = true;
		if (cli_script(cli, stdin, NULL) < 0)
			status = 1;
		if (!cli->quit)
			cli_exec(cli, "quit");
	}
	return status;
}

static int attach_main(int argc, char **argv)
{
	struct attach_opts o = { .timeout_s = 30 };
	struct gc_session sess;
	struct cli cli;
	int status;

	memset(&cli, 0, sizeof cli);
	memset(&sess, 0, sizeof sess);
	parse_attach(argc, argv, &o, &cli);
	cli.run_timeout_ms = o.run_timeout_s > 0 ? o.run_timeout_s * 1000 : -1;
	if (!o.endpoint) {
		find_session(o.wait, o.timeout_s, &sess);
		o.endpoint = sess.gdb;
		printf("session: %s (qemu pid %ld%s)\n", sess.path, sess.qemu_pid,
		       sess.hold ? ", held at the reset vector" : "");
		if (!o.kernel && sess.kernel[0])
			o.kernel = sess.kernel;
	}
	if (o.kernel)
		cli.syms = load_symbols(o.kernel, stdout);
	cli.kernel = o.kernel;
	connect_target(&cli, o.endpoint, o.timeout_s, &sess);
	printf("attached to %s (%s)\n", o.endpoint,
	       cli.t->kvm == 1 ? "kvm" : cli.t->have_monitor ? "tcg" : "no monitor");
	cli_show_location(&cli);
	fflush(stdout);

	status = run_commands(&cli, &o);
	gc_target_close(cli.t);
	ksym_free(cli.syms);
	ksym_btf_free(cli.btf);
	ksym_orc_free(cli.orc);
	cli_gdb_free(&cli);
	free(o.ex);
	fflush(stdout);
	return status;
}

/* What `dmesg` and `ps` need before attaching (the kernel's types for
 * what they read), and what they print once attached. */
struct kernel_reader {
	const char *name;
	const char *what;      /* one line for --help */
	int (*check)(struct cli *cli);
	int (*run)(struct cli *cli, const char *args);
};

static int dmesg_check(struct cli *cli)
{
	struct lx_prb_layout l;

	return cli_need_prb_layout(cli, &l);
}

static int ps_check(struct cli *cli)
{
	struct lx_task_layout l;

	return cli_need_task_layout(cli, &l);
}

/*
 * `dmesg|ps [--latest | --wait | ENDPOINT] [--kernel FILE] [--timeout SEC]`:
 * attach (the stub stops a running guest), print the kernel log or its
 * processes, detach (the guest runs on, as after `attach -ex ...`).  Only
 * that is on stdout.
 */
static int kernel_reader_main(const struct kernel_reader *kr, int argc, char **argv)
{
	enum { O_LATEST = 256, O_WAIT, O_KERNEL, O_TIMEOUT, O_HELP, O_VERSION };
	static const struct option opts[] = {
		{ "latest", no_argument, NULL, O_LATEST },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *endpoint = NULL, *kernel = NULL;
	bool wait = false;
	int c, timeout_s = 30, status;
	struct gc_session sess;
	struct cli cli;
	struct kit_err e;

	memset(&cli, 0, sizeof cli);
	memset(&sess, 0, sizeof sess);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case O_LATEST: wait = false; break;
		case O_WAIT: wait = true; break;
		case O_KERNEL: kernel = optarg; break;
		case O_TIMEOUT:
			timeout_s = (int)kit_opt_long_or_die("--timeout", optarg,
							     1, INT_MAX / 1000);
			break;
		case O_HELP:
			printf("usage: gdbstub-client %s [--latest | --wait | HOST:PORT | unix:PATH]\n"
			       "           [--kernel FILE] [--timeout SEC]\n"
			       "%s, read from its memory with the kernel's\n"
			       "BTF types: the guest stops, is read, and runs on.  --kernel FILE\n"
			       "(default: the session's -kernel) must be the booted image.\n",
			       kr->name, kr->what);
			kit_help_done();
		case O_VERSION: kit_print_version("gdbstub-client"); break;
		default: kit_opt_die_getopt(c, argv);
		}
	}
	if (optind < argc)
		endpoint = argv[optind++];
	if (optind < argc)
		die_usage("more than one endpoint: '%s' and '%s'", endpoint,
			  argv[optind]);
	if (!endpoint) {
		find_session(wait, timeout_s, &sess);
		endpoint = sess.gdb;
		if (!kernel && sess.kernel[0])
			kernel = sess.kernel;
	}
	if (!kernel)
		die("%s needs the kernel image: --kernel FILE (no session names one)", kr->name);
	cli.syms = load_symbols(kernel, NULL);
	if (!cli.syms)
		return 1;
	cli.kernel = kernel;
	cli.batch = true;
	if (kr->check(&cli) < 0) {
		ksym_free(cli.syms);
		ksym_btf_free(cli.btf);
		return 1;
	}
	connect_target(&cli, endpoint, timeout_s, &sess);
	status = kr->run(&cli, "") < 0 ? 1 : 0;
	if (!cli.t->exited && gc_detach(cli.t, &e) < 0)
		warning("cannot detach: %s", e.msg);
	gc_target_close(cli.t);
	ksym_free(cli.syms);
	ksym_btf_free(cli.btf);
	fflush(stdout);
	return status;
}

static int dmesg_main(int argc, char **argv)
{
	static const struct kernel_reader kr = { "dmesg", "The guest kernel's log (its printk ring)",
					       dmesg_check, cli_dmesg };

	return kernel_reader_main(&kr, argc, argv);
}

static int ps_main(int argc, char **argv)
{
	static const struct kernel_reader kr = { "ps", "The guest kernel's processes (its task list)",
					       ps_check, cli_ps };

	return kernel_reader_main(&kr, argc, argv);
}

static int meminfo_check(struct cli *cli)
{
	struct lx_mem_layout l;

	return cli_need_mem_layout(cli, &l);
}

static int meminfo_main(int argc, char **argv)
{
	static const struct kernel_reader kr = { "meminfo",
						 "The guest's memory, as its /proc/meminfo shows it",
						 meminfo_check, cli_meminfo };

	return kernel_reader_main(&kr, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*main)(int argc, char **argv);
	} subcommands[] = {
		{ "attach", attach_main },
		{ "dmesg", dmesg_main },
		{ "ps", ps_main },
		{ "meminfo", meminfo_main },
		{ "profile", gc_profile_main },
		{ "sample", gc_sample_main },
		{ "report", prof_report_main },
		{ "compare", prof_compare_main },
	};
	size_t i;

	set_progname("gdbstub-client");
	if (argc < 2)
		usage(2);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		usage(0);
	if (!strcmp(argv[1], "--version"))
		kit_print_version("gdbstub-client");
	/* each subcommand parses its own options; argv[0] = subcommand */
	for (i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].main(argc - 1, argv + 1);
	die_usage("unknown subcommand '%s' (try 'gdbstub-client help')", argv[1]);
}
