/*
 * qemu-wrapper: put a debugger at a guest's reset vector without changing
 * how the guest is started.
 *
 * What it does.  Point libguestfs (LIBGUESTFS_HV), a libvirt domain
 * (<emulator>) or your own script at qemu-wrapper instead of qemu.  Help,
 * version and capability probes go straight to the real qemu (execv: same
 * pid, same output, same exit status).  A real launch gets two additions:
 * -S, so the guest waits at its reset vector, and a gdbstub listening on a
 * free loopback port; a session file tells gdbstub-client (attach --latest,
 * attach --wait, profile) where to connect.
 *
 * How to run it.
 *   LIBGUESTFS_BACKEND=direct LIBGUESTFS_HV=/usr/local/bin/qemu-wrapper \
 *       guestfish -a /dev/null run            # held at the reset vector
 *   gdbstub-client attach --wait               # in another terminal
 *   qemu-wrapper --wrapper-help | --wrapper-version   (alone: any other
 *                              help or version option is qemu's)
 * The environment that steers it:
 *   QEMU_WRAPPER_QEMU=PATH     the real qemu (default: first
 *                              qemu-system-x86_64 or qemu-kvm on PATH that is
 *                              not this program, then /usr/libexec/qemu-kvm)
 *   QEMU_WRAPPER_MODE=probe|launch   override the classification
 *   QEMU_WRAPPER_HOLD=0        do not add -S nor, against a manager's own
 *                              -S, the reset-vector breakpoint (the guest
 *                              runs at once)
 *   QEMU_WRAPPER_GDB=tcp:HOST:PORT|unix:PATH|unix   gdbstub endpoint
 *                              (default unix: RUNDIR/PID.gdb.sock, mode
 *                              0600, only this user can connect; TCP,
 *                              even on loopback, lets every local user in)
 *   QEMU_WRAPPER_RELEASE=0     keep a guest stopped when its debugger goes
 *                              away without detaching (default: released)
 *   QEMU_WRAPPER_APPEND=WORDS  added to the launch's -append
 *   QEMU_WRAPPER_SHIELD=auto|1|0   when to hold back SIGINT/TERM/HUP/QUIT
 *   QEMU_WRAPPER_RUNDIR=DIR    where session files go
 *   QEMU_WRAPPER_LOG=FILE      one line per invocation and event
 *   QEMU_WRAPPER_QUIET=1       no notes on stderr
 *   QEMU_WRAPPER_MONITOR=0     no monitor socket for clients
 *
 * How it works.  classify.c reads the argv with a table of qemu's
 * argument-less options (checked against QEMU 7.2) and applies the rules in
 * wrap.h.  On a launch the wrapper opens the gdbstub's listening socket
 * itself and passes the fd to qemu (-chardev socket,fd=N), so no other
 * process can take the port in between; it also gives qemu a private QMP
 * monitor over a socketpair, and follows STOP/RESUME there to know when the
 * guest is paused for a debugger (supervise.c).  A human monitor (HMP), a
 * unix socket next to the session file (private directory, one client at a
 * time), is for gdbstub-client: "sample" reads the CPU state there without
 * stopping the guest.  Not QMP: QMP requests in flight when the guest
 * powers off can hang QEMU 7.2 at exit (gdbstub-client/rsp/hmp.h).  qemu runs
 * as a child so the wrapper can hold back the manager's SIGTERM during such
 * a pause.
 *
 * A manager's own -S.  libvirt starts every domain with -S and a QMP
 * monitor of its own, and sends "cont" as soon as it has set the domain up
 * (libguestfs's libvirt backend cannot ask it not to).  When the argv has
 * both and the hold is on, the wrapper plants a breakpoint at the reset
 * vector through the gdbstub before qemu runs (gdbwatch.c): the manager's
 * "cont" stops at the first instruction, and the guest waits there for a
 * debugger as a held launch does.  QEMU_WRAPPER_HOLD=0 leaves it out.
 *
 * Where it breaks.  A signal sent to the whole process group (Ctrl-C on a
 * terminal) reaches qemu directly; only signals sent to the wrapper's pid
 * are held.  A -daemonize launch cannot be supervised: it gets -S and the
 * gdbstub, but no session file and no signal hold.  If the wrapper itself
 * is SIGKILLed, the kernel sends qemu SIGTERM (PR_SET_PDEATHSIG) and qemu
 * shuts down; its session file is left behind and removed by the next
 * launch (and ignored by gdbstub-client, which checks the pids).
 */
#include "rundir.h"
#include "strv.h"
#include "usage.h"
#include "version.h"
#include "wrap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct launch {
	struct wrap_log log;
	const char *qemu;
	struct strv argv;
	struct wrap_launch_info li;
	char gdb[512];           /* what a client connects to; "" = none */
	bool gdb_added;
	bool hold;
	char monitor[4200];      /* "unix:PATH" of the clients' monitor, or "" */
	char session_path[4200];
	char events_path[4200];
	char exit_path[4200];
	bool quiet;
};

static bool env_true(const char *name, bool dflt)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return dflt;
	if (!strcmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcasecmp(v, "off"))
		return false;
	if (!strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "on"))
		return true;
	set_die_status(2);
	die("invalid %s '%s': expected 1 or 0", name, v);
}

static enum wrap_shield shield_from_env(void)
{
	const char *v = getenv("QEMU_WRAPPER_SHIELD");

	if (!v || !*v || !strcmp(v, "auto"))
		return WRAP_SHIELD_AUTO;
	if (!strcmp(v, "1") || !strcmp(v, "always"))
		return WRAP_SHIELD_ALWAYS;
	if (!strcmp(v, "0") || !strcmp(v, "never"))
		return WRAP_SHIELD_NEVER;
	set_die_status(2);
	die("invalid QEMU_WRAPPER_SHIELD '%s': expected auto, 1 or 0", v);
}

/*
 * The user's own -gdb/-s, as an address a client can connect to:
 * "tcp::1234" -> "tcp:127.0.0.1:1234", "unix:/p,server=on" -> "unix:/p".
 */
static void user_gdb_endpoint(const char *spec, char *out, size_t len)
{
	size_t n = strcspn(spec, ",");

	*out = '\0';
	if (!strcmp(spec, "none"))
		return;
	if (!strncmp(spec, "tcp::", 5))
		snprintf(out, len, "tcp:127.0.0.1:%.*s", (int)(n - 5), spec + 5);
	else if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "unix:", 5))
		snprintf(out, len, "%.*s", (int)n, spec);
	else if (strspn(spec, "0123456789") == n && n)
		snprintf(out, len, "tcp:127.0.0.1:%.*s", (int)n, spec);
	else
		snprintf(out, len, "%s", spec); /* a chardev spec: as given */
}

static void write_session(struct wrap_supervisor *sv)
{
	struct launch *l = sv->user;
	struct wrap_session s = {
		.wrapper_pid = getpid(),
		.qemu_pid = sv->qemu_pid,
		.qemu = l->qemu,
		.gdb = l->gdb[0] ? l->gdb : NULL,
		.gdb_added = l->gdb_added,
		.monitor = l->monitor[0] ? l->monitor : NULL,
		.hold = l->hold,
		.argv = l->argv.v,
		.li = &l->li,
		.accel_active = sv->accel_active,
		.start_realtime_ns = sv->start_realtime_ns,
		.start_monotonic_ns = sv->start_monotonic_ns,
		.events = sv->events_fd >= 0 ? l->events_path : NULL,
		.exit_file = l->exit_path,
	};
	struct kit_err err;

	if (wrap_session_write(l->session_path, &s, &err) < 0) {
		error("%s", err.msg);
		wrap_log_event(&l->log, "%s", err.msg);
	}
}

static void notify_held(struct wrap_supervisor *sv, int sig)
{
	struct launch *l = sv->user;

	if (l->quiet)
		return;
	if (!sig)
		fprintf(stderr, "qemu-wrapper: the debugger left the guest stopped "
			"and is gone: breakpoints removed, guest resumed\n");
	else
		fprintf(stderr,
			"qemu-wrapper: holding %s until the debugger resumes the "
			"guest (send it three times, or SIGUSR1 to pid %ld, to "
			"deliver it now)\n", strsignal(sig), (long)getpid());
}

/* RUNDIR/PID.events: QEMU's STOP/RESUME times for profilers.  The
 * directory is ours and closed to writers, so a file of that name is a
 * dead wrapper's (same pid): replaced. */
static int open_events(struct launch *l, const char *rundir)
{
	int fd;

	snprintf(l->events_path, sizeof l->events_path, "%s/%ld.events",
		 rundir, (long)getpid());
	unlink(l->events_path);
	fd = open(l->events_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		  O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		wrap_log_event(&l->log, "no events file '%s': %s",
			       l->events_path, strerror(errno));
	return fd;
}

static void write_exit(struct launch *l, const struct wrap_supervisor *sv,
		       int wstatus)
{
	struct wrap_exit x = {
		.wrapper_pid = getpid(),
		.qemu_pid = sv->qemu_pid,
		.wstatus = wstatus,
		.guest_panicked = sv->guest_panicked,
	};
	struct timespec ts;
	struct kit_err err;

	clock_gettime(CLOCK_REALTIME, &ts);
	x.realtime_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	snprintf(x.shutdown_reason, sizeof x.shutdown_reason, "%s",
		 sv->shutdown_reason);
	if (sv->have_rusage) {
		const struct rusage *ru = &sv->rusage;

		x.have_rusage = true;
		x.max_rss_kb = ru->ru_maxrss;
		x.user_us = (int64_t)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec;
		x.system_us = (int64_t)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec;
		x.minor_faults = ru->ru_minflt;
		x.major_faults = ru->ru_majflt;
	}
	if (wrap_exit_write(l->exit_path, &x, &err) < 0)
		wrap_log_event(&l->log, "%s", err.msg);
}

static void add_append(struct launch *l, int argc, char **argv)
{
	const char *extra = getenv("QEMU_WRAPPER_APPEND");

	if (!extra || !*extra)
		return;
	if (l->li.append_index >= 0) {
		char *joined;

		if (asprintf(&joined, "%s %s", argv[l->li.append_index], extra) < 0 ||
		    strv_replace(&l->argv, (size_t)l->li.append_index, joined) < 0)
			die("out of memory");
		free(joined);
	} else if (l->li.kernel) {
		if (strv_push(&l->argv, "-append") < 0 ||
		    strv_push(&l->argv, extra) < 0)
			die("out of memory");
	} else {
		wrap_log_event(&l->log, "QEMU_WRAPPER_APPEND ignored: no -kernel");
		return;
	}
	(void)argc;
	/* Re-read so the session file shows the -append qemu really gets. */
	wrap_launch_info((int)l->argv.n, l->argv.v, &l->li);
}

/*
 * The clients' human monitor: RUNDIR/PID.mon.sock, listened on here and
 * handed to qemu like the gdbstub's socket.  A failure only loses the
 * monitor (logged, and said unless quiet): the guest still launches.
 * Returns the listening fd or -1.
 */
static int client_monitor(struct launch *l, const char *rundir,
			  struct wrap_endpoint *ep)
{
	struct kit_err err;
	int fd;

	memset(ep, 0, sizeof *ep);
	ep->transport = WRAP_UNIX;
	ep->what = "monitor";
	if ((size_t)snprintf(ep->path, sizeof ep->path, "%s/%ld.mon.sock",
			     rundir, (long)getpid()) >= sizeof ep->path) {
		wrap_log_event(&l->log, "no client monitor: run directory too long");
		return -1;
	}
	fd = wrap_endpoint_listen(ep, &err);
	if (fd < 0) {
		wrap_log_event(&l->log, "no client monitor: %s", err.msg);
		if (!l->quiet)
			warning("no monitor socket for gdbstub-client: %s", err.msg);
		return -1;
	}
	if (strv_push(&l->argv, "-chardev") < 0 ||
	    strv_pushf(&l->argv, "socket,id=qwrap-cmon,fd=%d,server=on,wait=off",
		       fd) < 0 ||
	    strv_push(&l->argv, "-mon") < 0 ||
	    strv_push(&l->argv, "chardev=qwrap-cmon,mode=readline") < 0)
		die("out of memory");
	snprintf(l->monitor, sizeof l->monitor, "unix:%s", ep->path);
	wrap_log_event(&l->log, "client monitor %s", l->monitor);
	return fd;
}

/*
 * The argv's own -S and QMP monitor: a manager (libvirt) will resume the
 * guest itself.  Queue a breakpoint at the reset vector on the gdbstub's
 * socket before qemu starts (wrap.h); the supervisor reads QEMU's answer.
 */
static int plant_reset_breakpoint(struct launch *l,
				  const struct wrap_endpoint *ep)
{
	struct kit_err err;
	int fd = wrap_gdb_plant_send(ep, &err);

	if (fd < 0)
		wrap_log_event(&l->log, "cannot plant the reset-vector "
			       "breakpoint: %s; the manager's resume will run "
			       "the guest", err.msg);
	return fd;
}

/*
 * Our gdbstub: a listening socket handed to qemu by fd, where
 * QEMU_WRAPPER_GDB says (a unix socket in the run directory by default).
 * Returns the listening fd; dies when it cannot listen.
 */
static int add_gdbstub(struct launch *l, const char *rundir,
		       struct wrap_endpoint *ep)
{
	const char *spec = getenv("QEMU_WRAPPER_GDB");
	struct kit_err err;
	int gdb_fd;

	/* a unix socket in the private run directory: only this user
	 * can connect (TCP loopback is open to every local user) */
	if (!spec || !*spec)
		spec = "unix";
	if (wrap_endpoint_parse(spec, ep, &err) < 0) {
		set_die_status(2);
		die("QEMU_WRAPPER_GDB: %s", err.msg);
	}
	if (ep->transport == WRAP_UNIX && !ep->path[0] &&
	    (size_t)snprintf(ep->path, sizeof ep->path, "%s/%ld.gdb.sock",
			     rundir, (long)getpid()) >= sizeof ep->path)
		die("run directory '%s' is too long for a unix socket path",
		    rundir);
	gdb_fd = wrap_endpoint_listen(ep, &err);
	if (gdb_fd < 0)
		die("%s", err.msg);
	wrap_endpoint_format(ep, l->gdb, sizeof l->gdb);
	if (!wrap_endpoint_is_loopback(ep))
		warning("the gdbstub listens on %s, beyond loopback: anyone "
			"who can reach it controls the guest", l->gdb);
	else if (ep->transport == WRAP_TCP && !l->quiet)
		warning("the gdbstub listens on %s: every local user can "
			"connect and control the guest (unset "
			"QEMU_WRAPPER_GDB for a socket only you can reach)",
			l->gdb);
	l->gdb_added = true;
	if (strv_pushf(&l->argv, "socket,id=qwrap-gdb,fd=%d,server=on,wait=off,nodelay=on",
		       gdb_fd) < 0 ||
	    strv_insert(&l->argv, l->argv.n - 1, "-chardev") < 0 ||
	    strv_push(&l->argv, "-gdb") < 0 ||
	    strv_push(&l->argv, "chardev:qwrap-gdb") < 0)
		die("out of memory");
	return gdb_fd;
}

/*
 * qemu's QMP monitor on a socketpair (qmp[0] ours, qmp[1] qemu's), and the
 * clients' human monitor.  Returns the client monitor's listening fd or -1.
 */
static int add_monitors(struct launch *l, const char *rundir, int qmp[2],
			struct wrap_endpoint *mep)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, qmp) < 0)
		die_errno("cannot create a socketpair for qemu's monitor");
	/* qemu's end must survive exec */
	if (fcntl(qmp[1], F_SETFD, 0) < 0)
		die_errno("fcntl");
	if (strv_push(&l->argv, "-chardev") < 0 ||
	    strv_pushf(&l->argv, "socket,id=qwrap-qmp,fd=%d", qmp[1]) < 0 ||
	    strv_push(&l->argv, "-mon") < 0 ||
	    strv_push(&l->argv, "chardev=qwrap-qmp,mode=control") < 0)
		die("out of memory");
	if (!l->li.machine_none && env_true("QEMU_WRAPPER_MONITOR", true))
		return client_monitor(l, rundir, mep);
	return -1;
}

/* Say (unless quiet) and log where the gdbstub is; the attach command is
 * one that runs where the user is (hint.c). */
static void announce(struct launch *l, const struct wrap_endpoint *ep,
		     const char *rundir_explicit)
{
	char hint[2 * PATH_MAX + 64];

	wrap_attach_hint(getenv("PATH"), rundir_explicit, hint, sizeof hint);
	if (l->hold && !l->quiet)
		fprintf(stderr, "qemu-wrapper: guest paused at its reset vector; "
			"gdbstub on %s, %s (attach: %s)\n",
			l->gdb[0] ? l->gdb : "none",
			!l->gdb_added ? "as you gave it" :
			ep->transport == WRAP_UNIX ? "only you can connect" :
			"every local user can connect", hint);
	wrap_log_event(&l->log, "gdbstub %s%s, hold %s", l->gdb[0] ? l->gdb : "none",
		       l->gdb_added ? " (added)" : " (the user's)",
		       l->hold ? "on" : "off");
}

static int launch(struct launch *l, int argc, char **argv)
{
	struct wrap_supervisor sv;
	struct wrap_endpoint ep = { .transport = WRAP_TCP };
	struct kit_err err;
	char rundir[4096];
	struct wrap_endpoint mep;
	int gdb_fd = -1, qmp[2] = { -1, -1 }, cmon_fd = -1, i, wstatus, nkeep = 0;
	int events_fd = -1, plant_fd = -1;
	bool hold_env, rundir_explicit = kit_rundir_is_explicit();
	enum wrap_shield shield = shield_from_env();

	l->quiet = env_true("QEMU_WRAPPER_QUIET", false);
	l->hold = hold_env = env_true("QEMU_WRAPPER_HOLD", true);
	wrap_launch_info(argc, argv, &l->li);

	kit_rundir_path(rundir, sizeof rundir);
	if (!l->li.daemonize) {
		if (kit_rundir_ensure(rundir, rundir_explicit, &err) < 0)
			die("%s", err.msg);
		wrap_session_prune(rundir);
		wrap_session_path(rundir, getpid(), l->session_path,
				  sizeof l->session_path);
		snprintf(l->exit_path, sizeof l->exit_path, "%s/%ld.exit.json",
			 rundir, (long)getpid());
		events_fd = open_events(l, rundir);
	}

	for (i = 0; i < argc; i++)
		if (strv_push(&l->argv, i ? argv[i] : l->qemu) < 0)
			die("out of memory");
	add_append(l, argc, argv);

	if (l->li.machine_none) {
		/* qemu refuses a gdbstub on a machine without CPUs */
		l->hold = l->li.has_S;
		wrap_log_event(&l->log, "-machine none has no CPU: no gdbstub "
			       "and no -S added");
	} else if (l->li.has_S) {
		l->hold = true;
	} else if (l->hold && strv_push(&l->argv, "-S") < 0) {
		die("out of memory");
	}

	if (l->li.machine_none) {
		/* nothing to add */
	} else if (l->li.has_gdb) {
		user_gdb_endpoint(l->li.gdb_spec, l->gdb, sizeof l->gdb);
	} else {
		gdb_fd = add_gdbstub(l, rundir, &ep);
	}

	if (!l->li.daemonize)
		cmon_fd = add_monitors(l, rundir, qmp, &mep);
	announce(l, &ep, rundir_explicit ? rundir : NULL);
	if (gdb_fd >= 0 && hold_env && l->li.has_S && l->li.has_qmp &&
	    !l->li.daemonize)
		plant_fd = plant_reset_breakpoint(l, &ep);

	if (l->li.daemonize) {
		wrap_log_event(&l->log, "-daemonize: exec without supervision "
			       "or session file");
		execv(l->qemu, l->argv.v);
		set_die_status(126);
		die_errno("cannot run '%s'", l->qemu);
	}

	memset(&sv, 0, sizeof sv);
	sv.qemu = l->qemu;
	sv.argv = l->argv.v;
	if (gdb_fd >= 0)
		sv.keep_fds[nkeep++] = gdb_fd;
	if (cmon_fd >= 0)
		sv.keep_fds[nkeep++] = cmon_fd;
	sv.keep_fds[nkeep++] = qmp[1];
	sv.keep_fds[nkeep] = -1;
	sv.qmp_fd = qmp[0];
	sv.held_at_start = l->hold;
	sv.shield = shield;
	sv.log = &l->log;
	sv.on_started = write_session;
	sv.notify = notify_held;
	sv.user = l;
	sv.events_fd = events_fd;
	sv.plant_fd = plant_fd;
	sv.gdb = l->gdb_added && env_true("QEMU_WRAPPER_RELEASE", true) ? &ep : NULL;

	wstatus = wrap_supervise(&sv, &err);
	if (wstatus != -1)
		write_exit(l, &sv, wstatus);
	if (events_fd >= 0)
		close(events_fd);
	close(qmp[0]);
	unlink(l->session_path);
	if (l->gdb_added && ep.transport == WRAP_UNIX)
		unlink(ep.path);
	if (cmon_fd >= 0)
		unlink(mep.path);
	if (wstatus == -1) {
		set_die_status(126);
		die("%s", err.msg);
	}
	return wrap_exit_status(wstatus);
}

/*
 * --wrapper-help and --wrapper-version: the wrapper's own, spelled so
 * that qemu's -help, --help, -version and --version still reach the real
 * qemu (libguestfs and libvirt probe it through the wrapper).  Only as
 * the one argument.
 */
static void wrapper_options(int argc, char **argv)
{
	char qemu[PATH_MAX];
	struct kit_err err;

	if (argc != 2)
		return;
	if (!strcmp(argv[1], "--wrapper-version"))
		kit_print_version("qemu-wrapper");
	if (strcmp(argv[1], "--wrapper-help"))
		return;
	printf("usage: qemu-wrapper QEMU-ARGUMENTS...   (in place of qemu-system-x86_64)\n"
	       "       qemu-wrapper --wrapper-help | --wrapper-version\n"
	       "Probes (-help, -version, -device help, QMP queries, -machine none) run the\n"
	       "real qemu unchanged.  A launch gets -S and a gdbstub: the guest waits at its\n"
	       "reset vector for gdbstub-client attach (a session file in the run directory).\n"
	       "Environment: QEMU_WRAPPER_QEMU, _MODE=probe|launch, _HOLD=0, _GDB=unix|unix:PATH|\n"
	       "tcp:HOST:PORT, _RELEASE=0, _APPEND, _SHIELD=auto|1|0, _RUNDIR, _LOG, _QUIET=1,\n"
	       "_MONITOR=0 (man qemu-wrapper).\n");
	if (wrap_find_qemu(getenv("QEMU_WRAPPER_QEMU"), getenv("PATH"), qemu,
			   sizeof qemu, &err) == 0)
		printf("qemu: %s  [to change set QEMU_WRAPPER_QEMU]\n", qemu);
	else
		printf("qemu: none found: %s\n", err.msg);
	kit_help_done();
}

int main(int argc, char **argv)
{
	struct launch l = { .argv = STRV_INIT };
	struct wrap_decision d;
	struct kit_err err;
	char qemu[PATH_MAX];
	const char *mode = getenv("QEMU_WRAPPER_MODE");
	int status;

	set_progname("qemu-wrapper");
	wrapper_options(argc, argv);
	wrap_log_open(&l.log, getenv("QEMU_WRAPPER_LOG"));

	if (wrap_find_qemu(getenv("QEMU_WRAPPER_QEMU"), getenv("PATH"), qemu,
			   sizeof qemu, &err) < 0) {
		wrap_log_event(&l.log, "%s", err.msg);
		set_die_status(err.code == ENOENT ? 127 : 126);
		die("%s", err.msg);
	}
	l.qemu = qemu;

	if (mode && *mode) {
		if (strcmp(mode, "probe") && strcmp(mode, "launch")) {
			set_die_status(2);
			die("invalid QEMU_WRAPPER_MODE '%s': expected probe or launch",
			    mode);
		}
		d.mode = strcmp(mode, "probe") ? WRAP_LAUNCH : WRAP_PROBE;
		snprintf(d.rule, sizeof d.rule, "QEMU_WRAPPER_MODE=%s", mode);
	} else {
		wrap_classify(argc, argv, &d);
	}
	wrap_log_decision(&l.log, &d, argv);

	if (d.mode == WRAP_PROBE) {
		wrap_log_close(&l.log);
		argv[0] = qemu;
		execv(qemu, argv);
		set_die_status(errno == ENOENT ? 127 : 126);
		die_errno("cannot run '%s'", qemu);
	}
	status = launch(&l, argc, argv);
	strv_clear(&l.argv);
	wrap_log_close(&l.log);
	return status;
}
