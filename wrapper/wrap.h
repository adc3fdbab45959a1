/*
 * wrap.h: the library half of qemu-wrapper.  Nothing here prints or exits;
 * errors come back as -1 with a struct kit_err filled in.
 *
 * The wrapper sees one qemu command line at a time and decides whether it
 * is a probe (help, version, capability queries: run the real qemu
 * unchanged) or a launch (a guest that will run: add -S and a gdbstub, and
 * supervise qemu so a debugger can hold it at the reset vector).
 */
#ifndef WRAP_H
#define WRAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "strv.h"
#include "usage.h"

/* ---- argv parsing -------------------------------------------------- */

/*
 * One QEMU option and its value.  QEMU accepts "-opt" and "--opt"; name is
 * without the dashes.  value is NULL for options that take none (the table
 * in classify.c, checked against QEMU 7.2), and for a trailing option that is
 * missing its value.  A word that is not an option (QEMU takes a bare word
 * as the first hard disk image) has name NULL and value set.
 */
struct wrap_opt {
	const char *name;
	const char *value;
	int index;        /* argv index of the option word */
};

struct wrap_opt_iter {
	int argc;
	char *const *argv;
	int next;
};

void wrap_opt_iter_init(struct wrap_opt_iter *it, int argc, char *const *argv);
/* Returns false at the end. */
bool wrap_opt_next(struct wrap_opt_iter *it, struct wrap_opt *opt);
/* Whether QEMU option NAME (no dashes) takes no argument. */
bool wrap_opt_is_flag(const char *name);

/* ---- classification ------------------------------------------------ */

enum wrap_mode { WRAP_PROBE, WRAP_LAUNCH };

struct wrap_decision {
	enum wrap_mode mode;
	char rule[256];   /* the rule that decided, in words, for the log */
};

/*
 * Classify argv[1..argc-1] (argv[0] is ignored).  The rules, in order:
 *   1. help: any -h, -help, -version (also with "--"), or an option value
 *      "help" or "?" or a value whose comma-separated part is "help" or "?"
 *      (-device ?, -machine help, -cpu help, -device virtio-blk,help);
 *      -append's value is never read this way;
 *   2. query: a QMP or monitor (-qmp, -qmp-pretty, -monitor, -mon) and no
 *      guest payload;
 *   3. machine none: -machine none (or type=none) and no guest payload;
 *   4. anything else is a launch.
 * A guest payload is any of -kernel, -initrd, -drive, -blockdev, -hda..-hdd,
 * -cdrom, -fda, -fdb, -bios, -pflash, -mtdblock, -sd, -incoming,
 * -readconfig, -option-rom, a -device with drive= or file= in its value,
 * or a bare word (a disk image).
 */
void wrap_classify(int argc, char *const *argv, struct wrap_decision *d);

/* What a launch needs to know of its argv. */
struct wrap_launch_info {
	const char *kernel;      /* last -kernel, or NULL */
	const char *initrd;
	const char *append;
	int append_index;        /* argv index of the last -append's value, or -1 */
	const char *accel;       /* "kvm:tcg", "tcg", "kvm" as given, or NULL */
	bool has_S;              /* -S already present */
	bool has_qmp;            /* a QMP monitor of its own: -qmp, -qmp-pretty,
				    or -mon ...,mode=control (libvirt's) */
	bool has_gdb;            /* -s or -gdb already present */
	const char *gdb_spec;    /* the user's -gdb value, "tcp::1234" for -s */
	bool daemonize;
	bool machine_none;       /* -machine none: no CPU, no gdbstub possible */
	char accel_buf[64];      /* storage behind accel */
};

void wrap_launch_info(int argc, char *const *argv, struct wrap_launch_info *li);

/* ---- finding the real qemu ----------------------------------------- */

/*
 * The real qemu: $QEMU_WRAPPER_QEMU (passed in as explicit, may be NULL),
 * else the first qemu-system-x86_64, then qemu-kvm, on PATH, then
 * /usr/libexec/qemu-kvm, skipping any file that is the running wrapper
 * itself (compared by device and inode after resolving links, so a symlink
 * called qemu-system-x86_64 that points at the wrapper is skipped).
 * Writes the path into out (size len).  Fails with code ENOENT when nothing
 * is found (the CLI exits 127), ELOOP when explicit is the wrapper itself,
 * EACCES when explicit is not executable.
 */
int wrap_find_qemu(const char *explicit, const char *path_env,
		   char *out, size_t len, struct kit_err *err);

/*
 * The command that attaches to this launch, as the wrapper's first line
 * prints it: the gdbstub-client beside the running wrapper (installed or
 * in its build tree) by its bare name when PATH finds that same file,
 * else by its absolute path; with QEMU_WRAPPER_RUNDIR=DIR in front when
 * the run directory was given (rundir_explicit, else NULL).  Shell-quoted.
 */
void wrap_attach_hint(const char *path_env, const char *rundir_explicit,
		      char *out, size_t len);

/* ---- the gdbstub endpoint ------------------------------------------ */

enum wrap_transport { WRAP_TCP, WRAP_UNIX };

struct wrap_endpoint {
	enum wrap_transport transport;
	char host[256];          /* tcp: numeric or name; "[::1]" stored as "::1" */
	int port;                /* tcp: 0 = let the kernel choose */
	char path[108];          /* unix: socket path */
	const char *what;        /* for messages: "gdb" when NULL, "monitor" */
};

/*
 * Parse "tcp:HOST:PORT", "tcp:[V6]:PORT", "unix:PATH" or "unix" (path
 * chosen later).  Fails with EINVAL and a message naming what is wrong.
 */
int wrap_endpoint_parse(const char *spec, struct wrap_endpoint *ep,
			struct kit_err *err);
/* "tcp:127.0.0.1:4321", "tcp:[::1]:4321" or "unix:/path". */
void wrap_endpoint_format(const struct wrap_endpoint *ep, char *out, size_t len);
bool wrap_endpoint_is_loopback(const struct wrap_endpoint *ep);

/*
 * Create the listening socket qemu's gdbstub will use (passed to qemu as an
 * inherited fd, so no port can be taken in between).  A port of 0 is
 * replaced by the one the kernel chose.  For unix sockets the parent
 * directory is created with mode 0700 if missing, and refused if other
 * users can enter it.  Returns the fd (without FD_CLOEXEC) or -1.
 */
int wrap_endpoint_listen(struct wrap_endpoint *ep, struct kit_err *err);

/* ---- the session file ---------------------------------------------- */

struct wrap_session {
	pid_t wrapper_pid;
	pid_t qemu_pid;
	const char *qemu;             /* path of the real qemu */
	const char *gdb;              /* endpoint a client connects to, or NULL */
	bool gdb_added;               /* the wrapper added it (else the user's) */
	const char *monitor;          /* "unix:PATH" of the clients' monitor, or NULL */
	bool hold;                    /* the guest starts paused (-S) */
	char *const *argv;            /* the full real argv, NULL-terminated */
	const struct wrap_launch_info *li;
	const char *accel_active;     /* "kvm"/"tcg" once qemu said, or NULL */
	int64_t start_realtime_ns;    /* CLOCK_REALTIME just before fork */
	int64_t start_monotonic_ns;   /* CLOCK_MONOTONIC just before fork */
	const char *events;           /* RUNDIR/PID.events, or NULL */
	const char *exit_file;        /* RUNDIR/PID.exit.json, or NULL */
};

/* "RUNDIR/PID.json" into out. */
void wrap_session_path(const char *rundir, pid_t wrapper_pid, char *out,
		       size_t len);
/* Write the session file: whole or not at all, mode 0600 (common/outfile.h). */
int wrap_session_write(const char *path, const struct wrap_session *s,
		       struct kit_err *err);

/* How qemu ended, for RUNDIR/PID.exit.json (docs/session-file.md). */
struct wrap_exit {
	pid_t wrapper_pid;
	pid_t qemu_pid;
	int wstatus;                  /* from waitpid */
	char shutdown_reason[32];     /* QMP SHUTDOWN's "reason", or "" */
	bool guest_panicked;          /* a GUEST_PANICKED event came */
	int64_t realtime_ns;          /* when the wrapper saw qemu exit */
	/* qemu's resource use, from wait4() as it was reaped */
	bool have_rusage;
	int64_t max_rss_kb;           /* peak resident set (ru_maxrss), KiB */
	int64_t user_us, system_us;   /* CPU time in user and kernel mode */
	int64_t minor_faults, major_faults;
};
int wrap_exit_write(const char *path, const struct wrap_exit *x,
		    struct kit_err *err);

/*
 * Remove what gone wrappers of this user left in rundir, and only that:
 * PID.json whose content names PID as its wrapper, their hidden temporary
 * files, PID.gdb.sock and PID.mon.sock sockets, and PID.exit.json and
 * PID.events older than ten minutes; each owned by the user, PID not a
 * running process.  Returns how many.
 */
int wrap_session_prune(const char *rundir);

/* ---- the debugger's connection ------------------------------------- */

/*
 * How many connections qemu's gdbstub has accepted on ep and still holds
 * (read from /proc/net/unix, or /proc/net/tcp and tcp6: the server-side
 * sockets bound to the endpoint's path or port).  -1 if it cannot tell.
 */
int wrap_gdb_connections(const struct wrap_endpoint *ep);

/*
 * Release a guest a debugger left stopped: connect to the gdbstub, send
 * '?' (QEMU removes every breakpoint and watchpoint) and 'c', and close.
 * Bounded by timeout_ms.  0 on success.
 */
int wrap_gdb_release(const struct wrap_endpoint *ep, int timeout_ms,
		     struct kit_err *err);

/*
 * Hold a guest at its reset vector against a manager that resumes it
 * through a monitor of its own (libvirt starts every domain with -S and
 * sends "cont" at once): a breakpoint at the first instruction
 * (0xfffffff0, f000:fff0), planted through the gdbstub before qemu runs.
 * QEMU stops there as soon as the guest is resumed, and keeps the
 * breakpoint when its client goes; a debugger's '?' removes it.
 *
 * wrap_gdb_plant_send connects to the gdbstub's listening socket (before
 * qemu is started: the connection and the packet wait in its backlog, so
 * they are read before any monitor command) and sends the Z0 packet; it
 * returns the connection's fd or -1.  wrap_gdb_plant_finish waits for
 * QEMU's "OK" (bounded by timeout_ms) and closes fd; 0 on "OK".
 */
int wrap_gdb_plant_send(const struct wrap_endpoint *ep, struct kit_err *err);
int wrap_gdb_plant_finish(int fd, int timeout_ms, struct kit_err *err);

/* ---- the log --------------------------------------------------------- */

/*
 * QEMU_WRAPPER_LOG=FILE: one line per invocation and per event, each
 * written with a single write(2) to an O_APPEND file so parallel wrappers
 * never interleave.  Lines:
 *   TIME qemu-wrapper[PID] probe|launch rule="..." argv: 'a' 'b' ...
 *   TIME qemu-wrapper[PID] event: ...
 */
struct wrap_log {
	int fd;          /* -1: no log */
	const char *path;
	bool failed;     /* an error was said already (once is enough) */
};

void wrap_log_open(struct wrap_log *log, const char *path);
void wrap_log_close(struct wrap_log *log);
void wrap_log_decision(struct wrap_log *log, const struct wrap_decision *d,
		       char *const *argv);
__attribute__((format(printf, 2, 3)))
void wrap_log_event(struct wrap_log *log, const char *fmt, ...);
/* Shell-style quoting of one word, for humans reading the log. */
void wrap_quote(const char *word, char *out, size_t len);

/* ---- supervising a launch ------------------------------------------ */

enum wrap_shield {
	WRAP_SHIELD_AUTO,    /* hold signals while the guest is paused for a
				debugger: from a -S start until the first
				resume, and at each later debug stop */
	WRAP_SHIELD_ALWAYS,  /* hold for qemu's whole life */
	WRAP_SHIELD_NEVER,   /* forward at once */
};

struct wrap_supervisor {
	/* in */
	const char *qemu;
	char *const *argv;         /* full real argv, argv[0] = qemu */
	int keep_fds[4];           /* fds qemu inherits; -1 terminated */
	int qmp_fd;                /* our end of the private QMP socketpair */
	bool held_at_start;        /* -S in force */
	enum wrap_shield shield;
	struct wrap_log *log;
	/* called once qemu is running (pid known) and again when the QMP
	 * monitor said which accelerator is active; may be NULL */
	void (*on_started)(struct wrap_supervisor *sv);
	/* called when a signal is held back; may be NULL */
	void (*notify)(struct wrap_supervisor *sv, int sig);
	void *user;
	int events_fd;             /* append STOP/RESUME lines here, or -1 */
	int plant_fd;              /* wrap_gdb_plant_send's connection, or -1 */
	/* the gdbstub the wrapper added (a dead debugger is noticed and its
	 * guest released), or NULL */
	const struct wrap_endpoint *gdb;
	/* out */
	pid_t qemu_pid;
	const char *accel_active;  /* "kvm" or "tcg" once known */
	int64_t start_realtime_ns;
	int64_t start_monotonic_ns;
	int held_count;            /* signals held back during holds */
	int delivered_count;       /* of those, delivered later */
	char shutdown_reason[32];  /* QMP SHUTDOWN's "reason", or "" */
	bool guest_panicked;
	/* qemu's rusage from wait4() when it was reaped (ru_maxrss is its
	 * peak RSS in KiB): no extra process or system call on qemu's start,
	 * the kernel keeps the figure for the parent anyway */
	bool have_rusage;
	struct rusage rusage;
};

/*
 * Start qemu as a child and supervise it until it exits.  Blocks SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT (read through a signalfd): outside a hold
 * they are forwarded to qemu at once; inside one they are logged and kept,
 * and delivered in arrival order when the hold ends.  The third arrival of
 * the same signal during one hold is delivered at once, and SIGUSR1 ends
 * the hold and delivers what it kept (the ways out for a user who really
 * means it; SIGUSR1 works even when the three signals merged while
 * pending).  A hold also ends when the debugger that made it goes away.  The child gets PR_SET_PDEATHSIG(SIGTERM), so
 * a SIGKILL of the wrapper makes the kernel send qemu SIGTERM.
 * Returns the wait status of qemu (as from waitpid), or -1 if it could not
 * be started.
 */
int wrap_supervise(struct wrap_supervisor *sv, struct kit_err *err);

/* exit status a shell would report for a wait status: code, or 128+sig */
int wrap_exit_status(int wstatus);

#endif
