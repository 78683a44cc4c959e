# Shared helpers of the deploy/local scripts (sourced, not run).
# State of one local cluster lives in $ACTOROAUTH_LOCAL_DIR (default /tmp/actoroauth-local): env (settings),
# pids/, logs/, keys.json. PostgreSQL's own data and socket directory is a separate mktemp directory under /tmp,
# because the server refuses to run as root: started as root, it runs as the `postgres` user, which must be able
# to reach its directories (never under root's home or any other 0700 parent).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${ACTOROAUTH_LOCAL_DIR:-/tmp/actoroauth-local}"
CONFIGURATION="${CONFIGURATION:-Release}"
ENV_FILE="$STATE_DIR/env"

log() { printf '[actoroauth-local] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Directory of PostgreSQL's server binaries: initdb/pg_ctl on PATH, else the newest Debian install.
pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] || die "PostgreSQL server binaries not found: apt-get install -y postgresql"
  echo "$dir"
}

# Runs a PostgreSQL binary as the postgres user when we are root (the server refuses root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A loopback TCP port nobody listens on, not reserved in $ENV_FILE by an earlier script (API ports are reserved
# before their processes bind them) and below the kernel's ephemeral range, so an outgoing connection's local
# port cannot take it between the choice and the bind.
_taken_ports=" "
free_port() {
  local port low=32768 reserved
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 12000 ] || low=32768
  reserved=" $(grep -shE '^[A-Z0-9_]+(PORT|GATEWAY|HTTP)=' "$ENV_FILE" | cut -d= -f2 | tr '\n' ' ' || true) "
  while true; do
    port=$(( 10000 + RANDOM % (low - 10000) ))
    case "$_taken_ports$reserved" in *" $port "*) continue ;; esac
    if ! port_in_use "$port"; then
      _taken_ports+="$port "
      echo "$port"
      return
    fi
  done
}

# HTTP status of GET http://127.0.0.1:$1$2, or 000 when nothing answers.
http_status() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$1$2" 2>/dev/null || true
}

# Waits until GET http://127.0.0.1:$1$2 answers 200 (or $3 seconds pass, default 90), failing with the log $4.
wait_ready() {
  local port="$1" path="$2" timeout="${3:-90}" logfile="${4:-}" deadline=$(( SECONDS + ${3:-90} ))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(http_status "$port" "$path")" = "200" ] && return 0
    sleep 0.5
  done
  [ -n "$logfile" ] && tail -n 40 "$logfile" >&2
  die "nothing ready on 127.0.0.1:$port$path after ${timeout}s"
}

# Waits until anything answers HTTP on 127.0.0.1:$1 (or $2 seconds pass), failing with the log $3.
wait_answers() {
  local port="$1" deadline=$(( SECONDS + ${2:-60} ))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(http_status "$port" /)" != "000" ] && return 0
    sleep 0.5
  done
  [ -n "${3:-}" ] && tail -n 40 "$3" >&2
  die "nothing answers on 127.0.0.1:$port"
}

load_env() {
  [ -f "$ENV_FILE" ] || die "no local cluster in $STATE_DIR (start one with deploy/local/up.sh)"
  # shellcheck disable=SC1090
  source "$ENV_FILE"
}

save_var() {
  mkdir -p "$STATE_DIR"
  touch "$ENV_FILE"
  grep -v "^$1=" "$ENV_FILE" > "$ENV_FILE.tmp" || true
  printf '%s=%q\n' "$1" "$2" >> "$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  printf -v "$1" '%s' "$2"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the process whose pid is in file $1: SIGTERM (graceful), then SIGKILL after $2 seconds (default 40).
stop_pidfile() {
  local pidfile="$1" grace="${2:-40}" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( SECONDS + grace ))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

dll() { echo "$REPO_ROOT/src/$1/bin/$CONFIGURATION/net10.0/$1.dll"; }
