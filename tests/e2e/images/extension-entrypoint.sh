#!/usr/bin/env bash
# The extension-like image's wrapper ENTRYPOINT, as immich's does it: write the server's config file
# (preloading a library), then hand over to the image's official entrypoint with the same arguments.
# The config file lives outside PGDATA, so it only applies when the command names it (its CMD does).
set -Eeo pipefail

write_config() {
	local dir
	dir=$(dirname "$EXTENSION_CONFIG_FILE")
	mkdir -p "$dir"
	cat >"$EXTENSION_CONFIG_FILE.tmp" <<CONF
# Written by extension-entrypoint.sh at every start.
listen_addresses = '*'
shared_preload_libraries = '$EXTENSION_PRELOAD'
CONF
	mv "$EXTENSION_CONFIG_FILE.tmp" "$EXTENSION_CONFIG_FILE"
}

# Started as another user than root (compose `user:`), it cannot write /etc: the file written at
# build time (the Dockerfile runs this script once) stays.
if [ "$(id -u)" = 0 ] || [ -w "$(dirname "$EXTENSION_CONFIG_FILE")" ]; then
	write_config
fi

exec docker-entrypoint.sh "$@"
