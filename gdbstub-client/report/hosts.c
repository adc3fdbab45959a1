/*
 * hosts.c: the machines a set of runs ran on, for reports over profiles
 * gathered from several hosts (docs/gdbstub-client.md, "Many machines").
 *
 * A machine is what a profile's environment says of where it ran: host
 * name, CPU model, QEMU version and accelerator.  Runs whose profiles say
 * none of it (files older than these fields) are one machine, shown as
 * "unrecorded".  Two runs on one host with another QEMU are two machines:
 * either difference moves boot times.
 *
 * `report` over runs of several machines warns and gives each machine's
 * runs and boot time; `compare` names the machines of each group and
 * warns when the groups did not run on the same ones (a difference may
 * then be the machines', not the boots').
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_machine(const struct prof_env *a, const struct prof_env *b)
{
	return same(a->hostname, b->hostname) && same(a->cpu_model, b->cpu_model) &&
	       same(a->qemu_version, b->qemu_version) && same(a->accel, b->accel);
}

/* Boot to userspace, else to the end the profile asked for; NAN: neither. */
static double headline_ns(const struct prof_profile *p)
{
	int64_t us = prof_userspace_ns(p);

	if (us >= 0)
		return (double)(prof_qemu_ns(p) + us);
	return p->end_ns > 0 ? (double)(prof_qemu_ns(p) + p->end_ns) : NAN;
}

int prof_machines_of(struct prof_profile *const *p, size_t n,
		     struct prof_machines *out, struct kit_err *err)
{
	size_t i, k;

	memset(out, 0, sizeof *out);
	if (!(out->m = calloc(n ? n : 1, sizeof *out->m)))
		return prof_nomem(err);
	for (i = 0; i < n; i++) {
		struct prof_machine *m;

		for (k = 0; k < out->n; k++)
			if (same_machine(&out->m[k].first->env, &p[i]->env))
				break;
		m = &out->m[k];
		if (k == out->n) {
			out->n++;
			m->first = p[i];
			if (!(m->runs = calloc(n, sizeof *m->runs)) ||
			    !(m->total_ns = calloc(n, sizeof *m->total_ns))) {
				prof_machines_free(out);
				return prof_nomem(err);
			}
		}
		m->runs[m->n] = i;
		m->total_ns[m->n++] = headline_ns(p[i]);
	}
	return 0;
}

void prof_machines_free(struct prof_machines *ms)
{
	size_t k;

	for (k = 0; ms->m && k < ms->n; k++) {
		free(ms->m[k].runs);
		free(ms->m[k].total_ns);
	}
	free(ms->m);
	memset(ms, 0, sizeof *ms);
}

const char *prof_machine_name(const struct prof_machine *m, char *buf,
			      size_t len)
{
	const struct prof_env *e = &m->first->env;
	const char *part[3] = { e->cpu_model, e->qemu_version, e->accel };
	char s[128];
	size_t used;
	int i, n = 0;

	prof_esc(s, sizeof s, e->hostname ? e->hostname : "host unrecorded");
	snprintf(buf, len, "%s", s);
	for (i = 0; i < 3; i++) {
		if (!part[i])
			continue;
		used = strlen(buf);
		prof_esc(s, sizeof s, part[i]);
		snprintf(buf + used, len - used, "%s%s%s", n++ ? "; " : " (",
			 i == 1 ? "qemu " : "", s);
	}
	if (n && (used = strlen(buf)) + 1 < len)
		snprintf(buf + used, len - used, ")");
	return buf;
}

/* Is every machine of a among b's, and every one of b among a's? */
int prof_machines_same(const struct prof_machines *a,
		       const struct prof_machines *b)
{
	size_t i, k;

	for (i = 0; i < a->n + b->n; i++) {
		const struct prof_machines *x = i < a->n ? a : b, *y = i < a->n ? b : a;
		const struct prof_env *e = &x->m[i < a->n ? i : i - a->n].first->env;

		for (k = 0; k < y->n && !same_machine(e, &y->m[k].first->env); k++)
			;
		if (k == y->n)
			return 0;
	}
	return 1;
}

int prof_text_machines(const struct prof_runs *r, int color, FILE *out,
		       struct kit_err *err)
{
	struct prof_machines ms;
	struct prof_stat st;
	char name[512], b[64];
	size_t k;

	if (prof_machines_of(r->p, r->n, &ms, err))
		return -1;
	if (ms.n > 1) {
		fprintf(out, "%sWARNING: the runs come from %zu machines: their spread "
			"is the machines' as well as the boots'%s\n",
			sgr(color, C_LOUD), ms.n, sgr(color, C_OFF));
		for (k = 0; k < ms.n; k++) {
			prof_stat_of(ms.m[k].total_ns, ms.m[k].n, &st);
			fprintf(out, "  %-60s %3zu run%s", prof_machine_name(&ms.m[k], name, sizeof name),
				ms.m[k].n, ms.m[k].n == 1 ? " " : "s");
			if (isfinite(st.mean))
				fprintf(out, "  boot %s ms", st.n > 1 ?
					prof_fmt_msd(b, sizeof b, st.mean, st.sd, 1) :
					prof_fmt_ms(b, sizeof b, st.mean, 1));
			fputc('\n', out);
		}
	}
	prof_machines_free(&ms);
	return 0;
}

/* Does any run say which host or CPU it ran on (files before these
 * fields say neither)? */
static int recorded(const struct prof_machines *ms)
{
	size_t k;

	for (k = 0; k < ms->n; k++)
		if (ms->m[k].first->env.hostname || ms->m[k].first->env.cpu_model)
			return 1;
	return 0;
}

/* "machines: A on NAME (N runs), ...; B on ..." and the warning, when the
 * runs say where they ran. */
int prof_compare_machines(const struct prof_runs *a, const struct prof_runs *b,
			  int color, FILE *out, struct kit_err *err)
{
	struct prof_machines ma, mb;
	const struct prof_machines *g[2] = { &ma, &mb };
	char name[512];
	size_t k;
	int i;

	if (prof_machines_of(a->p, a->n, &ma, err))
		return -1;
	if (prof_machines_of(b->p, b->n, &mb, err)) {
		prof_machines_free(&ma);
		return -1;
	}
	if (!recorded(&ma) && !recorded(&mb))
		goto out;
	fputs("machines:", out);
	for (i = 0; i < 2; i++) {
		fprintf(out, "%s %s on", i ? ";" : "", i ? "B" : "A");
		for (k = 0; k < g[i]->n; k++)
			fprintf(out, "%s %s (%zu run%s)", k ? "," : "",
				prof_machine_name(&g[i]->m[k], name, sizeof name),
				g[i]->m[k].n, g[i]->m[k].n == 1 ? "" : "s");
	}
	fputc('\n', out);
	if (!prof_machines_same(&ma, &mb))
		fprintf(out, "%sWARNING: A and B ran on different machines: a "
			"difference may be the machines', not the boots'%s\n",
			sgr(color, C_LOUD), sgr(color, C_OFF));
	else if (ma.n > 1)
		fprintf(out, "each group ran on the same %zu machines: the spread "
			"between machines counts as noise\n", ma.n);
out:
	prof_machines_free(&ma);
	prof_machines_free(&mb);
	return 0;
}

json_object *prof_machines_json(struct prof_profile *const *p, size_t n)
{
	struct prof_machines ms;
	json_object *arr, *e, *runs;
	struct prof_stat st;
	size_t k, i;

	if (prof_machines_of(p, n, &ms, NULL) || !(arr = json_object_new_array())) {
		prof_machines_free(&ms);
		return NULL;
	}
	for (k = 0; k < ms.n; k++) {
		const struct prof_env *env = &ms.m[k].first->env;

		if (!(e = json_object_new_object()) || json_object_array_add(arr, e) ||
		    !(runs = json_object_new_array())) {
			json_object_put(e);
			goto nomem;
		}
#define STRF(k, v) json_object_object_add(e, k, (v) ? prof_json_string(v) : NULL)
		STRF("hostname", env->hostname);
		STRF("cpu_model", env->cpu_model);
		STRF("qemu_version", env->qemu_version);
		STRF("accel", env->accel);
#undef STRF
		json_object_object_add(e, "runs", json_object_new_int64((int64_t)ms.m[k].n));
		json_object_object_add(e, "sources", runs);
		for (i = 0; i < ms.m[k].n; i++) {
			const char *src = p[ms.m[k].runs[i]]->source;

			json_object_array_add(runs, src ? prof_json_string(src) : NULL);
		}
		prof_stat_of(ms.m[k].total_ns, ms.m[k].n, &st);
		json_object_object_add(e, "boot_mean_ns", isfinite(st.mean) ?
			json_object_new_double(st.mean) : NULL);
		json_object_object_add(e, "boot_sd_ns", isfinite(st.mean) ?
			json_object_new_double(st.sd) : NULL);
	}
	prof_machines_free(&ms);
	return arr;
nomem:
	prof_machines_free(&ms);
	json_object_put(arr);
	return NULL;
}
