/*
 * test-rsp-packet.c: the pure layers of gdbstub-client on byte strings:
 * framing (checksum, escapes, run-length, glued and split packets, acks,
 * 0x03, bad checksums), hex helpers, reply parsers (stop replies,
 * qSupported, errors, console output, 'g', 'p', 'm' and qXfer replies
 * checked against what was asked), escaping and the target description
 * parser.
 */
#include "rsp.h"
#include "ksym.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

/* Feed all of s (n bytes) and collect events as "P:payload", "+", "-",
 * "^C", "BAD", "MAL", "LONG", "G:garbage", joined by '|'. */
static char *events(struct rsp_parser *p, const char *s, size_t n)
{
	static char out[4096];
	size_t off = 0;

	out[0] = '\0';
	while (off < n) {
		struct rsp_event ev;
		size_t used = rsp_parser_feed(p, s + off, n - off, &ev);
		char tmp[1024];

		off += used;
		switch (ev.kind) {
		case RSP_EV_NONE: continue;
		case RSP_EV_PACKET:
			snprintf(tmp, sizeof tmp, "P:%.*s", (int)ev.len, ev.data);
			break;
		case RSP_EV_ACK: snprintf(tmp, sizeof tmp, "+"); break;
		case RSP_EV_NAK: snprintf(tmp, sizeof tmp, "-"); break;
		case RSP_EV_INTERRUPT: snprintf(tmp, sizeof tmp, "^C"); break;
		case RSP_EV_BADSUM:
			snprintf(tmp, sizeof tmp, "BAD(%02x!=%02x)", ev.sum_got,
				 ev.sum_want);
			break;
		case RSP_EV_BADPKT: snprintf(tmp, sizeof tmp, "MAL"); break;
		case RSP_EV_TOOLONG: snprintf(tmp, sizeof tmp, "LONG"); break;
		case RSP_EV_GARBAGE:
			snprintf(tmp, sizeof tmp, "G:%.*s", (int)ev.len, ev.data);
			break;
		}
		if (out[0])
			strcat(out, "|");
		strncat(out, tmp, sizeof out - strlen(out) - 1);
	}
	return out;
}

static char *ev1(const char *s)
{
	struct rsp_parser p;
	static char copy[4096];

	rsp_parser_init(&p);
	snprintf(copy, sizeof copy, "%s", events(&p, s, strlen(s)));
	rsp_parser_free(&p);
	return copy;
}

/* No byte a terminal could act on: only ' '..'~'. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s > '~')
			return 0;
	return 1;
}

static void test_encode(void)
{
	struct rsp_buf b = RSP_BUF_INIT;
	const char bin[] = { 'a', '$', '#', '}', '*', 0, 'z' };

	is_int(rsp_checksum("OK", 2), 0x9a, "checksum of OK is 9a");
	is_int(rsp_checksum("", 0), 0, "checksum of empty is 0");
	rsp_packet_encode(&b, "OK", 2);
	is_str(b.data, "$OK#9a", "encode OK");
	rsp_buf_reset(&b);
	rsp_packet_encode(&b, "", 0);
	is_str(b.data, "$#00", "encode empty packet");
	rsp_buf_reset(&b);
	rsp_packet_encode(&b, "qSupported:swbreak+", 19);
	is_str(b.data + b.len - 3, "#8b", "checksum of qSupported:swbreak+");
	rsp_buf_reset(&b);
	rsp_packet_encode(&b, bin, sizeof bin);
	is_int(b.len, 1 + 7 + 4 + 3, "escaped length");
	ok(!memcmp(b.data, "$a}\x04}\x03}]}\x0a\0z#", 13),
	   "$ # } * escaped as } and byte^0x20");
	{
		/* The checksum covers the escaped bytes. */
		uint8_t want = rsp_checksum(b.data + 1, 11);
		char hex[3];

		snprintf(hex, sizeof hex, "%02x", want);
		is_str(b.data + 13, hex, "checksum over the escaped bytes");
	}
	/* Round trip through the parser. */
	{
		struct rsp_parser p;
		struct rsp_event ev;
		size_t used;

		rsp_parser_init(&p);
		used = rsp_parser_feed(&p, b.data, b.len, &ev);
		is_int(used, b.len, "parser consumed the encoded packet");
		is_int(ev.kind, RSP_EV_PACKET, "encoded binary packet decodes");
		ok(ev.len == sizeof bin && !memcmp(ev.data, bin, sizeof bin),
		   "escapes removed on decode");
		rsp_parser_free(&p);
	}
	rsp_buf_free(&b);
}

static void test_decode(void)
{
	struct rsp_parser p;
	const char *glued = "+$OK#9a$T05thread:01;#07-\x03";
	const char *r;
	size_t i;

	is_str(ev1("$OK#9a"), "P:OK", "simple packet");
	is_str(ev1("$OK#9A"), "P:OK", "upper-case checksum digits accepted");
	is_str(ev1("$OK#9b"), "BAD(9b!=9a)", "bad checksum reported");
	is_str(ev1("$OK#zz"), "MAL", "non-hex checksum is malformed");
	is_str(ev1("+"), "+", "ack");
	is_str(ev1("-"), "-", "nak");
	is_str(ev1("\x03"), "^C", "interrupt byte");
	is_str(ev1("$#00"), "P:", "empty packet (unsupported)");
	is_str(ev1(glued), "+|P:OK|P:T05thread:01;|-|^C",
	       "ack, two packets, nak and 0x03 glued in one buffer");
	is_str(ev1("HTTP/1.0 400 Bad$OK#9a"), "G:HTTP/1.0 400 Bad|P:OK",
	       "garbage before a packet reported, then the packet");
	is_str(ev1("$OK$OK#9a"), "P:OK", "a '$' inside a packet restarts it");
	/* '+' and '-' inside a payload are data, not acks. */
	is_str(ev1("$a+b-c#7e"), "P:a+b-c", "+ and - inside a payload are data");

	/* The same glued stream fed one byte at a time. */
	rsp_parser_init(&p);
	{
		char acc[4096] = "";

		for (i = 0; i < strlen(glued); i++) {
			r = events(&p, glued + i, 1);
			if (*r) {
				if (acc[0])
					strcat(acc, "|");
				strcat(acc, r);
			}
		}
		is_str(acc, "+|P:OK|P:T05thread:01;|-|^C", "byte-by-byte feed");
	}
	/* Split in the middle of the checksum. */
	r = events(&p, "$O", 2);
	is_str(r, "", "no event for a partial packet");
	ok(rsp_parser_midpacket(&p), "parser knows it is mid-packet");
	r = events(&p, "K#9", 3);
	is_str(r, "", "still nothing before the last checksum digit");
	r = events(&p, "a", 1);
	is_str(r, "P:OK", "packet completed by the last digit");
	ok(!rsp_parser_midpacket(&p), "parser back outside packets");
	/* A limit on payload size. */
	p.max = 4;
	r = events(&p, "$12345#ff$OK#9a", 15);
	is_str(r, "LONG|P:OK", "over-long packet dropped, the next one kept");
	rsp_parser_free(&p);
}

static void test_rle(void)
{
	char pkt[64], buf[64];
	const char *r;

	/* "0* " = '0' + 3 more ('+' - 29 = 3... ' ' is 32 - 29 = 3). */
	snprintf(buf, sizeof buf, "0* ");
	snprintf(pkt, sizeof pkt, "$%s#%02x", buf, rsp_checksum(buf, strlen(buf)));
	is_str(ev1(pkt), "P:0000", "run of 3 extra ('*' ' ')");
	snprintf(buf, sizeof buf, "x*\"y");
	snprintf(pkt, sizeof pkt, "$%s#%02x", buf, rsp_checksum(buf, strlen(buf)));
	is_str(ev1(pkt), "P:xxxxxxy", "run of 5 extra ('\"' = 34 - 29)");
	snprintf(buf, sizeof buf, "ab*~");
	snprintf(pkt, sizeof pkt, "$%s#%02x", buf, rsp_checksum(buf, strlen(buf)));
	r = ev1(pkt);
	ok(strlen(r) == 2 + 1 + 1 + 97 && r[2] == 'a' && r[3] == 'b' &&
	   r[strlen(r) - 1] == 'b', "longest run ('~' = 97 extra)");
	/* 6 and 7 would be '#' and '$': a stub sends "*!" (4) plus copies. */
	snprintf(buf, sizeof buf, "0*!00");
	snprintf(pkt, sizeof pkt, "$%s#%02x", buf, rsp_checksum(buf, strlen(buf)));
	is_str(ev1(pkt), "P:0000000", "run of 6 written as *! plus two literal");
	snprintf(pkt, sizeof pkt, "$*!#%02x", rsp_checksum("*!", 2));
	is_str(ev1(pkt), "MAL", "'*' with nothing before it is malformed");
	snprintf(pkt, sizeof pkt, "$a*#%02x", rsp_checksum("a*", 2));
	is_str(ev1(pkt), "MAL", "'*' right before '#' is malformed");
	snprintf(pkt, sizeof pkt, "$a*\x01#%02x", rsp_checksum("a*\x01", 3));
	is_str(ev1(pkt), "MAL", "non-printable run length is malformed");
	/* A run repeats the raw character: "}]" is an escaped '}', and the
	 * run then repeats ']' (gdbserver encodes after escaping). */
	snprintf(buf, sizeof buf, "}]* ");
	snprintf(pkt, sizeof pkt, "$%s#%02x", buf, rsp_checksum(buf, strlen(buf)));
	is_str(ev1(pkt), "P:}]]]", "run after an escape repeats the raw byte");
	/* '*' in binary data arrives escaped and is not a run. */
	snprintf(buf, sizeof buf, "m}\x0a" "1");
	snprintf(pkt, sizeof pkt, "$%s#%02x", buf, rsp_checksum(buf, strlen(buf)));
	is_str(ev1(pkt), "P:m*1", "escaped '*' is data");
	/* The checksum is over the compressed bytes. */
	snprintf(pkt, sizeof pkt, "$0* #%02x", rsp_checksum("0000", 4));
	ok(!strncmp(ev1(pkt), "BAD", 3), "checksum of the expanded form is wrong");
}

static void test_hex(void)
{
	unsigned char b[8];
	char h[17];
	uint64_t v;

	rsp_hex_encode(h, "\x00\xea\x5b\xe0", 4);
	is_str(h, "00ea5be0", "hex encode");
	is_int(rsp_hex_decode(b, sizeof b, "eA5bE0", 6), 3, "hex decode length");
	ok(b[0] == 0xea && b[1] == 0x5b && b[2] == 0xe0, "hex decode bytes");
	is_int(rsp_hex_decode(b, sizeof b, "abc", 3), -1, "odd hex refused");
	is_int(rsp_hex_decode(b, sizeof b, "zz", 2), -1, "non-hex refused");
	is_int(rsp_hex_decode(b, 1, "0102", 4), -1, "output too small refused");
	is_int(rsp_parse_hex_u64("fff0,", 5, &v), 4, "parse hex stops at ','");
	is_u64(v, 0xfff0, "parse hex value");
	is_int(rsp_parse_hex_u64("12345678123456789", 17, &v), -1,
	       "17 hex digits overflow");
	is_int(rsp_hex_le_to_u64("f0ff000000000000", 16, &v), 0, "LE register");
	is_u64(v, 0xfff0, "LE register value (rip = 0xfff0)");
	is_int(rsp_hex_le_to_u64("00f0", 4, &v), 0, "LE 16-bit");
	is_u64(v, 0xf000, "LE 16-bit value");
	is_int(rsp_hex_le_to_u64("xxxxxxxx", 8, &v), 1, "xx = unavailable");
	is_int(rsp_hex_le_to_u64("0102030405060708090a", 20, &v), 0,
	       "wider than 8 bytes");
	is_u64(v, 0x0807060504030201ull, "low 8 bytes of a wide register");
	rsp_u64_to_le(b, 4, 0x60000010);
	ok(b[0] == 0x10 && b[3] == 0x60, "u64 to LE");
	is_u64(rsp_le_to_u64("\x10\x00\x00\x60", 4), 0x60000010, "LE to u64");
	{
		struct rsp_buf t = RSP_BUF_INIT;

		rsp_escape_for_trace(&t, "a\x03\\b", 4, 100);
		is_str(t.data, "a\\x03\\x5cb", "trace escaping");
		rsp_buf_reset(&t);
		rsp_escape_for_trace(&t, "abcdef", 6, 3);
		is_str(t.data, "abc...[3 more]", "trace truncation");
		rsp_buf_free(&t);
	}
}

static void test_stop(void)
{
	struct rsp_stop st;
	struct kit_err e = { 0 };
	const char *t;

	is_int(rsp_parse_stop("S05", 3, &st, &e), 0, "S05 parses");
	ok(st.kind == 'S' && st.signo == 5 && st.tid == -1, "S05 fields");
	t = "T05thread:01;";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), 0, "QEMU T05 parses");
	ok(st.kind == 'T' && st.signo == 5 && st.tid == 1 && st.pid == -1,
	   "T05 thread 1");
	t = "T05thread:p1.2;swbreak:;";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), 0, "multiprocess T parses");
	ok(st.pid == 1 && st.tid == 2 && st.reason == RSP_REASON_SWBREAK,
	   "pid.tid and swbreak");
	t = "T05hwbreak:;thread:02;";
	rsp_parse_stop(t, strlen(t), &st, &e);
	ok(st.reason == RSP_REASON_HWBREAK && st.tid == 2, "hwbreak");
	t = "T05watch:ffff8000;thread:01;";
	rsp_parse_stop(t, strlen(t), &st, &e);
	ok(st.reason == RSP_REASON_WATCH && st.watch_addr == 0xffff8000,
	   "watch address");
	t = "T05awatch:10;";
	rsp_parse_stop(t, strlen(t), &st, &e);
	ok(st.reason == RSP_REASON_AWATCH && st.watch_addr == 0x10, "awatch");
	t = "T0510:f0ff000000000000;06:0000000000000000;thread:01;core:0;";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), 0, "T with registers");
	ok(st.nregs == 2 && st.regs[0].regnum == 0x10 &&
	   st.regs[0].value == 0xfff0 && st.regs[0].size == 8,
	   "register 0x10 = 0xfff0, core: skipped");
	is_int(rsp_parse_stop("W00", 3, &st, &e), 0, "W00 parses");
	ok(st.kind == 'W' && st.exit_status == 0, "exit status 0");
	t = "W8f;process:2a";
	rsp_parse_stop(t, strlen(t), &st, &e);
	ok(st.exit_status == 0x8f && st.pid == 0x2a, "W with process");
	is_int(rsp_parse_stop("X0f", 3, &st, &e), 0, "X0f parses");
	ok(st.kind == 'X' && st.signo == 15, "killed by SIGTERM");
	is_int(rsp_parse_stop("OK", 2, &st, &e), -RSP_ERR_PROTOCOL,
	       "OK is not a stop reply");
	ok(strstr(e.msg, "'OK'") != NULL, "message quotes the reply");
	is_int(rsp_parse_stop("T0", 2, &st, &e), -RSP_ERR_PROTOCOL,
	       "truncated T refused");
	t = "T05thread:zz;";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), -RSP_ERR_PROTOCOL,
	       "bad thread id refused");

	/* Console output and errors. */
	{
		struct rsp_buf b = RSP_BUF_INIT;
		int nn = 0;

		ok(rsp_is_console("O48690a", 7), "O48690a is console output");
		ok(!rsp_is_console("OK", 2), "OK is not console output");
		rsp_parse_console("O48690a", 7, &b);
		is_str(b.data, "Hi\n", "console text decoded");
		rsp_buf_free(&b);
		ok(rsp_parse_error("E14", 3, &nn) && nn == 0x14, "E14 is error 0x14");
		ok(rsp_parse_error("E.no memory", 11, &nn) && nn == -1, "E.text");
		ok(!rsp_parse_error("OK", 2, &nn), "OK is not an error");
		ok(!rsp_parse_error("E1", 2, &nn), "E1 is not an error reply");
	}
}

static void test_qSupported(void)
{
	struct rsp_qSupported q;
	struct kit_err e = { 0 };
	const char *r = "PacketSize=1000;qXfer:features:read+;vContSupported+;"
			"multiprocess+";

	is_int(rsp_parse_qSupported(r, strlen(r), &q, &e), 0, "QEMU 7.2 reply");
	is_int(q.PacketSize, 0x1000, "PacketSize is hex");
	ok(q.qXfer_features_read && q.vContSupported && q.multiprocess,
	   "features read, vCont, multiprocess");
	ok(!q.QStartNoAckMode && !q.swbreak && !q.hwbreak, "no no-ack, no swbreak");
	is_int(q.ntokens, 4, "four tokens");
	r = "PacketSize=3fff;QStartNoAckMode+;swbreak+;hwbreak-;fork-events+;"
	    "qXfer:auxv:read?;unknown+;xyz=1";
	rsp_parse_qSupported(r, strlen(r), &q, &e);
	ok(q.PacketSize == 0x3fff && q.QStartNoAckMode && q.swbreak &&
	   !q.hwbreak && q.fork_events && !q.qXfer_auxv_read,
	   "+ - ? and unknown tokens");
	r = "PacketSize=zz";
	is_int(rsp_parse_qSupported(r, strlen(r), &q, &e), -RSP_ERR_PROTOCOL,
	       "bad PacketSize refused");
}

/* A small description like QEMU's, the registers in an included file. */
static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target>\n"
	"  <architecture>i386:x86-64</architecture>\n"
	"  <xi:include href=\"i386-64bit.xml\"/>\n"
	"</target>\n";

static const char i386_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"  <flags id=\"i386_eflags\" size=\"4\">\n"
	"    <field name=\"CF\" start=\"0\" end=\"0\"/>\n"
	"  </flags>\n"
	"  <reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"  <reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"  <reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>\n"
	"  <reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"  <reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"  <reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"</feature>\n"
	"<!-- not well-formed after this would be an error -->\n";

static int fetch_count;

static int fake_fetch(void *ctx, const char *annex, struct rsp_buf *out,
		      struct kit_err *err)
{
	fetch_count++;
	if (!strcmp(annex, "i386-64bit.xml"))
		return rsp_buf_append(out, i386_xml, strlen(i386_xml));
	if (!strcmp(annex, "loop.xml"))
		return rsp_buf_append(out, "<target><xi:include href=\"loop.xml\"/></target>",
				      46);
	kit_seterr(err, RSP_ERR_TARGET, "no annex '%s'", annex);
	return -RSP_ERR_TARGET;
}

static void test_tdesc(void)
{
	struct rsp_tdesc td;
	struct kit_err e = { 0 };
	const struct rsp_reg *r;
	const char *bad;
	int rc;

	memset(&td, 0, sizeof td);
	rc = rsp_handle_qXfer_features(&td, target_xml, strlen(target_xml),
				   fake_fetch, NULL, &e);
	is_int(rc, 0, "target.xml with xi:include parses");
	if (rc)
		printf("#   %s\n", e.msg);
	is_int(fetch_count, 1, "include fetched once");
	is_str(td.architecture, "i386:x86-64", "architecture");
	is_int(td.nregs, 6, "six registers");
	r = rsp_tdesc_find(&td, "rip");
	ok(r && r->regnum == 16 && r->bitsize == 64 && r->offset == 16 &&
	   !strcmp(r->type, "code_ptr"), "rip: regnum 16, offset 16, code_ptr");
	r = rsp_tdesc_find(&td, "eflags");
	ok(r && r->regnum == 17 && r->offset == 24 && r->bitsize == 32,
	   "eflags numbered after rip");
	r = rsp_tdesc_find(&td, "rbx");
	ok(r && r->regnum == 1 && r->offset == 8 &&
	   !strcmp(r->feature, "org.gnu.gdb.i386.core"), "rbx regnum 1, feature");
	r = rsp_tdesc_find(&td, "st0");
	ok(r && r->offset == 32 && r->bitsize == 80, "st0 after cs");
	is_int(td.g_size, 42, "g size 8+8+8+4+4+10");
	rsp_tdesc_free(&td);

	bad = "<target><xi:include href=\"missing.xml\"/></target>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), fake_fetch, NULL, &e),
	       -RSP_ERR_TARGET, "missing include reported");
	bad = "<target><xi:include href=\"loop.xml\"/></target>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), fake_fetch, NULL, &e),
	       -RSP_ERR_PROTOCOL, "include loop stopped");
	bad = "<target><feature><reg name=\"a\" bitsize=\"64\"/></feature>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), NULL, NULL, &e),
	       -RSP_ERR_PROTOCOL, "unterminated XML refused");
	ok(strstr(e.msg, "line 1") != NULL, "XML error has a line number");
	bad = "<target><feature><reg name=\"a\"/></feature></target>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), NULL, NULL, &e),
	       -RSP_ERR_PROTOCOL, "reg without bitsize refused");
	bad = target_xml;
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), NULL, NULL, &e),
	       -RSP_ERR_PROTOCOL, "include without a fetch function refused");
	ok(td.regs == NULL && td.nregs == 0, "nothing left after a failure");
	bad = "<target><feature><reg name=\"r\x1b[2J\" bitsize=\"64\"/></feature></target>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), NULL, NULL, &e),
	       -RSP_ERR_PROTOCOL, "register name with ESC refused");
	ok(printable(e.msg), "its message escaped");
	bad = "<target><architecture>\xc2\x9b" "31m</architecture><feature>"
	      "<reg name=\"a\" bitsize=\"64\"/></feature></target>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), NULL, NULL, &e), 0,
	       "architecture with a C1 control parses");
	ok(printable(td.architecture), "architecture kept escaped");
	rsp_tdesc_free(&td);
	bad = "<target><feature><reg name=\"a\" bitsize=\"4096\" regnum=\"0\"/>"
	      "<reg name=\"b\" bitsize=\"4096\"/></feature></target>";
	is_int(rsp_handle_qXfer_features(&td, bad, strlen(bad), NULL, NULL, &e), 0,
	       "1 KiB of registers parses");
	rsp_tdesc_free(&td);
}

static void test_escape(void)
{
	struct rsp_buf b = RSP_BUF_INIT;
	char q[64], small[12];

	rsp_escape(&b, "\x1b]0;pwned\x07ok\r\n\ta\\b\x9b", 19, 100, RSP_ESC_TEXT);
	is_str(b.data, "\\x1b]0;pwned\\x07ok\n\ta\\b\\x9b",
	       "monitor text: newline and tab kept, CRLF -> LF, ESC BEL CSI escaped");
	rsp_buf_reset(&b);
	rsp_escape(&b, "a\rb\n", 4, 100, RSP_ESC_TEXT);
	is_str(b.data, "a\\x0db\n", "monitor text: a lone CR escaped");
	rsp_buf_reset(&b);
	rsp_escape(&b, "\x1b[31m\n", 6, 100, 0);
	is_str(b.data, "\\x1b[31m\\x0a", "trace and messages: newline escaped too");
	rsp_buf_free(&b);
	is_str(rsp_quote(q, sizeof q, "E\x1b[2J", 5, 60), "E\\x1b[2J",
	       "rsp_quote escapes ESC");
	is_str(rsp_quote(q, sizeof q, "abcdef", 6, 3), "abc...[3 more]",
	       "rsp_quote cuts at max");
	rsp_quote(small, sizeof small, "\x1b\x1b\x1b\x1b\x1b\x1b", 6, 60);
	ok(strlen(small) < sizeof small && printable(small) &&
	   strstr(small, "...") != NULL,
	   "rsp_quote into a small buffer: cut, still escaped, says so");
	printf("#   %s\n", small);
}

static void test_errcodes(void)
{
	/* kernel-symbols' codes start at 1001: a kit_err from either must
	 * be told apart by its code. */
	ok((int)RSP_ERR_SYS > (int)KSYM_ENOTFOUND && RSP_ERR_SYS > 2000,
	   "RSP_ERR_* above KSYM_E* (2001+)");
	ok(RSP_ERR_EXITED - RSP_ERR_SYS == 13, "RSP_ERR_* contiguous from RSP_ERR_SYS");
	is_str(rsp_strerror(-RSP_ERR_EXITED), "target exited", "rsp_strerror knows the codes");
}

/* The x86-64 core layout the tests use: rip 8, eflags 4, cs 4, cr0 8. */
static const char g_xml[] =
	"<target><architecture>i386:x86-64</architecture><feature name=\"c\">"
	"<reg name=\"rip\" bitsize=\"64\"/><reg name=\"eflags\" bitsize=\"32\"/>"
	"<reg name=\"cs\" bitsize=\"32\"/><reg name=\"cr0\" bitsize=\"64\"/>"
	"</feature></target>";

static void test_register_replies(void)
{
	struct rsp_buf g = RSP_BUF_INIT, av = RSP_BUF_INIT;
	struct kit_err e = { 0 };
	struct rsp_tdesc td;
	const struct rsp_reg *rip, *efl;
	unsigned char buf[16];
	const char *full = "f0ff000000000000" "02000000" "00f00000" "1000006000000000";
	char big[200];

	memset(&td, 0, sizeof td);
	if (rsp_handle_qXfer_features(&td, g_xml, strlen(g_xml), NULL, NULL, &e) < 0) {
		ok(0, e.msg);
		return;
	}
	is_int(rsp_parse_g_reply(full, strlen(full), &td, &g, &av, &e), 0,
	       "'g' of the description's size accepted");
	is_int(g.len, 24, "24 register bytes");
	is_int(rsp_parse_g_reply("0000000000", 10, &td, &g, &av, &e), -RSP_ERR_PROTOCOL,
	       "'g' of 5 bytes refused");
	is_str(e.msg, "stub's 'g' reply is 10 hex digits, expected 48 (24 bytes of "
	       "registers, i386:x86-64)", "short 'g': the message names sizes and layout");
	ok(g.len == 0, "nothing kept from a refused 'g'");
	is_int(rsp_parse_g_reply("00000", 5, &td, &g, &av, &e), -RSP_ERR_PROTOCOL,
	       "'g' of odd length refused");
	snprintf(big, sizeof big, "%s00", full);
	is_int(rsp_parse_g_reply(big, strlen(big), &td, &g, &av, &e), -RSP_ERR_PROTOCOL,
	       "'g' longer than the description refused");
	snprintf(big, sizeof big, "%s", full);
	big[20] = '\x1b';
	is_int(rsp_parse_g_reply(big, strlen(big), &td, &g, &av, &e), -RSP_ERR_PROTOCOL,
	       "'g' with a non-hex byte refused");
	ok(strstr(e.msg, "offset 20") && printable(e.msg),
	   "non-hex 'g': offset named, byte escaped");
	printf("#   %s\n", e.msg);
	memcpy(big, "xxxxxxxxxxxxxxxx", 16);
	big[20] = '0';
	is_int(rsp_parse_g_reply(big, strlen(big), &td, &g, &av, &e), 0,
	       "'xx' bytes (unavailable) accepted");
	ok(av.data[0] == 0 && av.data[8] == 1, "unavailable bytes marked");
	is_int(rsp_parse_g_reply("0011", 4, NULL, &g, &av, &e), 0,
	       "no description: any even length");

	rip = rsp_tdesc_find(&td, "rip");
	efl = rsp_tdesc_find(&td, "eflags");
	is_int(rsp_parse_p_reply("f0ff000000000000", 16, rip, buf, sizeof buf, &e), 8,
	       "'p' of rip: 8 bytes");
	is_int(rsp_parse_p_reply("00", 2, rip, buf, sizeof buf, &e), -RSP_ERR_PROTOCOL,
	       "'p' of rip with 1 byte refused");
	is_str(e.msg, "stub's 'p0' reply for 'rip' is 2 hex digits, expected 16",
	       "short 'p': the message");
	is_int(rsp_parse_p_reply("0200000000", 10, efl, buf, sizeof buf, &e),
	       -RSP_ERR_PROTOCOL, "'p' of eflags too long refused");
	is_int(rsp_parse_p_reply("xxxxxxxx", 8, efl, buf, sizeof buf, &e), -RSP_ERR_STATE,
	       "'p' all x: unavailable");
	is_int(rsp_parse_p_reply("0200000g", 8, efl, buf, sizeof buf, &e),
	       -RSP_ERR_PROTOCOL, "'p' not hex refused");
	is_int(rsp_parse_p_reply("f0ff000000000000", 16, rip, buf, 4, &e), -RSP_ERR_INVAL,
	       "'p' into a small buffer refused");

	is_int(rsp_parse_m_reply("0f1f4400", 8, buf, 4, &e), 4, "'m' of the size asked");
	is_int(rsp_parse_m_reply("0f1f", 4, buf, 4, &e), 2, "short 'm': a partial count");
	is_int(rsp_parse_m_reply("0f1f440000", 10, buf, 4, &e), -RSP_ERR_PROTOCOL,
	       "'m' longer than asked refused");
	is_int(rsp_parse_m_reply("0f1f4", 5, buf, 4, &e), -RSP_ERR_PROTOCOL,
	       "'m' of odd length refused");
	is_int(rsp_parse_m_reply("0f\x1b[", 4, buf, 4, &e), -RSP_ERR_PROTOCOL,
	       "'m' not hex refused");
	ok(printable(e.msg), "'m' message escaped");
	rsp_buf_free(&g);
	rsp_buf_free(&av);
	rsp_tdesc_free(&td);
}

static void test_qXfer_reply(void)
{
	struct kit_err e = { 0 };
	const char *d;
	size_t n;

	is_int(rsp_parse_qXfer_reply("mabc", 4, 3, "x", &d, &n, &e), 0, "'m' chunk: more");
	ok(n == 3 && !memcmp(d, "abc", 3), "chunk data");
	is_int(rsp_parse_qXfer_reply("l", 1, 3, "x", &d, &n, &e), 1, "'l': last, may be empty");
	is_int(rsp_parse_qXfer_reply("mabcd", 5, 3, "x", &d, &n, &e), -RSP_ERR_PROTOCOL,
	       "chunk longer than asked refused");
	is_int(rsp_parse_qXfer_reply("m", 1, 3, "x", &d, &n, &e), -RSP_ERR_PROTOCOL,
	       "empty 'm' refused (it would loop)");
	is_int(rsp_parse_qXfer_reply("OK", 2, 3, "x", &d, &n, &e), -RSP_ERR_PROTOCOL,
	       "neither m nor l refused");
}

static void test_end_stops(void)
{
	struct kit_err e = { 0 };
	struct rsp_stop st;
	char d[80];
	const char *t;

	is_int(rsp_parse_stop("X09", 3, &st, &e), 0, "X09 parses");
	is_str(rsp_stop_describe(&st, d, sizeof d), "the target was killed by signal 9",
	       "X09 described");
	t = "X09;process:1f";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), 0, "X09;process:1f parses");
	ok(st.kind == 'X' && st.signo == 9 && st.pid == 0x1f, "X with process id");
	is_int(rsp_parse_stop("W00", 3, &st, &e), 0, "W00 parses");
	is_str(rsp_stop_describe(&st, d, sizeof d), "the target exited with status 0",
	       "W00 described");
	is_int(rsp_parse_stop("X100", 4, &st, &e), -RSP_ERR_PROTOCOL,
	       "X with a signal over 0xff refused");
	is_int(rsp_parse_stop("W100000000", 10, &st, &e), -RSP_ERR_PROTOCOL,
	       "W with a status over INT_MAX refused");
	t = "W00;process:";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), -RSP_ERR_PROTOCOL,
	       "W with an empty process id refused");
	t = "X09;thread:1";
	is_int(rsp_parse_stop(t, strlen(t), &st, &e), -RSP_ERR_PROTOCOL,
	       "X with something else than process refused");
	is_int(rsp_parse_stop("X", 1, &st, &e), -RSP_ERR_PROTOCOL, "X without a signal refused");
	t = "T05thread:\x1b[2J;";
	rsp_parse_stop(t, strlen(t), &st, &e);
	ok(printable(e.msg) && strstr(e.msg, "\\x1b[2J"), "bad stop reply quoted escaped");
}

int main(void)
{
	test_escape();
	test_errcodes();
	test_register_replies();
	test_qXfer_reply();
	test_end_stops();
	test_encode();
	test_decode();
	test_rle();
	test_hex();
	test_stop();
	test_qSupported();
	test_tdesc();
	return tap_done();
}
