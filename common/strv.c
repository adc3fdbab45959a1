/* strv.c: see strv.h. */
#include "strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct strv *sv)
{
	char **nv;
	size_t na;

	if (sv->n + 2 <= sv->alloc)
		return 0;
	na = sv->alloc ? sv->alloc * 2 : 16;
	nv = realloc(sv->v, na * sizeof *nv);
	if (!nv)
		return -1;
	sv->v = nv;
	sv->alloc = na;
	return 0;
}

int strv_insert(struct strv *sv, size_t at, const char *s)
{
	char *copy;

	if (at > sv->n) {
		errno = EINVAL;
		return -1;
	}
	if (grow(sv) < 0)
		return -1;
	copy = strdup(s);
	if (!copy)
		return -1;
	memmove(sv->v + at + 1, sv->v + at, (sv->n - at) * sizeof *sv->v);
	sv->v[at] = copy;
	sv->n++;
	sv->v[sv->n] = NULL;
	return 0;
}

int strv_push(struct strv *sv, const char *s)
{
	return strv_insert(sv, sv->n, s);
}

int strv_pushf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	r = strv_push(sv, s);
	free(s);
	return r;
}

int strv_replace(struct strv *sv, size_t at, const char *s)
{
	char *copy;

	if (at >= sv->n) {
		errno = EINVAL;
		return -1;
	}
	copy = strdup(s);
	if (!copy)
		return -1;
	free(sv->v[at]);
	sv->v[at] = copy;
	return 0;
}

void strv_clear(struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}
