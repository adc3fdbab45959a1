/*
 * kernel-symbols: symbols for the kernel that actually boots.
 *
 * What it does.  Debian and Ubuntu boot a bzImage and ship a one-line
 * System.map stub; the real symbols are in an 858 MB -dbg package.  The
 * bzImage carries them anyway, in the kallsyms tables the kernel uses for
 * its own backtraces.  This program decodes them exactly and answers what
 * an early-boot debugger asks: name+off -> address, address -> name+off
 * (one line format both ways), the initcall table in call order, the
 * addresses a boot passes through (the milestones), and the kernel's own
 * ELF with a symbol table, for gdb, objdump and nm offline.
 *
 * How to run it.
 *   kernel-symbols lookup /vmlinuz start_kernel do_one_initcall+0x54 0xffffffff81002460
 *   kernel-symbols initcalls /vmlinuz
 *   kernel-symbols milestones KERNEL
 *   kernel-symbols export KERNEL --format=elf -o k.elf   (gdb: file k.elf; objdump -d k.elf)
 *   kernel-symbols export KERNEL --format=elf --no-code -o k.sym   (symbols only)
 *   kernel-symbols export KERNEL --format=map -o System.map
 *   kernel-symbols info KERNEL          where the symbols came from, layout, timings
 *   kernel-symbols kaslr KERNEL NAME OBSERVED_ADDR
 * KERNEL is a bzImage, a vmlinux ELF, a System.map, or a saved
 * /proc/kallsyms.  --json prints JSON instead of tables; --no-cache and
 * --no-discover force a fresh decode of the file given.
 *
 * How it works.  A bzImage's setup header gives the payload; the payload's
 * magic names its compressor (gzip, bzip2, lzma, xz, lzo, lz4, zstd) and the
 * real library decompresses it into the kernel ELF, stripped but with its
 * section headers.  In .rodata the kallsyms tables are found by checking
 * their data (kallsyms.c tells how), not by the version string.  Before
 * decoding, a matching vmlinux or real System.map is looked for in the
 * usual places; after decoding, the result is cached under
 * $XDG_CACHE_HOME/qemu-boot-debug keyed by the image's content, so the
 * second run costs milliseconds.  The ELF export writes that kernel ELF
 * again, its sections at their addresses, with a .symtab whose symbols
 * sit in the sections that hold them (elfcode.c); the payload is
 * decompressed once for both when the symbols are not cached.  All of
 * that is the ksym_ library (ksym.h); this file only parses options and
 * prints.
 *
 * Where it breaks.  x86_64 little-endian kernels only.  Module symbols are
 * not in the image (System.map/kallsyms text lines tagged [module] are
 * skipped).  Addresses are link-time (nokaslr); use the kaslr command with
 * one observed address to get the slide.  Kernels built without
 * CONFIG_KALLSYMS have nothing to decode.  Layout variants never seen
 * (kernel-symbols/README.md lists the verified ones) end in a clear error,
 * not in wrong symbols, because every table is validated.
 *
 * Output.  Every name, type letter and path printed as text goes through
 * ksym_printable() (control bytes as \xNN): symbol names come from the
 * image, and a hostile one must not drive the terminal.  JSON carries them
 * exactly (json-c escapes control characters).  A write error on standard
 * output (a full disk, /dev/full) is an error and exit 1, checked with
 * fflush, ferror and fclose before exiting, as git does; export -o FILE
 * writes FILE in full or not at all (temporary, fsync, rename).
 */
#include "ksym.h"
#include "opts.h"
#include "usage.h"
#include "version.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int opt_json;
static unsigned open_flags;
static int stdout_errno;   /* the first error writing standard output */

static const char usage_text[] =
	"usage: kernel-symbols [--json] [--no-cache] [--no-discover] COMMAND KERNEL [ARGS]\n"
	"  lookup KERNEL NAME[@N][+OFF]|0xADDR...   one line each: ADDR TYPE NAME+0xOFF/0xSIZE\n"
	"  initcalls KERNEL                 the initcall table in call order\n"
	"  milestones KERNEL                boot milestones for a profiler\n"
	"  export KERNEL --format=map|elf [--no-code|--with-code] -o FILE\n"
	"                                   elf: the kernel's sections and symbols\n"
	"  info KERNEL                      source, layout, counts, timings\n"
	"  kaslr KERNEL NAME OBSERVED       the KASLR slide from one observation\n"
	"  types [--btf FILE] KERNEL STRUCT[.MEMBER...]   struct layout from the BTF\n"
	"  --help, --version; man kernel-symbols has the details\n";

/*
 * S (a name, a type, a path, a message quoting them) safe for a terminal,
 * in one of eight rotating buffers: up to eight in one printf.
 */
static const char *pr(const char *s)
{
	static char *ring[8];
	static size_t cap[8];
	static unsigned next;
	unsigned i = next++ % 8;
	size_t need = 4 * strlen(s) + 1;

	if (need > cap[i]) {
		char *p = realloc(ring[i], need);

		if (!p)
			die("out of memory");
		ring[i] = p;
		cap[i] = need;
	}
	return ksym_printable(s, ring[i], cap[i]);
}

/* A type letter, as pr() shows it. */
static const char *prc(char c)
{
	char s[2] = { c, 0 };

	return pr(s);
}

__attribute__((format(printf, 1, 2)))
static void out(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	if (n < 0 && !stdout_errno)
		stdout_errno = errno ? errno : EIO;
}

/*
 * Everything written reached the file?  Output is buffered, so most
 * errors show only here: at fflush, or at fclose.
 */
static void finish_stdout(void)
{
	errno = 0;
	if (fflush(stdout) && !stdout_errno)
		stdout_errno = errno ? errno : EIO;
	if (ferror(stdout) && !stdout_errno)
		stdout_errno = EIO;
	errno = 0;
	if (fclose(stdout) && !stdout_errno)
		stdout_errno = errno ? errno : EIO;
	if (stdout_errno) {
		errno = stdout_errno;
		die_errno("cannot write to standard output");
	}
}

static struct ksym_table *open_kernel(const char *path)
{
	struct kit_err e = { 0 };
	struct ksym_table *t = ksym_open(path, open_flags, &e);

	if (!t)
		die("%s", pr(e.msg));
	return t;
}

static void print_json(json_object *o)
{
	out("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static json_object *jhex(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof b, "0x%" PRIx64, v);
	return json_object_new_string(b);
}

static json_object *jsym(const struct ksym_table *t, const struct ksym_sym *s)
{
	json_object *o = json_object_new_object();
	char ty[2] = { s->type, 0 };

	json_object_object_add(o, "name", json_object_new_string(ksym_name(t, s)));
	json_object_object_add(o, "address", jhex(s->addr));
	json_object_object_add(o, "type", json_object_new_string(ty));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)s->size));
	return o;
}

static int is_hex_prefixed(const char *s)
{
	return !strncmp(s, "0x", 2) || !strncmp(s, "0X", 2);
}

/* "0x" and 1 to 16 hex digits, nothing else. */
static int parse_addr(const char *s, uint64_t *v)
{
	char *end;

	if (!is_hex_prefixed(s) || !isxdigit((unsigned char)s[2]))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno || *end ? -1 : 0;
}

/* "NAME" or, when NAME has duplicates, "NAME@N" (1-based, address
 * order) into BUF: a name that lookup takes back. */
static const char *name_at(const struct ksym_table *t, const struct ksym_sym *s,
			   size_t *dup, size_t *ndup, char *buf, size_t bufsz)
{
	const struct ksym_sym *m[64];
	const char *name = ksym_name(t, s);
	size_t n = ksym_lookup_name(t, name, m, 64), j;

	*dup = *ndup = 0;
	for (j = 0; n > 1 && j < n && j < 64; j++)
		if (m[j] == s) {
			*dup = j + 1;
			*ndup = n;
		}
	if (!*dup)
		return name;
	snprintf(buf, bufsz, "%s@%zu", name, *dup);
	return buf;
}

/*
 * One answer, the same for every kind of query: the address, the type
 * of the symbol holding it, and where it is in that symbol as the
 * kernel's %pS writes it (gdb's "info symbol" says "NAME + OFF in
 * section"):
 *   ffffffff810024b4 T do_one_initcall+0x54/0x220
 */
static void answer(const struct ksym_table *t, const char *q, uint64_t addr,
		   const struct ksym_sym *s, json_object *arr)
{
	char nb[1100];
	size_t dup, ndup;
	const char *name = name_at(t, s, &dup, &ndup, nb, sizeof nb);
	uint64_t off = addr - s->addr;

	if (arr) {
		json_object *o = jsym(t, s);

		json_object_object_add(o, "query", json_object_new_string(q));
		json_object_object_add(o, "symbol_address", jhex(s->addr));
		json_object_object_add(o, "address", jhex(addr));
		json_object_object_add(o, "offset", json_object_new_int64((int64_t)off));
		if (dup) {
			json_object_object_add(o, "duplicate", json_object_new_int64((int64_t)dup));
			json_object_object_add(o, "duplicates", json_object_new_int64((int64_t)ndup));
		}
		json_object_array_add(arr, o);
		return;
	}
	out("%016" PRIx64 " %s %s+0x%" PRIx64 "/0x%" PRIx64 "\n", addr, prc(s->type), pr(name),
	    off, s->size);
}

/* "+OFF" at the end of Q: 0x-hex or decimal; *plus at the '+'.  -1 when
 * there is none or it is not a number. */
static int parse_offset(const char *q, const char **plus, uint64_t *off)
{
	const char *p = strrchr(q, '+'), *d;
	char *end;

	if (!p || p == q || !p[1])
		return -1;
	d = is_hex_prefixed(p + 1) ? p + 3 : p + 1;
	if (!*d || strspn(d, is_hex_prefixed(p + 1) ? "0123456789abcdefABCDEF" : "0123456789")
		   != strlen(d))
		return -1;
	errno = 0;
	*off = strtoull(p + 1, &end, is_hex_prefixed(p + 1) ? 16 : 10);
	if (errno || *end)
		return -1;
	*plus = p;
	return 0;
}

/* NAME[@N][+OFF]: its answers (every duplicate when N is not given). */
static int lookup_name(const struct ksym_table *t, const char *q, json_object *arr)
{
	const struct ksym_sym *m[64], *h;
	const char *plus = NULL;
	char *name, *at;
	uint64_t off = 0, a, hoff;
	size_t n, j, want = 0;
	int rc = 0, numbered = 0;

	if (!(name = strdup(q)))
		die("out of memory");
	/* the whole query first: anything may be a name in an image */
	n = ksym_lookup_name(t, name, m, 64);
	if (!n && !parse_offset(q, &plus, &off)) {
		name[plus - q] = 0;
		n = ksym_lookup_name(t, name, m, 64);
	}
	at = n ? NULL : strrchr(name, '@');
	if (at && at[1] && !at[1 + strspn(at + 1, "0123456789")]) {
		errno = 0;
		want = strtoul(at + 1, NULL, 10);
		numbered = errno == 0;
		*at = 0;
		n = numbered ? ksym_lookup_name(t, name, m, 64) : 0;
	}
	if (!n)
		rc = error("no symbol '%s' in '%s'%s", pr(q), pr(t->path), strchr(q, '+') && !plus ?
			   " (an offset is NAME+0xHEX or NAME+DECIMAL)" : "");
	else if (numbered && (want < 1 || want > (n < 64 ? n : 64)))
		rc = error("no symbol '%s' in '%s': %zu called '%s'%s", pr(q), pr(t->path), n,
			   pr(name), n > 64 ? ", the first 64 numbered" : "");
	for (j = 0; !rc && j < n && j < 64; j++) {
		if (numbered && j + 1 != want)
			continue;
		a = m[j]->addr + off;
		if (a < m[j]->addr) {
			rc = error("'%s' is past the end of the address space", pr(q));
			break;
		}
		/* past the symbol's end: what an address lookup says there */
		h = m[j]->size && off >= m[j]->size ? ksym_lookup_addr(t, a, &hoff) : m[j];
		if (!h) {
			rc = error("no symbol in '%s' holds address 0x%" PRIx64 " (%s)", pr(t->path),
				   a, pr(q));
			break;
		}
		answer(t, q, a, h, arr);
	}
	free(name);
	return rc;
}

static int cmd_lookup(struct ksym_table *t, int argc, char **argv)
{
	json_object *arr = opt_json ? json_object_new_array() : NULL;
	int i, rc = 0;

	for (i = 0; i < argc; i++) {
		const char *q = argv[i];
		const struct ksym_sym *s;
		uint64_t a, off;

		if (is_hex_prefixed(q) && parse_addr(q, &a)) {
			rc = error("'%s' is not an address (0x and 1 to 16 hex digits)", pr(q));
		} else if (q[strspn(q, "0123456789")] == 0) {
			rc = error("'%s' is neither a symbol name nor an address (write addresses as 0x...)",
				   pr(q));
		} else if (!parse_addr(q, &a)) {
			if ((s = ksym_lookup_addr(t, a, &off)))
				answer(t, q, a, s, arr);
			else
				rc = error("no symbol in '%s' holds address '%s'", pr(t->path), pr(q));
		} else if (lookup_name(t, q, arr)) {
			rc = -1;
		}
	}
	if (arr)
		print_json(arr);
	return rc ? 1 : 0;
}

static int cmd_initcalls(struct ksym_table *t)
{
	struct kit_err e = { 0 };
	struct ksym_initcall *ic;
	size_t n, i;
	const char *from = t->have_initcall_data ?
		(t->initcall_prel32 ? "the image's PREL32 entries" : "the image's absolute entries")
		: "the __initcall_* labels";

	if (ksym_initcalls(t, &ic, &n, &e))
		die("%s", pr(e.msg));
	if (opt_json) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
		json_object_object_add(o, "source", json_object_new_string(t->have_initcall_data ?
						(t->initcall_prel32 ? "prel32" : "absolute") : "labels"));
		for (i = 0; i < n; i++) {
			json_object *c = json_object_new_object();

			json_object_object_add(c, "order", json_object_new_int64((int64_t)i + 1));
			json_object_object_add(c, "level", json_object_new_string(ic[i].level));
			json_object_object_add(c, "sync", json_object_new_boolean(ic[i].sync));
			json_object_object_add(c, "function", ic[i].func ?
					       json_object_new_string(ic[i].func) : NULL);
			json_object_object_add(c, "address", jhex(ic[i].fn));
			json_object_object_add(c, "entry", jhex(ic[i].entry));
			json_object_object_add(c, "module", json_object_new_string(ic[i].module));
			json_object_array_add(arr, c);
		}
		json_object_object_add(o, "initcalls", arr);
		print_json(o);
	} else {
		out("%zu initcalls, from %s\n", n, from);
		out("%-10s %5s  %-18s %-44s %s\n", "LEVEL", "ORDER", "ADDRESS", "FUNCTION", "MODULE");
		for (i = 0; i < n; i++) {
			char lv[sizeof ic[i].level + 5];   /* level and "_sync" */

			snprintf(lv, sizeof lv, "%s%s", ic[i].level, ic[i].sync ? "_sync" : "");
			out("%-10s %5zu  %016" PRIx64 "   %-44s %s\n", lv, i + 1, ic[i].fn,
			    ic[i].func ? pr(ic[i].func) : "?", pr(ic[i].module));
		}
	}
	free(ic);
	return 0;
}

static int cmd_milestones(struct ksym_table *t)
{
	struct ksym_milestone m[32];
	size_t n = ksym_milestones(t, m, 32), i;

	if (n > 32)
		n = 32;
	if (opt_json) {
		json_object *arr = json_object_new_array();

		for (i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "name", json_object_new_string(m[i].name));
			json_object_object_add(o, "address", jhex(m[i].addr));
			json_object_object_add(o, "kind", json_object_new_string(ksym_addr_kind_name(m[i].kind)));
			json_object_object_add(o, "how", json_object_new_string(m[i].how));
			json_object_array_add(arr, o);
		}
		print_json(arr);
		return 0;
	}
	out("%zu milestones (nokaslr; %s)\n", n, t->have_bzimage ? "bzImage header known"
	    : "no bzImage header: no pre-kernel milestones");
	out("%-24s %-9s %-18s %s\n", "MILESTONE", "KIND", "ADDRESS", "DERIVED FROM");
	for (i = 0; i < n; i++)
		out("%-24s %-9s %016" PRIx64 "   %s\n", m[i].name, ksym_addr_kind_name(m[i].kind),
		    m[i].addr, m[i].how);
	return 0;
}

/*
 * export --format=elf: with the kernel's code and data unless --no-code
 * (CODE 0) or KERNEL is a symbol list (System.map, kallsyms text, a cache:
 * symbols only, as --json's "code" says; with --with-code, CODE 2, an
 * error).
 */
static void export_elf(const char *kernel, int code, const char *file, int *with_code,
		       int64_t *nsyms)
{
	struct kit_err e = { 0 };
	struct ksym_code *c = NULL;
	struct ksym_table *t;

	if (!code) {
		t = open_kernel(kernel);
	} else if (!(t = ksym_open_code(kernel, open_flags, &c, &e))) {
		die("%s", pr(e.msg));
	}
	if (code == 2 && !c) {
		ksym_free(t);
		die("'%s' is a symbol list, not a kernel image: it holds no code for "
		    "--with-code (give the bzImage or vmlinux)", pr(kernel));
	}
	if (c ? ksym_export_elf_code(t, c, file, &e) : ksym_export_elf(t, file, &e)) {
		ksym_code_free(c);
		ksym_free(t);
		die("%s", pr(e.msg));
	}
	*with_code = c != NULL;
	ksym_code_free(c);
	*nsyms = (int64_t)t->nsyms;
	ksym_free(t);
}

static int cmd_export(struct ksym_table *t, const char *format, const char *file,
		      const char *kernel, int code)
{
	struct kit_err e = { 0 };
	int with_code = 0;
	int64_t nsyms = t ? (int64_t)t->nsyms : 0;

	if (!file)
		die("export needs -o FILE");
	if (strcmp(format, "map") && strcmp(format, "elf"))
		die("unknown format '%s' (map or elf)", pr(format));
	if (!strcmp(format, "elf")) {
		export_elf(kernel, code, file, &with_code, &nsyms);
	} else if (!strcmp(format, "map") && !strcmp(file, "-")) {
		if (ksym_export_map(t, stdout, &e)) {
			errno = e.code;
			die_errno("cannot write to standard output");
		}
	} else {
		if (ksym_export_map_file(t, file, &e))
			die("%s", pr(e.msg));
	}
	if (opt_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "format", json_object_new_string(format));
		json_object_object_add(o, "symbols", json_object_new_int64(nsyms));
		if (!strcmp(format, "elf"))
			json_object_object_add(o, "code", json_object_new_boolean(with_code));
		print_json(o);
	}
	return 0;
}

static const char *source_name(enum ksym_source s)
{
	switch (s) {
	case KSYM_SRC_ELF:
		return "elf-symtab";
	case KSYM_SRC_MAP:
		return "map-text";
	case KSYM_SRC_KALLSYMS:
		return "kallsyms";
	case KSYM_SRC_CACHE:
		return "cache";
	default:
		return "none";
	}
}

static int cmd_info(struct ksym_table *t)
{
	const struct ksym_kallsyms_layout *l = &t->layout;

	if (opt_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(t->path));
		json_object_object_add(o, "origin", json_object_new_string(t->origin));
		json_object_object_add(o, "source", json_object_new_string(source_name(t->source)));
		json_object_object_add(o, "version", json_object_new_string(t->version));
		json_object_object_add(o, "build_id", json_object_new_string(t->build_id));
		json_object_object_add(o, "symbols", json_object_new_int64((int64_t)t->nsyms));
		json_object_object_add(o, "text_start", jhex(t->text_start));
		if (t->have_bzimage)
			json_object_object_add(o, "compressor", json_object_new_string(t->bz.compressor));
		if (t->have_layout) {
			json_object *k = json_object_new_object();

			json_object_object_add(k, "base_relative", json_object_new_boolean(l->base_relative));
			json_object_object_add(k, "absolute_percpu", json_object_new_boolean(l->absolute_percpu));
			json_object_object_add(k, "big_names", json_object_new_boolean(l->big_names));
			json_object_object_add(k, "markers_width", json_object_new_int(l->markers_width));
			json_object_object_add(k, "offsets_after_tokens", json_object_new_boolean(l->offsets_after_tokens));
			json_object_object_add(k, "seqs_of_names", json_object_new_boolean(l->seqs_of_names));
			json_object_object_add(k, "names", jhex(l->names_at));
			json_object_object_add(k, "token_table", jhex(l->token_table_at));
			json_object_object_add(k, "offsets", jhex(l->offsets_at));
			json_object_object_add(k, "relative_base", jhex(l->relative_base));
			json_object_object_add(o, "layout", k);
		}
		json_object_object_add(o, "ms_read", json_object_new_double(t->ms_read));
		json_object_object_add(o, "ms_decompress", json_object_new_double(t->ms_decompress));
		json_object_object_add(o, "ms_decode", json_object_new_double(t->ms_decode));
		json_object_object_add(o, "ms_index", json_object_new_double(t->ms_index));
		print_json(o);
		return 0;
	}
	out("%zu symbols from %s (%s)\n", t->nsyms, pr(t->origin), source_name(t->source));
	out("version:    %s\n", t->version[0] ? pr(t->version) : "?");
	out("build-id:   %s\n", t->build_id[0] ? pr(t->build_id) : "?");
	out("_text:      0x%016" PRIx64 "\n", t->text_start);
	if (t->have_bzimage)
		out("bzImage:    protocol %u.%02u, %u setup sectors, payload %s %u bytes, init_size 0x%x\n",
		    t->bz.version >> 8, t->bz.version & 0xff, t->bz.setup_sects, pr(t->bz.compressor),
		    t->bz.payload_length, t->bz.init_size);
	if (t->have_layout)
		out("kallsyms:   %u symbols; %s%s; %s-byte markers; %s lengths; offsets %s token_index; "
		       "seqs_of_names %s\n"
		       "            names 0x%" PRIx64 " markers 0x%" PRIx64 " token_table 0x%" PRIx64
		       " offsets 0x%" PRIx64 " relative_base 0x%" PRIx64 "\n",
		       l->num_syms, l->base_relative ? "relative offsets" : "absolute addresses",
		       l->absolute_percpu ? " (absolute percpu)" : "", l->markers_width == 8 ? "8" : "4",
		       l->big_names ? "1-2" : "1", l->offsets_after_tokens ? "after" : "before",
		       l->seqs_of_names ? "present" : "absent", l->names_at, l->markers_at,
		       l->token_table_at, l->offsets_at, l->relative_base);
	if (t->modules_skipped)
		out("skipped:    %zu module symbols\n", t->modules_skipped);
	out("timing ms:  read %.1f, decompress %.1f, decode %.1f, index %.1f\n",
	       t->ms_read, t->ms_decompress, t->ms_decode, t->ms_index);
	return 0;
}

static int cmd_kaslr(struct ksym_table *t, const char *name, const char *obs)
{
	struct kit_err e = { 0 };
	uint64_t a;
	int64_t slide;

	if (parse_addr(obs, &a))
		die("'%s' is not a 0x-prefixed address", pr(obs));
	if (ksym_kaslr_slide(t, name, a, &slide, &e))
		die("%s", pr(e.msg));
	if (opt_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "slide", json_object_new_int64(slide));
		json_object_object_add(o, "slide_hex", jhex((uint64_t)slide));
		print_json(o);
	} else {
		out("slide %s0x%" PRIx64 "\n", slide < 0 ? "-" : "",
		       slide < 0 ? (uint64_t)-slide : (uint64_t)slide);
	}
	return 0;
}

/* ---- types ------------------------------------------------------------ */

/* A member as C declares it, in two columns: "char", "comm[16]:3;". */
static void decl(const struct ksym_btf_field *f, char *ty, char *nm, size_t sz)
{
	const char *fp = strstr(f->type, "(*)");
	char bits[16] = "";

	if (f->bit_size)
		snprintf(bits, sizeof bits, ":%u", f->bit_size);
	if (f->is_array) {
		snprintf(ty, sz, "%s", pr(f->elem_type));
		snprintf(nm, sz, "%s[%" PRIu64 "]%s;", pr(f->name), f->nelems, bits);
	} else if (fp) {
		snprintf(ty, sz, "%s", pr(f->type));
		*strstr(ty, "(*)") = 0;
		snprintf(nm, sz, "(*%s)%s;", pr(f->name), pr(fp + 3));
	} else {
		snprintf(ty, sz, "%s", pr(f->type));
		snprintf(nm, sz, "%s%s;", pr(f->name), bits);
	}
}

static json_object *jfield(const struct ksym_btf_field *f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(f->name));
	json_object_object_add(o, "type", json_object_new_string(f->type));
	json_object_object_add(o, "offset", json_object_new_int64((int64_t)f->offset));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)f->size));
	if (f->bit_size) {
		json_object_object_add(o, "bit_offset", json_object_new_int((int)f->bit_offset));
		json_object_object_add(o, "bit_size", json_object_new_int((int)f->bit_size));
	}
	if (f->is_array) {
		json_object_object_add(o, "count", json_object_new_int64((int64_t)f->nelems));
		json_object_object_add(o, "element", json_object_new_string(f->elem_type));
	}
	if (f->depth)
		json_object_object_add(o, "depth", json_object_new_int(f->depth));
	return o;
}

/* Close the anonymous members opened deeper than DEPTH. */
static void close_anon(const struct ksym_btf_field **open, int *nopen, int depth)
{
	while (*nopen > depth) {
		const struct ksym_btf_field *a = open[--*nopen];

		out("%*s};%*s/* %5" PRIu64 " %5" PRIu64 " */\n", 8 * (a->depth + 1), "",
		    38 - 8 * a->depth, "", a->offset, a->size);
	}
}

/* pahole-like: every member with its offset and size. */
static int types_struct(const struct ksym_btf *b, const char *name)
{
	struct kit_err e = { 0 };
	struct ksym_btf_field self, *f;
	const struct ksym_btf_field *open[40];
	size_t n, i;
	int nopen = 0;
	char ty[1100], nm[1100];

	if (ksym_btf_member(b, name, &self, &e) || ksym_btf_fields(b, name, &f, &n, &e))
		die("%s", pr(e.msg));
	if (opt_json) {
		json_object *o = jfield(&self), *arr = json_object_new_array();

		for (i = 0; i < n; i++)
			json_object_array_add(arr, jfield(&f[i]));
		json_object_object_add(o, "members", arr);
		print_json(o);
		free(f);
		return 0;
	}
	out("%s {\n", pr(self.type));
	for (i = 0; i < n; i++) {
		int ind = 8 * (f[i].depth + 1);

		close_anon(open, &nopen, f[i].depth);
		if (!f[i].name[0] && nopen < 40 && (f[i].kind == BTF_KIND_STRUCT || f[i].kind == BTF_KIND_UNION)) {
			out("%*s%s {\n", ind, "", f[i].kind == BTF_KIND_UNION ? "union" : "struct");
			open[nopen++] = &f[i];
			continue;
		}
		decl(&f[i], ty, nm, sizeof ty);
		if (f[i].bit_size)
			out("%*s%-*s %-21s /* %5" PRIu64 ":%2u %4" PRIu64 " */\n", ind, "", 34 - ind, ty,
			    nm, f[i].offset, f[i].bit_offset, f[i].size);
		else
			out("%*s%-*s %-21s /* %5" PRIu64 " %5" PRIu64 " */\n", ind, "", 34 - ind, ty,
			    nm, f[i].offset, f[i].size);
	}
	close_anon(open, &nopen, 0);
	out("\n        /* size: %" PRIu64 ", members: %zu */\n};\n", self.size, n);
	free(f);
	return 0;
}

/* One member: where it is, how big, what type. */
static int types_member(const struct ksym_btf *b, const char *path)
{
	struct kit_err e = { 0 };
	struct ksym_btf_field f;

	if (ksym_btf_member(b, path, &f, &e))
		die("%s", pr(e.msg));
	if (opt_json) {
		json_object *o = jfield(&f);

		json_object_object_add(o, "path", json_object_new_string(path));
		print_json(o);
		return 0;
	}
	out("%s: offset %" PRIu64 " (0x%" PRIx64 ")", pr(path), f.offset, f.offset);
	if (f.bit_size)
		out(" bit %u, %u bits", f.bit_offset, f.bit_size);
	out(", size %" PRIu64 ", type %s", f.size, pr(f.type));
	if (f.is_array)
		out(" (%" PRIu64 " x %s)", f.nelems, pr(f.elem_type));
	out("\n");
	return 0;
}

/* kernel-symbols types KERNEL STRUCT[.MEMBER...] [--btf FILE] */
static int cmd_types(int argc, char **argv, const char *btf_file)
{
	struct kit_err e = { 0 };
	struct ksym_btf *b;
	const char *q;
	int rc;

	if (argc != 2)
		die_usage("usage: kernel-symbols types [--btf FILE] KERNEL STRUCT[.MEMBER...]");
	q = argv[1];
	if (!*q || *q == '.' || q[strlen(q) - 1] == '.' || strstr(q, ".."))
		die_usage("'%s' is not STRUCT or STRUCT.MEMBER[.MEMBER...]", pr(q));
	b = ksym_btf_open(btf_file ? btf_file : argv[0], &e);
	if (!b)
		die("%s", pr(e.msg));
	if (btf_file) {
		struct ksym_table *t = open_kernel(argv[0]);
		char sum[256];

		if (ksym_btf_check(b, t, sum, sizeof sum, &e)) {
			/* freed first: a refusal is an answer, not a crash,
			 * and the sanitizers check it leaks nothing */
			ksym_free(t);
			ksym_btf_free(b);
			die("'%s' does not belong to '%s': %s", pr(btf_file),
			    pr(argv[0]), pr(e.msg));
		}
		if (!opt_json)
			out("/* BTF of '%s', checked against '%s': %s */\n", pr(btf_file),
			    pr(argv[0]), sum);
		ksym_free(t);
	}
	rc = strchr(q, '.') ? types_member(b, q) : types_struct(b, q);
	ksym_btf_free(b);
	finish_stdout();
	return rc;
}

/* Member NAME of struct orc_entry out of its 6 bytes E (BTF layout);
 * *have 0 when the kernel's struct has no such member. */
static long orc_field(const struct ksym_btf *b, const uint8_t *e, const char *name,
		      int *have)
{
	struct ksym_btf_field f;
	char path[64];
	uint64_t v = 0;
	unsigned i;

	snprintf(path, sizeof path, "orc_entry.%s", name);
	*have = ksym_btf_member(b, path, &f, NULL) == 0 && f.offset < 6 && f.size <= 8;
	if (!*have)
		return 0;
	for (i = 0; i < f.size && f.offset + i < 6; i++)
		v |= (uint64_t)e[f.offset + i] << (8 * i);
	if (f.bit_size)
		return (long)((v >> f.bit_offset) & ((1ull << f.bit_size) - 1));
	return f.size == 2 ? (long)(int16_t)v : (long)v;
}

/* "orc KERNEL ADDR|SYMBOL[+OFF]": the ORC entry covering it, decoded
 * with the kernel's own struct orc_entry (its bitfields moved in 6.4). */
static int cmd_orc(int argc, char **argv)
{
	static const char *const reg[] = { "undefined", "prev_sp", "dx", "di", "bp", "sp",
					   "r10", "r13", "bp_indirect", "sp_indirect" };
	struct kit_err e = { 0 };
	struct ksym_table *t;
	struct ksym_btf *b;
	struct ksym_orc *o;
	const struct ksym_sym *s;
	const uint8_t *ent;
	uint64_t addr, start, off;
	long spr, bpr, v;
	int have, have_end;
	char *end;

	if (argc != 2)
		die_usage("usage: kernel-symbols orc KERNEL ADDR|SYMBOL");
	t = open_kernel(argv[0]);
	addr = strtoull(argv[1], &end, 0);
	if (*end || end == argv[1])
		addr = ksym_addr(t, argv[1]);
	if (!addr) {
		ksym_free(t);
		die("no symbol '%s' in '%s'", pr(argv[1]), pr(argv[0]));
	}
	o = ksym_orc_open(argv[0], &e);
	b = o ? ksym_btf_open(argv[0], &e) : NULL;
	if (!o || !b) {
		ksym_orc_free(o);
		ksym_free(t);
		die("%s", pr(e.msg));
	}
	if (ksym_orc_find(o, addr, &start, &ent) < 0) {
		ksym_orc_free(o);
		ksym_btf_free(b);
		ksym_free(t);
		die("0x%llx is outside the ORC tables (below the first entry or past "
		    "the last)", (unsigned long long)addr);
	}
	s = ksym_lookup_addr(t, addr, &off);
	spr = orc_field(b, ent, "sp_reg", &have);
	bpr = orc_field(b, ent, "bp_reg", &have);
	out("0x%llx <%s+0x%llx>: ORC entry from 0x%llx of %zu\n", (unsigned long long)addr,
	    s ? pr(ksym_name(t, s)) : "?", (unsigned long long)(s ? off : 0),
	    (unsigned long long)start, ksym_orc_count(o));
	out("  raw: %02x %02x %02x %02x %02x %02x\n", ent[0], ent[1], ent[2], ent[3],
	    ent[4], ent[5]);
	out("  sp: %s%+ld\n", spr >= 0 && spr < 10 ? reg[spr] : "?",
	    orc_field(b, ent, "sp_offset", &have));
	out("  bp: %s%+ld\n", bpr >= 0 && bpr < 10 ? reg[bpr] : "?",
	    orc_field(b, ent, "bp_offset", &have));
	v = orc_field(b, ent, "type", &have);
	out("  type: %ld", v);
	v = orc_field(b, ent, "end", &have_end);
	if (have_end)
		out(", end: %ld", v);
	v = orc_field(b, ent, "signal", &have);
	if (have)
		out(", signal: %ld", v);
	out("\n");
	ksym_orc_free(o);
	ksym_btf_free(b);
	ksym_free(t);
	finish_stdout();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-cache", no_argument, NULL, 'C' },
		{ "no-discover", no_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "btf", required_argument, NULL, 'b' },
		{ "with-code", no_argument, NULL, 'c' },
		{ "no-code", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "map", *ofile = NULL, *btf_file = NULL, *cmd;
	struct ksym_table *t;
	int c, rc, code = 1, code_opt = 0;

	set_progname(argv[0]);
	opterr = 0;  /* our own messages, in the project's form */
	while ((c = getopt_long(argc, argv, ":jf:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = 1;
			break;
		case 'C':
			open_flags |= KSYM_NO_CACHE;
			break;
		case 'D':
			open_flags |= KSYM_NO_DISCOVER;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			ofile = optarg;
			break;
		case 'b':
			btf_file = optarg;
			break;
		case 'c':
			code = 2;
			code_opt = 1;
			break;
		case 'n':
			code = 0;
			code_opt = 1;
			break;
		case 'V':
			kit_print_version("kernel-symbols");
		case 'h':
			out("%s", usage_text);
			finish_stdout();
			return 0;
		case ':':
			error("option '%s' needs a value", pr(argv[optind - 1]));
			fputs(usage_text, stderr);
			return 2;
		default:
			if (optopt)
				error("unknown option '-%s'", prc((char)optopt));
			else
				error("unknown option '%s'", pr(argv[optind - 1]));
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (argc - optind >= 1 && !strcmp(argv[optind], "types"))
		return cmd_types(argc - optind - 1, argv + optind + 1, btf_file);
	if (argc - optind >= 1 && !strcmp(argv[optind], "orc") && !btf_file)
		return cmd_orc(argc - optind - 1, argv + optind + 1);
	if (btf_file)
		die_usage("--btf is an option of 'types' only");
	if (argc - optind < 2) {
		if (argc - optind == 1)
			error("'%s' needs a KERNEL", pr(argv[optind]));
		fputs(usage_text, stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "lookup") && strcmp(cmd, "initcalls") && strcmp(cmd, "milestones") &&
	    strcmp(cmd, "export") && strcmp(cmd, "info") && strcmp(cmd, "kaslr")) {
		error("unknown command '%s'", pr(cmd));
		fputs(usage_text, stderr);
		return 2;
	}
	if (!strcmp(cmd, "kaslr") && argc - optind != 4)
		die("usage: kernel-symbols kaslr KERNEL NAME OBSERVED_ADDR");
	if (!strcmp(cmd, "lookup") && argc - optind < 3)
		die("usage: kernel-symbols lookup KERNEL NAME[@N][+OFF]|0xADDR...");
	if (strcmp(cmd, "lookup") && strcmp(cmd, "kaslr") && argc - optind > 2)
		die("unexpected argument '%s' after KERNEL for '%s'", pr(argv[optind + 2]), cmd);
	if (code_opt && (strcmp(cmd, "export") || strcmp(format, "elf")))
		die_usage("--with-code and --no-code are options of 'export --format=elf' only");
	if (!strcmp(cmd, "export") && !strcmp(format, "elf")) {
		rc = cmd_export(NULL, format, ofile, argv[optind + 1], code);
		finish_stdout();
		return rc;
	}
	t = open_kernel(argv[optind + 1]);
	if (!strcmp(cmd, "lookup"))
		rc = cmd_lookup(t, argc - optind - 2, argv + optind + 2);
	else if (!strcmp(cmd, "initcalls"))
		rc = cmd_initcalls(t);
	else if (!strcmp(cmd, "milestones"))
		rc = cmd_milestones(t);
	else if (!strcmp(cmd, "export"))
		rc = cmd_export(t, format, ofile, argv[optind + 1], code);
	else if (!strcmp(cmd, "info"))
		rc = cmd_info(t);
	else
		rc = cmd_kaslr(t, argv[optind + 2], argv[optind + 3]);
	ksym_free(t);
	finish_stdout();
	return rc;
}
