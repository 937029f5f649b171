#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and CI (docs/postgresql.md).
#
#   scripts/postgres-test-server.sh start DIR   initdb into DIR/data, start postgres on 127.0.0.1 on a
#                                               free port (unix socket in DIR/socket), create user and
#                                               database `aitbc`, print POSTGRES_URL=postgresql://…
#   scripts/postgres-test-server.sh stop DIR    stop the server started in DIR by its pid (fast shutdown)
#
# As root the server runs as the `postgres` user (initdb and postgres refuse to run as root).
# The binaries come from $POSTGRES_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
command=$1
dir=$2

find_bin() {
    if [[ -n ${POSTGRES_BIN:-} && -x ${POSTGRES_BIN}/initdb ]]; then echo "$POSTGRES_BIN"; return; fi
    if [[ -z ${POSTGRES_BIN:-} ]]; then
        local newest
        newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
        if [[ -n $newest && -x $newest/initdb ]]; then echo "$newest"; return; fi
        if command -v initdb >/dev/null; then dirname "$(command -v initdb)"; return; fi
    fi
    echo "error: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found;" \
        "install them with: apt-get install -y postgresql libpq-dev (or set POSTGRES_BIN)" >&2
    exit 1
}

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local bin; bin=$(find_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ ! -e $dir/data ]] || { echo "error: $dir/data exists; stop that server and use a fresh DIR" >&2; exit 1; }
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || { echo "error: running as root needs the postgres user (apt-get install -y postgresql)" >&2; exit 1; }
        chown postgres: "$dir"
    fi
    as_owner mkdir -p "$dir/socket"
    # A fresh random password per server; it reaches psql on stdin, never a command line (ps).
    local password; password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    umask 077
    # Unix socket: trust (the owner's own tools); TCP: SCRAM passwords, so tests see real auth errors.
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; echo "error: initdb failed" >&2; exit 1; }
    local port="" attempt
    for attempt in $(seq 1 20); do
        local candidate=$(( 20000 + RANDOM % 40000 ))
        # A port taken by someone else makes postgres exit at once; try another.
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -p $candidate -k $dir/socket -c max_connections=200 -c fsync=off" >/dev/null 2>&1; then
            port=$candidate
            break
        fi
    done
    [[ -n $port ]] || { cat "$dir/server.log" >&2 || true; echo "error: postgres did not start" >&2; exit 1; }
    echo "$port" > "$dir/port"
    local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U postgres -d postgres)
    [[ -x $bin/psql ]] || psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U postgres -d postgres)
    # psql's variable interpolation (:'pw') quotes the password as a literal.
    as_owner "${psql[@]}" >/dev/null <<SQL
\\set pw '$password'
CREATE ROLE aitbc LOGIN PASSWORD :'pw';
CREATE DATABASE aitbc OWNER aitbc;
SQL
    local url="postgresql://aitbc:$password@127.0.0.1:$port/aitbc"
    echo "$url" > "$dir/url"
    echo "POSTGRES_URL=$url"
}

stop() {
    local pidfile=$dir/data/postmaster.pid
    [[ -f $pidfile ]] || { echo "no server running in $dir"; return 0; }
    local pid; pid=$(head -1 "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || { echo "error: bad pid in $pidfile" >&2; exit 1; }
    # SIGINT = fast shutdown: roll back open transactions, disconnect clients, exit.
    kill -INT "$pid" 2>/dev/null || { echo "server $pid already gone"; return 0; }
    local i
    for i in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || { echo "stopped postgres $pid"; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    echo "killed postgres $pid (no exit within 30 s)" >&2
}

case $command in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
