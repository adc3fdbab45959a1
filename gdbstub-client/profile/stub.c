/*
 * stub.c: the recorder's use of the gdbstub.
 *
 * What.  Messages and the recording's state (progress, incomplete, the
 * connection's end); the packet queue (rec_flush()); breakpoints and the
 * watchpoint, with the hardware fallback under KVM; resume, single step,
 * the interrupt stop; the calibration of the stub's own latency; the
 * detach.  Every direct access to the fields of struct rsp_conn (its fd,
 * its list of breakpoints, its trace hook, its target description, its
 * running and no-ack state) is in this file.
 *
 * How.  Each request to QEMU costs a round trip (~30-100 us on loopback
 * with acks on), so the requests whose only answer is "OK" (Z0, z0, P,
 * M) are queued during a stop and written in one go, the resume last.
 *
 * Where it breaks.  A queued packet that fails is reported when its reply
 * is read, after the resume: by the next rec_flush() at the latest.  A
 * stub that answers queued packets out of order (not QEMU 7.2's system
 * mode) would be misread.
 */
#include "recorder-int.h"
#include "clock.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

double rec_ms_of(int64_t ns)
{
	return (double)ns / 1e6;
}

void rec_progress(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	(void)r;
	va_start(ap, fmt);
	kit_vsay("profile", fmt, ap);
	va_end(ap);
}

void rec_set_incomplete(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->complete && r->reason[0])
		return;          /* the first reason stands */
	r->complete = false;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

/* The connection ended while the guest ran or at a stop reply: its cause
 * is decided at the end (rec_decide_end()), with the wrapper's exit record. */
void rec_conn_ended(struct rec *r, char how, int num)
{
	r->alive = false;
	if (!r->conn_end) {
		r->conn_end = how;
		r->conn_num = num;
	}
}

/*
 * Acknowledge the stub's next segments at once.  QEMU writes its '+' and
 * then the reply (or, after a continue, the stop reply) as separate
 * segments; with Nagle on its side and our delayed ACK, the second waits up
 * to 40 ms for the ACK of the first, which would be counted as guest time.
 * Quick-ack mode is not permanent, so it is set before every request.  Not
 * a TCP socket: a no-op.
 */
void rec_quickack(struct rec *r)
{
	int one = 1;

	(void)setsockopt(rsp_conn_fd(r->c), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

/*
 * The trace hook sees every byte sequence as it is received ("<- +" right
 * after the '+' is read): setting TCP_QUICKACK then sends the ACK that the
 * kernel was holding back at once, so QEMU's Nagle releases the reply that
 * follows its '+'.  (QEMU's own "-gdb tcp:" sets nodelay; the wrapper's
 * chardev does not.)  The user's GDBSTUB_TRACE still prints.
 */
static void trace_hook(void *ctx, const char *line)
{
	struct rec *r = ctx;

	if (line[0] == '<')
		rec_quickack(r);
	if (r->trace_stderr)
		rsp_trace_stderr(NULL, line);
}

/*
 * The packet queue.  Each request to QEMU costs a round trip (~30-100 us
 * on loopback with acks on), and a stop can need up to six of them.  The
 * requests whose only answer is "OK" (Z0, z0, P, M) are therefore queued
 * during a stop and written in one go: before anything that needs an
 * answer (rec_flush(r, false)), or together with the resume
 * (rec_flush(r, true)).
 * QEMU 7.2's system-mode gdbstub reads packets one after another from its
 * input, answers each ('+' and the reply) before it looks at the next, and
 * never waits for our ack of a reply (only user mode does), so packets
 * written back to back are handled in order; a resume written last starts
 * the guest only after the others were applied.  Their replies are then
 * read without acks: any byte but 0x03 written while the guest runs would
 * stop it.  A failed Z/z/P is reported when its reply is read, so by the
 * next flush at the latest.
 */
int rec_flush(struct rec *r, bool cont)
{
	struct rsp_conn *c = r->c;
	const struct rsp_buf *reply = rsp_reply(c);
	struct kit_err e;
	size_t i;
	int rc = 0;

	if (!r->nq && !cont)
		return 0;
	if (cont) {
		const char *res = rsp_vcont_has(c, 'c') ? "vCont;c" : "c";

		if (rsp_packet_encode(&r->qout, res, strlen(res)) < 0)
			return error("out of memory");
	}
	rec_quickack(r);
	if (rsp_write_batch(c, r->qout.data, r->qout.len, &e) < 0) {
		rc = error("cannot send to the stub: %s", e.msg);
		goto out;
	}
	if (cont)
		r->running = true;
	for (i = 0; i < r->nq; i++) {
		/* the connection is not marked running while these are read:
		 * no wake fd, and they are replies, not the stop reply; after
		 * a resume they are read without acks (any byte but 0x03
		 * written while the guest runs would stop it) */
		if ((cont ? rsp_batch_recv(c, rsp_timeout(c), &e)
			  : rsp_recv(c, rsp_timeout(c), &e)) < 0) {
			rc = error("%s: %s", r->qwhat[i], e.msg);
			break;
		}
		if ((long)i == r->qm) {
			r->qm_ok = reply->len == 2 * (size_t)r->qm_len &&
				   rsp_hex_le_to_u64(reply->data, reply->len,
						     &r->qm_val) == 0;
			continue;
		}
		if ((long)i == r->qg) {
			/* the registers at the stop, read before the rest */
			if (rsp_take_registers(c, &e) < 0) {
				const struct rsp_stop *st = rsp_last_stop(c);

				if (e.code == RSP_ERR_EXITED && st &&
				    (st->kind == 'W' || st->kind == 'X')) {
					/* the target ended instead of answering:
					 * the end's cause is decided later */
					rec_conn_ended(r, st->kind, st->kind == 'W' ?
						       st->exit_status : st->signo);
					break;
				}
				rc = error("%s: %s", r->qwhat[i], e.msg);
				break;
			}
			continue;
		}
		if (reply->len != 2 || memcmp(reply->data, "OK", 2)) {
			char q[80];

			rc = error("%s: the stub answered '%s'", r->qwhat[i],
				   reply->len ? rsp_quote(q, sizeof q, reply->data,
							  reply->len, 40)
					  : "(empty: unsupported)");
			break;
		}
	}
	/* what rsp_continue() records; the '+' for the resume is skipped by
	 * the next receive like any late ack */
	if (cont)
		rsp_resumed(c);
out:
	rsp_buf_reset(&r->qout);
	r->nq = 0;
	r->qg = -1;
	r->qm = -1;
	return rc;
}

int rec_queue(struct rec *r, const char *payload, const char *fmt, ...)
{
	va_list ap;

	if (r->nq == REC_QMAX && rec_flush(r, false) < 0)
		return -1;
	if (rsp_packet_encode(&r->qout, payload, strlen(payload)) < 0)
		return error("out of memory");
	va_start(ap, fmt);
	vsnprintf(r->qwhat[r->nq], sizeof r->qwhat[r->nq], fmt, ap);
	va_end(ap);
	r->nq++;
	return 0;
}

/* A 'g' in the batch: its reply (the registers at this stop) is read
 * after the resume, into c->g (rec_flush()).  It goes first, before any P. */
int rec_queue_g(struct rec *r)
{
	if (r->nq && rec_flush(r, false) < 0)
		return -1;
	r->qg = (long)r->nq;
	return rec_queue(r, "g", "cannot read the registers");
}

/* An 'm' of len (<= 8) bytes in the batch: its reply is read after the
 * resume, into r->qm_val (qm_ok). */
int rec_queue_m(struct rec *r, uint64_t addr, unsigned len)
{
	char pkt[40];

	r->qm = (long)r->nq;
	r->qm_len = len;
	r->qm_ok = false;
	snprintf(pkt, sizeof pkt, "m%llx,%x", (unsigned long long)addr, len);
	return rec_queue(r, pkt, "cannot read memory at 0x%llx", (unsigned long long)addr);
}

ssize_t rec_read_mem(struct rec *r, uint64_t addr, void *buf, size_t len)
{
	if (rec_flush(r, false) < 0)
		return -1;
	rec_quickack(r);
	return rsp_read_memory(r->c, addr, buf, len, NULL);
}

int rec_write_mem(struct rec *r, uint64_t addr, const void *buf, size_t len)
{
	if (rec_flush(r, false) < 0)
		return -1;
	rec_quickack(r);
	return rsp_write_memory(r->c, addr, buf, len, false, NULL);
}

/* ---- breakpoints ---- */

/*
 * Z0/z0 are queued (rec_flush()); c->bps, the library's list of inserted
 * breakpoints that rsp_step() and rec_detach() rely on, is kept as
 * rsp_insert_break() and rsp_remove_break() keep it.
 *
 * Under KVM, QEMU refuses a software breakpoint it cannot write (int3 at
 * a kernel virtual address before paging is on: 'E22').  A queued Z0's
 * answer is read only after the resume, too late to do anything else, so
 * the breakpoints that stay (milestones, the call and return sites) are
 * inserted at once (bp_insert_now()): a Z0 that is refused (E NN or
 * empty) is replaced by a hardware breakpoint (Z1, at most
 * REC_MAX_HW_BPS at a time, as x86 has debug registers).  After one
 * refusal every insert goes that way.
 */
#define REC_MAX_HW_BPS 4

static size_t bp_count(struct rec *r, enum rsp_bp_type type)
{
	size_t i, n = 0;

	const struct rsp_bp *bp;
	size_t nb = rsp_breakpoints(r->c, &bp);

	for (i = 0; i < nb; i++)
		n += bp[i].type == type;
	return n;
}

static int bp_insert_now(struct rec *r, uint64_t addr, const char *what)
{
	struct kit_err e, e2;
	int rc;

	if (rec_flush(r, false) < 0)
		return -1;
	rec_quickack(r);
	rc = rsp_insert_break(r->c, RSP_BP_SW, addr, 1, &e);
	if (rc == 0)
		return 0;
	if (rc != -RSP_ERR_TARGET && rc != -RSP_ERR_UNSUPPORTED)
		return error("cannot insert a breakpoint at 0x%llx (%s): %s",
			     (unsigned long long)addr, what, e.msg);
	if (bp_count(r, RSP_BP_HW) >= REC_MAX_HW_BPS)
		return error("cannot insert a breakpoint at 0x%llx (%s): software "
			     "refused (%s) and all %d hardware breakpoints are in use",
			     (unsigned long long)addr, what, e.msg, REC_MAX_HW_BPS);
	rec_quickack(r);
	if (rsp_insert_break(r->c, RSP_BP_HW, addr, 1, &e2) < 0)
		return error("cannot insert a breakpoint at 0x%llx (%s): software "
			     "refused (%s), hardware too (%s)",
			     (unsigned long long)addr, what, e.msg, e2.msg);
	r->z0_refused = true;
	rec_progress(r, "%s at 0x%llx: hardware breakpoint (software refused: %s)",
		     what, (unsigned long long)addr, e.msg);
	return 0;
}

/* sync: at once, with the hardware fallback; else queued (entry
 * breakpoints of the per-function scheme, unless a Z0 was refused). */
int rec_bp_insert(struct rec *r, uint64_t addr, bool sync, const char *what)
{
	const struct rsp_bp *bp;
	char pkt[48];

	if (rsp_breakpoints(r->c, &bp) == RSP_MAX_BREAKPOINTS)
		return error("cannot insert a breakpoint at 0x%llx: too many "
			     "breakpoints (%d)", (unsigned long long)addr,
			     RSP_MAX_BREAKPOINTS);
	if (sync || r->z0_refused)
		return bp_insert_now(r, addr, what);
	snprintf(pkt, sizeof pkt, "Z0,%llx,1", (unsigned long long)addr);
	if (rec_queue(r, pkt, "cannot insert a breakpoint at 0x%llx",
		      (unsigned long long)addr) < 0)
		return -1;
	return rsp_note_break(r->c, RSP_BP_SW, addr, 1, true);
}

int rec_bp_remove(struct rec *r, uint64_t addr)
{
	enum rsp_bp_type type = RSP_BP_SW;
	const struct rsp_bp *bp;
	size_t i, nb = rsp_breakpoints(r->c, &bp);
	char pkt[48];

	for (i = 0; i < nb; i++)
		if (bp[i].addr == addr &&
		    (bp[i].type == RSP_BP_SW || bp[i].type == RSP_BP_HW)) {
			type = bp[i].type;
			break;
		}
	snprintf(pkt, sizeof pkt, "z%d,%llx,1", (int)type, (unsigned long long)addr);
	if (rec_queue(r, pkt, "cannot remove the breakpoint at 0x%llx",
		      (unsigned long long)addr) < 0)
		return -1;
	if (i < nb)
		rsp_note_break(r->c, type, addr, 1, false);
	return 0;
}

bool rec_bp_at(struct rec *r, uint64_t addr)
{
	const struct rsp_bp *bp;
	size_t i, nb = rsp_breakpoints(r->c, &bp);

	for (i = 0; i < nb; i++)
		if (bp[i].addr == addr)
			return true;
	return false;
}

/* "software" or "hardware": the kind of breakpoint at addr. */
const char *rec_bp_kind(struct rec *r, uint64_t addr)
{
	const struct rsp_bp *bp;
	size_t i, nb = rsp_breakpoints(r->c, &bp);

	for (i = 0; i < nb; i++)
		if (bp[i].addr == addr)
			return bp[i].type == RSP_BP_HW ? "hardware" : "software";
	return "none";
}

/* Insert a breakpoint unless one is there (milestone, other initcall). */
int rec_bp_want(struct rec *r, uint64_t addr, bool sync, const char *what)
{
	return rec_bp_at(r, addr) ? 0 : rec_bp_insert(r, addr, sync, what);
}


/* ---- run control ---- */

int rec_resume(struct rec *r)
{
	int64_t t;
	int rc;

	if (r->running)
		return error("cannot resume the guest: it runs");
	t = kit_mono_ns();
	if (r->resumed_once)
		rec_record_stop(r, t);
	r->resume_host = t;
	r->resumed_once = true;
	rec_mark_resume(r, t, false);
	if (rec_tick_hz(r) > 0)
		r->next_tick = t + (int64_t)(1e9 / rec_tick_hz(r));
	/* the stop's queued packets and the resume in one write */
	rc = rec_flush(r, true);
	return rc < 0 ? -1 : 0;
}

/* After a stop reply: time accounting.  Each resume -> stop interval
 * also holds the stub's own latency (QEMU starting and stopping the vCPU,
 * the stop reply), measured at attach: that is not guest running time
 * (the guest's TSC does not count it either). */
void rec_stopped(struct rec *r, enum prof_stop_kind kind)
{
	int64_t d, now = kit_mono_ns();

	r->stop_host = now;
	if (r->raced_stop) {
		/* the guest stopped here first; a tick then resumed it and it
		 * stopped again at once (rec_sample_tick()) */
		r->stop_host = r->raced_stop;
		r->raced_stop = 0;
	}
	d = r->stop_host - r->resume_host - r->latency - r->sample_hold;
	r->sample_hold = 0;
	r->g += d > 0 ? d : 0;
	r->running = false;
	r->last_kind = kind;
	rec_mark_stop(r, now, false, r->g);
}

/* Single-step over the breakpoint at pc (a debug stop, counted). */
int rec_step_over(struct rec *r)
{
	struct rsp_stop st;
	struct kit_err e;
	int64_t t;
	int rc;

	if (rec_flush(r, false) < 0)
		return -1;
	t = kit_mono_ns();
	rec_record_stop(r, t);
	r->resume_host = t;
	rec_mark_resume(r, t, false);
	rec_quickack(r);
	rc = rsp_step(r->c, &st, &e);
	if (rc < 0)
		return error("cannot single-step: %s", e.msg);
	rec_stopped(r, PROF_STOP_DEBUG);
	r->nsteps++;
	if (st.kind == 'W' || st.kind == 'X') {
		rec_mark_end(r);
		rec_conn_ended(r, st.kind, st.kind == 'W' ? st.exit_status : st.signo);
		return 1;
	}
	return 0;
}

int rec_read_regs(struct rec *r, uint64_t *linear, uint64_t *ip)
{
	struct kit_err e;

	if (rec_flush(r, false) < 0)
		return -1;
	rec_quickack(r);
	if (rsp_get_pc(r->c, linear, ip, &e) < 0)
		return error("cannot read registers: %s", e.msg);
	return 0;
}

uint64_t rec_reg(struct rec *r, const char *name)
{
	uint64_t v = 0;

	rsp_reg_get(r->c, name, &v, NULL);
	return v;
}

/* P, queued (rec_flush()); the value in the register's width, as
 * rsp_write_register_u64() sends it. */
int rec_write_reg(struct rec *r, const char *name, uint64_t v)
{
	const struct rsp_reg *rg = rsp_tdesc_find(rsp_tdesc(r->c), name);
	uint8_t b[8];
	char pkt[64];
	size_t nb;
	int n;

	if (!rg || rg->bitsize < 8 || rg->bitsize > 64)
		return error("cannot write register '%s': not a known 64-bit register",
			     name);
	nb = (size_t)rg->bitsize / 8;
	rsp_u64_to_le(b, nb, v);
	n = snprintf(pkt, sizeof pkt, "P%x=", rg->regnum);
	rsp_hex_encode(pkt + n, b, nb);
	return rec_queue(r, pkt, "cannot write register '%s'", name);
}

/*
 * The stub's latency: the median time a single step at the reset vector
 * takes from the request to the stop reply (one instruction of guest work,
 * nothing translated yet).  These steps are debug stops and are counted.
 */
#define REC_CAL_STEPS 15

/* The latency to subtract: the median of the REC_CAL_STEPS round trips
 * in lat (sorted here), measured the way how says. */
static void latency_from(struct rec *r, int64_t *lat, const char *how)
{
	int i, j;
	int64_t tmp;

	for (i = 1; i < REC_CAL_STEPS; i++)
		for (j = i; j > 0 && lat[j - 1] > lat[j]; j--) {
			tmp = lat[j];
			lat[j] = lat[j - 1];
			lat[j - 1] = tmp;
		}
	r->latency = r->raw ? 0 : lat[REC_CAL_STEPS / 2];
	rec_progress(r, "stub latency %.3f ms per resume (median of %d %s)%s",
		     rec_ms_of(lat[REC_CAL_STEPS / 2]), REC_CAL_STEPS, how,
		     r->raw ? "; not subtracted (--raw)" : "; subtracted from every interval");
}

/*
 * The latency without guest work in it, used whenever the recorder
 * attaches at the reset vector with software breakpoints (every scheme):
 * a breakpoint at the reset vector, and REC_CAL_STEPS resumes written the
 * way a stop answered blind writes them ('g', Z0 and z0 of a spare address, the
 * resume), each stopping again at once (QEMU 7.2 stops at a breakpoint
 * under the pc before it executes anything).  Single steps (calibrate_steps())
 * also count the translation of the instruction stepped, and subtracted
 * that made short initcalls of the test guest come out 0.1-0.2 ms short.
 * 1 when that cannot be done here (the caller steps instead).
 */
/* A calibration resume at t: the previous stop recorded, as rec_resume() does. */
static void cal_resuming(struct rec *r, int64_t t)
{
	if (r->resumed_once)
		rec_record_stop(r, t);
	r->resume_host = t;
	rec_mark_resume(r, t, true);
}

/* Its stop: recorded like rec_stopped() would; the latency of this resume. */
static int64_t cal_stopped(struct rec *r, int64_t t)
{
	r->stop_host = kit_mono_ns();
	r->resumed_once = true;
	r->last_kind = PROF_STOP_DEBUG;
	rec_mark_stop(r, r->stop_host, true, 0);
	return r->stop_host - t;
}

static int calibrate_fast(struct rec *r, uint64_t pc)
{
	int64_t lat[REC_CAL_STEPS];
	struct rsp_stop st;
	struct kit_err e;
	int i;

	rec_quickack(r);
	if (rsp_insert_break(r->c, RSP_BP_SW, pc, 1, &e) < 0)
		return 1;
	for (i = 0; i < REC_CAL_STEPS; i++) {
		int64_t t;

		if (rec_queue_g(r) < 0 || rec_queue(r, "Z0,0,1", "calibration") < 0 ||
		    rec_queue(r, "z0,0,1", "calibration") < 0)
			return -1;
		t = kit_mono_ns();
		cal_resuming(r, t);
		if (rec_flush(r, true) < 0)
			return -1;
		if (rsp_wait_stop(r->c, 5000, &st, &e) < 0)
			return error("calibration: no stop: %s", e.msg);
		rsp_set_running(r->c, false);
		r->running = false;
		lat[i] = cal_stopped(r, t);
		if (st.kind == 'W' || st.kind == 'X')
			return error("calibration: the guest ended");
	}
	rec_quickack(r);
	if (rsp_remove_break(r->c, RSP_BP_SW, pc, 1, &e) < 0)
		return error("calibration: cannot remove its breakpoint: %s", e.msg);
	latency_from(r, lat, "resumes at a breakpoint under the pc, written as "
		     "fast stops write them");
	return 0;
}

static int calibrate_steps(struct rec *r)
{
	int64_t lat[REC_CAL_STEPS];
	struct rsp_stop st;
	struct kit_err e;
	int i;

	for (i = 0; i < REC_CAL_STEPS; i++) {
		int64_t t = kit_mono_ns();

		cal_resuming(r, t);
		rec_quickack(r);
		if (rsp_step(r->c, &st, &e) < 0)
			return error("cannot single-step: %s", e.msg);
		lat[i] = cal_stopped(r, t);
	}
	latency_from(r, lat, "steps at the reset vector");
	return 0;
}

/* Whether the stub closed the connection (QEMU died). */
bool rec_conn_closed(struct rec *r)
{
	return rsp_read_available(r->c, NULL) < 0;
}

/* Stop a running guest with 0x03 and wait for it (an interrupt stop). */
void rec_halt_running(struct rec *r)
{
	struct rsp_stop st;
	struct kit_err e;
	char b[64];

	while (read(r->sigpipe[0], b, sizeof b) > 0) {
	}
	if (!r->running || !r->alive)
		return;
	rec_quickack(r);
	if (rsp_interrupt(r->c, &e) < 0 ||
	    rsp_wait_stop(r->c, 3000, &st, &e) < 0) {
		r->alive = false;
		return;
	}
	rec_stopped(r, PROF_STOP_INTERRUPT);
	if (st.kind == 'W' || st.kind == 'X') {
		rec_mark_end(r);
		r->alive = false;
	}
}

/* Leave the guest running, without our breakpoints. */
void rec_detach(struct rec *r)
{
	struct kit_err e;

	if (!r->alive || r->running)
		return;
	if (r->resumed_once)
		rec_record_stop(r, kit_mono_ns());
	r->resumed_once = false;
	if (rec_flush(r, false) < 0)
		return;
	for (;;) {
		const struct rsp_bp *bp;
		size_t nb = rsp_breakpoints(r->c, &bp);
		struct rsp_bp b;

		if (!nb)
			break;
		b = bp[nb - 1];
		rec_quickack(r);
		if (rsp_remove_break(r->c, b.type, b.addr, b.kind, &e) < 0)
			break;
	}
	rec_quickack(r);
	rsp_detach(r->c, &e);
}

/*
 * The stub's latency, measured at attach: with calibrate_fast() at the
 * reset vector with software breakpoints, else with single steps.
 */
int rec_calibrate(struct rec *r)
{
	int rc = 1;

	if (rec_flush(r, false) < 0)
		return -1;
	if (r->at_reset && !r->z0_refused)
		rc = calibrate_fast(r, 0xfffffff0ull);
	if (rc < 0 || (rc == 1 && calibrate_steps(r) < 0))
		return -1;
	return 0;
}

/* The recorder's trace hook on the connection (trace_hook()). */
void rec_conn_hook(struct rec *r)
{
	r->trace_stderr = rsp_tracing(r->c);
	rsp_set_trace(r->c, trace_hook, r);
}

/* A wait for a stop ends when fd is readable (the signal pipe). */
void rec_conn_wake_fd(struct rec *r, int fd)
{
	rsp_set_wake_fd(r->c, fd);
}

/* Wait up to ms for a signal or for the stub to send (or close). */
void rec_wait_input(struct rec *r, int ms)
{
	struct pollfd pf[2] = {
		{ .fd = r->sigpipe[0], .events = POLLIN },
		{ .fd = rsp_conn_fd(r->c), .events = POLLIN },
	};

	/* bytes already held by the connection: no wait */
	poll(pf, 2, rsp_buffered(r->c) ? 0 : ms);
}

/* Whether the stub's target description has the register name. */
bool rec_has_reg(struct rec *r, const char *name)
{
	return rsp_tdesc_find(rsp_tdesc(r->c), name) != NULL;
}

/* A watchpoint (type: RSP_WP_READ or RSP_WP_WRITE) of len bytes at
 * addr, at once.  0; 1 when the stub refuses it (err says why); -1 on a
 * failed flush (said). */
int rec_wp_insert(struct rec *r, enum rsp_bp_type type, uint64_t addr,
		  unsigned len, struct kit_err *err)
{
	if (rec_flush(r, false) < 0)
		return -1;
	rec_quickack(r);
	return rsp_insert_break(r->c, type, addr, len, err) < 0 ? 1 : 0;
}

/* The watchpoint at addr out, queued (rec_flush()). */
int rec_wp_remove(struct rec *r, enum rsp_bp_type type, uint64_t addr,
		  unsigned len)
{
	char pkt[48];

	snprintf(pkt, sizeof pkt, "z%d,%llx,%x", (int)type,
		 (unsigned long long)addr, len);
	if (rec_queue(r, pkt, "cannot remove the watchpoint at 0x%llx",
		      (unsigned long long)addr) < 0)
		return -1;
	rsp_note_break(r->c, type, addr, len, false);
	return 0;
}
