/*
 * target-mem.c: the read callback of the Linux layer on a gc_target.
 */
#include "lx-target.h"

#include <errno.h>

static int target_read(void *ctx, uint64_t addr, void *buf, size_t len,
		       struct kit_err *err)
{
	ssize_t n = gc_read_mem(ctx, addr, buf, len, err);

	if (n < 0)
		return -1;
	if ((size_t)n != len)
		return kit_seterr(err, EFAULT, "cannot read memory at 0x%llx: "
				  "only %zd of %zu bytes are mapped",
				  (unsigned long long)addr, n, len);
	return 0;
}

void lx_target_mem(struct gc_target *t, struct lx_mem *m)
{
	m->read = target_read;
	m->ctx = t;
}
