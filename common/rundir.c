/* rundir.c: see rundir.h. */
#include "rundir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void kit_rundir_path(char *out, size_t len)
{
	const char *d = getenv("QEMU_WRAPPER_RUNDIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (d && *d)
		snprintf(out, len, "%s", d);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/qemu-wrapper", xdg);
	else
		snprintf(out, len, "/tmp/qemu-wrapper-%u", (unsigned)getuid());
}

bool kit_rundir_is_explicit(void)
{
	const char *d = getenv("QEMU_WRAPPER_RUNDIR");

	return d && *d;
}

int kit_rundir_ensure(const char *dir, bool strict, struct kit_err *err)
{
	struct stat st;

	/* mkdir reports EACCES before EEXIST when the parent is not ours */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST && access(dir, F_OK) < 0)
		return kit_seterr_errno(err, errno,
			"cannot create run directory '%s'", dir);
	if ((strict ? lstat(dir, &st) : stat(dir, &st)) < 0)
		return kit_seterr_errno(err, errno,
			"cannot use run directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return kit_seterr(err, ENOTDIR,
			"run directory '%s' is not a directory", dir);
	if (strict && st.st_uid != getuid())
		return kit_seterr(err, EPERM,
			"run directory '%s' belongs to another user", dir);
	if (strict && (st.st_mode & 0077))
		return kit_seterr(err, EPERM,
			"run directory '%s' can be entered by other users "
			"(mode %04o, want 0700)", dir,
			(unsigned)(st.st_mode & 07777));
	if (access(dir, W_OK | X_OK) < 0)
		return kit_seterr_errno(err, errno,
			"run directory '%s' is not writable", dir);
	return 0;
}
