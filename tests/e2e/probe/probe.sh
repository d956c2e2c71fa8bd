#!/bin/bash
# Stands in for an app: reads the app's own database variables the way the app does, connects over
# the stack's network, writes and reads a row, and writes each of the app's folders as the app's user.
#
#   probe service|job|cache
#
# PROBE_READS says which variables the app reads, as KEY=VAR words:
#   url=VAR                     a postgres:// or postgresql:// URL (user, password, host, port,
#                               database, and query parameters such as sslmode; percent-decoded)
#   jdbc=VAR user=VAR password=VAR   a jdbc:postgresql://host:port/db URL and separate credentials
#   nocodb=VAR                  NocoDB's pg://host:port?u=USER&p=PASSWORD&d=DATABASE
#   host= port= hostport= name= user= password= sslmode=   one variable each (hostport: "host:port")
# PROBE_CREATE_DB=1: like wallabag's entrypoint, first connect as POSTGRES_USER/POSTGRES_PASSWORD to
#   its own database and create the app's database when it does not exist (saying so).
# PROBE_COLLATE: the collation the database must have (synapse: C).
# PROBE_FOLDERS: the container paths of the app's bind mounts; each must be writable.
set -uo pipefail

role=${1:-service}
service=${PROBE_SERVICE:-app}

say() { printf 'probe %s: %s\n' "$service" "$*"; }
fail() { printf 'PROBE FAIL %s: %s\n' "$service" "$*"; exit 1; }

require() {  # require VAR...: the app's environment must have each
	local name
	for name in "$@"; do
		[ -n "${!name+x}" ] || fail "the app's variable $name is not set"
	done
}

url_decode() { local text=${1//+/%2B}; printf '%b' "${text//%/\\x}"; }

declare -A conn=()

parse_nocodb() {  # pg://host:port?u=USER&p=PASSWORD&d=DATABASE
	local text=$1 rest query pair
	[[ $text == pg://* ]] || fail "NC_DB is not pg://...: $text"
	rest=${text#pg://}
	query=${rest#*\?}
	rest=${rest%%\?*}
	conn[host]=${rest%%:*}
	[[ $rest == *:* ]] && conn[port]=${rest##*:}
	local IFS='&'
	for pair in $query; do
		case $pair in
			u=*) conn[user]=$(url_decode "${pair#u=}") ;;
			p=*) conn[password]=$(url_decode "${pair#p=}") ;;
			d=*) conn[dbname]=$(url_decode "${pair#d=}") ;;
		esac
	done
}

read_variables() {
	local word key var text
	for word in ${PROBE_READS:?PROBE_READS is not set}; do
		key=${word%%=*}
		var=${word#*=}
		require "$var"
		text=${!var}
		case $key in
			url)
				[[ $text == postgres://* || $text == postgresql://* ]] || fail "$var is not a postgres URL"
				conn[url]=$text ;;
			jdbc)
				[[ $text == jdbc:postgresql://* ]] || fail "$var is not jdbc:postgresql://..."
				conn[url]=${text#jdbc:} ;;
			nocodb) parse_nocodb "$text" ;;
			hostport) conn[host]=${text%%:*}; [[ $text == *:* ]] && conn[port]=${text##*:} ;;
			host) conn[host]=$text ;;
			port) conn[port]=$text ;;
			name) conn[dbname]=$text ;;
			user) conn[user]=$text ;;
			password) conn[password]=$text ;;
			sslmode) conn[sslmode]=$text ;;
			*) fail "unknown PROBE_READS key $key" ;;
		esac
	done
}

run_psql() {  # run_psql SQL: as the app connects (a URL as the app passes it; fields via PG* variables)
	local sql=$1
	local -a env=(PGCONNECT_TIMEOUT=10)
	[ -n "${conn[user]+x}" ] && env+=("PGUSER=${conn[user]}")
	[ -n "${conn[password]+x}" ] && env+=("PGPASSWORD=${conn[password]}")
	if [ -n "${conn[url]+x}" ]; then
		env "${env[@]}" psql -X -v ON_ERROR_STOP=1 -At "${conn[url]}" -c "$sql"
	else
		[ -n "${conn[host]+x}" ] && env+=("PGHOST=${conn[host]}")
		env+=("PGPORT=${conn[port]:-5432}")
		[ -n "${conn[dbname]+x}" ] && env+=("PGDATABASE=${conn[dbname]}")
		[ -n "${conn[sslmode]+x}" ] && env+=("PGSSLMODE=${conn[sslmode]}")
		env "${env[@]}" psql -X -v ON_ERROR_STOP=1 -At -c "$sql"
	fi
}

create_database() {  # wallabag's entrypoint: connect as POSTGRES_USER, create the database if missing
	local exists
	require POSTGRES_USER POSTGRES_PASSWORD
	exists=$(env PGHOST="${conn[host]}" PGPORT="${conn[port]:-5432}" PGUSER="$POSTGRES_USER" \
		PGPASSWORD="$POSTGRES_PASSWORD" psql -X -At \
		-c "SELECT 1 FROM pg_database WHERE datname = '${conn[dbname]}'") || fail "cannot connect as POSTGRES_USER"
	if [ "$exists" = 1 ]; then
		say "database ${conn[dbname]} already exists: the app would not install"
	else
		env PGHOST="${conn[host]}" PGPORT="${conn[port]:-5432}" PGUSER="$POSTGRES_USER" \
			PGPASSWORD="$POSTGRES_PASSWORD" psql -X -q -v ON_ERROR_STOP=1 \
			-c "CREATE DATABASE \"${conn[dbname]}\"" || fail "cannot create ${conn[dbname]}"
		say "database ${conn[dbname]} did not exist: created it (the app installs now)"
	fi
}

check_database() {
	local table out collate
	table="composegen_probe_${service//[^a-zA-Z0-9]/_}"
	out=$(run_psql "CREATE TABLE IF NOT EXISTS $table (service text NOT NULL);
		INSERT INTO $table VALUES ('$service');
		SELECT count(*) FROM $table WHERE service = '$service';") || fail "cannot write and read a row"
	[ "${out##*$'\n'}" -ge 1 ] 2>/dev/null || fail "wrote a row but read back: $out"
	if [ -n "${PROBE_COLLATE:-}" ]; then
		collate=$(run_psql "SELECT datcollate FROM pg_database WHERE datname = current_database()") || fail "no collation"
		[ "$collate" = "$PROBE_COLLATE" ] || fail "the database's collation is $collate, not $PROBE_COLLATE"
	fi
	say "connected as the app does, wrote and read a row in ${conn[dbname]:-its database}"
}

check_folders() {
	local folder
	for folder in ${PROBE_FOLDERS:-}; do
		if ! touch "$folder/.composegen-probe" 2>/dev/null; then
			fail "uid $(id -u) cannot write $folder (owner $(stat -c %u:%g "$folder"))"
		fi
		rm -f "$folder/.composegen-probe"
	done
	[ -z "${PROBE_FOLDERS:-}" ] || say "uid $(id -u):$(id -g) writes ${PROBE_FOLDERS}"
}

main() {
	if [ "$role" != cache ]; then
		if [ "${PROBE_READS:-none}" != none ]; then
			read_variables
			[ "${PROBE_CREATE_DB:-}" = 1 ] && create_database
			check_database
		fi
		check_folders
	fi
	say "PROBE OK"
	[ "$role" = job ] && exit 0
	touch /tmp/probe-ok
	exec sleep infinity
}

main
