/*
 * hint.c: the attach command the wrapper prints, spelled so that it runs
 * where the user is.  "gdbstub-client attach --latest" only works when
 * gdbstub-client is on PATH; in a build tree it is not, and after "make
 * install" into a PREFIX that is not on PATH neither.  So the client is
 * looked for next to the running wrapper, as installed (BINDIR holds
 * both) and as built (wrapper/qemu-wrapper beside
 * gdbstub-client/gdbstub-client), and is named by its bare name only when
 * that name on PATH is the same file; else by its absolute path.  A run
 * directory given in QEMU_WRAPPER_RUNDIR goes in front, or the client
 * would look in the default one.  Words are shell-quoted.
 */
#include "wrap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLIENT "gdbstub-client"

/* PATH's first executable NAME, by device and inode: 0 found, -1 not. */
static int path_lookup(const char *path_env, const char *name, struct stat *st)
{
	const char *p = path_env ? path_env : "";
	char buf[PATH_MAX];

	while (*p) {
		size_t n = strcspn(p, ":");

		if ((size_t)snprintf(buf, sizeof buf, "%.*s/%s", (int)n,
				     n ? p : ".", name) < sizeof buf &&
		    stat(buf, st) == 0 && S_ISREG(st->st_mode) &&
		    access(buf, X_OK) == 0)
			return 0;
		p += n;
		if (*p == ':')
			p++;
	}
	return -1;
}

/* S for a POSIX shell: as is when it holds only safe bytes, else in
 * single quotes ('\'' for a quote).  Appends to out[*pos], within len. */
static void shell_word(const char *s, char *out, size_t len, size_t *pos)
{
	size_t safe = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			     "0123456789_./+-:@%,=");
	const char *q;

	if (*s && !s[safe]) {
		*pos += (size_t)snprintf(out + *pos, *pos < len ? len - *pos : 0, "%s", s);
		return;
	}
	*pos += (size_t)snprintf(out + *pos, *pos < len ? len - *pos : 0, "'");
	for (q = s; *q; q++)
		*pos += (size_t)snprintf(out + *pos, *pos < len ? len - *pos : 0,
					 *q == '\'' ? "'\\''" : "%c", *q);
	*pos += (size_t)snprintf(out + *pos, *pos < len ? len - *pos : 0, "'");
}

void wrap_attach_hint(const char *path_env, const char *rundir_explicit,
		      char *out, size_t len)
{
	char self[PATH_MAX], cand[PATH_MAX + 64], real[PATH_MAX];
	const char *client = CLIENT, *dir_end;
	struct stat on_path, st;
	bool have_path = path_lookup(path_env, CLIENT, &on_path) == 0;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	size_t pos = 0;
	int i;

	if (n > 0) {
		self[n] = '\0';
		dir_end = strrchr(self, '/');
		for (i = 0; dir_end && i < 2; i++) {
			/* installed: BINDIR/gdbstub-client; built: ../gdbstub-client/ */
			snprintf(cand, sizeof cand, "%.*s/%s%s", (int)(dir_end - self),
				 self, i ? "../" CLIENT "/" : "", CLIENT);
			if (stat(cand, &st) < 0 || !S_ISREG(st.st_mode) ||
			    access(cand, X_OK) < 0 || !realpath(cand, real))
				continue;
			if (!have_path || st.st_dev != on_path.st_dev ||
			    st.st_ino != on_path.st_ino)
				client = real;
			break;
		}
	}
	if (rundir_explicit) {
		pos += (size_t)snprintf(out, len, "QEMU_WRAPPER_RUNDIR=");
		shell_word(rundir_explicit, out, len, &pos);
		pos += (size_t)snprintf(out + pos, pos < len ? len - pos : 0, " ");
	}
	shell_word(client, out, len, &pos);
	snprintf(out + pos, pos < len ? len - pos : 0, " attach --latest");
}
