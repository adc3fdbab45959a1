/*
 * session.c: the session file, how gdbstub-client finds a guest to attach
 * to.  Format (version 1) documented in docs/session-file.md.
 */
#include "wrap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void wrap_session_path(const char *rundir, pid_t wrapper_pid, char *out,
		       size_t len)
{
	snprintf(out, len, "%s/%ld.json", rundir, (long)wrapper_pid);
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *session_json(const struct wrap_session *s)
{
	json_object *o = json_object_new_object();
	json_object *argv = json_object_new_array();
	json_object *start = json_object_new_object();
	char *const *a;

	for (a = s->argv; *a; a++)
		json_object_array_add(argv, json_object_new_string(*a));
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "wrapper_pid", json_object_new_int(s->wrapper_pid));
	json_object_object_add(o, "qemu_pid", json_object_new_int(s->qemu_pid));
	json_object_object_add(o, "qemu", json_object_new_string(s->qemu));
	json_object_object_add(o, "gdb", str_or_null(s->gdb));
	json_object_object_add(o, "gdb_added", json_object_new_boolean(s->gdb_added));
	json_object_object_add(o, "monitor", str_or_null(s->monitor));
	json_object_object_add(o, "hold", json_object_new_boolean(s->hold));
	json_object_object_add(o, "kernel", str_or_null(s->li->kernel));
	json_object_object_add(o, "initrd", str_or_null(s->li->initrd));
	json_object_object_add(o, "append", str_or_null(s->li->append));
	json_object_object_add(o, "accel", str_or_null(s->li->accel));
	json_object_object_add(o, "accel_active", str_or_null(s->accel_active));
	json_object_object_add(start, "realtime_ns",
			       json_object_new_int64(s->start_realtime_ns));
	json_object_object_add(start, "monotonic_ns",
			       json_object_new_int64(s->start_monotonic_ns));
	json_object_object_add(o, "start", start);
	json_object_object_add(o, "argv", argv);
	return o;
}

int wrap_session_write(const char *path, const struct wrap_session *s,
		       struct kit_err *err)
{
	char tmp[4200];
	json_object *o;
	const char *text;
	size_t len;
	int fd, ret = -1;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return kit_seterr(err, ENAMETOOLONG,
				  "session file path '%s' is too long", path);
	o = session_json(s);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		kit_seterr_errno(err, errno, "cannot write session file '%s'", tmp);
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		kit_seterr_errno(err, errno, "cannot write session file '%s'", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		kit_seterr_errno(err, errno, "cannot write session file '%s'", path);
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

int wrap_session_prune(const char *rundir)
{
	DIR *d = opendir(rundir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		char path[4200];

		if (end == de->d_name || strcmp(end, ".json") != 0 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
			continue;
		snprintf(path, sizeof path, "%s/%s", rundir, de->d_name);
		if (unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}
