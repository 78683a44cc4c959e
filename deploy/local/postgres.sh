#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL for a local cluster.
#   deploy/local/postgres.sh start   initdb into a fresh temp directory, start on a free loopback port, create the database
#   deploy/local/postgres.sh stop    stop it and delete its directory
# The connection string lands in $ACTOROAUTH_LOCAL_DIR/env as CONNECTION_STRING.
source "$(dirname "$0")/lib.sh"

start() {
  if [ -f "$ENV_FILE" ] && grep -q '^PG_DIR=' "$ENV_FILE"; then
    load_env
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
      log "PostgreSQL already running on port $PG_PORT"
      return
    fi
  fi
  local bin dir port
  bin="$(pg_bin)"
  dir="$(mktemp -d /tmp/actoroauth-pg.XXXXXX)"
  chmod 0755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  port="$(free_port)"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # Throwaway data: fsync off keeps it quick; loopback only; socket in its own directory.
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
  save_var PG_BIN "$bin"
  save_var PG_DIR "$dir"
  save_var PG_PORT "$port"
  save_var CONNECTION_STRING "Host=127.0.0.1;Port=$port;Database=actoroauth;Username=postgres;Maximum Pool Size=50"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
}

stop() {
  [ -f "$ENV_FILE" ] || return 0
  load_env
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    log "PostgreSQL stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
