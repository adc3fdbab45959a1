/*
 * internal.h: helpers the report writers share (util.c).
 * Not part of the library's interface.
 */
#ifndef PROF_REPORT_INTERNAL_H
#define PROF_REPORT_INTERNAL_H

#include <json.h>

#include "model.h"

/* ANSI SGR sequences; "" when colour is off. */
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"
#define C_LOUD "\033[1;37;41m"
#define C_OFF "\033[0m"

static inline const char *sgr(int color, const char *seq)
{
	return color ? seq : "";
}

/* kit_seterr(err, ENOMEM, "out of memory") */
int prof_nomem(struct kit_err *err);

/* Milliseconds with d decimals, no unit: "310.2". */
char *prof_fmt_ms(char *buf, size_t len, double ns, int d);
/* Seconds with two decimals and the unit: "4.91 s". */
char *prof_fmt_s(char *buf, size_t len, double ns);
/* "mean ± sd ms" with d decimals. */
char *prof_fmt_msd(char *buf, size_t len, double mean, double sd, int d);
/*
 * Names and strings in a profile come from the guest, the kernel image and
 * whoever wrote the file: text outputs never pass their control characters
 * to a terminal.  prof_safe_char() is the length of the UTF-8 character at
 * s when it is safe to print as it is, 0 when it is not: a C0 or C1 control
 * character, DEL, a byte that does not start valid UTF-8 (overlong forms
 * and surrogates included), or a bidirectional override, which reorders
 * what a terminal shows.  Each byte it refuses is written as "\xNN".
 */
size_t prof_safe_char(const char *s);
/* Length of the valid UTF-8 character at s (1 for any ASCII byte), 0 when
 * s does not start one. */
size_t prof_utf8_len(const char *s);
/* A JSON string of s: json-c escapes '"', '\\' and C0 controls, but passes
 * other bytes as they are, and JSON text must be UTF-8; so bytes of s that
 * are not UTF-8 become U+FFFD.  NULL when out of memory. */
json_object *prof_json_string(const char *s);
/* s as prof_json_string() writes it (U+FFFD for each byte that is not
 * UTF-8), malloc'd, cut on a character boundary to at most max bytes;
 * *full (may be NULL) gets the length it has uncut.  NULL when out of
 * memory. */
char *prof_utf8_dup(const char *s, size_t max, size_t *full);
/* Write s escaped so. */
void prof_esc_puts(FILE *out, const char *s);
/* s escaped so into buf (len >= 8), cut short with "..." when it does not
 * fit; returns buf, for printf's "%-20.20s". */
const char *prof_esc(char *buf, size_t len, const char *s);
/* Write s for XML text or an attribute: its special characters as
 * entities, and what prof_safe_char() refuses as "\xNN" (XML 1.0 allows
 * neither most control characters nor bytes that are not UTF-8). */
void prof_xml_puts(FILE *out, const char *s);
/* Write root to out as the reports' JSON (pretty, spaced, '/' as is) and
 * a newline, then release root (NULL: out of memory).  0, or the error of
 * prof_out_check() or ENOMEM. */
int prof_json_emit(json_object *root, FILE *out, struct kit_err *err);
/* The error a writer returns when out went bad. */
int prof_out_check(FILE *out, struct kit_err *err);
/* The group of the summary line a phase belongs to: 0 qemu,
 * 1 firmware+loader, 2 kernel, 3 initcalls, 4 userspace, -1 other. */
int prof_phase_group(const char *id);
extern const char *const prof_group_names[5];
/* Initcalls of p in order of duration, longest first (ties: call order).
 * Returns a malloc'd array of pointers into p, or NULL (ENOMEM, or none). */
const struct prof_initcall **prof_by_duration(const struct prof_profile *p);

/* The machines runs ran on (hosts.c): host name, CPU model, QEMU version
 * and accelerator from each profile's environment; runs that record none
 * of them are one machine, "unrecorded". */
struct prof_machine {
	const struct prof_profile *first; /* its first run, whose environment
	                                     names it */
	size_t *runs;           /* indexes of its runs in the profiles given */
	double *total_ns;       /* each run's boot to userspace (else to its
	                           end), NAN when neither */
	size_t n;
};
struct prof_machines {
	struct prof_machine *m; /* in order of their first run */
	size_t n;
};
int prof_machines_of(struct prof_profile *const *p, size_t n,
		     struct prof_machines *out, struct kit_err *err);
void prof_machines_free(struct prof_machines *ms);
/* "HOST (CPU; qemu VERSION; ACCEL)", escaped, what the runs recorded
 * ("host unrecorded" for no host name). */
const char *prof_machine_name(const struct prof_machine *m, char *buf,
			      size_t len);
/* The same set of machines on both sides. */
int prof_machines_same(const struct prof_machines *a,
		       const struct prof_machines *b);
/* The text report of runs: a warning and a line per machine when the
 * runs come from several. */
int prof_text_machines(const struct prof_runs *r, int color, FILE *out,
		       struct kit_err *err);
/* compare's "machines:" line, and a warning when A's and B's differ. */
int prof_compare_machines(const struct prof_runs *a, const struct prof_runs *b,
			  int color, FILE *out, struct kit_err *err);
/* [{hostname, cpu_model, qemu_version, accel, runs, sources, boot_mean_ns,
 * boot_sd_ns}], NULL when out of memory. */
json_object *prof_machines_json(struct prof_profile *const *p, size_t n);

/* Time by process (procs.c): the processes whose samples fell in the
 * phases of groups (a bit per prof_phase_group), most samples first. */
struct prof_proc_row {
	const struct prof_process *proc;
	int64_t samples;        /* in those phases */
	int64_t first_ns;       /* its first slice there */
	double share;           /* of the named samples there */
	double time_ns;         /* share x the phases' duration */
};
/* *out malloc'd (NULL when none); *span_ns: the phases' duration;
 * *unnamed: their samples whose process is not known. */
int prof_proc_rows(const struct prof_profile *p, unsigned groups,
		   struct prof_proc_row **out, size_t *n, int64_t *span_ns,
		   int64_t *unnamed, struct kit_err *err);
/* "comm", or "[comm]" for a kernel thread, escaped (prof_esc). */
void prof_proc_name(const struct prof_process *pr, char *buf, size_t len);
/* The text report's tables: kernel init and userspace by process. */
int prof_text_procs(const struct prof_profile *p, size_t top, FILE *out,
		    struct kit_err *err);

/* memory.c: the "memory" part of a profile and its reports */
void prof_memory_free(struct prof_memory *m);
int prof_memory_load(json_object *root, const char *name, struct prof_memory *m,
		     struct kit_err *err);
json_object *prof_memory_json(const struct prof_memory *m, int *fail);
void prof_text_memory_line(const struct prof_profile *p, FILE *out);
void prof_text_memory_table(const struct prof_profile *p, FILE *out);
int prof_memory_add_run(struct prof_runs *r, size_t run,
			const struct prof_profile *p, struct kit_err *err);
void prof_text_memory_runs(const struct prof_runs *r, FILE *out);
void prof_text_memory_runs_line(const struct prof_runs *r, FILE *out);
void prof_memory_compare_text(const struct prof_runs *a, const struct prof_runs *b,
			      const struct prof_compare_opts *o, FILE *out);
int prof_memory_compare_json(const struct prof_runs *a, const struct prof_runs *b,
			     const struct prof_compare_opts *o, json_object *root);
/* The SVG's memory panel (its height: 0 when there is nothing) */
double prof_svg_memory_height(const struct prof_profile *p);
double prof_svg_memory(FILE *out, const struct prof_profile *p, double lo,
		       double scale, double x0, double x1, double y);
/* stats.c: run's value v of series key (one per run; a second "KEY#2") */
int prof_series_add(struct prof_runs *r, size_t run, const char *key,
		    const char *label, const char *level, int kind,
		    int64_t order, double v, struct kit_err *err);

#endif
