/*
 * trace.c: Chrome trace-event JSON ("JSON Object Format"), which
 * Perfetto's UI and chrome://tracing open:
 *
 *   {"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}
 *
 * Each profile is a process (pid 1, 2 ... in the order given), named by
 * "M" process_name metadata; tid 1 holds the phases, tid 2 the initcalls,
 * both named by "M" thread_name.  Phases and initcalls are "X" complete
 * events, ts and dur in microseconds (three decimals: nanoseconds) since
 * QEMU started.  An incomplete profile gets an "i" instant event where it
 * stops.  A profile with kernel log messages has a third thread, tid 3
 * "kernel log", with an "i" instant event (thread scope) per message at
 * its time: named by the text's first TRACE_NAME_MAX bytes, so the
 * timeline stays readable, the whole text and the level in args.  Samples
 * that name their processes (time by process) give a track per guest
 * process, tid TRACE_PROC_TID + its index, named "comm (pid N)" ("[comm]"
 * for a kernel thread), with an "X" event per slice of consecutive
 * samples.  Samples of several vCPUs put those slices on a track per CPU
 * instead, tid TRACE_CPU_TID + the CPU, named "CPU N", each slice named
 * after its process.  A profile with the guest's memory (its "memory"
 * points) gets a counter, "C" events named "guest memory (MiB)" with
 * used, buff/cache and free in args (free(1)'s columns), which Perfetto
 * draws as a track.  Every event carries ph, ts, pid and tid, metadata
 * included.
 */
#include "internal.h"

#include <errno.h>
#include <json.h>
#include <string.h>

/* bytes of a message's text that name its event */
#define TRACE_NAME_MAX 120
/* the first guest process's track */
#define TRACE_PROC_TID 100
/* CPU 0's track (profiles of several vCPUs: at most PROF_CPUS_MAX) */
#define TRACE_CPU_TID 10000

static json_object *us(double ns)
{
	char b[48];

	snprintf(b, sizeof b, "%.3f", ns / 1e3);
	return json_object_new_double_s(ns / 1e3, b);
}

static int add(json_object *o, const char *k, json_object *v)
{
	if (!v)
		return -1;
	return json_object_object_add(o, k, v);
}

static json_object *event(json_object *arr, const char *ph, const char *name,
			  int pid, int tid, double ts_ns)
{
	json_object *e = json_object_new_object();

	if (!e)
		return NULL;
	if (json_object_array_add(arr, e)) {
		json_object_put(e);
		return NULL;
	}
	if (add(e, "name", prof_json_string(name)) ||
	    add(e, "ph", json_object_new_string(ph)) ||
	    add(e, "ts", us(ts_ns)) ||
	    add(e, "pid", json_object_new_int(pid)) ||
	    add(e, "tid", json_object_new_int(tid)))
		return NULL;
	return e;
}

static int meta(json_object *arr, const char *what, int pid, int tid,
		const char *name)
{
	json_object *e = event(arr, "M", what, pid, tid, 0), *a;

	if (!e || add(e, "args", a = json_object_new_object()) ||
	    add(a, "name", prof_json_string(name)))
		return -1;
	return 0;
}

/* s cut to TRACE_NAME_MAX bytes on a character boundary, with "..." when
 * cut, in buf (TRACE_NAME_MAX + 4 bytes); s itself when it fits. */
static const char *short_name(char *buf, const char *s)
{
	size_t len, n;

	for (len = 0; s[len]; len += n) {
		if (!(n = prof_utf8_len(s + len)))
			n = 1;
		if (len + n > TRACE_NAME_MAX) {
			memcpy(buf, s, len);
			strcpy(buf + len, "...");
			return buf;
		}
	}
	return s;
}

static int messages(json_object *arr, const struct prof_profile *p, int pid,
		    int64_t lo)
{
	json_object *e, *a;
	char name[TRACE_NAME_MAX + 4];
	size_t i;

	/* no thread for an empty log: older profiles' traces stay as
	 * they were */
	if (!p->nmessages)
		return 0;
	if (meta(arr, "thread_name", pid, 3, "kernel log"))
		return -1;
	for (i = 0; i < p->nmessages; i++) {
		const struct prof_message *m = &p->messages[i];

		e = event(arr, "i", short_name(name, m->text), pid, 3,
			  (double)(m->t_ns - lo));
		if (!e || add(e, "s", json_object_new_string("t")) ||
		    add(e, "cat", json_object_new_string("printk")) ||
		    add(e, "args", a = json_object_new_object()) ||
		    add(a, "level", json_object_new_int(m->level)) ||
		    add(a, "text", prof_json_string(m->text)))
			return -1;
	}
	return 0;
}

static int procs(json_object *arr, const struct prof_profile *p, int pid,
		 int64_t lo)
{
	const struct prof_samples *s = &p->samples;
	json_object *e, *a;
	char name[128], track[160];
	size_t i;

	for (i = 0; i < s->nprocs; i++) {
		prof_proc_name(&s->procs[i], name, sizeof name);
		snprintf(track, sizeof track, "%s (pid %lld)", name,
			 (long long)s->procs[i].pid);
		if (meta(arr, "thread_name", pid, TRACE_PROC_TID + (int)i, track))
			return -1;
	}
	/* several vCPUs: a track per CPU ("CPU 0"...), each slice on its
	 * CPU's, named after its process (on a process's own track, the
	 * slices of two CPUs would overlap) */
	for (i = 0; i < (size_t)prof_sample_cpus(p); i++) {
		snprintf(track, sizeof track, "CPU %zu", i);
		if (meta(arr, "thread_name", pid, TRACE_CPU_TID + (int)i, track))
			return -1;
	}
	for (i = 0; i < s->nslices; i++) {
		const struct prof_slice *sl = &s->slices[i];

		if (sl->process < 0)
			continue;
		e = event(arr, "X", s->procs[sl->process].comm, pid,
			  sl->cpu >= 0 ? TRACE_CPU_TID + (int)sl->cpu :
			  TRACE_PROC_TID + (int)sl->process, (double)(sl->start_ns - lo));
		if (!e || add(e, "dur", us((double)(sl->end_ns - sl->start_ns))) ||
		    add(e, "cat", json_object_new_string("process")) ||
		    add(e, "args", a = json_object_new_object()) ||
		    add(a, "samples", json_object_new_int64(sl->samples)))
			return -1;
	}
	return 0;
}

/* The guest's memory at each point, a counter (tid 1: counters belong to
 * the process; the tid is there for every event to have one). */
static int memory(json_object *arr, const struct prof_profile *p, int pid,
		  int64_t lo)
{
	size_t i;

	for (i = 0; i < p->memory.npoints; i++) {
		const struct prof_mem_point *pt = &p->memory.points[i];
		struct prof_mem_free f;
		json_object *e, *a;
		char b[32];

		prof_mem_free_of(pt, &f);
		e = event(arr, "C", "guest memory (MiB)", pid, 1, (double)(pt->t_ns - lo));
		if (!e || add(e, "args", a = json_object_new_object()))
			return -1;
#define MIB(k, v) ((v) < 0 ? 0 : (snprintf(b, sizeof b, "%.1f", (double)(v) / 1024), \
		   add(a, k, json_object_new_double_s((double)(v) / 1024, b))))
		if (MIB("used", f.used) || MIB("buff/cache", f.buff_cache) ||
		    MIB("free", f.free))
			return -1;
#undef MIB
	}
	return 0;
}

static int one(json_object *arr, const struct prof_profile *p, int pid)
{
	int64_t lo, hi;
	json_object *e, *a;
	char name[512];
	size_t i;

	prof_span(p, &lo, &hi);
	snprintf(name, sizeof name, "boot %d: %s%s", pid,
		 p->source ? p->source : "profile",
		 p->complete ? "" : " (INCOMPLETE)");
	if (meta(arr, "process_name", pid, 0, name) ||
	    meta(arr, "thread_name", pid, 1, "phases") ||
	    meta(arr, "thread_name", pid, 2, "initcalls"))
		return -1;
	for (i = 0; i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];

		e = event(arr, "X", ph->label, pid, 1,
			  (double)(ph->start_ns - lo));
		if (!e || add(e, "dur", us((double)ph->duration_ns)) ||
		    add(e, "cat", json_object_new_string("phase")) ||
		    add(e, "args", a = json_object_new_object()) ||
		    add(a, "id", prof_json_string(ph->id)))
			return -1;
	}
	for (i = 0; i < p->ninitcalls; i++) {
		const struct prof_initcall *ic = &p->initcalls[i];
		char cat[64];

		snprintf(cat, sizeof cat, "initcall,%.40s", ic->level);
		e = event(arr, "X", ic->fn, pid, 2,
			  (double)(ic->start_ns - lo));
		if (!e || add(e, "dur", us((double)ic->duration_ns)) ||
		    add(e, "cat", prof_json_string(cat)) ||
		    add(e, "args", a = json_object_new_object()) ||
		    add(a, "level", prof_json_string(ic->level)) ||
		    add(a, "order", json_object_new_int64(ic->order)) ||
		    (ic->has_ret && add(a, "ret", json_object_new_int64(ic->ret))) ||
		    (ic->module && add(a, "module",
				       prof_json_string(ic->module))))
			return -1;
	}
	if (messages(arr, p, pid, lo) || procs(arr, p, pid, lo) ||
	    memory(arr, p, pid, lo))
		return -1;
	if (!p->complete) {
		snprintf(name, sizeof name, "INCOMPLETE: %s",
			 p->incomplete_reason ? p->incomplete_reason
					      : "reason unknown");
		e = event(arr, "i", name, pid, 1, (double)(p->end_ns - lo));
		if (!e || add(e, "s", json_object_new_string("p")))
			return -1;
	}
	return 0;
}

int prof_report_trace(struct prof_profile *const *p, size_t n, FILE *out,
		      struct kit_err *err)
{
	json_object *root = json_object_new_object(), *arr, *other;
	const char *s;
	size_t i;
	int rc = -1;

	if (!root || add(root, "traceEvents", arr = json_object_new_array()))
		goto nomem;
	for (i = 0; i < n; i++)
		if (one(arr, p[i], (int)i + 1))
			goto nomem;
	if (add(root, "displayTimeUnit", json_object_new_string("ms")) ||
	    add(root, "otherData", other = json_object_new_object()) ||
	    add(other, "generator",
		json_object_new_string("gdbstub-client report --format=trace")) ||
	    add(other, "profile_schema_version",
		json_object_new_int(PROF_SCHEMA_VERSION)))
		goto nomem;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		goto nomem;
	fputs(s, out);
	fputc('\n', out);
	rc = prof_out_check(out, err);
	json_object_put(root);
	return rc;
nomem:
	json_object_put(root);
	return kit_seterr(err, ENOMEM, "out of memory");
}
