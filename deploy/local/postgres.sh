#!/usr/bin/env bash
# Starts, stops or restarts the local cluster's PostgreSQL.
#   deploy/local/postgres.sh start     start it: the existing data directory again on its port, else initdb a fresh one
#                                      into a temp directory on a free loopback port
#   deploy/local/postgres.sh stop      stop the server; its data stays (start or restart brings it back)
#   deploy/local/postgres.sh restart   stop it if running, start it again on the same port with the same data
# Deleting the data is deploy/local/down.sh's job. The connection string lands in $ACTOROAUTH_LOCAL_DIR/env as
# CONNECTION_STRING; it stays the same across stop and start.
source "$(dirname "$0")/lib.sh"

# Loads PG_BIN, PG_DIR and PG_PORT when the env file names a data directory that still exists.
existing() {
  [ -f "$ENV_FILE" ] && grep -q '^PG_DIR=' "$ENV_FILE" || return 1
  load_env
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]
}

running() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; }

# Starts the server of $PG_DIR on $PG_PORT. Throwaway data: fsync off keeps it quick; loopback only; socket in
# its own directory.
run_server() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
    || { tail -n 40 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
}

start_existing() {
  if running; then
    log "PostgreSQL already running on port $PG_PORT"
    return
  fi
  # The silos and APIs were given this port: it must be the same one, not a new free port.
  port_in_use "$PG_PORT" && die "port $PG_PORT (PostgreSQL's, in $ENV_FILE) is taken by another process"
  run_server
  log "PostgreSQL started again on 127.0.0.1:$PG_PORT (data in $PG_DIR)"
}

start() {
  if existing; then
    start_existing
    return
  fi
  local bin dir port
  bin="$(pg_bin)"
  dir="$(mktemp -d /tmp/actoroauth-pg.XXXXXX)"
  chmod 0755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  port="$(free_port)"
  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  save_var PG_BIN "$bin"
  save_var PG_DIR "$dir"
  save_var PG_PORT "$port"
  run_server
  save_var CONNECTION_STRING "Host=127.0.0.1;Port=$port;Database=actoroauth;Username=postgres;Maximum Pool Size=50"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir)"
}

stop() {
  existing || { log "no PostgreSQL data in $STATE_DIR: nothing to stop"; return 0; }
  if running; then
    # A clean shutdown (checkpoint written), so the next start needs no recovery.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null \
      || { tail -n 40 "$PG_DIR/server.log" >&2; die "PostgreSQL did not stop"; }
    log "PostgreSQL stopped (data kept in $PG_DIR)"
  else
    log "PostgreSQL is not running (data in $PG_DIR)"
  fi
}

restart() {
  existing || die "no PostgreSQL data in $STATE_DIR to restart: use start"
  stop
  start_existing
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
