/*
 * lx-target.h: the Linux layer's readers on a live target (target/).
 */
#ifndef LX_TARGET_H
#define LX_TARGET_H

#include "lx.h"
#include "target.h"

/* Guest memory of T through gc_read_mem; a short read is an error. */
void lx_target_mem(struct gc_target *t, struct lx_mem *m);

#endif
