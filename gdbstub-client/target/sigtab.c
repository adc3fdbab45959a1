/*
 * sigtab.c: what to do when the target stops for a signal, as gdb's
 * "handle SIG [no]stop [no]print [no]pass".  Signal numbers are GDB's own
 * (gdb/signals.def), which is what stubs put in S, T and X replies; QEMU
 * user mode translates host signals to them.  For 1..15 they agree with
 * Linux; USR1 is 30 in GDB's numbering, 10 on Linux.
 */
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	int num;
	const char *name;
	const char *desc;
} signals[] = {
	{ 1, "SIGHUP", "Hangup" },
	{ 2, "SIGINT", "Interrupt" },
	{ 3, "SIGQUIT", "Quit" },
	{ 4, "SIGILL", "Illegal instruction" },
	{ 5, "SIGTRAP", "Trace/breakpoint trap" },
	{ 6, "SIGABRT", "Aborted" },
	{ 7, "SIGEMT", "Emulation trap" },
	{ 8, "SIGFPE", "Arithmetic exception" },
	{ 9, "SIGKILL", "Killed" },
	{ 10, "SIGBUS", "Bus error" },
	{ 11, "SIGSEGV", "Segmentation fault" },
	{ 12, "SIGSYS", "Bad system call" },
	{ 13, "SIGPIPE", "Broken pipe" },
	{ 14, "SIGALRM", "Alarm clock" },
	{ 15, "SIGTERM", "Terminated" },
	{ 16, "SIGURG", "Urgent I/O condition" },
	{ 17, "SIGSTOP", "Stopped (signal)" },
	{ 18, "SIGTSTP", "Stopped (user)" },
	{ 19, "SIGCONT", "Continued" },
	{ 20, "SIGCHLD", "Child status changed" },
	{ 21, "SIGTTIN", "Stopped (tty input)" },
	{ 22, "SIGTTOU", "Stopped (tty output)" },
	{ 23, "SIGIO", "I/O possible" },
	{ 24, "SIGXCPU", "CPU time limit exceeded" },
	{ 25, "SIGXFSZ", "File size limit exceeded" },
	{ 26, "SIGVTALRM", "Virtual timer expired" },
	{ 27, "SIGPROF", "Profiling timer expired" },
	{ 28, "SIGWINCH", "Window size changed" },
	{ 29, "SIGLOST", "Resource lost" },
	{ 30, "SIGUSR1", "User defined signal 1" },
	{ 31, "SIGUSR2", "User defined signal 2" },
	{ 32, "SIGPWR", "Power fail/restart" },
	{ 33, "SIGPOLL", "Pollable event occurred" },
};
#define NSIGNALS (sizeof signals / sizeof signals[0])

void gc_sigtab_init(struct gc_sigtab *t)
{
	size_t i;

	for (i = 0; i < GC_NSIG; i++)
		t->a[i] = (struct gc_sigaction){ true, true, true };
	/* gdb's defaults: the debugger's own signals are not passed ... */
	t->a[2] = (struct gc_sigaction){ true, true, false };   /* INT */
	t->a[5] = (struct gc_sigaction){ true, true, false };   /* TRAP */
	/* ... and the routine ones pass silently */
	t->a[14] = t->a[16] = t->a[20] = t->a[23] = t->a[26] = t->a[27] =
		t->a[28] = t->a[33] = (struct gc_sigaction){ false, false, true };
	/*
	 * Ours: a SIGTERM or SIGKILL aimed at QEMU (a test harness's timeout,
	 * a stray kill) should not end the debugging session's guest.  A
	 * stub that reports them gets the stop resumed at once without the
	 * signal.  SIGKILL cannot really be ignored: the host kernel kills
	 * QEMU and the connection closes.
	 */
	t->a[9] = t->a[15] = (struct gc_sigaction){ false, false, false };
}

int gc_signal_number(const char *name)
{
	const char *n = name;
	size_t i;

	if (isdigit((unsigned char)*n)) {
		char *end;
		long v = strtol(n, &end, 10);

		return (*end || v <= 0 || v >= GC_NSIG) ? -1 : (int)v;
	}
	for (i = 0; i < NSIGNALS; i++) {
		if (!strcasecmp(n, signals[i].name) ||
		    !strcasecmp(n, signals[i].name + 3))
			return signals[i].num;
	}
	return -1;
}

const char *gc_signal_name(int signo, char *buf)
{
	size_t i;

	for (i = 0; i < NSIGNALS; i++)
		if (signals[i].num == signo)
			return signals[i].name;
	snprintf(buf, 16, "SIG%d", signo);
	return buf;
}

const char *gc_signal_desc(int signo)
{
	size_t i;

	for (i = 0; i < NSIGNALS; i++)
		if (signals[i].num == signo)
			return signals[i].desc;
	return "Unknown signal";
}

int gc_sigtab_handle(struct gc_sigtab *t, const char *args, int *sigs,
		     size_t max, size_t *nsigs, struct kit_err *err)
{
	char buf[512], *save = NULL, *w;
	int set[GC_NSIG] = { 0 };
	int stop = -1, print = -1, pass = -1;
	bool any = false;
	size_t i;

	*nsigs = 0;
	if (strlen(args) >= sizeof buf)
		return kit_seterr(err, EINVAL, "'handle' arguments too long");
	strcpy(buf, args);
	for (w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		int s;

		if (!strcmp(w, "stop")) { stop = 1; print = 1; continue; }
		if (!strcmp(w, "nostop")) { stop = 0; continue; }
		if (!strcmp(w, "print")) { print = 1; continue; }
		if (!strcmp(w, "noprint")) { print = 0; stop = 0; continue; }
		if (!strcmp(w, "pass") || !strcmp(w, "noignore")) { pass = 1; continue; }
		if (!strcmp(w, "nopass") || !strcmp(w, "ignore")) { pass = 0; continue; }
		if (stop >= 0 || print >= 0 || pass >= 0)
			return kit_seterr(err, EINVAL, "unknown action '%s'", w);
		if (!strcmp(w, "all")) {
			/* as in gdb, "all" leaves TRAP and INT alone */
			for (s = 1; s < GC_NSIG; s++)
				if (s != 2 && s != 5)
					set[s] = 1;
			any = true;
			continue;
		}
		s = gc_signal_number(w);
		if (s < 0)
			return kit_seterr(err, EINVAL, "unknown signal '%s'", w);
		set[s] = 1;
		any = true;
	}
	if (!any)
		return kit_seterr(err, EINVAL, "no signal named (try 'handle SIGTERM nostop')");
	for (i = 1; i < GC_NSIG; i++) {
		if (!set[i])
			continue;
		if (stop >= 0)
			t->a[i].stop = stop;
		if (print >= 0)
			t->a[i].print = print;
		if (pass >= 0)
			t->a[i].pass = pass;
		/* a stop that is not shown makes no sense: gdb's rule */
		if (t->a[i].stop && !t->a[i].print) {
			if (stop == 1)
				t->a[i].print = true;
			else
				t->a[i].stop = false;
		}
		if (*nsigs < max)
			sigs[(*nsigs)++] = (int)i;
	}
	return 0;
}
