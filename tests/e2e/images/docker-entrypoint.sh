#!/usr/bin/env bash
# The test images' entrypoint: our own implementation of the official postgres image's documented
# behaviour (/work/shared/postgres-image-contract.md, summarised in tests/e2e/README.md), written from
# that description. composegen's runtime must work on top of it exactly as on the official image.
# Bash, as the official one is: a non-executable init *.sh is sourced into this shell.
set -Eeo pipefail

log() { printf '%s\n' "$*"; }
die() { printf 'docker-entrypoint.sh: error: %s\n' "$*" >&2; exit 1; }

# VAR [DEFAULT]: the value of VAR, or the content of the file named by VAR_FILE; both set is an error.
env_or_file() {
	local name=$1 default=${2:-} file_name="${1}_FILE"
	local value=${!name:-} path=${!file_name:-}
	if [ -n "$value" ] && [ -n "$path" ]; then
		die "both $name and $file_name are set (they are exclusive)"
	fi
	if [ -n "$path" ]; then
		value=$(<"$path")
	fi
	export "$name"="${value:-$default}"
	unset "$file_name"
}

read_settings() {
	env_or_file POSTGRES_PASSWORD
	env_or_file POSTGRES_USER postgres
	env_or_file POSTGRES_DB "$POSTGRES_USER"
	env_or_file POSTGRES_INITDB_ARGS
	env_or_file POSTGRES_HOST_AUTH_METHOD
	: "${PGDATA:?PGDATA must be set}"
}

# psql as the init scripts get it: stop at the first error, no psqlrc, the superuser, POSTGRES_DB.
init_psql() {
	psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" "$@"
}

# Every entry, files or not, in the glob's (sorted) order: a directory named like a script is handed
# on like one and fails, as in the official image.
run_init_entries() {
	local entry
	for entry in /docker-entrypoint-initdb.d/*; do
		[ -e "$entry" ] || continue # the folder is empty: the pattern itself
		case "$entry" in
		*.sh)
			if [ -x "$entry" ]; then
				log "$0: running $entry"
				"$entry"
			else
				log "$0: sourcing $entry"
				# shellcheck disable=SC1090
				. "$entry"
			fi
			;;
		*.sql) log "$0: running $entry"; init_psql -f "$entry"; echo ;;
		*.sql.gz) log "$0: running $entry"; gzip -dc "$entry" | init_psql; echo ;;
		*.sql.xz) log "$0: running $entry"; xz -dc "$entry" | init_psql; echo ;;
		*.sql.zst) log "$0: running $entry"; zstd -dc "$entry" | init_psql; echo ;;
		*) log "$0: ignoring $entry" ;;
		esac
	done
}

# 18+: the data directory moved from /var/lib/postgresql/data to /var/lib/postgresql/MAJOR/docker (the
# VOLUME from the former to /var/lib/postgresql). With the default PGDATA, a cluster or a mount left
# where the old layout had them would be silently ignored: refuse instead, saying what to do.
check_old_layout() {
	[ "${PG_MAJOR:-0}" -ge 18 ] && [ "$PGDATA" = "/var/lib/postgresql/$PG_MAJOR/docker" ] || return 0
	local found='' candidate mountpoint rest
	for candidate in /var/lib/postgresql /var/lib/postgresql/data /var/lib/postgresql/*/docker; do
		if [ "$candidate" != "$PGDATA" ] && [ -s "$candidate/PG_VERSION" ]; then
			found="a cluster in $candidate"
		fi
	done
	# /proc/self/mountinfo: the fifth field is the mount point.
	while read -r _ _ _ _ mountpoint rest; do
		if [ "$mountpoint" = /var/lib/postgresql/data ]; then
			found="a mount at /var/lib/postgresql/data"
		fi
	done </proc/self/mountinfo
	if [ -n "$found" ]; then
		die "PGDATA is $PGDATA (the layout of PostgreSQL 18+), but there is $found (the layout before 18):" \
			"mount the volume at /var/lib/postgresql, or set PGDATA to where your data is"
	fi
}

# The host line's method: what the server's password_encryption gives (md5 on 13, scram from 14),
# read with the command's own arguments, so a config file they name counts.
host_auth_method() {
	if [ -n "$POSTGRES_HOST_AUTH_METHOD" ]; then
		printf '%s\n' "$POSTGRES_HOST_AUTH_METHOD"
	else
		postgres -C password_encryption "$@"
	fi
}

# initdb refuses to run as a uid with no passwd entry (a service with `user: "1000:1000"`): as the
# official entrypoint does, nss_wrapper (LD_PRELOAD) gives it one, named postgres, for initdb only.
fake_passwd_entry() {
	local uid gid wrapper
	uid=$(id -u)
	gid=$(id -g)
	getent passwd "$uid" >/dev/null 2>&1 && return 0
	for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
		[ -s "$wrapper" ] || continue
		NSS_WRAPPER_PASSWD=$(mktemp)
		NSS_WRAPPER_GROUP=$(mktemp)
		export LD_PRELOAD="$wrapper" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
		printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$uid" "$gid" "$PGDATA" >"$NSS_WRAPPER_PASSWD"
		printf 'postgres:x:%s:\n' "$gid" >"$NSS_WRAPPER_GROUP"
		return 0
	done
}

drop_passwd_entry() {
	[[ ${LD_PRELOAD:-} == */libnss_wrapper.so ]] || return 0
	rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
	unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
}

# ARGS (the command's arguments after `postgres`)
initialize() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		die "the database is uninitialized and POSTGRES_PASSWORD is not set (set it, or POSTGRES_HOST_AUTH_METHOD=trust)"
	fi
	check_old_layout

	# Shell words: quotes in the value group words (`--locale-provider=icu "--icu-locale=en US"`).
	local -a initdb_args
	eval "initdb_args=($POSTGRES_INITDB_ARGS)"
	fake_passwd_entry
	if [ -n "$POSTGRES_PASSWORD" ]; then
		initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${initdb_args[@]}"
	else
		initdb --username="$POSTGRES_USER" "${initdb_args[@]}"
	fi
	drop_passwd_entry
	local method
	method=$(host_auth_method "$@")
	printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"

	# The temporary server: the command's own arguments (its config file, preloads), then unix socket
	# only, so no client can reach a half-initialised database, on $PGPORT, where psql looks.
	export PGPORT="${PGPORT:-5432}"
	export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
	local -a server_args=("$@" -c listen_addresses= -p "$PGPORT")
	pg_ctl -D "$PGDATA" -w -o "$(printf '%q ' "${server_args[@]}")" start

	if [ "$POSTGRES_DB" != postgres ]; then
		init_psql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
	fi
	# A failure in here aborts the script (set -e) and leaves the temporary server running: that is
	# the documented behaviour the runtime has to cope with, so there is deliberately no cleanup trap.
	run_init_entries

	pg_ctl -D "$PGDATA" -m fast -w stop
	unset PGPASSWORD
	log
	log 'PostgreSQL init process complete; ready for start up.'
	log
}

# A first argument that is an option is an option for postgres.
if [ "${1:0:1}" = - ]; then
	set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
	read_settings
	if [ "$(id -u)" = 0 ]; then
		mkdir -p "$PGDATA" /var/run/postgresql
		chmod 0700 "$PGDATA"
		chmod 3775 /var/run/postgresql
		find "$PGDATA" /var/run/postgresql \! -user postgres -exec chown postgres:postgres '{}' +
		exec gosu postgres "${BASH_SOURCE[0]}" "$@"
	fi
	mkdir -p "$PGDATA" 2>/dev/null || true
	chmod 0700 "$PGDATA" 2>/dev/null || true
	if [ -s "$PGDATA/PG_VERSION" ]; then
		log "PostgreSQL Database directory appears to contain a database; Skipping initialization"
	else
		initialize "${@:2}"
	fi
fi

exec "$@"
