# shellcheck shell=bash
# A Bun service of ours: <kind>/src/main.ts run with the variables of
# stack/env/<kind>.env. Any kind in the stack without a file of its own but
# with an env file is run this way; its N-th process (REPLICAS) listens on
# PORT + 100*(N-1).

bun_service_env() { echo "$STACK_SRC/env/$(server_kind "$1").env"; }

bun_service_port() {
  local port
  port="$(sed -n 's/^PORT=//p' "$(bun_service_env "$1")")"
  echo $((port + STACK_PORT_OFFSET + 100 * ($(server_index "$1") - 1)))
}

# Addresses of every process of a kind, for the gateway and Prometheus.
bun_service_addresses() {
  local kind="$1" i
  for ((i = 1; i <= REPLICAS; i++)); do
    local name="$kind"
    ((i == 1)) || name="$kind-$i"
    printf '127.0.0.1:%s\n' "$(bun_service_port "$name")"
  done
}

bun_service_install() {
  local kind
  kind="$(server_kind "$1")"
  [[ -x "$ROOT/node_modules/.bin/bun" ]] || die "$1: node_modules/.bin/bun is missing: run npm install first"
  [[ -f "$ROOT/$kind/src/main.ts" ]] || die "$1: $kind/src/main.ts does not exist"
}

# The variables the process gets: the env file's, with what the stack's
# shape decides on top (its port, every Kafka node, Zipkin), and loopback
# ports moved by STACK_PORT_OFFSET. The env file's values win over the
# caller's environment: names such as PORT are too generic to take from
# whatever shell runs `up`.
bun_service_config() {
  local name="$1" line key value
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    key="${line%%=*}" value="${line#*=}"
    case "$key" in PORT | KAFKA_BROKERS) continue ;; esac
    while [[ "$value" =~ ^(.*127\.0\.0\.1:)([0-9]+)(.*)$ ]] && ((STACK_PORT_OFFSET)); do
      value="${BASH_REMATCH[1]%:}@MOVED@:$((BASH_REMATCH[2] + STACK_PORT_OFFSET))${BASH_REMATCH[3]}"
    done
    printf '%s=%s\n' "$key" "${value//@MOVED@/}"
  done <"$(bun_service_env "$name")"
  printf 'PORT=%s\nKAFKA_BROKERS=%s\n' "$(bun_service_port "$name")" "$(kafka_brokers)"
  if ((OBSERVABILITY)); then
    printf 'ZIPKIN_URL=http://127.0.0.1:%s/api/v2/spans\n' "$ZIPKIN_PORT"
    printf 'TRACE_SAMPLE_RATIO=%s\n' "${TRACE_SAMPLE_RATIO:-1}"
  fi
}

bun_service_start() {
  local name="$1" kind env
  kind="$(server_kind "$name")"
  env="$STACK_DATA/$name/env"
  bun_service_config "$name" >"$env"
  # shellcheck disable=SC2016 # expanded by the inner bash
  spawn "$(server_pidfile "$name")" "$(server_log "$name")" \
    bash -c 'set -a && . "$1" && set +a && cd "$2" && NODE_NO_WARNINGS=1 exec "$3" "$4"' _ \
    "$env" "$ROOT/$kind" "$ROOT/node_modules/.bin/bun" "$ROOT/$kind/src/main.ts"
}

# Up counts a service ready once /ready says so (its HTTP port opens first,
# answering 503 while it connects); one that stays unready is reported, not
# stopped: its /ready names the check that fails.
bun_service_ensure() {
  local port waited=0 status
  port="$(bun_service_port "$1")"
  while status="$(http_status "$port" /ready)" && [[ "$status" != 200 ]]; do
    if ((waited++ >= STACK_READY_TIMEOUT * 2)); then
      log "$1: not ready after ${STACK_READY_TIMEOUT}s (GET /ready: ${status:-no answer}); see $(server_log "$1")"
      return 0
    fi
    sleep 0.5
  done
}

# Enough for a graceful shutdown (flush the outbox, commit offsets).
bun_service_stop_timeout() { echo 20; }
