/*
 * packet.c: RSP framing and hex helpers.  Pure functions on byte buffers;
 * nothing here touches a file descriptor, so all of it is unit-tested on
 * byte strings (tests/unit/test-rsp-packet.c).  The wire format is
 * described in rsp.h.
 */
#include "rsp.h"
#include "hex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


enum { PS_OUT, PS_DATA, PS_CSUM1, PS_CSUM2 };

int rsp_buf_reserve(struct rsp_buf *b, size_t extra)
{
	size_t want, na;
	char *p;

	if (extra > SIZE_MAX - b->len - 1) {
		errno = ENOMEM;
		return -1;
	}
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	na = b->alloc ? b->alloc : 64;
	while (na < want)
		na = na > SIZE_MAX / 2 ? want : na * 2;
	p = realloc(b->data, na);
	if (!p)
		return -1;
	b->data = p;
	b->alloc = na;
	return 0;
}

int rsp_buf_append(struct rsp_buf *b, const void *p, size_t n)
{
	if (rsp_buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

void rsp_buf_reset(struct rsp_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void rsp_buf_free(struct rsp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

uint8_t rsp_checksum(const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned sum = 0;

	while (n--)
		sum += *s++;
	return (uint8_t)sum;
}

static const char hexdig[] = "0123456789abcdef";

int rsp_packet_encode(struct rsp_buf *out, const void *payload, size_t n)
{
	const unsigned char *s = payload;
	unsigned sum = 0;
	size_t i;
	char *d;

	/* Worst case every byte escaped, plus '$', '#', two digits. */
	if (n > (SIZE_MAX - 8) / 2 || rsp_buf_reserve(out, 2 * n + 4) < 0)
		return -1;
	d = out->data + out->len;
	*d++ = '$';
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];

		if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
			*d++ = '}';
			sum += '}';
			ch ^= 0x20;
		}
		*d++ = (char)ch;
		sum += ch;
	}
	*d++ = '#';
	*d++ = hexdig[(sum >> 4) & 0xf];
	*d++ = hexdig[sum & 0xf];
	out->len = (size_t)(d - out->data);
	*d = '\0';
	return 0;
}

void rsp_parser_init(struct rsp_parser *p)
{
	memset(p, 0, sizeof *p);
	p->state = PS_OUT;
}

void rsp_parser_free(struct rsp_parser *p)
{
	rsp_buf_free(&p->buf);
	rsp_parser_init(p);
}

int rsp_parser_midpacket(const struct rsp_parser *p)
{
	return p->state != PS_OUT;
}

static void start_packet(struct rsp_parser *p)
{
	p->state = PS_DATA;
	p->sum = 0;
	p->rle = 0;
	p->have_prev = 0;
	p->bad = 0;
	p->toolong = 0;
	p->received = 1;
	rsp_buf_reset(&p->buf);
}

static void add_payload(struct rsp_parser *p, const char *s, size_t n)
{
	size_t max = p->max ? p->max : RSP_MAX_PACKET;

	if (p->toolong)
		return;
	if (p->buf.len + n > max || rsp_buf_append(&p->buf, s, n) < 0)
		p->toolong = 1;
}

/* Remove '}' escapes in place; returns the new length. */
static size_t unescape(char *s, size_t n)
{
	size_t i, j;

	for (i = j = 0; i < n; i++) {
		if (s[i] == '}' && i + 1 < n)
			s[j++] = (char)(s[++i] ^ 0x20);
		else
			s[j++] = s[i];
	}
	s[j] = '\0';
	return j;
}

/* One raw payload byte: run-length state, then store. */
static void payload_byte(struct rsp_parser *p, char ch)
{
	char run[128];
	int count;

	p->sum = (uint8_t)(p->sum + (unsigned char)ch);
	if (p->rle) {
		p->rle = 0;
		/* The count is the character minus 29; only printable ones are
		 * valid, and '$'/'#' never reach here (they frame packets). */
		if ((unsigned char)ch < ' ' || (unsigned char)ch > '~' ||
		    !p->have_prev) {
			p->bad = 1;
			return;
		}
		count = (unsigned char)ch - 29;
		memset(run, p->raw_prev, (size_t)count);
		add_payload(p, run, (size_t)count);
		/* "a*!*!" is not a valid way to write a longer run. */
		p->have_prev = 0;
		return;
	}
	if (ch == '*') {
		p->rle = 1;
		return;
	}
	p->raw_prev = ch;
	p->have_prev = 1;
	add_payload(p, &ch, 1);
}

size_t rsp_parser_feed(struct rsp_parser *p, const void *buf, size_t n,
		       struct rsp_event *ev)
{
	const char *s = buf;
	size_t i = 0;

	memset(ev, 0, sizeof *ev);
	while (i < n) {
		char ch = s[i];
		int v;

		switch (p->state) {
		case PS_OUT:
			if (ch == '$') {
				start_packet(p);
				i++;
				continue;
			}
			if (ch == '+' || ch == '-' || ch == 0x03) {
				ev->kind = ch == '+' ? RSP_EV_ACK :
					   ch == '-' ? RSP_EV_NAK : RSP_EV_INTERRUPT;
				ev->data = s + i;
				ev->len = 1;
				return i + 1;
			} else {
				size_t start = i;

				while (i < n && s[i] != '$' && s[i] != '+' &&
				       s[i] != '-' && s[i] != 0x03)
					i++;
				ev->kind = RSP_EV_GARBAGE;
				ev->data = s + start;
				ev->len = i - start;
				return i;
			}
		case PS_DATA:
			i++;
			p->received++;
			if (ch == '$') {
				/* A '$' inside a packet: the stub started over
				 * (the previous one was cut); resynchronise. */
				start_packet(p);
				continue;
			}
			if (ch == '#') {
				if (p->rle)
					p->bad = 1;   /* "x*#": no run length */
				p->state = PS_CSUM1;
				continue;
			}
			payload_byte(p, ch);
			continue;
		case PS_CSUM1:
			i++;
			p->received++;
			v = rsp_hexval((unsigned char)ch);
			if (v < 0)
				p->bad = 1;
			p->csum_hi = (uint8_t)(v < 0 ? 0 : v);
			p->state = PS_CSUM2;
			continue;
		case PS_CSUM2:
			i++;
			p->received++;
			p->state = PS_OUT;
			v = rsp_hexval((unsigned char)ch);
			if (p->toolong) {
				ev->kind = RSP_EV_TOOLONG;
				ev->len = p->buf.len;
				return i;
			}
			if (v < 0 || p->bad) {
				ev->kind = RSP_EV_BADPKT;
				ev->data = p->buf.data ? p->buf.data : "";
				ev->len = p->buf.len;
				return i;
			}
			if (!p->buf.data && rsp_buf_reserve(&p->buf, 0) < 0) {
				ev->kind = RSP_EV_TOOLONG;
				return i;
			}
			ev->sum_got = (uint8_t)(p->csum_hi << 4 | v);
			ev->sum_want = p->sum;
			ev->kind = ev->sum_got == ev->sum_want ?
				   RSP_EV_PACKET : RSP_EV_BADSUM;
			p->buf.len = unescape(p->buf.data, p->buf.len);
			ev->data = p->buf.data;
			ev->len = p->buf.len;
			return i;
		}
	}
	return i;
}

int rsp_hexval(int c)
{
	return kit_hexval(c);
}

void rsp_hex_encode(char *out, const void *in, size_t n)
{
	const unsigned char *s = in;

	while (n--) {
		*out++ = hexdig[*s >> 4];
		*out++ = hexdig[*s & 0xf];
		s++;
	}
	*out = '\0';
}

ssize_t rsp_hex_decode(void *out, size_t outsz, const char *hex, size_t hexlen)
{
	unsigned char *d = out;
	size_t i;

	if (hexlen % 2 || hexlen / 2 > outsz)
		return -1;
	for (i = 0; i < hexlen; i += 2) {
		int hi = rsp_hexval((unsigned char)hex[i]);
		int lo = rsp_hexval((unsigned char)hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		d[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (ssize_t)(hexlen / 2);
}

int rsp_parse_hex_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		int d = rsp_hexval((unsigned char)s[i]);

		if (d < 0)
			break;
		if (i == 16)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	if (i == 0)
		return -1;
	*v = x;
	return (int)i;
}

uint64_t rsp_le_to_u64(const void *bytes, size_t n)
{
	const unsigned char *b = bytes;
	uint64_t v = 0;
	size_t i;

	if (n > 8)
		n = 8;
	for (i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

void rsp_u64_to_le(void *bytes, size_t n, uint64_t v)
{
	unsigned char *b = bytes;
	size_t i;

	for (i = 0; i < n; i++) {
		b[i] = i < 8 ? (unsigned char)(v & 0xff) : 0;
		v = i < 8 ? v >> 8 : 0;
	}
}

int rsp_hex_le_to_u64(const char *hex, size_t hexlen, uint64_t *v)
{
	unsigned char b[8];
	size_t i, n;
	int allx = hexlen > 0;

	for (i = 0; i < hexlen; i++)
		if (hex[i] != 'x')
			allx = 0;
	if (allx) {
		*v = 0;
		return 1;
	}
	if (hexlen == 0 || hexlen % 2)
		return -1;
	/* Only the low 8 bytes make the integer; the rest must still be hex. */
	n = hexlen / 2 > 8 ? 8 : hexlen / 2;
	if (rsp_hex_decode(b, sizeof b, hex, 2 * n) < 0)
		return -1;
	for (i = 2 * n; i < hexlen; i++)
		if (rsp_hexval((unsigned char)hex[i]) < 0)
			return -1;
	*v = rsp_le_to_u64(b, n);
	return 0;
}

/*
 * One byte as rsp_escape() shows it: into out (at least 5 bytes, not
 * NUL-terminated); returns the length.  ESC, CSI (0x9b) and every other
 * byte a terminal could act on become \xNN.
 */
static size_t escape_byte(unsigned char ch, unsigned flags, char *out)
{
	if ((ch >= ' ' && ch <= '~' && (ch != '\\' || (flags & RSP_ESC_TEXT))) ||
	    ((flags & RSP_ESC_TEXT) && (ch == '\n' || ch == '\t'))) {
		out[0] = (char)ch;
		return 1;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hexdig[ch >> 4];
	out[3] = hexdig[ch & 0xf];
	return 4;
}

/* Whether p[i] is the '\r' of a "\r\n" that RSP_ESC_TEXT shows as "\n". */
static int crlf_at(const unsigned char *s, size_t i, size_t n, unsigned flags)
{
	return (flags & RSP_ESC_TEXT) && s[i] == '\r' && i + 1 < n &&
	       s[i + 1] == '\n';
}

int rsp_escape(struct rsp_buf *out, const void *p, size_t n, size_t max,
	       unsigned flags)
{
	const unsigned char *s = p;
	char tmp[32];
	size_t i, shown = n > max ? max : n;

	if (shown > (SIZE_MAX - 64) / 4 || rsp_buf_reserve(out, shown * 4 + 32) < 0)
		return -1;
	for (i = 0; i < shown; i++) {
		if (crlf_at(s, i, shown, flags))
			continue;
		out->len += escape_byte(s[i], flags, out->data + out->len);
	}
	out->data[out->len] = '\0';
	if (shown < n) {
		snprintf(tmp, sizeof tmp, "...[%zu more]", n - shown);
		return rsp_buf_append(out, tmp, strlen(tmp));
	}
	return 0;
}

int rsp_escape_for_trace(struct rsp_buf *out, const void *p, size_t n, size_t max)
{
	return rsp_escape(out, p, n, max, 0);
}

const char *rsp_quote(char *buf, size_t bufsz, const void *p, size_t n,
		      size_t max)
{
	const unsigned char *s = p;
	char one[8], more[32];
	size_t i, len = 0, shown = n > max ? max : n;

	if (bufsz < 5) {
		if (bufsz)
			buf[0] = '\0';
		return buf;
	}
	/* Room is kept for "..." and the NUL: a cut always says so. */
	for (i = 0; i < shown; i++) {
		size_t k = escape_byte(s[i], 0, one);

		if (len + k + 4 > bufsz)
			break;
		memcpy(buf + len, one, k);
		len += k;
	}
	if (i < n) {
		snprintf(more, sizeof more, "...[%zu more]", n - i);
		if (len + strlen(more) + 1 > bufsz)
			strcpy(more, "...");
		memcpy(buf + len, more, strlen(more));
		len += strlen(more);
	}
	buf[len] = '\0';
	return buf;
}
