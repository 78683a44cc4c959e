#!/usr/bin/env bash
# Starts a whole local cluster on loopback and prints where the APIs are:
#   throwaway PostgreSQL -> migrate -> sandbox OAuth provider -> N silos -> M API processes.
#   deploy/local/up.sh [--silos N] [--apis M] [--no-build]      (defaults: 2 silos, 1 API)
# Stop everything with deploy/local/down.sh. State: $ACTOROAUTH_LOCAL_DIR (default /tmp/actoroauth-local).
# Optional environment: REGION (default local), SANDBOX_TOKEN_LIFETIME (default 01:00:00), CONFIGURATION (Release),
# and any setting in its environment-variable form, e.g. ActorOAuth__Cluster__Membership__ProbeTimeout=00:00:02.
source "$(dirname "$0")/lib.sh"

silos=2; apis=1; build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --silos) silos="$2"; shift 2 ;;
    --apis) apis="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) die "unknown option $1 (use --silos N --apis M --no-build)" ;;
  esac
done
[ "$silos" -ge 1 ] && [ "$apis" -ge 1 ] || die "need at least one silo and one API"
if [ -f "$ENV_FILE" ]; then die "a local cluster already exists in $STATE_DIR: deploy/local/down.sh first"; fi

if [ "$build" -eq 1 ]; then
  log "building ($CONFIGURATION)"
  dotnet build "$REPO_ROOT/src/ActorOAuth.Silo/ActorOAuth.Silo.csproj" -c "$CONFIGURATION" -v q -nologo >&2
  dotnet build "$REPO_ROOT/src/ActorOAuth.Api/ActorOAuth.Api.csproj" -c "$CONFIGURATION" -v q -nologo >&2
fi
for project in ActorOAuth.Silo ActorOAuth.Api ActorOAuth.Sandbox; do
  [ -f "$(dll "$project")" ] || die "$(dll "$project") is missing: run without --no-build"
done

mkdir -p "$STATE_DIR/pids" "$STATE_DIR/logs" "$STATE_DIR/keys"
chmod 0700 "$STATE_DIR/keys"
save_var CLUSTER_ID "${CLUSTER_ID:-actoroauth-local}"
save_var SERVICE_ID "${SERVICE_ID:-actoroauth}"
save_var REGION "${REGION:-local}"
save_var API_KEY "${API_KEY:-local-key}"

# 1. PostgreSQL and the schema.
bash "$(dirname "$0")/postgres.sh" start
load_env
dotnet "$(dll ActorOAuth.Silo)" migrate "--ActorOAuth:Cluster:ConnectionString=$CONNECTION_STRING" >&2

# 2. The encryption key ring: one key, active. It stays out of the database (rotate-key.sh adds keys).
bash "$(dirname "$0")/keys.sh" add >/dev/null

# 3. The sandbox provider, registered with every API's callback URL.
for i in $(seq 1 "$apis"); do save_var "API_${i}_PORT" "$(free_port)"; done
load_env
save_var SANDBOX_PORT "$(free_port)"
sandbox_port="$SANDBOX_PORT"
save_var SANDBOX_URL "http://127.0.0.1:$sandbox_port"
redirects=()
for i in $(seq 1 "$apis"); do
  port_var="API_${i}_PORT"
  redirects+=("--Sandbox:RedirectUris:$(( i - 1 ))=http://127.0.0.1:${!port_var}/callback")
done
nohup dotnet "$(dll ActorOAuth.Sandbox)" "--urls=$SANDBOX_URL" "${redirects[@]}" \
  "--Sandbox:AccessTokenLifetime=${SANDBOX_TOKEN_LIFETIME:-01:00:00}" \
  </dev/null >"$STATE_DIR/logs/sandbox.log" 2>&1 &
echo $! > "$STATE_DIR/pids/sandbox.pid"
wait_answers "$sandbox_port" 60 "$STATE_DIR/logs/sandbox.log"
log "sandbox provider: $SANDBOX_URL"

# 4. Silos, then APIs.
for i in $(seq 1 "$silos"); do bash "$(dirname "$0")/start-silo.sh" "$i"; done
for i in $(seq 1 "$apis"); do bash "$(dirname "$0")/start-api.sh" "$i"; done

bash "$(dirname "$0")/status.sh"
