/*
 * fuzz-replies.c: libFuzzer target for the rsp_ library's pure half ("make
 * fuzz"): the packet framing (rsp_parser_feed, in the split the first byte
 * chooses) and every reply parser in responses.c run on each packet it
 * decodes, the way a hostile stub's bytes reach them: stop replies
 * (S/T/W/X), O console output, E NN, qSupported, 'g' against a QEMU-like
 * x86-64 description and without one, 'p', 'm', qXfer chunks, and the
 * target description parser itself.  No sockets.
 *
 * Besides the sanitizers it checks what the callers rely on: a 'g' reply
 * accepted is exactly the description's size, an 'm' or qXfer reply never
 * fills more than was asked, escaped text holds no control byte, and a
 * payload encoded with rsp_packet_encode() decodes back to itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* QEMU 7.2's x86-64 core registers, enough for 'g' and 'p' checks. */
static const char tdesc_xml[] =
	"<?xml version=\"1.0\"?><target><architecture>i386:x86-64</architecture>"
	"<feature name=\"org.gnu.gdb.i386.core\">"
	"<reg name=\"rax\" bitsize=\"64\"/><reg name=\"rbx\" bitsize=\"64\"/>"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>"
	"<reg name=\"eflags\" bitsize=\"32\"/><reg name=\"cs\" bitsize=\"32\"/>"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\"/>"
	"</feature></target>";

static struct rsp_tdesc td;

static void check_printable(const char *s, int text)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < ' ' || c > '~') && !(text && (c == '\n' || c == '\t')))
			abort();
	}
}

/* The description parser's includes: the same bytes again (the depth and
 * include limits must end it). */
static int fetch_self(void *ctx, const char *annex, struct rsp_buf *out,
		      struct kit_err *err)
{
	const struct rsp_buf *in = ctx;

	return rsp_buf_append(out, in->data, in->len) < 0 ? -RSP_ERR_NOMEM : 0;
}

static void one_reply(const char *p, size_t n, unsigned sel)
{
	struct kit_err e = { 0 };
	struct rsp_buf a = RSP_BUF_INIT, b = RSP_BUF_INIT;
	struct rsp_qSupported q;
	struct rsp_stop st;
	unsigned char buf[512];
	char desc[96], quoted[48];
	const char *d;
	size_t dlen, want, i;
	uint64_t v;
	ssize_t got;
	int nn, rc;

	if (rsp_parse_stop(p, n, &st, &e) == 0) {
		rsp_stop_describe(&st, desc, sizeof desc);
		if (st.nregs > RSP_STOP_MAX_REGS)
			abort();
	}
	check_printable(e.msg, 0);
	rsp_parse_qSupported(p, n, &q, &e);
	rsp_parse_error(p, n, &nn);
	if (rsp_is_console(p, n) && rsp_parse_console(p, n, &a) == 0 &&
	    a.len != (n - 1) / 2)
		abort();
	rsp_buf_reset(&a);

	rc = rsp_parse_g_reply(p, n, &td, &a, &b, &e);
	if (rc == 0 && (a.len != td.g_size || b.len != td.g_size))
		abort();
	if (rc < 0)
		check_printable(e.msg, 0);
	rc = rsp_parse_g_reply(p, n, NULL, &a, &b, &e);
	if (rc == 0 && a.len != n / 2)
		abort();
	for (i = 0; i < td.nregs; i++) {
		got = rsp_parse_p_reply(p, n, &td.regs[i], buf, sizeof buf, &e);
		if (got >= 0 && (size_t)got != (size_t)td.regs[i].bitsize / 8)
			abort();
	}
	want = sel % 300;
	got = rsp_parse_m_reply(p, n, buf, want, &e);
	if (got > (ssize_t)want)
		abort();
	if (got < 0)
		check_printable(e.msg, 0);
	rc = rsp_parse_qXfer_reply(p, n, want, "qXfer:features:read:target.xml",
				   &d, &dlen, &e);
	if (rc >= 0 && (dlen > want || d != p + 1))
		abort();
	rsp_hex_le_to_u64(p, n, &v);
	rsp_parse_hex_u64(p, n, &v);

	rsp_buf_reset(&a);
	if (rsp_escape(&a, p, n, sel, 0) == 0)
		check_printable(a.data, 0);
	rsp_buf_reset(&a);
	if (rsp_escape(&a, p, n, 1024, RSP_ESC_TEXT) == 0)
		check_printable(a.data, 1);
	check_printable(rsp_quote(quoted, 1 + sel % sizeof quoted, p, n, sel % 64), 0);

	if (sel & 0x100) {
		struct rsp_tdesc t2;
		struct rsp_buf self = RSP_BUF_INIT;

		memset(&t2, 0, sizeof t2);
		rsp_buf_append(&self, p, n);
		if (rsp_handle_qXfer_features(&t2, p, n, (sel & 0x200) ? fetch_self : NULL,
					      &self, &e) == 0) {
			rsp_tdesc_find(&t2, "rip");
			if (2 * t2.g_size > RSP_MAX_PACKET)
				abort();
		} else {
			check_printable(e.msg, 0);
		}
		rsp_tdesc_free(&t2);
		rsp_buf_free(&self);
	}
	rsp_buf_free(&a);
	rsp_buf_free(&b);
}

/* rsp_packet_encode() then the parser must give the payload back. */
static void round_trip(const uint8_t *data, size_t size)
{
	struct rsp_buf enc = RSP_BUF_INIT;
	struct rsp_parser ps;
	struct rsp_event ev;
	size_t used;

	rsp_parser_init(&ps);
	if (rsp_packet_encode(&enc, data, size) == 0) {
		used = rsp_parser_feed(&ps, enc.data, enc.len, &ev);
		if (used != enc.len || ev.kind != RSP_EV_PACKET || ev.len != size ||
		    (size && memcmp(ev.data, data, size)))
			abort();
	}
	rsp_parser_free(&ps);
	rsp_buf_free(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kit_err e = { 0 };
	struct rsp_parser ps;
	size_t pos = 0, split;
	unsigned sel;

	if (!td.nregs && rsp_handle_qXfer_features(&td, tdesc_xml, sizeof tdesc_xml - 1,
						   NULL, NULL, &e) < 0)
		abort();
	if (size < 2)
		return 0;
	/* Byte 0: the read size (1..64, or all at once); byte 1: choices. */
	split = data[0] % 65;
	sel = (unsigned)data[1] | (unsigned)(data[0] & 0xc0) << 2;
	data += 2;
	size -= 2;

	rsp_parser_init(&ps);
	ps.max = (sel & 1) ? 256 : 0;
	while (pos < size) {
		size_t n = split ? split : size - pos, off = 0;

		if (n > size - pos)
			n = size - pos;
		while (off < n) {
			struct rsp_event ev;
			size_t used = rsp_parser_feed(&ps, data + pos + off, n - off, &ev);

			if (used == 0 || used > n - off)
				abort();
			off += used;
			if ((ev.kind == RSP_EV_PACKET || ev.kind == RSP_EV_BADSUM) &&
			    ev.data)
				one_reply(ev.data, ev.len, sel);
		}
		pos += n;
	}
	rsp_parser_free(&ps);
	/* The raw bytes as a payload too: not every input is framed. */
	one_reply((const char *)data, size, sel);
	round_trip(data, size);
	return 0;
}
