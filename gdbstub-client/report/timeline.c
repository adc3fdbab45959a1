/*
 * timeline.c: what the reports ask of one profile's timeline: the phase
 * ids' labels, the initcall levels in run order, and where the boot's
 * times lie (model.h).  Apart from model.c so that the builders and the
 * JSON form have that file to themselves.
 */
#include "model.h"

#include <string.h>

const char *const prof_levels[10] = {
	"early", "pure", "core", "postcore", "arch",
	"subsys", "fs", "rootfs", "device", "late",
};

static const struct {
	const char *id, *label;
} phase_labels[] = {
	{ "qemu", "qemu start to first instruction" },
	{ "firmware", "firmware (SeaBIOS)" },
	{ "setup", "real-mode setup" },
	{ "decompressor", "decompressor" },
	{ "kernel-early", "kernel early boot" },
	{ "kernel-init", "start_kernel to initcalls" },
	{ "initcalls:early", "initcalls: early" },
	{ "initcalls:pure", "initcalls: pure" },
	{ "initcalls:core", "initcalls: core" },
	{ "initcalls:postcore", "initcalls: postcore" },
	{ "initcalls:arch", "initcalls: arch" },
	{ "initcalls:subsys", "initcalls: subsys" },
	{ "initcalls:fs", "initcalls: fs" },
	{ "initcalls:rootfs", "initcalls: rootfs" },
	{ "initcalls:device", "initcalls: device" },
	{ "initcalls:late", "initcalls: late" },
	{ "userspace-start", "initcalls to userspace" },
	{ "userspace", "userspace" },
	{ "smp:prepare", "secondary CPUs: prepare" },
};

const char *prof_phase_label(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof phase_labels / sizeof phase_labels[0]; i++)
		if (!strcmp(phase_labels[i].id, id))
			return phase_labels[i].label;
	return id;
}

int prof_level_index(const char *level)
{
	int i;

	if (!level)
		return -1;
	for (i = 0; i < 10; i++)
		if (!strcmp(prof_levels[i], level))
			return i;
	return -1;
}

const struct prof_phase *prof_find_phase(const struct prof_profile *p,
					  const char *id)
{
	size_t i;

	for (i = 0; i < p->nphases; i++)
		if (!strcmp(p->phases[i].id, id))
			return &p->phases[i];
	return NULL;
}

int64_t prof_qemu_ns(const struct prof_profile *p)
{
	const struct prof_phase *q = prof_find_phase(p, "qemu");

	return q ? q->duration_ns : 0;
}

int64_t prof_userspace_ns(const struct prof_profile *p)
{
	const struct prof_phase *u = prof_find_phase(p, "userspace");

	if (u)
		return u->start_ns;
	u = prof_find_phase(p, "userspace-start");
	if (u && p->complete)
		return u->start_ns + u->duration_ns;
	return -1;
}

void prof_span(const struct prof_profile *p, int64_t *lo, int64_t *hi)
{
	int64_t l = 0, h = p->end_ns > 0 ? p->end_ns : 0;
	size_t i;

	for (i = 0; i < p->nphases; i++) {
		const struct prof_phase *ph = &p->phases[i];

		if (ph->start_ns < l)
			l = ph->start_ns;
		if (ph->start_ns + ph->duration_ns > h)
			h = ph->start_ns + ph->duration_ns;
	}
	for (i = 0; i < p->ninitcalls; i++) {
		const struct prof_initcall *ic = &p->initcalls[i];

		if (ic->start_ns + ic->duration_ns > h)
			h = ic->start_ns + ic->duration_ns;
	}
	*lo = l;
	*hi = h;
}
