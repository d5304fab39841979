#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Includes point one way (docs/design.md, "Layout"): a file in user/<stage>/
# includes only its own stage and the stages before it in this list.
set -eu
cd "$(dirname "$0")/.."
order="util kernel capture pipeline identity trust event output doctor cmd"

rank() {
	i=0
	for s in $order; do
		[ "$s" = "$1" ] && { echo "$i"; return; }
		i=$((i + 1))
	done
	echo "check_layers: user/$1/ is not a known stage (scripts/check_layers.sh)" >&2
	exit 1
}

bad=0
for f in user/*/*.[ch]; do
	from=${f#user/}
	from=${from%%/*}
	r_from=$(rank "$from")
	for to in $(sed -n 's|^#include "\([a-z]*\)/[^"]*".*|\1|p' "$f" | sort -u); do
		if [ "$(rank "$to")" -gt "$r_from" ]; then
			grep -n "^#include \"$to/" "$f" | sed "s|^|$f:|; s|\$|: $from/ may not include $to/|" >&2
			bad=1
		fi
	done
done
[ "$bad" = 0 ] || exit 1
echo "check: includes point one way ($order)" >&2
