/*
 * elfcode.c: the kernel's own ELF with a symbol table, so that gdb
 * ("file"), objdump -d and nm work offline ("export --format=elf", with
 * code unless --no-code).
 *
 * A bzImage's payload is the vmlinux stripped of its symbols (x86's
 * arch/x86/boot/compressed/Makefile: objcopy -R .comment -S), and objcopy
 * -S keeps the section headers: .text, .rodata, .data, .BTF, the ORC
 * tables, .init.text, .data..percpu, .bss ... at their link addresses, and
 * the program headers (readelf -SW on the decompressed payload shows them;
 * kernel-symbols/README.md has the command).  The export is that ELF, byte
 * for byte where it has bytes: every allocated section at its own file
 * offset (ELF_F_LAYOUT: libelf keeps the layout it is given), the program
 * headers as they were, then a .symtab, a .strtab and a new .shstrtab after
 * the last byte of the sections, and the section header table.  A vmlinux
 * given as KERNEL is copied the same way (allocated sections only: no
 * DWARF, no old .symtab).
 *
 * Symbols go into the section whose address range holds them (or whose
 * end they mark, as _etext), so nm derives each letter from the section's
 * flags as it does on the real vmlinux: text t/T, writable data d/D,
 * read-only data r/R, NOBITS b/B; the case (binding) comes from the
 * table's letter: lower case local, W/V weak, the rest global.  Sizes are
 * the table's (st_size from a vmlinux; from kallsyms, the distance to the
 * next symbol), cut at the section's end.  Type A symbols (the per-CPU
 * variables kallsyms lists as absolute) and those in no section are
 * SHN_ABS, as /proc/kallsyms says.
 *
 * The payload is untrusted: every section with bytes must lie inside the
 * ELF and overlap neither another nor the headers, alignments must be
 * powers of two, at most MAX_SECS sections and MAX_PHDRS program headers;
 * anything else is an error that names the section.  The output is never
 * bigger than the ELF read plus the symbol table.
 */
#include "elfwrite.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECS 4096
#define MAX_PHDRS 256

struct ksym_code {
	const uint8_t *data;   /* the kernel ELF */
	size_t len;
	uint8_t *owned;        /* a decompressed payload (malloc'ed) */
	void *map;             /* or a mapped vmlinux */
	size_t maplen;
	char what[1100];       /* names it in errors */
};

/* One output section: index i + 1. */
struct osec {
	GElf_Shdr sh;          /* as written (sh_name into plan.shstr) */
	const uint8_t *data;   /* NULL: NOBITS */
};

struct plan {
	struct osec *secs;
	size_t nsecs;
	size_t *byaddr;        /* section numbers by address */
	GElf_Phdr *ph;
	size_t nph;
	GElf_Ehdr in;          /* the input's header */
	uint64_t end;          /* past the headers and the last section byte */
	char *shstr;
	size_t shlen, shcap;
	Elf64_Sym *syms;
	size_t nsym, nlocal;
	char *pool;            /* .strtab */
};

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

/* NAME into .shstrtab: its offset, or (size_t)-1 out of memory. */
static size_t add_name(struct plan *p, const char *name)
{
	size_t n = strlen(name) + 1, off;

	if (p->shlen + n > p->shcap) {
		size_t cap = (p->shlen + n) * 2 + 256;
		char *q = realloc(p->shstr, cap);

		if (!q)
			return (size_t)-1;
		p->shstr = q;
		p->shcap = cap;
	}
	off = p->shlen;
	memcpy(p->shstr + off, name, n);
	p->shlen += n;
	return off;
}

static int add_sec(struct plan *p, const GElf_Shdr *sh, const char *name,
		   const uint8_t *data, struct kit_err *err)
{
	struct osec *o;
	size_t off;

	if (p->nsecs == MAX_SECS)
		return kit_seterr(err, KSYM_EFORMAT, "more than %d allocated sections", MAX_SECS);
	if ((off = add_name(p, name)) == (size_t)-1)
		return kit_seterr(err, ENOMEM, "out of memory");
	o = &p->secs[p->nsecs++];
	o->sh = *sh;
	o->sh.sh_name = (Elf64_Word)off;
	o->sh.sh_link = 0;   /* nothing allocated links to a section here */
	o->sh.sh_info = 0;
	o->data = data;
	return 0;
}

/* Does [OFF, OFF+SIZE) lie in the LEN bytes of the ELF? */
static int inside(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/* The allocated sections of E (DATA, LEN bytes), WHAT in errors. */
static int plan_sections(struct plan *p, Elf *e, const uint8_t *data, size_t len,
			 const char *what, struct kit_err *err)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx, n = 0;
	char fallback[32];

	if (elf_getshdrstrndx(e, &shstrndx))
		shstrndx = 0;
	p->secs = calloc(MAX_SECS, sizeof *p->secs);
	if (!p->secs)
		return kit_seterr(err, ENOMEM, "out of memory");
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		n++;
		if (!gelf_getshdr(scn, &sh))
			return kit_seterr(err, KSYM_EFORMAT, "section header %zu of %s is "
					  "unreadable: %s", n, what, elf_errmsg(-1));
		if (!(sh.sh_flags & SHF_ALLOC) || !sh.sh_size)
			continue;
		name = shstrndx ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (!name || !*name) {
			snprintf(fallback, sizeof fallback, ".section%zu", n);
			name = fallback;
		}
		if (sh.sh_type != SHT_NOBITS && !inside(sh.sh_offset, sh.sh_size, len))
			return kit_seterr(err, KSYM_EFORMAT, "section '%s' of %s runs past its "
					  "end (offset 0x%llx, size 0x%llx, %zu bytes)", name, what,
					  (unsigned long long)sh.sh_offset,
					  (unsigned long long)sh.sh_size, len);
		if (sh.sh_addralign & (sh.sh_addralign - 1))
			return kit_seterr(err, KSYM_EFORMAT, "section '%s' of %s has alignment "
					  "%llu, not a power of two", name, what,
					  (unsigned long long)sh.sh_addralign);
		if (sh.sh_addr + sh.sh_size < sh.sh_addr)
			return kit_seterr(err, KSYM_EFORMAT, "section '%s' of %s wraps past the "
					  "end of the address space", name, what);
		if (sh.sh_type == SHT_NOBITS && sh.sh_offset > len)
			sh.sh_offset = len;   /* no bytes: only keep readelf quiet */
		if (add_sec(p, &sh, name, sh.sh_type == SHT_NOBITS ? NULL : data + sh.sh_offset,
			    err))
			return -1;
	}
	return 0;
}

/* The program headers; with no allocated section, one section each. */
static int plan_phdrs(struct plan *p, Elf *e, const uint8_t *data, size_t len,
		      const char *what, struct kit_err *err)
{
	size_t nph = 0, i;
	int make_secs = p->nsecs == 0;

	if (elf_getphdrnum(e, &nph))
		nph = 0;
	if (nph > MAX_PHDRS)
		return kit_seterr(err, KSYM_EFORMAT, "%s has %zu program headers (at most %d)",
				  what, nph, MAX_PHDRS);
	p->ph = calloc(nph + 1, sizeof *p->ph);
	if (!p->ph)
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < nph; i++) {
		GElf_Phdr *ph = &p->ph[p->nph];
		char name[32];

		if (!gelf_getphdr(e, (int)i, ph))
			return kit_seterr(err, KSYM_EFORMAT, "program header %zu of %s is "
					  "unreadable: %s", i, what, elf_errmsg(-1));
		if (!inside(ph->p_offset, ph->p_filesz, len))
			return kit_seterr(err, KSYM_EFORMAT, "program header %zu of %s runs past "
					  "its end (offset 0x%llx, size 0x%llx, %zu bytes)", i, what,
					  (unsigned long long)ph->p_offset,
					  (unsigned long long)ph->p_filesz, len);
		p->nph++;
		if (!make_secs || ph->p_type != PT_LOAD || !ph->p_filesz)
			continue;
		if (ph->p_vaddr + ph->p_filesz < ph->p_vaddr)
			return kit_seterr(err, KSYM_EFORMAT, "program header %zu of %s wraps past "
					  "the end of the address space", i, what);
		snprintf(name, sizeof name, ".load%zu", i);
		if (add_sec(p, &(GElf_Shdr){
				.sh_type = SHT_PROGBITS,
				.sh_flags = SHF_ALLOC | (ph->p_flags & PF_X ? SHF_EXECINSTR : 0) |
					    (ph->p_flags & PF_W ? SHF_WRITE : 0),
				.sh_addr = ph->p_vaddr, .sh_offset = ph->p_offset,
				.sh_size = ph->p_filesz, .sh_addralign = 1,
			    }, name, data + ph->p_offset, err))
			return -1;
	}
	return 0;
}

static const struct plan *sort_plan;

static int by_offset(const void *a, const void *b)
{
	const GElf_Shdr *x = &sort_plan->secs[*(const size_t *)a].sh;
	const GElf_Shdr *y = &sort_plan->secs[*(const size_t *)b].sh;

	return x->sh_offset < y->sh_offset ? -1 : x->sh_offset > y->sh_offset;
}

static int by_addr(const void *a, const void *b)
{
	const GElf_Shdr *x = &sort_plan->secs[*(const size_t *)a].sh;
	const GElf_Shdr *y = &sort_plan->secs[*(const size_t *)b].sh;

	if (x->sh_addr != y->sh_addr)
		return x->sh_addr < y->sh_addr ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Sections with bytes overlap neither each other nor the headers; the
 * address index; p->end. */
static int plan_layout(struct plan *p, const char *what, struct kit_err *err)
{
	uint64_t hdr = sizeof(Elf64_Ehdr) + p->nph * sizeof(Elf64_Phdr), prev_end = hdr;
	const char *prev = NULL;
	size_t i, n = 0;

	p->byaddr = calloc(p->nsecs + 1, sizeof *p->byaddr);
	if (!p->byaddr)
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < p->nsecs; i++)
		if (p->secs[i].data)
			p->byaddr[n++] = i;
	sort_plan = p;
	qsort(p->byaddr, n, sizeof *p->byaddr, by_offset);
	for (i = 0; i < n; i++) {
		const GElf_Shdr *sh = &p->secs[p->byaddr[i]].sh;
		const char *name = p->shstr + sh->sh_name;

		if (sh->sh_offset < prev_end)
			return prev ? kit_seterr(err, KSYM_EFORMAT, "sections '%s' and '%s' of %s "
						 "overlap in the file", prev, name, what)
				    : kit_seterr(err, KSYM_EFORMAT, "section '%s' of %s overlaps "
						 "the ELF headers", name, what);
		prev_end = sh->sh_offset + sh->sh_size;
		prev = name;
	}
	p->end = prev_end;
	for (i = 0; i < p->nsecs; i++)
		p->byaddr[i] = i;
	qsort(p->byaddr, p->nsecs, sizeof *p->byaddr, by_addr);
	sort_plan = NULL;
	return 0;
}

/* The letter nm gives a symbol of section SH (lower case), as binutils
 * decides it from the flags: code, no contents, read-only, data. */
static char letter_of(const GElf_Shdr *sh)
{
	if (sh->sh_flags & SHF_EXECINSTR)
		return 't';
	if (sh->sh_type == SHT_NOBITS)
		return 'b';
	return sh->sh_flags & SHF_WRITE ? 'd' : 'r';
}

/*
 * The section (number + 1) for a symbol at A whose nm letter is WANT
 * (lower case; 0: any), or 0 for none.  Candidates, best first: a section
 * holding A, one that ends at A (an end label: _etext), then, for a label
 * between sections (__end_rodata), the nearest below and above.  The
 * linker puts a label on a boundary in either section, and the table's
 * letter (nm's, on the real vmlinux) tells which: the first candidate of
 * that letter wins, else the first candidate.
 */
static size_t section_of(const struct plan *p, uint64_t a, char want)
{
	size_t cand[20], n = 0, held, firm, lo = 0, hi = p->nsecs, k, tries, i;
	const GElf_Shdr *below;

	while (lo < hi) {   /* the first section starting above A */
		size_t mid = lo + (hi - lo) / 2;

		if (p->secs[p->byaddr[mid]].sh.sh_addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* holding A, or ending at it; sections may nest (a hostile ELF):
	 * look a few further down */
	for (k = lo, tries = 0; k > 0 && tries < 8; k--, tries++) {
		const GElf_Shdr *sh = &p->secs[p->byaddr[k - 1]].sh;

		if (a - sh->sh_addr < sh->sh_size)
			cand[n++] = p->byaddr[k - 1];
	}
	held = n;
	for (k = lo, tries = 0; k > 0 && tries < 8; k--, tries++) {
		const GElf_Shdr *sh = &p->secs[p->byaddr[k - 1]].sh;

		if (a - sh->sh_addr == sh->sh_size)
			cand[n++] = p->byaddr[k - 1];
	}
	below = lo > 0 ? &p->secs[p->byaddr[lo - 1]].sh : NULL;
	firm = n;
	if (!n && below)
		cand[n++] = p->byaddr[lo - 1];   /* between two sections */
	if (!held && lo < p->nsecs)
		cand[n++] = p->byaddr[lo];       /* the next one up */
	for (i = 0; i < n; i++)
		if (letter_of(&p->secs[cand[i]].sh) == want)
			return cand[i] + 1;
	return firm ? cand[0] + 1 : 0;
}

static void plan_one_sym(const struct ksym_table *t, const struct ksym_sym *s,
			 struct plan *p, Elf64_Sym *o)
{
	int abs_type = s->type == 'A' || s->type == 'a';
	char want = (char)(s->type >= 'A' && s->type <= 'Z' ? s->type - 'A' + 'a' : s->type);
	size_t sec = abs_type ? 0 : section_of(p, s->addr, want);
	int weak_obj = s->type == 'V' || s->type == 'v';
	int type;

	(void)t;
	o->st_name = s->name + 1;
	o->st_value = s->addr;
	o->st_size = s->size;
	if (!sec) {
		type = STT_NOTYPE;
		o->st_shndx = SHN_ABS;
	} else {
		const GElf_Shdr *sh = &p->secs[sec - 1].sh;

		if (s->size > sh->sh_addr + sh->sh_size - s->addr)
			o->st_size = sh->sh_addr + sh->sh_size - s->addr;
		/* nm says V for a weak object, W for any other weak one */
		type = weak_obj ? STT_OBJECT : sh->sh_flags & SHF_EXECINSTR ? STT_FUNC :
		       s->type == 'W' || s->type == 'w' ? STT_NOTYPE : STT_OBJECT;
		o->st_shndx = (Elf64_Section)sec;
	}
	o->st_info = ELF64_ST_INFO(ksym_elf_bind(s->type), type);
}

/* Locals first, as ELF requires; names index .strtab (the table's
 * strings after a leading NUL). */
static int plan_syms(const struct ksym_table *t, struct plan *p, struct kit_err *err)
{
	size_t i, pass;

	p->syms = calloc(t->nsyms + 1, sizeof *p->syms);
	p->pool = malloc(t->strtab_len + 1);
	if (!p->syms || !p->pool)
		return kit_seterr(err, ENOMEM, "out of memory");
	p->pool[0] = 0;
	memcpy(p->pool + 1, t->strtab, t->strtab_len);
	p->nsym = p->nlocal = 1;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < t->nsyms; i++) {
			int local = ksym_elf_bind(t->syms[i].type) == STB_LOCAL;

			if ((pass == 0) != local)
				continue;
			plan_one_sym(t, &t->syms[i], p, &p->syms[p->nsym++]);
			if (local)
				p->nlocal = p->nsym;
		}
	return 0;
}

/* The plan on FD: 0; -1 libelf refused (elf_errmsg), -2 a write failed
 * (errno, or elf_errmsg when 0). */
static int write_plan(int fd, const struct ksym_table *t, struct plan *p)
{
	size_t i, n_sym, n_str, n_shstr;
	uint64_t symoff, stroff, shstroff;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf *e;
	int rc = -1;

	if ((n_sym = add_name(p, ".symtab")) == (size_t)-1 ||
	    (n_str = add_name(p, ".strtab")) == (size_t)-1 ||
	    (n_shstr = add_name(p, ".shstrtab")) == (size_t)-1)
		return -1;
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !elf_flagelf(e, ELF_C_SET, ELF_F_LAYOUT) || !gelf_newehdr(e, ELFCLASS64) ||
	    !gelf_getehdr(e, &eh))
		goto out;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = p->in.e_ident[EI_OSABI];
	eh.e_type = p->in.e_type;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = p->in.e_entry;
	eh.e_flags = p->in.e_flags;
	if (p->nph) {
		if (!gelf_newphdr(e, p->nph))
			goto out;
		for (i = 0; i < p->nph; i++)
			if (!gelf_update_phdr(e, (int)i, &p->ph[i]))
				goto out;
		/* the layout is ours: every field of it (libelf fills gaps
		 * from e_phoff + e_phnum entries on, header or not) */
		eh.e_phoff = sizeof(Elf64_Ehdr);
		eh.e_phnum = (Elf64_Half)p->nph;
		eh.e_phentsize = sizeof(Elf64_Phdr);
	}
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	for (i = 0; i < p->nsecs; i++)
		if (ksym_elf_add_scn(e, &p->secs[i].sh, p->secs[i].data,
				     p->secs[i].sh.sh_size, ELF_T_BYTE, 1))
			goto out;
	symoff = align8(p->end);
	sh = (GElf_Shdr){ .sh_name = (Elf64_Word)n_sym, .sh_type = SHT_SYMTAB,
			  .sh_offset = symoff, .sh_size = p->nsym * sizeof *p->syms,
			  .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8,
			  .sh_link = (Elf64_Word)(p->nsecs + 2), .sh_info = (Elf64_Word)p->nlocal };
	if (ksym_elf_add_scn(e, &sh, p->syms, sh.sh_size, ELF_T_SYM, 8))
		goto out;
	stroff = symoff + sh.sh_size;
	sh = (GElf_Shdr){ .sh_name = (Elf64_Word)n_str, .sh_type = SHT_STRTAB,
			  .sh_offset = stroff, .sh_size = t->strtab_len + 1, .sh_addralign = 1 };
	if (ksym_elf_add_scn(e, &sh, p->pool, sh.sh_size, ELF_T_BYTE, 1))
		goto out;
	shstroff = stroff + sh.sh_size;
	sh = (GElf_Shdr){ .sh_name = (Elf64_Word)n_shstr, .sh_type = SHT_STRTAB,
			  .sh_offset = shstroff, .sh_size = p->shlen, .sh_addralign = 1 };
	if (ksym_elf_add_scn(e, &sh, p->shstr, sh.sh_size, ELF_T_BYTE, 1))
		goto out;
	eh.e_shoff = align8(shstroff + p->shlen);
	eh.e_shstrndx = (Elf64_Half)(p->nsecs + 3);
	if (!gelf_update_ehdr(e, &eh))
		goto out;
	rc = 0;
out:
	return ksym_elf_write_end(e, rc);
}

static void plan_free(struct plan *p)
{
	free(p->secs);
	free(p->byaddr);
	free(p->ph);
	free(p->shstr);
	free(p->syms);
	free(p->pool);
}

int ksym_export_elf_code_fd(const struct ksym_table *t, const uint8_t *elf, size_t len,
			    const char *what, int fd, const char *file,
			    struct kit_err *err)
{
	struct ksym_image img;
	struct plan p;
	int rc = -1;

	memset(&p, 0, sizeof p);
	if (ksym_image_open(&img, elf, len, what, err))
		return -1;
	if (!gelf_getehdr(img.elf, &p.in)) {
		kit_seterr(err, KSYM_EFORMAT, "%s has no readable ELF header", what);
		goto out;
	}
	if (add_name(&p, "") == (size_t)-1) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	if (plan_sections(&p, img.elf, elf, len, what, err) ||
	    plan_phdrs(&p, img.elf, elf, len, what, err) ||
	    plan_layout(&p, what, err) || plan_syms(t, &p, err))
		goto out;
	rc = write_plan(fd, t, &p);
	if (rc == -1)
		kit_seterr(err, KSYM_EFORMAT, "cannot build '%s': %s", file, elf_errmsg(-1));
	else if (rc == -2 && errno)
		kit_seterr_errno(err, errno, "cannot write '%s'", file);
	else if (rc == -2)
		kit_seterr(err, KSYM_EFORMAT, "cannot write '%s': %s", file, elf_errmsg(-1));
	rc = rc ? -1 : 0;
out:
	ksym_image_close(&img);
	plan_free(&p);
	return rc;
}

/* ---- the kernel's ELF from KERNEL ------------------------------------- */

void ksym_code_free(struct ksym_code *c)
{
	if (!c)
		return;
	free(c->owned);
	if (c->map)
		munmap(c->map, c->maplen);
	free(c);
}

const char *ksym_code_what(const struct ksym_code *c)
{
	return c->what;
}

struct ksym_code *ksym_code_adopt(uint8_t *payload, size_t len, const char *path,
				  struct kit_err *err)
{
	struct ksym_code *c = calloc(1, sizeof *c);

	if (!c) {
		free(payload);
		kit_seterr(err, ENOMEM, "out of memory");
		return NULL;
	}
	c->owned = payload;
	c->data = payload;
	c->len = len;
	snprintf(c->what, sizeof c->what, "the decompressed payload of '%s'", path);
	if (len < 4 || memcmp(payload, ELFMAG, SELFMAG)) {
		kit_seterr(err, KSYM_EFORMAT, "%s is not an ELF: no sections to export", c->what);
		ksym_code_free(c);
		return NULL;
	}
	return c;
}

/* A bzImage mapped at C->map: its payload, decompressed. */
static struct ksym_code *from_bzimage(struct ksym_code *c, const char *path,
				      struct kit_err *err)
{
	struct ksym_bzimage bz;
	const uint8_t *payload;
	size_t plen, n = 0;
	uint8_t *out = NULL;
	char cname[8];

	if (ksym_bzimage_parse(c->map, c->maplen, &bz, &payload, &plen, err) ||
	    ksym_decompress(payload, plen, ksym_bzimage_max_out(payload, plen, &bz), &out, &n,
			    cname, err)) {
		ksym_err_prefix(err, path);
		ksym_code_free(c);
		return NULL;
	}
	ksym_code_free(c);
	return ksym_code_adopt(out, n, path, err);
}

struct ksym_code *ksym_code_open(const char *path, struct kit_err *err)
{
	struct ksym_code *c = calloc(1, sizeof *c);
	struct stat st;
	int fd = -1;

	if (!c) {
		kit_seterr(err, ENOMEM, "out of memory");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		kit_seterr_errno(err, errno, "cannot open '%s'", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 64) {
		kit_seterr(err, KSYM_ENOCODE, "'%s' holds no code (%s)", path,
			   S_ISREG(st.st_mode) ? "too short for a kernel" : "not a regular file");
		goto fail;
	}
	c->maplen = (size_t)st.st_size;
	c->map = mmap(NULL, c->maplen, PROT_READ, MAP_PRIVATE, fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		kit_seterr_errno(err, errno, "cannot read '%s'", path);
		goto fail;
	}
	close(fd);
	fd = -1;
	if (!memcmp(c->map, ELFMAG, SELFMAG)) {
		c->data = c->map;
		c->len = c->maplen;
		snprintf(c->what, sizeof c->what, "'%s'", path);
		return c;
	}
	if (c->maplen >= 0x206 && !memcmp((uint8_t *)c->map + 0x202, "HdrS", 4))
		return from_bzimage(c, path, err);
	kit_seterr(err, KSYM_ENOCODE, "'%s' holds no code (not a bzImage or a vmlinux ELF)",
		   path);
fail:
	if (fd >= 0)
		close(fd);
	ksym_code_free(c);
	return NULL;
}

int ksym_export_elf_code(const struct ksym_table *t, const struct ksym_code *c,
			 const char *file, struct kit_err *err)
{
	struct kit_outfile of;

	if (kit_outfile_open(&of, file, 0, KIT_OUTFILE_DIRECT, err))
		return -1;
	/* libelf sizes the file with ftruncate: a device or FIFO refuses */
	if (!of.tmp[0]) {
		kit_outfile_abort(&of);
		return kit_seterr(err, KSYM_EFORMAT, "cannot write '%s': not a regular file (an "
				  "ELF is written to a file)", file);
	}
	if (ksym_export_elf_code_fd(t, c->data, c->len, c->what, of.fd, file, err)) {
		kit_outfile_abort(&of);
		return -1;
	}
	return kit_outfile_commit(&of, err);
}
