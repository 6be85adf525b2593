#!/usr/bin/env bash
# Start, stop or inspect a throwaway PostgreSQL 15 server for the test suite.
#
#   scripts/pg_server.sh start    start a server, or reuse the running one
#   scripts/pg_server.sh stop     stop the server and keep its log for debugging
#   scripts/pg_server.sh status   exit 0 if the server runs, 3 if it does not
#
# The server listens only on 127.0.0.1, on a free port chosen at start, with
# trust authentication, and has an empty database named after
# PG_TEST_DATABASE. After `start`, callers run `source "$PG_TEST_DIR/env"`,
# which exports PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD.
#
# `start` on a stopped server deletes its data directory and runs initdb
# again, so every new server starts empty. initdb and pg_ctl reject root, so
# when run as root the script runs them as the `postgres` system user.
#
# Environment:
#   PG_TEST_DIR       folder for data, socket, log and env file
#                     (default /tmp/revenue-warehouse-pg)
#   PG_BIN            folder with initdb, pg_ctl, psql and pg_isready
#                     (default /usr/lib/postgresql/15/bin)
#   PG_TEST_DATABASE  database to create (default warehouse)
set -euo pipefail

PG_TEST_DIR="${PG_TEST_DIR:-/tmp/revenue-warehouse-pg}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_TEST_DATABASE="${PG_TEST_DATABASE:-warehouse}"
PG_SUPERUSER=postgres

DATA_DIR="$PG_TEST_DIR/data"
LOG_FILE="$PG_TEST_DIR/server.log"
ENV_FILE="$PG_TEST_DIR/env"

log() {
    echo "pg_server: $*" >&2
}

fail() {
    log "error: $*"
    exit 1
}

# Run a command as the account that owns the data directory: the `postgres`
# system user when this script runs as root, the current user otherwise.
as_server_user() {
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

ensure_binaries() {
    if [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/psql" && -x "$PG_BIN/pg_isready" ]]; then
        return
    fi
    # NOTE: this install branch is untested, because the development and CI
    # machines come with postgresql-15 installed.
    if [[ $EUID -eq 0 && "$PG_BIN" == /usr/lib/postgresql/15/bin ]] && command -v apt-get >/dev/null; then
        log "PostgreSQL 15 binaries not found in $PG_BIN; installing the Debian package postgresql-15"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql-15 >&2
    fi
    [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/psql" && -x "$PG_BIN/pg_isready" ]] ||
        fail "initdb, pg_ctl, psql or pg_isready not found in $PG_BIN. Install PostgreSQL 15 (Debian: apt-get install postgresql-15) or set PG_BIN to its bin folder."
}

ensure_test_dir() {
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 ||
            fail "running as root, but there is no 'postgres' system user to run initdb and pg_ctl as. Create it (useradd --system postgres) or run this script as a non-root user."
    fi
    mkdir -p "$PG_TEST_DIR"
    if [[ $EUID -eq 0 ]]; then
        chown postgres: "$PG_TEST_DIR"
    fi
    as_server_user test -w "$PG_TEST_DIR" ||
        fail "the postgres user cannot write to $PG_TEST_DIR (is a parent folder private to root?). Set PG_TEST_DIR to a folder under /tmp."
}

# A server counts as running when pg_ctl finds its postmaster and it accepts
# connections. The connection check catches a stale postmaster.pid whose
# process id now belongs to another program, for example after a reboot.
is_running() {
    [[ -f "$DATA_DIR/PG_VERSION" ]] &&
        as_server_user "$PG_BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1 &&
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(running_port)" -t 10
}

# Port of the running server: the fourth line of postmaster.pid.
running_port() {
    sed -n 4p "$DATA_DIR/postmaster.pid"
}

pick_free_port() {
    command -v python3 >/dev/null || fail "python3 is required to pick a free port but was not found on PATH."
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

write_env_file() {
    local port="$1"
    cat >"$ENV_FILE" <<EOF
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$PG_SUPERUSER PGDATABASE=$PG_TEST_DATABASE PGPASSWORD=
EOF
    chmod 644 "$ENV_FILE"
}

init_cluster() {
    rm -rf "$DATA_DIR"
    as_server_user "$PG_BIN/initdb" --pgdata="$DATA_DIR" --username="$PG_SUPERUSER" \
        --auth=trust --encoding=UTF8 --locale=C --no-instructions >"$PG_TEST_DIR/initdb.log" 2>&1 || {
        cat "$PG_TEST_DIR/initdb.log" >&2
        fail "initdb failed for $DATA_DIR (output above)."
    }

    # Loopback only: no other host can connect, so trust authentication is safe.
    as_server_user tee "$DATA_DIR/pg_hba.conf" >/dev/null <<EOF
local all all trust
host  all all 127.0.0.1/32 trust
EOF

    # Durability settings are off because the server contains only throwaway test data.
    as_server_user tee -a "$DATA_DIR/postgresql.conf" >/dev/null <<EOF

# Throwaway test server written by scripts/pg_server.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_TEST_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
}

start_server() {
    local attempt port
    # Another process may take the chosen port before the server binds it,
    # so a failed start is retried with a new port.
    for attempt in 1 2 3; do
        port="$(pick_free_port)"
        if as_server_user "$PG_BIN/pg_ctl" start -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
            -o "-p $port" >/dev/null 2>&1; then
            echo "$port"
            return
        fi
        log "start attempt $attempt on port $port failed; last lines of $LOG_FILE:"
        tail -n 15 "$LOG_FILE" >&2 || true
    done
    fail "PostgreSQL did not start after 3 attempts; see $LOG_FILE."
}

create_database() {
    local port="$1" exists
    exists="$("$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" -d postgres -X -tA \
        -v ON_ERROR_STOP=1 -c "select 1 from pg_database where datname = '$PG_TEST_DATABASE'")"
    if [[ "$exists" != 1 ]]; then
        "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U "$PG_SUPERUSER" -d postgres -X -q \
            -v ON_ERROR_STOP=1 -c "create database \"$PG_TEST_DATABASE\"" ||
            fail "could not create database $PG_TEST_DATABASE on port $port."
    fi
}

cmd_start() {
    ensure_binaries
    ensure_test_dir
    local port
    if is_running; then
        port="$(running_port)"
        log "reusing the server already running on 127.0.0.1:$port (data in $DATA_DIR)"
    else
        init_cluster
        port="$(start_server)"
        log "started PostgreSQL on 127.0.0.1:$port (data in $DATA_DIR, log in $LOG_FILE)"
    fi
    create_database "$port"
    write_env_file "$port"
    log "connection settings written to $ENV_FILE; load them with: source $ENV_FILE"
}

cmd_stop() {
    ensure_binaries
    rm -f "$ENV_FILE"
    if ! is_running; then
        log "no server is running in $DATA_DIR"
        return
    fi
    as_server_user "$PG_BIN/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 >/dev/null ||
        fail "pg_ctl stop failed for $DATA_DIR; see $LOG_FILE."
    log "stopped the server in $DATA_DIR"
}

cmd_status() {
    ensure_binaries
    if is_running; then
        log "running on 127.0.0.1:$(running_port) (data in $DATA_DIR, env file $ENV_FILE)"
        return 0
    fi
    log "not running (data directory $DATA_DIR)"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
