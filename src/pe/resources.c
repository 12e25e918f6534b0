/*
 * The resource tree's types (with how many resources and which languages
 * each has) and the application manifest (RT_MANIFEST): its
 * requestedExecutionLevel, uiAccess, autoElevate and dependencies.
 *
 * The tree is walked as version.c walks it (type > name > language, the
 * directories above kept to catch loops, CAP_PE_RES_ENTRIES entries at
 * most). The manifest is XML parsed by libxml2 with the network off, no
 * DTD loaded, entities not substituted (libxml2's own amplification
 * limits on) and at most CAP_PE_MANIFEST bytes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "pe_i.h"

#define RT_MANIFEST 24

const char *pe_res_type_name(uint32_t id)
{
	static const char *const names[] = {
		NULL,	  "CURSOR",	  "BITMAP",	  "ICON", "MENU",
		"DIALOG", "STRING",	  "FONTDIR",	  "FONT", "ACCELERATOR",
		"RCDATA", "MESSAGETABLE", "GROUP_CURSOR", NULL,	  "GROUP_ICON",
		NULL,	  "VERSION",	  "DLGINCLUDE",	  NULL,	  "PLUGPLAY",
		"VXD",	  "ANICURSOR",	  "ANIICON",	  "HTML", "MANIFEST",
	};

	return id < sizeof(names) / sizeof(names[0]) ? names[id] : NULL;
}

struct rwalk {
	size_t entries;
	uint32_t type; /* of the level-0 entry being walked */
	uint32_t man_rva, man_size;
	int man_found;
};

/* The type's slot, added when new (NULL past the cap or on OOM). */
static struct pe_res_type *type_slot(struct pe_ctx *c, uint32_t type)
{
	struct pe_facts *f = &c->pe->facts;
	size_t i;

	for (i = 0; i < f->nres_types; i++)
		if (f->res_types[i].id == type)
			return &f->res_types[i];
	if (f->nres_types >= CAP_PE_RES_TYPES)
		return NULL;
	return pe_grow(c, (void **)&f->res_types, &f->nres_types,
		       sizeof(*f->res_types));
}

static void leaf(struct pe_ctx *c, struct rwalk *w, uint32_t lang_id,
		 uint64_t base, uint32_t off)
{
	struct pe_res_type *t = type_slot(c, w->type);
	uint16_t lang = (uint16_t)lang_id;
	size_t i;

	if (t) {
		t->id = w->type;
		t->count++;
		for (i = 0; i < t->nlangs && t->langs[i] != lang; i++)
			;
		if (i == t->nlangs && t->nlangs < PE_RES_LANGS)
			t->langs[t->nlangs++] = lang;
	}
	if (w->type == RT_MANIFEST && !w->man_found &&
	    !pe_rva_u32(c, base + off, &w->man_rva) &&
	    !pe_rva_u32(c, base + off + 4, &w->man_size))
		w->man_found = 1;
}

static void walk(struct pe_ctx *c, uint64_t base, uint32_t dir, int level,
		 const uint32_t *up, struct rwalk *w)
{
	uint16_t nnamed, nids;
	uint32_t path[3], i, n, id, off, sub;
	int k;

	if (pe_rva_u16(c, base + dir + 12, &nnamed) ||
	    pe_rva_u16(c, base + dir + 14, &nids))
		return; /* version.c records it */
	n = (uint32_t)nnamed + nids;
	for (i = 0; i < n && !c->oom; i++) {
		uint64_t e = base + dir + 16 + 8ull * i;

		if (++w->entries > CAP_PE_RES_ENTRIES ||
		    pe_rva_u32(c, e, &id) || pe_rva_u32(c, e + 4, &off))
			return;
		if (level == 0)
			w->type = id & 0x80000000u ? PE_RES_NAMED : id;
		if (level == 2) {
			if (!(off & 0x80000000u))
				leaf(c, w, id, base, off);
			continue;
		}
		sub = off & 0x7fffffffu;
		if (!(off & 0x80000000u))
			continue;
		for (k = 0; k < level; k++)
			path[k] = up[k];
		path[level] = dir;
		for (k = 0; k <= level && path[k] != sub; k++)
			;
		if (k > level)
			walk(c, base, sub, level + 1, path, w);
	}
}

/* ---- the manifest ----------------------------------------------------- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

static int is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

static char *attr(struct pe_ctx *c, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = pe_strndup(c, v, strnlen((const char *)v, CAP_PE_NAME));
	xmlFree(v);
	return s;
}

/* "true"/"false" (case-blind, as Windows reads them): 1, 0; else -1 */
static int truth(const char *s)
{
	if (!s)
		return -1;
	if (strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

static void element(struct pe_ctx *c, const xmlNode *n, int *depth_budget)
{
	struct pe_facts *f = &c->pe->facts;
	const xmlNode *k;
	char *s, **slot;

	for (; n && !c->oom && (*depth_budget)-- > 0; n = n->next) {
		if (is(n, "requestedExecutionLevel") && !f->exec_level) {
			f->exec_level = attr(c, n, "level");
			s = attr(c, n, "uiAccess");
			f->ui_access = truth(s);
			free(s);
		} else if (is(n, "autoElevate") && f->auto_elevate < 0) {
			xmlChar *t = xmlNodeGetContent(n);

			f->auto_elevate = truth((const char *)t);
			xmlFree(t);
		} else if (is(n, "assemblyIdentity") && n->parent &&
			   is(n->parent, "dependentAssembly") &&
			   f->nmanifest_deps < CAP_PE_MANIFEST_DEPS) {
			s = attr(c, n, "name");
			if (s) {
				slot = pe_grow(c, (void **)&f->manifest_deps,
					       &f->nmanifest_deps,
					       sizeof(*slot));
				if (slot)
					*slot = s;
				else
					free(s);
			}
		}
		k = n->children;
		if (k)
			element(c, k, depth_budget);
	}
}

static void manifest(struct pe_ctx *c, uint32_t rva, uint32_t size)
{
	struct pe_facts *f = &c->pe->facts;
	size_t off, avail, n = size;
	int budget = 4096;
	uint8_t *buf;
	xmlDoc *doc;

	f->has_manifest = 1;
	if (pe_rva_to_off(c->pe, c->len, rva, &off, &avail) || avail < n) {
		pe_anomaly(c, "The manifest resource cannot be read.");
		return;
	}
	if (n > CAP_PE_MANIFEST) {
		pe_anomaly(c,
			   "The manifest is %zu bytes long; more than %u are "
			   "not parsed.",
			   n, CAP_PE_MANIFEST);
		return;
	}
	buf = malloc(n ? n : 1);
	if (!buf) {
		c->oom = 1;
		return;
	}
	if (pe_read(c->s, off, n, buf)) {
		free(buf);
		return;
	}
	pthread_once(&xml_once, xml_init);
	doc = xmlReadMemory((const char *)buf, (int)n, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	free(buf);
	if (!doc) {
		pe_anomaly(c, "The manifest is not well-formed XML.");
		return;
	}
	element(c, xmlDocGetRootElement(doc), &budget);
	xmlFreeDoc(doc);
}

void pe_parse_resources(struct pe_ctx *c)
{
	struct rwalk w = { 0 };

	c->pe->facts.ui_access = -1;
	c->pe->facts.auto_elevate = -1;
	if (c->pe->ndirs <= PE_DIR_RESOURCE ||
	    !c->pe->dirs[PE_DIR_RESOURCE].rva)
		return;
	walk(c, c->pe->dirs[PE_DIR_RESOURCE].rva, 0, 0, NULL, &w);
	if (w.man_found && !c->oom)
		manifest(c, w.man_rva, w.man_size);
}
