/* outfile.c: see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kit_outfile_open(struct kit_outfile *o, const char *path, mode_t mode,
		     int flags, struct kit_err *err)
{
	struct stat st;
	const char *slash;
	mode_t mask;
	int n;

	memset(o, 0, sizeof *o);
	o->fd = -1;
	o->path = path;
	o->flags = flags;
	if ((flags & KIT_OUTFILE_DIRECT) && !stat(path, &st)) {
		if (!S_ISREG(st.st_mode)) {
			/* a directory fails here with EISDIR */
			o->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
			if (o->fd < 0)
				return kit_seterr_errno(err, errno,
					"cannot create '%s'", path);
			return 0;
		}
		/* replace the file a symbolic link names, not the link */
		if (!lstat(path, &st) && S_ISLNK(st.st_mode) &&
		    realpath(path, o->real))
			o->path = path = o->real;
		/* a file replaced keeps its mode */
		if (!mode && !stat(path, &st))
			mode = st.st_mode & 0777;
	}
	slash = strrchr(path, '/');
	n = slash ? snprintf(o->tmp, sizeof o->tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path,
			     slash + 1)
		  : snprintf(o->tmp, sizeof o->tmp, ".%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof o->tmp) {
		o->tmp[0] = 0;
		return kit_seterr(err, ENAMETOOLONG, "cannot create '%s': name too long", path);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		o->tmp[0] = 0;
		return kit_seterr_errno(err, errno, "cannot create '%s'", path);
	}
	/* mkstemp makes it 0600; a new file gets 0666 less the umask. */
	if (!mode) {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (mode != 0600 && fchmod(o->fd, mode)) {
		int e = errno;

		kit_outfile_abort(o);
		return kit_seterr_errno(err, e, "cannot create '%s'", path);
	}
	return 0;
}

int kit_outfile_write(struct kit_outfile *o, const void *data, size_t len,
		       struct kit_err *err)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(o->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kit_seterr_errno(err, n < 0 ? errno : EIO, "cannot write '%s'", o->path);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int kit_outfile_commit(struct kit_outfile *o, struct kit_err *err)
{
	int fd = o->fd;

	o->fd = -1;
	/* Before the rename: a crash must not leave FILE naming lost blocks.
	   A device or FIFO written directly may not support fsync (EINVAL). */
	if (!(o->flags & KIT_OUTFILE_NOSYNC) && fsync(fd) &&
	    (o->tmp[0] || (errno != EINVAL && errno != EROFS))) {
		kit_seterr_errno(err, errno, "cannot write '%s'", o->path);
		close(fd);
		goto fail;
	}
	if (close(fd)) {
		kit_seterr_errno(err, errno, "cannot write '%s'", o->path);
		goto fail;
	}
	if (o->tmp[0] && rename(o->tmp, o->path)) {
		kit_seterr_errno(err, errno, "cannot rename '%s' to '%s'", o->tmp, o->path);
		goto fail;
	}
	o->tmp[0] = 0;
	return 0;
fail:
	kit_outfile_abort(o);
	return -1;
}

void kit_outfile_abort(struct kit_outfile *o)
{
	int e = errno;

	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = 0;
	errno = e;
}
