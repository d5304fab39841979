/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The doctor's model of what it saw, per listener (app port and interface):
 * which TCP peers act as proxies and which as direct clients, the headers
 * each sends, the lengths of their chains, how far the trust rules walk them.
 * Memory is bounded whatever the traffic (docs/doctor.md, "Bounds").
 */
#ifndef XFFW_TOPOLOGY_H
#define XFFW_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doctor/client_rank.h"
#include "doctor/event_read.h"
#include "doctor/timeline.h"
#include "trust/rotation_window.h"
#include "trust/rules.h"

#define TOPO_LISTENERS_MAX	16
#define TOPO_PEERS_MAX		256 /* per listener; more are counted as one "other peers" */
#define TOPO_CHAIN_BUCKETS	17  /* chain lengths 0..15, and 16 or more */
#define TOPO_EXAMPLES		3
#define TOPO_HEAVY		8  /* most frequent values tracked per peer (Misra-Gries) */
#define TOPO_DISTINCT		64 /* distinct clients counted per peer, up to this */
#define TOPO_OFFENDERS		8  /* rotating clients kept */
#define TOPO_POSITIONS		4  /* hops from the right whose values are followed */
#define TOPO_POSITION_HEAVY	4  /* most frequent values tracked per position */
#define TOPO_UAS		8  /* distinct User-Agents counted per peer, up to this */
#define TOPO_OWNERS		4  /* local owners followed per listener; later ones: "others" */
#define TOPO_OWNER_DISTINCT	8  /* distinct appended hops counted per owner, up to this */
#define TOPO_PP_ERRORS		4  /* distinct preamble errors kept per listener; more counted */
/* Rotation: the window and the clients it follows at once. */
#define TOPO_ROTATION_WINDOW_NS (60ULL * 1000 * 1000 * 1000)
#define TOPO_ROTATION_CLIENTS	4096

/* What an example request shows. */
struct topo_example {
	char timestamp[OBS_TIME_TEXT];
	struct obs_addr source, client;
	char method[OBS_METHOD_TEXT], path[OBS_PATH_TEXT];
	char chain[4][OBS_HOP_TEXT]; /* the rightmost hops */
	size_t nchain, chain_length;
	uint32_t findings;
	struct obs_pp pp;     /* the connection's preamble, state REQ_PP_UNKNOWN: none said */
	uint32_t pp_findings; /* 1 << enum obs_pp_finding */
};

/* Examples of one kind: the first ones seen. */
struct topo_examples {
	struct topo_example ex[TOPO_EXAMPLES];
	size_t n;
};

/* A value and a lower bound of how often it was seen (Misra-Gries). */
struct topo_heavy {
	struct obs_addr value;
	uint64_t count;
};

enum peer_role { ROLE_UNKNOWN, ROLE_PROXY, ROLE_CLIENT };

/* One position of the chains from a peer: its most frequent values, how many were trusted. */
struct topo_position {
	struct topo_heavy top[TOPO_POSITION_HEAVY];
	uint64_t seen, trusted;
};

struct topo_peer {
	struct obs_addr addr;
	bool trusted; /* by the doctor's rule for its listener */
	uint64_t requests;
	uint64_t with_header;	       /* requests naming a client in a forwarding header */
	uint64_t internal_hops;	       /* ... whose rightmost hop is internal, not loopback */
	uint64_t headers[XFFW_F__MAX]; /* requests carrying each header */
	uint64_t chain_len[TOPO_CHAIN_BUCKETS]; /* of the header the rule read, when present */
	size_t min_chain;			/* shortest non-empty chain (0: none) */
	size_t depth;				/* hops the proxies append (topology_finish) */
	uint64_t longer; /* requests with a chain longer than depth (topology_finish) */
	/* The hops at each position from the right (0: rightmost), of whole chains. */
	struct topo_position pos[TOPO_POSITIONS];
	/*
	 * Where the rule's walk stopped: the client's position from the right,
	 * plus one (1: the rightmost hop; bucket 0: the peer itself).
	 */
	uint64_t walk_stop[TOPO_CHAIN_BUCKETS];
	uint64_t forged;   /* spoofed-header-from-untrusted-peer, hops-from-untrusted-peer or
	                    header-from-unexpected-local-process: a header, not trusted */
	uint64_t local;	   /* requests from a socket of this host (identity seen "local") */
	uint64_t conflict; /* header-conflict */
	/*
	 * PROXY protocol (LOCAL health checks are not counted here: see
	 * topo_pp.health): requests on connections that began with a preamble
	 * (parsed or not, not lost), with a usable one, with one the doctor's
	 * rule does not trust the peer to send, with a usable one and no
	 * forwarding header (the preamble alone names the client); findings
	 * proxy-protocol-missing and -shared-connection.
	 */
	uint64_t pp, pp_usable, pp_untrusted, pp_only, pp_missing, pp_shared;
	uint64_t pp_health;    /* LOCAL preambles: its own health checks */
	uint64_t pp_malformed; /* malformed or truncated preambles (or the finding) */
	uint64_t cdn_outside;  /* requests with a CDN's header sent by someone outside it */
	struct topo_heavy heavy[TOPO_HEAVY]; /* most frequent clients */
	uint64_t distinct_hash[TOPO_DISTINCT];
	size_t distinct;
	/*
	 * Untrusted proxies inside the chain, one or a balanced tier: the walk
	 * stops on their hop (topology_finish).
	 */
	const struct topo_heavy *inner[TOPO_POSITION_HEAVY];
	size_t ninner;
	uint64_t inner_requests;
	uint64_t ua_hash[TOPO_UAS];
	size_t uas;
	bool carries_clients;		    /* several clients behind it (topology_finish) */
	enum peer_role role;		    /* decided by topology_finish */
	struct topo_examples with, without; /* requests with and without a forwarding header */
};

/*
 * A local process (the owner of a peer's socket on this host) sending
 * forwarding headers to the listener: who, how often, whether it carries
 * clients as a proxy does.
 */
struct topo_owner {
	struct obs_owner who;
	uint64_t requests;			/* with a header naming a client */
	uint64_t untrusted;			/* ... judged untrusted by the doctor's rule */
	uint64_t hop_hash[TOPO_OWNER_DISTINCT]; /* distinct rightmost hops: its clients */
	size_t distinct;
	uint64_t ua_hash[TOPO_UAS];
	size_t uas;
	struct topo_examples ex;
};

/* A preamble error and how often it was seen. */
struct topo_pp_error {
	char text[OBS_PP_ERROR_TEXT];
	uint64_t count;
};

/* A listener's PROXY protocol: what the preambles were, and the requests of each diagnosis. */
struct topo_pp {
	uint64_t preambles; /* requests whose connection began with one (parsed or not, not lost) */
	uint64_t usable;    /* PROXY with addresses, parsed */
	uint64_t health;    /* LOCAL: the sender's own connections (health checks) */
	uint64_t lost, v1, v2;
	uint64_t untrusted; /* preambles from peers the doctor's rule does not trust */
	uint64_t not_read;  /* usable, from a trusted peer, but the client is not its source */
	uint64_t
		not_read_header; /* of which the client came from a header the sender did not write */
	uint64_t missing, unexpected, malformed, shared; /* the findings */
	struct topo_pp_error errors[TOPO_PP_ERRORS];	 /* the first distinct ones */
	size_t nerrors;
	uint64_t errors_other; /* malformed preambles with an error past those */
	struct topo_examples untrusted_ex, not_read_ex, missing_ex, unexpected_ex, malformed_ex,
		shared_ex;
};

struct topo_offender {
	struct obs_addr client;
	size_t listener;
	unsigned int distinct; /* forged leftmost values in one window, at most */
	uint64_t requests;
	struct topo_examples ex;
};

struct topo_listener {
	unsigned int port;
	char iface[IF_NAMESIZE];
	uint64_t requests;
	const struct trust_rule *rule; /* the rule the doctor judges it by */
	struct topo_peer *peers;       /* TOPO_PEERS_MAX */
	size_t npeers;
	uint16_t *slots;	   /* hash of the peer's text to index + 1 */
	struct topo_peer other;	   /* peers past TOPO_PEERS_MAX, as one */
	size_t peers_omitted;	   /* how many distinct ones, at least */
	uint64_t proxies, clients; /* peers of each role (topology_finish) */
	uint8_t omitted_seen[512]; /* a bitmap of the omitted peers' hashes: their number, about */
	/* Examples of chains longer than their peer's shortest, CDN headers, header conflicts. */
	struct topo_examples long_chain, cdn, conflict;
	/*
	 * Local processes sending forwarding headers, whatever the peer address
	 * (--trust-local judges them all alike): the first TOPO_OWNERS distinct
	 * ones (uid and cgroup path), the rest counted together.
	 */
	struct topo_owner owners[TOPO_OWNERS];
	size_t nowners;
	uint64_t owners_other;	   /* requests with headers from owners past TOPO_OWNERS */
	uint64_t local_headers;	   /* requests with headers from local sockets, all owners */
	uint64_t identity_given;   /* requests whose event says who the peer's socket is */
	uint64_t unexpected_local; /* re-judged: header-from-unexpected-local-process */
	struct topo_pp pp;
};

struct topology {
	const struct trust_rule *rules;
	size_t nrules;
	struct topo_listener listeners[TOPO_LISTENERS_MAX];
	size_t n;
	uint64_t listeners_omitted; /* requests on listeners past TOPO_LISTENERS_MAX */
	uint64_t events;	    /* events read */
	uint64_t skipped;	    /* lines that were not events */
	uint64_t first_ns, last_ns; /* the events' times */
	bool pseudonymized;	    /* some events had pseudonymised addresses */
	struct rotation_window *rotation;
	struct topo_offender offenders[TOPO_OFFENDERS];
	size_t noffenders;
	/* For the stack guess: requests from proxies with each header. */
	uint64_t proxy_headers[XFFW_F__MAX];
	/* Requests (health checks apart) over time, and who sent them. */
	struct timeline timeline;
	struct client_rank rank;
};

/* 0, or -ENOMEM. @rules (the doctor's settings) must outlive @t. */
int topology_init(struct topology *t, const struct trust_rule *rules, size_t nrules);
void topology_free(struct topology *t);

/* Adds one event. */
void topology_add(struct topology *t, const struct observation *o);

/* The owner an event names, as trust_resolve saw it (what owner_spec_matches reads). */
void obs_owner_sock(const struct obs_owner *w, struct sock_owner *s);

/*
 * Whether @rule's --trust-local specs trust the peer of @o (a local socket),
 * as trust_resolve would: owner_spec_matches on the owner the event names.
 * Events carry no groups: a group= spec counts as the event's own verdict
 * when the event was judged by owner too.
 */
bool topology_owner_trusted(const struct trust_rule *rule, const struct observation *o);

/* Does @rule read the client from a PROXY preamble (header proxy-protocol)? */
bool topology_rule_reads_pp(const struct trust_rule *rule);

/* Decides roles and depths once every event is in. */
void topology_finish(struct topology *t);

/*
 * A proxy's depth: the hops the proxies in front of the app append. One for
 * the client's, plus one per position from the right that holds a proxy's
 * address (trusted, or one value on 95 % of the chains: a proxy appends
 * always the same), at most the shortest chain (a client can add entries,
 * never take the proxies' away). 0 without chains.
 */
static inline size_t peer_depth(const struct topo_peer *p)
{
	return p->depth;
}

/* Thresholds (docs/doctor.md, "Thresholds"). */
#define TOPO_MIN_REQUESTS 10 /* a peer is judged after this many requests */
#define TOPO_PROXY_SHARE  80 /* percent of its requests with a header: it acts as a proxy */

#endif
