#!/usr/bin/env bash
# Starts silo number N (default: the next free number) of the local cluster and waits until it is active.
#   deploy/local/start-silo.sh [N]
# Its ports are chosen once and reused when the same number is started again (rolling restarts).
source "$(dirname "$0")/lib.sh"
load_env

n="${1:-}"
if [ -z "$n" ]; then
  n=1
  while grep -q "^SILO_${n}_PORT=" "$ENV_FILE"; do n=$(( n + 1 )); done
fi
pidfile="$STATE_DIR/pids/silo-$n.pid"
alive "$pidfile" && die "silo-$n is already running (pid $(cat "$pidfile"))"

port_var="SILO_${n}_PORT"; gateway_var="SILO_${n}_GATEWAY"; http_var="SILO_${n}_HTTP"
if ! grep -q "^$port_var=" "$ENV_FILE"; then
  save_var "$port_var" "$(free_port)"
  save_var "$gateway_var" "$(free_port)"
  save_var "$http_var" "$(free_port)"
fi
load_env
silo_port="${!port_var}"; gateway_port="${!gateway_var}"; http_port="${!http_var}"

mkdir -p "$STATE_DIR/pids" "$STATE_DIR/logs"
logfile="$STATE_DIR/logs/silo-$n.log"
# Settings travel as command-line arguments; anything else (e.g. ActorOAuth__Cluster__Membership__ProbeTimeout)
# can be set in the environment of this script and is inherited.
nohup dotnet "$(dll ActorOAuth.Silo)" run \
  "--contentRoot=$(dirname "$(dll ActorOAuth.Silo)")" \
  "--urls=http://127.0.0.1:$http_port" \
  "--ActorOAuth:Cluster:ConnectionString=$CONNECTION_STRING" \
  "--ActorOAuth:Cluster:ClusterId=$CLUSTER_ID" \
  "--ActorOAuth:Cluster:ServiceId=$SERVICE_ID" \
  "--ActorOAuth:Cluster:Region=$REGION" \
  "--ActorOAuth:Cluster:AdvertisedAddress=127.0.0.1" \
  "--ActorOAuth:Cluster:SiloPort=$silo_port" \
  "--ActorOAuth:Cluster:GatewayPort=$gateway_port" \
  "--ActorOAuth:Cluster:SiloName=silo-$n" \
  "--ActorOAuth:Encryption:KeyFile=$STATE_DIR/keys.json" \
  "--ActorOAuth:Connections:ReminderPeriod=00:01:00" \
  "--ActorOAuth:ProviderSecurity:AllowLoopback=${ALLOW_LOOPBACK_PROVIDERS:-true}" \
  </dev/null >"$logfile" 2>&1 &
echo $! > "$pidfile"
wait_ready "$http_port" /readyz 120 "$logfile"
log "silo-$n active: pid $(cat "$pidfile"), silo port $silo_port, gateway $gateway_port, health http://127.0.0.1:$http_port/readyz, log $logfile"
