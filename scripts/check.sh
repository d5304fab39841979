#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Formatting (clang-format, .clang-format at the root) and static analysis
# (cppcheck) of the tracked C sources; vmlinux.h is generated and excluded.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' | grep -v '^vmlinux.h$')

# shellcheck disable=SC2086
clang-format --dry-run -Werror $files

# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	--inline-suppr --suppress=missingIncludeSystem -D__x86_64__ --library=scripts/cppcheck.cfg \
	-Iinclude -Iuser $(git ls-files 'user/*.c')
echo "check: clang-format and cppcheck clean" >&2
