/*
 * Catalog members, streamed (sig_catalog_stream in profilefs/sig.h).
 *
 * A Windows catalog is one DER object; its size is the trusted subjects':
 *
 *   ContentInfo SEQUENCE                              frame
 *     contentType OID (signedData)                    copied
 *     [0] EXPLICIT                                    frame
 *       SignedData SEQUENCE                           frame
 *         version, digestAlgorithms                   copied
 *         encapContentInfo SEQUENCE                   frame
 *           eContentType OID (CTL)                    copied
 *           [0] EXPLICIT                              frame
 *             (OCTET STRING, with CMS)                frame
 *               CertificateTrustList SEQUENCE         frame
 *                 version .. subjectAlgorithm         copied
 *                 trustedSubjects SEQUENCE OF         "30 00" in the copy
 *                   TrustedSubject ...                each decoded alone
 *                 ctlExtensions                       copied
 *         certificates, crls, signerInfos             copied
 *
 * The walk reads each frame's header and goes in; what is copied goes
 * into the skeleton (the catalog without its subjects, every frame's
 * length made shorter by what was taken out), which the whole decode
 * (sig_catalog_decode) then judges: the catalog is one only when its
 * skeleton is, and when every subject decodes on its own as the list's
 * template decodes it in place. Anything the walk does not follow exactly
 * (indefinite lengths, long-form tags, unexpected tags, a part larger
 * than its cap) is left to the whole decode, for a file small enough.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "profilefs/tree.h"
#include "profilefs/util.h"
#include "sig_i.h"

#define WALK	 1 /* the walk does not follow this encoding */
#define MAX_NEST 8

struct frame {
	uint8_t tag;
	uint64_t len;	 /* its content length in the file */
	uint64_t end;	 /* file offset of its end */
	size_t mark;	 /* where its header goes in the skeleton */
	size_t skel_end; /* where its content ends in the skeleton */
};

struct walk {
	const struct sig_cat_src *src;
	const struct util_stop *stop;
	uint8_t *buf; /* the window: the file's bytes [base, base + len) */
	uint64_t base;
	size_t len;
	uint64_t pos;
	EVP_MD_CTX *md;
	struct dynbuf skel; /* copied parts, headers left out */
	struct frame f[MAX_NEST];
	size_t nf;
};

static int read_at(const struct sig_cat_src *src, uint8_t *dst, size_t n,
		   uint64_t off)
{
	size_t done = 0;
	ssize_t got;

	if (src->mem) {
		memcpy(dst, src->mem + off, n);
		return 0;
	}
	while (done < n) {
		got = tree_pread(src->file, dst + done, n - done, off + done);
		if (got == -EINTR)
			continue;
		if (got < 0)
			return (int)got;
		if (got == 0)
			return -EIO; /* it shrank */
		done += (size_t)got;
	}
	return 0;
}

/* Makes [pos, pos + n) (n <= SIG_CAT_WINDOW) be in the window; every
 * byte read is hashed once, in file order (when md is set: the walk of
 * sig_catalog_signed skips bytes and hashes none). WALK past the end. */
static int fill(struct walk *w, size_t n)
{
	size_t keep, more;
	int rc;

	if (n > w->src->size || w->pos > w->src->size - n)
		return WALK;
	if (w->pos + n <= w->base + w->len)
		return 0;
	keep = (size_t)(w->base + w->len - w->pos);
	memmove(w->buf, w->buf + (w->pos - w->base), keep);
	w->base = w->pos;
	w->len = keep;
	more = SIG_CAT_WINDOW - keep;
	if (more > w->src->size - (w->base + keep))
		more = (size_t)(w->src->size - (w->base + keep));
	rc = util_stop_check(w->stop);
	if (!rc)
		rc = read_at(w->src, w->buf + keep, more, w->base + keep);
	if (rc)
		return rc;
	if (w->md && EVP_DigestUpdate(w->md, w->buf + keep, more) != 1)
		return -ENOMEM;
	w->len += more;
	return 0;
}

static const uint8_t *at(const struct walk *w)
{
	return w->buf + (w->pos - w->base);
}

/* Moves n bytes on, copying them to dst (a dynbuf) when not NULL. */
static int advance(struct walk *w, uint64_t n, struct dynbuf *dst)
{
	while (n) {
		size_t step = n < SIG_CAT_WINDOW ? (size_t)n : SIG_CAT_WINDOW;
		int rc = fill(w, step);

		if (rc)
			return rc;
		if (dst && db_add(dst, at(w), step))
			return dst->err == -E2BIG ? WALK : dst->err;
		w->pos += step;
		n -= step;
	}
	return 0;
}

/* Moves n bytes on without reading them (md is not set then). */
static void skip(struct walk *w, uint64_t n)
{
	w->pos += n;
	if (w->pos > w->base + w->len) {
		w->base = w->pos;
		w->len = 0;
	}
}

/* The header at pos, inside [pos, end): its tag, its length and the
 * length of its content. Definite lengths and one-byte tags only. */
static int header(struct walk *w, uint64_t end, uint8_t *tag, size_t *hlen,
		  uint64_t *len)
{
	uint64_t room = end - w->pos, v = 0;
	size_t n, i, want = room < 10 ? (size_t)room : 10;
	const uint8_t *p;
	int rc;

	if (want < 2)
		return WALK;
	rc = fill(w, want);
	if (rc)
		return rc;
	p = at(w);
	if ((p[0] & 0x1f) == 0x1f || p[1] == 0x80)
		return WALK;
	if (p[1] < 0x80) {
		v = p[1];
		n = 2;
	} else {
		n = 2 + (p[1] & 0x7f);
		if (n > want)
			return WALK;
		for (i = 2; i < n; i++) {
			if (v >> 56)
				return WALK;
			v = v << 8 | p[i];
		}
	}
	if (v > room - n)
		return WALK;
	*tag = p[0];
	*hlen = n;
	*len = v;
	return 0;
}

/* Goes into the frame at pos, whose tag must be tag. */
static int enter(struct walk *w, uint64_t end, uint8_t tag)
{
	uint8_t got;
	size_t hlen;
	uint64_t len;
	int rc = header(w, end, &got, &hlen, &len);

	if (rc)
		return rc;
	if (got != tag || w->nf == MAX_NEST)
		return WALK;
	w->pos += hlen;
	w->f[w->nf].tag = tag;
	w->f[w->nf].len = len;
	w->f[w->nf].end = w->pos + len;
	w->f[w->nf++].mark = w->skel.len;
	return 0;
}

/* Copies the whole object at pos to the skeleton; *tag is its tag. */
static int copy_one(struct walk *w, uint64_t end, uint8_t *tag)
{
	size_t hlen;
	uint64_t len;
	int rc = header(w, end, tag, &hlen, &len);

	return rc ? rc : advance(w, hlen + len, &w->skel);
}

static uint64_t inner_end(const struct walk *w)
{
	return w->f[w->nf - 1].end;
}

/* The list's fields up to its subjects, as its template reads them:
 * version?, subjectUsage, listIdentifier?, sequenceNumber?, thisUpdate,
 * nextUpdate?, subjectAlgorithm. */
static int ctl_head(struct walk *w)
{
	static const struct {
		uint8_t tag, tag2;
		int optional;
	} field[] = {
		{ 0x02, 0x02, 1 }, { 0x30, 0x30, 0 }, { 0x04, 0x04, 1 },
		{ 0x02, 0x02, 1 }, { 0x17, 0x18, 0 }, { 0x17, 0x18, 1 },
		{ 0x30, 0x30, 0 },
	};
	uint64_t end = inner_end(w);
	size_t i, hlen;
	uint64_t len;
	uint8_t tag;
	int rc = 0;

	for (i = 0; i < sizeof(field) / sizeof(field[0]) && !rc; i++) {
		/* (at the end, the required subjectAlgorithm is missing) */
		rc = w->pos < end ? header(w, end, &tag, &hlen, &len) : WALK;
		if (rc)
			return rc;
		if (tag != field[i].tag && tag != field[i].tag2) {
			if (field[i].optional)
				continue;
			return WALK;
		}
		rc = advance(w, hlen + len, &w->skel);
	}
	return rc;
}

/* Each trusted subject, read whole and decoded alone; *bad once one does
 * not decode (no member is given after it). */
static int subjects(struct walk *w, uint64_t end, sig_member_fn fn, void *ctx,
		    int *bad)
{
	uint8_t *one = NULL;
	size_t hlen;
	uint64_t len;
	uint8_t tag;
	int rc = 0;

	while (!rc && w->pos < end) {
		rc = header(w, end, &tag, &hlen, &len);
		if (rc)
			break;
		if (*bad) {
			rc = advance(w, hlen + len, NULL);
			continue;
		}
		if (len > SIG_CAT_SUBJECT - hlen) {
			rc = WALK;
			break;
		}
		rc = fill(w, hlen + (size_t)len);
		if (rc)
			break;
		/* a copy: fn may run for long, and the window is ours */
		if (!one && !(one = malloc(SIG_CAT_SUBJECT))) {
			rc = -ENOMEM;
			break;
		}
		memcpy(one, at(w), hlen + (size_t)len);
		w->pos += hlen + len;
		rc = sig_catalog_subject(one, hlen + (size_t)len, fn, ctx);
		if (rc == -EINVAL) {
			*bad = 1;
			rc = 0;
		}
	}
	free(one);
	return rc;
}

/* DER length of v */
static void put_len(struct dynbuf *b, uint64_t v)
{
	uint8_t l[9];
	size_t n = 0, i;

	if (v < 0x80) {
		db_addc(b, (char)v);
		return;
	}
	while (v) {
		l[8 - n++] = (uint8_t)v;
		v >>= 8;
	}
	db_addc(b, (char)(0x80 | n));
	for (i = 9 - n; i < 9; i++)
		db_addc(b, (char)l[i]);
}

static size_t len_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80 && v >> (8 * (n - 1)))
		n++;
	return n;
}

/* The skeleton as one DER object: the frames' headers put back, each
 * length the copied bytes inside it plus the headers inside it (inner
 * headers may be shorter than in the file). */
static int assemble(struct walk *w, struct dynbuf *out)
{
	uint64_t len[MAX_NEST], inner = 0;
	size_t i, prev = 0;

	for (i = w->nf; i-- > 0;) {
		len[i] = w->f[i].skel_end - w->f[i].mark + inner;
		inner += 1 + len_size(len[i]);
	}
	for (i = 0; i < w->nf; i++) {
		db_add(out, w->skel.data + prev, w->f[i].mark - prev);
		db_addc(out, (char)w->f[i].tag);
		put_len(out, len[i]);
		prev = w->f[i].mark;
	}
	db_add(out, w->skel.data + prev, w->skel.len - prev);
	return out->err ? (out->err == -E2BIG ? WALK : out->err) : 0;
}

/* the rest of every frame, innermost first, then the skeleton assembled */
static int close_frames(struct walk *w, struct dynbuf *out)
{
	size_t i;
	int rc = 0;

	for (i = w->nf; i-- > 0 && !rc;) {
		rc = advance(w, w->f[i].end - w->pos, &w->skel);
		w->f[i].skel_end = w->skel.len;
	}
	return rc ? rc : assemble(w, out);
}

/* from a ContentInfo's [0] down into the SignedData's encapContentInfo,
 * copying what comes before it */
static int to_encap(struct walk *w)
{
	uint8_t tag;
	int rc = enter(w, inner_end(w), 0xa0);

	if (!rc)
		rc = enter(w, inner_end(w), 0x30); /* SignedData */
	if (!rc)
		rc = copy_one(w, inner_end(w), &tag); /* version */
	if (!rc)
		rc = copy_one(w, inner_end(w), &tag); /* digestAlgorithms */
	if (!rc)
		rc = enter(w, inner_end(w), 0x30); /* encapContentInfo */
	return rc;
}

/* down into the list (through an OCTET STRING with CMS) */
static int descend(struct walk *w)
{
	uint8_t tag;
	int rc = enter(w, w->src->size, 0x30);

	if (!rc)
		rc = copy_one(w, inner_end(w), &tag); /* contentType */
	if (!rc)
		rc = to_encap(w);
	if (!rc)
		rc = copy_one(w, inner_end(w), &tag);
	if (!rc && tag != 0x06)
		rc = WALK;
	if (!rc)
		rc = enter(w, inner_end(w), 0xa0);
	if (!rc && w->pos < inner_end(w) && (rc = fill(w, 1)) == 0 &&
	    *at(w) == 0x04)
		rc = enter(w, inner_end(w), 0x04);
	if (!rc)
		rc = enter(w, inner_end(w), 0x30); /* the list */
	return rc;
}

/* The walk: 0 (members given, *bad when a subject did not decode), WALK,
 * or an error; the skeleton is left in out. */
static int walk(struct walk *w, sig_member_fn fn, void *ctx, int *bad,
		int *had_subjects, struct dynbuf *out)
{
	uint64_t len;
	size_t hlen;
	uint8_t tag;
	int rc = descend(w);

	if (!rc)
		rc = ctl_head(w);
	*had_subjects = 0;
	if (!rc && w->pos < inner_end(w)) {
		rc = header(w, inner_end(w), &tag, &hlen, &len);
		if (!rc && tag == 0x30) {
			*had_subjects = 1;
			w->pos += hlen;
			db_add(&w->skel, "\x30\x00", 2);
			rc = subjects(w, w->pos + len, fn, ctx, bad);
		}
	}
	if (!rc)
		rc = close_frames(w, out);
	return rc;
}

static int not_catalog(char **problem, const char *why)
{
	*problem = strdup(why);
	return *problem ? -EINVAL : -ENOMEM;
}

static int count(void *ctx, const uint8_t *digest, size_t len)
{
	(void)digest;
	(void)len;
	++*(size_t *)ctx;
	return 0;
}

/* The whole catalog in memory, decoded by OpenSSL (a small one the walk
 * does not follow). */
static int whole(const struct sig_cat_src *src, sig_member_fn fn, void *ctx,
		 uint8_t sha256[32], char **problem)
{
	uint8_t *buf = malloc(src->size ? (size_t)src->size : 1);
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = read_at(src, buf, (size_t)src->size, 0);
	if (!rc && EVP_Digest(buf, (size_t)src->size, sha256, NULL,
			      EVP_sha256(), NULL) != 1)
		rc = -ENOMEM;
	if (!rc)
		rc = fn(ctx, NULL, 0);
	if (!rc)
		rc = sig_catalog_members(buf, (size_t)src->size, fn, ctx,
					 problem);
	free(buf);
	return rc;
}

/* Judges the skeleton as the whole decode would judge the catalog. */
static int judge(const struct dynbuf *skel, int bad, int had_subjects,
		 char **problem)
{
	size_t n = 0;
	int subj = -2;
	int rc = sig_catalog_decode((const uint8_t *)skel->data, skel->len,
				    count, &n, problem, &subj);

	if (rc)
		return rc;
	/* the empty list in the copy must be where the template reads the
	 * subjects: else the walk did not read the catalog as OpenSSL does */
	if (n || (had_subjects ? subj != 0 : subj != -1))
		return WALK;
	if (bad)
		return not_catalog(
			problem, "its certificate trust list does not decode");
	return 0;
}

int sig_catalog_stream(const struct sig_cat_src *src, unsigned flags,
		       sig_member_fn fn, void *ctx,
		       const struct util_stop *stop, uint8_t sha256[32],
		       char **problem)
{
	struct walk w = { .src = src, .stop = stop };
	struct dynbuf out;
	int rc, hr, bad = 0, had = 0;

	*problem = NULL;
	db_init(&w.skel, SIG_CAT_SKELETON);
	db_init(&out, SIG_CAT_SKELETON);
	w.buf = malloc(SIG_CAT_WINDOW);
	w.md = EVP_MD_CTX_new();
	if (!w.buf || !w.md ||
	    EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1) {
		rc = -ENOMEM;
		goto out;
	}
	rc = walk(&w, fn, ctx, &bad, &had, &out);
	if (!rc)
		rc = judge(&out, bad, had, problem);
	if (rc == 0 || rc == -EINVAL || rc == WALK) {
		/* the SHA-256 of every byte, the trailing ones too */
		hr = advance(&w, src->size - w.pos, NULL);

		if (!hr && EVP_DigestFinal_ex(w.md, sha256, NULL) != 1)
			hr = -ENOMEM;
		if (hr && hr != WALK)
			rc = hr;
	}
	if (rc == WALK) {
		free(*problem);
		*problem = NULL;
		if (flags & SIG_CAT_NO_WHOLE)
			rc = -ENOTSUP;
		else if (src->size <= SIG_CAT_WHOLE)
			rc = whole(src, fn, ctx, sha256, problem);
		else
			rc = not_catalog(problem,
					 "its encoding cannot be read in parts "
					 "(and it is too large to be read "
					 "whole)");
	}
out:
	if (rc && rc != -EINVAL) {
		free(*problem);
		*problem = NULL;
	}
	EVP_MD_CTX_free(w.md);
	free(w.buf);
	db_free(&w.skel);
	db_free(&out);
	return rc;
}

/* ---- the signature of a catalog, without its content ---------------- */

/* The OIDs the skeleton's walk wants (their contents octets): with
 * others, OpenSSL's PKCS#7 template would read the content (it reads an
 * unknown content type's as ANY, a whole TLV it does not look into). */
static const uint8_t oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7,
					   0x0d, 0x01, 0x07, 0x02 };
static const uint8_t oid_ctl[] = { 0x2b, 0x06, 0x01, 0x04, 0x01,
				   0x82, 0x37, 0x0a, 0x01 };

/* Copies the OID at pos, which must be this one (its length in any form
 * OpenSSL takes, as sig_catalog_stream's walk lets it be). */
static int copy_oid(struct walk *w, const uint8_t *want, size_t n)
{
	size_t hlen;
	uint64_t len;
	uint8_t tag;
	int rc = header(w, inner_end(w), &tag, &hlen, &len);

	if (!rc && (tag != 0x06 || len != n))
		rc = WALK;
	if (!rc)
		rc = fill(w, hlen + n);
	if (!rc && memcmp(at(w) + hlen, want, n) != 0)
		rc = WALK;
	return rc ? rc : advance(w, hlen + n, &w->skel);
}

/* ContentInfo (signedData), [0], SignedData, version, digestAlgorithms,
 * encapContentInfo (CTL), [0], then the content's TLV (a SEQUENCE or an
 * OCTET STRING, definite), which becomes an empty one of its tag. */
static int signed_walk(struct walk *w, uint64_t *off, uint64_t *len,
		       struct dynbuf *out)
{
	uint64_t clen = 0;
	size_t hlen = 0;
	uint8_t tag = 0;
	int rc = enter(w, w->src->size, 0x30);

	if (!rc)
		rc = copy_oid(w, oid_signed_data, sizeof(oid_signed_data));
	if (!rc)
		rc = to_encap(w);
	if (!rc)
		rc = copy_oid(w, oid_ctl, sizeof(oid_ctl));
	if (!rc)
		rc = enter(w, inner_end(w), 0xa0);
	if (!rc)
		rc = header(w, inner_end(w), &tag, &hlen, &clen);
	if (!rc && tag != 0x30 && tag != 0x04)
		rc = WALK;
	if (!rc) {
		*off = w->pos + hlen;
		*len = clen;
		skip(w, hlen + clen);
		db_addc(&w->skel, (char)tag);
		db_addc(&w->skel, 0);
		if (w->skel.err)
			rc = w->skel.err == -E2BIG ? WALK : w->skel.err;
	}
	if (!rc)
		rc = close_frames(w, out);
	return rc;
}

int sig_catalog_signed(const struct sig_cat_src *src,
		       const struct util_stop *stop, struct dynbuf *out,
		       uint64_t *content_off, uint64_t *content_len)
{
	struct walk w = { .src = src, .stop = stop };
	int rc;

	db_init(&w.skel, SIG_CAT_SKELETON);
	db_init(out, SIG_CAT_SKELETON);
	w.buf = malloc(SIG_CAT_WINDOW);
	rc = w.buf ? signed_walk(&w, content_off, content_len, out) : -ENOMEM;
	if (rc == WALK)
		rc = -ENOTSUP;
	if (rc)
		db_free(out);
	free(w.buf);
	db_free(&w.skel);
	return rc;
}

/* ---- reading the content, hashing the file -------------------------- */

int sig_cat_reader_init(struct sig_cat_reader *r, const struct sig_cat_src *src,
			const struct util_stop *stop, uint64_t pos)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->stop = stop;
	r->pos = r->base = pos;
	r->buf = malloc(SIG_CAT_WINDOW);
	r->sha = EVP_MD_CTX_new();
	if (!r->buf || !r->sha ||
	    EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL) != 1) {
		sig_cat_reader_clear(r);
		return -ENOMEM;
	}
	return 0;
}

void sig_cat_reader_clear(struct sig_cat_reader *r)
{
	free(r->buf);
	EVP_MD_CTX_free(r->sha);
	r->buf = NULL;
	r->sha = NULL;
}

/* [pos, end) into the window (at most SIG_CAT_WINDOW bytes), hashed */
static int reader_fill(struct sig_cat_reader *r, uint64_t end)
{
	size_t n = end - r->pos < SIG_CAT_WINDOW ? (size_t)(end - r->pos)
						 : SIG_CAT_WINDOW;
	int rc = util_stop_check(r->stop);

	if (!rc && (n > r->src->size || r->pos > r->src->size - n))
		rc = -EIO;
	if (!rc)
		rc = read_at(r->src, r->buf, n, r->pos);
	if (!rc && EVP_DigestUpdate(r->sha, r->buf, n) != 1)
		rc = -ENOMEM;
	if (rc)
		return r->err = rc;
	r->base = r->pos;
	r->len = n;
	return 0;
}

size_t sig_cat_read(struct sig_cat_reader *r, uint64_t end, uint8_t *dst,
		    size_t n)
{
	size_t got = 0, step;

	while (got < n && r->pos < end && !r->err) {
		if (r->pos == r->base + r->len && reader_fill(r, end))
			break;
		step = (size_t)(r->base + r->len - r->pos);
		if (step > n - got)
			step = n - got;
		if (dst)
			memcpy(dst + got, r->buf + (r->pos - r->base), step);
		got += step;
		r->pos += step;
	}
	return got;
}

int sig_cat_skip_to(struct sig_cat_reader *r, uint64_t end)
{
	while (r->pos < end && !r->err)
		sig_cat_read(r, end, NULL, SIG_CAT_WINDOW);
	return r->err;
}
