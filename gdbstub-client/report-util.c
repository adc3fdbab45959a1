/* report-util.c: see report-internal.h. */
#include "report-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const prof_group_names[5] = {
	"qemu", "firmware+loader", "kernel", "initcalls", "userspace",
};

char *prof_fmt_ms(char *buf, size_t len, double ns, int d)
{
	snprintf(buf, len, "%.*f", d, ns / 1e6);
	return buf;
}

char *prof_fmt_s(char *buf, size_t len, double ns)
{
	snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

char *prof_fmt_msd(char *buf, size_t len, double mean, double sd, int d)
{
	snprintf(buf, len, "%.*f \xc2\xb1 %.*f", d, mean / 1e6, d, sd / 1e6);
	return buf;
}

void prof_xml_puts(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			/* XML 1.0 forbids most control characters */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
				fputc('?', out);
			else
				fputc(*s, out);
		}
	}
}

int prof_out_check(FILE *out, struct kit_err *err)
{
	if (fflush(out) || ferror(out))
		return kit_seterr_errno(err, errno ? errno : EIO,
					"cannot write the report");
	return 0;
}

int prof_phase_group(const char *id)
{
	if (!strcmp(id, "qemu"))
		return 0;
	if (!strcmp(id, "firmware") || !strcmp(id, "setup") ||
	    !strcmp(id, "decompressor"))
		return 1;
	if (!strcmp(id, "kernel-early") || !strcmp(id, "kernel-init") ||
	    !strcmp(id, "userspace-start"))
		return 2;
	if (!strncmp(id, "initcalls:", 10))
		return 3;
	if (!strcmp(id, "userspace"))
		return 4;
	return -1;
}

static int by_duration(const void *a, const void *b)
{
	const struct prof_initcall *x = *(const struct prof_initcall *const *)a;
	const struct prof_initcall *y = *(const struct prof_initcall *const *)b;

	if (x->duration_ns != y->duration_ns)
		return x->duration_ns < y->duration_ns ? 1 : -1;
	return (x->order > y->order) - (x->order < y->order);
}

const struct prof_initcall **prof_by_duration(const struct prof_profile *p)
{
	const struct prof_initcall **v;
	size_t i;

	if (!p->ninitcalls || !(v = malloc(p->ninitcalls * sizeof *v)))
		return NULL;
	for (i = 0; i < p->ninitcalls; i++)
		v[i] = &p->initcalls[i];
	qsort(v, p->ninitcalls, sizeof *v, by_duration);
	return v;
}
