/*
 * sig: names in Windows' form, the certificate table's entries, trust
 * files, the stored part, the streamed catalog walk against the whole
 * decode (over the corpus's catalogs, argv[1], and truncations and
 * byte changes of them), a catalog's verdict read in parts against the
 * whole decode's (the corpus's, and catalogs signed here, one of 4.5 MiB).
 * Whole signatures are tested through a mount (tests/integration/test_sign.sh)
 * and over real EFI binaries (corpus).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <openssl/pem.h>

#include "../../src/sig/sig_i.h"
#include "profilefs/profile.h"
#include "profilefs/sig.h"
#include "../sig_members.h"
#include "../sig_verdicts.h"
#include "profilefs/tree.h"
#include "t.h"

/* RSA-1024 keys made by openssl at build time (tests/meson.build), the
 * next one each call: making them here took most of this test's time
 * under valgrind. NULL (a failed CHECK) when the file has no more. */
static FILE *keys;
static EVP_PKEY *test_key(void)
{
	EVP_PKEY *k = PEM_read_PrivateKey(keys, NULL, NULL, NULL);

	CHECK(k != NULL);
	return k;
}

/* a descriptor as the tree_file the readers take (left open) */
static struct tree_file *fd_file(int fd)
{
	struct tree_file *f = NULL;

	if (fd >= 0 && tree_file_posix_fd(fd, &f) != 0)
		f = NULL;
	return f;
}

/* DER of a name made of (type, value, set) triples, in encoding order;
 * set 0: a new RDN, -1: joins the previous one (a multi-valued RDN), as
 * X509_NAME_add_entry_by_txt() takes it */
static char *name_of(const char *const *e, size_t n)
{
	X509_NAME *nm = X509_NAME_new();
	unsigned char *der = NULL;
	char *out = NULL;
	size_t i;
	int len;

	for (i = 0; i < n; i += 3)
		X509_NAME_add_entry_by_txt(nm, e[i], MBSTRING_UTF8,
					   (const unsigned char *)e[i + 1], -1,
					   -1, atoi(e[i + 2]));
	len = i2d_X509_NAME(nm, &der);
	if (len > 0)
		out = sig_name_windows(der, (size_t)len);
	OPENSSL_free(der);
	X509_NAME_free(nm);
	return out;
}

#define NAME(...)                                                              \
	name_of((const char *const[]){ __VA_ARGS__ },                          \
		sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

static void names(void)
{
	char *s;

	/* the Subject of the seed page comsvcs.dll.md, which Windows wrote,
	 * from the name as a Microsoft certificate encodes it */
	s = NAME("C", "US", "0", "ST", "Washington", "0", "L", "Redmond", "0",
		 "O", "Microsoft Corporation", "0", "CN", "Microsoft Windows",
		 "0");
	CHECK_STR(s, "CN=Microsoft Windows, O=Microsoft Corporation, "
		     "L=Redmond, S=Washington, C=US");
	free(s);
	/* a comma: the value in quotes; inner quotes doubled */
	s = NAME("O", "Example, Inc.", "0", "CN", "Say \"hi\"", "0");
	CHECK_STR(s, "CN=\"Say \"\"hi\"\"\", O=\"Example, Inc.\"");
	free(s);
	/* leading space, e-mail, an OID Windows has no name for */
	s = NAME("emailAddress", "a@b.c", "0", "1.3.6.1.4.1.311.60.2.1.3", "US",
		 "0", "OU", " x", "0");
	CHECK_STR(s, "OU=\" x\", OID.1.3.6.1.4.1.311.60.2.1.3=US, E=a@b.c");
	free(s);
	/* a multi-valued RDN is joined with " + " */
	s = NAME("C", "DE", "0", "OU", "Unit", "0", "CN", "Name", "-1");
	CHECK(s && strstr(s, " + ") && strstr(s, ", C=DE"));
	free(s);
	CHECK(sig_name_windows((const uint8_t *)"\x30\x05", 2) == NULL);
}

static void table(void)
{
	/* two entries (13 bytes padded to 16, then 11), then zero padding */
	static const uint8_t tab[] = {
		13, 0, 0, 0, 0, 2, 2, 0, 'a', 'b', 'c', 'd', 'e', 0, 0, 0,
		11, 0, 0, 0, 0, 2, 1, 0, 'x', 'y', 'z', 0,   0,	  0, 0, 0,
	};
	uint8_t bad[sizeof(tab)];
	struct sig_table t = { 0 };

	CHECK(sig_table_parse(tab, sizeof(tab), &t) == 0);
	CHECK(t.present && t.n == 2 && !t.problem);
	CHECK(t.n == 2 && t.entries[0].len == 5 && t.entries[0].type == 2 &&
	      t.entries[0].revision == 0x200 &&
	      memcmp(t.entries[0].data, "abcde", 5) == 0);
	CHECK(t.n == 2 && t.entries[1].len == 3 && t.entries[1].type == 1);
	sig_table_clear(&t);
	/* the second entry's length passes the table: the first is kept */
	memcpy(bad, tab, sizeof(bad));
	bad[16] = 200;
	CHECK(sig_table_parse(bad, sizeof(bad), &t) == 0);
	CHECK(t.n == 1 && t.problem && strstr(t.problem, "entry 2"));
	sig_table_clear(&t);
	/* a length under the header's 8 bytes */
	bad[0] = 4;
	CHECK(sig_table_parse(bad, sizeof(bad), &t) == 0);
	CHECK(t.n == 0 && t.problem);
	sig_table_clear(&t);
}

static void part(void)
{
	static const uint8_t tab[] = { 13,  0,	 0,   0,   0,	2, 2, 0,
				       'a', 'b', 'c', 'd', 'e', 0, 0, 0 };
	struct prof *p = prof_new(), *q = prof_new();
	struct dynbuf b;

	db_init(&b, 1 << 20);
	CHECK(sig_table_parse(tab, sizeof(tab), &p->sig) == 0);
	CHECK(sig_table_set_problem(&p->sig, "a problem") == 0);
	CHECK(prof_encode_part(p, "sig", &b) == 0);
	CHECK(prof_decode_part(q, "sig", b.data, b.len) == 0);
	CHECK(q->sig.present && q->sig.n == 1 && q->sig.entries[0].len == 5 &&
	      memcmp(q->sig.entries[0].data, "abcde", 5) == 0);
	CHECK_STR(q->sig.problem, "a problem");
	/* a blob cut short, or with a byte too many, is refused */
	CHECK(prof_decode_part(q, "sig", b.data, b.len - 1) == -EINVAL);
	db_add(&b, "", 1);
	CHECK(prof_decode_part(q, "sig", b.data, b.len) == -EINVAL);
	db_free(&b);
	prof_free(p);
	prof_free(q);
}

static int members(void *ctx, const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	++*(int *)ctx;
	return 0;
}

static void refusals(void)
{
	struct sig_trust *t = NULL;
	char *err = NULL, *problem = NULL, path[] = "/tmp/pfs-sig-XXXXXX";
	int fd = mkstemp(path), n = 0;

	CHECK(sig_trust_new(&t) == 0);
	CHECK(sig_trust_add_file(t, "/nonexistent/x.pem", &err) == -EINVAL);
	CHECK(err && strstr(err, "No such file"));
	free(err);
	CHECK(fd >= 0 && write(fd, "not a PEM\n", 10) == 10);
	CHECK(sig_trust_add_file(t, path, &err) == -EINVAL);
	CHECK(err && strstr(err, "no PEM certificate"));
	free(err);
	close(fd);
	unlink(path);
	sig_trust_free(t);
	CHECK(sig_catalog_members((const uint8_t *)"junk", 4, members, &n,
				  &problem) == -EINVAL);
	CHECK(problem && n == 0);
	free(problem);
}

/* Both ways over d: 1 when they agree; *walked when the walk followed
 * the encoding without the whole decode. */
static int agree(const uint8_t *d, size_t n, int *walked)
{
	struct sig_cat_src src = { NULL, d, n };
	struct members whole, walk, fallback;
	uint8_t sha[32];
	int ok;

	decoded(d, n, &whole);
	streamed(&src, SIG_CAT_NO_WHOLE, &walk);
	streamed(&src, 0, &fallback);
	EVP_Digest(d, n, sha, NULL, EVP_sha256(), NULL);
	ok = (walk.rc == -ENOTSUP || same(&walk, &whole)) &&
	     same(&fallback, &whole) &&
	     (fallback.rc != 0 || memcmp(fallback.sha256, sha, 32) == 0);
	if (!ok)
		fprintf(stderr, "  %zu bytes: whole %d (%s), walk %d (%s)\n", n,
			whole.rc, whole.problem ? whole.problem : "", walk.rc,
			walk.problem ? walk.problem : "");
	*walked = walk.rc != -ENOTSUP;
	members_free(&whole);
	members_free(&walk);
	members_free(&fallback);
	return ok;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	*n = f && buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

/* One catalog of the corpus, read from its file and from memory; walks:
 * whether the walk follows its encoding (else it is decoded whole). */
static void catalog_file(const char *dir, const char *name, int walks,
			 int dense)
{
	struct members whole, fromfd;
	struct sig_cat_src src;
	char path[4096];
	uint8_t *d, *m, sha[32];
	size_t n, i, fails = 0, walked_n = 0, tried;
	int walked, fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = slurp(path, &n);
	CHECK(n > 0);
	decoded(d, n, &whole);
	CHECK(whole.rc == 0 && whole.list.len > 0);
	fd = open(path, O_RDONLY);
	src.file = fd_file(fd);
	src.mem = NULL;
	src.size = n;
	streamed(&src, walks ? SIG_CAT_NO_WHOLE : 0, &fromfd);
	EVP_Digest(d, n, sha, NULL, EVP_sha256(), NULL);
	CHECK(fd >= 0 && same(&fromfd, &whole) &&
	      memcmp(fromfd.sha256, sha, 32) == 0);
	members_free(&fromfd);
	streamed(&src, SIG_CAT_NO_WHOLE, &fromfd);
	CHECK(walks ? fromfd.rc == 0 : fromfd.rc == -ENOTSUP);
	/* a file that shrank under its size: an I/O error, nothing given */
	src.size = n + 100;
	members_free(&fromfd);
	streamed(&src, SIG_CAT_NO_WHOLE, &fromfd);
	CHECK(fromfd.rc == -EIO);
	tree_file_close(src.file);
	close(fd);
	members_free(&fromfd);
	members_free(&whole);
	/* truncations and changed bytes: one in 4 of the first 400 (the
	 * headers and the members) when dense, one in 17 else, one in 151
	 * after (the certificates and signer infos, which OpenSSL judges
	 * both ways). OpenSSL's decode is slow under valgrind, which runs
	 * this too: the fuzz target goes wide. */
	m = malloc(n);
	tried = 0;
	for (i = 0; i <= n; i += i < 400 ? (dense ? 4 : 17) : 151) {
		fails += !agree(d, i, &walked);
		walked_n += walked;
		tried++;
	}
	for (i = 0; i < n; i += i < 400 ? (dense ? 4 : 17) : 151) {
		memcpy(m, d, n);
		m[i] ^= 0xff;
		fails += !agree(m, n, &walked);
		walked_n += walked;
		m[i] = (uint8_t)(d[i] + 1);
		fails += !agree(m, n, &walked);
		walked_n += walked;
		tried += 2;
	}
	fprintf(stderr, "%s: %zu variants, %zu walked, %zu disagree\n", name,
		tried, walked_n, fails);
	CHECK(fails == 0 && (!walks || walked_n * 4 > tried));
	free(m);
	free(d);
}

static void catalog_stream(const char *dir)
{
	catalog_file(dir, "test.cat", 1, 1);
	catalog_file(dir, "sha1-member.cat", 1, 0);
	/* the list as the content itself (PKCS#7), not in an OCTET STRING */
	catalog_file(dir, "pkcs7-content.cat", 1, 1);
	/* BER: an indefinite length, decoded whole */
	catalog_file(dir, "ber-indefinite.cat", 0, 0);
}

/* A copy of d (n bytes) with byte i changed. */
static uint8_t *changed(const uint8_t *d, size_t n, size_t i)
{
	uint8_t *m = malloc(n);

	memcpy(m, d, n);
	m[i] ^= 0x01;
	return m;
}

/* The whole decode's verdict of d (n bytes), after both ways agree. */
static struct sig_verdict *both(const uint8_t *d, size_t n,
				const struct sig_env *env)
{
	struct sig_verdict *w = NULL;
	int parts = 0;

	CHECK(verdicts_agree(d, n, SIG_CAT_NO_WHOLE, env, &parts, &w));
	CHECK(parts && w);
	if (w)
		fprintf(stderr, "  verdict: status %d, p7_reason %d (%s)\n",
			(int)w->status, (int)w->p7_reason,
			w->openssl_reason ? w->openssl_reason : "");
	return w;
}

/*
 * One catalog's verdict, read in parts and decoded whole: the same for
 * the catalog (from memory and from its file), for a member byte changed
 * (a digest failure), for the signature's last byte changed (a signature
 * failure), and for truncations and byte changes all over (as
 * catalog_file's); walks: whether the walk follows its encoding (else it
 * is decoded whole, and read in parts never); holds: whether its
 * signature verifies (the corpus's other catalogs were re-encoded after
 * signing).
 */
static void catalog_verdict(const char *dir, const char *name, int walks,
			    int holds, const struct sig_env *env)
{
	struct sig_verdict *w, *p = NULL;
	struct sig_cat_src src;
	struct dynbuf skel;
	uint64_t off = 0, len = 0;
	uint8_t *d, *m, sha[32], got[32];
	size_t n, i, fails = 0, inparts = 0, tried = 0;
	char path[4096];
	int parts, fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = slurp(path, &n);
	CHECK(n > 0);
	src.file = NULL;
	src.mem = d;
	src.size = n;
	CHECK(sig_catalog_signed(&src, NULL, &skel, &off, &len) ==
	      (walks ? 0 : -ENOTSUP));
	if (walks) {
		db_free(&skel);
		CHECK(off > 0 && len > 0 && off + len < n);
	}
	/* from its file; and the fallback (the whole decode) */
	fd = open(path, O_RDONLY);
	src.file = fd_file(fd);
	src.mem = NULL;
	CHECK(fd >= 0 &&
	      sig_check_catalog_src(&src, 0, name, env, NULL, got, &p) == 0);
	EVP_Digest(d, n, sha, NULL, EVP_sha256(), NULL);
	CHECK(memcmp(got, sha, 32) == 0);
	CHECK(sig_check_catalog(d, n, name, env, &w) == 0 &&
	      same_verdict(w, p));
	/* its signature holds or not (the chain is judged after) */
	CHECK(w && p && (w->status != SIG_NOT_VERIFIED) == holds && w->signer &&
	      w->kind == SIG_KIND_CATALOG && strcmp(w->catalog, name) == 0);
	fprintf(stderr,
		"%s: status %d (the whole decode's, read in parts "
		"the same)\n",
		name, w ? (int)w->status : -1);
	sig_verdict_free(w);
	sig_verdict_free(p);
	p = NULL;
	/* a file that shrank under its size: an I/O error, no verdict */
	src.size = n + 100;
	CHECK(sig_check_catalog_src(&src, 0, name, env, NULL, got, &p) == -EIO);
	CHECK(!p);
	tree_file_close(src.file);
	close(fd);
	if (walks && holds) {
		/* a member's byte: the messageDigest differs (OpenSSL 3
		 * reports a digest failure as its last error, a signature
		 * failure, on top) */
		m = changed(d, n, (size_t)(off + len / 2));
		w = both(m, n, env);
		CHECK(w && w->status == SIG_NOT_VERIFIED &&
		      (w->p7_reason == SIG_P7_DIGEST_FAILURE ||
		       w->p7_reason == SIG_P7_SIGNATURE_FAILURE));
		sig_verdict_free(w);
		free(m);
		/* the signature value's last byte (catalogs here have no
		 * unsigned attributes after it) */
		m = changed(d, n, n - 1);
		w = both(m, n, env);
		CHECK(w && w->status == SIG_NOT_VERIFIED &&
		      w->p7_reason == SIG_P7_SIGNATURE_FAILURE);
		sig_verdict_free(w);
		free(m);
	}
	/* truncations and changed bytes, as catalog_file's */
	for (i = 0; i <= n; i += i < 400 ? 17 : 151) {
		fails += !verdicts_agree(d, i, SIG_CAT_NO_WHOLE, env, &parts,
					 NULL);
		if (!parts) /* the fallback */
			fails += !verdicts_agree(d, i, 0, env, NULL, NULL);
		inparts += parts;
		tried++;
	}
	for (i = 0; i < n; i += i < 400 ? 17 : 151) {
		m = changed(d, n, i);
		m[i] = (uint8_t)(d[i] ^ 0xff);
		fails += !verdicts_agree(m, n, SIG_CAT_NO_WHOLE, env, &parts,
					 NULL);
		if (!parts)
			fails += !verdicts_agree(m, n, 0, env, NULL, NULL);
		inparts += parts;
		tried++;
		free(m);
	}
	fprintf(stderr,
		"%s: %zu verdict variants, %zu read in parts, %zu "
		"disagree\n",
		name, tried, inparts, fails);
	CHECK(fails == 0 && (!walks || inparts * 4 > tried));
	free(d);
}

static void catalog_verdicts(const char *dir)
{
	struct sig_trust *t = NULL;
	struct sig_env env;

	CHECK(sig_trust_new(&t) == 0);
	sig_trust_add_system(t);
	env.trust = t;
	env.now = 1700000000;
	catalog_verdict(dir, "test.cat", 1, 1, &env);
	catalog_verdict(dir, "sha1-member.cat", 1, 1, &env);
	catalog_verdict(dir, "pkcs7-content.cat", 1, 0, &env);
	catalog_verdict(dir, "ber-indefinite.cat", 0, 0, &env);
	sig_trust_free(t);
}

/* ---- catalogs made here: signed by a CA this test makes ------------ */

/* A certificate for key (issued by ca/ca_key, or self-signed when ca is
 * NULL): a CA, or a code-signing leaf; serial as given. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial, X509 *ca,
		       EVP_PKEY *ca_key)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, ca ? X509_get_subject_name(ca) : nm);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  ca ? "critical,CA:FALSE"
				     : "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ca) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage,
					  "codeSigning");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	X509_sign(x, ca ? ca_key : key, EVP_sha256());
	X509_NAME_free(nm);
	return x;
}

/* A certificate trust list of n subjects (each a 20-byte identifier and
 * no attributes): its DER, as the content a catalog signs. */
static uint8_t *make_ctl(size_t n, size_t *len)
{
	static const uint8_t head[] = {
		0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
		0x01, 0x82, 0x37, 0x0c, 0x01, 0x01, /* subjectUsage */
		0x17, 0x0d, '2',  '6',	'1',  '1',  '2',  '2',
		'0',  '0',  '0',  '0',	'0',  '0',  'Z', /* thisUpdate */
		0x30, 0x0b, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04,
		0x01, 0x82, 0x37, 0x0c, 0x01, 0x02 /* subjectAlgorithm (unused)
						    */
	};
	size_t subj = 26 * n, body = sizeof(head) + 6 + subj, i;
	uint8_t *d = malloc(body + 6), *p = d;

	*p++ = 0x30; /* the list, then its subjects: 4-byte lengths */
	*p++ = 0x84;
	for (i = 4; i-- > 0;)
		*p++ = (uint8_t)(body >> (8 * i));
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	*p++ = 0x30;
	*p++ = 0x84;
	for (i = 4; i-- > 0;)
		*p++ = (uint8_t)(subj >> (8 * i));
	for (i = 0; i < n; i++) {
		static const uint8_t s[] = { 0x30, 0x18, 0x04, 0x14 };

		memcpy(p, s, 4);
		memset(p + 4, 0, 20);
		memcpy(p + 4, &i, sizeof(i));
		p[24] = 0x31;
		p[25] = 0x00;
		p += 26;
	}
	*len = (size_t)(p - d);
	return d;
}

/* ctl signed by cert/key as `openssl cms -sign -econtent_type CTL
 * -nodetach -binary` signs a catalog (the CMS form: an OCTET STRING) */
static uint8_t *make_catalog(const uint8_t *ctl, size_t n, X509 *cert,
			     EVP_PKEY *key, size_t *len)
{
	BIO *in = BIO_new_mem_buf(ctl, (int)n);
	ASN1_OBJECT *type = OBJ_txt2obj("1.3.6.1.4.1.311.10.1", 1);
	CMS_ContentInfo *cms =
		CMS_sign(cert, key, NULL, in, CMS_BINARY | CMS_PARTIAL);
	unsigned char *der = NULL;
	uint8_t *out = NULL;
	int dl;

	CHECK(cms && CMS_set1_eContentType(cms, type) == 1 &&
	      CMS_final(cms, in, NULL, CMS_BINARY) == 1);
	dl = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
	CHECK(dl > 0);
	if (dl > 0) {
		out = malloc((size_t)dl);
		memcpy(out, der, (size_t)dl);
		*len = (size_t)dl;
	}
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	ASN1_OBJECT_free(type);
	BIO_free(in);
	return out;
}

/* where needle (nlen bytes) is in hay, or NULL */
static uint8_t *find_bytes(uint8_t *hay, size_t n, const uint8_t *needle,
			   size_t nlen)
{
	size_t i;

	for (i = 0; nlen <= n && i <= n - nlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

static size_t cert_der(X509 *x, uint8_t **der)
{
	int n;

	*der = NULL;
	n = i2d_X509(x, der);
	return n > 0 ? (size_t)n : 0;
}

/* Both ways from a file (the catalog written to one): the verdict read in
 * parts (never whole: SIG_CAT_NO_WHOLE) equals the whole decode's, and
 * its SHA-256 is the bytes'. Returns the whole decode's. */
static struct sig_verdict *from_file(const uint8_t *d, size_t n,
				     const struct sig_env *env)
{
	char path[] = "/tmp/profilefs-test-cat-XXXXXX";
	int fd = mkstemp(path);
	struct sig_cat_src src = { fd_file(fd), NULL, n };
	struct sig_verdict *w = NULL, *p = NULL;
	uint8_t sha[32], got[32];

	CHECK(fd >= 0 && write(fd, d, n) == (ssize_t)n);
	CHECK(sig_check_catalog_src(&src, SIG_CAT_NO_WHOLE, "gen.cat", env,
				    NULL, got, &p) == 0);
	CHECK(sig_check_catalog(d, n, "gen.cat", env, &w) == 0);
	EVP_Digest(d, n, sha, NULL, EVP_sha256(), NULL);
	CHECK(same_verdict(w, p) && memcmp(sha, got, 32) == 0);
	sig_verdict_free(p);
	tree_file_close(src.file);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return w;
}

/*
 * Catalogs made here with a CA trusted for the check: verified both ways;
 * one of 4.5 MiB (over SIG_CAT_WHOLE: the whole decode is never the
 * fallback; its content spans windows) from a file; a member byte changed
 * (the messageDigest differs); the signer's certificate swapped for one
 * of the same issuer and serial with another key (the signature does not
 * verify with it). Every verdict the same both ways.
 */
static void generated_catalogs(void)
{
	char pem[] = "/tmp/profilefs-test-root-XXXXXX";
	EVP_PKEY *rk = test_key(), *lk = test_key(), *ok = test_key();
	X509 *root = make_cert(rk, "profilefs unit Root", 1, NULL, NULL);
	X509 *leaf = make_cert(lk, "profilefs unit Signer", 2, root, rk);
	X509 *twin = make_cert(ok, "profilefs unit Signer", 2, root, rk);
	struct sig_trust *t = NULL;
	struct sig_verdict *w;
	struct sig_env env;
	uint8_t *ctl, *cat, *a = NULL, *b = NULL, *at;
	size_t clen, n, alen, blen;
	char *err = NULL;
	FILE *f;
	int fd = mkstemp(pem);

	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f && PEM_write_X509(f, root) == 1);
	if (f)
		fclose(f);
	CHECK(sig_trust_new(&t) == 0 && sig_trust_add_file(t, pem, &err) == 0);
	free(err);
	unlink(pem);
	env.trust = t;
	env.now = time(NULL);

	/* small, from memory and from a file */
	ctl = make_ctl(100, &clen);
	cat = make_catalog(ctl, clen, leaf, lk, &n);
	w = both(cat, n, &env);
	CHECK(w && w->status == SIG_VERIFIED && w->signer);
	sig_verdict_free(w);
	w = from_file(cat, n, &env);
	CHECK(w && w->status == SIG_VERIFIED);
	sig_verdict_free(w);
	/* the signer's certificate swapped for its twin (same issuer and
	 * serial, another key: RSA-1024 certificates of one length) */
	alen = cert_der(leaf, &a);
	blen = cert_der(twin, &b);
	at = find_bytes(cat, n, a, alen);
	CHECK(alen > 0 && alen == blen && at);
	if (at && alen == blen) {
		memcpy(at, b, blen);
		w = both(cat, n, &env);
		CHECK(w && w->status == SIG_NOT_VERIFIED &&
		      w->p7_reason == SIG_P7_SIGNATURE_FAILURE);
		sig_verdict_free(w);
	}
	free(cat);
	free(ctl);

	/* 4.5 MiB: read in parts from a file, never whole */
	ctl = make_ctl((9u << 19) / 26, &clen);
	cat = make_catalog(ctl, clen, leaf, lk, &n);
	CHECK(n > SIG_CAT_WHOLE);
	w = from_file(cat, n, &env);
	CHECK(w && w->status == SIG_VERIFIED);
	sig_verdict_free(w);
	/* a member's byte, in the third window */
	cat[(5u << 19)] ^= 0x01;
	w = from_file(cat, n, &env);
	CHECK(w && w->status == SIG_NOT_VERIFIED);
	sig_verdict_free(w);
	free(cat);
	free(ctl);
	OPENSSL_free(a);
	OPENSSL_free(b);
	X509_free(root);
	X509_free(leaf);
	X509_free(twin);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(lk);
	EVP_PKEY_free(ok);
	sig_trust_free(t);
}

static void unsigned_report(void)
{
	struct sig_trust *t = NULL;
	struct sig_verdict *r = NULL;
	struct sig_env env;

	CHECK(sig_trust_new(&t) == 0);
	env.trust = t;
	env.now = 0;
	CHECK(sig_check_embedded(NULL, NULL, NULL, &env, SIG_UNSIGNED_NO_PEHASH,
				 &r) == 0);
	CHECK(r && r->status == SIG_NOT_SIGNED &&
	      r->unsigned_why == SIG_UNSIGNED_NO_PEHASH && !r->signer &&
	      r->nsubs == 0);
	sig_verdict_free(r);
	sig_trust_free(t);
}

/* the root of the shipped program file whose subject has cn in it */
static X509 *program_root(const char *cn)
{
	FILE *f = fopen(PROFILEFS_SRCDATA "/microsoft-trusted-roots.pem", "r");
	X509 *x = NULL;
	char buf[512];

	while (f && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof(buf));
		if (strstr(buf, cn))
			break;
		X509_free(x);
	}
	if (f)
		fclose(f);
	return x;
}

/* judge's answer for root and leaf: 1 trusted, 0 not; why, since,
 * builtin as judge gives them */
struct judged {
	int trusted;
	enum sig_root_why why;
	time_t since;
	int builtin;
};

static struct judged judge(const struct sig_trust *t, X509 *root, X509 *leaf,
			   enum sig_purpose purpose, time_t at)
{
	struct judged j;

	j.trusted = sig_trust_judge(t, root, leaf, purpose, at, &j.why,
				    &j.since, &j.builtin);
	return j;
}

/* the shipped root program, its properties applied (each expectation
 * from the comment lines above the root in data/) */
static void program(void)
{
	struct sig_trust *t = NULL;
	X509 *g4 = program_root("CN=VeriSign Class 3 Public Primary "
				"Certification Authority - G4"),
	     *rsa17 = program_root("CN=Microsoft RSA Root Certificate "
				   "Authority 2017"),
	     *ms11 = program_root("CN=Microsoft Root Certificate Authority "
				  "2011");
	struct judged j;
	char *err = NULL;

	CHECK(sig_trust_new(&t) == 0);
	CHECK(sig_trust_add_file(
		      t, PROFILEFS_SRCDATA "/microsoft-trusted-roots.pem",
		      &err) == 0);
	free(err);
	CHECK(g4 && rsa17 && ms11);
	if (t && g4 && rsa17 && ms11) {
		/* G4: disallowed 2023-02-01 (1675209600), all purposes */
		j = judge(t, g4, g4, SIG_FOR_CODE_SIGNING, 1654041600);
		CHECK(j.trusted && !j.builtin);
		j = judge(t, g4, g4, SIG_FOR_CODE_SIGNING, 1717200000);
		CHECK(!j.trusted && j.why == SIG_ROOT_DISALLOWED &&
		      j.since == 1675209600);
		/* client and server auth only */
		j = judge(t, rsa17, rsa17, SIG_FOR_CODE_SIGNING, 1717200000);
		CHECK(!j.trusted && j.why == SIG_ROOT_PURPOSE);
		j = judge(t, ms11, ms11, SIG_FOR_CODE_SIGNING, 1717200000);
		CHECK(j.trusted && !j.builtin);
		j = judge(t, ms11, ms11, SIG_FOR_TIME_STAMPING, 1717200000);
		CHECK(j.trusted && !j.builtin);
	}
	X509_free(g4);
	X509_free(rsa17);
	X509_free(ms11);
	sig_trust_free(t);
}

/* the certificate of path whose SHA-1 is hex (lowercase), or NULL */
static X509 *root_by_sha1(const char *path, const char *hex)
{
	FILE *f = fopen(path, "r");
	unsigned char md[20];
	char got[41];
	unsigned n;
	X509 *x = NULL;

	while (f && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (X509_digest(x, EVP_sha1(), md, &n) == 1 && n == 20) {
			for (n = 0; n < 20; n++)
				snprintf(got + 2 * n, 3, "%02x", md[n]);
			if (strcmp(got, hex) == 0)
				break;
		}
		X509_free(x);
	}
	if (f)
		fclose(f);
	return x;
}

/* a leaf (unsigned: judge reads its notBefore only) issued at `when` */
static X509 *leaf_issued(time_t when)
{
	X509 *x = X509_new();

	if (x)
		X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &when);
	return x;
}

#define PROGRAM_PEM  PROFILEFS_SRCDATA "/microsoft-trusted-roots.pem"
#define REQUIRED_PEM PROFILEFS_SRCDATA "/windows-required-roots.pem"

/* a trust of the files named, in this order; NULL on failure */
static struct sig_trust *trust_of(const char *a, const char *b)
{
	struct sig_trust *t = NULL;
	char *err = NULL;
	int ok = sig_trust_new(&t) == 0 &&
		 sig_trust_add_file(t, a, &err) == 0 &&
		 (!b || sig_trust_add_file(t, b, &err) == 0);

	free(err);
	if (!ok) {
		sig_trust_free(t);
		return NULL;
	}
	return t;
}

/*
 * The roots Windows keeps built in (data/windows-required-roots.pem)
 * beside the root program: for their purposes, whatever the program's
 * properties (each expectation from the comment lines of both files).
 */
static void builtin(void)
{
	/* Microsoft Root Certificate Authority (2001): program NotBefore
	 * 2017-04-30 (1493510400), Disallowed 2021-08-01 (1627776000);
	 * built in for all purposes */
	const char *ms01 = "cdd4eeae6000ac7f40c3802c171e30148030c072";
	/* Microsoft Time Stamp Root CA 2014: program time stamping only,
	 * built in for all */
	const char *ts14 = "0119e81be9a14cd8e22f40ac118c687ecba3f4d8";
	/* Thawte Timestamping CA: both time stamping only; program
	 * Disallowed 2023-02-01 (1675209600) */
	const char *thawte = "be36a4562fb2ee05dbb3d32323adf445084ed656";
	/* Copyright (c) 1997 Microsoft Corp. (Time Stamping Service Root):
	 * not in the program, built in for time stamping */
	const char *ts97 = "245c97df7514e7cf2df8be72ae957b9e04741e85";
	struct sig_trust *prog = trust_of(PROGRAM_PEM, NULL),
			 *both = trust_of(PROGRAM_PEM, REQUIRED_PEM),
			 *rev = trust_of(REQUIRED_PEM, PROGRAM_PEM),
			 *req = trust_of(REQUIRED_PEM, NULL);
	X509 *r01 = root_by_sha1(REQUIRED_PEM, ms01),
	     *r14 = root_by_sha1(REQUIRED_PEM, ts14),
	     *rth = root_by_sha1(REQUIRED_PEM, thawte),
	     *r97 = root_by_sha1(REQUIRED_PEM, ts97);
	/* sigcheck's leaf: issued 2017-08-11, signed 2017-11-16 */
	X509 *leaf = leaf_issued(1502409600);
	time_t signed_at = 1510790400;
	uint8_t d1[32], d2[32], d3[32];
	struct judged j;

	CHECK(prog && both && rev && req && r01 && r14 && rth && r97 && leaf);
	if (!prog || !both || !rev || !req || !r01 || !r14 || !rth || !r97 ||
	    !leaf)
		goto out;
	/* the root program alone refuses the leaf issued after NotBefore */
	j = judge(prog, r01, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(!j.trusted && j.why == SIG_ROOT_NOT_BEFORE &&
	      j.since == 1493510400);
	/* with the built-in roots, in either order: trusted, and why the
	 * program would not */
	j = judge(both, r01, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(j.trusted && j.builtin && j.why == SIG_ROOT_NOT_BEFORE &&
	      j.since == 1493510400);
	j = judge(rev, r01, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(j.trusted && j.builtin && j.why == SIG_ROOT_NOT_BEFORE);
	/* the program's Disallowed date does not bind the built-in copy */
	j = judge(both, r01, leaf, SIG_FOR_CODE_SIGNING, 1640995200);
	CHECK(j.trusted && j.builtin && j.why == SIG_ROOT_DISALLOWED &&
	      j.since == 1627776000);
	/* a leaf before NotBefore: the program trusts it; nothing to say */
	X509_free(leaf);
	leaf = leaf_issued(1420070400);
	j = judge(both, r01, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(j.trusted && !j.builtin);
	/* built in for all, program time stamping only */
	j = judge(prog, r14, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(!j.trusted && j.why == SIG_ROOT_PURPOSE);
	j = judge(both, r14, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(j.trusted && j.builtin && j.why == SIG_ROOT_PURPOSE);
	/* time stamping only, both ways: no code signing */
	j = judge(both, rth, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(!j.trusted && j.why == SIG_ROOT_PURPOSE);
	j = judge(both, rth, leaf, SIG_FOR_TIME_STAMPING, 1717200000);
	CHECK(j.trusted && j.builtin && j.why == SIG_ROOT_DISALLOWED &&
	      j.since == 1675209600);
	/* not in the program: time stamping only, as built in */
	j = judge(both, r97, leaf, SIG_FOR_TIME_STAMPING, signed_at);
	CHECK(j.trusted && j.builtin && j.why == SIG_ROOT_NOT_ANCHOR);
	j = judge(both, r97, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(!j.trusted && j.why == SIG_ROOT_PURPOSE);
	j = judge(req, r97, leaf, SIG_FOR_CODE_SIGNING, signed_at);
	CHECK(!j.trusted && j.why == SIG_ROOT_PURPOSE);
	/* the required file adds the two roots the program lacks, and the
	 * trust's identity (the render key's) changes with it, the same
	 * whatever the order */
	CHECK(sig_trust_count(both) == sig_trust_count(prog) + 2);
	CHECK(sig_trust_digest(prog, d1) == 0 &&
	      sig_trust_digest(both, d2) == 0 &&
	      sig_trust_digest(rev, d3) == 0);
	CHECK(memcmp(d1, d2, 32) != 0 && memcmp(d2, d3, 32) == 0);
out:
	X509_free(leaf);
	X509_free(r01);
	X509_free(r14);
	X509_free(rth);
	X509_free(r97);
	sig_trust_free(prog);
	sig_trust_free(both);
	sig_trust_free(rev);
	sig_trust_free(req);
}

/* a root file made here: the PEM of x under the lines given */
static int write_root(const char *path, X509 *x, const char *lines)
{
	FILE *f = fopen(path, "w");
	int ok = f && fputs(lines, f) >= 0 && PEM_write_X509(f, x) == 1;

	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -EIO;
}

/*
 * Whole chains (sig_chain_check) of a PKI made here, its root in a
 * program bundle written in the shipped form with a NotBefore, and in a
 * required-roots file: what the verdict records, and the trust's identity
 * following the built-in purposes.
 */
static void builtin_chains(void)
{
	char prog[] = "/tmp/profilefs-test-prog-XXXXXX",
	     req[] = "/tmp/profilefs-test-req-XXXXXX",
	     ts[] = "/tmp/profilefs-test-ts-XXXXXX";
	EVP_PKEY *rk = test_key(), *lk = test_key();
	X509 *root =
		make_cert(rk, "profilefs unit Builtin Root", 1, NULL, NULL);
	X509 *leaf =
		make_cert(lk, "profilefs unit Builtin Signer", 2, root, rk);
	struct sig_trust *p = NULL, *b = NULL, *s = NULL;
	struct sig_env env;
	struct sig_chain c;
	uint8_t d1[32], d2[32];
	int fds[3] = { mkstemp(prog), mkstemp(req), mkstemp(ts) };

	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
	/* the leaf was issued an hour ago: after a NotBefore of 2020 */
	CHECK(write_root(
		      prog, root,
		      "# Extended key usages: ['code_signing', "
		      "'time_stamping']\n"
		      "# Not before Filetime: 2020-01-01 00:00:00+00:00\n") ==
	      0);
	CHECK(write_root(req, root, "# Purposes: all\n") == 0);
	CHECK(write_root(ts, root, "# Purposes: time_stamping\n") == 0);
	p = trust_of(prog, NULL);
	b = trust_of(prog, req);
	s = trust_of(prog, ts);
	CHECK(p && b && s);
	if (!p || !b || !s)
		goto out;
	env.now = time(NULL);
	env.trust = p;
	sig_chain_check(&env, leaf, NULL, env.now, SIG_FOR_CODE_SIGNING, &c);
	CHECK(c.result == SIG_CH_UNTRUSTED && c.why == SIG_ROOT_NOT_BEFORE &&
	      c.since == 1577836800 && !c.builtin && c.root &&
	      strcmp(c.root, "CN=profilefs unit Builtin Root") == 0);
	sig_chain_clear(&c);
	env.trust = b;
	sig_chain_check(&env, leaf, NULL, env.now, SIG_FOR_CODE_SIGNING, &c);
	CHECK(c.result == SIG_CH_TRUSTED && c.builtin &&
	      c.why == SIG_ROOT_NOT_BEFORE && c.since == 1577836800 && c.root &&
	      strcmp(c.root, "CN=profilefs unit Builtin Root") == 0);
	sig_chain_clear(&c);
	env.trust = s;
	sig_chain_check(&env, leaf, NULL, env.now, SIG_FOR_CODE_SIGNING, &c);
	CHECK(c.result == SIG_CH_UNTRUSTED && c.why == SIG_ROOT_NOT_BEFORE &&
	      !c.builtin);
	sig_chain_clear(&c);
	sig_chain_check(&env, leaf, NULL, env.now, SIG_FOR_TIME_STAMPING, &c);
	CHECK(c.result == SIG_CH_TRUSTED && c.builtin &&
	      c.why == SIG_ROOT_NOT_BEFORE);
	sig_chain_clear(&c);
	CHECK(sig_trust_digest(b, d1) == 0 && sig_trust_digest(s, d2) == 0 &&
	      memcmp(d1, d2, 32) != 0);
out:
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	unlink(prog);
	unlink(req);
	unlink(ts);
	sig_trust_free(p);
	sig_trust_free(b);
	sig_trust_free(s);
	X509_free(root);
	X509_free(leaf);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(lk);
}

/*
 * The anchors are parsed when a chain asks for their subject
 * (src/sig/anchors.c): two roots that share a subject are both found,
 * whichever the file gives first; a root asked for by a chain that ends
 * elsewhere is never parsed; the count and the identity are the same as
 * a store given both at once would have (the SHA-256s of their DER).
 */
/* x with its key identifiers (as real roots have: twins are told apart by
 * them), signed again by key */
static X509 *with_key_ids(X509 *x, X509 *ca, EVP_PKEY *key)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, ca ? ca : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
				  "hash");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier,
				  "keyid:always");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, key, EVP_sha256());
	return x;
}

static void lazy_anchors(void)
{
	char path[] = "/tmp/profilefs-test-twins-XXXXXX";
	EVP_PKEY *k1 = test_key(), *k2 = test_key(), *lk = test_key();
	X509 *r1 = with_key_ids(
		make_cert(k1, "profilefs unit Twin Root", 1, NULL, NULL), NULL,
		k1);
	X509 *r2 = with_key_ids(
		make_cert(k2, "profilefs unit Twin Root", 2, NULL, NULL), NULL,
		k2);
	X509 *leaf = with_key_ids(
		make_cert(lk, "profilefs unit Twin Signer", 3, r2, k2), r2, k2);
	int fd = mkstemp(path);
	struct sig_trust *t = NULL;
	struct sig_env env;
	struct sig_chain c;
	uint8_t d[32], h[32];
	unsigned char *der = NULL;
	int len;
	FILE *f;

	CHECK(fd >= 0);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f && PEM_write_X509(f, r1) == 1 && PEM_write_X509(f, r2) == 1 &&
	      PEM_write_X509(f, r1) == 1);
	if (f)
		fclose(f);
	t = trust_of(path, NULL);
	CHECK(t != NULL);
	if (!t)
		goto out;
	CHECK(sig_trust_count(t) == 2);
	/* the identity: the two SHA-256s, sorted, as the DER gives them */
	len = i2d_X509(r1, &der);
	CHECK(len > 0 &&
	      EVP_Digest(der, (size_t)len, h, NULL, EVP_sha256(), NULL) == 1);
	CHECK(memcmp(sig_anchor_sha256(t, 0), h, 32) == 0 ||
	      memcmp(sig_anchor_sha256(t, 1), h, 32) == 0);
	OPENSSL_free(der);
	CHECK(sig_trust_digest(t, d) == 0);
	env.now = time(NULL);
	env.trust = t;
	sig_chain_check(&env, leaf, NULL, env.now, SIG_FOR_CODE_SIGNING, &c);
	CHECK(c.result == SIG_CH_TRUSTED);
	sig_chain_clear(&c);
	/* each twin is an anchor itself */
	sig_chain_check(&env, r1, NULL, env.now, SIG_FOR_CODE_SIGNING, &c);
	CHECK(c.result == SIG_CH_TRUSTED);
	sig_chain_clear(&c);
	sig_chain_check(&env, r2, NULL, env.now, SIG_FOR_CODE_SIGNING, &c);
	CHECK(c.result == SIG_CH_TRUSTED);
	sig_chain_clear(&c);
out:
	unlink(path);
	sig_trust_free(t);
	X509_free(r1);
	X509_free(r2);
	X509_free(leaf);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(lk);
}

/* the rare PE hashes go with the table in the stored part */
static void rare_part(void)
{
	struct prof *p = prof_new(), *q = prof_new();
	struct dynbuf b;

	db_init(&b, 1 << 20);
	p->sig.present = 1;
	p->sig.rare = 1u << SIG_MD_SHA384;
	memset(p->sig.pe_sha384, 0xab, sizeof(p->sig.pe_sha384));
	CHECK(prof_encode_part(p, "sig", &b) == 0);
	CHECK(prof_decode_part(q, "sig", b.data, b.len) == 0);
	CHECK(q->sig.rare == p->sig.rare &&
	      memcmp(q->sig.pe_sha384, p->sig.pe_sha384, 48) == 0);
	CHECK(prof_decode_part(q, "sig", b.data, b.len - 1) == -EINVAL);
	db_free(&b);
	prof_free(p);
	prof_free(q);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_sig CORPUS_DIR KEYS_PEM\n");
		return 1;
	}
	keys = fopen(argv[2], "r");
	if (!keys) {
		perror(argv[2]);
		return 1;
	}
	program();
	builtin();
	builtin_chains();
	lazy_anchors();
	rare_part();
	names();
	table();
	part();
	refusals();
	unsigned_report();
	catalog_stream(argv[1]);
	catalog_verdicts(argv[1]);
	generated_catalogs();
	fclose(keys);
	return t_done();
}
