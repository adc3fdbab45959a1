/*
 * format.c: the printk records as dmesg shows them.
 */
#include "lx.h"

#include <errno.h>
#include <string.h>

static void prefix(FILE *f, uint64_t ts)
{
	fprintf(f, "[%5llu.%06llu] ", (unsigned long long)(ts / 1000000000),
		(unsigned long long)(ts % 1000000000 / 1000));
}

/* The text of REC, a prefix on each line (none on the first when it
 * continues an open line); the last line is left open. */
static void text(FILE *f, const struct lx_printk_rec *rec, int join)
{
	size_t i;

	if (!join)
		prefix(f, rec->ts_nsec);
	for (i = 0; i < rec->text_len; i++) {
		unsigned char c = (unsigned char)rec->text[i];

		if (c == '\n') {
			fputc('\n', f);
			prefix(f, rec->ts_nsec);
		} else if (c == '\t' || (c >= 0x20 && c < 0x7f))
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static const char *state_name(enum lx_rec_state s)
{
	switch (s) {
	case LX_REC_WRITING: return "being written";
	case LX_REC_LOST: return "lost";
	case LX_REC_BAD: return "damaged";
	default: return "readable";
	}
}

int lx_printk_format(const struct lx_printk_log *log, unsigned flags, FILE *f,
		     struct kit_err *err)
{
	int open = 0, joinable = 0, leading = 1;
	uint32_t caller = 0;
	size_t i;

	for (i = 0; i < log->n; i++) {
		const struct lx_printk_rec *rec = &log->recs[i];

		if (rec->state == LX_REC_OK || rec->state == LX_REC_OPEN) {
			int join = !(flags & LX_FMT_NO_JOIN) && open && joinable &&
				   (rec->flags & LX_LOG_CONT) && rec->caller_id == caller;

			if (open && !join)
				fputc('\n', f);
			text(f, rec, join);
			open = 1;
			joinable = !(rec->flags & LX_LOG_NEWLINE);
			caller = rec->caller_id;
			leading = 0;
			continue;
		}
		/* the overwritten records before the first readable one are
		 * the ring's normal state: log->dropped counts them */
		if (leading && rec->state == LX_REC_LOST)
			continue;
		if (open)
			fputc('\n', f);
		open = joinable = 0;
		if (flags & LX_FMT_NO_NOTES)
			continue;
		if (rec->seq_valid)
			fprintf(f, "<record %llu %s: %s>\n", (unsigned long long)rec->seq,
				state_name(rec->state), rec->problem);
		else
			fprintf(f, "<record id 0x%llx %s: %s>\n",
				(unsigned long long)rec->id, state_name(rec->state),
				rec->problem);
	}
	if (open)
		fputc('\n', f);
	if (fflush(f) != 0 || ferror(f))
		return kit_seterr_errno(err, errno ? errno : EIO,
					"cannot write the kernel log");
	return 0;
}
