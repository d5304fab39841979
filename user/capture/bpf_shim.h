/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What bpf/ takes from vmlinux.h and libbpf's bpf_helpers.h, for compiling
 * the kernel program a second time as native C (user/capture/native_prog.c).
 * Only that file includes it, through native_inc/: there vmlinux.h and
 * bpf/bpf_helpers.h are one-line forwarders to this header, so the bpf/
 * sources compile unchanged. The kernel types are the few the parser reads,
 * laid out as on the wire; the helpers read a linear frame; the maps and the
 * load-time settings belong to the instance being run (native_prog.c).
 */
#ifndef XFFW_BPF_SHIM_H
#define XFFW_BPF_SHIM_H

#include <errno.h>
#include <limits.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the shim's header bitfields (and bpf/'s word tricks) are little-endian"
#endif

/* --- libbpf's bpf_helpers.h --- */
#define SEC(name)
#define __uint(name, val) int(*name)[val]
#define __type(name, val) __typeof__(val) *name
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
/* The BPF side needs these out of line for the verifier; natively the compiler decides. */
#define __noinline
/* Verifier aids: nothing to do for a C compiler. */
#define barrier_var(var) ((void)(var))

/* --- vmlinux.h: the map and update flags the program names --- */
enum {
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum { BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2 };
enum { BPF_RB_NO_WAKEUP = 1 };

/* --- vmlinux.h: the headers the parser reads (little-endian bitfields) --- */
struct ethhdr {
	unsigned char h_dest[6];
	unsigned char h_source[6];
	__be16 h_proto;
};

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct iphdr {
	__u8 ihl : 4, version : 4;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
};

struct xffw_shim_in6_addr {
	__u8 s6_addr[16];
};

struct ipv6hdr {
	__u8 priority : 4, version : 4;
	__u8 flow_lbl[3];
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	struct xffw_shim_in6_addr saddr;
	struct xffw_shim_in6_addr daddr;
};

struct ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct tcphdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u16 res1 : 4, doff : 4, fin : 1, syn : 1, rst : 1, psh : 1, ack : 1, urg : 1, ece : 1,
		cwr : 1;
	__be16 window;
	__sum16 check;
	__be16 urg_ptr;
};

_Static_assert(sizeof(struct iphdr) == 20 && sizeof(struct ipv6hdr) == 40 &&
		       sizeof(struct tcphdr) == 20,
	       "wire header layout");

/*
 * The context: only the fields the program reads. data and data_end are
 * full pointers here (the program casts them through long, as on BPF).
 */
struct __sk_buff {
	unsigned long data;
	unsigned long data_end;
	__u32 len;
	__u32 ifindex;
	__u32 ingress_ifindex;
	void *sk; /* always NULL: a capture has no sockets */
};

/* --- The instance being run: its settings (rodata and bss on BPF) and its clock --- */
struct xffw_native_env {
	__u32 field_mask;
	__u32 head_budget;
	__u64 last_flow_id;
	__u64 now; /* what bpf_ktime_get_ns() returns during this frame */
};

/* Set by native_prog_run() for the frame it runs; one per thread. */
static __thread struct xffw_native_env *xffw_native_env;

/* bpf/maps.bpf.h leaves these to the native build (XFFW_NATIVE). */
#define field_mask   (xffw_native_env->field_mask)
#define head_budget  (xffw_native_env->head_budget)
#define last_flow_id (xffw_native_env->last_flow_id)

/* --- Helpers --- */
static inline __u64 bpf_ktime_get_ns(void)
{
	return xffw_native_env->now;
}

/* As the kernel's: the bytes, or -EFAULT with the destination zeroed when they are not all there. */
static inline long bpf_skb_load_bytes(const struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	if (off > INT_MAX || (__u64)off + len > skb->len) {
		memset(to, 0, len);
		return -EFAULT;
	}
	memcpy(to, (const __u8 *)skb->data + off, len);
	return 0;
}

/* Never called: a capture's packets carry no socket (skb->sk is NULL). */
static inline __u32 bpf_get_socket_uid(const struct __sk_buff *skb)
{
	(void)skb;
	return 0;
}

static inline __u64 bpf_skb_cgroup_id(const struct __sk_buff *skb)
{
	(void)skb;
	return 0;
}

/* A plain loop, calling the callback directly so that it can be inlined. */
#define bpf_loop(nr, fn, ctx, flags)                              \
	({                                                        \
		__u32 xffw_loop_n = (nr), xffw_loop_i;            \
		(void)(flags);                                    \
		for (xffw_loop_i = 0; xffw_loop_i < xffw_loop_n;) \
			if (fn(xffw_loop_i++, ctx))               \
				break;                            \
		(long)xffw_loop_i;                                \
	})

/* The maps: native_prog.c, after the program (they dispatch on the map's address). */
static __always_inline void *bpf_map_lookup_elem(void *map, const void *key);
static __always_inline long bpf_map_update_elem(void *map, const void *key, const void *value,
						__u64 flags);
static __always_inline long bpf_map_delete_elem(void *map, const void *key);
static inline long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags);

#endif
