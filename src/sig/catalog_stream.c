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
		got = pread(src->fd, dst + done, n - done, (off_t)(off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO; /* it shrank */
		done += (size_t)got;
	}
	return 0;
}

/* Makes [pos, pos + n) (n <= SIG_CAT_WINDOW) be in the window; every
 * byte read is hashed once, in file order. WALK past the end. */
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
	if (EVP_DigestUpdate(w->md, w->buf + keep, more) != 1)
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

/* down into the list (through an OCTET STRING with CMS) */
static int descend(struct walk *w)
{
	uint8_t tag;
	int rc = enter(w, w->src->size, 0x30);

	if (!rc)
		rc = copy_one(w, inner_end(w), &tag); /* contentType */
	if (!rc)
		rc = enter(w, inner_end(w), 0xa0);
	if (!rc)
		rc = enter(w, inner_end(w), 0x30); /* SignedData */
	if (!rc)
		rc = copy_one(w, inner_end(w), &tag); /* version */
	if (!rc)
		rc = copy_one(w, inner_end(w), &tag); /* digestAlgorithms */
	if (!rc)
		rc = enter(w, inner_end(w), 0x30); /* encapContentInfo */
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
	size_t hlen, i;
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
	/* the rest of every frame, innermost first */
	for (i = w->nf; i-- > 0 && !rc;) {
		rc = advance(w, w->f[i].end - w->pos, &w->skel);
		w->f[i].skel_end = w->skel.len;
	}
	if (!rc)
		rc = assemble(w, out);
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
