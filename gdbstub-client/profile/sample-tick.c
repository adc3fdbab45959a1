/*
 * sample-tick.c: one sample while the guest runs, in one write, and its
 * replies read later (gc_tick_prepare(), gc_tick_read(); see sample.h).
 * Used by `sample` (sample-stop.c) and `profile --sample`.
 */
#include "sample.h"
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Five 'p' rather than one 'g' of all ~50 registers: 1.14x against 1.19x
 * of the boot's wall time at 1 kHz (bench/profile-overhead, 3 x 3 rounds
 * each, alternated; the host is noisy). */
static const char *const tick_regs[GC_TICK_NREGS] = {
	[GC_TICK_RIP] = "rip", [GC_TICK_CS] = "cs", [GC_TICK_EFLAGS] = "eflags",
	[GC_TICK_CR0] = "cr0", [GC_TICK_EFER] = "efer",
};

int gc_tick_prepare(struct rsp_conn *c, struct rsp_batch *out,
		    const struct gc_tick_req *req, size_t nreq, struct kit_err *err)
{
	return gc_tick_prepare_cpus(c, out, NULL, 0, req, nreq, err);
}

int gc_tick_threads(struct rsp_conn *c, long *tids, struct kit_err *err)
{
	struct rsp_thread *v;
	size_t n, i;

	if (rsp_thread_list(c, &v, &n, err) < 0)
		return -1;
	for (i = 0; i < n && i < GC_TICK_MAXCPU; i++)
		tids[i] = v[i].tid;
	free(v);
	return (int)n;
}

int gc_tick_prepare_cpus(struct rsp_conn *c, struct rsp_batch *out,
			 const long *tids, unsigned ncpu,
			 const struct gc_tick_req *req, size_t nreq, struct kit_err *err)
{
	size_t i;
	unsigned k;

	rsp_batch_reset(out);
	if (rsp_batch_interrupt(out) < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	if (ncpu > GC_TICK_MAXCPU)
		ncpu = GC_TICK_MAXCPU;
	for (k = ncpu > 1 ? ncpu : 1; k-- > 0;) {
		if (ncpu > 1 && rsp_batch_addf(out, "Hg%lx", tids[k]) < 0)
			return kit_seterr(err, ENOMEM, "out of memory");
		for (i = 0; i < GC_TICK_NREGS; i++) {
			const struct rsp_reg *rg = rsp_tdesc_find(rsp_tdesc(c),
								  tick_regs[i]);

			if (!rg)
				return kit_seterr(err, RSP_ERR_UNSUPPORTED,
						  "the stub does not describe '%s'",
						  tick_regs[i]);
			if (rsp_batch_addf(out, "p%x", rg->regnum) < 0)
				return kit_seterr(err, ENOMEM, "out of memory");
		}
	}
	for (i = 0; i < nreq && i < GC_TICK_MAXMEM; i++)
		if (rsp_batch_addf(out, "m%llx,%x", (unsigned long long)req[i].addr,
				   req[i].len) < 0)
			return kit_seterr(err, ENOMEM, "out of memory");
	if (rsp_batch_addf(out, "%s", rsp_vcont_has(c, 'c') ? "vCont;c" : "c") < 0)
		return kit_seterr(err, ENOMEM, "out of memory");
	return 0;
}

/* Check reply i of a tick (0 = the stop reply) into t; with ncpu > 1
 * each CPU's replies are an Hg's OK and its 'p's, last CPU first.  0;
 * 1 = the guest ended (a W or X, whichever reply it was); -1 = error. */
static int tick_reply(const struct rsp_buf *r, int i, unsigned ncpu,
		      struct gc_tick *t, const struct gc_tick_req *req,
		      struct kit_err *err)
{
	int per = GC_TICK_NREGS + (ncpu > 1), nregs = per * (int)(ncpu > 1 ? ncpu : 1);
	char q[80];

	if (r->len && (r->data[0] == 'W' || r->data[0] == 'X') &&
	    rsp_parse_stop(r->data, r->len, &t->stop, NULL) == 0)
		return 1;
	if (i == 0) {
		if (rsp_parse_stop(r->data, r->len, &t->stop, NULL) < 0)
			return kit_seterr(err, RSP_ERR_PROTOCOL,
					  "expected a stop reply, got '%s'",
					  rsp_quote(q, sizeof q, r->data, r->len, 40));
		return 0;
	}
	if (i > nregs) {
		/* a read asked for: an E reply (not mapped) is no error, only
		 * no value */
		size_t k = (size_t)(i - 1 - nregs);

		t->mem_ok[k] = r->len == 2 * (size_t)req[k].len &&
			       rsp_hex_decode(t->mem[k], sizeof t->mem[k], r->data,
					      r->len) == (ssize_t)req[k].len;
		return 0;
	}
	{
		int j = (i - 1) % per, cpu = ncpu > 1 ? (int)ncpu - 1 - (i - 1) / per : 0;

		if (ncpu > 1 && j == 0) {
			if (r->len != 2 || memcmp(r->data, "OK", 2))
				return kit_seterr(err, RSP_ERR_PROTOCOL, "bad 'Hg' reply '%s'",
						  rsp_quote(q, sizeof q, r->data, r->len, 40));
			return 0;
		}
		j -= ncpu > 1;
		if (!r->len || r->data[0] == 'E' ||
		    rsp_hex_le_to_u64(r->data, r->len > 16 ? 16 : r->len,
				      &t->cregs[cpu][j]) < 0)
			return kit_seterr(err, RSP_ERR_PROTOCOL, "bad 'p' reply '%s'",
					  rsp_quote(q, sizeof q, r->data, r->len, 40));
		if (cpu == 0)
			t->regs[j] = t->cregs[0][j];
	}
	return 0;
}

int gc_tick_read(struct rsp_conn *c, struct gc_tick *t,
		 const struct gc_tick_req *req, size_t nreq, struct kit_err *err)
{
	return gc_tick_read_cpus(c, t, 1, req, nreq, err);
}

int gc_tick_read_cpus(struct rsp_conn *c, struct gc_tick *t, unsigned ncpu,
		      const struct gc_tick_req *req, size_t nreq, struct kit_err *err)
{
	int rc = 0, i, nregs;

	memset(t, 0, sizeof *t);
	if (ncpu > GC_TICK_MAXCPU)
		ncpu = GC_TICK_MAXCPU;
	if (ncpu < 1)
		ncpu = 1;
	t->ncpu = ncpu;
	nregs = (GC_TICK_NREGS + (ncpu > 1)) * (int)ncpu;
	if (nreq > GC_TICK_MAXMEM)
		nreq = GC_TICK_MAXMEM;
	for (i = 0; i < 1 + nregs + (int)nreq; i++) {
		rc = rsp_batch_recv(c, 3000, err);
		if (i == 0)
			t->stop_ns = kit_mono_ns();
		if (rc < 0)
			return rc == -RSP_ERR_CLOSED || rc == -RSP_ERR_TRUNCATED ||
			       rc == -RSP_ERR_SYS ? 1 : -1;
		rc = tick_reply(rsp_reply(c), i, ncpu, t, req, err);
		if (rc)
			return rc;
	}
	/* QEMU's '+' for the resume comes after the last reply: take it, so
	 * that the wait for the next tick does not take it for the stub
	 * speaking */
	rsp_take_ack(c, 50);
	return 0;
}

uint64_t gc_tick_word(const struct gc_tick *t, size_t i, unsigned len)
{
	uint64_t v = 0;
	unsigned k;

	for (k = 0; k < len && k < 8; k++)
		v |= (uint64_t)t->mem[i][k] << (8 * k);
	return v;
}
