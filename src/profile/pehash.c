/*
 * The PE hashes only some signatures name (MD5, SHA-384, SHA-512): made in
 * a second read of the file, after the first pass has read the
 * certificate table and so knows which its signatures name. The common
 * ones (SHA-1, SHA-256) come from the first pass.
 */
#include <errno.h>
#include <string.h>

#include "profilefs/pe.h"
#include "profilefs/profile.h"

int prof_rare_pehash(struct prof *p, struct tree_file *f,
		     const struct dg_pe_layout *l, uint64_t size,
		     const struct util_stop *stop)
{
	static const struct {
		int md;
		enum dg_pe_rare rare;
	} algs[] = { { SIG_MD_MD5, DG_PE_MD5 },
		     { SIG_MD_SHA384, DG_PE_SHA384 },
		     { SIG_MD_SHA512, DG_PE_SHA512 } };
	unsigned want, i, n;
	uint8_t md[64];
	int rc;

	if (!p->dg.pehash || !p->sig.n)
		return 0;
	want = sig_table_digests(&p->sig);
	if (!(want & ((1u << SIG_MD_MD5) | (1u << SIG_MD_SHA384) |
		      (1u << SIG_MD_SHA512))))
		return 0;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		size_t hn;
		uint8_t *h = sig_table_rare(&p->sig, algs[i].md, &hn);

		if (!(want & (1u << algs[i].md)))
			continue;
		rc = dg_pe_hash_file(f, size, l, algs[i].rare, stop, md, &n);
		/* out of time: that digest stays "not computed" */
		if (rc == -ETIME)
			return 0;
		if (rc)
			return rc;
		if (n != hn)
			return -EIO;
		memcpy(h, md, hn);
		p->sig.rare |= 1u << algs[i].md;
	}
	return 0;
}
