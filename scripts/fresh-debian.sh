#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The README's two commands on a truly fresh machine. As root, on Debian:
# builds a minimal Debian 12 in DIR (debootstrap --variant=minbase, what
# container images are: no git, no /etc/hosts, no /etc/services), puts a clean
# export of HEAD there (git archive: no .git, as a release tarball) with
# ../shared beside it (the conformance vectors), then runs scripts/run.sh until
# the observer has watched for a few seconds, and scripts/test.sh. The chroot's
# root is bind-mounted on itself so that `ip netns` works. At the end, also on
# failure, whatever still runs inside is killed, everything is unmounted and
# DIR removed (KEEP=1 keeps it). About 15 minutes; the logs are DIR.log/.
#   scripts/fresh-debian.sh [DIR]    (default /var/tmp/xffwatch-fresh)
set -eu
cd "$(dirname "$0")/.."
root=${1:-/var/tmp/xffwatch-fresh}
logs=$root.log
mirror=${MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" -eq 0 ] || { echo "fresh: run as root" >&2; exit 1; }
[ ! -e "$root" ] || { echo "fresh: $root exists" >&2; exit 1; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	echo "fresh: uncommitted changes are not part of the export of HEAD" >&2

cleanup() {
	rc=$?
	set +e
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
	done
	sleep 1
	umount -R "$root" 2>/dev/null || umount -R -l "$root"
	if awk -v r="$root" '$5 == r || index($5, r "/") == 1' /proc/self/mountinfo | grep -q .; then
		echo "fresh: $root still has mounts; not removed" >&2
	elif [ "${KEEP:-0}" != 1 ]; then
		rm -rf --one-file-system "$root"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$root" "$logs"
echo "fresh: debootstrap into $root" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$logs/debootstrap.log" 2>&1
mkdir -p "$root/src/xffwatch"
git archive HEAD | tar -x -C "$root/src/xffwatch"
if [ -d ../shared ]; then cp -a ../shared "$root/src/shared"; fi

mount --bind "$root" "$root"
mount --make-rprivate "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t bpf bpf "$root/sys/fs/bpf"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

# A clean environment, as on a new machine.
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

echo "fresh: scripts/run.sh (log: $logs/run.log)" >&2
env -i PATH=$path HOME=/root chroot "$root" /bin/sh -c 'cd /src/xffwatch && exec scripts/run.sh' \
	>"$logs/run.log" 2>&1 &
pid=$! # run.sh execs the observer: this is its pid
until grep -q "events to" "$logs/run.log"; do
	kill -0 "$pid" 2>/dev/null || { tail -n 30 "$logs/run.log" >&2; exit 1; }
	sleep 1
done
sleep 5
# SIGTERM, as systemd and docker stop send it (a script's background job ignores SIGINT).
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
echo "fresh: scripts/run.sh: the observer ran 5 s and exited with $rc on SIGTERM" >&2
[ "$rc" -eq 0 ] || { tail -n 30 "$logs/run.log" >&2; exit 1; }

echo "fresh: scripts/test.sh (log: $logs/test.log)" >&2
rc=0
env -i PATH=$path HOME=/root chroot "$root" /bin/sh -c 'cd /src/xffwatch && exec scripts/test.sh' \
	>"$logs/test.log" 2>&1 || rc=$?
tail -n 30 "$logs/test.log" >&2
echo "fresh: scripts/test.sh exited with $rc" >&2
exit "$rc"
