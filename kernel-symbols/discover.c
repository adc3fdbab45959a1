/*
 * discover.c: from whatever file the user names to the best symbols there
 * are.  For a bzImage, a vmlinux with a .symtab beats everything (it has
 * sizes and every local symbol), then a real System.map, then the kallsyms
 * tables inside the image itself (cached by content hash).
 *
 * KSYM_ROOT (environment) prefixes every discovery path, for tests.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

int ksym_discover(const char *root, const char *version, const char *build_id,
		  char *out, size_t outsz)
{
	/* Directory before the version, and after it. */
	static const char *const where[][2] = {
		{ "/usr/lib/debug/boot/vmlinux-", "" },
		{ "/usr/lib/debug/lib/modules/", "/vmlinux" },
		{ "/boot/vmlinux-", "" },
		{ "/lib/modules/", "/build/vmlinux" },
		{ "/boot/System.map-", "" },
		{ "/lib/modules/", "/build/System.map" },
	};
	size_t i;

	if (!root)
		root = "";
	if (build_id && strlen(build_id) > 2) {
		snprintf(out, outsz, "%s/usr/lib/debug/.build-id/%.2s/%s.debug", root,
			 build_id, build_id + 2);
		if (exists(out))
			return 0;
	}
	if (!version || !*version || strchr(version, '/'))
		return -1;
	for (i = 0; i < sizeof where / sizeof where[0]; i++) {
		snprintf(out, outsz, "%s%s%s%s", root, where[i][0], version, where[i][1]);
		if (exists(out))
			return 0;
	}
	return -1;
}

enum kind { K_ELF, K_BZIMAGE, K_TEXT, K_CACHE };

/* Text has no NUL and no control characters but tab, CR and LF. */
static int looks_like_text(const uint8_t *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (h[i] < 0x20 && h[i] != '\t' && h[i] != '\n' && h[i] != '\r')
			return 0;
	return 1;
}

static int sniff(const char *path, enum kind *k, struct kit_err *err)
{
	uint8_t h[0x210];
	ssize_t n;
	struct stat st;
	/* O_NONBLOCK: a FIFO without a writer must not hang the open. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return kit_seterr_errno(err, errno, "cannot open '%s'", path);
	if (!fstat(fd, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		close(fd);
		/* The loaders open the file again: a pipe would be read twice. */
		return kit_seterr(err, KSYM_EFORMAT, "'%s' is not a regular file", path);
	}
	n = read(fd, h, sizeof h);
	close(fd);
	if (n < 0)
		return kit_seterr_errno(err, errno, "cannot read '%s'", path);
	if (n == 0)
		return kit_seterr(err, KSYM_ENOSYMS, "'%s' is empty", path);
	if (n >= 4 && !memcmp(h, "\x7f" "ELF", 4))
		*k = K_ELF;
	else if (n >= 0x206 && !memcmp(h + 0x202, "HdrS", 4))
		*k = K_BZIMAGE;
	else if (n >= 9 && !memcmp(h, "KSYMCACHE", 9))
		*k = K_CACHE;
	else if (n >= 0x200 && h[0x1fe] == 0x55 && h[0x1ff] == 0xaa)
		*k = K_BZIMAGE;  /* a boot sector: the header parser says what is wrong */
	else if (looks_like_text(h, (size_t)n))
		*k = K_TEXT;
	else
		return kit_seterr(err, KSYM_EFORMAT,
				  "'%s' is not a bzImage, vmlinux ELF, System.map, kallsyms text "
				  "or kernel-symbols cache (unknown binary data)", path);
	return 0;
}

/* Discovered symbols for a bzImage; NULL when none load. */
static struct ksym_table *from_discovery(const struct ksym_bzimage *bz, const char *version)
{
	const char *root = getenv("KSYM_ROOT");
	char p[1024];
	struct ksym_table *t;
	enum kind k;

	if (ksym_discover(root, version, NULL, p, sizeof p))
		return NULL;
	if (sniff(p, &k, NULL))
		return NULL;
	t = k == K_ELF ? ksym_load_elf_file(p, NULL) : k == K_TEXT ? ksym_load_map_file(p, NULL) : NULL;
	if (!t)
		return NULL;
	/* A vmlinux that names another version is not this kernel's. */
	if (t->version[0] && strcmp(t->version, version)) {
		ksym_free(t);
		return NULL;
	}
	t->bz = *bz;
	t->have_bzimage = 1;
	if (!t->version[0])
		snprintf(t->version, sizeof t->version, "%s", version);
	return t;
}

/* ksym_open(); a bzImage's payload into *KEEP when it was decompressed
 * (KEEP not NULL); *KIND what PATH is. */
static struct ksym_table *open_keep(const char *path, unsigned flags, uint8_t **keep,
				    size_t *keep_len, enum kind *kind, struct kit_err *err)
{
	struct ksym_table *t = NULL;
	struct ksym_bzimage bz;
	const uint8_t *payload;
	uint8_t *data = NULL;
	size_t len, plen, i;
	char version[160], dir[900], file[1024];
	enum kind k;
	double t0 = ksym_now_ms(), t1;
	uint64_t h;

	if (sniff(path, &k, err))
		return NULL;
	*kind = k;
	if (k == K_ELF)
		return ksym_load_elf_file(path, err);
	if (k == K_TEXT)
		return ksym_load_map_file(path, err);
	if (k == K_CACHE) {
		t = ksym_cache_load(path, err);
		if (t)
			snprintf(t->path, sizeof t->path, "%s", path);
		return t;
	}
	if (ksym_read_file(path, &data, &len, err))
		return NULL;
	t1 = ksym_now_ms();
	if (ksym_bzimage_parse(data, len, &bz, &payload, &plen, err)) {
		ksym_err_prefix(err, path);
		goto out;
	}
	for (i = 0; i + 1 < sizeof version && bz.kernel_version[i] && bz.kernel_version[i] != ' '; i++)
		version[i] = bz.kernel_version[i];
	version[i] = 0;
	if (!(flags & KSYM_NO_DISCOVER) && (t = from_discovery(&bz, version)))
		goto done;
	file[0] = 0;
	if (!(flags & KSYM_NO_CACHE) && !ksym_cache_dir(dir, sizeof dir)) {
		h = ksym_hash64(data, len);
		snprintf(file, sizeof file, "%s/ksym-%016llx-%zu.cache", dir,
			 (unsigned long long)h, len);
		t = ksym_cache_load(file, NULL);
		if (t) {
			snprintf(t->origin, sizeof t->origin, "%s", file);
			t->ms_read = t1 - t0;
			goto done;
		}
	}
	t = ksym_load_bzimage_keep(data, len, keep, keep_len, err);
	if (!t) {
		ksym_err_prefix(err, path);
		goto out;
	}
	t->ms_read = t1 - t0;
	snprintf(t->origin, sizeof t->origin, "%s", path);
	/* A cache that cannot be written only costs time next run. */
	if (file[0])
		ksym_cache_save(t, file, NULL);
done:
	snprintf(t->path, sizeof t->path, "%s", path);
out:
	free(data);
	return t;
}

struct ksym_table *ksym_open(const char *path, unsigned flags,
			     struct kit_err *err)
{
	enum kind k;

	return open_keep(path, flags, NULL, NULL, &k, err);
}

struct ksym_table *ksym_open_code(const char *path, unsigned flags,
				  struct ksym_code **code, struct kit_err *err)
{
	uint8_t *payload = NULL;
	size_t plen = 0;
	enum kind k = K_TEXT;
	struct ksym_table *t = open_keep(path, flags, &payload, &plen, &k, err);

	*code = NULL;
	if (!t)
		return NULL;
	if (k == K_TEXT || k == K_CACHE)
		return t;   /* a symbol list: no code, and that is no error */
	*code = payload ? ksym_code_adopt(payload, plen, path, err) : ksym_code_open(path, err);
	if (!*code) {
		ksym_free(t);
		return NULL;
	}
	return t;
}
