/*
 * test-ksym-btf.c: the types API of the kernel-symbols library on a small
 * BTF written here with libbpf's btf__add_* API: struct sizes, members
 * nested through named and anonymous structs and unions, bitfields,
 * arrays, typedefs; the raw-blob finder; truncated and corrupt blobs
 * refused cleanly; the foreign-BTF check against a symbol table.
 */
#include "ksym.h"
#include "tap.h"

#include <bpf/btf.h>
#include <stdlib.h>

/*
 * struct inner { int a; unsigned int f1:3, f2:5; };          size 8
 * struct outer {                                             size 48
 *	long head;                  0
 *	struct inner in;            8
 *	union { int u1; char u2[4]; };            16 (anonymous)
 *	struct { int s1; int s2; };               20 (anonymous)
 *	char name[16];              28
 *	inner_t *next;              40
 * };
 * plus a .data..percpu DATASEC with two variables and a FUNC.
 */
static struct btf *build(void)
{
	struct btf *b = btf__new_empty();
	int i_int, i_uint, i_long, i_char, arr4, inner, outer, au, as, arr, td, ptr, v1, v2, ds, fp;

	i_int = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	i_uint = btf__add_int(b, "unsigned int", 4, 0);
	i_long = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
	i_char = btf__add_int(b, "char", 1, BTF_INT_CHAR);
	inner = btf__add_struct(b, "inner", 8);
	btf__add_field(b, "a", i_int, 0, 0);
	btf__add_field(b, "f1", i_uint, 32 + 3, 3);
	btf__add_field(b, "f2", i_uint, 32 + 6, 5);
	td = btf__add_typedef(b, "inner_t", inner);
	arr = btf__add_array(b, i_int, i_char, 16);
	arr4 = btf__add_array(b, i_int, i_char, 4);
	au = btf__add_union(b, NULL, 4);
	btf__add_field(b, "u1", i_int, 0, 0);
	btf__add_field(b, "u2", arr4, 0, 0);
	as = btf__add_struct(b, NULL, 8);
	btf__add_field(b, "s1", i_int, 0, 0);
	btf__add_field(b, "s2", i_int, 32, 0);
	ptr = btf__add_ptr(b, td);
	outer = btf__add_struct(b, "outer", 48);
	btf__add_field(b, "head", i_long, 0, 0);
	btf__add_field(b, "in", td, 64, 0);
	btf__add_field(b, NULL, au, 128, 0);
	btf__add_field(b, NULL, as, 160, 0);
	btf__add_field(b, "name", arr, 224, 0);
	btf__add_field(b, "next", ptr, 320, 0);
	v1 = btf__add_var(b, "pcpu_a", BTF_VAR_GLOBAL_ALLOCATED, i_long);
	v2 = btf__add_var(b, "pcpu_b", BTF_VAR_GLOBAL_ALLOCATED, outer);
	ds = btf__add_datasec(b, ".data..percpu", 64);
	btf__add_datasec_var_info(b, v1, 0, 8);
	btf__add_datasec_var_info(b, v2, 16, 48);
	fp = btf__add_func_proto(b, i_int);
	btf__add_func(b, "do_thing", BTF_FUNC_GLOBAL, fp);
	(void)ds;
	return b;
}

static void test_members(struct ksym_btf *k)
{
	struct kit_err e = { 0 };
	struct ksym_btf_field f, *fs;
	uint64_t sz;
	size_t n;

	ok(!ksym_btf_type_size(k, "outer", &sz, &e) && sz == 48, "sizeof(struct outer) is 48");
	ok(!ksym_btf_type_size(k, "inner_t", &sz, &e) && sz == 8, "a typedef of a struct has its size");
	ok(ksym_btf_type_size(k, "nope", &sz, &e) && e.code == KSYM_ENOTFOUND, "no such struct: KSYM_ENOTFOUND");
	ok(!ksym_btf_member(k, "outer.in.a", &f, &e), "outer.in.a through a typedef");
	is_int(f.offset, 8, "outer.in.a at 8");
	is_str(f.type, "int", "outer.in.a is an int");
	ok(!ksym_btf_member(k, "outer.in.f2", &f, &e), "a bitfield");
	is_int(f.offset, 12, "outer.in.f2 in byte 12");
	is_int(f.bit_offset, 6, "bit 6");
	is_int(f.bit_size, 5, "5 bits wide");
	ok(!ksym_btf_member(k, "outer.u2", &f, &e), "a member of an anonymous union");
	is_int(f.offset, 16, "outer.u2 at 16");
	ok(f.is_array && f.nelems == 4, "outer.u2 is an array of 4");
	is_str(f.elem_type, "char", "of char");
	ok(!ksym_btf_member(k, "outer.s2", &f, &e) && f.offset == 24, "anonymous struct: outer.s2 at 24");
	ok(!ksym_btf_member(k, "outer.name", &f, &e) && f.size == 16, "outer.name: 16 bytes");
	is_str(f.type, "char[16]", "char[16]");
	ok(!ksym_btf_member(k, "outer.next", &f, &e) && f.offset == 40 && f.size == 8, "a pointer");
	is_str(f.type, "inner_t *", "inner_t *");
	ok(ksym_btf_member(k, "outer.next.a", &f, &e) && e.code == KSYM_ENOTFOUND,
	   "no walking through a pointer");
	ok(ksym_btf_member(k, "outer.zzz", &f, &e) && e.code == KSYM_ENOTFOUND && strstr(e.msg, "zzz"),
	   "no such member: KSYM_ENOTFOUND naming it");
	printf("#   %s\n", e.msg);
	ok(!ksym_btf_fields(k, "outer", &fs, &n, &e), "the members of outer");
	is_int(n, 10, "6 members, 2 anonymous holding 2 each");
	if (n == 10) {
		is_str(fs[2].type, "union {...}", "the third is the anonymous union");
		ok(fs[3].depth == 1 && !strcmp(fs[3].name, "u1"), "followed by its members one deeper");
		is_int(fs[9].offset, 40, "next last, at 40");
	}
	free(fs);
}

static void test_blobs(const void *raw, uint32_t len)
{
	struct kit_err e = { 0 };
	struct ksym_btf *k;
	uint8_t *buf = calloc(1, len + 300), *bad;
	size_t off, blen;

	memcpy(buf + 123, raw, len);
	ok(!ksym_btf_find(buf, len + 300, &off, &blen) && off == 123 && blen == len,
	   "the finder finds the blob among zeros");
	ok(ksym_btf_find(buf, len + 122, &off, &blen), "not when its strings are cut off");
	k = ksym_btf_from_raw(raw, len - 7, &e);
	ok(!k && e.code == KSYM_EFORMAT, "a truncated blob: KSYM_EFORMAT");
	printf("#   %s\n", e.msg);
	bad = malloc(len);
	memcpy(bad, raw, len);
	bad[12] ^= 0x40;  /* type_len */
	k = ksym_btf_from_raw(bad, len, &e);
	ok(!k && e.code == KSYM_EFORMAT, "a corrupt header: KSYM_EFORMAT");
	memcpy(bad, raw, len);
	memset(bad + 24, 0xff, 16);  /* the first type record */
	k = ksym_btf_from_raw(bad, len, &e);
	if (k) {  /* libbpf may take it: then queries must fail or answer, not crash */
		struct ksym_btf_field f;
		struct ksym_btf_field *fs = NULL;
		size_t n;

		ksym_btf_member(k, "outer.in.f2", &f, NULL);
		if (!ksym_btf_fields(k, "outer", &fs, &n, NULL))
			free(fs);
	}
	ok(1, "a corrupt type record: refused, or queried without a crash");
	ksym_btf_free(k);
	k = ksym_btf_load((const uint8_t *)"\x7f" "ELF", 4, &e);
	ok(!k && e.code == KSYM_EFORMAT, "a 4-byte ELF: refused");
	free(bad);
	free(buf);
}

static void test_check(struct ksym_btf *k)
{
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_table_new(&e);
	char sum[256];

	ksym_table_add(t, 0x100, 0, 'D', "pcpu_a", 6, &e);
	ksym_table_add(t, 0x110, 0, 'D', "pcpu_b", 6, &e);
	ksym_table_add(t, 0xffffffff81000000ull, 0, 'T', "do_thing", 8, &e);
	ksym_table_finish(t, &e);
	ok(!ksym_btf_check(k, t, sum, sizeof sum, &e), "per-CPU offsets at a constant shift: accepted");
	printf("#   %s\n", sum);
	ksym_free(t);
	t = ksym_table_new(&e);
	ksym_table_add(t, 0x100, 0, 'D', "pcpu_a", 6, &e);
	ksym_table_add(t, 0x118, 0, 'D', "pcpu_b", 6, &e);
	ksym_table_add(t, 0x200, 0, 'D', "pcpu_c", 6, &e);
	ksym_table_finish(t, &e);
	ok(ksym_btf_check(k, t, sum, sizeof sum, &e) && e.code == KSYM_EFOREIGN,
	   "a per-CPU variable elsewhere: KSYM_EFOREIGN");
	printf("#   %s\n", e.msg);
	ksym_free(t);
}

int main(void)
{
	struct btf *b = build();
	struct kit_err e = { 0 };
	struct ksym_btf *k;
	const void *raw;
	uint32_t len;

	raw = btf__raw_data(b, &len);
	ok(raw && len > 24, "libbpf wrote a BTF");
	k = ksym_btf_from_raw(raw, len, &e);
	if (!ok(k, "it opens")) {
		printf("#   %s\n", e.msg);
		return tap_done();
	}
	test_members(k);
	test_blobs(raw, len);
	test_check(k);
	ksym_btf_free(k);
	btf__free(b);
	return tap_done();
}
