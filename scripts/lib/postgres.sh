# shellcheck shell=bash
# A private, throw-away PostgreSQL server for the tests.
#
# Source this file, then:
#   pg_start            # initdb + start on 127.0.0.1:<free port>; sets PG_BINDIR PG_PORT PG_DIR PG_URL_BASE
#   pg_createdb NAME    # CREATE DATABASE NAME
#   pg_psql [ARGS...]   # psql as the superuser "postgres" over TCP
#   pg_stop             # stop the server and remove its directory (safe to call twice, or when never started)
#
# The cluster lives in a fresh directory under /tmp. When running as root the cluster is owned by,
# and the server runs as, the `postgres` system user (PostgreSQL refuses to run as root). Otherwise it
# runs as the current user. Either way the database superuser is called `postgres` (initdb -U), and
# authentication is `trust`, listening only on 127.0.0.1: this is a test server, never a real one.
#
# Every function returns non-zero on failure instead of relying on `set -e`, so callers may use them
# in `if` conditions.

PG_BINDIR="${PG_BINDIR:-}"
PG_PORT=""
PG_DIR=""
PG_URL_BASE=""
PG_LOG_COPY="${PG_LOG_COPY:-}"   # if set, the server log is copied there on pg_stop

pg__log() { echo "[postgres] $*" >&2; }

# Highest installed version's bin dir, e.g. /usr/lib/postgresql/15/bin.
pg_find_bindir() {
    local dir
    # shellcheck disable=SC2012  # version-sorted directory names, no odd characters
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [[ -z "$dir" || ! -x "$dir/initdb" || ! -x "$dir/pg_ctl" ]]; then
        pg__log "no PostgreSQL server binaries found in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        return 1
    fi
    echo "$dir"
}

pg__free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Run a command as the cluster's owner (postgres when we are root, ourselves otherwise), from a
# directory that user can read (it may not be allowed into the repo).
pg__as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

pg_start() {
    if [[ -n "$PG_DIR" ]]; then
        pg__log "already started (port $PG_PORT, dir $PG_DIR)"
        return 0
    fi
    if [[ -z "$PG_BINDIR" ]]; then
        PG_BINDIR="$(pg_find_bindir)" || return 1
    fi
    if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        pg__log "running as root but there is no 'postgres' system user to run the server as"
        return 1
    fi

    PG_DIR="$(mktemp -d /tmp/rapport-pg.XXXXXX)" || return 1
    chmod 700 "$PG_DIR" || return 1
    if [[ "$(id -u)" -eq 0 ]]; then
        chown postgres: "$PG_DIR" || return 1
    fi
    PG_PORT="$(pg__free_port)" || return 1

    pg__log "initdb ($PG_BINDIR) in $PG_DIR"
    if ! pg__as_owner "$PG_BINDIR/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
        pg__log "initdb failed:"; cat "$PG_DIR/initdb.log" >&2
        return 1
    fi
    pg__as_owner mkdir -p "$PG_DIR/sock" || return 1

    # Durability is irrelevant for a throw-away test server: turn off fsync for speed.
    local opts="-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR/sock"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
    pg__log "starting on 127.0.0.1:$PG_PORT"
    if ! pg__as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "$opts" \
            -w -t 60 start >/dev/null; then
        pg__log "pg_ctl start failed; server log:"; cat "$PG_DIR/server.log" >&2 || true
        return 1
    fi
    PG_URL_BASE="postgres://postgres@127.0.0.1:$PG_PORT"
    export PG_BINDIR PG_PORT PG_DIR PG_URL_BASE
    return 0
}

pg_psql() {
    PGOPTIONS="-c client_min_messages=warning" "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
}

pg_createdb() {
    local name="$1"
    pg_psql -d postgres -c "DROP DATABASE IF EXISTS \"$name\"" -c "CREATE DATABASE \"$name\"" || {
        pg__log "could not create database $name"; return 1; }
}

pg_stop() {
    [[ -n "$PG_DIR" ]] || return 0
    if [[ -f "$PG_DIR/data/postmaster.pid" ]]; then
        pg__log "stopping server on port $PG_PORT"
        pg__as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || pg__as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 \
            || pg__log "warning: could not stop the server cleanly"
    fi
    if [[ -n "$PG_LOG_COPY" && -f "$PG_DIR/server.log" ]]; then
        { mkdir -p "$(dirname "$PG_LOG_COPY")" && cp "$PG_DIR/server.log" "$PG_LOG_COPY"; } || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
    PG_PORT=""
    PG_URL_BASE=""
    return 0
}
