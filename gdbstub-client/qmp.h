/*
 * qmp.h: a small client of QEMU's QMP monitor, for what the gdbstub cannot
 * do without stopping the guest.  "sample --method=monitor" asks
 * "human-monitor-command info registers" at each tick: QEMU answers from
 * its main loop while the vCPU runs on (no vm_stop, unlike a gdbstub
 * interrupt).
 *
 * One connection, non-blocking: commands are written whole and their
 * replies, one JSON object per line, read when they come.  Asynchronous
 * events ({"event": ...}) are passed over by gc_qmp_take().  Nothing here
 * prints; errors come back as -1 with err filled, naming the monitor.
 */
#ifndef GC_QMP_H
#define GC_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "usage.h"

struct gc_qmp {
	int fd;                /* -1 when closed */
	char spec[4200];       /* "unix:PATH" or "HOST:PORT", for messages */
	char *buf;             /* bytes read, not yet taken */
	size_t len, cap;
	bool eof;              /* QEMU closed the monitor */
	unsigned long events;  /* events passed over */
};

/*
 * Connect to spec ("unix:PATH", "HOST:PORT", "tcp:HOST:PORT"), read QEMU's
 * greeting and leave capabilities negotiation mode, waiting at most
 * timeout_ms for each step.  Fails on anything that is not a QMP monitor.
 */
int gc_qmp_open(struct gc_qmp *q, const char *spec, int timeout_ms,
		struct kit_err *err);
void gc_qmp_close(struct gc_qmp *q);

/* Write one command line (a JSON object and '\n') whole; blocks only while
 * the socket is full.  hmp: "human-monitor-command" with that command line
 * (a plain HMP command: no quotes or backslashes). */
int gc_qmp_send(struct gc_qmp *q, const char *json_line, struct kit_err *err);
int gc_qmp_send_hmp(struct gc_qmp *q, const char *hmp, struct kit_err *err);

/* Read what the socket has now, without blocking.  0 = read something or
 * nothing was there, 1 = end of file (q->eof), -1 = error. */
int gc_qmp_fill(struct gc_qmp *q, struct kit_err *err);

/*
 * The next reply already read: 1 with *out set (the caller puts it),
 * 0 when no whole reply is buffered, -1 when a line is not JSON (err says
 * what came).  Events are counted and dropped.
 */
int gc_qmp_take(struct gc_qmp *q, json_object **out, struct kit_err *err);

/* Wait for the next reply (at most timeout_ms): 1 with *out, -1 on error,
 * end of file or timeout. */
int gc_qmp_wait(struct gc_qmp *q, int timeout_ms, json_object **out,
		struct kit_err *err);

/* A reply's text: "return" when it is a string (an HMP command's output),
 * else NULL; *error_desc set to the "error" description when there is one. */
const char *gc_qmp_text(json_object *reply, const char **error_desc);

#endif
