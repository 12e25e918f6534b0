/*
 * Distinguished names as Windows writes them: the RDNs in reverse order of
 * the encoding (the leaf RDN first), "CN=…, O=…, L=…, S=…, C=…", short
 * names Windows uses (S for state, E for e-mail), OID.n.n=… for others,
 * the values of a multi-valued RDN joined by " + ", and a value quoted
 * ("…", inner quotes doubled) when it holds a character that would make it
 * ambiguous.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include "profilefs/util.h"
#include "sig_i.h"

static const struct {
	int nid;
	const char *abbr;
} short_names[] = {
	{ NID_commonName, "CN" },
	{ NID_organizationName, "O" },
	{ NID_organizationalUnitName, "OU" },
	{ NID_localityName, "L" },
	{ NID_stateOrProvinceName, "S" },
	{ NID_countryName, "C" },
	{ NID_pkcs9_emailAddress, "E" },
	{ NID_streetAddress, "STREET" },
	{ NID_domainComponent, "DC" },
	{ NID_serialNumber, "SERIALNUMBER" },
	{ NID_givenName, "G" },
	{ NID_surname, "SN" },
	{ NID_title, "T" },
	{ NID_initials, "I" },
	{ NID_userId, "UID" },
	{ NID_postalCode, "PostalCode" },
	{ NID_description, "Description" },
};

static void put_type(struct dynbuf *b, const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);
	char oid[128];
	size_t i;

	for (i = 0; i < sizeof(short_names) / sizeof(short_names[0]); i++) {
		if (short_names[i].nid == nid) {
			db_adds(b, short_names[i].abbr);
			return;
		}
	}
	if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
		strcpy(oid, "?");
	db_printf(b, "OID.%s", oid);
}

static int needs_quotes(const unsigned char *s, int n)
{
	int i;

	if (n == 0)
		return 0;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return 1;
	for (i = 0; i < n; i++)
		if (strchr(",+=\"\n<>#;", s[i]) && s[i])
			return 1;
	return 0;
}

static void put_value(struct dynbuf *b, const ASN1_STRING *v)
{
	unsigned char *s = NULL;
	int n = ASN1_STRING_to_UTF8(&s, v), i;

	if (n < 0) {
		db_adds(b, "?");
		return;
	}
	if (!needs_quotes(s, n)) {
		db_add(b, s, (size_t)n);
	} else {
		db_addc(b, '"');
		for (i = 0; i < n; i++) {
			if (s[i] == '"')
				db_addc(b, '"');
			db_addc(b, (char)s[i]);
		}
		db_addc(b, '"');
	}
	OPENSSL_free(s);
}

char *sig_name_of(const X509_NAME *name)
{
	int n = X509_NAME_entry_count(name), i, set = -1;
	struct dynbuf b;
	char *out = NULL;
	size_t len;

	db_init(&b, 1u << 16);
	db_adds(&b, "");
	for (i = n - 1; i >= 0; i--) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		int this_set = X509_NAME_ENTRY_set(e);

		if (i != n - 1)
			db_adds(&b, this_set == set ? " + " : ", ");
		set = this_set;
		put_type(&b, X509_NAME_ENTRY_get_object(e));
		db_addc(&b, '=');
		put_value(&b, X509_NAME_ENTRY_get_data(e));
	}
	if (db_take(&b, &out, &len))
		out = NULL;
	db_free(&b);
	return out;
}

char *sig_name_windows(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	char *out;

	if (!name)
		return NULL;
	out = sig_name_of(name);
	X509_NAME_free(name);
	return out;
}
