#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Quick start, first command: install what is missing, build, and run the
# observer with its embedded defaults (or with the options given). As root.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make --no-print-directory all
exec build/xffwatch "$@"
