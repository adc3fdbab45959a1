/*
 * rundir.h: where qemu-wrapper puts its session files and gdbstub-client
 * looks for them: $QEMU_WRAPPER_RUNDIR, else $XDG_RUNTIME_DIR/qemu-wrapper,
 * else /tmp/qemu-wrapper-UID, else (when another user took that name in
 * the shared /tmp) the user's own /tmp/qemu-wrapper-UID-XXXXXX, made by
 * mkdtemp and found again by its owner.
 *
 * A run directory holds what gives control of a guest (the gdbstub's and
 * the monitor's sockets, the session files that say where to connect), so
 * whichever directory is used must be a directory owned by the user and
 * not writable by group or others; the wrapper refuses any other, and
 * gdbstub-client refuses to read session files from one.  A directory
 * others may enter (0755) is allowed: every file and socket in it is 0600.
 */
#ifndef KIT_RUNDIR_H
#define KIT_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "usage.h"

/* The directory's path into out.  Does not create it; it may end in
 * "XXXXXX" (kit_rundir_ensure makes it then). */
void kit_rundir_path(char *out, size_t len);

/* Whether the run directory was named by $QEMU_WRAPPER_RUNDIR. */
bool kit_rundir_is_explicit(void);

/*
 * Check an existing run directory: a directory (a symbolic link is
 * followed only when follow is set: the user named it), owned by the
 * calling user, not writable by group or others.  Fails with ENOENT when
 * it does not exist, EPERM (message naming the owner or the mode) when it
 * is not safe.
 */
int kit_rundir_check(const char *dir, bool follow, struct kit_err *err);

/*
 * Create the run directory with mode 0700 if missing (its parents too),
 * or with mkdtemp when it ends in XXXXXX (dir is then rewritten), then
 * kit_rundir_check() it.
 */
int kit_rundir_ensure(char *dir, bool follow, struct kit_err *err);

/*
 * Read a file of a run directory (a session file, an exit record, an
 * events file) whole: what it says decides where a client connects and
 * which files it opens, so only a regular file owned by the caller is
 * read (O_NOFOLLOW: no link followed; O_NONBLOCK: no FIFO waited on), at
 * most max bytes.  *text is malloc'd and NUL-terminated, *len its length
 * (may be NULL).  Errors name the file as "WHAT 'PATH'": ENOENT and
 * other open errors with strerror, EINVAL not a regular file, EPERM
 * another user's, EFBIG larger than max, ENOMEM.
 */
int kit_read_own_file(const char *what, const char *path, size_t max,
		      char **text, size_t *len, struct kit_err *err);

#endif
