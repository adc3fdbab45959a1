/*
 * file.c: a profile's JSON form (docs/profile-schema.md), read and
 * written.  Loading checks every field the reports use and names the
 * first bad one as a path ("initcalls[3].duration_ns"); fields it does not
 * know are ignored, so a newer recorder's extras do not break an older
 * report.
 */
#include "outfile.h"
#include "model.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct loader {
	const char *name;
	struct kit_err *err;
};

static int bad(struct loader *l, const char *path, const char *what)
{
	return kit_seterr(l->err, PROF_ESCHEMA, "%s: '%s' %s", l->name, path,
			  what);
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v; /* NULL also for an explicit JSON null */
}

/* room for a member's name in messages: "initcalls[3].duration_ns" */
#define FIELD_NAME_MAX 256

static const char *must_be(json_type t)
{
	return t == json_type_int ? "must be an integer" :
	       t == json_type_string ? "must be a string" :
	       t == json_type_array ? "must be an array" : "must be an object";
}

/*
 * Member key of o, which must be a t, into *v: 0 with *v NULL when it is
 * absent, -1 when it is absent but required or is not a t.  full
 * (FIELD_NAME_MAX bytes) gets its name for messages: path.key, or key
 * where path is "".
 */
static int typed_member(struct loader *l, json_object *o, const char *path,
			const char *key, int required, json_type t, char *full,
			json_object **v)
{
	snprintf(full, FIELD_NAME_MAX, "%s%s%s", path, *path ? "." : "", key);
	if (!(*v = member(o, key)))
		return required ? bad(l, full, "is missing") : 0;
	if (!json_object_is_type(*v, t)) {
		*v = NULL;
		return bad(l, full, must_be(t));
	}
	return 0;
}

/*
 * An integer field in [min, max]; ns says it is a time, for the message:
 * "must not be negative", "is out of range (more than 2^53 ns, 104 days)"
 * (PROF_NS_MAX), "... (more than 2^53)" (PROF_COUNT_MAX).
 */
static int get_i64(struct loader *l, json_object *o, const char *key,
		   const char *path, int required, int64_t min, int64_t max,
		   int ns, int64_t *out)
{
	json_object *v;
	char full[FIELD_NAME_MAX];
	int64_t x;
	int rc;

	if ((rc = typed_member(l, o, path, key, required, json_type_int, full,
			       &v)) || !v)
		return rc;
	errno = 0;
	x = json_object_get_int64(v);
	if (errno == ERANGE)
		return bad(l, full, "is out of range");
	if (x < min)
		return bad(l, full, min == 0 ? "must not be negative" :
			   ns ? "is out of range (less than -2^53 ns, 104 days)" :
			   "is out of range");
	if (x > max)
		return bad(l, full,
			   ns ? "is out of range (more than 2^53 ns, 104 days)" :
			   "is out of range (more than 2^53)");
	*out = x;
	return 0;
}

/* *sum += v, refused past PROF_NS_MAX (ns) or PROF_COUNT_MAX; every v is
 * in [0, that] already. */
static int add_sum(struct loader *l, int64_t *sum, int64_t v, int ns,
		   const char *what)
{
	int64_t max = ns ? PROF_NS_MAX : PROF_COUNT_MAX;

	if (v > max - *sum)
		return kit_seterr(l->err, PROF_ESCHEMA,
				  "%s: '%s' add up to more than 2^53%s", l->name,
				  what, ns ? " ns (104 days)" : "");
	*sum += v;
	return 0;
}

static int get_str(struct loader *l, json_object *o, const char *key,
		   const char *path, int required, char **out)
{
	json_object *v;
	char full[FIELD_NAME_MAX];
	int rc;

	if ((rc = typed_member(l, o, path, key, required, json_type_string,
			       full, &v)) || !v)
		return rc;
	if (required && !json_object_get_string_len(v))
		return bad(l, full, "must not be empty");
	free(*out);
	if (!(*out = strdup(json_object_get_string(v))))
		return prof_nomem(l->err);
	return 0;
}

/*
 * A simple member of an object: a string, or an integer in [min, max]
 * (ns: a time, for get_i64's messages), kept at off in the struct the
 * object is read into and written from.  get_fields() reads a table of
 * them in order, so the first bad one named is the first in the table;
 * put_fields() writes them in the same order.  An OPT or SPARSE member
 * may be absent (a string is then NULL, an integer 0); a SPARSE integer
 * is written only when it is not 0, a string only when not NULL.
 */
struct field {
	const char *key;
	enum { F_STR, F_I64 } kind;
	enum { OPT, REQ, SPARSE } use;
	int ns;
	int64_t min, max;
	size_t off;
};

#define STR(key, use, type, member) \
	{ key, F_STR, use, 0, 0, 0, offsetof(type, member) }
#define I64(key, use, min, max, ns, type, member) \
	{ key, F_I64, use, ns, min, max, offsetof(type, member) }
/* a time on the boot timeline (min -PROF_NS_MAX) or a duration (min 0) */
#define NS(key, use, min, type, member) \
	I64(key, use, min, PROF_NS_MAX, 1, type, member)
#define COUNT(key, use, type, member) \
	I64(key, use, 0, PROF_COUNT_MAX, 0, type, member)
#define NFIELDS(t) (sizeof (t) / sizeof (t)[0])

static int get_fields(struct loader *l, json_object *o, const char *path,
		      const struct field *f, size_t n, void *base)
{
	char *at;

	for (; n--; f++) {
		at = (char *)base + f->off;
		if (f->kind == F_STR ?
		    get_str(l, o, f->key, path, f->use == REQ, (char **)at) :
		    get_i64(l, o, f->key, path, f->use == REQ, f->min, f->max,
			    f->ns, (int64_t *)at))
			return -1;
	}
	return 0;
}

/* typed_member() named by key alone: the arrays, and the top level's
 * objects */
static int get_typed(struct loader *l, json_object *o, const char *key,
		     int required, json_type t, json_object **v)
{
	char full[FIELD_NAME_MAX];

	return typed_member(l, o, "", key, required, t, full, v);
}

/* Reads element i of an array, the object o at path (64 bytes, may be
 * extended), into item; sum is the array's running total (add_sum). */
typedef int load_item_fn(struct loader *l, json_object *o, char *path,
			 void *item, size_t i, int64_t *sum);

/*
 * The array of objects under key (absent: none, unless required), read
 * element by element with fn into zeroed room of size bytes each, which
 * is returned (NULL when empty) for the caller to keep even when *rc is
 * -1: *count says how many elements were started, for freeing.  prefix
 * names the array in messages ("stops.list[3]").
 */
static void *load_array(struct loader *l, json_object *o, const char *key,
			const char *prefix, int required, size_t size,
			size_t *count, load_item_fn *fn, int *rc)
{
	json_object *arr, *e;
	int64_t sum = 0;
	char *items = NULL;
	size_t i, n;

	*rc = -1;
	if (get_typed(l, o, key, required, json_type_array, &arr))
		return NULL;
	n = arr ? json_object_array_length(arr) : 0;
	if (n && !(items = calloc(n, size))) {
		prof_nomem(l->err);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char path[64];

		*count = i + 1;
		e = json_object_array_get_idx(arr, i);
		snprintf(path, sizeof path, "%s[%zu]", prefix, i);
		if (!e || !json_object_is_type(e, json_type_object)) {
			bad(l, path, "must be an object");
			return items;
		}
		if (fn(l, e, path, items + i * size, i, &sum))
			return items;
	}
	*rc = 0;
	return items;
}

static const struct field env_fields[] = {
	STR("qemu", OPT, struct prof_env, qemu),
	STR("qemu_version", OPT, struct prof_env, qemu_version),
	STR("accel", OPT, struct prof_env, accel),
	STR("kernel", OPT, struct prof_env, kernel),
	STR("kernel_version", OPT, struct prof_env, kernel_version),
	STR("cmdline", OPT, struct prof_env, cmdline),
	STR("host", OPT, struct prof_env, host),
	STR("hostname", OPT, struct prof_env, hostname),
	STR("cpu_model", OPT, struct prof_env, cpu_model),
	STR("recorded_at", OPT, struct prof_env, recorded_at),
	STR("tool", OPT, struct prof_env, tool),
};

static int load_env(struct loader *l, json_object *root, struct prof_env *e)
{
	json_object *o;
	int rc;

	if ((rc = get_typed(l, root, "environment", 0, json_type_object, &o)) || !o)
		return rc;
	return get_fields(l, o, "environment", env_fields, NFIELDS(env_fields),
			  e);
}

static const struct field phase_fields[] = {
	STR("id", REQ, struct prof_phase, id),
	STR("label", OPT, struct prof_phase, label),
	NS("start_ns", REQ, -PROF_NS_MAX, struct prof_phase, start_ns),
	NS("duration_ns", REQ, 0, struct prof_phase, duration_ns),
};

static int load_phase(struct loader *l, json_object *o, char *path,
		      void *item, size_t i, int64_t *sum)
{
	struct prof_phase *ph = item;

	if (get_fields(l, o, path, phase_fields, NFIELDS(phase_fields), ph) ||
	    add_sum(l, sum, ph->duration_ns, 1, "phases[].duration_ns"))
		return -1;
	if (!ph->label && !(ph->label = strdup(prof_phase_label(ph->id))))
		return prof_nomem(l->err);
	return 0;
}

/* "order" is optional: the position in the array when absent */
static const struct field initcall_fields[] = {
	STR("fn", REQ, struct prof_initcall, fn),
	STR("level", REQ, struct prof_initcall, level),
	STR("module", OPT, struct prof_initcall, module),
	I64("order", OPT, 0, INT64_MAX, 0, struct prof_initcall, order),
	NS("start_ns", REQ, -PROF_NS_MAX, struct prof_initcall, start_ns),
	NS("duration_ns", REQ, 0, struct prof_initcall, duration_ns),
};

static int load_initcall(struct loader *l, json_object *o, char *path,
			 void *item, size_t i, int64_t *sum)
{
	struct prof_initcall *ic = item;
	json_object *v;

	ic->order = (int64_t)i;
	if (get_fields(l, o, path, initcall_fields, NFIELDS(initcall_fields),
		       ic) ||
	    add_sum(l, sum, ic->duration_ns, 1, "initcalls[].duration_ns"))
		return -1;
	if ((v = member(o, "ret"))) {
		if (get_i64(l, o, "ret", path, 1, INT64_MIN, INT64_MAX, 0,
			    &ic->ret))
			return -1;
		ic->has_ret = 1;
	}
	if ((v = member(o, "sync"))) {
		if (!json_object_is_type(v, json_type_boolean)) {
			char full[96];

			snprintf(full, sizeof full, "%s.sync", path);
			return bad(l, full, "must be true or false");
		}
		ic->sync = json_object_get_boolean(v);
	}
	return 0;
}

static int load_phases(struct loader *l, json_object *root,
		       struct prof_profile *p)
{
	int rc;

	p->phases = load_array(l, root, "phases", "phases", 1, sizeof *p->phases,
			       &p->nphases, load_phase, &rc);
	return rc;
}

static int load_initcalls(struct loader *l, json_object *root,
			  struct prof_profile *p)
{
	int rc;

	p->initcalls = load_array(l, root, "initcalls", "initcalls", 1,
				  sizeof *p->initcalls, &p->ninitcalls,
				  load_initcall, &rc);
	return rc;
}

/* host CLOCK_MONOTONIC: any non-negative value */
static const struct field stop_fields[] = {
	I64("reported_ns", REQ, 0, INT64_MAX, 1, struct prof_stop, reported_ns),
	I64("resumed_ns", REQ, 0, INT64_MAX, 1, struct prof_stop, resumed_ns),
};

static int load_stop(struct loader *l, json_object *e, char *path,
		     void *item, size_t i, int64_t *sum)
{
	struct prof_stop *st = item;
	char *kind = NULL;
	json_object *w;
	int r;

	if (get_str(l, e, "kind", path, 1, &kind))
		return -1;
	r = !strcmp(kind, "debug") ? 0 :
	    !strcmp(kind, "interrupt") ? 1 : -1;
	free(kind);
	if (r < 0) {
		strcat(path, ".kind");
		return bad(l, path, "must be \"debug\" or \"interrupt\"");
	}
	st->kind = r ? PROF_STOP_INTERRUPT : PROF_STOP_DEBUG;
	/* "watch": true marks a watchpoint stop, kind "debug" for readers
	 * that know no other */
	w = member(e, "watch");
	if (!r && w && json_object_is_type(w, json_type_boolean) &&
	    json_object_get_boolean(w))
		st->kind = PROF_STOP_WATCH;
	if (get_fields(l, e, path, stop_fields, NFIELDS(stop_fields), st))
		return -1;
	if (st->resumed_ns < st->reported_ns)
		return bad(l, path, "is resumed before it was reported");
	return 0;
}

static const struct field sample_fields[] = {
	STR("region", REQ, struct prof_sample, region),
	STR("symbol", OPT, struct prof_sample, symbol),
	COUNT("count", REQ, struct prof_sample, count),
};

static int load_sample(struct loader *l, json_object *e, char *path,
		       void *item, size_t i, int64_t *sum)
{
	struct prof_sample *sm = item;

	/* "mode" after the sum, so a bad total is named first */
	sm->cpu = -1;
	if (get_fields(l, e, path, sample_fields, NFIELDS(sample_fields), sm) ||
	    add_sum(l, sum, sm->count, 0, "samples.entries[].count") ||
	    get_str(l, e, "mode", path, 0, &sm->mode) ||
	    get_i64(l, e, "cpu", path, 0, 0, PROF_CPUS_MAX - 1, 0, &sm->cpu))
		return -1;
	return 0;
}

static const struct field process_fields[] = {
	I64("pid", REQ, 0, INT32_MAX, 0, struct prof_process, pid),
	STR("comm", REQ, struct prof_process, comm),
	NS("first_ns", REQ, -PROF_NS_MAX, struct prof_process, first_ns),
	COUNT("samples", REQ, struct prof_process, samples),
	COUNT("user_samples", REQ, struct prof_process, user_samples),
};

static int load_process(struct loader *l, json_object *e, char *path,
			void *item, size_t i, int64_t *sum)
{
	struct prof_process *pr = item;
	json_object *v;

	if (get_fields(l, e, path, process_fields, NFIELDS(process_fields), pr))
		return -1;
	if (pr->user_samples > pr->samples) {
		strcat(path, ".user_samples");
		return bad(l, path, "is more than samples");
	}
	if ((v = member(e, "kernel_thread"))) {
		if (!json_object_is_type(v, json_type_boolean)) {
			strcat(path, ".kernel_thread");
			return bad(l, path, "must be true or false");
		}
		pr->kthread = json_object_get_boolean(v);
	}
	return 0;
}

/* samples.slices: [process, start_ns, end_ns, samples] each, the process
 * an index into samples.processes, or -1 (not known); a fifth number is
 * the vCPU (profiles of several) */
static int load_slices(struct loader *l, json_object *o, struct prof_samples *s)
{
	json_object *arr, *e;
	size_t i, n;
	int rc;

	if ((rc = get_typed(l, o, "slices", 0, json_type_array, &arr)) || !arr)
		return rc;
	n = json_object_array_length(arr);
	if (n && !(s->slices = calloc(n, sizeof *s->slices)))
		return prof_nomem(l->err);
	for (i = 0; i < n; i++) {
		struct prof_slice *sl = &s->slices[i];
		int64_t v[5] = { 0, 0, 0, 0, -1 };
		char path[64];
		size_t k, len;

		snprintf(path, sizeof path, "samples.slices[%zu]", i);
		e = json_object_array_get_idx(arr, i);
		if (!e || !json_object_is_type(e, json_type_array) ||
		    ((len = json_object_array_length(e)) != 4 && len != 5))
			return bad(l, path, "must be [process, start_ns, end_ns, samples] "
				   "or [process, start_ns, end_ns, samples, cpu]");
		for (k = 0; k < len; k++) {
			json_object *x = json_object_array_get_idx(e, k);

			errno = 0;
			if (!x || !json_object_is_type(x, json_type_int) ||
			    ((v[k] = json_object_get_int64(x)), errno) ||
			    v[k] < (k == 0 ? -1 : k == 1 || k == 2 ? -PROF_NS_MAX : 0) ||
			    v[k] > (k == 0 ? (int64_t)s->nprocs - 1 :
				    k == 3 ? PROF_COUNT_MAX : k == 4 ? PROF_CPUS_MAX - 1 :
				    PROF_NS_MAX))
				return bad(l, path, k == 0 ? "names no process in "
					   "samples.processes" : "holds a number out of range");
		}
		if (v[2] < v[1])
			return bad(l, path, "ends before it starts");
		sl->process = v[0];
		sl->start_ns = v[1];
		sl->end_ns = v[2];
		sl->samples = v[3];
		sl->cpu = v[4];
		s->nslices = i + 1;
	}
	return 0;
}

static const struct field stops_fields[] = {
	COUNT("count", REQ, struct prof_stops, count),
	COUNT("debug_stops", REQ, struct prof_stops, debug_stops),
	COUNT("interrupt_stops", REQ, struct prof_stops, interrupt_stops),
	COUNT("watch_stops", SPARSE, struct prof_stops, watch_stops),
	NS("client_ns", REQ, 0, struct prof_stops, client_ns),
	NS("median_ns", OPT, 0, struct prof_stops, median_ns),
	NS("p95_ns", OPT, 0, struct prof_stops, p95_ns),
	NS("self_median_ns", SPARSE, 0, struct prof_stops, self_median_ns),
	NS("cost_per_debug_stop_ns", SPARSE, 0, struct prof_stops,
	   cost_per_debug_stop_ns),
};

static int load_stops(struct loader *l, json_object *root,
		      struct prof_stops *s)
{
	json_object *o;
	int rc;

	if ((rc = get_typed(l, root, "stops", 0, json_type_object, &o)) || !o)
		return rc;
	if (get_fields(l, o, "stops", stops_fields, NFIELDS(stops_fields), s))
		return -1;
	s->list = load_array(l, o, "list", "stops.list", 0, sizeof *s->list,
			     &s->nlist, load_stop, &rc);
	return rc;
}

static int load_samples(struct loader *l, json_object *root,
			struct prof_samples *s)
{
	json_object *o, *v;
	int rc;

	if ((rc = get_typed(l, root, "samples", 0, json_type_object, &o)) || !o)
		return rc;
	v = member(o, "rate_hz");
	/* json-c reads NaN and Infinity too */
	if (!v || !(json_object_is_type(v, json_type_int) ||
		    json_object_is_type(v, json_type_double)) ||
	    !(json_object_get_double(v) > 0) ||
	    !(json_object_get_double(v) <= PROF_RATE_MAX))
		return bad(l, "samples.rate_hz",
			   "must be a positive number, at most 1e9");
	s->rate_hz = json_object_get_double(v);
	if (get_str(l, o, "method", "samples", 0, &s->method))
		return -1;
	s->list = load_array(l, o, "entries", "samples.entries", 1,
			     sizeof *s->list, &s->n, load_sample, &rc);
	if (rc)
		return rc;
	s->procs = load_array(l, o, "processes", "samples.processes", 0,
			      sizeof *s->procs, &s->nprocs, load_process, &rc);
	return rc ? rc : load_slices(l, o, s);
}

/* "level" and "text" by hand: level is an int with a meaning of its own
 * for -1, and text may be empty, unlike a required get_str() */
static int load_message(struct loader *l, json_object *o, char *path,
			void *item, size_t i, int64_t *sum)
{
	struct prof_message *m = item;
	char full[FIELD_NAME_MAX];
	json_object *v;
	int64_t level = -1;
	size_t len;

	if (get_i64(l, o, "t_ns", path, 1, -PROF_NS_MAX, PROF_NS_MAX, 1,
		    &m->t_ns) ||
	    get_i64(l, o, "level", path, 0, INT64_MIN, INT64_MAX, 0, &level))
		return -1;
	if (level < -1 || level > 7) {
		snprintf(full, sizeof full, "%s.level", path);
		return bad(l, full, "must be -1 (unknown) or a printk level 0..7");
	}
	m->level = (int)level;
	if (typed_member(l, o, path, "text", 1, json_type_string, full, &v))
		return -1;
	/* measured as it would be written, so what is read can be written
	 * and read back */
	if (!(m->text = prof_utf8_dup(json_object_get_string(v),
				      PROF_MESSAGE_MAX, &len)))
		return prof_nomem(l->err);
	if (len > PROF_MESSAGE_MAX)
		return bad(l, full, "is longer than 4096 bytes");
	return 0;
}

static int load_messages(struct loader *l, json_object *root,
			 struct prof_profile *p)
{
	json_object *arr;
	int rc;

	if ((rc = get_typed(l, root, "messages", 0, json_type_array, &arr)) ||
	    !arr)
		return rc;
	if (json_object_array_length(arr) > PROF_MESSAGES_MAX)
		return bad(l, "messages", "has more than 1000000 entries");
	p->messages = load_array(l, root, "messages", "messages", 0,
				 sizeof *p->messages, &p->nmessages,
				 load_message, &rc);
	return rc;
}

static const struct field root_fields[] = {
	STR("end", OPT, struct prof_profile, end),
	NS("end_ns", OPT, -PROF_NS_MAX, struct prof_profile, end_ns),
};

static int load_root(struct loader *l, json_object *root,
		     struct prof_profile *p)
{
	json_object *v;
	int64_t ver;

	if (!json_object_is_type(root, json_type_object))
		return kit_seterr(l->err, PROF_ESCHEMA,
				  "%s: not a profile (the top level is not an object)",
				  l->name);
	v = member(root, "version");
	if (!v || !json_object_is_type(v, json_type_int))
		return kit_seterr(l->err, PROF_EVERSION,
				  "%s: not a profile (no integer 'version')",
				  l->name);
	ver = json_object_get_int64(v);
	if (ver != PROF_SCHEMA_VERSION)
		return kit_seterr(l->err, PROF_EVERSION,
				  "%s: profile schema version %lld is not supported (this build reads version %d)",
				  l->name, (long long)ver, PROF_SCHEMA_VERSION);
	p->version = (int)ver;
	v = member(root, "complete");
	if (!v || !json_object_is_type(v, json_type_boolean))
		return bad(l, "complete", v ? "must be true or false"
					    : "is missing");
	p->complete = json_object_get_boolean(v);
	if (get_str(l, root, "incomplete_reason", "", 0, &p->incomplete_reason) ||
	    get_fields(l, root, "", root_fields, NFIELDS(root_fields), p) ||
	    load_env(l, root, &p->env) ||
	    load_phases(l, root, p) ||
	    load_initcalls(l, root, p) ||
	    load_stops(l, root, &p->stops) ||
	    load_samples(l, root, &p->samples) ||
	    load_messages(l, root, p) ||
	    prof_memory_load(root, l->name, &p->memory, l->err))
		return -1;
	if (!p->complete && !p->incomplete_reason &&
	    !(p->incomplete_reason = strdup("reason not recorded")))
		return prof_nomem(l->err);
	return 0;
}

struct prof_profile *prof_parse(const char *buf, size_t len, const char *name,
				struct kit_err *err)
{
	struct loader l = { name ? name : "(profile)", err };
	struct json_tokener *tok;
	json_object *root;
	struct prof_profile *p;
	enum json_tokener_error jerr;

	if (len > INT_MAX)
		return kit_seterr(err, PROF_EJSON, "%s: too large", l.name),
		       NULL;
	if (!(tok = json_tokener_new()))
		return prof_nomem(err), NULL;
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success ||
	    (size_t)json_tokener_get_parse_end(tok) < len) {
		size_t at = json_tokener_get_parse_end(tok), line = 1, i;
		int trailing = root && jerr == json_tokener_success;

		/* anything after the value but white space is an error too */
		if (trailing) {
			for (i = at; i < len && strchr(" \t\r\n", buf[i]); i++)
				;
			if (i == len)
				goto parsed;
			at = i;
		}
		for (i = 0; i < at && i < len; i++)
			line += buf[i] == '\n';
		kit_seterr(err, PROF_EJSON, "%s: not valid JSON at line %zu: %s",
			   l.name, line,
			   trailing ? "text after the end" :
			   jerr == json_tokener_continue ? "unexpected end of file" :
			   json_tokener_error_desc(jerr));
		json_object_put(root);
		json_tokener_free(tok);
		return NULL;
	}
parsed:
	json_tokener_free(tok);
	if (!(p = calloc(1, sizeof *p))) {
		json_object_put(root);
		return prof_nomem(err), NULL;
	}
	if (load_root(&l, root, p) ||
	    (name && !(p->source = strdup(name)) && prof_nomem(err))) {
		json_object_put(root);
		prof_free(p);
		return NULL;
	}
	json_object_put(root);
	return p;
}

struct prof_profile *prof_load(const char *path, struct kit_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, r;
	struct prof_profile *p;

	if (!f)
		return kit_seterr_errno(err, errno, "cannot read '%s'", path),
		       NULL;
	for (;;) {
		if (cap - len < 65536) {
			if (cap > (size_t)INT_MAX) {
				fclose(f);
				free(buf);
				return kit_seterr(err, EFBIG, "%s: too large",
						  path), NULL;
			}
			cap = cap ? cap * 2 : 65536;
			if (!(nb = realloc(buf, cap))) {
				fclose(f);
				free(buf);
				return prof_nomem(err), NULL;
			}
			buf = nb;
		}
		r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(buf);
		return kit_seterr_errno(err, e ? e : EIO, "cannot read '%s'",
					path), NULL;
	}
	fclose(f);
	p = prof_parse(buf, len, path, err);
	free(buf);
	return p;
}

/* ---- writing ---- */

static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -1;
	return json_object_object_add(o, key, v);
}

static int add_str(json_object *o, const char *key, const char *s)
{
	return s ? add(o, key, prof_json_string(s)) : 0;
}

static int add_i64(json_object *o, const char *key, int64_t v)
{
	return add(o, key, json_object_new_int64(v));
}

static int push(json_object *arr, json_object *v)
{
	if (!v)
		return -1;
	if (json_object_array_add(arr, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* The members of a field table (get_fields) that are set, into o. */
static int put_fields(json_object *o, const struct field *f, size_t n,
		      const void *base)
{
	const char *at;
	int64_t v;

	for (; n--; f++) {
		at = (const char *)base + f->off;
		if (f->kind == F_STR) {
			if (add_str(o, f->key, *(char *const *)at))
				return -1;
			continue;
		}
		v = *(const int64_t *)at;
		if ((f->use != SPARSE || v) && add_i64(o, f->key, v))
			return -1;
	}
	return 0;
}

static json_object *env_json(const struct prof_env *e)
{
	json_object *o = json_object_new_object();

	if (!o || put_fields(o, env_fields, NFIELDS(env_fields), e)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Writes item, an element of an array, into the object o. */
typedef int put_item_fn(json_object *o, const void *item);

/* The array of n items of size bytes each under key in o, every item
 * written by fn into an object of its own (load_array() read back). */
static int put_array(json_object *o, const char *key, const void *items,
		     size_t n, size_t size, put_item_fn *fn)
{
	json_object *arr, *e;
	size_t i;

	if (add(o, key, arr = json_object_new_array()))
		return -1;
	for (i = 0; i < n; i++)
		if (push(arr, e = json_object_new_object()) ||
		    fn(e, (const char *)items + i * size))
			return -1;
	return 0;
}

static int put_phase(json_object *o, const void *item)
{
	return put_fields(o, phase_fields, NFIELDS(phase_fields), item);
}

/* not put_fields(): "sync" and "ret" stand among the simple fields */
static int put_initcall(json_object *o, const void *item)
{
	const struct prof_initcall *ic = item;

	return add_str(o, "fn", ic->fn) || add_str(o, "level", ic->level) ||
	       (ic->sync && add(o, "sync", json_object_new_boolean(1))) ||
	       add_i64(o, "order", ic->order) ||
	       (ic->has_ret && add_i64(o, "ret", ic->ret)) ||
	       add_i64(o, "start_ns", ic->start_ns) ||
	       add_i64(o, "duration_ns", ic->duration_ns) ||
	       add_str(o, "module", ic->module) ? -1 : 0;
}

static int put_stop(json_object *o, const void *item)
{
	const struct prof_stop *st = item;

	return add_str(o, "kind", st->kind == PROF_STOP_INTERRUPT ?
				  "interrupt" : "debug") ||
	       (st->kind == PROF_STOP_WATCH &&
		add(o, "watch", json_object_new_boolean(1))) ||
	       put_fields(o, stop_fields, NFIELDS(stop_fields), st) ? -1 : 0;
}

static int put_sample(json_object *o, const void *item)
{
	const struct prof_sample *sm = item;

	return put_fields(o, sample_fields, NFIELDS(sample_fields), sm) ||
	       add_str(o, "mode", sm->mode) ||
	       (sm->cpu >= 0 && add_i64(o, "cpu", sm->cpu)) ? -1 : 0;
}

static int put_process(json_object *o, const void *item)
{
	const struct prof_process *pr = item;

	return add_i64(o, "pid", pr->pid) || add_str(o, "comm", pr->comm) ||
	       (pr->kthread && add(o, "kernel_thread", json_object_new_boolean(1))) ||
	       add_i64(o, "first_ns", pr->first_ns) ||
	       add_i64(o, "samples", pr->samples) ||
	       add_i64(o, "user_samples", pr->user_samples) ? -1 : 0;
}

static int put_slices(json_object *o, const struct prof_samples *s)
{
	json_object *arr, *e;
	size_t i;

	if (!s->nslices)
		return 0;
	if (add(o, "slices", arr = json_object_new_array()))
		return -1;
	for (i = 0; i < s->nslices; i++) {
		const struct prof_slice *sl = &s->slices[i];

		if (push(arr, e = json_object_new_array()) ||
		    push(e, json_object_new_int64(sl->process)) ||
		    push(e, json_object_new_int64(sl->start_ns)) ||
		    push(e, json_object_new_int64(sl->end_ns)) ||
		    push(e, json_object_new_int64(sl->samples)) ||
		    (sl->cpu >= 0 && push(e, json_object_new_int64(sl->cpu))))
			return -1;
	}
	return 0;
}

static int put_message(json_object *o, const void *item)
{
	const struct prof_message *m = item;

	return add_i64(o, "t_ns", m->t_ns) || add_i64(o, "level", m->level) ||
	       add_str(o, "text", m->text) ? -1 : 0;
}

static json_object *profile_json(const struct prof_profile *p)
{
	json_object *root = json_object_new_object(), *s;
	double r = p->samples.rate_hz;

	if (!root)
		return NULL;
	if (add_i64(root, "version", PROF_SCHEMA_VERSION) ||
	    add(root, "complete", json_object_new_boolean(p->complete)) ||
	    (!p->complete && add_str(root, "incomplete_reason",
				     p->incomplete_reason ?
				     p->incomplete_reason : "unknown")) ||
	    put_fields(root, root_fields, NFIELDS(root_fields), p) ||
	    add(root, "environment", env_json(&p->env)) ||
	    put_array(root, "phases", p->phases, p->nphases,
		      sizeof *p->phases, put_phase) ||
	    put_array(root, "initcalls", p->initcalls, p->ninitcalls,
		      sizeof *p->initcalls, put_initcall))
		goto fail;
	if (add(root, "stops", s = json_object_new_object()) ||
	    put_fields(s, stops_fields, NFIELDS(stops_fields), &p->stops) ||
	    (p->stops.nlist &&
	     put_array(s, "list", p->stops.list, p->stops.nlist,
		       sizeof *p->stops.list, put_stop)))
		goto fail;
	if (r > 0 &&
	    (add(root, "samples", s = json_object_new_object()) ||
	     add(s, "rate_hz", r < 9e15 && r == (double)(int64_t)r ?
			       json_object_new_int64((int64_t)r) :
			       json_object_new_double(r)) ||
	     add_str(s, "method", p->samples.method) ||
	     put_array(s, "entries", p->samples.list, p->samples.n,
		       sizeof *p->samples.list, put_sample) ||
	     (p->samples.nprocs &&
	      put_array(s, "processes", p->samples.procs, p->samples.nprocs,
			sizeof *p->samples.procs, put_process)) ||
	     put_slices(s, &p->samples)))
		goto fail;
	/* absent when empty: the profiles of older recorders stay as
	 * they were */
	if (p->nmessages &&
	    put_array(root, "messages", p->messages, p->nmessages,
		      sizeof *p->messages, put_message))
		goto fail;
	{
		int fail;
		json_object *m = prof_memory_json(&p->memory, &fail);

		if (fail || (m && add(root, "memory", m)))
			goto fail;
	}
	return root;
fail:
	json_object_put(root);
	return NULL;
}

int prof_write_json(const struct prof_profile *p, FILE *out,
		    struct kit_err *err)
{
	json_object *root = profile_json(p);
	const char *s;
	int rc = 0;

	if (!root)
		return prof_nomem(err);
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		rc = prof_nomem(err);
	else if (fputs(s, out) == EOF || fputc('\n', out) == EOF)
		rc = kit_seterr_errno(err, errno ? errno : EIO,
				      "cannot write the profile");
	json_object_put(root);
	return rc;
}

char *prof_json_text(const struct prof_profile *p, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;
	if (prof_write_json(p, f, NULL)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

static int write_profile(FILE *out, const void *arg, struct kit_err *err)
{
	return prof_write_json(arg, out, err);
}

int prof_save(const struct prof_profile *p, const char *path,
	      struct kit_err *err)
{
	char *kept = NULL;
	int rc = prof_write_file(path, write_profile, p, &kept, err);

	free(kept);
	return rc;
}
