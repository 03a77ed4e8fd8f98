#!/usr/bin/env bash
# A private, throw-away PostgreSQL 15 cluster for tests and the demo.
#
#   scripts/pg.sh start DIR PORT   create the cluster if needed, start it, wait until
#                                  it accepts connections (fine if already running)
#   scripts/pg.sh stop DIR         stop it (fine if not running or not there)
#   scripts/pg.sh status DIR       exit 0 when running
#
# Layout: data in DIR/data, server log in DIR/server.log, and the Unix socket in DIR
# itself. The server listens on no TCP address at all (listen_addresses = ''), so
# PORT only names the socket (DIR/.s.PGSQL.PORT) and never clashes with another
# server. Connect with:  psql -h DIR -p PORT -U postgres
#
# User `postgres`, trust authentication, UTF8 with locale C.UTF-8 (C if the machine
# lacks it), and settings for tests, not for data you care about: fsync off,
# synchronous_commit off, full_page_writes off, shared_buffers 128MB,
# max_connections 200 (concurrency tests).
#
# As root, initdb and pg_ctl run as the system user `postgres` (they refuse root),
# DIR is owned by postgres with mode 755 and the socket is 0777, so root and other
# local users can connect. DIR must then lie where `postgres` can reach it (e.g.
# under /tmp, not under /root). As an ordinary user everything runs as that user.
# Keep DIR short: a socket path is limited to ~107 bytes.
set -euo pipefail

readonly PG_BIN=/usr/lib/postgresql/15/bin

usage() {
    echo "usage: $0 start DIR PORT | stop DIR | status DIR" >&2
    exit 2
}

# Runs a PostgreSQL program as the cluster's owner, from DIR (postgres may not be
# allowed to enter the caller's working directory). RUST_BACKTRACE is dropped: a
# server that inherits it puts Rust backtraces into the DETAIL of errors.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$DIR" && env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE runuser -u postgres -- "$@")
    else
        (cd "$DIR" && env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE "$@")
    fi
}

running() {
    [ -f "$DATA/PG_VERSION" ] && as_owner "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

pick_locale() {
    if locale -a 2>/dev/null | grep -Eqix 'c\.utf-?8'; then
        echo C.UTF-8
    else
        echo "pg.sh: locale C.UTF-8 not available, using C" >&2
        echo C
    fi
}

init_cluster() {
    local locale
    locale=$(pick_locale)
    as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 \
        --locale="$locale" >"$DIR/initdb.log" 2>&1 || {
        cat "$DIR/initdb.log" >&2
        echo "pg.sh: initdb failed" >&2
        exit 1
    }
    echo "include_if_exists = 'private.conf'" >>"$DATA/postgresql.conf"
}

# Rewritten on every start so that PORT and DIR always follow the arguments.
write_settings() {
    cat >"$DATA/private.conf" <<EOF
# Written by scripts/pg.sh on each start; test settings, unsafe for real data.
listen_addresses = ''
port = $PORT
unix_socket_directories = '$DIR'
unix_socket_permissions = 0777
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = 1GB
checkpoint_timeout = 30min
timezone = 'UTC'
lc_messages = 'C'
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$DATA/private.conf"
    fi
}

start() {
    if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
        echo "pg.sh: bad port '$PORT'" >&2
        exit 2
    fi
    local socket="$DIR/.s.PGSQL.$PORT"
    if [ ${#socket} -ge 100 ]; then
        echo "pg.sh: socket path $socket is too long (${#socket} bytes, limit 100)" >&2
        exit 2
    fi

    if running; then
        local current
        current=$(sed -n 4p "$DATA/postmaster.pid")
        if [ "$current" != "$PORT" ]; then
            echo "pg.sh: cluster in $DIR already runs on port $current, not $PORT" >&2
            exit 1
        fi
        return 0
    fi

    mkdir -p "$DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$DIR"
    elif [ ! -O "$DIR" ]; then
        echo "pg.sh: $DIR belongs to $(stat -c %U "$DIR"), not to $(id -un)" >&2
        exit 1
    fi
    chmod 755 "$DIR"

    [ -f "$DATA/PG_VERSION" ] || init_cluster
    write_settings

    if ! as_owner "$PG_BIN/pg_ctl" start -D "$DATA" -l "$DIR/server.log" -w -t 60 \
        >/dev/null; then
        tail -n 30 "$DIR/server.log" >&2 || true
        echo "pg.sh: server in $DIR did not start" >&2
        exit 1
    fi

    for _ in $(seq 1 100); do
        if "$PG_BIN/pg_isready" -q -h "$DIR" -p "$PORT" -U postgres; then
            return 0
        fi
        sleep 0.1
    done
    echo "pg.sh: server in $DIR does not accept connections, see $DIR/server.log" >&2
    exit 1
}

stop() {
    if running; then
        as_owner "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
    fi
}

[ $# -ge 2 ] || usage
cmd=$1
DIR=$2
case "$DIR" in
    /*) ;;
    *) DIR="$(pwd)/$DIR" ;;
esac
DIR=${DIR%/}
if ! [[ "$DIR" =~ ^[A-Za-z0-9._/-]+$ ]]; then
    echo "pg.sh: use a DIR of letters, digits and ._-/ only, not '$DIR'" >&2
    exit 2
fi
DATA="$DIR/data"

case "$cmd" in
    start)
        [ $# -eq 3 ] || usage
        PORT=$3
        start
        ;;
    stop)
        [ $# -eq 2 ] || usage
        stop
        ;;
    status)
        [ $# -eq 2 ] || usage
        running
        ;;
    *) usage ;;
esac
