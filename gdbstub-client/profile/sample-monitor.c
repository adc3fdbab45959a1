/*
 * sample-monitor.c: the monitor method of `gdbstub-client sample`
 * (--method=monitor): the CPU state read through QEMU's human monitor
 * while the guest runs on; the gdbstub connection only resumes the guest
 * and says when it ends.
 */
#include "sample-internal.h"
#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The monitor method's bookkeeping.  Each tick asks "p $pc" and "p $cs"
 * (a few microseconds of QEMU's main loop each); the mode, paging and CPL
 * come from the control registers of the last "info registers" and the
 * selector's descriptor in the CS cache (shared with the stop method),
 * asked only when a CS selector shows up that the cache does not know, and
 * every MON_REFRESH_EVERY samples (paging or EFER may change under the
 * same selector).  "info registers" holds QEMU's big lock much longer (it
 * formats every register, FPU and SSE included): asked at every tick,
 * Linux's fast PIT calibration failed in 3 of 3 boots (its PIT reads wait
 * for the lock); with the two "p" per tick in 2 of 10 (Python client) and
 * 5 of 6 (bench/sample-methods), against 0 without a debugger.
 */
#define MON_MAX_TICKS 2          /* ticks in flight at most */
#define MON_REFRESH_EVERY 512
#define MON_PENDING 64

enum mon_answer { ANS_PC, ANS_CS, ANS_REGS };

struct mon_state {
	unsigned char expect[256];   /* answers awaited, in order (a ring) */
	unsigned head, tail;
	uint64_t pc;                 /* the tick whose "p $cs" is awaited */
	struct { uint64_t pc; uint16_t cs; } pending[MON_PENDING];
	size_t npending;             /* samples waiting for "info registers" */
	bool want_regs, regs_asked;
	unsigned long since_regs;
	struct x86_cpu_state last;   /* the last "info registers" */
	bool have_last;
	unsigned long regs_reads;
};

static unsigned mon_ticks_out(const struct mon_state *m)
{
	unsigned n = 0, i;

	for (i = m->head; i != m->tail; i = (i + 1) % sizeof m->expect)
		n += m->expect[i] == ANS_CS;
	return n;
}

static int mon_ask(struct sampler *s, const char *cmd, enum mon_answer a,
		   struct kit_err *err)
{
	struct mon_state *m = s->ms;

	if ((m->tail + 1) % sizeof m->expect == m->head)
		return kit_seterr(err, EOVERFLOW, "QEMU monitor %s: too many "
				  "questions unanswered", s->mon.spec);
	if (gc_hmp_send(&s->mon, cmd, err) < 0)
		return -1;
	m->expect[m->tail] = (unsigned char)a;
	m->tail = (m->tail + 1) % sizeof m->expect;
	s->monitor_calls++;
	return 0;
}

/* What "info registers" said: the CS cache for its selector, then the
 * samples that waited for it (a selector still unknown: flat). */
static int mon_regs(struct sampler *s, const struct x86_cpu_state *st,
		    struct kit_err *err)
{
	struct mon_state *m = s->ms;
	size_t i;

	sample_cs_mode(s, st->cr0, st->efer);
	sample_cs_remember(s, &st->segs.cs);
	m->last = *st;
	m->have_last = true;
	m->regs_reads++;
	for (i = 0; i < m->npending; i++)
		if (sample_attribute_linear(s, m->pending[i].pc, m->pending[i].cs, st,
				     sample_cs_cached(s, m->pending[i].cs), err) < 0)
			return -1;
	m->npending = 0;
	return 0;
}

/* The value an HMP "print" answered: the last line ("0xfffffff0", or "0"),
 * after the echo of the command. */
static bool hmp_value(const char *text, uint64_t *v)
{
	const char *end = text + strlen(text), *line;
	char *stop;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	for (line = end; line > text && line[-1] != '\n'; line--)
		;
	/* "%#lx": 0 prints as "0" */
	if (end - line == 1 && line[0] == '0') {
		*v = 0;
		return true;
	}
	if (end - line < 3 || line[0] != '0' || line[1] != 'x')
		return false;
	*v = strtoull(line, &stop, 16);
	return stop == end;
}

/* Take the monitor's answers read so far.  0, or -1 with err filled. */
static int monitor_replies(struct sampler *s, struct kit_err *err)
{
	struct mon_state *m = s->ms;
	char *text;
	int rc;

	while ((rc = gc_hmp_take(&s->mon, &text, err)) == 1) {
		enum mon_answer a;
		struct x86_cpu_state st;
		uint64_t v = 0;
		bool good;

		if (m->head == m->tail) {
			free(text);   /* not ours: nothing asked */
			continue;
		}
		a = (enum mon_answer)m->expect[m->head];
		m->head = (m->head + 1) % sizeof m->expect;
		good = a == ANS_REGS ? x86_parse_cpu_state(text, &st) == 0
				     : hmp_value(text, &v);
		if (!good) {
			char *nl, *line = text, q[120];

			/* the first line is our command, echoed */
			if ((nl = strchr(line, '\n')) && nl[1])
				line = nl + 1;
			line[strcspn(line, "\r\n")] = '\0';

			kit_seterr(err, EPROTO, "QEMU monitor %s: %s gave no %s: '%s'",
				   s->mon.spec, a == ANS_REGS ? "info registers" :
				   a == ANS_PC ? "p $pc" : "p $cs",
				   a == ANS_REGS ? "CPU state" : "value",
				   rsp_quote(q, sizeof q, line, strlen(line), 80));
			free(text);
			return -1;
		}
		free(text);
		if (a == ANS_PC) {
			m->pc = v;
		} else if (a == ANS_CS) {
			const struct x86_seg *seg = m->have_last ?
						    sample_cs_cached(s, (uint16_t)v) : NULL;

			if (seg && m->since_regs < MON_REFRESH_EVERY) {
				m->since_regs++;
				if (sample_attribute_linear(s, m->pc, (uint16_t)v, &m->last,
						     seg, err) < 0)
					return -1;
			} else if (m->npending < MON_PENDING) {
				m->pending[m->npending].pc = m->pc;
				m->pending[m->npending].cs = (uint16_t)v;
				m->npending++;
				m->want_regs = true;
			} else {
				s->pace.missed++;   /* cannot happen: regs come first */
			}
		} else {
			m->regs_asked = false;
			m->since_regs = 0;
			if (mon_regs(s, &st, err) < 0)
				return -1;
		}
	}
	return rc;
}

/* One tick: "p $pc", "p $cs", and "info registers" when wanted. */
static int monitor_tick(struct sampler *s, struct kit_err *err)
{
	struct mon_state *m = s->ms;

	if (mon_ticks_out(m) >= MON_MAX_TICKS) {
		s->pace.missed++;   /* QEMU is behind: skip this tick */
		return 0;
	}
	if (mon_ask(s, "p $pc", ANS_PC, err) < 0 ||
	    mon_ask(s, "p $cs", ANS_CS, err) < 0)
		return -1;
	if ((m->want_regs || !m->have_last) && !m->regs_asked) {
		if (mon_ask(s, "info registers", ANS_REGS, err) < 0)
			return -1;
		m->regs_asked = true;
		m->want_regs = false;
	}
	return 0;
}

/*
 * Sample through QEMU's human monitor (--method=monitor): at each tick
 * "p $pc" and "p $cs" (monitor_tick()), answered by QEMU's main loop while
 * the vCPU runs on.
 * The gdbstub connection only resumed the guest and says when it ends.
 * Under TCG the state QEMU prints is where the vCPU last left generated
 * code or took a jump it could not chain (docs/gdbstub-client.md).
 */
int sample_run_monitor(struct sampler *s)
{
	struct kit_err e;
	struct gc_event ev;
	int64_t t_start, t_last, t_now;
	bool gone = false;

	gc_pace_init(&s->pace, s->o.hz);
	if (!(s->ms = calloc(1, sizeof *s->ms)))
		return error("out of memory");
	if (gc_continue(s->t, &e) < 0)
		return error("cannot resume the guest: %s", e.msg);
	t_start = t_last = kit_mono_ns();
	for (;;) {
		int64_t left = t_last + gc_pace_wait(&s->pace) - kit_mono_ns();
		struct pollfd pf[3];
		struct timespec ts;
		int n;

		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)(left / 1000000000);
		ts.tv_nsec = (long)(left % 1000000000);
		pf[0].fd = s->mon.fd;
		pf[0].events = POLLIN;
		pf[1].fd = rsp_conn_fd(s->t->c);
		pf[1].events = POLLIN;
		pf[2].fd = sample_sig_pipe[0];
		pf[2].events = POLLIN;
		pf[0].revents = pf[1].revents = pf[2].revents = 0;
		n = rsp_buffered(s->t->c) ? 1 : ppoll(pf, 3, &ts, NULL);
		if (n < 0 && errno != EINTR) {
			sample_set_reason(s, "error: poll: %s", strerror(errno));
			break;
		}
		if (sample_got_signal) {
			sample_interrupted(s);
			break;
		}
		if (n > 0 && (pf[0].revents || s->mon.len)) {
			if (gc_hmp_fill(&s->mon, &e) < 0 || monitor_replies(s, &e) < 0) {
				sample_set_reason(s, "error: %s", e.msg);
				error("while sampling: %s", e.msg);
				break;
			}
		}
		if (n > 0 && (pf[1].revents || rsp_buffered(s->t->c))) {
			/* the stub speaks only when the guest stops: it ended, or
			 * something else stopped it (then it goes on) */
			if (gc_wait(s->t, 2000, &ev, &e) < 0) {
				memset(&ev, 0, sizeof ev);
				ev.kind = GC_EV_CLOSED;
			}
			if (ev.kind == GC_EV_EXITED || ev.kind == GC_EV_KILLED ||
			    ev.kind == GC_EV_CLOSED) {
				gone = true;
				sample_ended(s, &ev);
				break;
			}
			if (ev.kind != GC_EV_TIMEOUT && gc_continue(s->t, &e) < 0) {
				sample_set_reason(s, "error: cannot resume the guest: %s", e.msg);
				break;
			}
		}
		if (s->mon.eof) {
			/* QEMU quit; the stub's W, if any, is read below */
			if (gc_wait(s->t, 2000, &ev, &e) < 0 || ev.kind == GC_EV_TIMEOUT) {
				memset(&ev, 0, sizeof ev);
				ev.kind = GC_EV_CLOSED;
			}
			gone = true;
			sample_ended(s, &ev);
			break;
		}
		t_now = kit_mono_ns();
		if (s->o.duration_s > 0 &&
		    t_now - t_start >= (int64_t)(s->o.duration_s * 1e9)) {
			s->complete = true;
			break;
		}
		if (t_now - t_last < gc_pace_wait(&s->pace))
			continue;
		gc_pace_ran(&s->pace, t_now - t_last);
		t_last = t_now;
		if (monitor_tick(s, &e) < 0) {
			if (s->mon.eof || e.code == EPIPE || e.code == ECONNRESET)
				continue;   /* QEMU is quitting: the next poll says */
			sample_set_reason(s, "error: %s", e.msg);
			error("while sampling: %s", e.msg);
			break;
		}
	}
	t_now = kit_mono_ns();
	s->wall_ns = t_now - t_start;
	/* never held: the guest's running time is the wall time */
	s->pace.run_ns += t_now - t_last;
	s->run_lo_ns = s->run_hi_ns = s->pace.run_ns;
	if (gone) {
		s->complete = s->o.until_exit && s->exited_normally;
	} else {
		/* replies still on their way are dropped; the guest is
		 * stopped for the detach, which lets it run on */
		gc_interrupt(s->t);
		if (gc_wait(s->t, 2000, &ev, &e) < 0 || ev.kind == GC_EV_TIMEOUT)
			warning("the guest did not stop for the detach");
		else if (ev.kind != GC_EV_EXITED && ev.kind != GC_EV_KILLED &&
			 ev.kind != GC_EV_CLOSED && gc_detach(s->t, &e) < 0)
			warning("cannot detach: %s", e.msg);
	}
	if (!s->complete && !s->reason[0])
		sample_set_reason(s, "stopped early");
	return 0;
}

unsigned long sample_monitor_regs_reads(const struct sampler *s)
{
	return s->ms ? s->ms->regs_reads : 0;
}

void sample_monitor_free(struct sampler *s)
{
	free(s->ms);
	s->ms = NULL;
}
