#!/bin/sh
# Turn the imported Debian rootfs into one test-image flavour (run by the Dockerfile, as root).
#   flavour.sh dash|busybox PG_MAJOR
# dash:    the official Debian-based images: /bin/sh is dash, the GNU userland, postgres 999:999, gosu.
# busybox: Alpine-like, as the official Alpine-based images: /bin/sh is busybox ash, busybox's applets
#          shadow the GNU userland on PATH (coreutils, sed, awk, find, grep, ps, ...), postgres 70:70,
#          gosu (today's Alpine images ship it too).
set -eu
flavour=$1 pg_major=$2

# trixie's ucf pulls in procps; bookworm's (and so the official Debian-based images up to 17) does
# not: no Debian-flavoured image may offer `ps`, so the runtime cannot come to depend on it.
if dpkg-query -W procps >/dev/null 2>&1; then
	dpkg --purge --force-depends procps >/dev/null
fi

case "$flavour" in
dash)
	[ "$(id -u postgres)" = 999 ]
	case "$(readlink -f /bin/sh)" in */dash) ;; *) exit 1 ;; esac
	;;
busybox)
	ln -sf /bin/busybox /bin/sh.busybox
	mv -f /bin/sh.busybox /bin/sh
	groupmod --gid 70 postgres
	usermod --uid 70 --gid 70 postgres
	# usermod renumbers files in the home folder only; the rest of what the package owns:
	find / -xdev \( -uid 999 -o -gid 999 \) -exec chown -h postgres:postgres '{}' +
	# /usr/local/bin comes before /usr/bin on the image's PATH. The compressors stay the real ones
	# (the official images ship gzip, xz and zstd); the shells and `setpriv` (not in Alpine's
	# busybox) are left out.
	busybox --list | while read -r applet; do
		case "$applet" in
		sh | ash | bash | gzip | gunzip | zcat | xz | unxz | xzcat | lzma | unlzma | lzcat | setpriv) ;;
		*) ln -s /bin/busybox "/usr/local/bin/$applet" ;;
		esac
	done
	;;
*)
	echo "flavour.sh: unknown flavour $flavour" >&2
	exit 2
	;;
esac

# Like the official image: a cluster initialised from the sample listens on every address (the
# entrypoint's temporary init server overrides this with a unix-socket-only listener).
sample=/usr/share/postgresql/$pg_major/postgresql.conf.sample
sed -ri "s/^#?listen_addresses *=.*/listen_addresses = '*'/" "$sample"
grep -q "^listen_addresses = '\*'" "$sample"

# The official Dockerfiles' directory modes, which let a service run with `user:` (any uid): the home
# and the socket directory are writable by every uid (1777, 3777), the pre-18 PGDATA too (under VOLUME).
install -d -o postgres -g postgres -m 1777 /var/lib/postgresql
install -d -o postgres -g postgres -m 3777 /var/run/postgresql
if [ "$pg_major" -lt 18 ]; then
	install -d -o postgres -g postgres -m 1777 /var/lib/postgresql/data
fi
