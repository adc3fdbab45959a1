/*
 * session.c: finding a guest through qemu-wrapper's session files,
 * RUNDIR/WRAPPERPID.json (see wrapper/session.c):
 *
 *   { "version": 1, "wrapper_pid": N, "qemu_pid": N, "qemu": "...",
 *     "gdb": "tcp:127.0.0.1:PORT" | "unix:PATH" | null, "gdb_added": B,
 *     "hold": B, "kernel": S|null, "initrd": S|null, "append": S|null,
 *     "accel": S|null, "accel_active": "tcg"|"kvm"|null,
 *     "start": { "realtime_ns": N, "monotonic_ns": N }, "argv": [...],
 *     "exit_file": "RUNDIR/PID.exit.json", "events": "RUNDIR/PID.events" }
 *
 * (the last two in newer files only: where the wrapper writes how qemu
 * exited, and QEMU's STOP/RESUME times; `profile` reads both)
 *
 * A file whose wrapper or QEMU is gone is stale (the wrapper was killed
 * before it could remove it) and is skipped, not removed: that is the
 * wrapper's job.
 */
#include "target.h"

#include "rundir.h"
#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SESSION_MAX (1 << 20)   /* bytes; the wrapper's are ~1-10 KiB */

/* The string member key into out ("" when absent); whether it was there. */
static bool get_str(json_object *o, const char *key, char *out, size_t len)
{
	json_object *v;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	snprintf(out, len, "%s", json_object_get_string(v));
	return true;
}

static long get_long(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_int))
		return (long)json_object_get_int64(v);
	return -1;
}

/*
 * A session file says where to connect and which kernel to open: one
 * that another user wrote could send us to their endpoint and make us
 * read any file.  So it is read as kit_read_own_file() reads.
 */
json_object *gc_read_own_json(const char *path, struct kit_err *err)
{
	json_object *o;
	char *text;

	if (kit_read_own_file("session file", path, SESSION_MAX, &text, NULL,
			      err) < 0)
		return NULL;
	o = json_tokener_parse(text);
	if (!o)
		kit_seterr(err, EINVAL, "session file '%s' is not JSON", path);
	free(text);
	return o;
}

int gc_session_read(const char *path, struct gc_session *s,
		    struct kit_err *err)
{
	json_object *o, *start, *v;
	int ret = -1;

	memset(s, 0, sizeof *s);
	snprintf(s->path, sizeof s->path, "%s", path);
	o = gc_read_own_json(path, err);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object) || get_long(o, "version") != 1) {
		kit_seterr(err, EINVAL, "session file '%s' is not version 1", path);
		goto out;
	}
	s->wrapper_pid = get_long(o, "wrapper_pid");
	s->qemu_pid = get_long(o, "qemu_pid");
	get_str(o, "gdb", s->gdb, sizeof s->gdb);
	get_str(o, "monitor", s->monitor, sizeof s->monitor);
	get_str(o, "kernel", s->kernel, sizeof s->kernel);
	get_str(o, "accel_active", s->accel_active, sizeof s->accel_active);
	get_str(o, "accel", s->accel, sizeof s->accel);
	get_str(o, "qemu", s->qemu, sizeof s->qemu);
	s->have_append = get_str(o, "append", s->append, sizeof s->append);
	get_str(o, "exit_file", s->exit_file, sizeof s->exit_file);
	get_str(o, "events", s->events, sizeof s->events);
	s->hold = json_object_object_get_ex(o, "hold", &v) && json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "start", &start)) {
		s->start_realtime_ns = json_object_object_get_ex(start, "realtime_ns", &v)
			? json_object_get_int64(v) : 0;
		s->start_monotonic_ns = json_object_object_get_ex(start, "monotonic_ns", &v)
			? json_object_get_int64(v) : 0;
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

bool gc_session_alive(const struct gc_session *s)
{
	return pid_alive(s->wrapper_pid) && pid_alive(s->qemu_pid);
}

/* "tcp:localhost:N", "localhost:N" -> "127.0.0.1:N"; "unix:P" stays. */
static void norm_endpoint(const char *ep, char *out, size_t len)
{
	if (!strncmp(ep, "tcp:", 4))
		ep += 4;
	if (!strncmp(ep, "localhost:", 10))
		snprintf(out, len, "127.0.0.1:%s", ep + 10);
	else
		snprintf(out, len, "%s", ep);
}

int gc_session_latest(const char *rundir, struct gc_session *s,
		      struct kit_err *err)
{
	return gc_session_find(rundir, NULL, s, err);
}

int gc_session_find(const char *rundir, const char *gdb,
		    struct gc_session *s, struct kit_err *err)
{
	char want[sizeof s->gdb + 16], have[sizeof s->gdb + 16];
	struct gc_session cur;
	struct dirent *de;
	DIR *d;
	int found = 0;

	/* the wrapper refuses such a directory; so do its readers */
	if (kit_rundir_check(rundir, kit_rundir_is_explicit(), err) < 0)
		return err && err->code == ENOENT ? 0 : -1;
	d = opendir(rundir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return kit_seterr_errno(err, errno, "cannot read '%s'", rundir);
	}
	if (gdb)
		norm_endpoint(gdb, want, sizeof want);
	while ((de = readdir(d))) {
		char path[4200], *end;
		long pid = strtol(de->d_name, &end, 10);

		if (end == de->d_name || strcmp(end, ".json") != 0 || pid <= 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", rundir, de->d_name);
		if (gc_session_read(path, &cur, NULL) < 0 || !cur.gdb[0] ||
		    !gc_session_alive(&cur))
			continue;
		if (gdb) {
			norm_endpoint(cur.gdb, have, sizeof have);
			if (strcmp(want, have))
				continue;
		}
		if (!found || cur.start_realtime_ns > s->start_realtime_ns ||
		    (cur.start_realtime_ns == s->start_realtime_ns &&
		     cur.wrapper_pid > s->wrapper_pid)) {
			*s = cur;
			found = 1;
		}
	}
	closedir(d);
	return found;
}

int gc_session_wait(bool wait, int64_t timeout_ms, volatile sig_atomic_t *stop,
		    struct gc_session *s, struct kit_err *err)
{
	char rundir[4096];
	int64_t t0 = kit_mono_ns();
	int rc;

	kit_rundir_path(rundir, sizeof rundir);
	for (;;) {
		rc = gc_session_latest(rundir, s, err);
		if (rc)
			return rc;
		if (!wait)
			return kit_seterr(err, ENOENT, "no live qemu-wrapper session with a "
					  "gdb endpoint in '%s' (start one, use --wait, or "
					  "name HOST:PORT)", rundir);
		if (timeout_ms >= 0 && kit_mono_ns() - t0 > timeout_ms * 1000000)
			return kit_seterr(err, ETIMEDOUT, "no qemu-wrapper session "
					  "appeared in '%s' within %.3g s", rundir,
					  (double)timeout_ms / 1000);
		if (stop && *stop)
			return kit_seterr(err, EINTR, "interrupted while waiting for a session");
		usleep(20 * 1000);
	}
}
