#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Quick start, second command (and CI's): install what is missing, build, and
# run the whole test suite (make test-all: make test without installing twice).
# As root.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --test
exec make --no-print-directory test-all
