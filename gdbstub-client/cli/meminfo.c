/*
 * meminfo.c: "meminfo" (and "info meminfo"): the stopped guest's memory
 * as its /proc/meminfo would show it, read from the kernel's own counters
 * in guest memory (linux/meminfo.c) with the indices from the image's
 * BTF: free -m without running anything in the guest.  gdb has no such
 * command; the name is the file the figures imitate.
 *
 * Before mem_init() (reset vector, setup, decompressor, the early part of
 * start_kernel) the counters are not there: one line that says so.
 */
#include "cli.h"
#include "ksym.h"
#include "lx-target.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int cli_need_mem_layout(struct cli *cli, struct lx_mem_layout *l)
{
	struct kit_err e;

	if (!cli->syms || !ksym_addr(cli->syms, "vm_node_stat"))
		return error("meminfo needs the kernel's symbols, with vm_node_stat "
			     "(--kernel FILE)");
	if (cli_need_btf(cli) < 0)
		return -1;
	if (lx_mem_layout_btf(cli->syms, cli->btf, l, &e) < 0)
		return error("'%s' (%s): %s", cli->kernel, ksym_btf_origin(cli->btf), e.msg);
	return 0;
}

int cli_meminfo(struct cli *cli, const char *args)
{
	const struct gc_mode_info *mi;
	struct lx_mem_layout l;
	struct lx_mem_counters c;
	struct lx_meminfo info;
	struct lx_mem m;
	struct kit_err e, eb = { 0 }, ew = { 0 };
	int64_t buffers = -1, wmark = -1;

	if (cli_no_args("meminfo", args) < 0 || cli_need_mem_layout(cli, &l) < 0 ||
	    cli_need_target(cli) < 0)
		return -1;
	if (gc_mode(cli->t, false, &mi, &e) < 0)
		return error("%s", e.msg);
	if (mi->mode != X86_MODE_LONG64)
		return error("the kernel's memory is not set up yet (the CPU is in %s mode)",
			     x86_mode_name(mi->mode));
	lx_target_mem(cli->t, &m);
	if (lx_meminfo_counters(&m, &l, &c, &e) < 0) {
		if (e.code == LX_ECORRUPT || e.code == LX_ENOTREADY)
			return error("%s", e.msg);
		return error("the kernel's memory is not set up yet (%s)", e.msg);
	}
	if (lx_meminfo_buffers(&m, &l, &buffers, &eb) < 0)
		buffers = -1;
	if (l.node_data && lx_meminfo_wmark_low(&m, &l, &wmark, &ew) < 0)
		wmark = -1;
	lx_meminfo_compute(&l, &c, buffers, wmark, &info);
	if (lx_meminfo_print(&info, stdout, &e) < 0)
		return error("%s", e.msg);
	if (buffers < 0)
		printf("<Buffers and Cached unknown (%s); the two together: %" PRId64 " kB>\n",
		       eb.msg, info.page_cache);
	if (info.available < 0)
		printf("<MemAvailable unknown: %s>\n", ew.msg[0] ? ew.msg :
		       "the kernel's zones or totalreserve_pages are unknown");
	return 0;
}
