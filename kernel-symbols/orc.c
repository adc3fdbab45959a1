/*
 * orc.c: the kernel's ORC unwind tables, from the image.
 *
 * A kernel built with CONFIG_UNWINDER_ORC (Debian's) carries, in its ELF
 * (the decompressed payload of a bzImage keeps them), .orc_unwind_ip: one
 * 32-bit offset per entry, relative to the entry's own address, giving the
 * first instruction address it covers, sorted (the build's sorttable);
 * and .orc_unwind: one 6-byte struct orc_entry per ip (sp_offset,
 * bp_offset, then bitfields whose layout changed across versions: read
 * them with the kernel's own BTF, linux/).  The entry for an address is
 * the last one whose ip is <= it.  .orc_lookup is filled at boot, not in
 * the image: the search here is a binary search over the ips, and an
 * address past the last entry (the terminator objtool puts at the end of
 * a text section) is not covered, like one below the first.
 *
 * The tables are untrusted input: the two sections must be the same
 * length in entries, at most KSYM_ORC_MAX entries, their ips sorted.
 * ksym_orc_new builds tables from arrays (the unit tests' synthetic ones).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KSYM_ORC_MAX (16u << 20)

struct ksym_orc {
	uint64_t ip_addr;       /* .orc_unwind_ip's address */
	size_t n;
	int32_t *ip;            /* n offsets */
	uint8_t *ent;           /* n * 6 bytes */
};

void ksym_orc_free(struct ksym_orc *o)
{
	if (!o)
		return;
	free(o->ip);
	free(o->ent);
	free(o);
}

size_t ksym_orc_count(const struct ksym_orc *o)
{
	return o->n;
}

static uint64_t ip_of(const struct ksym_orc *o, size_t i)
{
	return o->ip_addr + 4 * (uint64_t)i + (uint64_t)(int64_t)o->ip[i];
}

int ksym_orc_find(const struct ksym_orc *o, uint64_t addr, uint64_t *start,
		  const uint8_t **entry)
{
	size_t lo = 0, hi = o->n;

	/* past the last entry (a section's terminator): module or other
	 * code the tables do not cover, as the kernel's orc_find says */
	if (!o->n || addr < ip_of(o, 0) || addr > ip_of(o, o->n - 1))
		return -1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ip_of(o, mid) <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*start = ip_of(o, lo);
	*entry = o->ent + 6 * lo;
	return 0;
}

struct ksym_orc *ksym_orc_new(uint64_t ip_addr, const int32_t *ip,
			      const uint8_t *ent, size_t n, struct kit_err *err)
{
	struct ksym_orc *o;
	size_t i;

	if (!n || n > KSYM_ORC_MAX) {
		kit_seterr(err, KSYM_EFORMAT, "%zu ORC entries: not 1 to %u", n, KSYM_ORC_MAX);
		return NULL;
	}
	o = calloc(1, sizeof *o);
	if (o) {
		o->ip = malloc(n * 4);
		o->ent = malloc(n * 6);
	}
	if (!o || !o->ip || !o->ent) {
		ksym_orc_free(o);
		kit_seterr(err, ENOMEM, "out of memory for %zu ORC entries", n);
		return NULL;
	}
	o->n = n;
	o->ip_addr = ip_addr;
	memcpy(o->ip, ip, n * 4);
	memcpy(o->ent, ent, n * 6);
	for (i = 1; i < n; i++)
		if (ip_of(o, i) < ip_of(o, i - 1)) {
			kit_seterr(err, KSYM_EFORMAT, "the ORC ips are not sorted (entry %zu)", i);
			ksym_orc_free(o);
			return NULL;
		}
	return o;
}

/* The two sections of an ELF image in memory. */
static struct ksym_orc *from_elf(const uint8_t *data, size_t len, struct kit_err *err)
{
	struct ksym_image img;
	const struct ksym_section *ips, *ents;
	struct ksym_orc *o = NULL;
	int32_t *ip = NULL;
	size_t n, i;

	if (ksym_image_open(&img, data, len, "the decompressed payload", err))
		return NULL;
	ips = ksym_image_section(&img, ".orc_unwind_ip");
	ents = ksym_image_section(&img, ".orc_unwind");
	if (!ips || !ents || ips->nobits || ents->nobits || ips->offset > len ||
	    ips->size > len - ips->offset || ents->offset > len ||
	    ents->size > len - ents->offset) {
		kit_seterr(err, KSYM_ENOTFOUND, "no ORC unwind tables (.orc_unwind_ip, "
			   ".orc_unwind): a kernel built without CONFIG_UNWINDER_ORC?");
		goto out;
	}
	n = (size_t)ips->size / 4;
	if (ips->size % 4 || ents->size != 6 * (uint64_t)n || n > KSYM_ORC_MAX || !n) {
		kit_seterr(err, KSYM_EFORMAT, "ORC tables of %llu and %llu bytes do not "
			   "hold the same number of entries (4 and 6 bytes each)",
			   (unsigned long long)ips->size, (unsigned long long)ents->size);
		goto out;
	}
	ip = malloc(n * 4);
	if (!ip) {
		kit_seterr(err, ENOMEM, "out of memory for %zu ORC entries", n);
		goto out;
	}
	for (i = 0; i < n; i++)
		ip[i] = (int32_t)ksym_le32(data + ips->offset + 4 * i);
	o = ksym_orc_new(ips->addr, ip, data + ents->offset, n, err);
	free(ip);
out:
	ksym_image_close(&img);
	return o;
}

struct ksym_orc *ksym_orc_load(const uint8_t *data, size_t len, struct kit_err *err)
{
	struct ksym_bzimage bz;
	const uint8_t *payload;
	size_t plen, n = 0;
	uint8_t *out = NULL;
	char cname[8];
	struct ksym_orc *o;

	if (len >= 4 && !memcmp(data, "\x7f" "ELF", 4))
		return from_elf(data, len, err);
	if (ksym_bzimage_parse(data, len, &bz, &payload, &plen, err))
		return NULL;
	if (ksym_decompress(payload, plen, ksym_bzimage_max_out(payload, plen, &bz),
			    &out, &n, cname, err))
		return NULL;
	o = n >= 4 && !memcmp(out, "\x7f" "ELF", 4) ? from_elf(out, n, err) : NULL;
	if (!o && n >= 4 && memcmp(out, "\x7f" "ELF", 4))
		kit_seterr(err, KSYM_EFORMAT, "the decompressed payload is not ELF: no "
			   "ORC tables to find");
	free(out);
	return o;
}

struct ksym_orc *ksym_orc_open(const char *path, struct kit_err *err)
{
	uint8_t *data;
	size_t len;
	struct ksym_orc *o;

	if (ksym_read_file(path, &data, &len, err))
		return NULL;
	o = ksym_orc_load(data, len, err);
	free(data);
	if (!o)
		ksym_err_prefix(err, path);
	return o;
}
