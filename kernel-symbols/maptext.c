/*
 * maptext.c: System.map and /proc/kallsyms text, one symbol a line:
 *
 *   ffffffff81000000 T _text
 *   ffffffffc0a01000 t foo_init	[foo]
 *
 * Lines tagged with a [module] are skipped (counted in modules_skipped):
 * their addresses belong to one boot only.  Two inputs hold no symbols and
 * say so with KSYM_ENOSYMS rather than yield a one-symbol table: Debian's
 * stub ("ffffffffffffffff B The real System.map is in the
 * linux-image-<version>-dbg package") and a /proc/kallsyms read without
 * privilege (every address zero, kptr_restrict).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#include "hex.h"

struct ksym_table *ksym_load_map(const char *text, size_t len,
				 struct kit_err *err)
{
	struct ksym_table *t = ksym_table_new(err);
	size_t pos = 0, line = 0, nonzero = 0;
	double t0 = ksym_now_ms();

	if (!t)
		return NULL;
	t->source = KSYM_SRC_MAP;
	while (pos < len) {
		size_t e = pos, i, ns, ne, digits = 0;
		uint64_t addr = 0;
		char type;

		while (e < len && text[e] != '\n')
			e++;
		line++;
		i = pos;
		pos = e + 1;
		if (i == e || (e - i == 1 && text[i] == '\r'))
			continue;
		while (i < e && kit_hexval((unsigned char)text[i]) >= 0) {
			addr = addr << 4 | (uint64_t)kit_hexval((unsigned char)text[i]);
			i++;
			digits++;
		}
		if (!digits || digits > 16 || i >= e || (text[i] != ' ' && text[i] != '\t'))
			goto bad;
		while (i < e && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i + 1 >= e || text[i] <= ' ' || (text[i + 1] != ' ' && text[i + 1] != '\t'))
			goto bad;
		type = text[i];
		i += 2;
		while (i < e && (text[i] == ' ' || text[i] == '\t'))
			i++;
		ns = i;
		while (i < e && text[i] > ' ')
			i++;
		ne = i;
		if (ns == ne)
			goto bad;
		while (i < e && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
			i++;
		if (i < e) {
			if (text[i] == '[') {
				t->modules_skipped++;
				continue;
			}
			/* Words after the name: prose, not a symbol. */
			if (t->nsyms == 0 && memmem(text, len, "System.map", 10)) {
				char words[121], quoted[4 * sizeof words];

				/* the file's words, quoted: they may hold escapes */
				snprintf(words, sizeof words, "%.*s", (int)(e - ns > 120 ? 120 : e - ns),
					 text + ns);
				kit_seterr(err, KSYM_ENOSYMS,
					   "no symbols here: this System.map is a stub (\"%s\")",
					   ksym_printable(words, quoted, sizeof quoted));
				goto fail;
			}
			goto bad;
		}
		if (ksym_table_add(t, addr, 0, type, text + ns, ne - ns, err))
			goto fail;
		nonzero += addr != 0;
	}
	if (!t->nsyms) {
		kit_seterr(err, KSYM_ENOSYMS, "no symbols here (empty%s)",
			   t->modules_skipped ? "; module symbols only" : "");
		goto fail;
	}
	if (!nonzero) {
		kit_seterr(err, KSYM_ENOSYMS,
			   "no symbols here: every address is zero (kallsyms read without privilege, kptr_restrict)");
		goto fail;
	}
	t->ms_decode = ksym_now_ms() - t0;
	t0 = ksym_now_ms();
	if (ksym_table_finish(t, err))
		goto fail;
	t->ms_index = ksym_now_ms() - t0;
	t->text_start = ksym_addr(t, "_text");
	return t;
bad:
	kit_seterr(err, KSYM_EFORMAT, "line %zu is not \"ADDRESS TYPE NAME\"", line);
fail:
	ksym_free(t);
	return NULL;
}

static struct ksym_table *load_map_bytes(const uint8_t *data, size_t len, struct kit_err *err)
{
	return ksym_load_map((const char *)data, len, err);
}

struct ksym_table *ksym_load_map_file(const char *path, struct kit_err *err)
{
	double t0 = ksym_now_ms();
	struct ksym_table *t = ksym_parse_file(path, load_map_bytes, NULL, err);

	if (!t)
		return NULL;
	t->ms_read = ksym_now_ms() - t0 - t->ms_decode - t->ms_index;
	snprintf(t->path, sizeof t->path, "%s", path);
	snprintf(t->origin, sizeof t->origin, "%s", path);
	return t;
}
