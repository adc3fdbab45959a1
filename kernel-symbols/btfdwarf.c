/*
 * btfdwarf.c: struct layouts from DWARF, for a vmlinux built with debug
 * information and without BTF (CONFIG_DEBUG_INFO without _BTF; Debian's
 * -dbg vmlinux has both).
 *
 * How.  libdw reads the ELF's .debug_info.  A struct or union asked for by
 * name (btf.c: composite()) is found among the compilation units' top-level
 * types and converted, with the types of its members, into the ksym_btf's
 * own libbpf BTF (btf__add_*), so that every reader of btf.c answers for
 * DWARF as it does for a kernel's BTF.  Only what is asked for is
 * converted: a pointer's target struct becomes a forward declaration, so
 * one struct does not pull in the whole kernel (~100,000 types).
 *
 * Where it breaks.  Base types, pointers, typedefs, cv-qualifiers, arrays,
 * structs, unions (anonymous ones too), bitfields (DW_AT_data_bit_offset,
 * or DWARF 2's DW_AT_bit_offset) and enums are converted; function types
 * become void.  Member offsets that are location expressions other than a
 * constant (DWARF 2's DW_OP_plus_uconst is read) make the member's struct
 * an error.  Every walk is depth-bounded; DWARF is untrusted input.
 */
#include "internal.h"

#include <bpf/btf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 24
#define MAX_MEMBERS 4096

struct ksym_dwarf {
	int fd;
	Dwarf *dw;
	/* DIE offset -> BTF id of what was converted */
	struct { Dwarf_Off off; int32_t id; } *map;
	size_t nmap, capmap;
	int32_t index_int;      /* the arrays' index type, 0 until added */
};

void ksym_dwarf_free(struct ksym_dwarf *d)
{
	if (!d)
		return;
	if (d->dw)
		dwarf_end(d->dw);
	if (d->fd >= 0)
		close(d->fd);
	free(d->map);
	free(d);
}

int ksym_has_dwarf(const char *path)
{
	struct ksym_dwarf *d = ksym_dwarf_open(path, NULL);

	ksym_dwarf_free(d);
	return d != NULL;
}

struct ksym_dwarf *ksym_dwarf_open(const char *path, struct kit_err *err)
{
	struct ksym_dwarf *d = calloc(1, sizeof *d);

	if (!d) {
		kit_seterr(err, ENOMEM, "out of memory");
		return NULL;
	}
	d->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (d->fd < 0) {
		kit_seterr(err, errno, "cannot open '%s': %s", path, strerror(errno));
		free(d);
		return NULL;
	}
	d->dw = dwarf_begin(d->fd, DWARF_C_READ);
	if (!d->dw) {
		kit_seterr(err, KSYM_ENOBTF, "libdw: %s", dwarf_errmsg(-1));
		ksym_dwarf_free(d);
		return NULL;
	}
	return d;
}

static int32_t mapped(const struct ksym_dwarf *d, Dwarf_Off off)
{
	size_t i;

	for (i = 0; i < d->nmap; i++)
		if (d->map[i].off == off)
			return d->map[i].id;
	return -1;
}

static int32_t remember(struct ksym_dwarf *d, Dwarf_Off off, int32_t id)
{
	if (id < 0)
		return id;
	if (d->nmap == d->capmap) {
		size_t cap = d->capmap ? 2 * d->capmap : 64;
		void *v = realloc(d->map, cap * sizeof *d->map);

		if (!v)
			return -1;
		d->map = v;
		d->capmap = cap;
	}
	d->map[d->nmap].off = off;
	d->map[d->nmap++].id = id;
	return id;
}

static uint64_t udata(Dwarf_Die *die, unsigned name, uint64_t dflt)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	if (!dwarf_attr(die, name, &a) || dwarf_formudata(&a, &w) != 0)
		return dflt;
	return w;
}

/* The DIE's DW_AT_type, or false for none (void). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute a;

	return dwarf_attr(die, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

static int32_t convert(struct ksym_dwarf *d, struct btf *btf, Dwarf_Die *die, int depth);

static int32_t base_type(struct btf *btf, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	uint64_t size = udata(die, DW_AT_byte_size, 0), enc = udata(die, DW_AT_encoding, 0);
	int e = 0;

	if (!name || !size || size > 16)
		return -1;
	if (enc == DW_ATE_float)
		return btf__add_float(btf, name, (size_t)size);
	if (enc == DW_ATE_boolean)
		e = BTF_INT_BOOL;
	else if (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char)
		e = BTF_INT_CHAR;
	else if (enc == DW_ATE_signed)
		e = BTF_INT_SIGNED;
	return btf__add_int(btf, name, (size_t)size, e);
}

/* A pointer: to a named struct or union, a forward declaration of it. */
static int32_t pointer(struct ksym_dwarf *d, struct btf *btf, Dwarf_Die *die, int depth)
{
	Dwarf_Die t;
	int32_t id = 0;

	if (type_of(die, &t)) {
		int tag = dwarf_tag(&t);
		const char *n = dwarf_diename(&t);

		if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) && n)
			id = btf__add_fwd(btf, n, tag == DW_TAG_union_type ? BTF_FWD_UNION
									  : BTF_FWD_STRUCT);
		else if (tag != DW_TAG_subroutine_type)
			id = convert(d, btf, &t, depth + 1);
	}
	return id < 0 ? -1 : btf__add_ptr(btf, id);
}

static int32_t array(struct ksym_dwarf *d, struct btf *btf, Dwarf_Die *die, int depth)
{
	Dwarf_Die t, sub;
	uint32_t dims[8];
	int ndim = 0, i;
	int32_t id;

	if (!type_of(die, &t) || (id = convert(d, btf, &t, depth + 1)) < 0)
		return -1;
	if (dwarf_child(die, &sub) == 0) {
		do {
			if (dwarf_tag(&sub) != DW_TAG_subrange_type || ndim == 8)
				continue;
			if (dwarf_hasattr(&sub, DW_AT_count))
				dims[ndim++] = (uint32_t)udata(&sub, DW_AT_count, 0);
			else if (dwarf_hasattr(&sub, DW_AT_upper_bound))
				dims[ndim++] = (uint32_t)udata(&sub, DW_AT_upper_bound, 0) + 1;
			else
				dims[ndim++] = 0;    /* a flexible array member */
		} while (dwarf_siblingof(&sub, &sub) == 0);
	}
	if (!d->index_int)
		d->index_int = btf__add_int(btf, "__ARRAY_SIZE_TYPE__", 4, 0);
	if (d->index_int < 0)
		return -1;
	for (i = ndim - 1; i >= 0 && id >= 0; i--)  /* innermost first */
		id = btf__add_array(btf, d->index_int, id, dims[i]);
	return ndim ? id : btf__add_array(btf, d->index_int, id, 0);
}

/* A member's offset in bits from its struct's start: -1 when unreadable. */
static int64_t member_bits(Dwarf_Die *m, uint64_t *bit_size)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	Dwarf_Op *ops;
	size_t nops;
	uint64_t byte = 0;

	*bit_size = udata(m, DW_AT_bit_size, 0);
	if (dwarf_hasattr(m, DW_AT_data_bit_offset))
		return (int64_t)udata(m, DW_AT_data_bit_offset, 0);
	if (dwarf_attr(m, DW_AT_data_member_location, &a)) {
		if (dwarf_formudata(&a, &w) == 0)
			byte = w;
		else if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
			 ops[0].atom == DW_OP_plus_uconst)
			byte = ops[0].number;
		else
			return -1;
	}
	if (*bit_size && dwarf_hasattr(m, DW_AT_bit_offset)) {
		/* DWARF 2: from the top of a DW_AT_byte_size storage unit */
		uint64_t unit = udata(m, DW_AT_byte_size, 0) * 8, off = udata(m, DW_AT_bit_offset, 0);

		if (off + *bit_size > unit)
			return -1;
		return (int64_t)(byte * 8 + unit - off - *bit_size);
	}
	return (int64_t)(byte * 8);
}

struct member {
	const char *name;
	int32_t type;
	uint32_t bits, bit_size;
};

/* A struct or union: its members' types first (libbpf adds fields to the
 * last type added), then the struct and its fields. */
static int32_t composite(struct ksym_dwarf *d, struct btf *btf, Dwarf_Die *die, int depth)
{
	bool is_union = dwarf_tag(die) == DW_TAG_union_type;
	const char *name = dwarf_diename(die);
	struct member *m = NULL;
	size_t n = 0, i;
	Dwarf_Die c, t;
	int32_t id = -1;

	if (dwarf_hasattr(die, DW_AT_declaration))
		return btf__add_fwd(btf, name ? name : "", is_union ? BTF_FWD_UNION : BTF_FWD_STRUCT);
	m = calloc(MAX_MEMBERS, sizeof *m);
	if (!m)
		return -1;
	if (dwarf_child(die, &c) == 0) {
		do {
			uint64_t bs;
			int64_t bits;

			if (dwarf_tag(&c) != DW_TAG_member)
				continue;
			bits = member_bits(&c, &bs);
			if (n == MAX_MEMBERS || bits < 0 || bits > UINT32_MAX || bs > 255 ||
			    !type_of(&c, &t))
				goto out;
			m[n].name = dwarf_diename(&c);
			m[n].type = convert(d, btf, &t, depth + 1);
			m[n].bits = (uint32_t)bits;
			m[n].bit_size = (uint32_t)bs;
			if (m[n++].type < 0)
				goto out;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	id = is_union ? btf__add_union(btf, name, (uint32_t)udata(die, DW_AT_byte_size, 0))
		      : btf__add_struct(btf, name, (uint32_t)udata(die, DW_AT_byte_size, 0));
	for (i = 0; i < n && id >= 0; i++)
		if (btf__add_field(btf, m[i].name, m[i].type, m[i].bits, m[i].bit_size) < 0)
			id = -1;
out:
	free(m);
	return id;
}

static int32_t enumeration(struct btf *btf, Dwarf_Die *die)
{
	int32_t id = btf__add_enum(btf, dwarf_diename(die),
				   (uint32_t)udata(die, DW_AT_byte_size, 4));
	Dwarf_Die c;

	if (id >= 0 && dwarf_child(die, &c) == 0) {
		do {
			Dwarf_Attribute a;
			Dwarf_Sword v = 0;

			if (dwarf_tag(&c) != DW_TAG_enumerator || !dwarf_diename(&c))
				continue;
			if (dwarf_attr(&c, DW_AT_const_value, &a))
				dwarf_formsdata(&a, &v);
			if (btf__add_enum_value(btf, dwarf_diename(&c), v) < 0)
				return -1;
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	return id;
}

/* DIE's type into BTF: its id (0: void), or -1. */
static int32_t convert(struct ksym_dwarf *d, struct btf *btf, Dwarf_Die *die, int depth)
{
	Dwarf_Off off = dwarf_dieoffset(die);
	int32_t id = mapped(d, off);
	Dwarf_Die t;

	if (id >= 0)
		return id;
	if (depth > MAX_DEPTH)
		return -1;
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
		id = base_type(btf, die);
		break;
	case DW_TAG_pointer_type:
		id = pointer(d, btf, die, depth);
		break;
	case DW_TAG_array_type:
		id = array(d, btf, die, depth);
		break;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		id = composite(d, btf, die, depth);
		break;
	case DW_TAG_enumeration_type:
		id = enumeration(btf, die);
		break;
	case DW_TAG_typedef:
		id = type_of(die, &t) ? convert(d, btf, &t, depth + 1) : 0;
		if (id >= 0 && dwarf_diename(die))
			id = btf__add_typedef(btf, dwarf_diename(die), id);
		break;
	case DW_TAG_const_type:
		id = type_of(die, &t) ? convert(d, btf, &t, depth + 1) : 0;
		id = id < 0 ? -1 : btf__add_const(btf, id);
		break;
	case DW_TAG_volatile_type:
		id = type_of(die, &t) ? convert(d, btf, &t, depth + 1) : 0;
		id = id < 0 ? -1 : btf__add_volatile(btf, id);
		break;
	case DW_TAG_subroutine_type:
		id = 0;                 /* only pointed to: void */
		break;
	default:                        /* restrict, atomic...: what they qualify */
		id = type_of(die, &t) ? convert(d, btf, &t, depth + 1) : 0;
		break;
	}
	return remember(d, off, id);
}

/* The first definition (not a declaration) of struct, union or typedef
 * NAME among the compilation units' top-level DIEs. */
static bool find_named(Dwarf *dw, const char *name, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, c;

		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &c) == 0) {
			do {
				int tag = dwarf_tag(&c);
				const char *n;

				if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
				    tag != DW_TAG_typedef)
					continue;
				n = dwarf_diename(&c);
				if (n && !strcmp(n, name) && !dwarf_hasattr(&c, DW_AT_declaration)) {
					*out = c;
					return true;
				}
			} while (dwarf_siblingof(&c, &c) == 0);
		}
		off = next;
	}
	return false;
}

int ksym_dwarf_add(struct ksym_dwarf *d, struct btf *btf, const char *name,
		   struct kit_err *err)
{
	Dwarf_Die die;

	if (!find_named(d->dw, name, &die))
		return kit_seterr(err, KSYM_ENOTFOUND, "no struct or union '%s' in the DWARF",
				  name);
	if (convert(d, btf, &die, 0) < 0)
		return kit_seterr(err, KSYM_EFORMAT, "the DWARF of '%s' cannot be converted "
				  "(an unreadable member offset, or nesting too deep)", name);
	return 0;
}
