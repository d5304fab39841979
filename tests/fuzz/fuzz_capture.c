// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: what replay does to a packet after libpcap (whose file
 * parsing is not ours): link_to_eth() on any link type, then the reorder's
 * duplicates and bounded reordering, on tight bounds so that every release
 * path runs. Input: byte 0 picks the link type, byte 1 the bounds; then
 * operations, each an opcode byte and its operands:
 *   op & 3 == 0: raw packet: ts step (1), length (2, LE), bytes
 *   op & 3 == 1: a TCP segment on Ethernet: flow (1), seq step (2, signed LE),
 *                payload length (1), TCP flags (1), ts step (1), VLAN tags (op >> 2 & 3),
 *                IPv6 (op & 16), cut (op & 32)
 *   op & 3 == 2: flush (end of input)
 *   op & 3 == 3: pop only some queued frames (op >> 2)
 * Invariants: every frame handed out starts with a readable 14-byte
 * Ethernet header within its length, len <= wire_len; frames in = frames
 * out + duplicates at the end.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/link_frames.h"
#include "capture/reorder.h"

static const int dlts[] = { 1, 113, 276, 12, 228, 229, 0, 108 };

static uint8_t conv[LINK_FRAME_MAX];
static uint8_t pkt[2048];
static volatile uint8_t sink;

static uint64_t in, out;

static void drain(struct reorder *r, size_t max)
{
	struct capture_frame f;

	while (max-- && reorder_pop(r, &f)) {
		uint8_t sum = 0;

		if (f.len < LINK_ETH_HLEN || f.len > f.wire_len)
			abort();
		for (size_t i = 0; i < f.len; i++)
			sum ^= f.eth[i]; /* ASan: every byte of it readable */
		sink = sum;
		out++;
	}
}

/* An Ethernet frame with a TCP segment; returns its length. */
static size_t segment(uint8_t flow, uint32_t seq, uint8_t plen, uint8_t flags, int tags, bool v6)
{
	size_t n = 12, l3, ipl;

	memset(pkt, 0, 12);
	for (int i = 0; i < tags; i++) {
		pkt[n++] = i ? 0x81 : 0x88;
		pkt[n++] = i ? 0x00 : 0xa8;
		pkt[n++] = 0;
		pkt[n++] = (uint8_t)i;
	}
	pkt[n++] = v6 ? 0x86 : 0x08;
	pkt[n++] = v6 ? 0xdd : 0x00;
	l3 = n;
	ipl = 20u + plen;
	if (v6) {
		memset(pkt + n, 0, 40);
		pkt[n] = 0x60;
		pkt[n + 4] = (uint8_t)(ipl >> 8);
		pkt[n + 5] = (uint8_t)ipl;
		pkt[n + 6] = 6;
		pkt[n + 23] = flow & 3;
		n += 40;
	} else {
		memset(pkt + n, 0, 20);
		pkt[n] = 0x45;
		ipl += 20;
		pkt[n + 2] = (uint8_t)(ipl >> 8);
		pkt[n + 3] = (uint8_t)ipl;
		pkt[n + 9] = 6;
		pkt[n + 15] = flow & 3;
		n += 20;
	}
	(void)l3;
	memset(pkt + n, 0, 20);
	pkt[n + 1] = flow;
	pkt[n + 3] = 80;
	pkt[n + 4] = (uint8_t)(seq >> 24);
	pkt[n + 5] = (uint8_t)(seq >> 16);
	pkt[n + 6] = (uint8_t)(seq >> 8);
	pkt[n + 7] = (uint8_t)seq;
	pkt[n + 12] = 0x50;
	pkt[n + 13] = flags;
	n += 20;
	memset(pkt + n, 'a' + (seq & 7), plen);
	return n + plen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reorder_limits lim = { 0 };
	struct reorder_counters k;
	struct reorder *r;
	uint32_t seq[256] = { 0 };
	uint64_t ts = 0;
	int dlt;

	if (size < 2)
		return 0;
	dlt = dlts[data[0] & 7];
	lim.flow_segs = 1 + (data[1] & 3);
	lim.flow_bytes = 64u << (data[1] >> 2 & 3);
	lim.total_segs = 2 + (data[1] >> 4 & 3);
	lim.flows = 1 + (data[1] >> 6);
	lim.hold_ns = 50;
	r = reorder_new(&lim);
	if (!r)
		return 0;
	in = out = 0;
	data += 2;
	size -= 2;
	while (size >= 1) {
		uint8_t op = data[0];
		struct capture_frame f = { 0 };
		struct link_frame lf;
		size_t n;
		uint8_t *copy;

		data++;
		size--;
		if ((op & 3) == 2) {
			reorder_flush(r);
			continue;
		}
		if ((op & 3) == 3) {
			drain(r, op >> 2);
			continue;
		}
		if ((op & 3) == 0) {
			if (size < 3)
				break;
			ts += data[0];
			n = (size_t)data[1] | (size_t)data[2] << 8;
			data += 3;
			size -= 3;
			if (n > size)
				n = size;
			/* An exactly sized copy, so that ASan sees any read past the end. */
			copy = malloc(n ? n : 1);
			memcpy(copy, data, n);
			data += n;
			size -= n;
			if (link_to_eth(dlt, copy, n, n + (op >> 2 & 1) * 7, conv, sizeof(conv),
					&lf) == LINK_OK) {
				f = (struct capture_frame){ .eth = lf.eth,
							    .len = lf.len,
							    .wire_len = lf.wire_len,
							    .ts_ns = ts };
				f.cut = f.len < f.wire_len;
				if (reorder_push(r, &f) >= 0)
					in++;
			}
			/* What push queued by reference must be popped before its bytes go. */
			drain(r, SIZE_MAX);
			free(copy);
			continue;
		}
		if (size < 6)
			break;
		{
			uint8_t fl = data[0];
			int16_t step = (int16_t)(data[1] | data[2] << 8);

			seq[fl] += (uint32_t)(int32_t)step;
			n = segment(fl, seq[fl], data[3], data[4], op >> 2 & 3, op & 16);
			ts += data[5];
			data += 6;
			size -= 6;
			copy = malloc(n);
			memcpy(copy, pkt, n);
			f = (struct capture_frame){
				.eth = copy, .len = n, .wire_len = n, .ts_ns = ts
			};
			if (op & 32) {
				f.len -= n > 40 ? 20 : 0;
				f.cut = true;
			}
			if (reorder_push(r, &f) >= 0)
				in++;
			drain(r, SIZE_MAX);
			free(copy);
		}
	}
	reorder_flush(r);
	drain(r, SIZE_MAX);
	reorder_counters(r, &k);
	if (in != out + k.duplicates)
		abort();
	reorder_free(r);
	return 0;
}
