/*
 * rundir.h: where qemu-wrapper puts its session files and gdbstub-client
 * looks for them: $QEMU_WRAPPER_RUNDIR, else $XDG_RUNTIME_DIR/qemu-wrapper,
 * else /tmp/qemu-wrapper-UID.
 */
#ifndef KIT_RUNDIR_H
#define KIT_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>

#include "usage.h"

/* The directory's path into out.  Does not create it. */
void kit_rundir_path(char *out, size_t len);

/* Whether the run directory was named by $QEMU_WRAPPER_RUNDIR. */
bool kit_rundir_is_explicit(void);

/*
 * Create the run directory with mode 0700 if missing, and check it is a
 * writable directory.  With strict (the defaults, which may sit in a
 * shared /tmp that invites a planted directory), an existing one must also
 * be ours and closed to other users.  A directory the user named is taken
 * as it is: session files are 0600 whatever the directory.
 */
int kit_rundir_ensure(const char *dir, bool strict, struct kit_err *err);

#endif
