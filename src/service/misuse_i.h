/*
 * misuse.c: the Possible Misuse rows of each file name, looked up in the
 * rules index once per name and rules generation, and kept (at most
 * CAP_MISUSE_MEMO names) until the rules change.
 */
#ifndef PROFILEFS_MISUSE_I_H
#define PROFILEFS_MISUSE_I_H

#include <stdint.h>

struct misuse_memo;
struct prof_misuse;
struct rules_index;

/* rules: the service's index (NULL: no rows ever); -ENOMEM */
int misuse_memo_new(struct rules_index *rules, struct misuse_memo **out);
void misuse_memo_free(struct misuse_memo *m);
/*
 * The rows of relpath's name for rules generation gen, with those of the
 * names its version resource gives (originals: NULL-terminated, or NULL;
 * a renamed copy's OriginalFilename and InternalName, which
 * rules_index_lookup_names() takes only where they are file names), or
 * NULL when there
 * is no index or the lookup failed (logged): the profile goes without the
 * section. Whatever it returns, it returns holding the memo's read lock,
 * so that the rows stay as they are while they are rendered: the caller
 * calls misuse_unhold() once, when done with them, and holds nothing that
 * a writer of the memo waits for meanwhile.
 */
const struct prof_misuse *misuse_hold(struct misuse_memo *m,
				      const char *relpath,
				      const char *const *originals,
				      int64_t gen);
void misuse_unhold(struct misuse_memo *m);

#endif
