/*
 * layout.c: the printk ring buffer's layouts from the kernel's BTF.
 * Members are looked up by name, so the offsets follow whatever the
 * kernel in hand has (5.10 to 6.x move members around and add some).
 */
#include "lx.h"

#include <string.h>

int lx_btf_fld(const struct ksym_btf *b, const char *path, uint32_t outer,
	       struct lx_fld *f, int optional, struct kit_err *err)
{
	struct ksym_btf_field bf;
	struct kit_err e = { 0 };
	uint32_t bits;

	memset(f, 0, sizeof(*f));
	if (ksym_btf_member(b, path, &bf, &e) < 0) {
		if (optional && e.code == KSYM_ENOTFOUND)
			return 0;
		return kit_seterr(err, LX_ELAYOUT, "the kernel's types have no %s: %s",
				  path, e.msg);
	}
	if (bf.size != 1 && bf.size != 2 && bf.size != 4 && bf.size != 8)
		return kit_seterr(err, LX_ELAYOUT, "%s is %llu bytes, not 1, 2, 4 or 8",
				  path, (unsigned long long)bf.size);
	bits = bf.bit_size ? bf.bit_offset + bf.bit_size : 0;
	if (bf.offset > outer || bf.size > outer - bf.offset || bits > bf.size * 8)
		return kit_seterr(err, LX_ELAYOUT, "%s lies outside its struct", path);
	f->off = (uint32_t)bf.offset;
	f->size = (uint32_t)bf.size;
	f->bit_off = bf.bit_offset;
	f->bit_size = bf.bit_size;
	f->present = 1;
	return 0;
}

static int struct_size(const struct ksym_btf *b, const char *name, uint32_t *out,
		       struct kit_err *err)
{
	struct kit_err e = { 0 };
	uint64_t sz;

	if (ksym_btf_type_size(b, name, &sz, &e) < 0)
		return kit_seterr(err, LX_ELAYOUT, "the kernel's types have no struct %s: %s",
				  name, e.msg);
	if (sz == 0 || sz > 4096)
		return kit_seterr(err, LX_ELAYOUT, "struct %s has an odd size (%llu)",
				  name, (unsigned long long)sz);
	*out = (uint32_t)sz;
	return 0;
}

int lx_prb_layout_btf(const struct ksym_btf *b, struct lx_prb_layout *l,
		      struct kit_err *err)
{
	const char *rb = "printk_ringbuffer.";
	static const struct { const char *path; size_t at; int optional; } rbf[] = {
		{ "desc_ring.count_bits", offsetof(struct lx_prb_layout, count_bits), 0 },
		{ "desc_ring.descs", offsetof(struct lx_prb_layout, descs), 0 },
		{ "desc_ring.infos", offsetof(struct lx_prb_layout, infos), 0 },
		{ "desc_ring.head_id", offsetof(struct lx_prb_layout, head_id), 0 },
		{ "desc_ring.tail_id", offsetof(struct lx_prb_layout, tail_id), 0 },
		{ "text_data_ring.size_bits", offsetof(struct lx_prb_layout, size_bits), 0 },
		{ "text_data_ring.data", offsetof(struct lx_prb_layout, data), 0 },
		{ "text_data_ring.head_lpos", offsetof(struct lx_prb_layout, head_lpos), 0 },
		{ "text_data_ring.tail_lpos", offsetof(struct lx_prb_layout, tail_lpos), 0 },
		{ "fail", offsetof(struct lx_prb_layout, fail), 1 },
	};
	static const struct { const char *path; size_t at; } inf[] = {
		{ "printk_info.seq", offsetof(struct lx_prb_layout, seq) },
		{ "printk_info.ts_nsec", offsetof(struct lx_prb_layout, ts_nsec) },
		{ "printk_info.text_len", offsetof(struct lx_prb_layout, text_len) },
		{ "printk_info.facility", offsetof(struct lx_prb_layout, facility) },
		{ "printk_info.flags", offsetof(struct lx_prb_layout, flags) },
		{ "printk_info.level", offsetof(struct lx_prb_layout, level) },
		{ "printk_info.caller_id", offsetof(struct lx_prb_layout, caller_id) },
	};
	char path[96];
	size_t i;

	memset(l, 0, sizeof(*l));
	if (struct_size(b, "printk_ringbuffer", &l->rb_size, err) < 0 ||
	    struct_size(b, "prb_desc", &l->desc_size, err) < 0 ||
	    struct_size(b, "printk_info", &l->info_size, err) < 0)
		return -1;
	for (i = 0; i < sizeof(rbf) / sizeof(rbf[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", rb, rbf[i].path);
		if (lx_btf_fld(b, path, l->rb_size, (struct lx_fld *)((char *)l + rbf[i].at),
			rbf[i].optional, err) < 0)
			return -1;
	}
	if (lx_btf_fld(b, "prb_desc.state_var", l->desc_size, &l->state_var, 0, err) < 0 ||
	    lx_btf_fld(b, "prb_desc.text_blk_lpos.begin", l->desc_size, &l->begin, 0, err) < 0 ||
	    lx_btf_fld(b, "prb_desc.text_blk_lpos.next", l->desc_size, &l->next, 0, err) < 0)
		return -1;
	for (i = 0; i < sizeof(inf) / sizeof(inf[0]); i++)
		if (lx_btf_fld(b, inf[i].path, l->info_size,
			(struct lx_fld *)((char *)l + inf[i].at), 0, err) < 0)
			return -1;
	l->lsz = l->state_var.size;
	if (l->lsz != 4 && l->lsz != 8)
		return kit_seterr(err, LX_ELAYOUT, "prb_desc.state_var is %u bytes, "
				  "not a long", l->lsz);
	if (l->begin.size != l->lsz || l->next.size != l->lsz ||
	    l->head_lpos.size != l->lsz || l->tail_lpos.size != l->lsz ||
	    l->head_id.size != l->lsz || l->tail_id.size != l->lsz)
		return kit_seterr(err, LX_ELAYOUT, "the ring's ids and positions are "
				  "not all longs");
	if ((l->descs.size != 4 && l->descs.size != 8) || l->descs.size != l->infos.size ||
	    l->descs.size != l->data.size)
		return kit_seterr(err, LX_ELAYOUT, "the ring's pointers are not pointers");
	return 0;
}
