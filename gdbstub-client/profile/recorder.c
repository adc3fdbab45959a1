/*
 * recorder.c: `gdbstub-client profile`, the boot recorder: options, the
 * session, the main loop and the stop dispatcher.
 *
 *   profile [--latest | --wait | ENDPOINT] [--kernel FILE]
 *           [--initcalls=klog|breakpoints|entries|off]
 *           [--milestones NAME,NAME...] [--until MILESTONE | --until-exit]
 *           [--timeout SEC] [--progress N] [--save-memory ADDR:LEN:FILE]
 *           [--raw] [--sample HZ] -o FILE.json
 *
 * What it does.  It attaches to a guest that qemu-wrapper holds at its
 * reset vector, arms one breakpoint per boot milestone (milestones.c),
 * resumes, and writes a boot profile (write.c, docs/profile-schema.md):
 * the phases, every initcall with its start, duration and return value,
 * and every stop the debugger made.  The session file supplies the
 * kernel, its command line, QEMU's start time and the accelerator;
 * ENDPOINT plus --kernel works without one.
 *
 * How it measures.  Guest running time is the sum of the intervals in
 * which QEMU ran the guest, on QEMU's own STOP/RESUME events, less QEMU's
 * own stop/resume latency (qclock.c; measured at attach, stub.c:
 * rec_calibrate(); --raw keeps it in); the guest's clock starts at the
 * first resume from the reset vector.  The qemu phase runs from the
 * session's start.monotonic_ns to the first reply of the stub.
 *
 * Initcalls, the expensive part.  Under TCG every breakpoint or step stop
 * flushes QEMU's translation cache (~4-5 ms of extra guest time each),
 * a watchpoint stop or a stop the client asks for with 0x03 does not.
 * --initcalls=klog (the default where the kernel has BTF, prb and
 * initcall_debug) avoids both: the kernel times its initcalls itself and
 * the recorder reads the records out of guest memory at interrupt stops
 * (klog.c).  --initcalls=breakpoints (the default's fallback) catches
 * each start and end with one of four schemes (scheme.h: watch, call-return, call-site,
 * functions), chosen in initcalls.c and said in the progress output and
 * environment.tool; entries: only the starts (a duration that runs to the
 * next initcall's call, no return values); off: milestones only.  Each
 * stop's packets and the resume go out in one write (stub.c).
 *
 * The end.  --until-exit (the default): the profile is complete when the
 * boot ended by itself (qclock.c: rec_decide_end(), with the wrapper's
 * exit record).  --until NAME: a milestone name (setup, startup_32,
 * startup_64, start_kernel, run_init_process or userspace) or a symbol;
 * there the recorder saves --save-memory if asked, removes its
 * breakpoints and detaches, and the guest runs on.
 *
 * Where it breaks.  Ctrl-C, SIGTERM, --timeout, the guest dying before
 * the end asked for, qemu killed or stopped from the host, a stub that
 * says X or closes: the profile is still written, "complete": false with
 * the reason ("qemu was killed by SIGKILL", "the gdbstub closed the
 * connection without an exit reply"), and the exit status is 1; a usage
 * error is status 2.  Under KVM QEMU refuses software breakpoints it
 * cannot write (a kernel virtual address before paging is on: 'E22'):
 * the milestones and the call and return sites are then hardware
 * breakpoints (Z1, at most 4), said in the progress output; that is
 * tested against a scripted stub only, QEMU 7.2 TCG is what this was
 * measured on.  GDBSTUB_TRACE=1 prints every packet (rsp library).
 *
 * Two options for tests and measurements are left out of the usage text
 * (docs/gdbstub-client.md, "Initcall schemes"): --initcall-scheme=NAME
 * starts the choice of scheme at NAME, and --test-stall=N holds the guest
 * for up to 10 s after the N-th initcall entry, so that a test can
 * interrupt a recording at a known point.
 */
#include "scheme.h"
#include "target.h"
#include "ksym.h"
#include "rundir.h"
#include "opts.h"
#include "clock.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t rec_signal;
volatile sig_atomic_t rec_continued;   /* SIGCONTs seen */
static int rec_sigfd = -1;

/* The recorder was stopped (SIGSTOP, Ctrl-Z) and continued: on the
 * client's clock that time would be guest time (rec_qemu_clock()). */
static void on_sigcont(int sig)
{
	(void)sig;
	rec_continued = 1;
}

static void on_signal(int sig)
{
	int saved = errno;
	char b = 1;

	if (!rec_signal)
		rec_signal = sig;
	if (rec_sigfd >= 0 && write(rec_sigfd, &b, 1) < 0) {
		/* nothing to do: the flag is set */
	}
	errno = saved;
}

/* What the recorder takes from the session of the wrapper it attaches to. */
static int read_session(struct rec *r, const struct gc_session *s)
{
	snprintf(r->session_path, sizeof r->session_path, "%s", s->path);
	snprintf(r->gdb, sizeof r->gdb, "%s", s->gdb);
	snprintf(r->kernel, sizeof r->kernel, "%s", s->kernel);
	snprintf(r->append, sizeof r->append, "%s", s->append);
	r->have_append = s->have_append;
	snprintf(r->accel, sizeof r->accel, "%s",
		 s->accel_active[0] ? s->accel_active : s->accel);
	snprintf(r->qemu, sizeof r->qemu, "%s", s->qemu);
	snprintf(r->exit_path, sizeof r->exit_path, "%s", s->exit_file);
	snprintf(r->events_path, sizeof r->events_path, "%s", s->events);
	r->wrapper_pid = s->wrapper_pid;
	r->qemu_pid = s->qemu_pid;
	r->start_mono = s->start_monotonic_ns;
	r->have_session = true;
	return 0;
}

static int find_session(struct rec *r)
{
	struct gc_session s;
	struct kit_err e;

	if (gc_session_wait(r->wait, r->timeout_s > 0 ? (int64_t)(r->timeout_s * 1e3) : -1,
			    &rec_signal, &s, &e) < 0)
		return error("%s", e.msg);
	return read_session(r, &s);
}

/*
 * An ENDPOINT that a live session of the wrapper serves: its exit record
 * and events file are read as with --latest (the rest of the session is
 * not: the command line says what to record).
 */
static void match_endpoint(struct rec *r)
{
	char rundir[4096];
	struct gc_session s;

	kit_rundir_path(rundir, sizeof rundir);
	if (gc_session_find(rundir, r->endpoint, &s, NULL) != 1)
		return;
	snprintf(r->exit_path, sizeof r->exit_path, "%s", s.exit_file);
	snprintf(r->events_path, sizeof r->events_path, "%s", s.events);
	r->wrapper_pid = s.wrapper_pid;
	r->qemu_pid = s.qemu_pid;
	rec_progress(r, "%s is qemu-wrapper %ld's (%s)", r->endpoint,
		     s.wrapper_pid, s.path);
}

/*
 * A stop: the end (W, X), or the initcall scheme's, or a milestone's.
 * The scheme (scheme.h) answers first when it can without reading where
 * the guest is; else rip is read, an open initcall of --initcalls=entries
 * ends, the milestones there are reached, and the scheme has the
 * breakpoint if it is its own.  0 resume, 1 the end, -1 error.
 */
static int handle_stop(struct rec *r, const struct rsp_stop *st)
{
	const struct rec_scheme *s = r->sch;
	struct rec_ms *m;
	uint64_t lin, ip;
	bool matched = false;
	size_t i;
	int rc;

	if (st->kind == 'W' || st->kind == 'X') {
		rec_mark_end(r);
		rec_conn_ended(r, st->kind, st->kind == 'W' ? st->exit_status : st->signo);
		return 1;
	}
	if (st->kind == 'T' && st->signo == 3) {
		/* SIGQUIT: QEMU's stop reply for RUN_STATE_SHUTDOWN, the guest
		 * powered off and qemu stays (-no-shutdown: libvirt starts
		 * every domain so, then kills qemu).  The guest never runs
		 * again: a resume would wait for a RESUME that never comes.
		 * The end is the guest's; its STOP event is the last. */
		rec_conn_ended(r, 'Q', 3);
		return 1;
	}
	/* (first: any stop answers a read's pending 0x03, QEMU ignores it) */
	if (rec_klog_own_stop(r, st))
		return 0;      /* the log is read in on_stop() */
	if (rec_smp_own_stop(r, st))
		return 0;      /* a secondary CPU came online */
	if ((m = rec_ms_watch_hit(r, st)) != NULL)
		return rec_on_milestone(r, m);   /* stem_watch() in milestones.c */
	if (s && s->knows && s->knows(r, st))
		return s->answer(r, st);
	if (rec_read_stop_pc(r, &lin, &ip) < 0)
		return -1;
	if (r->entered >= 0 && r->mode == IC_ENTRIES && !(s && s->owns(r, lin))) {
		/* entries: the open initcall ends at whatever stops next
		 * that is not the next one's start */
		struct rec_ic *prev = &r->ics[r->entered];

		prev->end = r->g;
		prev->state = IC_DONE;
		r->level_last_end = r->g;
		r->entered = -1;
	}
	for (i = 0; i < r->nms; i++) {
		if (r->ms[i].armed && !r->ms[i].watch && r->ms[i].addr == lin &&
		    rec_stem_call(r, &r->ms[i])) {
			matched = true;
			rc = rec_on_milestone(r, &r->ms[i]);
			if (rc)
				return rc;
		}
	}
	if (s && s->owns(r, lin))
		return s->at(r, lin, ip);
	if (!matched) {
		r->nunexpected++;
		if (rec_bp_at(r, lin))
			return rec_step_over(r);
	}
	return 0;
}

/* A recorder error, or the connection's end when the stub has gone. */
static void rec_failed(struct rec *r)
{
	if (rec_conn_closed(r))
		rec_conn_ended(r, 'E', 0);
	rec_set_incomplete(r, "recorder error (see the messages above)");
}

/* The guest ended while it ran (the connection closed, or an exit came
 * instead of a tick's replies; how: 'E', 'W', 'X'); rec_decide_end() says
 * whether that was the end asked for. */
static void ended_running(struct rec *r, char how, int num)
{
	rec_stopped(r, PROF_STOP_DEBUG);
	rec_mark_end(r);
	r->resumed_once = false;   /* no stop to record */
	rec_conn_ended(r, how, num);
}

/* How long to wait for a stop (ms, -1 for ever): to the deadline or to
 * the next tick; *tick says whether a tick is due then. */
static int wait_ms_for(struct rec *r, int64_t deadline, bool *tick)
{
	int wait_ms = -1;

	*tick = false;
	if (deadline) {
		int64_t left = deadline - kit_mono_ns();

		wait_ms = left <= 0 ? 0 : (int)(left / 1000000) + 1;
	}
	if (rec_tick_hz(r) > 0 && !r->raced_stop && !rec_klog_pending(r)) {
		int64_t left = r->next_tick - kit_mono_ns();
		int tms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);

		if (wait_ms < 0 || tms < wait_ms) {
			wait_ms = tms;
			*tick = true;
		}
	}
	if (rec_klog_due(r) && !r->raced_stop) {
		int64_t left = rec_klog_due(r) - kit_mono_ns();
		int tms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);

		if (wait_ms < 0 || tms < wait_ms) {
			wait_ms = tms;
			*tick = true;
		}
	}
	return wait_ms;
}

/* A tick is due (ticks.c), or a read of the kernel's log (klog.c).  0 to
 * go on, 1 when the recording is over. */
static int on_tick(struct rec *r)
{
	int rc;

	if (rec_klog_due(r) && rec_klog_due(r) <= kit_mono_ns()) {
		if (rec_klog_interrupt(r) == 0)
			return 0;      /* its stop comes to on_stop() */
		rec_failed(r);
		return 1;
	}
	if (rec_tick_hz(r) <= 0 || rec_klog_pending(r))
		return 0;
	r->next_tick += (int64_t)(1e9 / rec_tick_hz(r));
	if (r->next_tick < kit_mono_ns())
		r->next_tick = kit_mono_ns() + (int64_t)(1e9 / rec_tick_hz(r));
	rc = rec_sample_tick(r);
	if (rc < 0) {
		rec_halt_running(r);
		rec_failed(r);
		return 1;
	}
	if (rc == 1) {
		/* (rec_sample_tick() set how) */
		ended_running(r, r->conn_end, r->conn_num);
		return 1;
	}
	return 0;
}

/* No stop came (rc < 0 from rsp_wait_stop(), e its error), or a signal
 * did: the recording is over, and why. */
static void wait_ended(struct rec *r, int rc, const struct kit_err *e)
{
	if (rc == -RSP_ERR_INTERRUPTED || rec_signal) {
		r->signo = rec_signal;
		rec_halt_running(r);
		rec_set_incomplete(r, "interrupted (%s)",
				   r->signo == SIGTERM ? "SIGTERM" : "SIGINT");
	} else if (rc == -RSP_ERR_TIMEOUT) {
		rec_halt_running(r);
		rec_set_incomplete(r, "timeout after %g s", r->timeout_s);
	} else if (rc == -RSP_ERR_CLOSED || rc == -RSP_ERR_TRUNCATED ||
		   (rc == -RSP_ERR_SYS && rec_conn_closed(r))) {
		ended_running(r, 'E', 0);
	} else {
		r->alive = false;
		rec_set_incomplete(r, "connection failed: %s", e->msg);
	}
}

/* A stop came: handled, and the guest resumed.  0 to go on, 1 when the
 * recording is over. */
static int on_stop(struct rec *r, const struct rsp_stop *st)
{
	int rc;

	rec_stopped(r, st->kind == 'T' || st->kind == 'S' ?
		    (st->signo == 2 ? PROF_STOP_INTERRUPT :
		 rec_is_watch(st) ? PROF_STOP_WATCH : PROF_STOP_DEBUG) :
		PROF_STOP_DEBUG);
	rc = handle_stop(r, st);
	if (rc >= 0 && r->alive && rec_klog_read(r) < 0)
		rc = -1;
	if (rc >= 0 && r->alive && rec_mem_stop(r) < 0)
		rc = -1;
	if (rc < 0) {
		if (rec_conn_closed(r)) {
			/* qemu went away during the stop */
			rec_conn_ended(r, 'E', 0);
			rec_set_incomplete(r, "connection dropped");
		} else {
			rec_failed(r);
		}
		return 1;
	}
	if (rc == 1) {
		if (!r->alive)
			/* W or X: rec_decide_end() says what it means */
			r->resumed_once = false;
		return 1;     /* else the end asked for */
	}
	if (rec_signal) {
		r->signo = rec_signal;
		rec_set_incomplete(r, "interrupted (%s)",
				   r->signo == SIGTERM ? "SIGTERM" : "SIGINT");
		return 1;
	}
	if (!r->alive) {
		rec_set_incomplete(r, "connection dropped");
		return 1;
	}
	if (rec_resume(r) < 0) {
		if (rec_conn_closed(r))
			rec_conn_ended(r, 'E', 0);
		r->alive = false;
		rec_set_incomplete(r, "connection dropped (cannot resume)");
		return 1;
	}
	/* the replies of a stop the scheme answered blind */
	if (r->sch && r->sch->after_resume && r->sch->after_resume(r) < 0) {
		rec_halt_running(r);
		rec_failed(r);
		return 1;
	}
	return 0;
}

/* Resume and handle every stop until the recording is over.  -1 when the
 * first resume fails; else 0, with r->complete and r->reason set. */
static int record(struct rec *r)
{
	int64_t deadline = r->timeout_s > 0 ? kit_mono_ns() + (int64_t)(r->timeout_s * 1e9) : 0;
	struct rsp_stop st;
	struct kit_err e;
	int rc;

	if (rec_resume(r) < 0)
		return -1;
	for (;;) {
		bool tick;
		int wait_ms = wait_ms_for(r, deadline, &tick);

		rc = rsp_wait_stop(r->c, wait_ms, &st, &e);
		if (rc == -RSP_ERR_TIMEOUT && tick && !rec_signal) {
			if (on_tick(r))
				return 0;
			continue;
		}
		if (rc < 0 || rec_signal) {
			wait_ended(r, rc, &e);
			return 0;
		}
		if (on_stop(r, &st))
			return 0;
	}
}

/* --help: on standard output (exit status 0) */
static void usage(void)
{
	fputs("usage: gdbstub-client profile [--latest | --wait | HOST:PORT | unix:PATH]\n"
	      "           [--kernel FILE] [--initcalls=klog|breakpoints|entries|off]\n"
	      "           [--milestones NAME,...] [--until MILESTONE | --until-exit]\n"
	      "           [--timeout SEC] [--progress N] [--save-memory ADDR:LEN:FILE] [--raw]\n"
	      "           [--sample HZ] -o FILE.json\n"
	      "Records a boot held at its reset vector: phases, kernel milestones and every\n"
	      "initcall, into FILE.json (docs/profile-schema.md); read it with\n"
	      "'gdbstub-client report FILE.json'.\n"
	      "  --initcalls MODE   klog (default where the kernel has BTF: the kernel's own\n"
	      "                     initcall_debug records), breakpoints, entries or off\n"
	      "  --until M          stop recording at milestone M; --until-exit: when qemu\n"
	      "                     exits (the default)\n"
	      "  --sample HZ        interrupt-stop samples beside the initcalls\n"
	      "  --timeout SEC      give up waiting (for --wait and for the boot)\n",
	      stdout);
}

enum {
	OPT_LATEST = 256, OPT_WAIT, OPT_KERNEL, OPT_INITCALLS, OPT_MILESTONES,
	OPT_UNTIL, OPT_UNTIL_EXIT, OPT_TIMEOUT, OPT_RAW, OPT_SAMPLE,
	OPT_PROGRESS, OPT_SAVE_MEMORY, OPT_SCHEME, OPT_STALL,
};

/* One option (getopt_long's c, its value v) into r; a usage error dies. */
static void take_option(struct rec *r, int c, const char *v)
{
	switch (c) {
	case OPT_LATEST: r->latest = true; break;
	case OPT_WAIT: r->wait = true; break;
	case OPT_KERNEL: r->kernel_opt = v; break;
	case OPT_MILESTONES: r->milestones_opt = v; break;
	case OPT_UNTIL: r->until = v; r->until_exit = false; break;
	case OPT_UNTIL_EXIT: r->until_exit = true; r->until = NULL; break;
	case OPT_RAW: r->raw = true; break;
	case OPT_SAVE_MEMORY: r->save_mem = v; break;
	case 'o': r->out = v; break;
	case OPT_INITCALLS:
		if (!strcmp(v, "breakpoints"))
			r->mode = IC_BREAKPOINTS;
		else if (!strcmp(v, "entries"))
			r->mode = IC_ENTRIES;
		else if (!strcmp(v, "off"))
			r->mode = IC_OFF;
		else if (!strcmp(v, "klog"))
			r->mode = IC_KLOG;
		else
			die_usage("unknown initcalls mode '%s' (klog, breakpoints, "
				  "entries, off)", v);
		r->mode_given = true;
		break;
	case OPT_TIMEOUT:
		r->timeout_s = kit_opt_double_or_die("--timeout", v, 0, 1e9);
		if (r->timeout_s <= 0)
			die_usage("--timeout: %s is out of range (above 0)", v);
		break;
	case OPT_SAMPLE:
		r->sample_hz = kit_opt_double_or_die("--sample", v, 0, 10000);
		if (r->sample_hz <= 0)
			die_usage("--sample: %s is out of range (above 0 to 10000 Hz)", v);
		break;
	case OPT_PROGRESS:
		r->progress_every = (unsigned long)kit_opt_long_or_die("--progress",
									v, 0, LONG_MAX);
		break;
	case OPT_STALL:
		r->stall_at = kit_opt_long_or_die("--test-stall", v, 1, LONG_MAX);
		break;
	case OPT_SCHEME:
		r->scheme_opt = rec_scheme_find(v);
		if (!r->scheme_opt)
			die_usage("unknown initcall scheme '%s' (watch, call-return, "
				  "call-site, functions)", v);
		break;
	}
}

/* 0, or 1 for --help (printed).  A usage error exits with status 2. */
static int parse_args(struct rec *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "latest", no_argument, NULL, OPT_LATEST },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initcalls", required_argument, NULL, OPT_INITCALLS },
		{ "milestones", required_argument, NULL, OPT_MILESTONES },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "until-exit", no_argument, NULL, OPT_UNTIL_EXIT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "progress", required_argument, NULL, OPT_PROGRESS },
		{ "save-memory", required_argument, NULL, OPT_SAVE_MEMORY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* hidden: for tests and measurements (the opening comment) */
		{ "initcall-scheme", required_argument, NULL, OPT_SCHEME },
		{ "test-stall", required_argument, NULL, OPT_STALL },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;   /* our own messages */
	optind = 0;   /* a fresh scan */
	while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		if (c == 'h') {
			usage();
			kit_help_done();
		}
		if (c == 'V')
			kit_print_version("gdbstub-client");
		if (c == ':')
			die_usage("option '%s' needs a value", argv[optind - 1]);
		if (c == '?') {
			if (optopt)
				die_usage("unknown option '-%c'", optopt);
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
		take_option(r, c, optarg);
	}
	for (; optind < argc; optind++) {
		if (r->endpoint)
			die_usage("more than one endpoint ('%s')", argv[optind]);
		r->endpoint = argv[optind];
	}
	if (!r->out)
		die_usage("no output file (-o FILE.json)");
	if (r->endpoint && (r->latest || r->wait))
		die_usage("give an endpoint or --latest/--wait, not both");
	if (!r->endpoint && !r->wait)
		r->latest = true;
	return 0;
}

static void setup_signals(struct rec *r)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	rec_signal = 0;
	rec_sigfd = r->sigpipe[1];
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rec_continued = 0;
	sa.sa_handler = on_sigcont;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}


/* --initcalls=klog where the kernel allows it (the default then), else
 * the breakpoint schemes (the default's fallback, said). */
static void choose_mode(struct rec *r)
{
	char why[160];

	if (r->mode_given && r->mode != IC_KLOG)
		return;
	if (rec_klog_possible(r, why, sizeof why)) {
		r->mode = IC_KLOG;
		return;
	}
	if (r->mode_given) {
		warning("--initcalls=klog: %s: breakpoints instead", why);
	} else {
		warning("initcalls timed with breakpoints, each figure including QEMU's "
			"re-translation after its stop: %s", why);
	}
	snprintf(r->klog_why, sizeof r->klog_why, "%s", why);
	r->mode = IC_BREAKPOINTS;
}

/* The session (or the endpoint's), the kernel's symbols and initcall
 * table.  0, or -1 with the error said. */
static int open_kernel(struct rec *r, const char **kpath)
{
	struct kit_err e;

	if (!r->endpoint && find_session(r) < 0)
		return -1;
	if (r->endpoint)
		match_endpoint(r);
	*kpath = r->kernel_opt ? r->kernel_opt : r->kernel[0] ? r->kernel : NULL;
	if (!*kpath)
		return error("no kernel: the session names none; give --kernel FILE");
	r->syms = ksym_open(*kpath, 0, &e);
	if (!r->syms)
		return error("%s", e.msg);
	if (r->have_append) {
		r->nokaslr = rec_cmdline_has(r->append, "nokaslr");
	} else {
		r->nokaslr = true;
		r->kaslr_assumed = true;
		rec_progress(r, "no session command line: assuming the kernel runs with nokaslr");
	}
	if (!r->nokaslr)
		warning("the kernel command line has no 'nokaslr': kernel addresses "
			"are randomised, so only firmware, setup and the decompressor "
			"are timed (add nokaslr, e.g. QEMU_WRAPPER_APPEND=nokaslr)");
	choose_mode(r);
	if (r->mode != IC_OFF && r->nokaslr && rec_load_initcalls(r, *kpath) < 0)
		return -1;
	if (r->mode == IC_KLOG && rec_klog_begin(r) < 0)
		return -1;
	if (rec_mem_begin(r) < 0)
		return -1;
	return 0;
}

/* Connect to the stub and check that the guest is at its reset vector.
 * 0, or -1 with the error said. */
static int attach(struct rec *r)
{
	const char *ep = r->endpoint ? r->endpoint : r->gdb;
	struct kit_err e;
	uint64_t lin, ip;

	r->p = prof_new();
	if (!r->p)
		return error("out of memory");
	r->c = rsp_connect(ep, 10000, &e);
	if (!r->c)
		return error("cannot connect to '%s': %s", ep, e.msg);
	rec_conn_hook(r);
	if (rsp_qSupported(r->c, &e) < 0)
		return error("'%s' is not a gdb stub: %s", ep, e.msg);
	r->ready_host = kit_mono_ns();
	if (rsp_start(r->c, &e) < 0)
		return error("cannot start the session: %s", e.msg);
	rec_conn_wake_fd(r, r->sigpipe[0]);
	r->alive = true;
	if (rec_read_regs(r, &lin, &ip) < 0)
		return -1;
	r->at_reset = ip == 0xfff0;
	if (lin != 0xfff0 && ip != 0xfff0)
		warning("the guest is not at its reset vector (pc 0x%llx): "
			"the firmware phase starts where it is",
			(unsigned long long)ip);
	return 0;
}

/* Arm, calibrate, record, and write the profile.  0, or -1 with the
 * error said (no profile). */
static int run(struct rec *r, const char *kpath)
{
	if (rec_setup_milestones(r) < 0)
		return -1;
	/* A kernel whose code is already in memory (ELF, test guest). */
	if (rec_prepare_initcalls(r) < 0)
		return -1;
	rec_progress(r, "recording %s: %zu milestones, %zu initcalls (%s), until %s",
		     kpath, r->nms, r->nic,
		     r->mode == IC_BREAKPOINTS ? "breakpoints" :
		     r->mode == IC_ENTRIES ? "entries" :
		     r->mode == IC_KLOG ? "the kernel's own records" : "off",
		     r->until ? r->until : "qemu exits");
	if (rec_calibrate(r) < 0)
		return -1;
	if (r->sample_hz > 0 && rec_sample_setup(r) < 0)
		return -1;
	rec_smp_setup(r);
	rec_phase_open(r, "firmware", 0);
	if (record(r) < 0)
		rec_set_incomplete(r, "connection dropped");
	rec_decide_end(r);
	if (!r->complete && !r->reason[0])
		rec_set_incomplete(r, "unknown");
	if (!r->nokaslr && r->open && !strcmp(r->cur, "decompressor"))
		snprintf(r->cur, sizeof r->cur, "decompressor+kernel");
	rec_detach(r);
	rec_qemu_clock(r);
	return rec_write_profile(r);
}

static void summary(struct rec *r)
{
	prof_stops_summarize(&r->p->stops);
	rec_progress(r, "wrote %s: %s%s, %.1f ms guest time, %zu initcalls "
		     "(%zu returned), %lld debug stops (%lu steps), %lld interrupt "
		     "stops, client %.1f ms (median %.3f ms per stop); fast stops %lu, "
		     "calls executed %lu, return sites emulated %lu, unexpected %lu",
		     r->out, r->complete ? "complete" : "INCOMPLETE: ",
		     r->complete ? "" : r->reason, rec_ms_of(r->g), r->nseen, r->nreturned,
		     (long long)r->p->stops.debug_stops, r->nsteps,
		     (long long)r->p->stops.interrupt_stops,
		     rec_ms_of(r->p->stops.client_ns), rec_ms_of(r->p->stops.median_ns),
		     r->nfast, r->ncalls, r->nemul, r->nunexpected + r->nunattributed);
	if (r->sch && r->sch->summary)
		r->sch->summary(r);
	if (r->sample_hz > 0)
		rec_progress(r, "--sample %g Hz: %lu samples in %zu places (%lu ticks "
			     "met a breakpoint stop)", r->sample_hz, r->nsamples, r->nsb,
			     r->nraced);
}

static void release(struct rec *r)
{
	if (r->c)
		rsp_close(r->c);
	if (r->syms)
		ksym_free(r->syms);
	prof_free(r->p);
	rsp_buf_free(&r->qout);
	rsp_batch_free(&r->sbatch);
	rec_procs_end(r);
	gc_procs_free(&r->procs);
	free(r->sb);
	free(r->ics);
	free(r->marks);
	free(r->map_g);
	free(r->map_q);
	free(r->sch_state);
	rec_klog_free(r);
	rec_mem_free(r);
	if (r->sigpipe[0] >= 0)
		close(r->sigpipe[0]);
	if (r->sigpipe[1] >= 0)
		close(r->sigpipe[1]);
	rec_sigfd = -1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	free(r);
}

int gc_profile_main(int argc, char **argv)
{
	struct rec *r = calloc(1, sizeof *r);
	const char *kpath = NULL;
	int status = 1;

	if (!r) {
		error("out of memory");
		return 1;
	}
	r->until_exit = true;
	r->entered = -1;
	r->qg = -1;
	r->qm = -1;
	r->last_runnable = -1;
	r->progress_every = 100;
	r->sigpipe[0] = r->sigpipe[1] = -1;
	r->complete = false;
	r->last_stop_mark = -1;
	if (parse_args(r, argc, argv)) {
		status = 0;   /* --help */
		goto out;
	}
	if (pipe2(r->sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		error_errno("cannot create a pipe");
		goto out;
	}
	setup_signals(r);
	r->t0 = kit_mono_ns();
	r->rt_off = rec_rt_offset();
	if (open_kernel(r, &kpath) < 0 || attach(r) < 0 || run(r, kpath) < 0)
		goto out;
	summary(r);
	status = r->complete ? 0 : 1;
out:
	release(r);
	return status;
}
