/*
 * strv.h: a growable NULL-terminated vector of strings, for building argv
 * arrays (the kit never passes anything through a shell).
 */
#ifndef KIT_STRV_H
#define KIT_STRV_H

#include <stddef.h>

struct strv {
	char **v;     /* always NULL-terminated once anything was pushed */
	size_t n;
	size_t alloc;
};

#define STRV_INIT { NULL, 0, 0 }

/* Each returns 0, or -1 with errno = ENOMEM. The vector owns copies. */
int strv_push(struct strv *sv, const char *s);
int strv_pushf(struct strv *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strv_insert(struct strv *sv, size_t at, const char *s);
int strv_replace(struct strv *sv, size_t at, const char *s);
void strv_clear(struct strv *sv);

#endif
