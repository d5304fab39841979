// SPDX-License-Identifier: BSD-2-Clause
/* Runs the kernel-program tests as root, in a private network namespace. */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "harness.h"
#include "tests.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_request),
		cmocka_unit_test(test_ipv6_request),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_non_http_payloads),
		cmocka_unit_test(test_leading_empty_lines),
		cmocka_unit_test(test_unwatched_port_and_pure_ack),
		cmocka_unit_test(test_truncated_frames),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_fragments_skipped),
		cmocka_unit_test(test_mixed_case_and_repeated_lines),
		cmocka_unit_test(test_forbidden_headers_stay_in_kernel),
		cmocka_unit_test(test_cut_request_lines),
		cmocka_unit_test(test_big_head_in_one_frame),
		cmocka_unit_test(test_long_values_are_chunked_or_cut),
		cmocka_unit_test(test_head_flags),
		cmocka_unit_test(test_random_heads_match_twin),
		cmocka_unit_test(test_split_head_every_split),
		cmocka_unit_test(test_forwarded_header_after_big_cookie),
		cmocka_unit_test(test_pipelined_pair_in_one_segment),
		cmocka_unit_test(test_request_after_body),
		cmocka_unit_test(test_retransmissions_make_no_second_event),
		cmocka_unit_test(test_out_of_order_never_mixes_requests),
		cmocka_unit_test(test_tuple_reuse_starts_fresh),
		cmocka_unit_test(test_response_framing),
		cmocka_unit_test(test_upgrade_and_orphans),
		cmocka_unit_test(test_mid_stream_pickup),
		cmocka_unit_test(test_garbage_after_request_resyncs),
		cmocka_unit_test(test_random_conversations),
		cmocka_unit_test(test_hook_direction),
		cmocka_unit_test(test_socket_identity_states),
		cmocka_unit_test(test_orphans_keep_framing),
		cmocka_unit_test(test_budget_bounds_long_values),
		cmocka_unit_test(test_handshake_edges),
		cmocka_unit_test(test_proxy_v1_every_split),
		cmocka_unit_test(test_proxy_v2_every_split),
		cmocka_unit_test(test_proxy_keepalive_and_flags),
		cmocka_unit_test(test_proxy_near_misses_are_http),
		cmocka_unit_test(test_proxy_unknown_scheme_is_http),
		cmocka_unit_test(test_proxy_v2_past_the_cap),
		cmocka_unit_test(test_proxy_v1_line_ends),
		cmocka_unit_test(test_proxy_never_mid_stream),
		cmocka_unit_test(test_proxy_survives_desync),
		cmocka_unit_test(test_proxy_vectors_every_byte),
		cmocka_unit_test(test_native_random_streams),
		cmocka_unit_test(test_live_loopback_large_heads),
		cmocka_unit_test(test_ring_buffer_full_counts_loss),
	};

	if (geteuid() != 0) {
		fprintf(stderr,
			"bpf_prog_test: needs root (BPF_PROG_TEST_RUN, network namespaces)\n");
		return 77;
	}
	/* A private network namespace: the live tests own its loopback. */
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 1;
	}
	return cmocka_run_group_tests_name("bpf_prog", tests, harness_setup, harness_teardown);
}
