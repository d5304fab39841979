#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
#   run.sh [-j JOBS] SECONDS BIN...   each fuzz target for SECONDS, JOBS at a time, then a table
#   run.sh -m BIN...                  adds the corpus inputs that bring new coverage to the seeds
#
# A target starts from its seeds (tests/fuzz/seeds/<target>/) and its corpus
# (corpus/fuzz_<target>/ next to the binary, which grows from run to run), with
# inputs up to 64 KiB and a dictionary: tests/fuzz/xffwatch.dict, plus
# tests/fuzz/<target>.dict when there is one. Any crash, sanitizer report,
# leak or hang (10 s per input) fails the run and leaves the input next to the
# binary (fuzz_<target>-crash-<sha1>); its log is fuzz_<target>.log there.
# docs/fuzzing.md says more.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jobs=1
merge=
while getopts j:m opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	m) merge=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# UBSan's reports with their stack, as ASan's are.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

# libFuzzer's default -max_len follows the seeds (a few hundred bytes): the
# 8 KiB X-Forwarded-For that crashed the daemon was out of its reach. And
# with -max_len alone, -len_control still starts the length limit small and
# raises it slowly (130 bytes after a minute of fuzz_chain): -len_control=0
# lets mutations reach the full size from the first run.
max_len=65536

target() {
	t=$(basename "$1")
	echo "${t#fuzz_}"
}

# The dictionary of $1 (libFuzzer takes one file): the shared words and its own.
dict() {
	out="$(dirname "$1")/$(basename "$1").dict"
	cat "$here/xffwatch.dict" >"$out"
	if [ -f "$here/$(target "$1").dict" ]; then
		cat "$here/$(target "$1").dict" >>"$out"
	fi
	echo "$out"
}

if [ -n "$merge" ]; then
	# Keeps the seeds and adds a small set of corpus inputs (greedy set cover,
	# -set_cover_merge=1, a form of -merge=1) that reach edges the seeds do not.
	# Edges only (-use_counters=0): hit counts would keep hundreds of files.
	# Review them, then commit.
	for bin in "$@"; do
		name=$(basename "$bin")
		seeds="$here/seeds/$(target "$bin")"
		corpus="$(dirname "$bin")/corpus/$name"
		log="$(dirname "$bin")/$name.merge.log"
		mkdir -p "$seeds" "$corpus"
		before=$(find "$seeds" -type f | wc -l)
		"$bin" -set_cover_merge=1 -use_counters=0 -max_len=$max_len -timeout=10 -rss_limit_mb=2048 "$seeds" "$corpus" \
			>"$log" 2>&1 || {
			tail -20 "$log" >&2
			echo "fuzz-seeds: $name FAILED" >&2
			exit 1
		}
		echo "fuzz-seeds: $name: $(($(find "$seeds" -type f | wc -l) - before)) new in" \
			"tests/fuzz/seeds/$(target "$bin")/" >&2
	done
	exit 0
fi

[ $# -ge 2 ] || {
	echo "usage: $0 [-j JOBS] SECONDS BIN... | -m BIN..." >&2
	exit 2
}
seconds=$1
shift

# Runs $1 in the background's place; leaves its exit status and duration in .rc.
run_one() {
	bin=$1
	name=$(basename "$bin")
	dir=$(dirname "$bin")
	seeds="$here/seeds/$(target "$bin")"
	corpus="$dir/corpus/$name"
	mkdir -p "$corpus"
	set -- -max_total_time="$seconds" -max_len=$max_len -len_control=0 -dict="$(dict "$bin")" \
		-timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/$name-" "$corpus"
	if [ -d "$seeds" ]; then
		set -- "$@" "$seeds"
	fi
	start=$(date +%s)
	rc=0
	"$bin" "$@" >"$dir/$name.log" 2>&1 || rc=$?
	echo "$rc $(($(date +%s) - start))" >"$dir/$name.rc"
}

n=0
for bin in "$@"; do
	echo "fuzz: $(basename "$bin") for ${seconds}s" >&2
	rm -f "$bin.rc"
	run_one "$bin" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait

# The table, from libFuzzer's final lines.
failed=
printf '%-14s %7s %12s %8s %6s %7s %13s %7s  %s\n' target seconds executions exec/s cov ft \
	corpus crashes result >&2
for bin in "$@"; do
	name=$(basename "$bin")
	log="$(dirname "$bin")/$name.log"
	read -r rc took <"$bin.rc" || {
		rc=1
		took="-"
	}
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	crashes=$(grep 'Test unit written to' "$log" | grep -vc 'slow-unit' || true)
	result=ok
	if [ "$rc" != 0 ]; then
		result="FAILED (exit $rc)"
		failed="$failed $name"
	fi
	printf '%-14s %7s %12s %8s %6s %7s %13s %7s  %s\n' "$name" "$took" "${execs:--}" \
		"${speed:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$crashes" "$result" >&2
done
for bin in "$@"; do
	name=$(basename "$bin")
	case " $failed " in
	*" $name "*) ;;
	*) continue ;;
	esac
	log="$(dirname "$bin")/$name.log"
	echo "--- $name: $log" >&2
	why=$(grep -E '^==[0-9]+==(ERROR|WARNING)|runtime error|^SUMMARY|^    #[0-9]+ |Test unit written|^ERROR' \
		"$log" | grep -v 'fuzzer::\|libc_start\| in _start ' | head -30 || true)
	if [ -n "$why" ]; then
		echo "$why" >&2
	else
		tail -30 "$log" >&2
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed" >&2
	exit 1
fi
