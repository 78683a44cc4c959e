#!/usr/bin/env bash
# Prints the local cluster: API URLs, silos, sandbox, database.
source "$(dirname "$0")/lib.sh"
load_env
: > "$STATE_DIR/api-urls"
echo "ActorOAuth local cluster ($STATE_DIR), cluster id $CLUSTER_ID, region $REGION"
for pidfile in "$STATE_DIR"/pids/api-*.pid; do
  [ -e "$pidfile" ] || continue
  n="$(basename "$pidfile" .pid)"; n="${n#api-}"; port_var="API_${n}_PORT"
  if alive "$pidfile"; then
    echo "  API api-$n: http://127.0.0.1:${!port_var}  (Authorization: Bearer $API_KEY)"
    echo "http://127.0.0.1:${!port_var}" >> "$STATE_DIR/api-urls"
  fi
done
for pidfile in "$STATE_DIR"/pids/silo-*.pid; do
  [ -e "$pidfile" ] || continue
  n="$(basename "$pidfile" .pid)"; n="${n#silo-}"; http_var="SILO_${n}_HTTP"; port_var="SILO_${n}_PORT"
  if alive "$pidfile"; then state="running (pid $(cat "$pidfile"))"; else state="stopped"; fi
  echo "  silo-$n: $state, silo port ${!port_var}, health http://127.0.0.1:${!http_var}/readyz"
done
echo "  sandbox provider: $SANDBOX_URL (client actoroauth / sandbox-secret)"
echo "  PostgreSQL: $CONNECTION_STRING"
echo "  encryption keys: $(bash "$(dirname "$0")/keys.sh" list | tr '\n' ' ')"
