/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the kernel-program tests: the loaded program, frames through
 * BPF_PROG_TEST_RUN, the records they produce, connections made of crafted
 * segments, and the daemon's tracker to join records into exchanges.
 */
#ifndef XFFW_TEST_HARNESS_H
#define XFFW_TEST_HARNESS_H

#include <linux/types.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/native_prog.h"
#include "packet.h"
#include "pipeline/tracker.h"
#include "xffwatch.skel.h"

#define WATCHED_PORT	   5000
#define MAX_GOT		   1024
#define TC_ACT_UNSPEC	   (-1)
#define BPF_TCX_INGRESS_NR 46
#define BPF_TCX_EGRESS_NR  47

struct got_record {
	uint8_t data[sizeof(struct xffw_record)];
	size_t size;
};

extern struct xffwatch_bpf *skel;
/*
 * The same program compiled natively (user/capture/native_prog.c), fed every
 * frame run_frame() runs: each frame's records and counter increments must be
 * the kernel's, byte for byte (all but the timestamps), else the test fails.
 */
extern struct native_prog *native;
/* The kernel is about to see traffic the native twin does not: stop comparing. */
void native_off_step(void);
/* Frames compared with the native twin so far. */
extern long native_frames;
extern struct got_record got[MAX_GOT];
extern int ngot;

int harness_setup(void **state);
int harness_teardown(void **state);

uint64_t counter(unsigned int idx);

/* Forgets the records collected so far. */
void got_reset(void);
static inline const struct xffw_record *got_rec(int i)
{
	return (const struct xffw_record *)got[i].data;
}
/* Collects what the ring buffer holds, after the records already collected. */
void got_collect(void);
/* Consumes the ring buffer; returns how many records it held. */
int consume_count(void);
/* Records of @type among those collected. */
int got_count(unsigned int type);

/*
 * Runs one frame; asserts that it passed unchanged; collects its records
 * (after those already collected). Returns how many it wrote.
 */
int run_frame(const uint8_t *frame, size_t len);
/* Frames run as seen on an egress hook (else on ingress). */
extern bool run_on_egress;
/* The interface they are run on: a veth of the test's namespace, or 1 (loopback). */
extern unsigned int run_ifindex;
/* On egress, the interface the frame came in by: 0 (none) when this host sent it. */
extern unsigned int run_egress_from;

/* Builds and runs the frame for @spec and @payload. */
int run_spec(const struct pkt_spec *spec, const void *payload, size_t len);
/* The same, leaving the records in the ring buffer. */
void run_spec_no_consume(const struct pkt_spec *spec, const void *payload, size_t len);

/* A connection of crafted segments: client port @cport to WATCHED_PORT. */
struct conn {
	struct pkt_spec c2s, s2c;
	uint32_t cseq, sseq; /* the next sequence number of each side */
	uint32_t cisn, sisn; /* their initial sequence numbers */
};

enum side { CLIENT, SERVER };

/* SYN and SYN-ACK: a new flow in the kernel. Records so far are forgotten. */
void conn_open(struct conn *c, int family, uint16_t cport);
/* One segment of @len bytes from @side at its next sequence number; returns records written. */
int conn_send(struct conn *c, enum side side, const void *data, size_t len);
/* The same, at an explicit sequence number (retransmissions, reordering); seq not advanced. */
int conn_send_at(struct conn *c, enum side side, uint32_t seq, const void *data, size_t len);
/* FIN from both sides. */
void conn_close(struct conn *c);

/* One exchange as the tracker handed it over, flattened for comparisons. */
struct seen {
	char method[32];
	char target[256];
	char xff[10000]; /* X-Forwarded-For lines joined with ", " */
	char host[256];
	uint16_t status;
	enum no_response_reason no_response;
	uint16_t rec_flags;
	bool truncated; /* head incomplete or a value cut */
	/* The connection's PROXY preamble as the tracker attached it. */
	uint8_t pp_state; /* enum req_pp_state */
	uint8_t pp_version, pp_command;
	char pp_src[64]; /* "addr port" when it has addresses */
	const char *pp_error;
};

#define MAX_SEEN 512
extern struct seen seen[MAX_SEEN];
extern int nseen;

/* Feeds the collected records to a fresh tracker, flushes it; fills seen[]. */
int assemble(void);
/* The tracker's PROXY counters after the last assemble(). */
extern struct tracker_pp_stats assembled_pp;

#endif
