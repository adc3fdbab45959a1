/*
 * files.c: where reports and profiles go (prof_write_file, model.h): a
 * path written whole or not at all through common/outfile.c, "-" for
 * stdout, and when the path cannot be written, a copy in $TMPDIR, /tmp
 * or /var/tmp so that a long recording is not lost; the caller is told
 * where it went.
 */
#include "outfile.h"
#include "model.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* An error fn returned that came from out going bad, as an errno. */
static int io_errno(FILE *out, const struct kit_err *e)
{
	if (!ferror(out))
		return 0;
	return e->code > 0 && e->code < PROF_EJSON && e->code != ENOMEM ?
	       e->code : EIO;
}

/*
 * Write fn's content to fd (closed here).  Returns 0, or -1 with *io the
 * errno of a failed write, flush, fsync or close, or *io 0 and e filled
 * when fn itself failed for another reason.
 */
static int write_fd(int fd, int sync, prof_write_fn *fn, const void *arg,
		    int *io, struct kit_err *e)
{
	FILE *f = fdopen(fd, "w");

	*io = 0;
	if (!f) {
		*io = errno;
		close(fd);
		return -1;
	}
	errno = 0;
	if (fn(f, arg, e)) {
		*io = io_errno(f, e);
		fclose(f);
		return -1;
	}
	if (fflush(f) || ferror(f) || (sync && fsync(fd))) {
		*io = errno ? errno : EIO;
		fclose(f);
		return -1;
	}
	if (fclose(f)) {
		*io = errno;
		return -1;
	}
	return 0;
}

/* Write path whole or not at all (common/outfile.h, as kernel-symbols'
 * exports: a temporary beside it, renamed over it; in place when it is a
 * device or FIFO; a link's file replaced; a replaced file's mode kept).
 * Returns 0 or -1 as write_fd. */
static int write_path(const char *path, prof_write_fn *fn, const void *arg,
		      int *io, struct kit_err *e)
{
	struct kit_outfile o;
	struct kit_err oe;
	int fd;

	*io = 0;
	if (kit_outfile_open(&o, path, 0, KIT_OUTFILE_DIRECT, &oe) < 0) {
		*io = oe.code;
		return -1;
	}
	/* the stream gets its own descriptor: commit syncs and closes o's */
	if ((fd = dup(o.fd)) < 0) {
		*io = errno;
		kit_outfile_abort(&o);
		return -1;
	}
	if (write_fd(fd, 0, fn, arg, io, e)) {
		kit_outfile_abort(&o);
		return -1;
	}
	if (kit_outfile_commit(&o, &oe) < 0) {
		*io = oe.code;
		return -1;
	}
	return 0;
}

/* The fallback copy: DIR/BASENAME.XXXXXX in the first directory that takes
 * it.  Returns the malloc'd name, or NULL with *io the last errno. */
static char *write_fallback(const char *path, prof_write_fn *fn,
			    const void *arg, int *io)
{
	const char *dirs[3] = { getenv("TMPDIR"), "/tmp", "/var/tmp" };
	const char *base = strrchr(path, '/');
	struct kit_err e = { 0 };
	size_t i, j;

	base = base ? base + 1 : path;
	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		base = "profile";
	*io = ENOENT;
	for (i = 0; i < 3; i++) {
		char *name;
		size_t len;
		int fd, dup = 0;

		if (!dirs[i] || dirs[i][0] != '/')
			continue;
		for (j = 0; j < i; j++)
			dup |= dirs[j] && !strcmp(dirs[j], dirs[i]);
		if (dup)
			continue;
		len = strlen(dirs[i]) + strlen(base) + 9;
		if (!(name = malloc(len))) {
			*io = ENOMEM;
			return NULL;
		}
		snprintf(name, len, "%s/%s.XXXXXX", dirs[i], base);
		/* mkstemp: O_CREAT | O_EXCL, mode 0600 */
		if ((fd = mkstemp(name)) < 0) {
			*io = errno;
			free(name);
			continue;
		}
		if (write_fd(fd, 1, fn, arg, io, &e)) {
			if (!*io)
				*io = e.code;
			unlink(name);
			free(name);
			continue;
		}
		return name;
	}
	return NULL;
}

/* Write to standard output: 0, or -1 with *io as write_fd. */
static int write_stdout(prof_write_fn *fn, const void *arg, int *io,
			struct kit_err *e)
{
	*io = 0;
	errno = 0;
	if (fn(stdout, arg, e))
		*io = io_errno(stdout, e);
	else if (fflush(stdout) || ferror(stdout))
		*io = errno ? errno : EIO;
	else
		return 0;
	/* do not leave the error for a later flush to report again */
	clearerr(stdout);
	return -1;
}

int prof_write_file(const char *path, prof_write_fn *fn, const void *arg,
		    char **kept, struct kit_err *err)
{
	struct kit_err e = { 0 };
	int to_stdout = !strcmp(path, "-"), io, io2;
	char where[600], *copy;

	if (kept)
		*kept = NULL;
	if (!(to_stdout ? write_stdout(fn, arg, &io, &e) :
			  write_path(path, fn, arg, &io, &e)))
		return 0;
	if (!io)
		return kit_seterr(err, e.code, "%s", e.msg);
	if (to_stdout)
		snprintf(where, sizeof where, "cannot write to standard output");
	else
		snprintf(where, sizeof where, "cannot write '%.500s'", path);
	if (!kept)
		return kit_seterr(err, io, "%s: %s", where, strerror(io));
	if (!(copy = write_fallback(to_stdout ? "stdout" : path, fn, arg, &io2)))
		return kit_seterr(err, io,
				  "%s: %s; no copy kept either ($TMPDIR, /tmp, /var/tmp: %s)",
				  where, strerror(io), strerror(io2));
	*kept = copy;
	return kit_seterr(err, io, "%s: %s; kept in '%s' instead", where,
			  strerror(io), copy);
}
