/* util.c: see internal.h. */
#include "internal.h"

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

size_t prof_utf8_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int c = u[0], cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	/* a continuation byte, an overlong lead (c0 c1), past f4 */
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	cp = c & (0x3fu >> (n - 1));
	/* stops at the terminating NUL: it is no continuation byte */
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;               /* overlong, a surrogate, beyond Unicode */
	return n;
}

size_t prof_safe_char(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = prof_utf8_len(s);
	unsigned int cp;

	if (n == 1)
		return u[0] >= 0x20 && u[0] != 0x7f;
	if (n == 2) {
		cp = (u[0] & 0x1fu) << 6 | (u[1] & 0x3f);
		return cp < 0xa0 ? 0 : 2;               /* C1 controls */
	}
	if (n == 3) {
		cp = (u[0] & 0x0fu) << 12 | (u[1] & 0x3fu) << 6 | (u[2] & 0x3f);
		if (cp == 0x200e || cp == 0x200f || cp == 0x2028 ||
		    cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) ||   /* bidi embeddings, overrides */
		    (cp >= 0x2066 && cp <= 0x2069))     /* bidi isolates */
			return 0;
	}
	return n;
}

char *prof_utf8_dup(const char *s, size_t max, size_t *full)
{
	const char *q;
	char *copy, *o;
	size_t n, w, need = 0;

	for (q = s; *q; q += n ? n : 1)
		need += (n = prof_utf8_len(q)) ? n : 3;
	if (full)
		*full = need;
	if (!(copy = malloc((need < max ? need : max) + 1)))
		return NULL;
	for (q = s, o = copy; *q; q += n ? n : 1) {
		w = (n = prof_utf8_len(q)) ? n : 3;
		if ((size_t)(o - copy) + w > max)
			break;
		memcpy(o, n ? q : "\xef\xbf\xbd", w);    /* U+FFFD */
		o += w;
	}
	*o = '\0';
	return copy;
}

json_object *prof_json_string(const char *s)
{
	const char *q;
	char *copy;
	json_object *j;
	size_t n;

	for (q = s; *q && (n = prof_utf8_len(q)); q += n)
		;
	if (!*q)
		return json_object_new_string(s);
	if (!(copy = prof_utf8_dup(s, SIZE_MAX, NULL)))
		return NULL;
	j = json_object_new_string(copy);
	free(copy);
	return j;
}

void prof_esc_puts(FILE *out, const char *s)
{
	size_t n;

	while (*s) {
		if ((n = prof_safe_char(s))) {
			fwrite(s, 1, n, out);
			s += n;
		} else {
			fprintf(out, "\\x%02x", (unsigned char)*s++);
		}
	}
}

/* Bytes prof_esc_puts writes for s. */
static size_t esc_len(const char *s)
{
	size_t len = 0, n;

	for (; *s; s += n ? n : 1)
		len += (n = prof_safe_char(s)) ? n : 4;
	return len;
}

const char *prof_esc(char *buf, size_t len, const char *s)
{
	size_t o = 0, n, room = esc_len(s) < len ? len - 1 : len - 4;

	for (; *s; s += n ? n : 1) {
		n = prof_safe_char(s);
		if (o + (n ? n : 4) > room)
			break;
		if (n)
			memcpy(buf + o, s, n);
		else
			snprintf(buf + o, 5, "\\x%02x", (unsigned char)*s);
		o += n ? n : 4;
	}
	if (*s) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

void prof_xml_puts(FILE *out, const char *s)
{
	size_t n;

	while (*s) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if ((n = prof_safe_char(s))) {
				fwrite(s, 1, n, out);
				s += n;
			} else {
				fprintf(out, "\\x%02x", (unsigned char)*s++);
			}
			continue;
		}
		s++;
	}
}

int prof_json_emit(json_object *root, FILE *out, struct kit_err *err)
{
	const char *s = root ? json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	if (!s) {
		json_object_put(root);
		return kit_seterr(err, ENOMEM, "out of memory");
	}
	fputs(s, out);
	fputc('\n', out);
	json_object_put(root);
	return prof_out_check(out, err);
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
