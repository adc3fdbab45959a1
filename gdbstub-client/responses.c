/*
 * responses.c: one parser per kind of reply a stub sends (stop replies,
 * errors, console output, qSupported).  Pure functions, no I/O.
 */
#include "rsp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A short quoted copy of a reply for error messages. */
static const char *quote(const char *s, size_t len, char *tmp, size_t tmpsz)
{
	struct rsp_buf b = RSP_BUF_INIT;

	if (rsp_escape_for_trace(&b, s, len, 60) < 0 || !b.data) {
		snprintf(tmp, tmpsz, "?");
	} else {
		snprintf(tmp, tmpsz, "%s", b.data);
	}
	rsp_buf_free(&b);
	return tmp;
}

int rsp_parse_error(const char *reply, size_t len, int *nn)
{
	uint64_t v;

	if (len >= 2 && reply[0] == 'E' && reply[1] == '.') {
		*nn = -1;
		return 1;
	}
	if (len == 3 && reply[0] == 'E' &&
	    rsp_parse_hex_u64(reply + 1, 2, &v) == 2) {
		*nn = (int)v;
		return 1;
	}
	return 0;
}

int rsp_is_console(const char *reply, size_t len)
{
	size_t i;

	/* "OK" is not console output: 'K' is not a hex digit. */
	if (len < 3 || reply[0] != 'O' || (len - 1) % 2)
		return 0;
	for (i = 1; i < len; i++)
		if (rsp_hexval((unsigned char)reply[i]) < 0)
			return 0;
	return 1;
}

int rsp_parse_console(const char *reply, size_t len, struct rsp_buf *out)
{
	if (!rsp_is_console(reply, len))
		return -1;
	if (rsp_buf_reserve(out, (len - 1) / 2) < 0)
		return -1;
	if (rsp_hex_decode(out->data + out->len, (len - 1) / 2, reply + 1,
			   len - 1) < 0)
		return -1;
	out->len += (len - 1) / 2;
	out->data[out->len] = '\0';
	return 0;
}

/* A thread-id "p" PID "." TID, "p" PID, or TID (hex; -1 allowed). */
static int parse_thread_id(const char *s, size_t len, long *pid, long *tid)
{
	uint64_t v;
	int n;

	*pid = -1;
	if (len && s[0] == 'p') {
		const char *dot = memchr(s, '.', len);
		size_t plen = dot ? (size_t)(dot - s - 1) : len - 1;

		if (plen == 2 && !strncmp(s + 1, "-1", 2)) {
			*pid = -1;
		} else {
			n = rsp_parse_hex_u64(s + 1, plen, &v);
			if (n < 0 || (size_t)n != plen)
				return -1;
			*pid = (long)v;
		}
		if (!dot) {
			*tid = -1;
			return 0;
		}
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	if (len == 2 && !strncmp(s, "-1", 2)) {
		*tid = -1;
		return 0;
	}
	n = rsp_parse_hex_u64(s, len, &v);
	if (n < 0 || (size_t)n != len)
		return -1;
	*tid = (long)v;
	return 0;
}

static int stop_fail(struct kit_err *err, const char *reply, size_t len,
		     const char *why)
{
	char tmp[80];

	kit_seterr(err, RSP_ERR_PROTOCOL, "bad stop reply '%s': %s",
		   quote(reply, len, tmp, sizeof tmp), why);
	return -RSP_ERR_PROTOCOL;
}

/* The T reply's "n:r;" pairs. */
static int parse_T_pairs(const char *p, const char *end, struct rsp_stop *st,
			 const char *reply, size_t len, struct kit_err *err)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *colon;
		const char *val;
		size_t nlen, vlen;
		uint64_t v;

		if (!semi)
			semi = end;   /* tolerate a missing final ';' */
		colon = memchr(p, ':', (size_t)(semi - p));
		nlen = colon ? (size_t)(colon - p) : (size_t)(semi - p);
		val = colon ? colon + 1 : semi;
		vlen = (size_t)(semi - val);

		if (nlen == 6 && !strncmp(p, "thread", 6)) {
			if (parse_thread_id(val, vlen, &st->pid, &st->tid) < 0)
				return stop_fail(err, reply, len, "bad thread id");
		} else if (nlen == 7 && !strncmp(p, "swbreak", 7)) {
			st->reason = RSP_REASON_SWBREAK;
		} else if (nlen == 7 && !strncmp(p, "hwbreak", 7)) {
			st->reason = RSP_REASON_HWBREAK;
		} else if ((nlen == 5 && !strncmp(p, "watch", 5)) ||
			   (nlen == 6 && !strncmp(p, "rwatch", 6)) ||
			   (nlen == 6 && !strncmp(p, "awatch", 6))) {
			if (rsp_parse_hex_u64(val, vlen, &v) != (int)vlen)
				return stop_fail(err, reply, len, "bad watch address");
			st->reason = p[0] == 'w' ? RSP_REASON_WATCH :
				     p[0] == 'r' ? RSP_REASON_RWATCH :
						   RSP_REASON_AWATCH;
			st->watch_addr = v;
		} else if (nlen > 0 && rsp_parse_hex_u64(p, nlen, &v) == (int)nlen) {
			/* A register number: value is target-order hex. */
			uint64_t rv;

			if (!colon || rsp_hex_le_to_u64(val, vlen, &rv) < 0)
				return stop_fail(err, reply, len, "bad register value");
			if (st->nregs < RSP_STOP_MAX_REGS) {
				st->regs[st->nregs].regnum = (unsigned)v;
				st->regs[st->nregs].value = rv;
				st->regs[st->nregs].size = (unsigned)(vlen / 2);
				st->nregs++;
			}
		}
		/* Other names (core:, library, fork...) are skipped, as the
		 * manual asks of unknown ones. */
		p = semi + 1;
	}
	return 0;
}

int rsp_parse_stop(const char *reply, size_t len, struct rsp_stop *st,
		   struct kit_err *err)
{
	uint64_t v;
	int n;

	memset(st, 0, sizeof *st);
	st->pid = -1;
	st->tid = -1;
	if (len == 0)
		return stop_fail(err, reply, len, "empty");
	st->kind = reply[0];
	switch (reply[0]) {
	case 'S':
	case 'T':
		if (len < 3 || rsp_parse_hex_u64(reply + 1, 2, &v) != 2)
			return stop_fail(err, reply, len, "no signal number");
		st->signo = (int)v;
		if (reply[0] == 'S') {
			if (len != 3)
				return stop_fail(err, reply, len, "trailing bytes");
			return 0;
		}
		return parse_T_pairs(reply + 3, reply + len, st, reply, len, err);
	case 'W':
	case 'X':
		n = rsp_parse_hex_u64(reply + 1, len - 1, &v);
		if (n < 0)
			return stop_fail(err, reply, len, "no status");
		if (reply[0] == 'W')
			st->exit_status = (int)v;
		else
			st->signo = (int)v;
		if ((size_t)n + 1 < len) {
			const char *p = reply + 1 + n;
			size_t rest = len - 1 - (size_t)n;

			if (rest < 9 || strncmp(p, ";process:", 9) ||
			    rsp_parse_hex_u64(p + 9, rest - 9, &v) != (int)(rest - 9))
				return stop_fail(err, reply, len, "bad process id");
			st->pid = (long)v;
		}
		return 0;
	default:
		return stop_fail(err, reply, len, "not a stop reply");
	}
}

/* Token names as the manual spells them, and where each goes. */
#define QS(tok, field) { tok, offsetof(struct rsp_qSupported, field) }
static const struct {
	const char *name;
	size_t off;
} qs_tokens[] = {
	QS("qXfer:features:read", qXfer_features_read),
	QS("qXfer:auxv:read", qXfer_auxv_read),
	QS("qXfer:memory-map:read", qXfer_memory_map_read),
	QS("qXfer:threads:read", qXfer_threads_read),
	QS("qXfer:exec-file:read", qXfer_exec_file_read),
	QS("qXfer:siginfo:read", qXfer_siginfo_read),
	QS("vContSupported", vContSupported),
	QS("multiprocess", multiprocess),
	QS("QStartNoAckMode", QStartNoAckMode),
	QS("QPassSignals", QPassSignals),
	QS("QNonStop", QNonStop),
	QS("QThreadEvents", QThreadEvents),
	QS("swbreak", swbreak),
	QS("hwbreak", hwbreak),
	QS("ReverseStep", ReverseStep),
	QS("ReverseContinue", ReverseContinue),
	QS("fork-events", fork_events),
	QS("vfork-events", vfork_events),
	QS("exec-events", exec_events),
	QS("no-resumed", no_resumed),
	QS("qRelocInsn", qRelocInsn),
	QS("BreakpointCommands", BreakpointCommands),
	QS("ConditionalBreakpoints", ConditionalBreakpoints),
};

int rsp_parse_qSupported(const char *reply, size_t len,
			 struct rsp_qSupported *q, struct kit_err *err)
{
	const char *p = reply, *end = reply + len;

	memset(q, 0, sizeof *q);
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *eq;
		size_t tlen, nlen, i;
		char last;

		if (!semi)
			semi = end;
		tlen = (size_t)(semi - p);
		if (tlen == 0) {
			p = semi + 1;
			continue;
		}
		q->ntokens++;
		eq = memchr(p, '=', tlen);
		if (eq) {
			nlen = (size_t)(eq - p);
			if (nlen == 10 && !strncmp(p, "PacketSize", 10)) {
				uint64_t v;
				size_t vlen = (size_t)(semi - eq - 1);

				if (rsp_parse_hex_u64(eq + 1, vlen, &v) != (int)vlen ||
				    v == 0) {
					kit_seterr(err, RSP_ERR_PROTOCOL,
						   "bad PacketSize in qSupported reply '%.*s'",
						   (int)(tlen > 80 ? 80 : tlen), p);
					return -RSP_ERR_PROTOCOL;
				}
				q->PacketSize = (unsigned long)v;
			}
			p = semi + 1;
			continue;
		}
		last = p[tlen - 1];
		nlen = tlen - 1;
		if (last != '+' && last != '-' && last != '?') {
			p = semi + 1;
			continue;
		}
		for (i = 0; i < sizeof qs_tokens / sizeof qs_tokens[0]; i++) {
			if (strlen(qs_tokens[i].name) == nlen &&
			    !strncmp(qs_tokens[i].name, p, nlen)) {
				bool *f = (bool *)((char *)q + qs_tokens[i].off);

				/* '?' means "ask later": treat as absent. */
				*f = last == '+';
				break;
			}
		}
		p = semi + 1;
	}
	return 0;
}
