/*
 * conn-internal.h: the definition of struct rsp_conn, for rsp/'s own files
 * (conn.c, core.c) and the library's white-box unit test.  Everyone else
 * sees only the opaque type of rsp.h and its accessors: the fields, the
 * receive buffer in particular, are the library's to keep consistent.
 */
#ifndef KIT_RSP_CONN_INTERNAL_H
#define KIT_RSP_CONN_INTERNAL_H

#include "rsp.h"

#include <string.h>

struct rsp_conn {
	int fd;
	struct rsp_parser parser;
	unsigned char rbuf[4096];  /* bytes read, not yet fed to the parser */
	size_t rpos, rlen;
	struct rsp_buf reply;      /* the last packet received */
	struct rsp_buf pending;    /* a packet that arrived while waiting for
	                              an ack, handed out by the next receive */
	bool have_pending;
	struct rsp_buf out;        /* scratch for encoding */
	size_t garbage;            /* garbage bytes since the last good event */
	char garbage_text[64];     /* their beginning, for error messages */
	bool got_any;              /* a valid event ever came from the stub */

	int timeout_ms;            /* ms, every ack/reply wait; -1 = none */
	int retries;               /* retransmissions on '-', bad checksums */
	bool noack;                /* QStartNoAckMode is in effect */
	bool running;              /* resumed, no stop reply yet */
	volatile sig_atomic_t interrupt_sent; /* set by rsp_interrupt() */
	int wake_fd;               /* -1; readable = abort rsp_wait_stop() (the
	                              caller drains it; e.g. a self-pipe its
	                              SIGINT handler writes to) */
	int last_errno;            /* NN of the last "E NN" reply, -1 = E.text */

	/* Trace: non-NULL = called with each line (no newline). */
	void (*trace)(void *ctx, const char *line);
	void *trace_ctx;
	/* Console output ('O' packets while running). */
	void (*console)(void *ctx, const char *text, size_t len);
	void *console_ctx;

	struct rsp_qSupported features;
	bool have_features;
	bool vcont_known;          /* vCont? was asked */
	unsigned vcont;            /* vCont actions offered: vcont_bit() each */
	struct rsp_tdesc tdesc;
	bool have_tdesc;
	struct rsp_buf g;          /* the last g reply, decoded to bytes */
	struct rsp_buf g_avail;    /* per byte: 1 = valid, 0 = "xx" */

	struct rsp_bp bps[RSP_MAX_BREAKPOINTS];  /* inserted */
	size_t nbps;
	struct rsp_stop last_stop;
	bool have_stop;
	long g_tid;                /* the thread 'g', 'p' and 'm' read, as
	                              chosen with Hg since the last stop; 0 =
	                              the stub's choice (QEMU: the stop's) */
	bool closed;               /* the stub closed (or reset) the connection */
	int sys_errno;             /* errno of the last RSP_ERR_SYS, 0 = none */
	bool quickack;             /* rsp_set_quickack(): TCP_QUICKACK before
	                              each reply wait and batch write */
};

/* vCont action 'c' 'C' 's' 'S' 't' or 'r' as a bit of rsp_conn.vcont; 0 for
 * any other character. */
static inline unsigned vcont_bit(char action)
{
	const char *at = action ? strchr("cCsStr", action) : NULL;

	return at ? 1u << (at - "cCsStr") : 0;
}

/* Fill err with "out of memory" (RSP_ERR_NOMEM); -RSP_ERR_NOMEM. */
int rsp_nomem(struct kit_err *err);

#endif
