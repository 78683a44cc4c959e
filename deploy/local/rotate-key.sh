#!/usr/bin/env bash
# Rotates the storage encryption key with no downtime:
#   1. adds a new key to the key file and makes it active (old keys stay, so old rows stay readable),
#   2. restarts the silos one at a time (drain, start) so every silo writes with the new key,
#   3. runs `ActorOAuth.Silo reencrypt`, which rewrites every stored row with the new key.
# Afterwards older keys could be removed from $ACTOROAUTH_LOCAL_DIR/keys (no row uses them any more).
source "$(dirname "$0")/lib.sh"
load_env
id="$(bash "$(dirname "$0")/keys.sh" add)"
for pidfile in "$STATE_DIR"/pids/silo-*.pid; do
  [ -e "$pidfile" ] || continue
  n="$(basename "$pidfile" .pid)"; n="${n#silo-}"
  alive "$pidfile" || continue
  bash "$(dirname "$0")/drain-silo.sh" "$n"
  bash "$(dirname "$0")/start-silo.sh" "$n"
done
dotnet "$(dll ActorOAuth.Silo)" reencrypt \
  "--ActorOAuth:Cluster:ConnectionString=$CONNECTION_STRING" \
  "--ActorOAuth:Cluster:ServiceId=$SERVICE_ID" \
  "--ActorOAuth:Encryption:KeyFile=$STATE_DIR/keys.json"
log "key rotated: every silo writes with $id and every row is encrypted with it"
