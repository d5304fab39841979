#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make check: formatting (clang-format, .clang-format at the root) and static
# analysis (cppcheck) of the C sources, and shellcheck of the shell scripts.
# Files are found by name, not with git, so that a release tarball checks too;
# what is generated (vmlinux.h, skeletons, build/) or data (fuzz seeds) is not
# looked at.
#
# cppcheck checks one configuration per part, with that part's headers:
#  - user/, tests/ and bench/ as built (x86_64, glibc); scripts/cppcheck.cfg
#    has the libbpf macros it does not read. tests/bpf's skeleton is generated
#    (build/) and left out.
#  - bpf/ with libbpf's headers (SEC, map macros, helper prototypes) but not
#    vmlinux.h: its 135,000 lines of kernel types take 30 s instead of 2 and
#    changed no finding when tried. Warnings and performance only: the program
#    has one compiler and one target, and uses GNU C's arithmetic on void
#    pointers to packet data as every TC program does. LIT() and LITMASK() in
#    http_scan.bpf.h index a literal and shift only under sizeof() guards that
#    cppcheck does not evaluate, so those two findings are off in that file.
#
# Shell scripts are checked at severity warning, following sourced files (the
# end-to-end tests' variables are set in tests/e2e/lib.sh). Below that, info and style,
# every finding in this tree was an idiom used on purpose: `[ a ] && [ b ] ||
# e2e_fail` assertions, nginx's $variables in single quotes, a list of ports
# split into words.
set -eu
cd "$(dirname "$0")/.."

# files FIND-TESTS...: the tree's regular files that pass the tests, one a line.
files() {
	find . \( -path ./.git -o -path './build*' -o -path ./tests/fuzz/seeds \
		-o -path ./bench/results \) -prune -o -type f \( "$@" \) -print |
		sed 's|^\./||' | sort
}

files -name '*.[ch]' ! -name vmlinux.h ! -name '*.skel.h' | xargs clang-format --dry-run -Werror

cppcheck="cppcheck --quiet --error-exitcode=1 --inline-suppr --suppress=missingIncludeSystem"
files -path './user/*.c' -o -path './tests/*.c' -o -path './bench/*.c' |
	xargs $cppcheck --enable=warning,performance,portability -D__x86_64__ \
		--library=scripts/cppcheck.cfg -Iinclude -Iuser
files -path './bpf/*.c' |
	xargs $cppcheck --enable=warning,performance -D__bpf__ -Iinclude -I/usr/include \
		--suppress=arrayIndexOutOfBounds:bpf/http_scan.bpf.h \
		--suppress=shiftTooManyBits:bpf/http_scan.bpf.h

# Shell scripts: *.sh, and files whose first line starts sh or bash (.ci/run).
files ! -name '*.c' |
	xargs awk '/^#!.*[\/ ](ba|da)?sh( |$)/ || FILENAME ~ /\.sh$/ { print FILENAME } { nextfile }' |
	xargs shellcheck -S warning -x -P SCRIPTDIR
echo "check: clang-format, cppcheck and shellcheck clean" >&2
