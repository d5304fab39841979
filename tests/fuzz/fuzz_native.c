// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the kernel program's native build (capture/native_prog.c), on
 * streams of frames. The input is a list of segments, each an op byte, a
 * length (two bytes) and that many bytes: its connection (one of four), its
 * direction, its TCP flags, a jump in sequence numbers, or a raw frame (the
 * bytes whole, from the Ethernet header on). Every record must be whole: a
 * header, and exactly data_len bytes after it (none but in requests).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/native_prog.h"

#define PORT 8080

enum {
	OP_CONN = 3, /* which of four connections */
	OP_SERVER = 1 << 2,
	OP_FLAGS = 7 << 3, /* 0 ACK, 1 SYN, 2 SYN-ACK, 3 FIN, 4 RST, else ACK */
	OP_JUMP = 1 << 6,  /* the segment lands far from where the stream is */
	OP_RAW = 1 << 7,
};

static void on_record(void *ctx, const void *data, size_t len)
{
	struct xffw_record_hdr h;

	(void)ctx;
	if (len < sizeof(h))
		abort();
	memcpy(&h, data, sizeof(h));
	if (h.abi_version != XFFW_ABI_VERSION || len != sizeof(h) + h.data_len ||
	    h.data_len > XFFW_DATA_MAX || (h.type != XFFW_REC_REQUEST && h.data_len))
		abort();
}

static size_t build(uint8_t *f, unsigned int op, uint32_t seq, const uint8_t *p, size_t len)
{
	static const uint8_t tcp_flags[8] = { 0x10, 0x02, 0x12, 0x11, 0x04, 0x18, 0x18, 0x18 };
	unsigned int conn = op & OP_CONN;
	int server = !!(op & OP_SERVER);
	uint16_t client_port = (uint16_t)(40000 + conn), tot = (uint16_t)(40 + len);

	memset(f, 0, 54);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[23] = 6;
	f[26] = f[30] = 10;
	f[29 + (server ? 4 : 0)] = (uint8_t)(2 + conn);
	f[33 - (server ? 4 : 0)] = 1;
	f[34 + (server ? 0 : 2)] = PORT >> 8;
	f[35 + (server ? 0 : 2)] = PORT & 0xff;
	f[36 - (server ? 0 : 2)] = (uint8_t)(client_port >> 8);
	f[37 - (server ? 0 : 2)] = (uint8_t)client_port;
	f[38] = (uint8_t)(seq >> 24);
	f[39] = (uint8_t)(seq >> 16);
	f[40] = (uint8_t)(seq >> 8);
	f[41] = (uint8_t)seq;
	f[46] = 5 << 4;
	f[47] = tcp_flags[(op & OP_FLAGS) >> 3];
	if (len)
		memcpy(f + 54, p, len);
	return 54 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct native_prog *prog;
	static uint8_t frame[54 + 65536];
	uint32_t seq[4][2] = { { 1000, 9000 }, { 1, 0xfffffff0 }, { 77, 77 }, { 0x7fffffff, 5 } };
	uint64_t ts = 0;

	if (!prog) {
		/* One program for the run, as replay keeps one: state from input to input is fine. */
		struct native_prog_config cfg = { .head_budget = XFFW_HEAD_BUDGET, .flows = 16 };

		cfg.ports.bits[PORT / 64] |= 1ULL << (PORT % 64);
		prog = native_prog_new(&cfg, on_record, NULL);
		if (!prog)
			abort();
	}
	while (size >= 3) {
		unsigned int op = data[0];
		size_t len = (size_t)data[1] << 8 | data[2];
		uint32_t *s;

		data += 3;
		size -= 3;
		len = len < size ? len : size;
		if (op & OP_RAW) {
			/* An exact-size copy, so that ASan sees any read past the frame. */
			uint8_t *copy = malloc(len + 1);

			memcpy(copy, data, len);
			native_prog_run(prog, copy, len, 1, ts++);
			free(copy);
		} else {
			s = &seq[op & OP_CONN][!!(op & OP_SERVER)];
			if (op & OP_JUMP)
				*s += 0x40000000u;
			len = len < 65536 - 54 ? len : 65536 - 54;
			native_prog_run(prog, frame, build(frame, op, *s, data, len), 1, ts++);
			*s += (uint32_t)len +
			      ((op & OP_FLAGS) >> 3 == 1 || (op & OP_FLAGS) >> 3 == 2);
		}
		data += len;
		size -= len;
	}
	return 0;
}
