/*
 * write.c: the profile the recorder builds and writes.
 *
 * What.  The phases (firmware, setup, decompressor, kernel-early,
 * kernel-init, one per initcall level, userspace-start, userspace; or the
 * --milestones names), every initcall with its start, duration and
 * return value, the stops, --sample's samples, and environment.tool,
 * which says how initcalls were caught (the scheme), on which clock, and
 * how the recording ended (docs/profile-schema.md).
 *
 * How.  The phases are opened and closed while the recorder runs
 * (rec_phase_open()); at the end every time is mapped onto the clock of
 * record (qclock.c: rec_gmap()), the qemu phase (the session's
 * start.monotonic_ns to the stub's first reply) put first, and the file
 * written through common/outfile (model.h: prof_save()).
 *
 * Where it breaks.  A milestone not reached when qemu exited is warned
 * about (check_early_exit()); the profile is still written.  Out of
 * memory or an unwritable file: an error, no profile.
 */
#include "recorder-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

void rec_phase_close(struct rec *r, int64_t t)
{
	if (!r->open)
		return;
	prof_add_phase(r->p, r->cur, r->cur_start,
		       t > r->cur_start ? t - r->cur_start : 0, NULL);
	r->open = false;
	r->level_phase[0] = '\0';
}

void rec_phase_open(struct rec *r, const char *id, int64_t t)
{
	rec_phase_close(r, t);
	snprintf(r->cur, sizeof r->cur, "%s", id);
	r->cur_start = t;
	r->phase_gen++;
	r->open = true;
}

static int64_t gmap(void *r, int64_t t)
{
	return rec_gmap(r, t);
}

static void fill_env(struct rec *r)
{
	struct prof_env *env = &r->p->env;
	char buf[1600], end_note[240] = "";
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	if (r->qemu[0])
		prof_set_str(&env->qemu, r->qemu, NULL);
	if (r->accel[0])
		prof_set_str(&env->accel, r->accel, NULL);
	prof_set_str(&env->kernel, r->syms->path, NULL);
	if (r->syms->version[0])
		prof_set_str(&env->kernel_version, r->syms->version, NULL);
	if (r->have_append)
		prof_set_str(&env->cmdline, r->append, NULL);
	if (uname(&u) == 0) {
		snprintf(buf, sizeof buf, "%s %s %s, %ld cpus", u.sysname, u.release,
			 u.machine, sysconf(_SC_NPROCESSORS_ONLN));
		prof_set_str(&env->host, buf, NULL);
	}
	rec_env_machine(env, r->qemu[0] ? r->qemu : NULL);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	prof_set_str(&env->recorded_at, buf, NULL);
	if (r->end_cause[0])
		snprintf(end_note, sizeof end_note, "; ended: %s", r->end_cause);
	snprintf(buf, sizeof buf, "gdbstub-client profile 1 (stub latency %lld ns subtracted per resume; initcalls=%s%s%s%s%s%s%s%s%s%s%s%s)",
		 (long long)r->latency,
		 r->mode == IC_BREAKPOINTS ? "breakpoints" :
		 r->mode == IC_ENTRIES ? "entries: duration to the next initcall's entry, return values not seen" :
		 r->mode == IC_KLOG ? "klog" : "off",
		 r->scheme[0] ? "; " : "", r->scheme,
		 r->klog_why[0] ? "; not klog (each figure includes QEMU's re-translation after a debug stop): " : "",
		 r->klog_why,
		 r->z0_refused ? "; hardware breakpoints where software ones were refused" : "",
		 r->nokaslr ? "" : "; kaslr: kernel phases not split",
		 r->kaslr_assumed ? "; nokaslr assumed (no session command line)" : "",
		 r->watch_note, r->clock_note, end_note, r->early_note);
	prof_set_str(&env->tool, buf, NULL);
}

/*
 * With --until-exit the boot ends when qemu does; a milestone still ahead
 * then means the guest did not get there: a panic or a triple fault (with
 * -no-reboot qemu exits on the reset), or a power-off from the kernel.
 * The profile stays complete (the boot did end) but says so.  When qemu
 * was killed or stopped from the host, the profile is incomplete and the
 * warning says that instead (rec_decide_end()).
 */
static void check_early_exit(struct rec *r)
{
	const char *where = r->cur[0] ? r->cur : "the boot";
	size_t i;

	/* (a watch that saw user mode first has said why already) */
	if (!r->conn_end || r->watch_missed)
		return;
	for (i = 0; i < r->nms; i++) {
		if (r->ms[i].hit)
			continue;
		if (!r->end_by_guest)
			warning("qemu exited in %s, before %s: %s", where,
				r->ms[i].name, r->end_cause);
		else if (r->have_exit)
			warning("qemu exited in %s, before %s: the guest ended "
				"there: %s; its console says more", where,
				r->ms[i].name, r->end_cause);
		else
			warning("qemu exited in %s, before %s: the guest ended "
				"there (a panic or triple fault with -no-reboot, or "
				"a power-off), or the host stopped qemu (without "
				"qemu-wrapper's exit record the stub's exit reply "
				"cannot tell); its console says which", where,
				r->ms[i].name);
		snprintf(r->early_note, sizeof r->early_note,
			 "; qemu exited before %s", r->ms[i].name);
		return;
	}
}

int rec_write_profile(struct rec *r)
{
	struct kit_err e;
	size_t i;
	int64_t order = 0;

	check_early_exit(r);
	if (rec_klog_finish(r) < 0)
		return -1;

	rec_phase_close(r, r->g);
	for (i = 0; i < r->p->nphases; i++) {
		/* onto the clock of record (rec_qemu_clock()) */
		struct prof_phase *ph = &r->p->phases[i];
		int64_t a = rec_gmap(r, ph->start_ns), b = rec_gmap(r, ph->start_ns + ph->duration_ns);

		ph->start_ns = a;
		ph->duration_ns = b > a ? b - a : 0;
	}
	if (r->have_session && r->start_mono && r->ready_host > r->start_mono) {
		int64_t q = r->ready_host - r->start_mono;

		/* phases are kept in boot order: qemu goes first */
		struct prof_phase *ph = r->p->phases;
		size_t n = r->p->nphases;

		r->p->phases = NULL;
		r->p->nphases = 0;
		prof_add_phase(r->p, "qemu", -q, q, NULL);
		for (i = 0; i < n; i++) {
			prof_add_phase(r->p, ph[i].id, ph[i].start_ns, ph[i].duration_ns, NULL);
			free(ph[i].id);
			free(ph[i].label);
		}
		free(ph);
	}
	if (rec_klog_phases(r) < 0)
		return -1;
	for (i = 0; i < r->nic; i++) {
		struct rec_ic *ic = &r->ics[i];
		struct prof_initcall pi;

		if (ic->state == IC_ENTERED) {
			/* still running when the recording ended */
			ic->end = r->g;
		} else if (ic->state != IC_DONE) {
			continue;
		}
		memset(&pi, 0, sizeof pi);
		pi.fn = (char *)ic->fn;
		pi.level = ic->level;
		pi.module = ic->module[0] ? ic->module : NULL;
		pi.sync = ic->sync;
		pi.order = order++;
		pi.ret = ic->ret;
		pi.has_ret = ic->has_ret;
		/* (klog's are on QEMU's clock already) */
		pi.start_ns = r->mode == IC_KLOG ? ic->start : rec_gmap(r, ic->start);
		pi.duration_ns = (r->mode == IC_KLOG ? ic->end : rec_gmap(r, ic->end)) -
				 pi.start_ns;
		if (pi.duration_ns < 0 || ic->end <= ic->start)
			pi.duration_ns = 0;
		if (prof_add_initcall(r->p, &pi, &e) < 0)
			return error("%s", e.msg);
	}
	r->p->complete = r->complete;
	if (!r->complete)
		prof_set_incomplete(r->p, r->reason[0] ? r->reason : "unknown", NULL);
	prof_set_str(&r->p->end, r->endname[0] ? r->endname :
		     r->until ? r->until : "exit", NULL);
	r->g = rec_gmap(r, r->g);
	r->p->end_ns = r->g;
	if (r->sample_hz > 0) {
		r->p->samples.rate_hz = r->sample_hz;
		prof_set_str(&r->p->samples.method, "stop", NULL);
		for (i = 0; i < r->nsb; i++)
			if (prof_add_sample_cpu(r->p, gc_region_name(r->sb[i].region),
						r->sb[i].symbol,
						gc_sample_mode_id(r->sb[i].mode),
						r->ncpu > 1 ? (int64_t)r->sb[i].cpu : -1,
						r->sb[i].count, &e) < 0)
				return error("%s", e.msg);
		rec_procs_end(r);
		if (r->procs_on &&
		    gc_procs_save(&r->procs, r->p, gmap, r, &e) < 0)
			return error("%s", e.msg);
	}
	if (rec_mem_write(r, rec_gmap) < 0)
		return -1;
	prof_stops_summarize(&r->p->stops);
	fill_env(r);
	if (prof_save(r->p, r->out, &e) < 0)
		return error("%s", e.msg);
	return 0;
}
