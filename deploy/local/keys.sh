#!/usr/bin/env bash
# The local cluster's storage encryption keys: $ACTOROAUTH_LOCAL_DIR/keys/<id> (base64) and keys.json, the key file
# every silo reads (ActorOAuth:Encryption:KeyFile). Never stored in the database.
#   deploy/local/keys.sh add      create a new key and make it the active one; prints its id
#   deploy/local/keys.sh list     key ids, the active one marked
source "$(dirname "$0")/lib.sh"
[ -d "$STATE_DIR" ] || die "no local cluster in $STATE_DIR"
dir="$STATE_DIR/keys"
mkdir -p "$dir"
chmod 0700 "$dir"

write_key_file() {
  local active first=1
  active="$(cat "$dir/active")"
  {
    printf '{\n  "activeKey": "%s",\n  "keys": {\n' "$active"
    for f in "$dir"/k-*; do
      [ "$first" -eq 1 ] || printf ',\n'
      first=0
      printf '    "%s": "%s"' "$(basename "$f")" "$(cat "$f")"
    done
    printf '\n  }\n}\n'
  } > "$STATE_DIR/keys.json.tmp"
  chmod 0600 "$STATE_DIR/keys.json.tmp"
  mv "$STATE_DIR/keys.json.tmp" "$STATE_DIR/keys.json"
}

case "${1:-}" in
  add)
    id="k-$(date -u +%Y%m%d%H%M%S)-$RANDOM"
    (umask 077; openssl rand -base64 32 > "$dir/$id")
    echo "$id" > "$dir/active"
    write_key_file
    log "encryption key $id added and active"
    echo "$id"
    ;;
  list)
    active="$(cat "$dir/active" 2>/dev/null || true)"
    for f in "$dir"/k-*; do
      id="$(basename "$f")"
      [ "$id" = "$active" ] && echo "$id (active)" || echo "$id"
    done
    ;;
  *) echo "usage: $0 add|list" >&2; exit 2 ;;
esac
