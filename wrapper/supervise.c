/*
 * supervise.c: run qemu as a child and stand between it and the signals its
 * manager sends.
 *
 * Why not exec: while a debugger holds the guest at the reset vector, the
 * manager (libguestfs, libvirt, a CI timeout) may lose patience and send
 * SIGTERM; qemu would die under the user's debugger.  So the wrapper keeps
 * running, holds such signals back while the guest is paused for a
 * debugger, and delivers them once it runs again.
 *
 * How the wrapper knows the guest is paused for a debugger: it gives qemu a
 * private QMP monitor over a socketpair and follows its events.  A -S start
 * is held until the first RESUME (a debugger's continue or detach).  Later,
 * a signal that arrives while the last event was a STOP is decided by
 * query-status: "debug" (a breakpoint or single-step stop) holds it until
 * the next RESUME.
 *
 * Lazily: QEMU writes a STOP and a RESUME event during every stop a
 * debugger makes (a sampler at 1 kHz makes 2000 a second), and a wrapper
 * woken for each one competes with QEMU's main loop for the CPU while the
 * guest waits (~40 us a stop here: sampling at 1 kHz cost 1.16x instead of
 * 1.10x without the wrapper).  So the monitor is read at once only while
 * an answer is awaited or a hold is on (its RESUME ends the hold);
 * otherwise every QMP_DRAIN_MS, and before a signal is decided.
 *
 * A manager's -S (libvirt's): the guest is resumed by the manager, not by
 * a debugger, and stops at once at the reset-vector breakpoint the wrapper
 * planted (main.c).  That stop is held like a -S start: signals are kept,
 * and no debugger having come yet is not "the debugger went away" (the
 * guest waits for one instead of being released).
 */
#include "wrap.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PENDING 64
#define WATCH_MS 500          /* a stopped guest's debugger is looked for this often */
#define WATCH_NS ((int64_t)WATCH_MS * 1000000)
#define RELEASE_MS 2000       /* releasing a guest a debugger left, at most */
#define QMP_DRAIN_MS 100      /* events read this often when nothing waits */
#define QMP_ANSWER_MS 1000    /* query-status's answer, at most */
#define PLANT_MS 10000        /* qemu's start and its answer to the planted
				 breakpoint, at most */

struct sup_state {
	struct wrap_supervisor *sv;
	bool hold;
	bool stopped;                  /* the last event was a STOP */
	int awaiting;                  /* commands sent, answers not yet read */
	bool status_debug;             /* the last query-status said "debug" */
	bool plant_armed;              /* the reset-vector breakpoint is in and
					  its stop has not come yet */
	bool plant_stop;               /* stopped after the manager's resume,
					  waiting for a first debugger */
	int pending[MAX_PENDING];      /* held signals, in arrival order */
	int npending;
	int same_count[_NSIG];         /* arrivals per signal in this hold */
	char qbuf[65536];              /* QMP bytes not yet a whole line */
	size_t qlen;
	char evbuf[8192];              /* STOP/RESUME lines not yet written */
	size_t evlen;
	bool resumed;                  /* a RESUME came since qemu started */
	int64_t next_watch;            /* next look for the debugger */
	bool conn_seen;                /* a debugger was connected in this stop */
};

static int64_t now_ns(clockid_t clk)
{
	return kit_clock_ns(clk);
}

int wrap_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	default: return "signal";
	}
}

static void qmp_send(struct sup_state *st, const char *cmd)
{
	int fd = st->sv->qmp_fd;
	size_t len = strlen(cmd), off = 0;

	while (fd >= 0 && off < len) {
		/* MSG_NOSIGNAL: qemu may have closed its monitor on its way out;
		 * a SIGPIPE would kill the wrapper (exit 141) */
		ssize_t w = send(fd, cmd + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (poll(&p, 1, QMP_ANSWER_MS) > 0)
				continue;
		}
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* A command whose answer (id wrap-*) is awaited: the monitor is read at
 * once until it comes. */
static void qmp_ask(struct sup_state *st, const char *cmds, int n)
{
	qmp_send(st, cmds);
	st->awaiting += n;
}

static void deliver(struct sup_state *st, int sig, const char *why)
{
	kill(st->sv->qemu_pid, sig);
	wrap_log_event(st->sv->log, "delivered %s to qemu pid %ld (%s)",
		       signame(sig), (long)st->sv->qemu_pid, why);
}

static void end_hold(struct sup_state *st, const char *why)
{
	int i;

	if (!st->hold)
		return;
	st->hold = false;
	wrap_log_event(st->sv->log, "hold ended: %s", why);
	for (i = 0; i < st->npending; i++) {
		deliver(st, st->pending[i], "held during the hold");
		st->sv->delivered_count++;
	}
	st->npending = 0;
	memset(st->same_count, 0, sizeof st->same_count);
}

static void on_signal(struct sup_state *st, int sig)
{
	struct wrap_supervisor *sv = st->sv;

	if (!st->hold) {
		deliver(st, sig, "forwarded");
		return;
	}
	if (++st->same_count[sig] >= 3) {
		deliver(st, sig, "third arrival during one hold: not held");
		return;
	}
	if (st->npending < MAX_PENDING)
		st->pending[st->npending++] = sig;
	sv->held_count++;
	wrap_log_event(sv->log,
		"held %s: the guest is paused for a debugger; it is delivered "
		"when the guest resumes (a third %s is delivered at once)",
		signame(sig), signame(sig));
	if (sv->notify)
		sv->notify(sv, sig);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void events_flush(struct sup_state *st)
{
	if (st->evlen && st->sv->events_fd >= 0 &&
	    write(st->sv->events_fd, st->evbuf, st->evlen) != (ssize_t)st->evlen)
		wrap_log_event(st->sv->log, "cannot write the events file: %s",
			       strerror(errno));
	st->evlen = 0;
}

/* "STOP 1733312345123456000": QEMU's own time of the event (realtime,
 * microseconds), so a profiler's guest time does not depend on when it
 * got to read its stop reply. */
static void event_record(struct sup_state *st, const char *ev, json_object *o)
{
	json_object *ts, *sec, *usec;
	int64_t ns;

	if (st->sv->events_fd < 0 ||
	    !json_object_object_get_ex(o, "timestamp", &ts) ||
	    !json_object_object_get_ex(ts, "seconds", &sec) ||
	    !json_object_object_get_ex(ts, "microseconds", &usec))
		return;
	ns = json_object_get_int64(sec) * 1000000000 +
	     json_object_get_int64(usec) * 1000;
	if (st->evlen + 64 > sizeof st->evbuf)
		events_flush(st);
	st->evlen += (size_t)snprintf(st->evbuf + st->evlen,
				      sizeof st->evbuf - st->evlen,
				      "%s %lld\n", ev, (long long)ns);
}

static void on_qmp_message(struct sup_state *st, json_object *o)
{
	struct wrap_supervisor *sv = st->sv;
	const char *ev = jstr(o, "event"), *id = jstr(o, "id");
	json_object *ret;

	if (json_object_object_get_ex(o, "QMP", NULL)) {
		if (st->awaiting > 0)
			st->awaiting--;   /* the greeting itself */
		qmp_ask(st, "{\"execute\":\"qmp_capabilities\",\"id\":\"wrap-caps\"}\n"
			    "{\"execute\":\"query-kvm\",\"id\":\"wrap-kvm\"}\n", 2);
		return;
	}
	if (ev && (!strcmp(ev, "RESUME") || !strcmp(ev, "STOP")))
		event_record(st, ev, o);
	if (ev && strcmp(ev, "SHUTDOWN") == 0) {
		json_object *data;
		const char *reason = NULL;

		if (json_object_object_get_ex(o, "data", &data))
			reason = jstr(data, "reason");
		snprintf(sv->shutdown_reason, sizeof sv->shutdown_reason, "%s",
			 reason ? reason : "unknown");
		wrap_log_event(sv->log, "qemu shutting down: %s",
			       sv->shutdown_reason);
		return;
	}
	if (ev && strcmp(ev, "GUEST_PANICKED") == 0) {
		sv->guest_panicked = true;
		wrap_log_event(sv->log, "the guest panicked");
		return;
	}
	if (ev && strcmp(ev, "RESUME") == 0) {
		st->stopped = false;
		st->resumed = true;
		st->plant_stop = false;
		st->next_watch = 0;
		st->conn_seen = false;
		if (sv->shield != WRAP_SHIELD_ALWAYS)
			end_hold(st, "the guest resumed");
		return;
	}
	if (ev && strcmp(ev, "STOP") == 0) {
		st->stopped = true;
		st->next_watch = now_ns(CLOCK_MONOTONIC) + WATCH_NS;
		st->conn_seen = false;
		if (st->plant_armed) {
			/* the first stop after the manager's resume: the
			 * breakpoint's (or, had a debugger come unseen and
			 * removed it, that debugger's; held either way).
			 * The RESUME before it may have come before this
			 * monitor was in command mode (no events until
			 * then): not waited for. */
			st->plant_armed = false;
			st->plant_stop = true;
			if (sv->shield == WRAP_SHIELD_AUTO && !st->hold)
				st->hold = true;
			wrap_log_event(sv->log, "held at the reset vector: the "
				       "manager resumed the guest and it stopped "
				       "at the wrapper's breakpoint; it waits "
				       "for a debugger");
		}
		return;
	}
	if (!id || strncmp(id, "wrap-", 5))
		return;
	if (st->awaiting > 0)
		st->awaiting--;
	if (!json_object_object_get_ex(o, "return", &ret))
		return;
	if (strcmp(id, "wrap-status") == 0) {
		const char *status = jstr(ret, "status");

		/* "debug": stopped by the gdbstub (breakpoint, step) */
		st->status_debug = status && strcmp(status, "debug") == 0;
	} else if (strcmp(id, "wrap-kvm") == 0) {
		json_object *en;

		if (json_object_object_get_ex(ret, "enabled", &en)) {
			sv->accel_active = json_object_get_boolean(en) ? "kvm"
								      : "tcg";
			if (sv->on_started)
				sv->on_started(sv);
		}
	}
}

/* Reads what the monitor has (its fd is non-blocking): 1 = read some,
 * 0 = nothing there, -1 = closed. */
static int qmp_read(struct sup_state *st)
{
	ssize_t n;
	char *nl;

	if (st->qlen == sizeof st->qbuf)
		st->qlen = 0; /* a line longer than 64 KiB: not ours, drop */
	n = read(st->sv->qmp_fd, st->qbuf + st->qlen,
		 sizeof st->qbuf - st->qlen);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	st->qlen += (size_t)n;
	while ((nl = memchr(st->qbuf, '\n', st->qlen))) {
		size_t linelen = (size_t)(nl - st->qbuf) + 1;
		json_object *o;

		*nl = '\0';
		o = json_tokener_parse(st->qbuf);
		if (o) {
			on_qmp_message(st, o);
			json_object_put(o);
		}
		memmove(st->qbuf, st->qbuf + linelen, st->qlen - linelen);
		st->qlen -= linelen;
	}
	events_flush(st);
	return 1;
}

/* Everything the monitor has; false once it is closed. */
static bool qmp_drain(struct sup_state *st)
{
	int rc;

	while ((rc = qmp_read(st)) > 0) {
	}
	return rc == 0;
}

/* Ask query-status and wait for its answer (QMP_ANSWER_MS at most):
 * whether the guest is stopped by the gdbstub (a breakpoint, watchpoint or
 * step stop: "debug").  *open goes false when the monitor closed. */
static bool status_debug(struct sup_state *st, bool *open)
{
	int64_t end;

	st->status_debug = false;
	qmp_ask(st, "{\"execute\":\"query-status\",\"id\":\"wrap-status\"}\n", 1);
	end = now_ns(CLOCK_MONOTONIC) + (int64_t)QMP_ANSWER_MS * 1000000;
	while (st->awaiting > 0) {
		int64_t left = end - now_ns(CLOCK_MONOTONIC);
		struct pollfd p = { .fd = st->sv->qmp_fd, .events = POLLIN };

		if (left <= 0 || poll(&p, 1, (int)(left / 1000000) + 1) == 0)
			break;
		if (qmp_read(st) < 0) {
			*open = false;
			return false;
		}
	}
	return st->status_debug && st->stopped;
}

/*
 * A signal came while the guest is not held: is it paused by a debugger
 * right now?  The events so far are read; if the last was a STOP,
 * query-status decides.  False when the monitor closed (*open then false).
 */
static bool paused_for_debugger(struct sup_state *st, bool *open)
{
	if (!(*open = qmp_drain(st)))
		return false;
	if (!st->stopped || st->sv->shield != WRAP_SHIELD_AUTO)
		return false;
	return status_debug(st, open);
}

/* Whether the guest is stopped (the last event was a STOP, or a -S start
 * not yet resumed). */
static bool guest_stopped(const struct sup_state *st)
{
	return st->stopped || (st->sv->held_at_start && !st->resumed);
}

/*
 * A debugger that dies leaves the guest stopped for good (QEMU does
 * nothing when its client goes).  While the guest is stopped, every
 * WATCH_MS: if the gdbstub has no connection and either one was there
 * during this stop (the debugger that stopped it is gone) or the stop is a
 * breakpoint's with nobody to see it (a debugger died while the guest ran
 * and left its breakpoints in), release the guest.  A -S start that no
 * debugger has attached to yet waits for one.
 */
static void watch_debugger(struct sup_state *st, bool *qmp_open)
{
	struct wrap_supervisor *sv = st->sv;
	int64_t now = now_ns(CLOCK_MONOTONIC);
	struct kit_err err;
	int n;

	if (!sv->gdb || !guest_stopped(st) || now < st->next_watch)
		return;
	st->next_watch = now + WATCH_NS;
	n = wrap_gdb_connections(sv->gdb);
	if (n > 0) {
		st->conn_seen = true;
		/* a debugger came: its '?' removes the planted breakpoint */
		st->plant_armed = false;
	}
	if (n != 0)
		return;
	if (st->plant_stop && !st->conn_seen)
		return;   /* held at the reset vector: no debugger yet */
	if (!st->conn_seen && (!st->stopped || !*qmp_open ||
			       !status_debug(st, qmp_open)))
		return;
	wrap_log_event(sv->log, "debugger gone: the guest is stopped and no "
		       "debugger is connected to the gdbstub; releasing it "
		       "(breakpoints removed, guest resumed)");
	st->conn_seen = false;
	if (wrap_gdb_release(sv->gdb, RELEASE_MS, &err) < 0)
		wrap_log_event(sv->log, "cannot release the guest: %s", err.msg);
	else if (sv->notify)
		sv->notify(sv, 0);
}

/* Milliseconds poll may sleep: the next look for a debugger, or the
 * lazy drain of the monitor, or forever. */
static int poll_timeout(const struct sup_state *st, bool qmp_open, bool eager)
{
	int ms = qmp_open && !eager ? QMP_DRAIN_MS : -1;

	if (st->sv->gdb && guest_stopped(st)) {
		int64_t left = (st->next_watch - now_ns(CLOCK_MONOTONIC)) / 1000000;

		if (left < 0)
			left = 0;
		if (ms < 0 || left < ms)
			ms = (int)left + 1;
	}
	return ms;
}

/* The signals the wrapper passes on to qemu (on_signal). */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void child_exec(struct wrap_supervisor *sv, const sigset_t *oldmask,
		       int errpipe, pid_t parent)
{
	size_t i;
	int e;

	/*
	 * The wrapper takes these whatever their disposition (a blocked
	 * signal is never discarded as ignored: signalfd reads it even under
	 * nohup), and what it forwards must act on qemu.  An ignore it
	 * inherited (nohup, a script's "cmd &") would make qemu drop a
	 * signal the wrapper logged as delivered until qemu installs its own
	 * handlers for INT, TERM and HUP, which it does whatever it
	 * inherited.  So qemu starts with them at the default, as after its
	 * first second it behaves anyway (README, "Signals").
	 */
	for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
		signal(forwarded[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	/* If the wrapper dies (even by SIGKILL), the kernel sends qemu
	 * SIGTERM, on which qemu shuts down cleanly. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(126);
	execv(sv->qemu, sv->argv);
	e = errno;
	if (write(errpipe, &e, sizeof e) < 0)
		_exit(126);
	_exit(126);
}

/*
 * Fork and exec qemu; the exec's errno comes back through a close-on-exec
 * pipe, so "cannot run" is told here, not by an exit status.  Returns
 * qemu's pid, or -1 with err set.
 */
static pid_t start_qemu(struct wrap_supervisor *sv, const sigset_t *oldmask,
			struct kit_err *err)
{
	int errpipe[2], e = 0;
	pid_t parent = getpid(), pid;
	size_t i;
	ssize_t n;

	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return kit_seterr_errno(err, errno, "cannot create a pipe");
	sv->start_realtime_ns = now_ns(CLOCK_REALTIME);
	sv->start_monotonic_ns = now_ns(CLOCK_MONOTONIC);
	pid = fork();
	if (pid < 0) {
		kit_seterr_errno(err, errno, "cannot fork");
		close(errpipe[0]);
		close(errpipe[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(sv, oldmask, errpipe[1], parent);
	close(errpipe[1]);
	/* The wrapper's own writes (monitor, stderr notes, log) must not kill
	 * it when their reader is gone; set after the fork, so qemu starts
	 * with the disposition the wrapper was given. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof sv->keep_fds / sizeof *sv->keep_fds &&
		    sv->keep_fds[i] >= 0; i++)
		close(sv->keep_fds[i]);
	do
		n = read(errpipe[0], &e, sizeof e);
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	if (n == (ssize_t)sizeof e) {
		waitpid(pid, NULL, 0);
		return kit_seterr_errno(err, e, "cannot run '%s'", sv->qemu);
	}
	return pid;
}

/*
 * Until qemu exits: signals from sfd (held, passed on, or SIGUSR1 ending
 * a hold), the monitor's events, the watch for a vanished debugger.
 * Returns qemu's wait status (after a poll failure, err is set and qemu
 * was terminated).
 */
static int supervise_until_exit(struct sup_state *st, int sfd, pid_t pid,
				struct kit_err *err)
{
	struct wrap_supervisor *sv = st->sv;
	bool qmp_open = sv->qmp_fd >= 0;
	int wstatus = -1;

	if (qmp_open)
		fcntl(sv->qmp_fd, F_SETFL, fcntl(sv->qmp_fd, F_GETFL) | O_NONBLOCK);
	/* the greeting comes first: its answers are awaited */
	st->awaiting = qmp_open ? 1 : 0;
	for (;;) {
		bool eager = qmp_open && (st->hold || st->awaiting > 0);
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = eager ? sv->qmp_fd : -1, .events = POLLIN },
		};
		struct signalfd_siginfo si;
		int prc = poll(pfd, 2, poll_timeout(st, qmp_open, eager));

		if (prc < 0) {
			if (errno == EINTR)
				continue;
			kit_seterr_errno(err, errno, "poll");
			kill(pid, SIGTERM);
			sv->have_rusage = wait4(pid, &wstatus, 0, &sv->rusage) == pid;
			return wstatus;
		}
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) ||
		    (qmp_open && !eager && prc == 0)) {
			if (!qmp_drain(st)) {
				qmp_open = false;
				end_hold(st, "qemu closed its monitor");
			}
		}
		watch_debugger(st, &qmp_open);
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
			continue;
		if (si.ssi_signo == SIGUSR1) {
			if (st->hold)
				end_hold(st, "SIGUSR1: released by the user");
			else
				wrap_log_event(sv->log, "SIGUSR1: no hold to end");
			continue;
		}
		if (si.ssi_signo != SIGCHLD) {
			if (qmp_open && !st->hold && paused_for_debugger(st, &qmp_open))
				st->hold = true;
			if (!qmp_open)
				end_hold(st, "qemu closed its monitor");
			on_signal(st, (int)si.ssi_signo);
			continue;
		}
		/* wait4: the kernel's account of qemu (its peak RSS, CPU
		 * time) comes with the reaping, at no cost to qemu */
		if (wait4(pid, &wstatus, WNOHANG, &sv->rusage) == pid) {
			sv->have_rusage = true;
			break;
		}
	}
	/* the last events (SHUTDOWN among them) may still be unread; each
	 * read writes its STOP/RESUME lines out (qmp_read) */
	if (qmp_open)
		qmp_drain(st);
	if (st->npending)
		wrap_log_event(sv->log,
			"%d held signal(s) not delivered: qemu exited first",
			st->npending);
	if (WIFSIGNALED(wstatus))
		wrap_log_event(sv->log, "qemu killed by signal %d (peak RSS %ld KiB)",
			       WTERMSIG(wstatus), sv->rusage.ru_maxrss);
	else
		wrap_log_event(sv->log, "qemu exited with status %d (peak RSS %ld KiB)",
			       WEXITSTATUS(wstatus), sv->rusage.ru_maxrss);
	return wstatus;
}

/* QEMU's answer to the planted breakpoint (sent before it started). */
static void plant_result(struct sup_state *st)
{
	struct wrap_supervisor *sv = st->sv;
	struct kit_err e;

	if (wrap_gdb_plant_finish(sv->plant_fd, PLANT_MS, &e) < 0) {
		wrap_log_event(sv->log, "reset-vector breakpoint not planted: "
			       "%s; the manager's resume will run the guest",
			       e.msg);
	} else {
		st->plant_armed = true;
		wrap_log_event(sv->log, "reset-vector breakpoint planted: the "
			       "argv has its own -S and QMP monitor (a manager "
			       "such as libvirt resumes the guest through it); "
			       "the guest will wait at f000:fff0 for a debugger");
	}
	sv->plant_fd = -1;
}

int wrap_supervise(struct wrap_supervisor *sv, struct kit_err *err)
{
	static const int own[] = { SIGCHLD, SIGUSR1 };
	struct sup_state *st;
	sigset_t mask, oldmask;
	int sfd, wstatus = -1;
	pid_t pid;
	size_t i;

	st = calloc(1, sizeof *st);
	if (!st)
		return kit_seterr(err, ENOMEM, "out of memory");
	st->sv = sv;
	st->next_watch = now_ns(CLOCK_MONOTONIC) + WATCH_NS;
	st->hold = sv->shield == WRAP_SHIELD_ALWAYS ||
		   (sv->shield == WRAP_SHIELD_AUTO && sv->held_at_start);

	sigemptyset(&mask);
	for (i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
		sigaddset(&mask, forwarded[i]);
	for (i = 0; i < sizeof own / sizeof *own; i++)
		sigaddset(&mask, own[i]);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		kit_seterr_errno(err, errno, "cannot create a signalfd");
	} else if ((pid = start_qemu(sv, &oldmask, err)) > 0) {
		sv->qemu_pid = pid;
		wrap_log_event(sv->log, "qemu started: pid %ld", (long)pid);
		if (sv->plant_fd >= 0)
			plant_result(st);
		if (sv->on_started)
			sv->on_started(sv);
		wstatus = supervise_until_exit(st, sfd, pid, err);
	}
	if (sfd >= 0)
		close(sfd);
	if (sv->plant_fd >= 0) {
		/* qemu never started: nobody answers the breakpoint */
		close(sv->plant_fd);
		sv->plant_fd = -1;
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	free(st);
	return wstatus;
}
