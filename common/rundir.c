/* rundir.c: see rundir.h. */
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A default directory we may use: absent (we create it) or safe. */
static bool usable_or_absent(const char *dir)
{
	struct kit_err e;

	return kit_rundir_check(dir, false, &e) == 0 || e.code == ENOENT;
}

/*
 * Ours among /tmp/qemu-wrapper-UID-*: the one with the smallest name, so
 * that the wrapper and its clients agree.  No one else can make a
 * directory that is ours.
 */
static bool find_ours(const char *prefix, char *out, size_t len)
{
	DIR *d = opendir("/tmp");
	const char *base = prefix + strlen("/tmp/");
	char best[256] = "", path[4096];
	struct dirent *de;
	int n = 0;

	if (!d)
		return false;
	while ((de = readdir(d)) && n++ < 1000000) {
		if (strncmp(de->d_name, base, strlen(base)) ||
		    strlen(de->d_name) >= sizeof best ||
		    (best[0] && strcmp(de->d_name, best) >= 0))
			continue;
		snprintf(path, sizeof path, "/tmp/%s", de->d_name);
		if (kit_rundir_check(path, false, NULL) == 0)
			snprintf(best, sizeof best, "%s", de->d_name);
	}
	closedir(d);
	if (best[0])
		snprintf(out, len, "/tmp/%s", best);
	return best[0] != '\0';
}

void kit_rundir_path(char *out, size_t len)
{
	const char *d = getenv("QEMU_WRAPPER_RUNDIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char prefix[64];

	if (d && *d) {
		snprintf(out, len, "%s", d);
		return;
	}
	if (xdg && *xdg) {
		snprintf(out, len, "%s/qemu-wrapper", xdg);
		return;
	}
	snprintf(out, len, "/tmp/qemu-wrapper-%u", (unsigned)getuid());
	if (usable_or_absent(out))
		return;
	/*
	 * Anyone can create /tmp/qemu-wrapper-UID first.  Refusing to run
	 * would let any local user stop ours, so use a directory of a
	 * name no one can take: made by mkdtemp (kit_rundir_ensure), found
	 * again by its owner.
	 */
	snprintf(prefix, sizeof prefix, "/tmp/qemu-wrapper-%u-", (unsigned)getuid());
	if (!find_ours(prefix, out, len))
		snprintf(out, len, "%sXXXXXX", prefix);
}

bool kit_rundir_is_explicit(void)
{
	const char *d = getenv("QEMU_WRAPPER_RUNDIR");

	return d && *d;
}

int kit_rundir_check(const char *dir, bool follow, struct kit_err *err)
{
	struct stat st;

	if ((follow ? stat(dir, &st) : lstat(dir, &st)) < 0)
		return kit_seterr_errno(err, errno,
			"cannot use run directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return kit_seterr(err, ENOTDIR,
			"run directory '%s' is not a directory", dir);
	if (st.st_uid != getuid())
		return kit_seterr(err, EPERM,
			"run directory '%s' belongs to another user (uid %u): "
			"whoever owns it controls the guests started there",
			dir, (unsigned)st.st_uid);
	if (st.st_mode & 022)
		return kit_seterr(err, EPERM,
			"run directory '%s' is writable by other users "
			"(mode %04o): they could replace its session files; "
			"chmod go-w it or use another", dir,
			(unsigned)(st.st_mode & 07777));
	return 0;
}

int kit_read_own_file(const char *what, const char *path, size_t max,
		      char **text, size_t *len, struct kit_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int ret = -1;

	*text = NULL;
	if (fd < 0)
		return kit_seterr_errno(err, errno, "cannot read %s '%s'", what,
					path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		kit_seterr(err, EINVAL, "%s '%s' is not a regular file", what,
			   path);
		goto out;
	}
	if (st.st_uid != getuid()) {
		kit_seterr(err, EPERM, "%s '%s' belongs to another user "
			   "(uid %u): not trusted", what, path,
			   (unsigned)st.st_uid);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		kit_seterr(err, EFBIG, "%s '%s' is larger than %zu bytes", what,
			   path, max);
		goto out;
	}
	if (!(buf = malloc((size_t)st.st_size + 1))) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	/* the size at open: what is appended meanwhile is left for later */
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			kit_seterr_errno(err, errno, "cannot read %s '%s'", what,
					 path);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*text = buf;
	buf = NULL;
	if (len)
		*len = n;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

/* mkdir -p for the parents of dir, mode 0700; errors are left to the
 * final mkdir and check. */
static void make_parents(const char *dir)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return;
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return;
		*p = '/';
	}
}

int kit_rundir_ensure(char *dir, bool follow, struct kit_err *err)
{
	size_t n = strlen(dir);

	if (!follow && n > 6 && !strcmp(dir + n - 6, "XXXXXX")) {
		if (!mkdtemp(dir))
			return kit_seterr_errno(err, errno,
				"cannot create a run directory '%s'", dir);
		return kit_rundir_check(dir, false, err);
	}
	if (mkdir(dir, 0700) == 0) {
		/* made: checked below like any other */
	} else if (errno == ENOENT) {
		make_parents(dir);
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return kit_seterr_errno(err, errno,
				"cannot create run directory '%s'", dir);
	} else if (errno != EEXIST) {
		int e = errno;

		/* mkdir says EACCES before EEXIST when the parent is not
		 * ours: an existing directory is left to the check */
		if (access(dir, F_OK) < 0)
			return kit_seterr_errno(err, e,
				"cannot create run directory '%s'", dir);
	}
	if (kit_rundir_check(dir, follow, err) < 0)
		return -1;
	if (access(dir, W_OK | X_OK) < 0)
		return kit_seterr_errno(err, errno,
			"run directory '%s' is not writable", dir);
	return 0;
}
