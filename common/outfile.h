/*
 * outfile.h: a file written in full or not at all, the one way the kit
 * writes files (kernel-symbols' exports and cache, qemu-wrapper's session
 * files and exit records).
 *
 * The data goes to a hidden temporary beside PATH (".NAME.XXXXXX", made by
 * mkstemp: O_CREAT|O_EXCL, so nothing planted under that name, a FIFO or a
 * link, is ever opened), is synced, and renamed over PATH only when every
 * write, the fsync and the close succeeded.  On any failure the temporary
 * is removed: a full disk leaves PATH as it was (or absent), never
 * truncated.  With KIT_OUTFILE_DIRECT, a PATH that exists and is not a
 * regular file (/dev/full, a FIFO, /dev/stdout: what a user named) is
 * written directly instead.
 *
 * Errors name PATH with errno: "cannot create 'PATH': ...", "cannot write
 * 'PATH': ...", "cannot rename 'TMP' to 'PATH': ...".
 */
#ifndef KIT_OUTFILE_H
#define KIT_OUTFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "usage.h"

#define KIT_OUTFILE_DIRECT 1   /* what a user named: write a non-regular
				  PATH in place, replace the file a link
				  names (not the link), keep a replaced
				  file's mode (with mode 0) */
#define KIT_OUTFILE_NOSYNC 2   /* no fsync: a file that does not outlive a
				  crash anyway (the wrapper's run files) */

struct kit_outfile {
	const char *path;    /* PATH, or real when PATH is a link */
	char real[4096];
	int flags;
	char tmp[4096];   /* "" when writing PATH directly */
	int fd;
};

/* mode: the file's mode, or 0 for 0666 less the umask (a replaced file's
 * own mode with KIT_OUTFILE_DIRECT). */
int kit_outfile_open(struct kit_outfile *o, const char *path, mode_t mode,
		     int flags, struct kit_err *err);
int kit_outfile_write(struct kit_outfile *o, const void *data, size_t len,
		      struct kit_err *err);
/* fsync, close, rename; on failure the temporary is gone. */
int kit_outfile_commit(struct kit_outfile *o, struct kit_err *err);
/* Close and remove the temporary (keeps errno). */
void kit_outfile_abort(struct kit_outfile *o);

#endif
