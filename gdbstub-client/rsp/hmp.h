/*
 * hmp.h: a small client of QEMU's human monitor (HMP), for what the
 * gdbstub cannot do without stopping the guest.  "sample --method=monitor"
 * sends "p $pc" and "p $cs" at each tick: QEMU answers from its main loop
 * while the vCPU runs on (no vm_stop, unlike a gdbstub interrupt).
 *
 * Why HMP and not QMP: with QMP requests flowing when the guest powers
 * off, QEMU 7.2 can hang for good in monitor_cleanup() at exit, waiting
 * for its QMP dispatcher coroutine (seen in about one boot in six at
 * 1 kHz, with our client and with a Python one); HMP commands run in the
 * monitor's read handler and never touch that coroutine.
 *
 * One connection, non-blocking: a command is a line; its output ends
 * with the next "(qemu) " prompt.  The monitor echoes the line first.
 * Nothing here prints; errors come back as -1 with err filled, naming the
 * monitor.
 */
#ifndef GC_HMP_H
#define GC_HMP_H

#include <stdbool.h>
#include <stddef.h>

#include "usage.h"

struct gc_hmp {
	int fd;                /* -1 when closed */
	char spec[4200];       /* "unix:PATH" or "HOST:PORT", for messages */
	char *buf;             /* bytes read, not yet taken */
	size_t len, cap;
	bool eof;              /* QEMU closed the monitor */
};

#define GC_HMP_PROMPT "(qemu) "

/*
 * Connect to spec ("unix:PATH", "HOST:PORT", "tcp:HOST:PORT") and read
 * QEMU's banner up to the first prompt, waiting at most timeout_ms.  A QMP
 * monitor (its greeting is JSON) or anything else is refused.
 */
int gc_hmp_open(struct gc_hmp *m, const char *spec, int timeout_ms,
		struct kit_err *err);
void gc_hmp_close(struct gc_hmp *m);

/* Send one command line (no newline in it); blocks only while the socket
 * is full. */
int gc_hmp_send(struct gc_hmp *m, const char *cmd, struct kit_err *err);

/* Read what the socket has now, without blocking.  0 = read something or
 * nothing was there, 1 = end of file (m->eof), -1 = error. */
int gc_hmp_fill(struct gc_hmp *m, struct kit_err *err);

/*
 * The output of the next command already answered (everything before its
 * prompt, the echoed command line included): 1 with *text set (malloc'ed,
 * NUL-terminated; the caller frees it), 0 when no prompt has come yet, -1
 * when more than 1 MiB came without one.
 */
int gc_hmp_take(struct gc_hmp *m, char **text, struct kit_err *err);

#endif
