# A Bun service of ours: <name>/src/main.ts run with the variables of
# stack/env/<name>.env. Any name in STACK_SERVERS without functions of its own
# but with an env file is run this way.

bun_service_env() { echo "$STACK_SRC/env/$1.env"; }

bun_service_port() {
  sed -n 's/^PORT=//p' "$(bun_service_env "$1")"
}

bun_service_install() {
  [[ -x "$ROOT/node_modules/.bin/bun" ]] || die "$1: node_modules/.bin/bun is missing: run npm install first"
  [[ -f "$ROOT/$1/src/main.ts" ]] || die "$1: $1/src/main.ts does not exist"
}

# The env file's values win over the caller's environment: names such as
# PORT are too generic to take from whatever shell runs `up`.
bun_service_start() {
  local name="$1"
  # shellcheck disable=SC2016 # expanded by the inner bash
  spawn "$(server_pidfile "$name")" "$(server_log "$name")" \
    bash -c 'set -a && . "$1" && set +a && cd "$2" && NODE_NO_WARNINGS=1 exec "$3" "$4"' _ \
    "$(bun_service_env "$name")" "$ROOT/$name" "$ROOT/node_modules/.bin/bun" "$ROOT/$name/src/main.ts"
}

# Enough for a graceful shutdown (flush the outbox, commit offsets).
bun_service_stop_timeout() { echo 20; }
