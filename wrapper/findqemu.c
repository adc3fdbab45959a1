/*
 * findqemu.c: which qemu is the real one.  The wrapper is often installed
 * under qemu's own name (a symlink qemu-system-x86_64 -> qemu-wrapper early
 * on PATH), so every candidate is compared with the running program by
 * device and inode, never by name.
 */
#include "wrap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* 1: usable candidate, 0: not there or the wrapper itself. */
static int candidate(const char *path, const struct stat *self)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (access(path, X_OK) < 0)
		return 0;
	if (self && same_file(&st, self))
		return 0;
	return 1;
}

int wrap_find_qemu(const char *explicit, const char *path_env,
		   char *out, size_t len, struct kit_err *err)
{
	static const char *const names[] = { "qemu-system-x86_64", "qemu-kvm" };
	struct stat self_st, st;
	const struct stat *self = NULL;
	size_t i;

	/* readlink, then stat: under valgrind a stat of /proc/self/exe would
	 * see valgrind's own binary, while its readlink is emulated */
	{
		char self_path[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self_path,
				     sizeof self_path - 1);

		if (n > 0) {
			self_path[n] = '\0';
			if (stat(self_path, &self_st) == 0)
				self = &self_st;
		}
	}

	if (explicit && *explicit) {
		if (stat(explicit, &st) < 0)
			return kit_seterr_errno(err, errno,
				"cannot use QEMU_WRAPPER_QEMU '%s'", explicit);
		if (self && same_file(&st, self))
			return kit_seterr(err, ELOOP,
				"QEMU_WRAPPER_QEMU '%s' is qemu-wrapper itself",
				explicit);
		if (!S_ISREG(st.st_mode) || access(explicit, X_OK) < 0)
			return kit_seterr(err, EACCES,
				"QEMU_WRAPPER_QEMU '%s' is not an executable file",
				explicit);
		if ((size_t)snprintf(out, len, "%s", explicit) >= len)
			return kit_seterr(err, ENAMETOOLONG,
				"QEMU_WRAPPER_QEMU '%s' is too long", explicit);
		return 0;
	}

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		const char *p = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";

		while (*p) {
			size_t n = strcspn(p, ":");

			/* An empty PATH element means the current directory. */
			if ((size_t)snprintf(out, len, "%.*s%s%s", (int)n,
					     n ? p : ".", "/", names[i]) < len &&
			    candidate(out, self))
				return 0;
			p += n;
			if (*p == ':')
				p++;
		}
	}
	if (candidate("/usr/libexec/qemu-kvm", self)) {
		snprintf(out, len, "%s", "/usr/libexec/qemu-kvm");
		return 0;
	}
	return kit_seterr(err, ENOENT,
		"cannot find the real qemu: no qemu-system-x86_64 or qemu-kvm "
		"on PATH other than qemu-wrapper itself, and no "
		"/usr/libexec/qemu-kvm (set QEMU_WRAPPER_QEMU)");
}
