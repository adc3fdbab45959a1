/*
 * session.c: the session file, how gdbstub-client finds a guest to attach
 * to.  Format (version 1) documented in docs/session-file.md.
 */
#include "outfile.h"
#include "rundir.h"
#include "wrap.h"

/* exit records and event logs of gone wrappers are kept this long */
#define PRUNE_KEEP_S 600

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void wrap_session_path(const char *rundir, pid_t wrapper_pid, char *out,
		       size_t len)
{
	snprintf(out, len, "%s/%ld.json", rundir, (long)wrapper_pid);
}

/* o[key] = s, or null where s is NULL */
static void add_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_bool(json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

static json_object *session_json(const struct wrap_session *s)
{
	json_object *o = json_object_new_object();
	json_object *argv = json_object_new_array();
	json_object *start = json_object_new_object();
	char *const *a;

	for (a = s->argv; *a; a++)
		json_object_array_add(argv, json_object_new_string(*a));
	add_int(o, "version", 1);
	add_int(o, "wrapper_pid", s->wrapper_pid);
	add_int(o, "qemu_pid", s->qemu_pid);
	add_str(o, "qemu", s->qemu);
	add_str(o, "gdb", s->gdb);
	add_bool(o, "gdb_added", s->gdb_added);
	add_str(o, "monitor", s->monitor);
	add_bool(o, "hold", s->hold);
	add_str(o, "kernel", s->li->kernel);
	add_str(o, "initrd", s->li->initrd);
	add_str(o, "append", s->li->append);
	add_str(o, "accel", s->li->accel);
	add_str(o, "accel_active", s->accel_active);
	add_int(start, "realtime_ns", s->start_realtime_ns);
	add_int(start, "monotonic_ns", s->start_monotonic_ns);
	json_object_object_add(o, "start", start);
	add_str(o, "events", s->events);
	add_str(o, "exit_file", s->exit_file);
	json_object_object_add(o, "argv", argv);
	return o;
}

/*
 * o as pretty JSON, whole or not at all (kit_outfile: a hidden mkostemp
 * temporary beside path, O_EXCL, 0600, so nothing planted under that name
 * is opened; then rename); o is released.  No fsync: run files do not
 * outlive a crash.
 */
static int write_json(const char *path, json_object *o, struct kit_err *err)
{
	const char *text = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	struct kit_outfile f;
	int ret = -1;

	if (kit_outfile_open(&f, path, 0600, KIT_OUTFILE_NOSYNC, err) < 0)
		goto out;
	if (kit_outfile_write(&f, text, strlen(text), err) < 0 ||
	    kit_outfile_write(&f, "\n", 1, err) < 0) {
		kit_outfile_abort(&f);
		goto out;
	}
	ret = kit_outfile_commit(&f, err);
out:
	json_object_put(o);
	return ret;
}

int wrap_session_write(const char *path, const struct wrap_session *s,
		       struct kit_err *err)
{
	return write_json(path, session_json(s), err);
}

int wrap_exit_write(const char *path, const struct wrap_exit *x,
		    struct kit_err *err)
{
	json_object *o = json_object_new_object();
	int sig = WIFSIGNALED(x->wstatus) ? WTERMSIG(x->wstatus) : 0;
	char name[32];

	add_int(o, "version", 1);
	add_int(o, "wrapper_pid", x->wrapper_pid);
	add_int(o, "qemu_pid", x->qemu_pid);
	add_str(o, "status", sig ? "signaled" : "exited");
	json_object_object_add(o, "code", sig ? NULL :
		json_object_new_int(WEXITSTATUS(x->wstatus)));
	json_object_object_add(o, "signal", sig ? json_object_new_int(sig) : NULL);
	if (sig)
		snprintf(name, sizeof name, "SIG%s",
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	add_str(o, "signal_name", sig ? name : NULL);
	add_str(o, "shutdown_reason", x->shutdown_reason[0] ?
		x->shutdown_reason : NULL);
	add_bool(o, "guest_panicked", x->guest_panicked);
	add_int(o, "realtime_ns", x->realtime_ns);
	if (x->have_rusage) {
		json_object *ru = json_object_new_object();

		add_int(ru, "max_rss_kb", x->max_rss_kb);
		add_int(ru, "user_us", x->user_us);
		add_int(ru, "system_us", x->system_us);
		add_int(ru, "minor_faults", x->minor_faults);
		add_int(ru, "major_faults", x->major_faults);
		json_object_object_add(o, "rusage", ru);
	} else {
		json_object_object_add(o, "rusage", NULL);
	}
	return write_json(path, o, err);
}

static bool pid_gone(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* The session file NAME names its own wrapper pid: it is a session file
 * of ours, not some other file that happens to be called N.json.  Read
 * as clients read one (kit_read_own_file: regular, ours, no link, no
 * FIFO waited on). */
static bool is_our_session(const char *rundir, const char *name, long pid)
{
	char path[4200], *text;
	json_object *o, *v;
	bool ours;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", rundir, name) >=
	    sizeof path ||
	    kit_read_own_file("session file", path, 65535, &text, NULL, NULL) < 0)
		return false;
	o = json_tokener_parse(text);
	free(text);
	ours = o && json_object_object_get_ex(o, "version", &v) &&
	       json_object_get_int(v) == 1 &&
	       json_object_object_get_ex(o, "wrapper_pid", &v) &&
	       json_object_is_type(v, json_type_int) &&
	       json_object_get_int64(v) == pid;
	json_object_put(o);
	return ours;
}

int wrap_session_prune(const char *rundir)
{
	struct timespec now;
	DIR *d = opendir(rundir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	clock_gettime(CLOCK_REALTIME, &now);
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		bool hidden = name[0] == '.';
		char *end;
		long pid = strtol(name + hidden, &end, 10);
		struct stat st;
		bool stale = false;

		if (end == name + hidden || pid <= 0 || !pid_gone(pid) ||
		    fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_uid != getuid())
			continue;
		/*
		 * Only what a wrapper of ours leaves, and only once its
		 * wrapper is gone: the session file (checked by its
		 * content), a temporary file of one, its sockets, and exit
		 * records and event logs older than PRUNE_KEEP_S (a
		 * profiler reads them just after qemu exits).
		 */
		if (hidden)
			stale = S_ISREG(st.st_mode) && !strncmp(end, ".json.", 6);
		else if (!strcmp(end, ".json"))
			stale = S_ISREG(st.st_mode) &&
				is_our_session(rundir, name, pid);
		else if (!strcmp(end, ".gdb.sock") || !strcmp(end, ".mon.sock"))
			stale = S_ISSOCK(st.st_mode);
		else if (!strcmp(end, ".exit.json") || !strcmp(end, ".events"))
			stale = S_ISREG(st.st_mode) &&
				now.tv_sec - st.st_mtim.tv_sec > PRUNE_KEEP_S;
		if (stale && unlinkat(dirfd(d), name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}
