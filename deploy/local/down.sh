#!/usr/bin/env bash
# Stops everything the local cluster started (APIs, silos gracefully, sandbox, PostgreSQL) and deletes its state,
# PostgreSQL's data directory included (deploy/local/postgres.sh stop keeps it).
source "$(dirname "$0")/lib.sh"
[ -f "$ENV_FILE" ] || { log "nothing running in $STATE_DIR"; exit 0; }
for pidfile in "$STATE_DIR"/pids/api-*.pid; do [ -e "$pidfile" ] && stop_pidfile "$pidfile" 20; done
for pidfile in "$STATE_DIR"/pids/silo-*.pid; do [ -e "$pidfile" ] && stop_pidfile "$pidfile" 40 & done
wait
stop_pidfile "$STATE_DIR/pids/sandbox.pid" 10
bash "$(dirname "$0")/postgres.sh" stop
load_env
# Only a directory postgres.sh created: the env file is not trusted to name anything else.
case "${PG_DIR:-}" in
  /tmp/actoroauth-pg.*) rm -rf "$PG_DIR"; log "PostgreSQL's data deleted" ;;
esac
rm -rf "$STATE_DIR"
log "stopped"
