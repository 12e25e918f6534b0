/*
 * The rendered profiles of a service: one copy per render key, bounded by
 * bytes, least recently used first out.
 *
 * A key is a SHA-256 over everything the text depends on (service.c makes
 * it), so an entry is never stale: a change of any input is another key,
 * and the old entry ages out. Entries are shared: getattr, open, read and
 * fstat of one profile take a reference, and an open file keeps its bytes
 * even after the entry has left the table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "profilefs/hash.h"
#include "rmemo_i.h"

struct rendered {
	struct svc_text
		t; /* first: a struct svc_text * is a struct rendered * */
	uint8_t key[32];
	unsigned refs; /* the table's own (while listed) and holders' */
	struct rendered *prev, *next; /* LRU: head is the most recent */
};

struct rmemo {
	pthread_mutex_t lock;
	size_t budget, bytes, count;
	struct util_hash *keys; /* key -> struct rendered * */
	struct rendered *head, *tail;
};

int rmemo_new(size_t budget, struct rmemo **out)
{
	struct rmemo *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	/* no more entries than bytes */
	if (util_hash_new(32, sizeof(struct rendered *), budget ? budget : 1,
			  NULL, &m->keys)) {
		free(m);
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->budget = budget;
	*out = m;
	return 0;
}

static void entry_free(struct rendered *r)
{
	free((char *)r->t.md);
	free(r);
}

/* takes r out of the table and the list; the table's reference goes */
static void unlist(struct rmemo *m, struct rendered *r)
{
	util_hash_del(m->keys, r->key);
	if (r->prev)
		r->prev->next = r->next;
	else
		m->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		m->tail = r->prev;
	m->bytes -= r->t.len;
	m->count--;
	if (--r->refs == 0)
		entry_free(r);
}

void rmemo_free(struct rmemo *m)
{
	if (!m)
		return;
	while (m->head)
		unlist(m, m->head);
	util_hash_free(m->keys);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void to_front(struct rmemo *m, struct rendered *r)
{
	if (m->head == r)
		return;
	r->prev->next = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		m->tail = r->prev;
	r->prev = NULL;
	r->next = m->head;
	m->head->prev = r;
	m->head = r;
}

static struct rendered *find(struct rmemo *m, const uint8_t key[32])
{
	struct rendered **r = util_hash_get(m->keys, key);

	return r ? *r : NULL;
}

/* the entry under key, with a reference for the caller; the lock is held */
static struct rendered *take(struct rmemo *m, const uint8_t key[32])
{
	struct rendered *r = find(m, key);

	if (r) {
		r->refs++;
		to_front(m, r);
	}
	return r;
}

const struct svc_text *rmemo_get(struct rmemo *m, const uint8_t key[32])
{
	struct rendered *r;

	pthread_mutex_lock(&m->lock);
	r = take(m, key);
	pthread_mutex_unlock(&m->lock);
	return r ? &r->t : NULL;
}

const struct svc_text *rmemo_put(struct rmemo *m, const uint8_t key[32],
				 char *md, size_t len)
{
	struct rendered *r;
	void *slot;

	pthread_mutex_lock(&m->lock);
	r = take(m, key);
	if (r) {
		/* another caller rendered the same key meanwhile */
		pthread_mutex_unlock(&m->lock);
		free(md);
		return &r->t;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		pthread_mutex_unlock(&m->lock);
		free(md);
		return NULL;
	}
	r->t.md = md;
	r->t.len = len;
	memcpy(r->key, key, 32);
	r->refs = 2; /* the table's and the caller's */
	if (len <= m->budget && util_hash_put(m->keys, key, &slot) == 0) {
		*(struct rendered **)slot = r;
		r->next = m->head;
		if (m->head)
			m->head->prev = r;
		m->head = r;
		if (!m->tail)
			m->tail = r;
		m->bytes += len;
		m->count++;
		while (m->bytes > m->budget && m->tail != r)
			unlist(m, m->tail);
	} else {
		/* larger than the whole budget (or no room in the table):
		 * the caller's */
		r->refs = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return &r->t;
}

const struct svc_text *rmemo_own(struct rmemo *m, char *md, size_t len)
{
	struct rendered *r = calloc(1, sizeof(*r));

	(void)m;
	if (!r) {
		free(md);
		return NULL;
	}
	r->t.md = md;
	r->t.len = len;
	r->refs = 1;
	return &r->t;
}

void rmemo_release(struct rmemo *m, const struct svc_text *t)
{
	struct rendered *r = (struct rendered *)t;

	if (!t)
		return;
	pthread_mutex_lock(&m->lock);
	if (--r->refs == 0)
		entry_free(r);
	pthread_mutex_unlock(&m->lock);
}

void rmemo_usage(struct rmemo *m, size_t *bytes, size_t *count)
{
	pthread_mutex_lock(&m->lock);
	*bytes = m->bytes;
	*count = m->count;
	pthread_mutex_unlock(&m->lock);
}
