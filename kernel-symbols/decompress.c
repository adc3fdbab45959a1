/*
 * decompress.c: every compressor a kernel payload may use
 * (CONFIG_KERNEL_GZIP, _BZIP2, _LZMA, _XZ, _LZO, _LZ4, _ZSTD), through the
 * real libraries.  The payload's first bytes name the compressor:
 *
 *   1f 8b              gzip (zlib)
 *   42 5a 68 "BZh"     bzip2 (libbz2)
 *   5d 00 00           lzma "alone" format (liblzma)
 *   fd 37 7a 58 5a 00  xz (liblzma)
 *   89 4c 5a 4f        lzop container around LZO1X (liblzo2)
 *   02 21 4c 18        lz4 legacy frames, as "lz4 -l" writes (liblz4)
 *   28 b5 2f fd        zstd (libzstd)
 *   7f 45 4c 46        an uncompressed ELF (CONFIG_KERNEL_UNCOMPRESSED)
 *
 * Every decoder writes into a buffer that never grows past max_out; a
 * stream that wants more is a decompression bomb and ends with
 * KSYM_ECOMPRESS, as does corrupt or truncated input.
 */
#include "internal.h"

#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

struct outbuf {
	uint8_t *p;
	size_t len, cap, max;
};

/* Make cap - len >= need where max allows; the caller checks what it got. */
static int reserve(struct outbuf *o, size_t need, struct kit_err *err)
{
	while (o->cap - o->len < need && o->cap < o->max) {
		size_t cap = o->cap ? o->cap * 2 : 1 << 20;
		void *p;

		if (cap > o->max)
			cap = o->max;
		p = realloc(o->p, cap);
		if (!p)
			return kit_seterr(err, ENOMEM, "out of memory decompressing");
		o->p = p;
		o->cap = cap;
	}
	return 0;
}

/* Room for at least one more byte: the buffer doubles (from 1 MiB) when
 * full, up to max; reaching max with more output to come is a bomb. */
static int grow(struct outbuf *o, struct kit_err *err)
{
	if (o->len < o->cap)
		return 0;
	if (o->cap >= o->max)
		return kit_seterr(err, KSYM_ECOMPRESS,
				  "payload decompresses to more than %zu bytes (a bomb?)", o->max);
	return reserve(o, 1, err);
}

/* One step of a streaming decoder S: decode into o->p + o->len (room for
 * at least a byte), o->len moved on; 1 at the end of the stream, 0 for
 * more, -1 with ERR filled. */
typedef int decode_step(void *s, struct outbuf *o, struct kit_err *err);

/* STEP on S until the stream ends, the output growing as it fills. */
static int drain(void *s, decode_step *step, struct outbuf *o, struct kit_err *err)
{
	int rc;

	do
		rc = grow(o, err) ? -1 : step(s, o, err);
	while (rc == 0);
	return rc < 0 ? -1 : 0;
}

static int gzip_step(void *p, struct outbuf *o, struct kit_err *err)
{
	z_stream *s = p;
	int rc;

	s->next_out = o->p + o->len;
	s->avail_out = (uInt)(o->cap - o->len);
	rc = inflate(s, Z_NO_FLUSH);
	o->len = o->cap - s->avail_out;
	if (rc == Z_STREAM_END)
		return 1;
	if (rc != Z_OK && !(rc == Z_BUF_ERROR && s->avail_out == 0))
		return kit_seterr(err, KSYM_ECOMPRESS, "gzip payload is corrupt or truncated (%s)",
				  s->msg ? s->msg : "zlib error");
	return 0;
}

static int do_gzip(const uint8_t *in, size_t n, struct outbuf *o, struct kit_err *err)
{
	z_stream s;
	int rc;

	memset(&s, 0, sizeof s);
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return kit_seterr(err, ENOMEM, "cannot start zlib");
	s.next_in = (Bytef *)(uintptr_t)in;
	s.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
	rc = drain(&s, gzip_step, o, err);
	inflateEnd(&s);
	return rc;
}

struct lzma {
	lzma_stream s;
	const char *format;     /* "lzma" or "xz", for the messages */
};

static int lzma_step(void *p, struct outbuf *o, struct kit_err *err)
{
	struct lzma *z = p;
	lzma_ret rc;

	z->s.next_out = o->p + o->len;
	z->s.avail_out = o->cap - o->len;
	rc = lzma_code(&z->s, LZMA_FINISH);
	o->len = o->cap - z->s.avail_out;
	if (rc == LZMA_STREAM_END)
		return 1;
	if (rc != LZMA_OK && !(rc == LZMA_BUF_ERROR && z->s.avail_out == 0))
		return kit_seterr(err, KSYM_ECOMPRESS, "%s payload is corrupt or truncated (liblzma error %d)",
				  z->format, (int)rc);
	return 0;
}

static int do_lzma(const uint8_t *in, size_t n, struct outbuf *o, int alone,
		   struct kit_err *err)
{
	struct lzma z = { LZMA_STREAM_INIT, alone ? "lzma" : "xz" };
	const uint64_t memlimit = 512u << 20;
	int rc;

	if ((alone ? lzma_alone_decoder(&z.s, memlimit)
		   : lzma_stream_decoder(&z.s, memlimit, 0)) != LZMA_OK)
		return kit_seterr(err, ENOMEM, "cannot start liblzma");
	z.s.next_in = in;
	z.s.avail_in = n;
	rc = drain(&z, lzma_step, o, err);
	lzma_end(&z.s);
	return rc;
}

static int bzip2_step(void *p, struct outbuf *o, struct kit_err *err)
{
	bz_stream *s = p;
	unsigned before;
	int rc;

	s->next_out = (char *)o->p + o->len;
	s->avail_out = before = (unsigned)(o->cap - o->len > UINT32_MAX ? UINT32_MAX : o->cap - o->len);
	rc = BZ2_bzDecompress(s);
	o->len += before - s->avail_out;
	if (rc == BZ_STREAM_END)
		return 1;
	if (rc != BZ_OK || (s->avail_in == 0 && s->avail_out != 0))
		return kit_seterr(err, KSYM_ECOMPRESS, "bzip2 payload is corrupt or truncated (libbz2 error %d)", rc);
	return 0;
}

static int do_bzip2(const uint8_t *in, size_t n, struct outbuf *o, struct kit_err *err)
{
	bz_stream s;
	int rc;

	memset(&s, 0, sizeof s);
	if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
		return kit_seterr(err, ENOMEM, "cannot start libbz2");
	s.next_in = (char *)(uintptr_t)in;
	s.avail_in = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
	rc = drain(&s, bzip2_step, o, err);
	BZ2_bzDecompressEnd(&s);
	return rc;
}

struct zstd {
	ZSTD_DCtx *dc;
	ZSTD_inBuffer ib;
};

static int zstd_step(void *p, struct outbuf *o, struct kit_err *err)
{
	struct zstd *z = p;
	ZSTD_outBuffer ob = { o->p, o->cap, o->len };
	size_t rc = ZSTD_decompressStream(z->dc, &ob, &z->ib);

	o->len = ob.pos;
	if (ZSTD_isError(rc))
		return kit_seterr(err, KSYM_ECOMPRESS, "zstd payload is corrupt (%s)", ZSTD_getErrorName(rc));
	if (rc == 0)
		return 1;
	if (z->ib.pos == z->ib.size && ob.pos < ob.size)
		return kit_seterr(err, KSYM_ECOMPRESS, "zstd payload is truncated");
	return 0;
}

static int do_zstd(const uint8_t *in, size_t n, struct outbuf *o, struct kit_err *err)
{
	struct zstd z = { ZSTD_createDCtx(), { in, n, 0 } };
	int rc;

	if (!z.dc)
		return kit_seterr(err, ENOMEM, "cannot start libzstd");
	/* Kernels use zstd -22 --ultra: windows up to 2^27; allow 2^28. */
	ZSTD_DCtx_setParameter(z.dc, ZSTD_d_windowLogMax, 28);
	rc = drain(&z, zstd_step, o, err);
	ZSTD_freeDCtx(z.dc);
	return rc;
}

#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20)

static int do_lz4(const uint8_t *in, size_t n, struct outbuf *o, struct kit_err *err)
{
	size_t pos = 4;
	int blocks = 0;

	while (n - pos >= 4) {
		uint32_t clen = ksym_le32(in + pos);
		int got;

		if (clen == LZ4_LEGACY_MAGIC) {   /* concatenated streams */
			pos += 4;
			continue;
		}
		/* The kernel's le32 size trailer is not a block. */
		if (clen > n - pos - 4 || clen > LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK)) {
			if (blocks && n - pos == 4)
				break;
			return kit_seterr(err, KSYM_ECOMPRESS, "lz4 block of %u bytes runs past the payload", clen);
		}
		pos += 4;
		if (reserve(o, LZ4_LEGACY_BLOCK, err))
			return -1;
		got = LZ4_decompress_safe((const char *)in + pos, (char *)o->p + o->len, (int)clen,
					  (int)(o->cap - o->len > LZ4_LEGACY_BLOCK ? LZ4_LEGACY_BLOCK : o->cap - o->len));
		if (got < 0)
			return kit_seterr(err, KSYM_ECOMPRESS,
					  o->cap >= o->max ? "lz4 payload is corrupt or larger than %zu bytes"
							   : "lz4 payload is corrupt (limit %zu)", o->max);
		o->len += (size_t)got;
		pos += clen;
		blocks++;
	}
	if (!blocks)
		return kit_seterr(err, KSYM_ECOMPRESS, "lz4 payload holds no block");
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The lzop container (the kernel's "lzop -9" output). */
static int do_lzo(const uint8_t *in, size_t n, struct outbuf *o, struct kit_err *err)
{
	size_t pos = 9;
	unsigned version;
	uint32_t flags;

	/* pos can pass n (a file name's length byte is taken as it is) */
#define NEED(k) do { if (pos > n || n - pos < (size_t)(k)) goto trunc; } while (0)
	if (lzo_init() != LZO_E_OK)
		return kit_seterr(err, KSYM_ECOMPRESS, "cannot start liblzo2");
	NEED(4);
	version = (unsigned)in[pos] << 8 | in[pos + 1];
	pos += 4;                               /* version, lib_version */
	if (version >= 0x0940) {
		NEED(2);
		pos += 2;                       /* version_needed */
	}
	NEED(1);
	pos += 1;                               /* method */
	if (version >= 0x0940) {
		NEED(1);
		pos += 1;                       /* level */
	}
	NEED(4);
	flags = be32(in + pos);
	pos += 4;
	if (flags & 0x800) {                    /* F_H_FILTER */
		NEED(4);
		pos += 4;
	}
	NEED(8);
	pos += 8;                               /* mode, mtime_low */
	if (version >= 0x0940) {
		NEED(4);
		pos += 4;                       /* mtime_high */
	}
	NEED(1);
	pos += 1 + in[pos];                     /* file name */
	NEED(4);
	pos += 4;                               /* header checksum */
	if (flags & 0x40) {                     /* F_H_EXTRA_FIELD */
		uint32_t xl;

		NEED(4);
		xl = be32(in + pos);
		pos += 4;
		NEED((size_t)xl + 4);
		pos += (size_t)xl + 4;
	}
	for (;;) {
		uint32_t dlen, clen;
		lzo_uint got;

		NEED(4);
		dlen = be32(in + pos);
		pos += 4;
		if (dlen == 0)
			break;
		NEED(4);
		clen = be32(in + pos);
		pos += 4;
		if (dlen > (64u << 20) || clen > dlen)
			return kit_seterr(err, KSYM_ECOMPRESS, "lzo block sizes %u/%u are impossible", clen, dlen);
		if (flags & 0x1)
			pos += 4;               /* F_ADLER32_D */
		if (flags & 0x100)
			pos += 4;               /* F_CRC32_D */
		if (clen < dlen) {
			if (flags & 0x2)
				pos += 4;       /* F_ADLER32_C */
			if (flags & 0x200)
				pos += 4;       /* F_CRC32_C */
		}
		if (pos > n)
			goto trunc;
		NEED(clen);
		if (reserve(o, dlen, err))
			return -1;
		if (o->cap - o->len < dlen)
			return kit_seterr(err, KSYM_ECOMPRESS,
					  "payload decompresses to more than %zu bytes (a bomb?)", o->max);
		if (clen == dlen) {
			memcpy(o->p + o->len, in + pos, dlen);
		} else {
			got = dlen;
			if (lzo1x_decompress_safe(in + pos, clen, o->p + o->len, &got, NULL) != LZO_E_OK ||
			    got != dlen)
				return kit_seterr(err, KSYM_ECOMPRESS, "lzo payload is corrupt");
		}
		o->len += dlen;
		pos += clen;
	}
	return 0;
trunc:
	return kit_seterr(err, KSYM_ECOMPRESS, "lzo payload is truncated");
#undef NEED
}

const char *ksym_compressor_name(const uint8_t *in, size_t n)
{
	static const struct {
		const char *name;
		unsigned len;
		const char *magic;
	} m[] = {
		{ "gzip", 2, "\x1f\x8b" },
		{ "bzip2", 3, "BZh" },
		{ "lzma", 3, "\x5d\x00\x00" },
		{ "xz", 6, "\xfd" "7zXZ\x00" },
		{ "lzo", 4, "\x89LZO" },
		{ "lz4", 4, "\x02\x21\x4c\x18" },
		{ "zstd", 4, "\x28\xb5\x2f\xfd" },
		{ "none", 4, "\x7f" "ELF" },
	};
	size_t i;

	for (i = 0; i < sizeof m / sizeof m[0]; i++)
		if (n >= m[i].len && !memcmp(in, m[i].magic, m[i].len))
			return m[i].name;
	return NULL;
}

int ksym_decompress(const uint8_t *in, size_t n, size_t max_out,
		    uint8_t **out, size_t *out_len, char *name,
		    struct kit_err *err)
{
	struct outbuf o = { NULL, 0, 0, max_out };
	const char *c = ksym_compressor_name(in, n);
	int rc;

	if (!c) {
		if (n >= 4)
			return kit_seterr(err, KSYM_ECOMPRESS,
					  "payload starts with %02x %02x %02x %02x: not a compressor the kernel uses",
					  in[0], in[1], in[2], in[3]);
		return kit_seterr(err, KSYM_ECOMPRESS, "payload too short");
	}
	snprintf(name, 8, "%s", c);
	if (!strcmp(c, "none")) {
		if (n > max_out)
			return kit_seterr(err, KSYM_ECOMPRESS, "uncompressed payload larger than %zu bytes", max_out);
		o.p = malloc(n);
		if (!o.p)
			return kit_seterr(err, ENOMEM, "out of memory");
		memcpy(o.p, in, n);
		o.len = n;
		rc = 0;
	} else if (!strcmp(c, "gzip")) {
		rc = do_gzip(in, n, &o, err);
	} else if (!strcmp(c, "xz")) {
		rc = do_lzma(in, n, &o, 0, err);
	} else if (!strcmp(c, "lzma")) {
		rc = do_lzma(in, n, &o, 1, err);
	} else if (!strcmp(c, "bzip2")) {
		rc = do_bzip2(in, n, &o, err);
	} else if (!strcmp(c, "zstd")) {
		rc = do_zstd(in, n, &o, err);
	} else if (!strcmp(c, "lz4")) {
		rc = do_lz4(in, n, &o, err);
	} else {
		rc = do_lzo(in, n, &o, err);
	}
	if (rc) {
		free(o.p);
		return -1;
	}
	*out = o.p;
	*out_len = o.len;
	return 0;
}
