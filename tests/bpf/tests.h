/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel-program tests, for main.c to run. */
#ifndef XFFW_TEST_TESTS_H
#define XFFW_TEST_TESTS_H

/* test_segments.c: one segment at a time */
void test_ipv4_request(void **state);
void test_ipv6_request(void **state);
void test_vlan_tags(void **state);
void test_non_http_payloads(void **state);
void test_leading_empty_lines(void **state);
void test_unwatched_port_and_pure_ack(void **state);
void test_truncated_frames(void **state);
void test_lying_lengths(void **state);
void test_fragments_skipped(void **state);
void test_mixed_case_and_repeated_lines(void **state);
void test_forbidden_headers_stay_in_kernel(void **state);
void test_cut_request_lines(void **state);
void test_big_head_in_one_frame(void **state);
void test_long_values_are_chunked_or_cut(void **state);
void test_head_flags(void **state);
void test_random_heads_match_twin(void **state);
void test_live_loopback_large_heads(void **state);
void test_ring_buffer_full_counts_loss(void **state);

/* test_streams.c: connections */
void test_split_head_every_split(void **state);
void test_forwarded_header_after_big_cookie(void **state);
void test_pipelined_pair_in_one_segment(void **state);
void test_request_after_body(void **state);
void test_retransmissions_make_no_second_event(void **state);
void test_out_of_order_never_mixes_requests(void **state);
void test_tuple_reuse_starts_fresh(void **state);
void test_response_framing(void **state);
void test_upgrade_and_orphans(void **state);
void test_mid_stream_pickup(void **state);
void test_garbage_after_request_resyncs(void **state);
void test_random_conversations(void **state);
void test_socket_identity_states(void **state);
void test_hook_direction(void **state);
void test_orphans_keep_framing(void **state);
void test_budget_bounds_long_values(void **state);
void test_handshake_edges(void **state);

/* test_proxy.c: PROXY protocol preambles */
void test_proxy_v1_every_split(void **state);
void test_proxy_v2_every_split(void **state);
void test_proxy_keepalive_and_flags(void **state);
void test_proxy_near_misses_are_http(void **state);
void test_proxy_unknown_scheme_is_http(void **state);
void test_proxy_v2_past_the_cap(void **state);
void test_proxy_v1_line_ends(void **state);
void test_proxy_never_mid_stream(void **state);
void test_proxy_survives_desync(void **state);
void test_proxy_vectors_every_byte(void **state);

/* test_native.c: the kernel and its native build on random streams */
void test_native_random_streams(void **state);

#endif
