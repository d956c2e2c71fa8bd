#!/bin/sh
# Build a minimal Debian root filesystem with one PostgreSQL major, as a tarball for `docker import`.
#   build-rootfs.sh SUITE PG_MAJOR MIRROR OUT.tar
# Runs as root on a Debian host with debootstrap. The harness (tests/e2e/harness/images.py) calls it
# with the mirror read from the host's apt sources, so no host name is written into the repository.
set -eu

suite=$1 pg_major=$2 mirror=$3 out=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/composegen-rootfs-$suite.XXXXXX")
root=$work/root

cleanup() {
	umount "$root/proc" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# gosu: the entrypoint drops root; busybox: the Alpine-like flavour; zstd/xz-utils/gzip/bash: the
# official images ship them and the runtime relies on it; locales: LANG=en_US.utf8 is a real locale
# there. Nothing more (no procps: the official Debian-based image has no `ps` either, so the runtime
# must not need it).
include=gosu,busybox,zstd,xz-utils,gzip,bash,locales

# A suite newer than this host's debootstrap has no script of its own: testing is built like sid.
script=
if [ ! -e "/usr/share/debootstrap/scripts/$suite" ]; then
	script=/usr/share/debootstrap/scripts/sid
fi

# The host's debian-archive-keyring may predate the suite's archive key (a bookworm host building
# trixie). Check signatures with the host keyring first; only if that fails, retry without the check
# (these images are test fixtures, built from the same mirror apt already trusts on this host).
# shellcheck disable=SC2086 # $script: one word or none
if ! debootstrap --foreign --variant=minbase --include="$include" "$suite" "$root" "$mirror" $script; then
	echo "build-rootfs: debootstrap of $suite failed with signature checks; retrying with --no-check-gpg" >&2
	rm -rf "$root"
	# shellcheck disable=SC2086
	debootstrap --foreign --no-check-gpg --variant=minbase --include="$include" "$suite" "$root" "$mirror" $script
fi
# dpkg without an fsync per file (a throwaway chroot: 16% less time for bookworm, measured), from the
# second stage on; the setting is left out of the tarball.
unsafe_io=etc/dpkg/dpkg.cfg.d/composegen-build-unsafe-io
mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
echo force-unsafe-io >"$root/$unsafe_io"
chroot "$root" /debootstrap/debootstrap --second-stage

# Nothing may start a service inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"

in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
apt_install() { in_root apt-get install -y -q --no-install-recommends "$@"; }

# A testing suite's Release file can be past its Valid-Until date on the mirror: apt would refuse it.
in_root apt-get -o Acquire::Check-Valid-Until=false update -q
# The official images' locale (LANG=en_US.utf8 in the Dockerfile), compiled as they do it.
in_root localedef -i en_US -c -f UTF-8 en_US.UTF-8
# The postgres user with the official Debian image's ids; the Alpine-like flavour renumbers it to
# Alpine's 70 (tests/e2e/images/flavour.sh).
in_root groupadd --system --gid 999 postgres
in_root useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql --shell /bin/bash postgres
# postgresql-common first, so the package of the major does not create a default cluster: the
# entrypoint runs initdb itself, like the official image.
apt_install postgresql-common
sed -ri 's/^#? *create_main_cluster *=.*/create_main_cluster = false/' "$root/etc/postgresql-common/createcluster.conf"
grep -q '^create_main_cluster = false' "$root/etc/postgresql-common/createcluster.conf"
apt_install "postgresql-$pg_major"
# libnss-wrapper: initdb as a uid with no passwd entry (`user: "1000:1000"`, rule 19), which the
# official images ship for that in both families. A testing suite can lose a package for a while: the
# image is still built, and then refuses such a uid at initdb as an official image without it would.
if ! apt_install libnss-wrapper; then
	echo "build-rootfs: no libnss-wrapper in $suite: initdb will refuse a uid without a passwd entry" >&2
fi

umount "$root/proc"
rm -f "$root/usr/sbin/policy-rc.d"
in_root apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/usr/share/doc/"* "$root/usr/share/man/"* "$root/usr/share/info/"*

tar --numeric-owner --exclude="./$unsafe_io" -C "$root" -cf "$out.part" .
mv "$out.part" "$out"
