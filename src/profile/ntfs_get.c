/*
 * Gathering a file's NTFS facts from its tree (profile.h,
 * prof_file_facts_get()): cheap enough for every view, as nothing of it
 * is cached with the content. No stream but Zone.Identifier is read, and
 * of that one only its first CAP_ZONE_READ bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ntfs_i.h"

int prof_file_facts_get(struct tree *t, const char *rel,
			struct prof_file_facts **out)
{
	struct tree_facts facts;
	struct tree_stream *s = NULL;
	const char *zone_name = NULL;
	char *zone = NULL;
	size_t n = 0, i;
	ssize_t got = 0;
	int rc;

	memset(&facts, 0, sizeof(facts));
	rc = tree_facts(t, rel, &facts);
	if (rc)
		return rc;
	rc = tree_streams(t, rel, &s, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && !zone_name; i++)
		if (prof_ntfs_is_zone(s[i].name))
			zone_name = s[i].name;
	if (zone_name) {
		zone = malloc(CAP_ZONE_READ);
		got = zone ? tree_stream_read(t, rel, zone_name, zone,
					      CAP_ZONE_READ)
			   : -ENOMEM;
		/* a stream that went away meanwhile is one not there */
		if (got == -ENOENT) {
			free(zone);
			zone = NULL;
			got = 0;
		}
		if (got < 0)
			rc = (int)got;
	}
	if (!rc)
		rc = prof_file_facts_make(&facts, s, n, zone, (size_t)got, out);
	free(zone);
	tree_streams_free(s, n);
	return rc;
}
