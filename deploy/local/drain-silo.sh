#!/usr/bin/env bash
# Drains silo N: SIGTERM, the same signal Kubernetes sends. The silo deactivates its grains (their state is already
# in PostgreSQL), hands its reminders to the others, marks itself dead in the membership table and exits; the
# other silos and the APIs carry on. Waits until it has exited.
#   deploy/local/drain-silo.sh N
source "$(dirname "$0")/lib.sh"
load_env
n="${1:?usage: $0 N}"
pidfile="$STATE_DIR/pids/silo-$n.pid"
alive "$pidfile" || die "silo-$n is not running"
pid="$(cat "$pidfile")"
log "draining silo-$n (pid $pid)"
stop_pidfile "$pidfile" 60
log "silo-$n has left the cluster (start it again with deploy/local/start-silo.sh $n)"
