/*
 * disasm.c: x86 disassembly with capstone, in the width of the CPU's
 * current mode (CS_MODE_16 in real mode: the reset vector's "ljmp
 * $0xf000,$0xe05b" decodes as such only there).
 */
#include "target.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

int gc_disasm(const uint8_t *code, size_t len, uint64_t addr, int bits,
	      bool intel, struct gc_insn *out, size_t max, struct kit_err *err)
{
	cs_mode mode = bits == 16 ? CS_MODE_16 : bits == 32 ? CS_MODE_32 : CS_MODE_64;
	csh h;
	cs_insn *insn = NULL;
	size_t n, i;
	cs_err ce;

	ce = cs_open(CS_ARCH_X86, mode, &h);
	if (ce != CS_ERR_OK)
		return kit_seterr(err, ce, "cannot open capstone: %s", cs_strerror(ce));
	cs_option(h, CS_OPT_SYNTAX, intel ? CS_OPT_SYNTAX_INTEL : CS_OPT_SYNTAX_ATT);
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(h, code, len, addr, max, &insn);
	for (i = 0; i < n; i++) {
		struct gc_insn *o = &out[i];
		uint8_t g;

		memset(o, 0, sizeof *o);
		o->addr = insn[i].address;
		o->size = insn[i].size;
		memcpy(o->bytes, insn[i].bytes, o->size < 16 ? o->size : 16);
		snprintf(o->mnemonic, sizeof o->mnemonic, "%s", insn[i].mnemonic);
		snprintf(o->op_str, sizeof o->op_str, "%s", insn[i].op_str);
		for (g = 0; insn[i].detail && g < insn[i].detail->groups_count; g++) {
			uint8_t grp = insn[i].detail->groups[g];
			const cs_x86 *x = &insn[i].detail->x86;

			if (grp == CS_GRP_CALL)
				o->is_call = true;
			if (grp == CS_GRP_RET || grp == CS_GRP_IRET)
				o->is_ret = true;
			if ((grp == CS_GRP_CALL || grp == CS_GRP_JUMP) && x->op_count == 1 &&
			    x->operands[0].type == X86_OP_IMM) {
				o->has_target = true;
				o->target = (uint64_t)x->operands[0].imm;
			}
		}
	}
	if (n)
		cs_free(insn, n);
	cs_close(&h);
	return (int)n;
}
