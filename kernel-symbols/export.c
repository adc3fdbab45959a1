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

int ksym_export_elf(const struct ksym_table *t, const char *file,
		    struct kit_err *err)
{
	Elf *e = NULL;
	int rc = -1, opened = 0;
	struct kit_outfile of;
	GElf_Ehdr eh;
	struct run *runs = NULL;
	size_t nruns = 0, i, pass, nsym = 1, nlocal = 1;
	uint16_t *secof = NULL;
	char *shstr = NULL;
	size_t shlen = 1;
	Elf64_Sym *syms = NULL;
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Shdr sh;
	uint64_t text = t->text_start ? t->text_start : ksym_addr(t, "_text");
	size_t strtab_sec, symtab_sec, shstr_sec, *shname = NULL;
	char *pool = NULL;

	elf_version(EV_CURRENT);
	secof = calloc(t->nsyms + 1, sizeof *secof);
	runs = calloc(t->nsyms + 1, sizeof *runs);
	syms = calloc(t->nsyms + 1, sizeof *syms);
	if (!secof || !runs || !syms) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	/* Runs of one kind, in address order; section index = run + 1. */
	for (i = 0; i < t->nsyms; i++) {
		const struct ksym_sym *s = &t->syms[i];
		int tx = is_text(s->type);

		if (s->type == 'A' || s->type == 'a' || (text && s->addr < text)) {
			secof[i] = 0;  /* SHN_ABS below */
			continue;
		}
		if (!nruns || runs[nruns - 1].text != tx) {
			if (nruns >= 60000)
				break;
			if (nruns)
				runs[nruns - 1].hi = s->addr;
			runs[nruns].lo = s->addr;
			runs[nruns].text = tx;
			nruns++;
		}
		runs[nruns - 1].hi = s->addr + (s->size ? s->size : 1);
		secof[i] = (uint16_t)nruns;
	}
	shname = calloc(nruns + 4, sizeof *shname);
	shstr = malloc(nruns * 16 + 64);
	if (!shname || !shstr) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out;
	}
	shstr[0] = 0;
	for (i = 0; i < nruns; i++) {
		shname[i] = shlen;
		shlen += (size_t)sprintf(shstr + shlen, "%s.%zu", runs[i].text ? ".text" : ".data", i) + 1;
	}
	shname[nruns] = shlen;
	shlen += (size_t)sprintf(shstr + shlen, ".symtab") + 1;
	shname[nruns + 1] = shlen;
	shlen += (size_t)sprintf(shstr + shlen, ".strtab") + 1;
	shname[nruns + 2] = shlen;
	shlen += (size_t)sprintf(shstr + shlen, ".shstrtab") + 1;

	/* Symbols: locals, then the rest.  Names index the table's strtab,
	 * which becomes .strtab as it is (offset 0 must be "", so shift 1). */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < t->nsyms; i++) {
			const struct ksym_sym *s = &t->syms[i];
			int local = s->type >= 'a' && s->type <= 'z' && s->type != 'w' && s->type != 'v';
			int bind = local ? STB_LOCAL : (s->type == 'W' || s->type == 'V' ||
							s->type == 'w' || s->type == 'v') ? STB_WEAK : STB_GLOBAL;
			Elf64_Sym *o;

			if ((pass == 0) != local)
				continue;
			o = &syms[nsym++];
			o->st_name = s->name + 1;
			o->st_value = s->addr;
			o->st_size = is_text(s->type) ? s->size : 0;
			o->st_info = ELF64_ST_INFO(bind, secof[i] == 0 ? STT_NOTYPE :
						  is_text(s->type) ? STT_FUNC : STT_OBJECT);
			o->st_shndx = secof[i] ? secof[i] : SHN_ABS;
			if (local)
				nlocal = nsym;
		}

	if (kit_outfile_open(&of, file, 0, KIT_OUTFILE_DIRECT, err))
		goto out;
	opened = 1;
	/* libelf sizes the file with ftruncate: a device or FIFO refuses */
	if (!of.tmp[0]) {
		kit_seterr(err, KSYM_EFORMAT, "cannot write '%s': not a regular file (an ELF is "
			   "written to a file)", file);
		goto out2;
	}
	e = elf_begin(of.fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &eh))
		goto elferr;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	for (i = 0; i < nruns; i++) {
		if (!(scn = elf_newscn(e)) || !gelf_getshdr(scn, &sh))
			goto elferr;
		sh.sh_name = shname[i];
		sh.sh_type = SHT_NOBITS;
		sh.sh_flags = SHF_ALLOC | (runs[i].text ? SHF_EXECINSTR : SHF_WRITE);
		sh.sh_addr = runs[i].lo;
		sh.sh_size = runs[i].hi - runs[i].lo;
		sh.sh_addralign = 1;
		if (!(d = elf_newdata(scn)))
			goto elferr;
		d->d_type = ELF_T_BYTE;
		d->d_size = sh.sh_size;
		d->d_buf = NULL;
		if (!gelf_update_shdr(scn, &sh))
			goto elferr;
	}
	symtab_sec = nruns + 1;
	strtab_sec = nruns + 2;
	shstr_sec = nruns + 3;
	if (!(scn = elf_newscn(e)) || !(d = elf_newdata(scn)) || !gelf_getshdr(scn, &sh))
		goto elferr;
	d->d_buf = syms;
	d->d_size = nsym * sizeof *syms;
	d->d_type = ELF_T_SYM;
	d->d_align = 8;
	sh.sh_name = shname[nruns];
	sh.sh_type = SHT_SYMTAB;
	sh.sh_entsize = sizeof(Elf64_Sym);
	sh.sh_link = (Elf64_Word)strtab_sec;
	sh.sh_info = (Elf64_Word)nlocal;
	sh.sh_addralign = 8;
	if (!gelf_update_shdr(scn, &sh))
		goto elferr;
	/* .strtab: "" then the table's pool. */
	pool = malloc(t->strtab_len + 1);
	if (!pool) {
		kit_seterr(err, ENOMEM, "out of memory");
		goto out2;
	}
	pool[0] = 0;
	memcpy(pool + 1, t->strtab, t->strtab_len);
	if (!(scn = elf_newscn(e)) || !(d = elf_newdata(scn)) || !gelf_getshdr(scn, &sh))
		goto elferr;
	d->d_buf = pool;
	d->d_size = t->strtab_len + 1;
	d->d_type = ELF_T_BYTE;
	sh.sh_name = shname[nruns + 1];
	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	if (!gelf_update_shdr(scn, &sh))
		goto elferr;
	if (!(scn = elf_newscn(e)) || !(d = elf_newdata(scn)) || !gelf_getshdr(scn, &sh))
		goto elferr;
	d->d_buf = shstr;
	d->d_size = shlen;
	d->d_type = ELF_T_BYTE;
	sh.sh_name = shname[nruns + 2];
	sh.sh_type = SHT_STRTAB;
	sh.sh_addralign = 1;
	if (!gelf_update_shdr(scn, &sh))
		goto elferr;
	eh.e_shstrndx = (Elf64_Half)shstr_sec;
	if (!gelf_update_ehdr(e, &eh))
		goto elferr;
	/* libelf writes with pwrite and keeps its errno (ENOSPC ...). */
	errno = 0;
	if (elf_update(e, ELF_C_WRITE) < 0) {
		if (errno)
			kit_seterr_errno(err, errno, "cannot write '%s'", file);
		else
			kit_seterr(err, KSYM_EFORMAT, "cannot write '%s': %s", file, elf_errmsg(-1));
		goto out2;
	}
	elf_end(e);
	e = NULL;
	opened = 0;
	if (kit_outfile_commit(&of, err))
		goto out;
	rc = 0;
	goto out;
elferr:
	kit_seterr(err, KSYM_EFORMAT, "cannot build '%s': %s", file, elf_errmsg(-1));
out2:
	if (e)
		elf_end(e);
	if (opened)
		kit_outfile_abort(&of);
out:
	free(secof);
	free(runs);
	free(syms);
	free(shname);
	free(shstr);
	free(pool);
	(void)symtab_sec;
	return rc;
}
