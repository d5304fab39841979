#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Runs each fuzz target for N seconds from its seeds (tests/fuzz/seeds/<target>/),
# growing a corpus under build/fuzz/corpus/. Any crash, sanitizer report, leak
# or hang (10 s per input) fails the run and leaves the input in build/fuzz/.
set -eu
seconds=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$(dirname "$bin")/corpus/$name"
	mkdir -p "$corpus"
	seeds="$here/seeds/${name#fuzz_}"
	echo "fuzz: $name for ${seconds}s" >&2
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$(dirname "$bin")/$name-" "$corpus" ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")} \
		2>"$(dirname "$bin")/$name.log" || {
		tail -40 "$(dirname "$bin")/$name.log" >&2
		echo "fuzz: $name FAILED" >&2
		exit 1
	}
	grep -E "stat::number_of_executed_units|cov:" "$(dirname "$bin")/$name.log" | tail -2 >&2
done
