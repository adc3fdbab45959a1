/*
 * qclock.c: QEMU's clock of record, and how a recording ended.
 *
 * What.  The guest's running time is the sum of the intervals in which
 * QEMU ran it: from each RESUME to the next STOP, QEMU's own event times,
 * which qemu-wrapper appends to its events file (the session's
 * "events"), less QEMU's own stop/resume latency (the median of the
 * calibration resumes).  The end: the connection's end (W, X, EOF) read
 * with the wrapper's exit record.
 *
 * How.  While it records, the recorder keeps its own clock (resume
 * written to stop reply read, host CLOCK_MONOTONIC) and a mark for every
 * resume and stop (rec_mark_resume(), rec_mark_stop()); at the end
 * (rec_qemu_clock()) the marks are matched one for one to QEMU's events,
 * each event checked to lie in its mark's window (CLOCK_REALTIME
 * converted with an offset taken at start), and every time in the
 * profile is mapped onto QEMU's clock (rec_gmap()).  So a recorder that
 * is not scheduled shows as time it held the guest, not as guest time.
 *
 * Where it breaks.  Without an events file (plain qemu, an older wrapper)
 * or when the events do not match, the recorder's clock stays and
 * environment.tool says "guest time client-clocked" and why.  Without
 * the wrapper's exit record, W is taken as the guest's end, X and a
 * closed connection are not.
 */
#include "recorder-int.h"
#include "target.h"
#include "rundir.h"
#include "clock.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rec_parse_events(const char *text, size_t len, struct rec_qevent **ev,
		     size_t *n, struct kit_err *err)
{
	struct rec_qevent *v = NULL;
	size_t cap = 0, k = 0, line = 0;
	const char *p = text, *end = text + len;

	*ev = NULL;
	*n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char buf[64], *num, *stop;
		size_t l;
		long long t;

		if (!nl)
			break;         /* a line being written */
		line++;
		l = (size_t)(nl - p);
		if (l == 0 || l >= sizeof buf) {
			if (l == 0) {
				p = nl + 1;
				continue;
			}
			goto bad;
		}
		memcpy(buf, p, l);
		buf[l] = '\0';
		p = nl + 1;
		if (!strncmp(buf, "STOP ", 5))
			num = buf + 5;
		else if (!strncmp(buf, "RESUME ", 7))
			num = buf + 7;
		else
			goto bad;
		errno = 0;
		t = strtoll(num, &stop, 10);
		if (errno || stop == num || *stop || t <= 0)
			goto bad;
		if (k == cap) {
			size_t c = cap ? 2 * cap : 256;
			struct rec_qevent *nv = realloc(v, c * sizeof *nv);

			if (!nv) {
				free(v);
				return kit_seterr(err, ENOMEM, "out of memory");
			}
			v = nv;
			cap = c;
		}
		v[k].stop = buf[0] == 'S';
		v[k].rt = t;
		k++;
	}
	*ev = v;
	*n = k;
	return 0;
bad:
	free(v);
	return kit_seterr(err, EINVAL, "line %zu is not 'STOP NS' or 'RESUME NS'", line);
}

/* Whether mark i needs an event (see rec_events_needed()). */
static bool mark_needs_event(const struct rec_mark *m, size_t nm, size_t i)
{
	if (m[i].stop)
		return !m[i].end;
	return i + 1 < nm;
}

size_t rec_events_needed(const struct rec_mark *m, size_t nm)
{
	size_t i, k = 0;

	for (i = 0; i < nm; i++)
		k += mark_needs_event(m, nm, i);
	return k;
}

int rec_match_events(const struct rec_mark *m, size_t nm,
		     const struct rec_qevent *ev, size_t nev, int64_t off,
		     int64_t tol, int64_t stop_lag, int64_t *qt, char *why,
		     size_t len)
{
	size_t i, e = 0, need = rec_events_needed(m, nm), used = 0;
	int64_t resumed = 0;

	if (!nm)
		return 0;
	/* events from before the recording: an attach's STOP, older runs */
	while (e < nev && ev[e].rt - off < m[0].lo - tol)
		e++;
	if (nev - e < need) {
		snprintf(why, len, "the events file has %zu events from the "
			 "recording, the recorder made %zu stops and resumes",
			 nev - e, need);
		return -1;
	}
	for (i = 0; i < nm; i++) {
		int64_t t;

		qt[i] = -1;
		if (!mark_needs_event(m, nm, i))
			continue;
		t = ev[e].rt - off;
		if (ev[e].stop != m[i].stop) {
			snprintf(why, len, "QEMU's event %zu of the recording is a "
				 "%s where the recorder %s", used + 1,
				 ev[e].stop ? "STOP" : "RESUME",
				 m[i].stop ? "read a stop" : "resumed");
			return -1;
		}
		if (!m[i].stop && t < m[i].lo - tol) {
			snprintf(why, len, "QEMU's RESUME %zu is %.3f ms before the "
				 "recorder resumed", used + 1,
				 (double)(m[i].lo - t) / 1e6);
			return -1;
		}
		if (m[i].stop && (t > m[i].host + stop_lag || t < resumed)) {
			snprintf(why, len, "QEMU's STOP %zu is %.3f ms %s", used + 1,
				 t > m[i].host ? (double)(t - m[i].host) / 1e6 :
				 (double)(resumed - t) / 1e6, t > m[i].host ?
				 "after the recorder read its stop reply" :
				 "before its RESUME");
			return -1;
		}
		if (!m[i].stop)
			resumed = t;
		qt[i] = t;
		e++;
		used++;
	}
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void rec_qemu_guest_time(const struct rec_mark *m, size_t nm, const int64_t *qt,
			 int64_t end_host, bool subtract, int64_t *q,
			 int64_t *lat_out)
{
	int64_t *cal = malloc((nm + 1) * sizeof *cal), lat = 0, g = 0, rs = -1;
	size_t i, ncal = 0;

	for (i = 1; cal && i < nm; i++)
		if (m[i].stop && m[i].cal && !m[i - 1].stop && qt[i] >= 0 &&
		    qt[i - 1] >= 0)
			cal[ncal++] = (qt[i] < m[i].host ? qt[i] : m[i].host) -
				      qt[i - 1];
	if (ncal) {
		qsort(cal, ncal, sizeof *cal, cmp_i64);
		lat = cal[ncal / 2];
	}
	free(cal);
	*lat_out = lat;
	if (!subtract)
		lat = 0;
	for (i = 0; i < nm; i++) {
		int64_t stop, d;

		if (!m[i].stop) {
			rs = qt[i];
			continue;
		}
		q[i] = g;
		if (m[i].cal || rs < 0)
			continue;
		stop = m[i].end ? end_host : qt[i] < m[i].host ? qt[i] : m[i].host;
		d = stop - rs - lat;
		g += d > 0 ? d : 0;
		q[i] = g;
		rs = -1;
	}
}

int64_t rec_map_time(const int64_t *g, const int64_t *q, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;
	int64_t g0 = 0, q0 = 0;

	if (!n)
		return t;
	/* the first k with g[k] >= t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return q[n - 1] + (t - g[n - 1]);
	if (g[lo] == t)
		return q[lo];
	if (lo > 0) {
		g0 = g[lo - 1];
		q0 = q[lo - 1];
	}
	if (g[lo] <= g0)
		return q[lo];
	return q0 + (int64_t)((double)(t - g0) * (double)(q[lo] - q0) /
			      (double)(g[lo] - g0));
}

int rec_exit_read(const char *path, struct rec_exit *x, struct kit_err *err)
{
	json_object *o = gc_read_own_json(path, err), *v;
	int ret = -1;

	memset(x, 0, sizeof *x);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "version", &v) ||
	    json_object_get_int(v) != 1) {
		kit_seterr(err, EINVAL, "'%s' is not a version 1 exit record", path);
		goto out;
	}
	if (json_object_object_get_ex(o, "status", &v) &&
	    json_object_is_type(v, json_type_string))
		x->signaled = !strcmp(json_object_get_string(v), "signaled");
	if (json_object_object_get_ex(o, "code", &v) &&
	    json_object_is_type(v, json_type_int))
		x->code = json_object_get_int(v);
	if (json_object_object_get_ex(o, "signal", &v) &&
	    json_object_is_type(v, json_type_int))
		x->signal = json_object_get_int(v);
	if (json_object_object_get_ex(o, "signal_name", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(x->signal_name, sizeof x->signal_name, "%s",
			 json_object_get_string(v));
	else if (x->signaled)
		snprintf(x->signal_name, sizeof x->signal_name, "signal %d",
			 x->signal);
	if (json_object_object_get_ex(o, "shutdown_reason", &v) &&
	    json_object_is_type(v, json_type_string))
		snprintf(x->shutdown_reason, sizeof x->shutdown_reason, "%s",
			 json_object_get_string(v));
	if (json_object_object_get_ex(o, "guest_panicked", &v))
		x->guest_panicked = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "realtime_ns", &v) &&
	    json_object_is_type(v, json_type_int))
		x->realtime_ns = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "rusage", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object *f;

		/* a peak RSS that is no positive integer, or past the 2^50
		 * KiB a profile may hold, is no figure */
		if (json_object_object_get_ex(v, "max_rss_kb", &f) &&
		    json_object_is_type(f, json_type_int) &&
		    json_object_get_int64(f) > 0 &&
		    json_object_get_int64(f) <= (INT64_C(1) << 50)) {
			x->have_rusage = true;
			x->max_rss_kb = json_object_get_int64(f);
		}
		if (json_object_object_get_ex(v, "user_us", &f) &&
		    json_object_is_type(f, json_type_int) &&
		    json_object_get_int64(f) >= 0 &&
		    json_object_get_int64(f) <= (INT64_C(1) << 43))
			x->user_us = json_object_get_int64(f);
		if (json_object_object_get_ex(v, "system_us", &f) &&
		    json_object_is_type(f, json_type_int) &&
		    json_object_get_int64(f) >= 0 &&
		    json_object_get_int64(f) <= (INT64_C(1) << 43))
			x->system_us = json_object_get_int64(f);
	}
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/* What the wrapper's exit record says; true when the boot ended itself. */
static bool exit_cause(const struct rec_exit *x, char *buf, size_t len)
{
	const char *r = x->shutdown_reason;

	if (x->signaled) {
		snprintf(buf, len, "qemu was killed by %s", x->signal_name);
		return false;
	}
	if (x->guest_panicked || !strcmp(r, "guest-panic")) {
		snprintf(buf, len, "the guest panicked (shutdown reason %s)",
			 r[0] ? r : "none, a GUEST_PANICKED event");
		return true;
	}
	if (!strcmp(r, "guest-shutdown")) {
		snprintf(buf, len, "the guest powered off (shutdown reason "
			 "guest-shutdown)");
		return true;
	}
	if (!strcmp(r, "guest-reset")) {
		snprintf(buf, len, "the guest reset with -no-reboot (shutdown "
			 "reason guest-reset: a triple fault or a reboot)");
		return true;
	}
	if (!strncmp(r, "guest-", 6)) {
		snprintf(buf, len, "the guest ended it (shutdown reason %s)", r);
		return true;
	}
	if (!strcmp(r, "host-signal")) {
		snprintf(buf, len, "qemu exited on a signal from the host "
			 "(shutdown reason host-signal)");
		return false;
	}
	if (r[0]) {
		snprintf(buf, len, "qemu was told to exit by the host (shutdown "
			 "reason %s)", r);
		return false;
	}
	/* no SHUTDOWN event: the guest's own exit device (isa-debug-exit
	 * exits at once), or an error of qemu's */
	snprintf(buf, len, "qemu exited with status %d without a shutdown event "
		 "(an exit device such as isa-debug-exit, or a qemu error)", x->code);
	return true;
}

bool rec_end_cause(char how, int num, const struct rec_exit *x, char *buf,
		   size_t len)
{
	bool ok = x ? exit_cause(x, buf, len) : false;

	if (how == 'Q') {
		/* a T03 stop: whatever ended qemu afterwards (libvirt's
		 * SIGTERM on a domain whose guest powered off) */
		snprintf(buf, len, "the guest shut down (the stub's stop for "
			 "a shutdown, T03: qemu ran with -no-shutdown, as under "
			 "libvirt)");
		return true;
	}
	if (how == 'X') {
		/* the stub says the target was killed: never a boot's end,
		 * whatever the wrapper saw; its cause first when it has one */
		if (!x || ok)
			snprintf(buf, len, "the stub reported the target killed by "
				 "signal %d (X%02x)", num, (unsigned)num & 0xff);
		return false;
	}
	if (x)
		return ok;
	if (how == 'W') {
		/* QEMU 7.2 sends W00 on any orderly exit, SIGTERM's too */
		snprintf(buf, len, "qemu exited (W%02x; no exit record to say why)",
			 (unsigned)num & 0xff);
		return true;
	}
	snprintf(buf, len, "the gdbstub closed the connection without an exit reply");
	return false;
}

static struct rec_mark *new_mark(struct rec *r)
{
	if (r->marks_lost)
		return NULL;
	if (r->nmarks == r->capmarks) {
		size_t cap = r->capmarks ? 2 * r->capmarks : 1024;
		struct rec_mark *m = realloc(r->marks, cap * sizeof *m);

		if (!m) {
			r->marks_lost = true;
			return NULL;
		}
		r->marks = m;
		r->capmarks = cap;
	}
	memset(&r->marks[r->nmarks], 0, sizeof r->marks[0]);
	r->marks[r->nmarks].rec = -1;
	return &r->marks[r->nmarks++];
}

/* A resume about to be written at t. */
void rec_mark_resume(struct rec *r, int64_t t, bool cal)
{
	struct rec_mark *m = new_mark(r);

	if (m) {
		m->cal = cal;
		m->lo = m->host = t;
	}
}

/* A stop whose reply was read at t; g: the guest ns at it. */
void rec_mark_stop(struct rec *r, int64_t t, bool cal, int64_t g)
{
	struct rec_mark *m = new_mark(r);

	if (m) {
		m->stop = true;
		m->cal = cal;
		m->host = t;
		m->g = g;
		r->last_stop_mark = (long)(m - r->marks);
	}
}

/* The last stop read was the connection's end (W, X, EOF): no STOP. */
void rec_mark_end(struct rec *r)
{
	if (r->nmarks && r->marks[r->nmarks - 1].stop)
		r->marks[r->nmarks - 1].end = true;
}

/* The last stop's record in the profile: reported then, resumed at t. */
void rec_record_stop(struct rec *r, int64_t t)
{
	if (prof_add_stop(r->p, r->last_kind, r->stop_host, t, NULL) == 0 &&
	    r->last_stop_mark >= 0 && r->marks[r->last_stop_mark].rec < 0)
		r->marks[r->last_stop_mark].rec = (long)r->p->stops.nlist - 1;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, read between two monotonic reads (the
 * closest pair of five). */
int64_t rec_rt_offset(void)
{
	int64_t best = INT64_MAX, off = 0;
	int i;

	for (i = 0; i < 5; i++) {
		struct timespec ts;
		int64_t a = kit_mono_ns(), rt, b;

		clock_gettime(CLOCK_REALTIME, &ts);
		rt = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		b = kit_mono_ns();
		if (b - a < best) {
			best = b - a;
			off = rt - a - (b - a) / 2;
		}
	}
	return off;
}

/* The wrapper's exit record: it writes it right after qemu's waitpid; up
 * to 3 s for it to appear (qemu may still be cleaning up). */
static bool wait_exit(struct rec *r)
{
	int64_t until = kit_mono_ns() + 3000000000LL;

	for (;;) {
		if (rec_exit_read(r->exit_path, &r->exit, NULL) == 0)
			return true;
		if (kit_mono_ns() > until || rec_signal)
			return false;
		usleep(20 * 1000);
	}
}

/*
 * The connection ended (W, X, EOF): complete only when the boot ended by
 * itself and that is the end asked for (--until-exit).  With a session,
 * the wrapper's exit record says why qemu exited (QEMU 7.2 sends W00 on
 * any orderly exit, SIGTERM's too, and nothing when it is killed); without
 * one, W is taken as the guest's end, X and EOF are not.
 */
void rec_decide_end(struct rec *r)
{
	size_t i, n;
	bool ok, all = r->nms > 0;

	if (!r->conn_end)
		return;
	/* after a shutdown stop qemu may never exit (-no-shutdown) */
	if (r->exit_path[0] && r->conn_end != 'Q')
		r->have_exit = wait_exit(r);
	ok = rec_end_cause(r->conn_end, r->conn_num, r->have_exit ? &r->exit : NULL,
			   r->end_cause, sizeof r->end_cause);
	for (i = 0; i < r->nms; i++)
		all &= r->ms[i].hit;
	if (!ok && r->have_exit && r->conn_end != 'X' && all) {
		/* the host ended qemu after the boot's last milestone
		 * (libguestfs sends SIGTERM once it is done with its
		 * appliance): the boot is complete, its last phase ends
		 * there */
		n = strlen(r->end_cause);
		snprintf(r->end_cause + n, sizeof r->end_cause - n,
			 ", after the last milestone (%s)", r->ms[r->nms - 1].name);
		ok = true;
	}
	if (r->exit_path[0] && !r->have_exit && r->conn_end != 'Q') {
		n = strlen(r->end_cause);
		snprintf(r->end_cause + n, sizeof r->end_cause - n,
			 "; qemu-wrapper wrote no exit record within 3 s");
	}
	r->end_by_guest = ok;
	rec_progress(r, "the connection ended: %s", r->end_cause);
	if (!ok) {
		/* the cause, not the symptom ("connection dropped") */
		r->complete = false;
		snprintf(r->reason, sizeof r->reason, "%s", r->end_cause);
	} else if (!r->complete && r->reason[0]) {
		/* a recorder error came first: it stands */
	} else if (r->until_exit) {
		r->complete = true;
		snprintf(r->endname, sizeof r->endname, "exit");
	} else {
		rec_set_incomplete(r, "the guest ended before '%s': %s", r->until,
				   r->end_cause);
	}
}

#define REC_CLOCK_TOL 2000000     /* ns of slack on the clocks' offset */
#define REC_STOP_LAG 100000000    /* ns a STOP may come after its reply */

/*
 * The events the marks need, waited for: the wrapper writes them in
 * batches within ~100 ms; up to 2 s, less once the wrapper has exited
 * (its file is then final; its exit record alone does not say that: it
 * may hold the last batch until it exits).  0 with the matched times in
 * qt; -1 with why.
 */
static int load_events(struct rec *r, int64_t *qt, char *why, size_t len)
{
	int64_t until = kit_mono_ns() + 2000000000LL;
	bool last = false;

	for (;;) {
		struct rec_qevent *ev = NULL;
		struct kit_err e;
		size_t n = 0, tlen = 0;
		char *text;
		int rc = -1;

		/* a run file: read only if regular and ours, as the session */
		if (kit_read_own_file("events file", r->events_path, 64u << 20,
				      &text, &tlen, &e) < 0) {
			snprintf(why, len, "%.190s", e.msg);
		} else if (rec_parse_events(text, tlen, &ev, &n, &e) < 0) {
			snprintf(why, len, "'%.60s': %.100s", r->events_path, e.msg);
			last = true;
		} else {
			rc = rec_match_events(r->marks, r->nmarks, ev, n, r->rt_off,
					      REC_CLOCK_TOL, REC_STOP_LAG, qt, why, len);
		}
		free(text);
		free(ev);
		if (rc == 0)
			why[0] = '\0';
		if (rc == 0 || last || kit_mono_ns() > until || rec_signal)
			return rc;
		/* once the wrapper is gone its file is final: one more read */
		if (r->wrapper_pid > 0 && kill((pid_t)r->wrapper_pid, 0) < 0 &&
		    errno == ESRCH)
			last = true;
		usleep(20 * 1000);
	}
}

/*
 * Guest time on QEMU's clock: every stop's guest time from QEMU's STOP and
 * RESUME events, the recorder's client-clocked times mapped onto it at
 * rec_write_profile() (rec_gmap()), the stops' records re-timed so that a recorder
 * that was late shows as time it held the guest.  Without an events file,
 * or when the events do not match the recorder's stops one for one, the
 * client's clock stays, and the profile says so.
 */
void rec_qemu_clock(struct rec *r)
{
	char why[200] = "";
	int64_t *qt = NULL, *q = NULL, lat = 0, end_host = 0;
	size_t i, k = 0;

	if (!r->nmarks)
		return;
	if (r->marks_lost)
		snprintf(why, sizeof why, "out of memory for its stops");
	else if (!r->events_path[0])
		snprintf(why, sizeof why, "%s", r->have_session ?
			 "the session names no events file (an older qemu-wrapper)" :
			 "no qemu-wrapper session, so no QEMU STOP/RESUME events");
	else if (!(qt = calloc(r->nmarks, sizeof *qt)) ||
		 !(q = calloc(r->nmarks, sizeof *q)) ||
		 !(r->map_g = calloc(r->nmarks, sizeof *r->map_g)) ||
		 !(r->map_q = calloc(r->nmarks, sizeof *r->map_q)))
		snprintf(why, sizeof why, "out of memory");
	else
		load_events(r, qt, why, sizeof why);   /* why says when not */
	if (why[0]) {
		snprintf(r->clock_note, sizeof r->clock_note,
			 "; guest time client-clocked (%s): a recorder not "
			 "scheduled in time counts as guest time%s", why,
			 rec_continued ? ", and this one was stopped (SIGCONT "
			 "seen) during the recording" : "");
		rec_progress(r, "guest time measured with the recorder's clock: %s", why);
		if (rec_continued)
			warning("the recorder was stopped and continued during the "
				"recording: without QEMU's events its stop counts as "
				"guest time (the numbers are too large)");
		goto out;
	}
	for (i = 0; i < r->nmarks; i++)
		if (r->marks[i].end) {
			end_host = r->marks[i].host;
			if (r->have_exit && r->exit.realtime_ns &&
			    r->exit.realtime_ns - r->rt_off < end_host)
				end_host = r->exit.realtime_ns - r->rt_off;
		}
	rec_qemu_guest_time(r->marks, r->nmarks, qt, end_host, !r->raw, q, &lat);
	for (i = 0; i < r->nmarks; i++) {
		const struct rec_mark *m = &r->marks[i];

		if (!m->stop || m->cal)
			continue;
		r->map_g[k] = k && m->g < r->map_g[k - 1] ? r->map_g[k - 1] : m->g;
		r->map_q[k] = q[i];
		k++;
	}
	r->nmap = k;
	/* the client's own share (reply read to resume written), before the
	 * records move to QEMU's clock; 1 when under a nanosecond (0 would
	 * read "not measured") */
	if (r->p->stops.nlist) {
		prof_stops_summarize(&r->p->stops);
		r->p->stops.self_median_ns = r->p->stops.median_ns > 0 ?
					     r->p->stops.median_ns : 1;
	}
	/* the stops' records: from QEMU's STOP to its RESUME */
	for (i = 0; i < r->nmarks; i++) {
		const struct rec_mark *m = &r->marks[i];
		struct prof_stop *s;

		if (!m->stop || m->rec < 0 || qt[i] < 0 ||
		    (size_t)m->rec >= r->p->stops.nlist)
			continue;
		s = &r->p->stops.list[m->rec];
		/* (the guest had stopped by the earlier of the two) */
		s->reported_ns = qt[i] < m->host ? qt[i] : m->host;
		if (i + 1 < r->nmarks && !r->marks[i + 1].stop && qt[i + 1] >= 0)
			s->resumed_ns = qt[i + 1];
		if (s->resumed_ns < s->reported_ns)
			s->resumed_ns = s->reported_ns;
	}
	snprintf(r->clock_note, sizeof r->clock_note,
		 "; guest time on QEMU's clock: its STOP/RESUME events, %zu "
		 "stops, QEMU's own latency %lld ns %s per resume", k,
		 (long long)lat, r->raw ? "not subtracted" : "subtracted");
	rec_progress(r, "guest time from QEMU's STOP/RESUME events (%zu stops; "
		     "recorder's clock %.1f ms, QEMU's %.1f ms)", k, rec_ms_of(r->g),
		     rec_ms_of(k ? rec_map_time(r->map_g, r->map_q, k, r->g) : r->g));
out:
	free(qt);
	free(q);
}

/* A client-clocked guest time on the clock of record. */
int64_t rec_gmap(const struct rec *r, int64_t t)
{
	return r->nmap ? rec_map_time(r->map_g, r->map_q, r->nmap, t) : t;
}
