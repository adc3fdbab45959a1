/*
 * export.c: symbols out again, as System.map text or as a symbols-only
 * ELF64 for gdb's "symbol-file".
 *
 * The ELF (built with libelf) has no code, only SHT_NOBITS sections that
 * give addresses a home, and a .symtab.  Sections are made from runs of
 * symbols of one kind (text or data) in address order, so they never
 * overlap whatever the source; absolute and per-CPU symbols (below _text)
 * are SHN_ABS.  Functions are STT_FUNC with their sizes, so gdb can
 * "break start_kernel" and "info symbol $pc".  Lower-case types are local,
 * W/V weak, the rest global (locals first, as ELF requires).
 *
 * Both go to FILE through common/outfile.c: written in full or not at all.
 */
#include "elfwrite.h"
#include "internal.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <unistd.h>

/* Nothing but printable ASCII in S? */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int ksym_export_map(const struct ksym_table *t, FILE *f, struct kit_err *err)
{
	size_t i, cap = 0;
	char *q = NULL, type[2] = { 0, 0 }, qtype[8];

	for (i = 0; i < t->nsyms; i++) {
		const char *name = ksym_name(t, &t->syms[i]);

		/* A name with a newline would forge a line, one with an
		   escape sequence drive a terminal: quoted as \xNN. */
		if (!printable(name)) {
			size_t need = 4 * strlen(name) + 1;

			if (need > cap) {
				char *p = realloc(q, need);

				if (!p) {
					free(q);
					return kit_seterr(err, ENOMEM, "out of memory");
				}
				q = p;
				cap = need;
			}
			name = ksym_printable(name, q, cap);
		}
		type[0] = t->syms[i].type;
		fprintf(f, "%016llx %s %s\n", (unsigned long long)t->syms[i].addr,
			ksym_printable(type, qtype, sizeof qtype), name);
	}
	free(q);
	errno = 0;
	if (fflush(f) || ferror(f))
		return kit_seterr_errno(err, errno ? errno : EIO, "cannot write the map");
	return 0;
}

int ksym_export_map_file(const struct ksym_table *t, const char *file,
			 struct kit_err *err)
{
	struct kit_outfile o;
	FILE *f;
	int e;

	if (kit_outfile_open(&o, file, 0, KIT_OUTFILE_DIRECT, err))
		return -1;
	f = fdopen(o.fd, "w");
	if (!f) {
		e = errno;
		kit_outfile_abort(&o);
		return kit_seterr_errno(err, e, "cannot write '%s'", file);
	}
	errno = 0;
	if (ksym_export_map(t, f, err)) {
		e = err ? err->code : EIO;
		fclose(f);
		o.fd = -1;   /* closed with F */
		kit_outfile_abort(&o);
		return kit_seterr_errno(err, e, "cannot write '%s'", file);
	}
	/* Flushed: the rest (fsync, close, rename) is the descriptor's. */
	o.fd = dup(fileno(f));
	e = errno;
	fclose(f);
	if (o.fd < 0) {
		kit_outfile_abort(&o);
		return kit_seterr_errno(err, e, "cannot write '%s'", file);
	}
	return kit_outfile_commit(&o, err);
}

static int is_text(char c)
{
	return c == 't' || c == 'T' || c == 'W' || c == 'w';
}

struct run {
	uint64_t lo, hi;
	int text;
};

/* What the ELF holds, worked out before it is written. */
struct plan {
	struct run *runs;      /* one section each: index = run + 1 */
	size_t nruns;
	uint16_t *secof;       /* a symbol's section; 0 = SHN_ABS */
	Elf64_Sym *syms;       /* locals first; [0] is the null symbol */
	size_t nsym, nlocal;
	char *shstr;           /* section names */
	size_t shlen, *shname; /* runs', then .symtab .strtab .shstrtab */
	char *pool;            /* .strtab: "" then the table's strings */
};

/* Runs of one kind, in address order; section index = run + 1. */
static void plan_runs(const struct ksym_table *t, struct plan *pl)
{
	uint64_t text = t->text_start ? t->text_start : ksym_addr(t, "_text");
	size_t i;

	for (i = 0; i < t->nsyms; i++) {
		const struct ksym_sym *s = &t->syms[i];
		int tx = is_text(s->type);

		if (s->type == 'A' || s->type == 'a' || (text && s->addr < text)) {
			pl->secof[i] = 0;  /* SHN_ABS below */
			continue;
		}
		if (!pl->nruns || pl->runs[pl->nruns - 1].text != tx) {
			if (pl->nruns >= 60000)
				break;
			if (pl->nruns)
				pl->runs[pl->nruns - 1].hi = s->addr;
			pl->runs[pl->nruns].lo = s->addr;
			pl->runs[pl->nruns].text = tx;
			pl->nruns++;
		}
		pl->runs[pl->nruns - 1].hi = s->addr + (s->size ? s->size : 1);
		pl->secof[i] = (uint16_t)pl->nruns;
	}
}

/* The section names: ".text.N"/".data.N" a run, then the tables'. */
static int plan_names(struct plan *pl)
{
	static const char *const tables[] = { ".symtab", ".strtab", ".shstrtab" };
	size_t i;

	pl->shname = calloc(pl->nruns + 4, sizeof *pl->shname);
	pl->shstr = malloc(pl->nruns * 16 + 64);
	if (!pl->shname || !pl->shstr)
		return -1;
	pl->shstr[0] = 0;
	pl->shlen = 1;
	for (i = 0; i < pl->nruns; i++) {
		pl->shname[i] = pl->shlen;
		pl->shlen += (size_t)sprintf(pl->shstr + pl->shlen, "%s.%zu",
					     pl->runs[i].text ? ".text" : ".data", i) + 1;
	}
	for (i = 0; i < 3; i++) {
		pl->shname[pl->nruns + i] = pl->shlen;
		pl->shlen += (size_t)sprintf(pl->shstr + pl->shlen, "%s", tables[i]) + 1;
	}
	return 0;
}

int ksym_elf_bind(char type)
{
	if (type == 'W' || type == 'V' || type == 'w' || type == 'v')
		return STB_WEAK;
	return type >= 'a' && type <= 'z' ? STB_LOCAL : STB_GLOBAL;
}

/* Symbols: locals, then the rest.  Names index the table's strtab,
 * which becomes .strtab as it is (offset 0 must be "", so shift 1). */
static int plan_syms(const struct ksym_table *t, struct plan *pl)
{
	size_t i, pass;

	pl->nsym = pl->nlocal = 1;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < t->nsyms; i++) {
			const struct ksym_sym *s = &t->syms[i];
			int bind = ksym_elf_bind(s->type), local = bind == STB_LOCAL;
			Elf64_Sym *o;

			if ((pass == 0) != local)
				continue;
			o = &pl->syms[pl->nsym++];
			o->st_name = s->name + 1;
			o->st_value = s->addr;
			o->st_size = is_text(s->type) ? s->size : 0;
			o->st_info = ELF64_ST_INFO(bind, pl->secof[i] == 0 ? STT_NOTYPE :
						  is_text(s->type) ? STT_FUNC : STT_OBJECT);
			o->st_shndx = pl->secof[i] ? pl->secof[i] : SHN_ABS;
			if (local)
				pl->nlocal = pl->nsym;
		}
	pl->pool = malloc(t->strtab_len + 1);
	if (!pl->pool)
		return -1;
	pl->pool[0] = 0;
	memcpy(pl->pool + 1, t->strtab, t->strtab_len);
	return 0;
}

int ksym_elf_add_scn(Elf *e, GElf_Shdr *sh, const void *buf, size_t size,
		     Elf_Type type, size_t align)
{
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Shdr cur;

	if (!(scn = elf_newscn(e)) || !(d = elf_newdata(scn)) ||
	    !gelf_getshdr(scn, &cur))
		return -1;
	d->d_buf = (void *)(uintptr_t)buf;
	d->d_size = size;
	d->d_type = type;
	if (align)
		d->d_align = align;
	return gelf_update_shdr(scn, sh) ? 0 : -1;
}

int ksym_elf_write_end(Elf *e, int rc)
{
	int saved;

	if (!e)
		return rc;
	if (rc == 0) {
		errno = 0;
		rc = elf_update(e, ELF_C_WRITE) < 0 ? -2 : 0;
	}
	saved = errno;
	elf_end(e);
	errno = saved;
	return rc;
}

/* The ELF of plan pl on fd: 0; -1 when libelf cannot build it
 * (elf_errmsg), -2 when it cannot write it (errno, or elf_errmsg). */
static int write_elf(int fd, const struct ksym_table *t, struct plan *pl)
{
	size_t nruns = pl->nruns, i;
	GElf_Ehdr eh;
	GElf_Shdr sh;
	Elf *e;
	int rc = -1;

	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &eh))
		goto out;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	for (i = 0; i < nruns; i++) {
		sh = (GElf_Shdr){
			.sh_name = pl->shname[i],
			.sh_type = SHT_NOBITS,
			.sh_flags = SHF_ALLOC | (pl->runs[i].text ? SHF_EXECINSTR : SHF_WRITE),
			.sh_addr = pl->runs[i].lo,
			.sh_size = pl->runs[i].hi - pl->runs[i].lo,
			.sh_addralign = 1,
		};
		if (ksym_elf_add_scn(e, &sh, NULL, sh.sh_size, ELF_T_BYTE, 0))
			goto out;
	}
	sh = (GElf_Shdr){
		.sh_name = pl->shname[nruns],
		.sh_type = SHT_SYMTAB,
		.sh_entsize = sizeof(Elf64_Sym),
		.sh_link = (Elf64_Word)(nruns + 2),   /* .strtab */
		.sh_info = (Elf64_Word)pl->nlocal,
		.sh_addralign = 8,
	};
	if (ksym_elf_add_scn(e, &sh, pl->syms, pl->nsym * sizeof *pl->syms, ELF_T_SYM, 8))
		goto out;
	sh = (GElf_Shdr){ .sh_name = pl->shname[nruns + 1], .sh_type = SHT_STRTAB,
			  .sh_addralign = 1 };
	if (ksym_elf_add_scn(e, &sh, pl->pool, t->strtab_len + 1, ELF_T_BYTE, 0))
		goto out;
	sh.sh_name = pl->shname[nruns + 2];
	if (ksym_elf_add_scn(e, &sh, pl->shstr, pl->shlen, ELF_T_BYTE, 0))
		goto out;
	eh.e_shstrndx = (Elf64_Half)(nruns + 3);
	if (!gelf_update_ehdr(e, &eh))
		goto out;
	rc = 0;
out:
	return ksym_elf_write_end(e, rc);
}

int ksym_export_elf(const struct ksym_table *t, const char *file,
		    struct kit_err *err)
{
	struct plan pl = { 0 };
	struct kit_outfile of;
	int rc = -1;

	elf_version(EV_CURRENT);
	pl.secof = calloc(t->nsyms + 1, sizeof *pl.secof);
	pl.runs = calloc(t->nsyms + 1, sizeof *pl.runs);
	pl.syms = calloc(t->nsyms + 1, sizeof *pl.syms);
	if (!pl.secof || !pl.runs || !pl.syms) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	plan_runs(t, &pl);
	if (plan_names(&pl) || plan_syms(t, &pl)) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	if (kit_outfile_open(&of, file, 0, KIT_OUTFILE_DIRECT, err))
		goto out;
	/* libelf sizes the file with ftruncate: a device or FIFO refuses */
	if (!of.tmp[0]) {
		kit_seterr(err, KSYM_EFORMAT, "cannot write '%s': not a regular file (an ELF is "
			   "written to a file)", file);
		kit_outfile_abort(&of);
		goto out;
	}
	if ((rc = write_elf(of.fd, t, &pl))) {
		if (rc == -1)
			kit_seterr(err, KSYM_EFORMAT, "cannot build '%s': %s", file,
				   elf_errmsg(-1));
		else if (errno)
			kit_seterr_errno(err, errno, "cannot write '%s'", file);
		else
			kit_seterr(err, KSYM_EFORMAT, "cannot write '%s': %s", file,
				   elf_errmsg(-1));
		rc = -1;
		kit_outfile_abort(&of);
		goto out;
	}
	rc = kit_outfile_commit(&of, err) ? -1 : 0;
out:
	free(pl.secof);
	free(pl.runs);
	free(pl.syms);
	free(pl.shname);
	free(pl.shstr);
	free(pl.pool);
	return rc;
}
