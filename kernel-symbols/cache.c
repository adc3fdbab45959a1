/*
 * cache.c: symbols extracted from a bzImage, saved so the next use of the
 * same image costs a file read.  The key is the image's content (a 64-bit
 * hash of every byte, and its size), not its name or mtime: a rebuilt
 * kernel at the same path gets a new entry.  Files live in
 * $XDG_CACHE_HOME/qemu-boot-debug/ (default ~/.cache/qemu-boot-debug/) as
 * ksym-<hash>-<size>.cache, written through common/outfile.c: a temporary made by
 * mkstemp, every write checked, fsync, then renamed.  A full disk leaves no
 * entry (the caller only loses the time it would have saved), and the
 * reader checks that the sizes in the header account for every byte of
 * the file, so a short entry is a miss, never trusted.
 *
 * Format (little-endian, this host's only; a mismatch is a cache miss):
 *   "KSYMCACHE\0\0\0\0\0\0\2"   16-byte magic and format version
 *   u64 nsyms, strtab_len, nic_pairs, text_start
 *   u32 flags (1 initcall data, 2 prel32, 4 layout, 8 bzimage), u32 source
 *   char version[160], build_id[41], pad to 8
 *   struct ksym_kallsyms_layout, struct ksym_bzimage (raw)
 *   nsyms records: u64 addr, u64 size, u32 name, u32 seq, u8 type
 *   strtab_len bytes of names (each NUL-terminated)
 *   nic_pairs * 2 u64
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char magic[16] = "KSYMCACHE\0\0\0\0\0\0\2";

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

uint64_t ksym_hash64(const uint8_t *p, size_t n)
{
	const uint64_t k1 = 0x9e3779b185ebca87ull, k2 = 0xc2b2ae3d27d4eb4full;
	uint64_t h[4] = { k1, k2, ~k1, ~k2 }, r;
	size_t i = 0;

	/* Four independent lanes keep the multiplier pipelines busy. */
	for (; i + 32 <= n; i += 32) {
		int l;

		for (l = 0; l < 4; l++) {
			uint64_t v;

			memcpy(&v, p + i + 8 * l, 8);
			h[l] = rotl(h[l] ^ (v * k2), 31) * k1;
		}
	}
	r = (uint64_t)n * k1 ^ rotl(h[0], 1) ^ rotl(h[1], 7) ^ rotl(h[2], 12) ^ rotl(h[3], 18);
	for (; i < n; i++)
		r = rotl(r ^ (p[i] * k1), 23) * k2;
	r ^= r >> 33;
	r *= k2;
	r ^= r >> 29;
	return r;
}

int ksym_cache_dir(char *buf, size_t bufsz)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (x && *x == '/')
		n = snprintf(buf, bufsz, "%s/qemu-boot-debug", x);
	else if (home && *home)
		n = snprintf(buf, bufsz, "%s/.cache/qemu-boot-debug", home);
	else
		return -1;
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void put(struct wbuf *w, const void *d, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1 << 16;
		void *p;

		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->oom = 1;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void put64(struct wbuf *w, uint64_t v)
{
	put(w, &v, 8);
}

static void put32(struct wbuf *w, uint32_t v)
{
	put(w, &v, 4);
}

static int mkdir_p(const char *dir)
{
	char tmp[1024];
	size_t i;

	snprintf(tmp, sizeof tmp, "%s", dir);
	for (i = 1; tmp[i]; i++)
		if (tmp[i] == '/') {
			tmp[i] = 0;
			mkdir(tmp, 0755);
			tmp[i] = '/';
		}
	return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

int ksym_cache_write(const char *file, const void *data, size_t len,
		     struct kit_err *err)
{
	char dir[1024], *slash;
	struct kit_outfile o;

	snprintf(dir, sizeof dir, "%s", file);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		if (mkdir_p(dir))
			return kit_seterr_errno(err, errno, "cannot create '%s'", dir);
	}
	if (kit_outfile_open(&o, file, 0, 0, err))
		return -1;
	if (kit_outfile_write(&o, data, len, err)) {
		kit_outfile_abort(&o);
		return -1;
	}
	return kit_outfile_commit(&o, err);
}

int ksym_cache_save(const struct ksym_table *t, const char *file,
		    struct kit_err *err)
{
	struct wbuf w = { NULL, 0, 0, 0 };
	uint8_t pad[8] = { 0 };
	uint32_t flags = 0;
	size_t i;
	int rc = -1;

	flags |= t->have_initcall_data ? 1 : 0;
	flags |= t->initcall_prel32 ? 2 : 0;
	flags |= t->have_layout ? 4 : 0;
	flags |= t->have_bzimage ? 8 : 0;
	put(&w, magic, 16);
	put64(&w, t->nsyms);
	put64(&w, t->strtab_len);
	put64(&w, t->nic_pairs);
	put64(&w, t->text_start);
	put32(&w, flags);
	put32(&w, (uint32_t)t->source);
	put(&w, t->version, sizeof t->version);
	put(&w, t->build_id, sizeof t->build_id);
	put(&w, pad, (8 - w.len % 8) % 8);
	put(&w, &t->layout, sizeof t->layout);
	put(&w, &t->bz, sizeof t->bz);
	for (i = 0; i < t->nsyms; i++) {
		const struct ksym_sym *s = &t->syms[i];

		put64(&w, s->addr);
		put64(&w, s->size);
		put32(&w, s->name);
		put32(&w, s->seq);
		put(&w, &s->type, 1);
	}
	put(&w, t->strtab, t->strtab_len);
	put(&w, t->ic_pairs, 16 * t->nic_pairs);
	if (w.oom) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	rc = ksym_cache_write(file, w.p, w.len, err);
out:
	free(w.p);
	return rc;
}

struct ksym_table *ksym_cache_parse(const uint8_t *d, size_t len,
				    struct kit_err *err)
{
	struct ksym_table *t = NULL;
	uint64_t nsyms, slen, nic;
	uint32_t flags, source;
	size_t pos = 16, i, hdr, rec = 25;

	hdr = 16 + 32 + 8 + 160 + 41;
	hdr += (8 - hdr % 8) % 8;
	hdr += sizeof t->layout + sizeof t->bz;
	if (len < hdr || memcmp(d, magic, 16))
		goto bad;
	memcpy(&nsyms, d + pos, 8);
	memcpy(&slen, d + pos + 8, 8);
	memcpy(&nic, d + pos + 16, 8);
	if (nsyms > UINT32_MAX || slen > UINT32_MAX || nic > (1u << 20) ||
	    (len - hdr) / rec < nsyms || len - hdr - nsyms * rec < slen ||
	    (len - hdr - nsyms * rec - slen) / 16 != nic ||
	    (len - hdr - nsyms * rec - slen) % 16)
		goto bad;
	t = ksym_table_new(err);
	if (!t)
		return NULL;
	memcpy(&t->text_start, d + pos + 24, 8);
	memcpy(&flags, d + pos + 32, 4);
	memcpy(&source, d + pos + 36, 4);
	pos += 40;
	memcpy(t->version, d + pos, sizeof t->version);
	t->version[sizeof t->version - 1] = 0;
	pos += sizeof t->version;
	memcpy(t->build_id, d + pos, sizeof t->build_id);
	t->build_id[sizeof t->build_id - 1] = 0;
	pos += sizeof t->build_id;
	pos += (8 - pos % 8) % 8;
	memcpy(&t->layout, d + pos, sizeof t->layout);
	pos += sizeof t->layout;
	memcpy(&t->bz, d + pos, sizeof t->bz);
	t->bz.kernel_version[sizeof t->bz.kernel_version - 1] = 0;
	t->bz.compressor[sizeof t->bz.compressor - 1] = 0;
	pos += sizeof t->bz;
	t->have_initcall_data = !!(flags & 1);
	t->initcall_prel32 = !!(flags & 2);
	t->have_layout = !!(flags & 4);
	t->have_bzimage = !!(flags & 8);
	t->source = KSYM_SRC_CACHE;
	(void)source;
	t->syms = malloc((nsyms ? nsyms : 1) * sizeof *t->syms);
	t->strtab = malloc(slen ? slen : 1);
	t->ic_pairs = malloc(nic ? nic * 16 : 1);
	if (!t->syms || !t->strtab || !t->ic_pairs) {
		kit_seterr(err, ENOMEM, "out of memory");
		ksym_free(t);
		return NULL;
	}
	if (slen == 0 || d[pos + nsyms * rec + slen - 1] != 0)
		goto bad;
	for (i = 0; i < nsyms; i++) {
		const uint8_t *r = d + pos + i * rec;
		struct ksym_sym *s = &t->syms[i];

		memset(s, 0, sizeof *s);
		memcpy(&s->addr, r, 8);
		memcpy(&s->size, r + 8, 8);
		memcpy(&s->name, r + 16, 4);
		memcpy(&s->seq, r + 20, 4);
		s->type = (char)r[24];
		if (s->name >= slen)
			goto bad;
	}
	pos += nsyms * rec;
	memcpy(t->strtab, d + pos, slen);
	pos += slen;
	memcpy(t->ic_pairs, d + pos, nic * 16);
	t->nsyms = t->syms_cap = nsyms;
	t->strtab_len = t->strtab_cap = slen;
	t->nic_pairs = nic;
	if (ksym_table_finish(t, err)) {
		ksym_free(t);
		return NULL;
	}
	return t;
bad:
	ksym_free(t);
	kit_seterr(err, KSYM_EFORMAT, "not a kernel-symbols cache file, or a damaged one");
	return NULL;
}

struct ksym_table *ksym_cache_load(const char *file, struct kit_err *err)
{
	return ksym_parse_file(file, ksym_cache_parse, NULL, err);
}
