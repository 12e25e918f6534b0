/*
 * Write transactions: one on the write connection at a time, committed
 * in batches by the indexers, the generation they cover moved on once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache_i.h"
#include "profilefs/util.h"

static int txn_begin(struct cache_txn *t)
{
	struct cache_conn *k = &t->c->w;
	int rc;

	cache_conn_lock(k);
	rc = cache_exec(k, "BEGIN IMMEDIATE");
	if (rc) {
		cache_conn_unlock(k);
		return rc;
	}
	t->open = 1;
	t->ops = 0;
	t->began_ms = cache_now_ms();
	return 0;
}

/* commits (moving the generation on if anything it covers changed) or
 * rolls back, and lets go of the write connection */
/*
 * Ends the open transaction. The generation moves on at the last commit
 * only (last), once for a whole indexing run: a batch's commit makes its
 * rows visible, but what the profiles are keyed by (render keys, the rows
 * memo) changes when the run is done, not every 50 ms of it.
 */
static int txn_end(struct cache_txn *t, int commit, int last)
{
	struct cache_conn *k = &t->c->w;
	int rc = 0;

	if (!t->open)
		return commit ? -EIO : 0;
	if (commit && last && (t->dirty || t->moved) && t->bump >= 0)
		rc = cache_run(k, t->bump, CACHE_NOARGS, NULL, NULL);
	if (commit && rc >= 0)
		rc = cache_exec(k, "COMMIT");
	if (!commit || rc < 0)
		sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
	if (commit && rc >= 0) {
		t->moved = !last && (t->moved || t->dirty);
		t->dirty = 0;
	}
	t->open = 0;
	cache_conn_unlock(k);
	return rc < 0 ? rc : 0;
}

int cache_txn_open(struct cache *c, struct cache_txn *t, int bump)
{
	memset(t, 0, sizeof(*t));
	t->c = c;
	t->bump = bump;
	return txn_begin(t);
}

int cache_txn_close(struct cache_txn *t, int commit)
{
	return txn_end(t, commit, 1);
}

int cache_txn_begin(struct cache *c, enum cache_index what,
		    struct cache_txn **out)
{
	struct cache_txn *t = malloc(sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = cache_txn_open(c, t,
			    what == CACHE_INDEX_RULES ? ST_GEN_BUMP
						      : ST_CAT_GEN_BUMP);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int cache_txn_batch(struct cache_txn *t)
{
	int rc;

	if (!t->open)
		return -EIO;
	if (++t->ops < CACHE_BATCH_OPS &&
	    cache_now_ms() - t->began_ms < CACHE_BATCH_MS)
		return 0;
	rc = txn_end(t, 1, 0);
	if (rc)
		return rc;
	/* the lock is free now: a writer of this process takes its turn in
	 * txn_begin(); one of another process needs a moment to see it */
	cache_sleep_us(CACHE_BATCH_GAP_US);
	return txn_begin(t);
}

int cache_txn_commit(struct cache_txn *t)
{
	int rc = txn_end(t, 1, 1);

	free(t);
	return rc;
}

void cache_txn_rollback(struct cache_txn *t)
{
	if (!t)
		return;
	txn_end(t, 0, 1);
	/* batches committed before it changed what profiles show */
	if (t->moved && t->bump >= 0 && txn_begin(t) == 0 && txn_end(t, 1, 1))
		log_warn("cache: an index changed, but its generation did not "
			 "move on");
	free(t);
}
