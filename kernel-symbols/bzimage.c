/*
 * bzimage.c: the x86 boot protocol header of a bzImage
 * (Documentation/arch/x86/boot.rst) and the path from a bzImage file to
 * symbols: header -> payload -> decompress -> ELF -> kallsyms.
 *
 * Layout: the boot sector and setup_sects 512-byte sectors of real-mode
 * setup code, then the protected-mode part (the decompressor), which holds
 * the compressed kernel at payload_offset for payload_length bytes.  The
 * last four bytes of the payload are the decompressed size (le32), which
 * every kernel compressor wrapper appends.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#define HDR_MIN 0x268  /* through init_size, protocol 2.08+ */

int ksym_bzimage_parse(const uint8_t *d, size_t len, struct ksym_bzimage *bz,
		       const uint8_t **payload, size_t *payload_len,
		       struct kit_err *err)
{
	size_t pm, vo;
	const char *cname;

	memset(bz, 0, sizeof *bz);
	if (len < HDR_MIN)
		return kit_seterr(err, KSYM_EFORMAT, "too short for a bzImage (%zu bytes)", len);
	if (ksym_le16(d + 0x1fe) != 0xaa55 || memcmp(d + 0x202, "HdrS", 4))
		return kit_seterr(err, KSYM_EFORMAT, "no boot protocol header (magic 'HdrS' missing)");
	bz->version = ksym_le16(d + 0x206);
	if (bz->version < 0x208)
		return kit_seterr(err, KSYM_EFORMAT,
				  "boot protocol %u.%02u is too old (no payload fields, need 2.08)",
				  bz->version >> 8, bz->version & 0xff);
	bz->setup_sects = d[0x1f1] ? d[0x1f1] : 4;
	bz->loadflags = d[0x211];
	bz->code32_start = ksym_le32(d + 0x214);
	bz->kernel_alignment = ksym_le32(d + 0x230);
	bz->xloadflags = ksym_le16(d + 0x236);
	bz->payload_offset = ksym_le32(d + 0x248);
	bz->payload_length = ksym_le32(d + 0x24c);
	bz->pref_address = ksym_le64(d + 0x258);
	bz->init_size = ksym_le32(d + 0x260);
	pm = ((size_t)bz->setup_sects + 1) * 512;
	if (pm >= len)
		return kit_seterr(err, KSYM_EFORMAT,
				  "setup (%zu bytes) runs past the end of the file (%zu bytes)", pm, len);
	if (bz->payload_length < 8 || bz->payload_offset > len - pm ||
	    bz->payload_length > len - pm - bz->payload_offset)
		return kit_seterr(err, KSYM_EFORMAT,
				  "payload (offset %u, length %u) runs past the end of the file",
				  bz->payload_offset, bz->payload_length);
	vo = ksym_le16(d + 0x20e);
	if (vo && vo + 0x200 < pm) {
		size_t i, o = vo + 0x200;

		for (i = 0; i + 1 < sizeof bz->kernel_version && o + i < pm &&
			    d[o + i] >= 0x20 && d[o + i] < 0x7f; i++)
			bz->kernel_version[i] = (char)d[o + i];
		bz->kernel_version[i] = 0;
	}
	*payload = d + pm + bz->payload_offset;
	*payload_len = bz->payload_length;
	cname = ksym_compressor_name(*payload, *payload_len);
	snprintf(bz->compressor, sizeof bz->compressor, "%s", cname ? cname : "unknown");
	return 0;
}

/* The first word of the version string: "6.1.0-56-amd64". */
static void short_version(const char *v, char *out, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && v[i] && v[i] != ' '; i++)
		out[i] = v[i];
	out[i] = 0;
}

/*
 * How large the decompressed payload may be.  The kernel needs it to fit
 * in init_size; the le32 trailer says how big it is.  Either bounds the
 * output, and neither may exceed 1 GiB: anything larger is a bomb.
 */
size_t ksym_bzimage_max_out(const uint8_t *payload, size_t plen,
			    const struct ksym_bzimage *bz)
{
	size_t max_out = ksym_le32(payload + plen - 4);

	if (max_out < 64 || max_out > (1u << 30))
		max_out = (size_t)1 << 30;
	if (bz->init_size >= 64 && max_out > bz->init_size)
		max_out = bz->init_size;
	return max_out;
}

struct ksym_table *ksym_load_bzimage(const uint8_t *data, size_t len,
				     struct kit_err *err)
{
	return ksym_load_bzimage_keep(data, len, NULL, NULL, err);
}

struct ksym_table *ksym_load_bzimage_keep(const uint8_t *data, size_t len,
					  uint8_t **keep, size_t *keep_len,
					  struct kit_err *err)
{
	struct ksym_bzimage bz;
	struct ksym_table *t = NULL;
	struct ksym_image img;
	const uint8_t *payload;
	size_t plen, out_len = 0, max_out;
	uint8_t *out = NULL;
	char cname[8];
	double t0;
	int have_img = 0;

	memset(&img, 0, sizeof img);
	if (ksym_bzimage_parse(data, len, &bz, &payload, &plen, err))
		return NULL;
	max_out = ksym_bzimage_max_out(payload, plen, &bz);
	t0 = ksym_now_ms();
	if (ksym_decompress(payload, plen, max_out, &out, &out_len, cname, err))
		goto fail;
	t = ksym_table_new(err);
	if (!t)
		goto fail;
	t->ms_decompress = ksym_now_ms() - t0;
	t->bz = bz;
	t->have_bzimage = 1;
	short_version(bz.kernel_version, t->version, sizeof t->version);
	if (ksym_image_open(&img, out, out_len, "the decompressed payload", err))
		goto fail;
	have_img = 1;
	snprintf(t->build_id, sizeof t->build_id, "%s", img.build_id);
	t0 = ksym_now_ms();
	if (img.has_symtab) {
		if (ksym_elf_symtab(t, &img, err))
			goto fail;
		t->source = KSYM_SRC_ELF;
	} else {
		if (ksym_kallsyms_image(t, &img, err))
			goto fail;
		t->source = KSYM_SRC_KALLSYMS;
	}
	t->ms_decode = ksym_now_ms() - t0;
	t0 = ksym_now_ms();
	if (ksym_table_finish(t, err))
		goto fail;
	t->ms_index = ksym_now_ms() - t0;
	t->text_start = img.text_start;
	if (!t->version[0])
		ksym_version_from_banner(t, &img);
	ksym_initcalls_read(t, &img);
	ksym_image_close(&img);
	if (keep) {
		*keep = out;
		*keep_len = out_len;
	} else {
		free(out);
	}
	return t;
fail:
	if (have_img)
		ksym_image_close(&img);
	free(out);
	ksym_free(t);
	return NULL;
}

int ksym_read_file(const char *path, uint8_t **data, size_t *len,
		   struct kit_err *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return kit_seterr_errno(err, errno, "cannot open '%s'", path);
	for (;;) {
		size_t got;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			void *p = realloc(buf, ncap);

			if (!p) {
				free(buf);
				fclose(f);
				return kit_seterr(err, ENOMEM, "out of memory reading '%s'", path);
			}
			buf = p;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				int e = errno;

				free(buf);
				fclose(f);
				return kit_seterr_errno(err, e, "cannot read '%s'", path);
			}
			break;
		}
	}
	fclose(f);
	*data = buf;
	*len = n;
	return 0;
}

struct ksym_table *ksym_parse_file(const char *path,
				   struct ksym_table *(*parse)(const uint8_t *data, size_t len,
							       struct kit_err *err),
				   double *ms_read, struct kit_err *err)
{
	uint8_t *data;
	size_t len;
	struct ksym_table *t;
	double t0 = ksym_now_ms();

	if (ksym_read_file(path, &data, &len, err))
		return NULL;
	if (ms_read)
		*ms_read = ksym_now_ms() - t0;
	t = parse(data, len, err);
	free(data);
	if (!t)
		ksym_err_prefix(err, path);
	return t;
}

struct ksym_table *ksym_load_bzimage_file(const char *path, struct kit_err *err)
{
	double ms_read;
	struct ksym_table *t = ksym_parse_file(path, ksym_load_bzimage, &ms_read, err);

	if (!t)
		return NULL;
	t->ms_read = ms_read;
	snprintf(t->path, sizeof t->path, "%s", path);
	snprintf(t->origin, sizeof t->origin, "%s", path);
	return t;
}
