/*
 * btf.c: kernel struct layouts from the BTF a kernel image carries.
 *
 * Where the BTF is.  A vmlinux ELF built with CONFIG_DEBUG_INFO_BTF keeps
 * it in its .BTF section; the decompressed payload of a bzImage is that
 * ELF (stripped of .symtab, not of .BTF: Debian's 6.1 has 4.3 MB of it);
 * /sys/kernel/btf/vmlinux is the raw blob.  A payload that is not ELF is
 * searched for a raw blob: the magic 0xeB9F, version 1, a header whose
 * type and string sections fit in what follows; libbpf then parses it.
 *
 * All parsing is libbpf's (btf__new): this file only finds the blob and
 * walks types through libbpf's accessors.  libbpf 1.1 checks the header,
 * the section bounds and every type record's length, but not that the
 * type ids a record names exist, so every btf__type_by_id() and
 * btf__name_by_offset() answer is checked here for NULL, and every walk is
 * depth-bounded: a hostile blob ends in an error, never a crash or a loop.
 */
#include "internal.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>

#define BTF_MAGIC_LE 0xeb9f
#define MAX_DEPTH 32

struct ksym_btf {
	struct btf *btf;
	char origin[160];
	struct ksym_dwarf *dw;  /* types converted from DWARF on demand
				 * (btfdwarf.c); NULL for a kernel's BTF */
};

void ksym_btf_free(struct ksym_btf *b)
{
	if (!b)
		return;
	btf__free(b->btf);
	ksym_dwarf_free(b->dw);
	free(b);
}

const char *ksym_btf_origin(const struct ksym_btf *b)
{
	return b->origin;
}

const struct btf *ksym_btf_libbpf(const struct ksym_btf *b)
{
	return b->btf;
}

/* ---- finding and opening -------------------------------------------- */

/* Is there a plausible BTF header at P (AVAIL bytes)?  Its total size. */
static size_t blob_size(const uint8_t *p, size_t avail)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint64_t end, tend, send;

	if (avail < 24 || ksym_le16(p) != BTF_MAGIC_LE || p[2] != 1 || p[3] != 0)
		return 0;
	hdr_len = ksym_le32(p + 4);
	type_off = ksym_le32(p + 8);
	type_len = ksym_le32(p + 12);
	str_off = ksym_le32(p + 16);
	str_len = ksym_le32(p + 20);
	if (hdr_len < 24 || hdr_len > 256 || str_len == 0 || (type_off & 3))
		return 0;
	tend = (uint64_t)type_off + type_len;
	send = (uint64_t)str_off + str_len;
	end = hdr_len + (tend > send ? tend : send);
	if (end > avail || end > UINT32_MAX)
		return 0;
	return (size_t)end;
}

int ksym_btf_find(const uint8_t *data, size_t len, size_t *off, size_t *blen)
{
	size_t i = 0;

	while (i + 24 <= len) {
		const uint8_t *p = memchr(data + i, 0x9f, len - i - 23);
		size_t n;

		if (!p)
			break;
		i = (size_t)(p - data);
		n = blob_size(p, len - i);
		if (n) {
			*off = i;
			*blen = n;
			return 0;
		}
		i++;
	}
	return -1;
}

static struct ksym_btf *wrap(struct btf *btf, const char *origin, struct kit_err *err)
{
	struct ksym_btf *b = calloc(1, sizeof *b);

	if (!b) {
		btf__free(btf);
		kit_seterr(err, ENOMEM, "out of memory");
		return NULL;
	}
	b->btf = btf;
	snprintf(b->origin, sizeof b->origin, "%s", origin);
	return b;
}

struct ksym_btf *ksym_btf_from_raw(const uint8_t *data, size_t len,
				   struct kit_err *err)
{
	struct btf *btf;

	if (len < 24 || len > UINT32_MAX || ksym_le16(data) != BTF_MAGIC_LE) {
		kit_seterr(err, KSYM_EFORMAT, "not raw BTF (no magic 0xeB9F)");
		return NULL;
	}
	libbpf_set_print(NULL);  /* the library never prints: errors come back */
	errno = 0;
	btf = btf__new(data, (uint32_t)len);
	if (!btf) {
		kit_seterr(err, KSYM_EFORMAT, "corrupt or truncated BTF (%zu bytes; libbpf: %s)",
			   len, strerror(errno ? errno : EINVAL));
		return NULL;
	}
	return wrap(btf, "raw BTF", err);
}

/* The .BTF section of an ELF image in memory (a vmlinux, or a payload). */
static struct ksym_btf *from_elf(const uint8_t *data, size_t len, const char *what,
				 struct kit_err *err)
{
	struct ksym_image img;
	const struct ksym_section *s;
	struct ksym_btf *b = NULL;
	char origin[160];

	if (ksym_image_open(&img, data, len, what, err))
		return NULL;
	s = ksym_image_section(&img, ".BTF");
	if (!s || s->nobits || s->offset > len || s->size > len - s->offset) {
		kit_seterr(err, KSYM_ENOBTF, "%s has no .BTF section (a kernel built without "
			   "CONFIG_DEBUG_INFO_BTF?)", what);
	} else {
		b = ksym_btf_from_raw(data + s->offset, (size_t)s->size, err);
		if (b) {
			snprintf(origin, sizeof origin, "the .BTF section of %s", what);
			snprintf(b->origin, sizeof b->origin, "%s", origin);
		} else if (err) {
			char m[KIT_ERR_MAX];

			snprintf(m, sizeof m, "%s", err->msg);
			kit_seterr(err, err->code, "the .BTF section of %.60s: %.400s", what, m);
		}
	}
	ksym_image_close(&img);
	return b;
}

/* The decompressed payload: its .BTF when ELF, else a raw blob in it. */
static struct ksym_btf *from_payload(const uint8_t *out, size_t n, struct kit_err *err)
{
	struct ksym_btf *b;
	size_t off, blen;

	if (n >= 4 && !memcmp(out, "\x7f" "ELF", 4))
		return from_elf(out, n, "the decompressed payload", err);
	if (ksym_btf_find(out, n, &off, &blen)) {
		kit_seterr(err, KSYM_ENOBTF, "no BTF in the decompressed payload (not ELF, and "
			   "no BTF header whose sections fit)");
		return NULL;
	}
	b = ksym_btf_from_raw(out + off, blen, err);
	if (b)
		snprintf(b->origin, sizeof b->origin,
			 "a raw BTF blob at offset 0x%zx of the decompressed payload", off);
	return b;
}

struct ksym_btf *ksym_btf_from_bzimage(const uint8_t *data, size_t len,
				       struct kit_err *err)
{
	struct ksym_bzimage bz;
	const uint8_t *payload;
	size_t plen, max_out, n = 0;
	uint8_t *out = NULL;
	char cname[8];
	struct ksym_btf *b;

	if (ksym_bzimage_parse(data, len, &bz, &payload, &plen, err))
		return NULL;
	/* The same bounds as ksym_load_bzimage: a bomb is an error. */
	max_out = ksym_bzimage_max_out(payload, plen, &bz);
	if (ksym_decompress(payload, plen, max_out, &out, &n, cname, err))
		return NULL;
	b = from_payload(out, n, err);
	free(out);
	return b;
}

struct ksym_btf *ksym_btf_load(const uint8_t *data, size_t len, struct kit_err *err)
{
	if (len >= 4 && !memcmp(data, "\x7f" "ELF", 4))
		return from_elf(data, len, "the ELF", err);
	if (len >= 2 && ksym_le16(data) == BTF_MAGIC_LE)
		return ksym_btf_from_raw(data, len, err);
	if (len >= 0x206 && !memcmp(data + 0x202, "HdrS", 4))
		return ksym_btf_from_bzimage(data, len, err);
	kit_seterr(err, KSYM_EFORMAT, "not a bzImage, vmlinux ELF or raw BTF file");
	return NULL;
}

/* An ELF without .BTF (a vmlinux built with debug information only): its
 * DWARF, converted struct by struct as they are asked for. */
static struct ksym_btf *from_dwarf(const char *path, const uint8_t *data, size_t len,
				   struct kit_err *err)
{
	struct kit_err e = { 0 };
	struct ksym_dwarf *d;
	struct btf *btf;
	struct ksym_btf *b;

	if (len >= 18 && ksym_le16(data + 16) == 1 /* ET_REL */) {
		kit_seterr(err, KSYM_ENOBTF, "it has no .BTF section, and it is a relocatable "
			   "object (a module?), whose DWARF is read only once relocated: give "
			   "the vmlinux");
		return NULL;
	}
	d = ksym_dwarf_open(path, &e);
	if (!d) {
		kit_seterr(err, KSYM_ENOBTF, "it has no .BTF section, nor DWARF (%s): a kernel "
			   "built without CONFIG_DEBUG_INFO_BTF and CONFIG_DEBUG_INFO?", e.msg);
		return NULL;
	}
	btf = btf__new_empty();
	if (!btf) {
		ksym_dwarf_free(d);
		kit_seterr(err, ENOMEM, "out of memory");
		return NULL;
	}
	b = wrap(btf, "its DWARF (.debug_info, through libdw)", err);
	if (b)
		b->dw = d;
	else
		ksym_dwarf_free(d);
	return b;
}

/*
 * A bzImage's BTF through the kit's cache (ksym_cache_dir()): the raw blob
 * is kept by the image's content hash, as the symbols are, so the next
 * run reads ~4 MB instead of decompressing the kernel (~0.5 s of CPU,
 * taken from the guest while it boots).  A cache file that cannot be read
 * or written only costs that time; one that libbpf refuses is rebuilt.
 */
static struct ksym_btf *from_bzimage_cached(const uint8_t *data, size_t len,
					    struct kit_err *err)
{
	/* The recorder opens the image's BTF in several threads at once
	 * (the printk, memory and task layouts): one at a time, so that
	 * only the first decompresses and the others read its cache file. */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char dir[1024], file[1200];
	const void *raw;
	uint8_t *c;
	size_t clen;
	uint32_t rlen;
	struct ksym_btf *b;

	if (ksym_cache_dir(dir, sizeof dir))
		return ksym_btf_from_bzimage(data, len, err);
	snprintf(file, sizeof file, "%s/btf-%016llx-%zu.raw", dir,
		 (unsigned long long)ksym_hash64(data, len), len);
	pthread_mutex_lock(&lock);
	if (!ksym_read_file(file, &c, &clen, NULL)) {
		b = clen >= 2 && ksym_le16(c) == BTF_MAGIC_LE ?
		    ksym_btf_from_raw(c, clen, NULL) : NULL;
		free(c);
		if (b)
			goto out;
	}
	if ((b = ksym_btf_from_bzimage(data, len, err)) && (raw = btf__raw_data(b->btf, &rlen)))
		(void)ksym_cache_write(file, raw, rlen, NULL);
out:
	pthread_mutex_unlock(&lock);
	return b;
}

struct ksym_btf *ksym_btf_open(const char *path, struct kit_err *err)
{
	uint8_t *data;
	size_t len;
	struct ksym_btf *b;

	if (ksym_read_file(path, &data, &len, err))
		return NULL;
	if (len == 0) {
		free(data);
		kit_seterr(err, KSYM_EFORMAT, "'%s' is empty", path);
		return NULL;
	}
	if (len >= 0x206 && !memcmp(data + 0x202, "HdrS", 4))
		b = from_bzimage_cached(data, len, err);
	else
		b = ksym_btf_load(data, len, err);
	if (!b && err && err->code == KSYM_ENOBTF && len >= 4 && !memcmp(data, "\x7f" "ELF", 4))
		b = from_dwarf(path, data, len, err);
	free(data);
	if (!b)
		ksym_err_prefix(err, path);
	return b;
}

/* ---- types ------------------------------------------------------------ */

/* Skip typedefs and cv-qualifiers (and type tags): the type's id, or -1. */
static int32_t strip(const struct btf *btf, uint32_t id)
{
	int d;

	for (d = 0; d < MAX_DEPTH; d++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t)
			return -1;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			return (int32_t)id;
		id = t->type;
	}
	return -1;
}

static const char *tname(const struct btf *btf, const struct btf_type *t)
{
	const char *n = btf__name_by_offset(btf, t->name_off);

	return n ? n : "?";
}

static void cat(char *buf, size_t sz, const char *s)
{
	size_t l = strlen(buf);

	if (l + 1 < sz)
		snprintf(buf + l, sz - l, "%s", s);
}

/*
 * The C spelling of type ID, pahole-like: "struct list_head",
 * "unsigned int", "char *", "char[16]", "union {...}", "void (*)(...)".
 */
static void type_str(const struct btf *btf, uint32_t id, char *buf, size_t sz, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	char n[32];

	if (!id) {
		cat(buf, sz, "void");
		return;
	}
	if (!t || depth > MAX_DEPTH) {
		cat(buf, sz, "?");
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
		cat(buf, sz, btf_is_union(t) || (btf_is_fwd(t) && btf_kflag(t)) ? "union " :
		    btf_is_any_enum(t) ? "enum " : "struct ");
		cat(buf, sz, t->name_off ? tname(btf, t) : "{...}");
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
		cat(buf, sz, btf_is_const(t) ? "const " : btf_is_volatile(t) ? "volatile " : "restrict ");
		type_str(btf, t->type, buf, sz, depth + 1);
		break;
	case BTF_KIND_TYPE_TAG:
		type_str(btf, t->type, buf, sz, depth + 1);
		break;
	case BTF_KIND_PTR: {
		const struct btf_type *to = btf__type_by_id(btf, t->type);

		if (to && btf_is_func_proto(to)) {
			type_str(btf, to->type, buf, sz, depth + 1);
			cat(buf, sz, " (*)()");
		} else {
			type_str(btf, t->type, buf, sz, depth + 1);
			cat(buf, sz, " *");
		}
		break;
	}
	case BTF_KIND_ARRAY:
		type_str(btf, btf_array(t)->type, buf, sz, depth + 1);
		snprintf(n, sizeof n, "[%u]", btf_array(t)->nelems);
		cat(buf, sz, n);
		break;
	case BTF_KIND_FUNC_PROTO:
		type_str(btf, t->type, buf, sz, depth + 1);
		cat(buf, sz, " ()");
		break;
	default:
		cat(buf, sz, tname(btf, t));
	}
}

/* Fill F's type fields from type ID. */
static void describe(const struct btf *btf, uint32_t id, struct ksym_btf_field *f)
{
	int32_t s = strip(btf, id);
	const struct btf_type *t = s >= 0 ? btf__type_by_id(btf, (uint32_t)s) : NULL;
	int64_t sz = btf__resolve_size(btf, id);

	f->type_id = id;
	f->type[0] = 0;
	type_str(btf, id, f->type, sizeof f->type, 0);
	f->size = sz > 0 ? (uint64_t)sz : 0;
	f->kind = t ? btf_kind(t) : 0;
	f->is_array = t && btf_is_array(t);
	f->nelems = 0;
	f->elem_type[0] = 0;
	if (f->is_array) {
		f->nelems = btf_array(t)->nelems;
		type_str(btf, btf_array(t)->type, f->elem_type, sizeof f->elem_type, 0);
	}
}

/* The struct or union called NAME (a typedef of one will do): its id. */
static int32_t find_composite(const struct btf *btf, const char *name, struct kit_err *err)
{
	int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	const struct btf_type *t;

	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	if (id < 0) {
		id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
		if (id >= 0)
			id = strip(btf, (uint32_t)id);
		t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
		if (!t || !btf_is_composite(t))
			id = -1;
	}
	if (id <= 0)
		kit_seterr(err, KSYM_ENOTFOUND, "no struct or union '%s' in the BTF", name);
	return id <= 0 ? -1 : id;
}

/* find_composite(), converting NAME from DWARF first when that is where
 * the types come from. */
static int32_t composite(const struct ksym_btf *b, const char *name, struct kit_err *err)
{
	int32_t id;

	if (!b->dw)
		return find_composite(b->btf, name, err);
	id = find_composite(b->btf, name, NULL);
	if (id >= 0)
		return id;
	if (ksym_dwarf_add(b->dw, b->btf, name, err) < 0)
		return -1;
	return find_composite(b->btf, name, err);
}

int ksym_btf_type_size(const struct ksym_btf *b, const char *name, uint64_t *size,
		       struct kit_err *err)
{
	int32_t id = composite(b, name, err);

	if (id < 0)
		return -1;
	*size = btf__type_by_id(b->btf, (uint32_t)id)->size;
	return 0;
}

/*
 * Member NAME of composite ID (looking through anonymous structs and
 * unions, as C does): its type and absolute bit offset from ID's start.
 */
static int find_member(const struct btf *btf, uint32_t id, const char *name,
		       uint64_t base_bits, struct ksym_btf_field *f, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	uint16_t i, n;

	if (!t || !btf_is_composite(t) || depth > MAX_DEPTH)
		return -1;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint64_t bits = base_bits + btf_member_bit_offset(t, i);
		int32_t s;

		if (mn && *mn && !strcmp(mn, name)) {
			describe(btf, m[i].type, f);
			f->bit_size = btf_member_bitfield_size(t, i);
			f->offset = bits / 8;
			f->bit_offset = f->bit_size ? (uint32_t)(bits % 8) : 0;
			snprintf(f->name, sizeof f->name, "%s", mn);
			return 0;
		}
		if (mn && *mn)
			continue;
		s = strip(btf, m[i].type);
		if (s > 0 && !find_member(btf, (uint32_t)s, name, bits, f, depth + 1))
			return 0;
	}
	return -1;
}

int ksym_btf_member(const struct ksym_btf *b, const char *path,
		    struct ksym_btf_field *f, struct kit_err *err)
{
	char buf[512], *comp, *save = NULL;
	int32_t id;
	uint64_t base = 0;

	memset(f, 0, sizeof *f);
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return kit_seterr(err, KSYM_ENOTFOUND, "'%.60s...' is too long", path);
	comp = strtok_r(buf, ".", &save);
	if (!comp || !*comp)
		return kit_seterr(err, KSYM_ENOTFOUND, "'%s' names no type", path);
	id = composite(b, comp, err);
	if (id < 0)
		return -1;
	describe(b->btf, (uint32_t)id, f);
	snprintf(f->name, sizeof f->name, "%s", comp);
	while ((comp = strtok_r(NULL, ".", &save))) {
		const struct btf_type *t = btf__type_by_id(b->btf, (uint32_t)id);

		if (!t || !btf_is_composite(t))
			return kit_seterr(err, KSYM_ENOTFOUND, "'%s': '%s' is not in a struct or union "
					  "(%s is %s)", path, comp, f->name, f->type);
		if (find_member(b->btf, (uint32_t)id, comp, 0, f, 0))
			return kit_seterr(err, KSYM_ENOTFOUND, "'%s': %s has no member '%s'",
					  path, f->type, comp);
		f->offset += base;
		base = f->offset;
		id = strip(b->btf, f->type_id);
		if (id < 0)
			id = 0;
	}
	return 0;
}

int ksym_btf_enum_value(const struct ksym_btf *b, const char *enum_name,
			const char *name, int64_t *value, struct kit_err *err)
{
	int32_t id = btf__find_by_name_kind(b->btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t;
	uint16_t i, n;

	if (id < 0)
		id = btf__find_by_name_kind(b->btf, enum_name, BTF_KIND_ENUM64);
	t = id > 0 ? btf__type_by_id(b->btf, (uint32_t)id) : NULL;
	if (!t || !btf_is_any_enum(t))
		return kit_seterr(err, KSYM_ENOTFOUND, "no enum '%s' in the %s", enum_name,
				  b->dw ? "types (enums are not taken from DWARF)" : "BTF");
	n = btf_vlen(t);
	for (i = 0; i < n; i++) {
		const char *en;
		int64_t v;

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t) + i;

			en = btf__name_by_offset(b->btf, e->name_off);
			v = btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = btf_enum64(t) + i;

			en = btf__name_by_offset(b->btf, e->name_off);
			v = (int64_t)btf_enum64_value(e);
		}
		if (en && !strcmp(en, name)) {
			*value = v;
			return 0;
		}
	}
	return kit_seterr(err, KSYM_ENOTFOUND, "enum %s has no '%s'", enum_name, name);
}

struct field_list {
	struct ksym_btf_field *v;
	size_t n, cap;
};

static struct ksym_btf_field *push(struct field_list *l)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		void *p = realloc(l->v, nc * sizeof *l->v);

		if (!p)
			return NULL;
		l->v = p;
		l->cap = nc;
	}
	memset(&l->v[l->n], 0, sizeof *l->v);
	return &l->v[l->n++];
}

/* Members of ID into L; anonymous structs/unions followed by theirs. */
static int list_members(const struct btf *btf, uint32_t id, uint64_t base_bits, int depth,
			struct field_list *l)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	uint16_t i, n;

	if (!t || !btf_is_composite(t) || depth > MAX_DEPTH)
		return 0;
	m = btf_members(t);
	n = btf_vlen(t);
	for (i = 0; i < n; i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint64_t bits = base_bits + btf_member_bit_offset(t, i);
		struct ksym_btf_field *f = push(l);
		int32_t s;

		if (!f)
			return -1;
		describe(btf, m[i].type, f);
		snprintf(f->name, sizeof f->name, "%s", mn ? mn : "?");
		f->depth = depth;
		f->bit_size = btf_member_bitfield_size(t, i);
		f->offset = bits / 8;
		f->bit_offset = f->bit_size ? (uint32_t)(bits % 8) : 0;
		if (mn && *mn)
			continue;
		s = strip(btf, m[i].type);
		if (s > 0 && list_members(btf, (uint32_t)s, bits, depth + 1, l))
			return -1;
	}
	return 0;
}

int ksym_btf_fields(const struct ksym_btf *b, const char *name,
		    struct ksym_btf_field **out, size_t *n, struct kit_err *err)
{
	struct field_list l = { 0 };
	int32_t id = composite(b, name, err);

	if (id < 0)
		return -1;
	if (list_members(b->btf, (uint32_t)id, 0, 0, &l)) {
		free(l.v);
		return kit_seterr(err, ENOMEM, "out of memory");
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
