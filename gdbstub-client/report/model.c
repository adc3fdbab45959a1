/*
 * model.c: the profile data model and its builders; its JSON form is
 * read and written by file.c (docs/profile-schema.md).
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

struct prof_profile *prof_new(void)
{
	struct prof_profile *p = calloc(1, sizeof *p);

	if (p) {
		p->version = PROF_SCHEMA_VERSION;
		p->complete = 1;
	}
	return p;
}

static void env_free(struct prof_env *e)
{
	free(e->qemu);
	free(e->qemu_version);
	free(e->accel);
	free(e->kernel);
	free(e->kernel_version);
	free(e->cmdline);
	free(e->host);
	free(e->hostname);
	free(e->cpu_model);
	free(e->recorded_at);
	free(e->tool);
}

void prof_free(struct prof_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nphases; i++) {
		free(p->phases[i].id);
		free(p->phases[i].label);
	}
	free(p->phases);
	for (i = 0; i < p->ninitcalls; i++) {
		free(p->initcalls[i].fn);
		free(p->initcalls[i].level);
		free(p->initcalls[i].module);
	}
	free(p->initcalls);
	free(p->stops.list);
	for (i = 0; i < p->samples.n; i++) {
		free(p->samples.list[i].region);
		free(p->samples.list[i].symbol);
		free(p->samples.list[i].mode);
	}
	free(p->samples.list);
	free(p->samples.method);
	for (i = 0; i < p->samples.nprocs; i++)
		free(p->samples.procs[i].comm);
	free(p->samples.procs);
	free(p->samples.slices);
	for (i = 0; i < p->nmessages; i++)
		free(p->messages[i].text);
	prof_memory_free(&p->memory);
	free(p->messages);
	env_free(&p->env);
	free(p->incomplete_reason);
	free(p->end);
	free(p->source);
	free(p);
}

int prof_nomem(struct kit_err *err)
{
	return kit_seterr(err, ENOMEM, "out of memory");
}

/* Grow *arr (of *n elements of size sz) by one zeroed element. */
static void *grow(void *arr, size_t *n, size_t sz)
{
	char *q;

	if (*n >= SIZE_MAX / sz / 2)
		return NULL;
	q = realloc(arr, (*n + 1) * sz);
	if (!q)
		return NULL;
	memset(q + *n * sz, 0, sz);
	return q;
}

int prof_set_str(char **field, const char *value, struct kit_err *err)
{
	char *s = NULL;

	if (value && !(s = strdup(value)))
		return prof_nomem(err);
	free(*field);
	*field = s;
	return 0;
}

int prof_add_phase(struct prof_profile *p, const char *id, int64_t start_ns,
		   int64_t duration_ns, struct kit_err *err)
{
	struct prof_phase *a, *ph;

	if (!id || !*id || duration_ns < 0)
		return kit_seterr(err, PROF_EUSAGE, "bad phase '%s'",
				  id ? id : "(null)");
	if (!(a = grow(p->phases, &p->nphases, sizeof *a)))
		return prof_nomem(err);
	p->phases = a;
	ph = &a[p->nphases];
	ph->id = strdup(id);
	ph->label = strdup(prof_phase_label(id));
	if (!ph->id || !ph->label) {
		free(ph->id);
		free(ph->label);
		return prof_nomem(err);
	}
	ph->start_ns = start_ns;
	ph->duration_ns = duration_ns;
	p->nphases++;
	return 0;
}

int prof_add_initcall(struct prof_profile *p, const struct prof_initcall *ic,
		      struct kit_err *err)
{
	struct prof_initcall *a, *n;

	if (!ic->fn || !*ic->fn || !ic->level || ic->duration_ns < 0)
		return kit_seterr(err, PROF_EUSAGE, "bad initcall '%s'",
				  ic->fn ? ic->fn : "(null)");
	if (!(a = grow(p->initcalls, &p->ninitcalls, sizeof *a)))
		return prof_nomem(err);
	p->initcalls = a;
	n = &a[p->ninitcalls];
	*n = *ic;
	n->fn = strdup(ic->fn);
	n->level = strdup(ic->level);
	n->module = ic->module ? strdup(ic->module) : NULL;
	if (!n->fn || !n->level || (ic->module && !n->module)) {
		free(n->fn);
		free(n->level);
		free(n->module);
		return prof_nomem(err);
	}
	p->ninitcalls++;
	return 0;
}

int prof_add_stop(struct prof_profile *p, enum prof_stop_kind kind,
		  int64_t reported_ns, int64_t resumed_ns, struct kit_err *err)
{
	struct prof_stop *a;

	if (resumed_ns < reported_ns)
		return kit_seterr(err, PROF_EUSAGE,
				  "stop resumed before it was reported");
	if (!(a = grow(p->stops.list, &p->stops.nlist, sizeof *a)))
		return prof_nomem(err);
	p->stops.list = a;
	a[p->stops.nlist].kind = kind;
	a[p->stops.nlist].reported_ns = reported_ns;
	a[p->stops.nlist].resumed_ns = resumed_ns;
	p->stops.nlist++;
	return 0;
}

int prof_add_sample(struct prof_profile *p, const char *region,
		    const char *symbol, int64_t count, struct kit_err *err)
{
	return prof_add_sample_mode(p, region, symbol, NULL, count, err);
}

int prof_add_sample_mode(struct prof_profile *p, const char *region,
			 const char *symbol, const char *mode, int64_t count,
			 struct kit_err *err)
{
	return prof_add_sample_cpu(p, region, symbol, mode, -1, count, err);
}

int64_t prof_sample_cpus(const struct prof_profile *p)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < p->samples.n; i++)
		if (p->samples.list[i].cpu + 1 > n)
			n = p->samples.list[i].cpu + 1;
	for (i = 0; i < p->samples.nslices; i++)
		if (p->samples.slices[i].cpu + 1 > n)
			n = p->samples.slices[i].cpu + 1;
	return n;
}

int prof_add_sample_cpu(struct prof_profile *p, const char *region,
			const char *symbol, const char *mode, int64_t cpu,
			int64_t count, struct kit_err *err)
{
	struct prof_sample *a, *s;

	if (!region || !*region || count < 0 || cpu < -1 || cpu >= PROF_CPUS_MAX)
		return kit_seterr(err, PROF_EUSAGE, "bad sample");
	if (!(a = grow(p->samples.list, &p->samples.n, sizeof *a)))
		return prof_nomem(err);
	p->samples.list = a;
	s = &a[p->samples.n];
	s->region = strdup(region);
	s->symbol = symbol ? strdup(symbol) : NULL;
	s->mode = mode ? strdup(mode) : NULL;
	if (!s->region || (symbol && !s->symbol) || (mode && !s->mode)) {
		free(s->region);
		free(s->symbol);
		free(s->mode);
		return prof_nomem(err);
	}
	s->count = count;
	s->cpu = cpu;
	p->samples.n++;
	return 0;
}

int prof_add_process(struct prof_profile *p, const struct prof_process *in,
		     struct kit_err *err)
{
	struct prof_process *a;
	char *comm;

	if (!in->comm || in->pid < 0 || in->pid > INT32_MAX || in->samples < 0 ||
	    in->user_samples < 0 || in->user_samples > in->samples)
		return kit_seterr(err, PROF_EUSAGE, "bad process");
	if (!(comm = prof_utf8_dup(in->comm, 64, NULL)))
		return prof_nomem(err);
	if (!(a = grow(p->samples.procs, &p->samples.nprocs, sizeof *a))) {
		free(comm);
		return prof_nomem(err);
	}
	p->samples.procs = a;
	a[p->samples.nprocs] = *in;
	a[p->samples.nprocs].comm = comm;
	a[p->samples.nprocs].kthread = !!in->kthread;
	p->samples.nprocs++;
	return 0;
}

int prof_set_slices(struct prof_profile *p, const struct prof_slice *v, size_t n,
		    struct kit_err *err)
{
	struct prof_slice *c = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].process < -1 || (v[i].process >= 0 &&
					  (size_t)v[i].process >= p->samples.nprocs) ||
		    v[i].end_ns < v[i].start_ns || v[i].samples < 0)
			return kit_seterr(err, PROF_EUSAGE, "bad slice %zu", i);
	if (n && !(c = malloc(n * sizeof *c)))
		return prof_nomem(err);
	if (n)
		memcpy(c, v, n * sizeof *c);
	free(p->samples.slices);
	p->samples.slices = c;
	p->samples.nslices = n;
	return 0;
}

int prof_add_message(struct prof_profile *p, int64_t t_ns, int level,
		     const char *text, struct kit_err *err)
{
	struct prof_message *a;
	char *copy;

	if (!text || level < -1 || level > 7 || t_ns < -PROF_NS_MAX ||
	    t_ns > PROF_NS_MAX)
		return kit_seterr(err, PROF_EUSAGE, "bad kernel log message");
	/* the reader refuses more: a profile that holds them could not be
	 * read back */
	if (p->nmessages >= PROF_MESSAGES_MAX)
		return kit_seterr(err, PROF_EUSAGE,
				  "more than %d kernel log messages",
				  PROF_MESSAGES_MAX);
	if (!(copy = prof_utf8_dup(text, PROF_MESSAGE_MAX, NULL)))
		return prof_nomem(err);
	if (!(a = grow(p->messages, &p->nmessages, sizeof *a))) {
		free(copy);
		return prof_nomem(err);
	}
	p->messages = a;
	a[p->nmessages].t_ns = t_ns;
	a[p->nmessages].level = level;
	a[p->nmessages].text = copy;
	p->nmessages++;
	return 0;
}

int prof_set_incomplete(struct prof_profile *p, const char *reason,
			struct kit_err *err)
{
	p->complete = 0;
	return prof_set_str(&p->incomplete_reason, reason ? reason : "unknown",
			    err);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void prof_stops_summarize(struct prof_stops *s)
{
	int64_t *d;
	size_t i;

	if (!s->nlist)
		return;
	s->count = (int64_t)s->nlist;
	s->debug_stops = s->interrupt_stops = s->watch_stops = s->client_ns = 0;
	for (i = 0; i < s->nlist; i++) {
		if (s->list[i].kind == PROF_STOP_DEBUG)
			s->debug_stops++;
		else if (s->list[i].kind == PROF_STOP_WATCH)
			s->watch_stops++;
		else
			s->interrupt_stops++;
		s->client_ns += s->list[i].resumed_ns - s->list[i].reported_ns;
	}
	d = malloc(s->nlist * sizeof *d);
	if (!d)
		return; /* the counts stand; median and p95 stay as they were */
	for (i = 0; i < s->nlist; i++)
		d[i] = s->list[i].resumed_ns - s->list[i].reported_ns;
	qsort(d, s->nlist, sizeof *d, cmp_i64);
	/* nearest-rank definitions: median = ceil(n/2)th, p95 = ceil(.95n)th */
	s->median_ns = d[(s->nlist + 1) / 2 - 1];
	s->p95_ns = d[(s->nlist * 95 + 99) / 100 - 1];
	free(d);
}

/* ---- loading ---- */
