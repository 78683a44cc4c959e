#!/usr/bin/env bash
# Starts API process number N (default: the next free number) as a pure Orleans client of the local cluster.
#   deploy/local/start-api.sh [N]
source "$(dirname "$0")/lib.sh"
load_env

n="${1:-}"
if [ -z "$n" ]; then
  n=1
  while alive "$STATE_DIR/pids/api-$n.pid"; do n=$(( n + 1 )); done
fi
pidfile="$STATE_DIR/pids/api-$n.pid"
alive "$pidfile" && die "api-$n is already running (pid $(cat "$pidfile"))"
port_var="API_${n}_PORT"
[ -n "${!port_var:-}" ] || die "no port reserved for api-$n (up.sh reserves them, so the sandbox knows every callback URL)"
port="${!port_var}"
url="http://127.0.0.1:$port"

mkdir -p "$STATE_DIR/pids" "$STATE_DIR/logs"
logfile="$STATE_DIR/logs/api-$n.log"
ASPNETCORE_ENVIRONMENT="${API_ENVIRONMENT:-Development}" nohup dotnet "$(dll ActorOAuth.Api)" \
  "--contentRoot=$(dirname "$(dll ActorOAuth.Api)")" \
  "--urls=$url" \
  "--ActorOAuth:Mode=Cluster" \
  "--ActorOAuth:Cluster:ConnectionString=$CONNECTION_STRING" \
  "--ActorOAuth:Cluster:ClusterId=$CLUSTER_ID" \
  "--ActorOAuth:Cluster:ServiceId=$SERVICE_ID" \
  "--ActorOAuth:PublicBaseUrl=$url" \
  "--ActorOAuth:ApiKeys:$API_KEY=local" \
  "--ActorOAuth:ProviderSecurity:AllowLoopback=true" \
  "--ActorOAuth:Sandbox:Enabled=false" \
  "--ActorOAuth:Providers:sandbox:AuthorizeUrl=$SANDBOX_URL/connect/authorize" \
  "--ActorOAuth:Providers:sandbox:TokenUrl=$SANDBOX_URL/connect/token" \
  "--ActorOAuth:Providers:sandbox:RevokeUrl=$SANDBOX_URL/connect/revoke" \
  "--ActorOAuth:Providers:sandbox:Issuer=$SANDBOX_URL/" \
  </dev/null >"$logfile" 2>&1 &
echo $! > "$pidfile"
wait_ready "$port" /readyz 120 "$logfile"
log "api-$n ready: $url (pid $(cat "$pidfile"), log $logfile)"
