/*
 * elfsyms.c: a vmlinux ELF through libelf.  With a .symtab (a -dbg
 * vmlinux, or a build tree's) the symbols come from it and nothing else is
 * read: no DWARF, so an 800 MB file loads in milliseconds because
 * ELF_C_READ_MMAP maps it and only the pages of .symtab/.strtab are touched.
 * Without one (the stripped ELF inside a bzImage) the caller decodes the
 * kallsyms tables from the allocated sections, whose headers remain.
 *
 * The file is not trusted: an ELF for another machine, class or byte order
 * is refused by name; a .symtab must have 24-byte entries, lie inside the
 * file and link to a string table (one that links to itself would yield
 * its own bytes as names); sections whose data runs past the end of the
 * file count as having none.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <unistd.h>

static int add_section(struct ksym_image *img, const char *name, uint64_t addr,
		       uint64_t size, uint64_t off, int nobits, int exec, int write)
{
	struct ksym_section *s;
	void *p = realloc(img->secs, (img->nsecs + 1) * sizeof *img->secs);

	if (!p)
		return -1;
	img->secs = p;
	s = &img->secs[img->nsecs++];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->addr = addr;
	s->size = size;
	s->offset = off;
	/* Data past the end of the file is as good as absent. */
	s->nobits = nobits || off > img->len || size > img->len - off;
	s->exec = exec;
	s->write = write;
	return 0;
}

static void read_build_id(struct ksym_image *img, Elf *e)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t off = 0, noff, doff;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + noff, "GNU", 4) && nh.n_descsz <= 20) {
				size_t i;

				for (i = 0; i < nh.n_descsz; i++)
					snprintf(img->build_id + 2 * i, 3, "%02x",
						 ((uint8_t *)d->d_buf)[doff + i]);
				return;
			}
		}
	}
}

/* The e_machine values a kernel ELF of another architecture has. */
static const char *machine_name(unsigned m)
{
	switch (m) {
	case EM_386:
		return "i386";
	case EM_ARM:
		return "ARM";
	case EM_AARCH64:
		return "AArch64";
	case EM_RISCV:
		return "RISC-V";
	case EM_PPC:
		return "PowerPC";
	case EM_PPC64:
		return "PowerPC64";
	case EM_S390:
		return "s390";
	case EM_MIPS:
		return "MIPS";
	case EM_SPARCV9:
		return "SPARC64";
	case EM_IA_64:
		return "IA-64";
	case 258:   /* EM_LOONGARCH, newer than some elf.h */
		return "LoongArch";
	default:
		return NULL;
	}
}

/*
 * Only x86-64 kernels: little-endian ELF64, EM_X86_64.  A known other
 * machine is named first (a 32-bit ARM ELF is "for ARM"); then the class
 * and byte order, which also explain an e_machine read the wrong way.
 * WHAT names the ELF ("'vmlinux'", "the decompressed payload").
 */
static int check_machine(Elf *e, const GElf_Ehdr *eh, const char *what,
			 struct kit_err *err)
{
	const char *m = machine_name(eh->e_machine);

	if (eh->e_machine != EM_X86_64 && m)
		return kit_seterr(err, KSYM_EFORMAT, "%s is an ELF for %s, not x86-64", what, m);
	if (gelf_getclass(e) != ELFCLASS64)
		return kit_seterr(err, KSYM_EFORMAT, "%s is a 32-bit ELF, not x86-64", what);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return kit_seterr(err, KSYM_EFORMAT, "%s is a big-endian ELF, not x86-64", what);
	if (eh->e_machine != EM_X86_64)
		return kit_seterr(err, KSYM_EFORMAT, "%s is an ELF for machine %u, not x86-64",
				  what, eh->e_machine);
	return 0;
}

static int image_from_elf(struct ksym_image *img, Elf *e, const char *what,
			  struct kit_err *err)
{
	GElf_Ehdr eh;
	size_t shstrndx, nph = 0, i;
	Elf_Scn *scn = NULL;
	char *raw;
	size_t rawlen;

	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh))
		return kit_seterr(err, KSYM_EFORMAT, "not an ELF file");
	if (check_machine(e, &eh, what, err))
		return -1;
	raw = elf_rawfile(e, &rawlen);
	if (!raw)
		return kit_seterr(err, KSYM_EFORMAT, "cannot read the ELF file");
	img->data = (const uint8_t *)raw;
	img->len = rawlen;
	if (elf_getshdrstrndx(e, &shstrndx))
		shstrndx = 0;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && sh.sh_size)
			img->has_symtab = 1;
		if (!(sh.sh_flags & SHF_ALLOC) || !sh.sh_size)
			continue;
		name = shstrndx ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (add_section(img, name ? name : "", sh.sh_addr, sh.sh_size, sh.sh_offset,
				sh.sh_type == SHT_NOBITS, !!(sh.sh_flags & SHF_EXECINSTR),
				!!(sh.sh_flags & SHF_WRITE)))
			return kit_seterr(err, ENOMEM, "out of memory");
		if (name && !strcmp(name, ".text"))
			img->text_start = sh.sh_addr;
	}
	/* Program headers as a fallback when section headers are gone. */
	if (!elf_getphdrnum(e, &nph)) {
		for (i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (!img->text_start && (ph.p_flags & PF_X))
				img->text_start = ph.p_vaddr;
			if (add_section(img, "", ph.p_vaddr, ph.p_filesz, ph.p_offset, 0,
					!!(ph.p_flags & PF_X), !!(ph.p_flags & PF_W)))
				return kit_seterr(err, ENOMEM, "out of memory");
		}
	}
	read_build_id(img, e);
	return 0;
}

int ksym_image_open(struct ksym_image *img, const uint8_t *data, size_t len,
		    const char *what, struct kit_err *err)
{
	Elf *e;

	memset(img, 0, sizeof *img);
	elf_version(EV_CURRENT);
	if (len < 64 || memcmp(data, ELFMAG, SELFMAG))
		return kit_seterr(err, KSYM_EFORMAT, "not an ELF file (bad magic)");
	e = elf_memory((char *)(uintptr_t)data, len);
	if (!e)
		return kit_seterr(err, KSYM_EFORMAT, "not an ELF file: %s", elf_errmsg(-1));
	img->elf = e;
	if (image_from_elf(img, e, what, err)) {
		ksym_image_close(img);
		return -1;
	}
	return 0;
}

void ksym_image_close(struct ksym_image *img)
{
	if (img->elf)
		elf_end(img->elf);
	free(img->secs);
	memset(img, 0, sizeof *img);
}

const uint8_t *ksym_image_at(const struct ksym_image *img, uint64_t vaddr,
			     size_t len)
{
	size_t i;

	for (i = 0; i < img->nsecs; i++) {
		const struct ksym_section *s = &img->secs[i];

		if (s->nobits || vaddr < s->addr || vaddr - s->addr > s->size ||
		    len > s->size - (vaddr - s->addr))
			continue;
		return img->data + s->offset + (vaddr - s->addr);
	}
	return NULL;
}

const struct ksym_section *ksym_image_section(const struct ksym_image *img,
					      const char *name)
{
	size_t i;

	for (i = 0; i < img->nsecs; i++)
		if (!strcmp(img->secs[i].name, name))
			return &img->secs[i];
	return NULL;
}

/*
 * The nm letter of a symbol defined in a section with header SH, before
 * binding (lower case: local).
 */
static char section_letter(const GElf_Shdr *sh)
{
	if (sh->sh_flags & SHF_EXECINSTR)
		return 't';
	if (sh->sh_type == SHT_NOBITS)
		return 'b';
	if (sh->sh_flags & SHF_WRITE)
		return 'd';
	if (sh->sh_flags & SHF_ALLOC)
		return 'r';
	return 'n';
}

/*
 * The nm letter for an ELF symbol, as the kernel's kallsyms would show it.
 * LETTERS holds section_letter() of each of the NSECS sections.
 */
static char sym_type(const char *letters, size_t nsecs, const GElf_Sym *s)
{
	int bind = GELF_ST_BIND(s->st_info), type = GELF_ST_TYPE(s->st_info);
	char c;

	if (bind == STB_WEAK)
		return type == STT_OBJECT ? 'V' : 'W';
	if (s->st_shndx == SHN_ABS)
		c = 'a';
	else if (s->st_shndx < nsecs)
		c = letters[s->st_shndx];
	else
		c = '?';
	if (bind == STB_GLOBAL && c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	return c;
}

/*
 * Every section's letter, looked up once instead of per symbol (a -dbg
 * vmlinux has 127,000 symbols in 80 sections).  *LETTERS is malloc'ed.
 */
static int section_letters(Elf *e, char **letters, size_t *nsecs,
			   struct kit_err *err)
{
	size_t n, i;
	char *l;

	if (elf_getshdrnum(e, &n))
		n = 0;
	l = malloc(n ? n : 1);
	if (!l)
		return kit_seterr(err, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;

		l[i] = scn && gelf_getshdr(scn, &sh) ? section_letter(&sh) : '?';
	}
	*letters = l;
	*nsecs = n;
	return 0;
}

/* Does section SH lie inside the file of LEN bytes (NOBITS: no data)? */
static int in_file(const GElf_Shdr *sh, size_t len)
{
	return sh->sh_type == SHT_NOBITS ||
	       (sh->sh_offset <= len && sh->sh_size <= len - sh->sh_offset);
}

/*
 * The string table a symbol table links to, checked: it exists, is not
 * the symbol table itself, is SHT_STRTAB and lies inside the file.
 */
static Elf_Data *linked_strtab(Elf *e, size_t len, size_t ndx, const char *name,
			       const GElf_Shdr *sh, size_t nsecs, struct kit_err *err)
{
	Elf_Scn *strscn;
	GElf_Shdr ssh;
	Elf_Data *sd;

	if (sh->sh_link == 0 || sh->sh_link >= nsecs)
		return kit_seterr(err, KSYM_EFORMAT,
				  "%s (section %zu) links to section %u, which does not exist (%zu sections)",
				  name, ndx, sh->sh_link, nsecs), NULL;
	if (sh->sh_link == ndx)
		return kit_seterr(err, KSYM_EFORMAT,
				  "%s (section %zu) links to section %u, itself, not to a string table",
				  name, ndx, sh->sh_link), NULL;
	strscn = elf_getscn(e, sh->sh_link);
	if (!strscn || !gelf_getshdr(strscn, &ssh) || ssh.sh_type != SHT_STRTAB)
		return kit_seterr(err, KSYM_EFORMAT,
				  "%s (section %zu) links to section %u, which is not a string table",
				  name, ndx, sh->sh_link), NULL;
	if (!in_file(&ssh, len))
		return kit_seterr(err, KSYM_EFORMAT,
				  "%s (section %zu) links to section %u, which runs past the end of the file",
				  name, ndx, sh->sh_link), NULL;
	sd = elf_getdata(strscn, NULL);
	if (!sd || !sd->d_buf || !sd->d_size)
		return kit_seterr(err, KSYM_EFORMAT, "cannot read the string table of %s: %s",
				  name, elf_errmsg(-1)), NULL;
	return sd;
}

/*
 * One SHT_SYMTAB section into T.  Names are read straight from its string
 * table's data, each checked to end inside it (what elf_strptr checks, at
 * a fraction of the cost per call).  LEN is the file's size.
 */
static int add_symtab(struct ksym_table *t, Elf *e, size_t len, Elf_Scn *scn,
		      const GElf_Shdr *sh, const char *letters, size_t nsecs,
		      struct kit_err *err)
{
	Elf_Data *d, *sd;
	const char *str, *secname = NULL;
	size_t i, n, strsz, ndx = elf_ndxscn(scn), shstrndx;

	if (!elf_getshdrstrndx(e, &shstrndx))
		secname = elf_strptr(e, shstrndx, sh->sh_name);
	if (!secname || !*secname)
		secname = "the symbol table";
	/* gelf_getsym reads Elf64_Sym records whatever sh_entsize claims. */
	if (sh->sh_entsize != sizeof(Elf64_Sym))
		return kit_seterr(err, KSYM_EFORMAT, "%s (section %zu) has entries of %llu bytes, not %zu",
				  secname, ndx, (unsigned long long)sh->sh_entsize, sizeof(Elf64_Sym));
	if (!in_file(sh, len) || sh->sh_type == SHT_NOBITS)
		return kit_seterr(err, KSYM_EFORMAT, "%s (section %zu) runs past the end of the file",
				  secname, ndx);
	if (sh->sh_size % sizeof(Elf64_Sym))
		return kit_seterr(err, KSYM_EFORMAT, "%s (section %zu) is %llu bytes, not a multiple of %zu",
				  secname, ndx, (unsigned long long)sh->sh_size, sizeof(Elf64_Sym));
	sd = linked_strtab(e, len, ndx, secname, sh, nsecs, err);
	if (!sd)
		return -1;
	d = elf_getdata(scn, NULL);
	if (!d)
		return kit_seterr(err, KSYM_EFORMAT, "cannot read %s: %s", secname, elf_errmsg(-1));
	str = sd->d_buf;
	strsz = sd->d_size;
	n = d->d_size / sizeof(Elf64_Sym);
	if (ksym_table_reserve(t, n, strsz, err))
		return -1;
	for (i = 1; i < n; i++) {
		GElf_Sym s;
		const char *name, *end;
		int type;

		if (!gelf_getsym(d, (int)i, &s))
			continue;
		type = GELF_ST_TYPE(s.st_info);
		if (s.st_shndx == SHN_UNDEF || type == STT_FILE || type == STT_SECTION)
			continue;
		if (s.st_name == 0 || s.st_name >= strsz)
			continue;
		name = str + s.st_name;
		end = memchr(name, 0, strsz - s.st_name);
		if (!end || end == name)
			continue;
		if (ksym_table_add(t, s.st_value, s.st_size, sym_type(letters, nsecs, &s), name,
				   (size_t)(end - name), err))
			return -1;
	}
	return 0;
}

int ksym_elf_symtab(struct ksym_table *t, const struct ksym_image *img,
		    struct kit_err *err)
{
	Elf *e = img->elf;
	Elf_Scn *scn = NULL;
	char *letters = NULL;
	size_t nsecs = 0;
	int rc = -1;

	if (section_letters(e, &letters, &nsecs, err))
		return -1;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		if (add_symtab(t, e, img->len, scn, &sh, letters, nsecs, err))
			goto out;
	}
	if (!t->nsyms) {
		kit_seterr(err, KSYM_ENOSYMS, "the ELF symbol table is empty");
		goto out;
	}
	rc = 0;
out:
	free(letters);
	return rc;
}

void ksym_version_from_banner(struct ksym_table *t, const struct ksym_image *img)
{
	const struct ksym_sym *s = ksym_find(t, "linux_banner");
	const uint8_t *p;
	size_t i, j = 0;

	if (!s || !(p = ksym_image_at(img, s->addr, 64)))
		return;
	if (memcmp(p, "Linux version ", 14))
		return;
	for (i = 14; i < 64 && p[i] > ' ' && p[i] < 0x7f && j + 1 < sizeof t->version; i++)
		t->version[j++] = (char)p[i];
	t->version[j] = 0;
}

/* Symbols from an opened ELF: .symtab, else its kallsyms. */
static int load_image(struct ksym_table *t, struct ksym_image *img,
		      struct kit_err *err)
{
	double t0 = ksym_now_ms();

	if (img->has_symtab) {
		if (ksym_elf_symtab(t, img, err))
			return -1;
		t->source = KSYM_SRC_ELF;
	} else {
		if (ksym_kallsyms_image(t, img, err))
			return -1;
		t->source = KSYM_SRC_KALLSYMS;
	}
	t->ms_decode = ksym_now_ms() - t0;
	t0 = ksym_now_ms();
	if (ksym_table_finish(t, err))
		return -1;
	t->ms_index = ksym_now_ms() - t0;
	t->text_start = img->text_start;
	snprintf(t->build_id, sizeof t->build_id, "%s", img->build_id);
	ksym_version_from_banner(t, img);
	ksym_initcalls_read(t, img);
	return 0;
}

struct ksym_table *ksym_load_elf(const uint8_t *data, size_t len,
				 struct kit_err *err)
{
	struct ksym_image img;
	struct ksym_table *t;

	if (ksym_image_open(&img, data, len, "the image", err))
		return NULL;
	t = ksym_table_new(err);
	if (t && load_image(t, &img, err)) {
		ksym_free(t);
		t = NULL;
	}
	ksym_image_close(&img);
	return t;
}

struct ksym_table *ksym_load_elf_file(const char *path, struct kit_err *err)
{
	struct ksym_image img;
	struct ksym_table *t = NULL;
	int fd;
	Elf *e;
	double t0 = ksym_now_ms();
	char what[1100];

	memset(&img, 0, sizeof img);
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kit_seterr_errno(err, errno, "cannot open '%s'", path);
		return NULL;
	}
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e) {
		kit_seterr(err, KSYM_EFORMAT, "'%s' is not an ELF file: %s", path, elf_errmsg(-1));
		close(fd);
		return NULL;
	}
	img.elf = e;
	snprintf(what, sizeof what, "'%s'", path);
	if (image_from_elf(&img, e, what, err))
		goto out;
	t = ksym_table_new(err);
	if (!t)
		goto out;
	t->ms_read = ksym_now_ms() - t0;
	if (load_image(t, &img, err)) {
		ksym_free(t);
		t = NULL;
		goto out;
	}
	snprintf(t->path, sizeof t->path, "%s", path);
	snprintf(t->origin, sizeof t->origin, "%s", path);
out:
	if (!t)
		ksym_err_prefix(err, path);
	ksym_image_close(&img);
	close(fd);
	return t;
}
