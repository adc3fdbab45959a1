/*
 * json.c: the JSON summary of several runs of one boot ("kind":
 * "runs", docs/profile-schema.md).  One run's JSON report is the profile
 * itself (prof_write_json).
 */
#include "internal.h"

#include <errno.h>
#include <json.h>
#include <math.h>

static const char *kind_name(int kind)
{
	return kind == PROF_SERIES_TOTAL ? "total" :
	       kind == PROF_SERIES_PHASE ? "phase" :
	       kind == PROF_SERIES_LEVEL ? "level" :
	       kind == PROF_SERIES_MEMORY ? "memory" : "initcall";
}

/* Statistics of nanosecond values, rounded to whole nanoseconds. */
static json_object *ns(double v)
{
	return isfinite(v) ? json_object_new_int64((int64_t)llround(v)) : NULL;
}

int prof_report_json_runs(const struct prof_runs *r, FILE *out,
			  struct kit_err *err)
{
	json_object *root = json_object_new_object(), *arr, *e;
	size_t i;
	int bad = 0, mem;

	if (!root)
		goto nomem;
	bad |= json_object_object_add(root, "version", json_object_new_int(PROF_SCHEMA_VERSION));
	bad |= json_object_object_add(root, "kind", json_object_new_string("runs"));
	bad |= json_object_object_add(root, "runs", json_object_new_int64((int64_t)r->n));
	bad |= json_object_object_add(root, "discarded", json_object_new_int64((int64_t)r->discarded));
	bad |= json_object_object_add(root, "incomplete", json_object_new_int(r->incomplete));
	if (!(arr = json_object_new_array()) ||
	    json_object_object_add(root, "sources", arr))
		goto nomem;
	for (i = 0; i < r->n; i++)
		bad |= json_object_array_add(arr, r->p[i]->source ?
			prof_json_string(r->p[i]->source) : NULL);
	if (!(arr = prof_machines_json(r->p, r->n)) ||
	    json_object_object_add(root, "machines", arr))
		goto nomem;
	if (!(arr = json_object_new_array()) ||
	    json_object_object_add(root, "series", arr))
		goto nomem;
	for (i = 0; i < r->ns; i++) {
		const struct prof_series *sr = &r->s[i];

		if (!(e = json_object_new_object()) || json_object_array_add(arr, e)) {
			json_object_put(e);
			goto nomem;
		}
		bad |= json_object_object_add(e, "key", prof_json_string(sr->key));
		bad |= json_object_object_add(e, "kind", json_object_new_string(kind_name(sr->kind)));
		bad |= json_object_object_add(e, "label", prof_json_string(sr->label));
		if (sr->level)
			bad |= json_object_object_add(e, "level", prof_json_string(sr->level));
		bad |= json_object_object_add(e, "n", json_object_new_int64((int64_t)sr->st.n));
		/* memory: KiB (memory.c), under names that say so */
		mem = sr->kind == PROF_SERIES_MEMORY;
		bad |= json_object_object_add(e, mem ? "mean_kb" : "mean_ns", ns(sr->st.mean));
		bad |= json_object_object_add(e, mem ? "sd_kb" : "sd_ns", ns(sr->st.sd));
		bad |= json_object_object_add(e, mem ? "min_kb" : "min_ns", ns(sr->st.min));
		bad |= json_object_object_add(e, mem ? "max_kb" : "max_ns", ns(sr->st.max));
	}
	if (bad)
		goto nomem;
	return prof_json_emit(root, out, err);
nomem:
	json_object_put(root);
	return kit_seterr(err, ENOMEM, "out of memory");
}
