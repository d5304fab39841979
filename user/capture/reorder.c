// SPDX-License-Identifier: BSD-2-Clause
/* Duplicates dropped and TCP segments put back in order (reorder.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "capture/reorder.h"

#define ETH_HLEN  14
#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04

/* A TCP segment as the reorder sees it; the key is the direction's 5-tuple. */
struct flow_key {
	uint8_t family; /* 4 or 6 */
	uint8_t pad;
	uint16_t sport, dport;
	uint8_t saddr[16], daddr[16];
};

struct segment {
	struct flow_key key;
	uint32_t seq;
	uint32_t paylen; /* from the IP length: what the sender sent */
	const uint8_t *payload;
	size_t caplen; /* payload bytes captured (< paylen when cut) */
	uint8_t flags;
};

struct held {
	struct held *next;
	struct capture_frame f;
	uint32_t seq, seglen;
	uint8_t bytes[]; /* the frame's copy */
};

/* Flows on a list by index: two such lists run through the flow table. */
struct ilink {
	int32_t prev, next;
};

struct ilist {
	int32_t head, tail;
};

struct rflow {
	struct flow_key key;
	bool used, synced, has_last;
	uint8_t last_flags;
	uint32_t next_seq; /* the first byte not yet delivered */
	uint32_t last_seq, last_len;
	uint64_t last_hash;
	struct held *held; /* sorted by sequence */
	uint32_t nheld, held_bytes;
	uint64_t held_since; /* capture time of the oldest hold */
	int32_t hnext;	     /* hash chain */
	struct ilink lru;    /* most recently seen first */
	struct ilink wait;   /* flows holding segments, oldest hold first */
};

struct out_entry {
	struct capture_frame f;
	struct held *owned; /* the copy to free once popped, or NULL */
};

struct reorder {
	struct reorder_limits lim;
	struct reorder_counters cnt;
	struct rflow *flows;
	int32_t *buckets;
	uint32_t nbuckets, nflows, free_next;
	struct ilist lru, wait;
	uint32_t held_segs;
	uint64_t held_bytes;
	struct out_entry *q;
	size_t qcap, qhead, qlen;
	struct held *popped; /* the last popped copy, freed at the next call */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Signed distance from @b to @a in sequence space. */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

/* Parses @f as TCP over IPv4/IPv6, after up to two VLAN tags. Returns false if it is not. */
static bool segment_parse(const struct capture_frame *f, struct segment *s)
{
	const uint8_t *p = f->eth;
	size_t len = f->len, off = 12, l3, l4, iplen;
	uint16_t type;
	uint8_t proto;

	if (len < ETH_HLEN)
		return false;
	type = be16(p + off);
	off += 2;
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); i++) {
		if (len < off + 4)
			return false;
		type = be16(p + off + 2);
		off += 4;
	}
	l3 = off;
	memset(&s->key, 0, sizeof(s->key));
	if (type == 0x0800) {
		size_t ihl;

		if (len < l3 + 20 || p[l3] >> 4 != 4)
			return false;
		ihl = (size_t)(p[l3] & 0xf) * 4;
		iplen = be16(p + l3 + 2);
		/* Fragments are passed on untouched, as the kernel program skips them. */
		if (ihl < 20 || iplen < ihl || (be16(p + l3 + 6) & 0x3fff) || p[l3 + 9] != 6)
			return false;
		s->key.family = 4;
		memcpy(s->key.saddr, p + l3 + 12, 4);
		memcpy(s->key.daddr, p + l3 + 16, 4);
		l4 = l3 + ihl;
		iplen -= ihl;
	} else if (type == 0x86dd) {
		if (len < l3 + 40 || p[l3] >> 4 != 6)
			return false;
		iplen = be16(p + l3 + 4);
		proto = p[l3 + 6];
		l4 = l3 + 40;
		/* Hop-by-hop, routing and destination options, as the kernel program walks them. */
		for (int i = 0; i < 4 && (proto == 0 || proto == 43 || proto == 60); i++) {
			size_t ext;

			if (len < l4 + 2)
				return false;
			ext = ((size_t)p[l4 + 1] + 1) * 8;
			if (iplen < ext)
				return false;
			proto = p[l4];
			l4 += ext;
			iplen -= ext;
		}
		if (proto != 6)
			return false;
		s->key.family = 6;
		memcpy(s->key.saddr, p + l3 + 8, 16);
		memcpy(s->key.daddr, p + l3 + 24, 16);
	} else {
		return false;
	}
	if (len < l4 + 20 || iplen < 20) {
		return false;
	} else {
		size_t doff = (size_t)(p[l4 + 12] >> 4) * 4;

		if (doff < 20 || iplen < doff)
			return false;
		s->key.sport = be16(p + l4);
		s->key.dport = be16(p + l4 + 2);
		s->seq = be32(p + l4 + 4);
		s->flags = p[l4 + 13] & (TCP_F_FIN | TCP_F_SYN | TCP_F_RST);
		s->paylen = (uint32_t)(iplen - doff);
		s->payload = p + l4 + doff < p + len ? p + l4 + doff : p + len;
		s->caplen = (size_t)(p + len - s->payload);
		if (s->caplen > s->paylen)
			s->caplen = s->paylen; /* Ethernet padding is not payload */
	}
	return true;
}

/* The payload's hash, eight bytes a step: duplicates are told by it. */
static uint64_t payload_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

static uint32_t key_hash(const struct flow_key *k)
{
	uint64_t h = payload_hash((const uint8_t *)k, sizeof(*k));

	return (uint32_t)(h ^ (h >> 32));
}

/* The output queue: a ring that grows (rarely: it holds at most the held segments and one). */
static int enqueue(struct reorder *r, const struct capture_frame *f, struct held *owned)
{
	if (r->qlen == r->qcap) {
		size_t cap = r->qcap ? r->qcap * 2 : 64;
		struct out_entry *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < r->qlen; i++)
			q[i] = r->q[(r->qhead + i) % r->qcap];
		free(r->q);
		r->q = q;
		r->qcap = cap;
		r->qhead = 0;
	}
	r->q[(r->qhead + r->qlen) % r->qcap] = (struct out_entry){ *f, owned };
	r->qlen++;
	return 0;
}

#define WAIT offsetof(struct rflow, wait)
#define LRU  offsetof(struct rflow, lru)

/* Flow @i's links of the list whose links are at @off in each flow (WAIT, LRU). */
static struct ilink *link_of(struct reorder *r, int32_t i, size_t off)
{
	return (struct ilink *)((char *)&r->flows[i] + off);
}

/* Takes flow @i off list @list, whose links are at @off in each flow. */
static void ilist_unlink(struct reorder *r, struct ilist *list, size_t off, int32_t i)
{
	struct ilink *me = link_of(r, i, off);

	if (me->prev >= 0)
		link_of(r, me->prev, off)->next = me->next;
	else
		list->head = me->next;
	if (me->next >= 0)
		link_of(r, me->next, off)->prev = me->prev;
	else
		list->tail = me->prev;
	me->prev = me->next = -1;
}

/* Puts flow @i first (@front) or last on list @list. */
static void ilist_add(struct reorder *r, struct ilist *list, size_t off, int32_t i, bool front)
{
	struct ilink *me = link_of(r, i, off);
	int32_t *end = front ? &list->head : &list->tail;

	me->prev = front ? -1 : list->tail;
	me->next = front ? list->head : -1;
	if (*end >= 0) {
		struct ilink *e = link_of(r, *end, off);

		if (front)
			e->prev = i;
		else
			e->next = i;
	} else {
		*(front ? &list->tail : &list->head) = i;
	}
	*end = i;
}

/* Moves held segments to the queue: all of them (@all), or those the stream has reached. */
static void release(struct reorder *r, int32_t i, bool all)
{
	struct rflow *fl = &r->flows[i];

	while (fl->held && (all || seq_diff(fl->held->seq, fl->next_seq) <= 0)) {
		struct held *h = fl->held;
		uint32_t end = h->seq + h->seglen;

		fl->held = h->next;
		fl->nheld--;
		fl->held_bytes -= (uint32_t)h->f.len;
		r->held_segs--;
		r->held_bytes -= h->f.len;
		if (seq_diff(h->seq, fl->next_seq) > 0) {
			h->f.gap = true;
			r->cnt.gaps++;
		} else {
			h->f.reordered = true;
			r->cnt.reordered++;
		}
		if (seq_diff(end, fl->next_seq) > 0)
			fl->next_seq = end;
		if (enqueue(r, &h->f, h) < 0) {
			free(h); /* lost, but counted among the gaps it leaves */
			r->cnt.gaps++;
		}
	}
	if (!fl->held && (fl->wait.prev >= 0 || r->wait.head == i))
		ilist_unlink(r, &r->wait, WAIT, i);
}

static void bucket_unlink(struct reorder *r, int32_t i)
{
	int32_t *pp = &r->buckets[key_hash(&r->flows[i].key) & (r->nbuckets - 1)];

	while (*pp != i)
		pp = &r->flows[*pp].hnext;
	*pp = r->flows[i].hnext;
}

/* The flow of @k, created if new; the least recently seen is evicted when all are in use. */
static int32_t flow_get(struct reorder *r, const struct flow_key *k)
{
	uint32_t b = key_hash(k) & (r->nbuckets - 1);
	int32_t i;
	struct rflow *fl;

	for (i = r->buckets[b]; i >= 0; i = r->flows[i].hnext) {
		if (!memcmp(&r->flows[i].key, k, sizeof(*k))) {
			ilist_unlink(r, &r->lru, LRU, i);
			ilist_add(r, &r->lru, LRU, i, true);
			return i;
		}
	}
	if (r->free_next < r->nflows) {
		i = (int32_t)r->free_next++;
	} else {
		i = r->lru.tail;
		release(r, i, true);
		ilist_unlink(r, &r->lru, LRU, i);
		bucket_unlink(r, i);
		r->cnt.evicted++;
	}
	fl = &r->flows[i];
	memset(fl, 0, sizeof(*fl));
	fl->key = *k;
	fl->used = true;
	fl->wait.prev = fl->wait.next = -1;
	fl->hnext = r->buckets[b];
	r->buckets[b] = i;
	ilist_add(r, &r->lru, LRU, i, true);
	return i;
}

/* Holds a copy of @f, sorted by sequence. Returns 0, or -ENOMEM. */
static int hold(struct reorder *r, int32_t i, const struct capture_frame *f, uint32_t seq,
		uint32_t seglen)
{
	struct rflow *fl = &r->flows[i];
	struct held *h = malloc(sizeof(*h) + f->len), **pp;

	if (!h)
		return -ENOMEM;
	memcpy(h->bytes, f->eth, f->len);
	h->f = *f;
	h->f.eth = h->bytes;
	h->seq = seq;
	h->seglen = seglen;
	for (pp = &fl->held; *pp && seq_diff((*pp)->seq, seq) <= 0; pp = &(*pp)->next)
		;
	h->next = *pp;
	*pp = h;
	if (!fl->nheld) {
		fl->held_since = f->ts_ns;
		ilist_add(r, &r->wait, WAIT, i, false);
	}
	fl->nheld++;
	fl->held_bytes += (uint32_t)f->len;
	r->held_segs++;
	r->held_bytes += f->len;
	return 0;
}

/* Flows whose oldest hold is older than hold_ns of capture time give up waiting. */
static void expire(struct reorder *r, uint64_t now)
{
	while (r->wait.head >= 0 && now - r->flows[r->wait.head].held_since > r->lim.hold_ns &&
	       now > r->flows[r->wait.head].held_since)
		release(r, r->wait.head, true);
}

static bool fits(const struct reorder *r, const struct rflow *fl, const struct capture_frame *f,
		 uint32_t ahead)
{
	return ahead <= r->lim.flow_bytes && fl->nheld < r->lim.flow_segs &&
	       fl->held_bytes + f->len <= r->lim.flow_bytes && r->held_segs < r->lim.total_segs &&
	       r->held_bytes + f->len <= r->lim.total_bytes;
}

static void drop_popped(struct reorder *r)
{
	free(r->popped);
	r->popped = NULL;
}

int reorder_push(struct reorder *r, const struct capture_frame *f)
{
	struct segment s;
	struct rflow *fl;
	uint32_t seglen;
	uint64_t h = 0;
	int32_t i, ahead;
	int err;

	drop_popped(r);
	expire(r, f->ts_ns);
	if (!segment_parse(f, &s))
		return enqueue(r, f, NULL) ?: 1;
	i = flow_get(r, &s.key);
	fl = &r->flows[i];
	seglen = s.paylen + !!(s.flags & TCP_F_SYN) + !!(s.flags & TCP_F_FIN);
	/* Pure ACKs and resets carry nothing to order or to drop (repeated ACKs are normal). */
	if (!seglen || (s.flags & TCP_F_RST))
		return enqueue(r, f, NULL) ?: 1;
	h = payload_hash(s.payload, s.caplen);
	if (fl->has_last && fl->last_seq == s.seq && fl->last_len == s.paylen &&
	    fl->last_flags == s.flags && fl->last_hash == h) {
		r->cnt.duplicates++;
		return 0;
	}
	fl->has_last = true;
	fl->last_seq = s.seq;
	fl->last_len = s.paylen;
	fl->last_flags = s.flags;
	fl->last_hash = h;
	/* A SYN (re)starts the stream; a flow first seen mid-stream starts where it is seen. */
	if (!fl->synced || (s.flags & TCP_F_SYN)) {
		release(r, i, true);
		fl->synced = true;
		fl->next_seq = s.seq + seglen;
		return enqueue(r, f, NULL) ?: 1;
	}
	ahead = seq_diff(s.seq, fl->next_seq);
	if (ahead <= 0) {
		/* In order, or old bytes again: the parser trims those as live. */
		if (seq_diff(s.seq + seglen, fl->next_seq) > 0)
			fl->next_seq = s.seq + seglen;
		err = enqueue(r, f, NULL);
		release(r, i, false);
		return err ?: 1;
	}
	if (fits(r, fl, f, (uint32_t)ahead) && !hold(r, i, f, s.seq, seglen))
		return 1;
	/* Beyond the window: what is held goes first, then this one, gap and all. */
	release(r, i, true);
	if (seq_diff(s.seq + seglen, fl->next_seq) > 0)
		fl->next_seq = s.seq + seglen;
	{
		struct capture_frame g = *f;

		g.gap = true;
		r->cnt.gaps++;
		return enqueue(r, &g, NULL) ?: 1;
	}
}

void reorder_flush(struct reorder *r)
{
	drop_popped(r);
	while (r->wait.head >= 0)
		release(r, r->wait.head, true);
}

bool reorder_pop(struct reorder *r, struct capture_frame *out)
{
	struct out_entry *e;

	drop_popped(r);
	if (!r->qlen)
		return false;
	e = &r->q[r->qhead];
	*out = e->f;
	r->popped = e->owned;
	r->qhead = (r->qhead + 1) % r->qcap;
	r->qlen--;
	return true;
}

void reorder_counters(const struct reorder *r, struct reorder_counters *out)
{
	*out = r->cnt;
}

struct reorder *reorder_new(const struct reorder_limits *lim)
{
	struct reorder *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (lim)
		r->lim = *lim;
	if (!r->lim.flow_segs)
		r->lim.flow_segs = 64;
	if (!r->lim.flow_bytes)
		r->lim.flow_bytes = 256 * 1024;
	if (!r->lim.total_segs)
		r->lim.total_segs = 16384;
	if (!r->lim.total_bytes)
		r->lim.total_bytes = 64ull << 20;
	if (!r->lim.flows)
		r->lim.flows = 65536;
	if (!r->lim.hold_ns)
		r->lim.hold_ns = 500000000ull;
	r->nflows = r->lim.flows;
	for (r->nbuckets = 1; r->nbuckets < 2 * r->nflows; r->nbuckets *= 2)
		;
	r->flows = malloc(r->nflows * sizeof(*r->flows));
	r->buckets = malloc(r->nbuckets * sizeof(*r->buckets));
	if (!r->flows || !r->buckets) {
		reorder_free(r);
		return NULL;
	}
	memset(r->buckets, 0xff, r->nbuckets * sizeof(*r->buckets));
	r->lru.head = r->lru.tail = r->wait.head = r->wait.tail = -1;
	return r;
}

void reorder_free(struct reorder *r)
{
	if (!r)
		return;
	drop_popped(r);
	for (uint32_t i = 0; r->flows && i < r->free_next; i++) {
		while (r->flows[i].held) {
			struct held *h = r->flows[i].held;

			r->flows[i].held = h->next;
			free(h);
		}
	}
	while (r->qlen) {
		free(r->q[r->qhead].owned);
		r->qhead = (r->qhead + 1) % r->qcap;
		r->qlen--;
	}
	free(r->q);
	free(r->flows);
	free(r->buckets);
	free(r);
}
