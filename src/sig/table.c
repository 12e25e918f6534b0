/*
 * The certificate table: WIN_CERTIFICATE entries, each
 *   u32 dwLength (header included), u16 wRevision, u16 wCertificateType,
 *   bCertificate[dwLength - 8],
 * the next one starting at the following multiple of 8.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/caps.h"
#include "profilefs/sig.h"
#include "profilefs/util.h"

int sig_table_add(struct sig_table *t, uint16_t revision, uint16_t type,
		  const uint8_t *data, size_t len)
{
	struct sig_entry *grown, *e;

	if (t->n >= CAP_SIG_ENTRIES)
		return -E2BIG;
	grown = realloc(t->entries, (t->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	t->entries = grown;
	e = &grown[t->n];
	e->data = malloc(len ? len : 1);
	if (!e->data)
		return -ENOMEM;
	memcpy(e->data, data, len);
	e->len = len;
	e->revision = revision;
	e->type = type;
	t->n++;
	return 0;
}

int sig_table_set_problem(struct sig_table *t, const char *problem)
{
	char *s = strdup(problem);

	if (!s)
		return -ENOMEM;
	free(t->problem);
	t->problem = s;
	return 0;
}

void sig_table_clear(struct sig_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->entries[i].data);
	free(t->entries);
	free(t->problem);
	memset(t, 0, sizeof(*t));
}

int sig_table_parse(const uint8_t *tab, size_t len, struct sig_table *out)
{
	struct rd r = { tab, len };
	size_t off = 0;
	char why[160];
	int rc;

	out->present = 1;
	while (off < len) {
		uint32_t dwlen;
		uint16_t rev, type;

		size_t k;

		/* zero padding after the last entry is allowed */
		for (k = off; k < len && tab[k] == 0; k++)
			;
		if (k == len)
			break;
		if (len - off < 8) {
			snprintf(why, sizeof(why),
				 "The certificate table ends with %zu bytes "
				 "that are not an entry.",
				 len - off);
			return sig_table_set_problem(out, why);
		}
		rd_u32(&r, off, &dwlen);
		rd_u16(&r, off + 4, &rev);
		rd_u16(&r, off + 6, &type);
		if (dwlen < 8 || dwlen > len - off) {
			snprintf(why, sizeof(why),
				 "Certificate entry %zu at table offset %zu "
				 "has a length of %u bytes, which does not "
				 "fit the table.",
				 out->n + 1, off, dwlen);
			return sig_table_set_problem(out, why);
		}
		rc = sig_table_add(out, rev, type, tab + off + 8, dwlen - 8);
		if (rc == -E2BIG)
			return sig_table_set_problem(
				out, "The certificate table has more entries "
				     "than are read; the rest were skipped.");
		if (rc)
			return rc;
		off += ((uint64_t)dwlen + 7) & ~(uint64_t)7;
	}
	return 0;
}
