# shellcheck shell=bash
# The native stack as a list of servers, each driven through the same few
# functions. Sourced by up, down, status, start, reset and test.
#
# A server KIND is a file servers/KIND.sh defining KIND_install, KIND_start and
# KIND_port, and optionally KIND_stop (default: TERM the pid, wait
# KIND_stop_timeout seconds, then KILL), KIND_ensure (runs once it is up, also
# when it already was) and KIND_config (what it was started with: when that
# changes, up restarts it). A KIND with no file of its own but an env file
# stack/env/KIND.env is a Bun service (servers/bun-service.sh). A server NAME
# is its kind, or kind-N for its N-th process (order-2, kafka-3).
#
# The shape of the stack comes from three variables; unset, up keeps the
# shape of the stack that runs (so `npm test` beside `REPLICAS=2 npm start`
# changes nothing):
#   REPLICAS=1|2|3     processes of every service (the N-th on port + 100*(N-1))
#   KAFKA_NODES=1|3    KRaft nodes, broker and controller each
#   OBSERVABILITY=0|1  Prometheus and Zipkin beside the services

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SHAPE_FILE="$STACK_DATA/shape"
stack_read_shape() {
  local saved_replicas=1 saved_nodes=1 saved_obs=0
  # shellcheck source=/dev/null
  if [[ -s "$SHAPE_FILE" ]]; then source "$SHAPE_FILE"; fi
  REPLICAS="${REPLICAS:-$saved_replicas}"
  KAFKA_NODES="${KAFKA_NODES:-$saved_nodes}"
  OBSERVABILITY="${OBSERVABILITY:-$saved_obs}"
  [[ "$REPLICAS" =~ ^[123]$ ]] || die "REPLICAS must be 1, 2 or 3 (got '$REPLICAS')"
  [[ "$KAFKA_NODES" =~ ^[13]$ ]] || die "KAFKA_NODES must be 1 or 3 (got '$KAFKA_NODES')"
  [[ "$OBSERVABILITY" =~ ^[01]$ ]] || die "OBSERVABILITY must be 0 or 1 (got '$OBSERVABILITY')"
  export REPLICAS KAFKA_NODES OBSERVABILITY
}
stack_save_shape() {
  printf 'saved_replicas=%s\nsaved_nodes=%s\nsaved_obs=%s\n' "$REPLICAS" "$KAFKA_NODES" "$OBSERVABILITY" >"$SHAPE_FILE"
}
stack_read_shape
load_env_defaults "$STACK_SRC/native.env"
# A second stack beside the first: every port moved by the same offset
# (once: the scripts that start/test run are children that source this too).
STACK_PORT_OFFSET="${STACK_PORT_OFFSET:-0}"
if [[ "${STACK_PORTS_MOVED:-}" != "$STACK_PORT_OFFSET" ]]; then
  for var in GATEWAY_PORT POSTGRES_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT FERRETDB_PORT PROMETHEUS_PORT ZIPKIN_PORT; do
    export "$var=$((${!var} + STACK_PORT_OFFSET))"
  done
  export STACK_PORTS_MOVED="$STACK_PORT_OFFSET"
fi
# shellcheck source=/dev/null
for f in "$STACK_SRC"/servers/*.sh; do source "$f"; done

SERVICES=(user product inventory order)
# Start groups, in order (the servers of a group start together, then up
# waits for each); down runs them backwards. STACK_ALL lists every server any
# shape can have, so down and status also find what another shape started.
stack_groups() {
  local max_replicas="$1" max_nodes="$2" obs="$3" svc i group
  echo postgres
  group=kafka
  for ((i = 2; i <= max_nodes; i++)); do group+=" kafka-$i"; done
  echo "$group"
  echo ferretdb
  ((obs)) && echo zipkin
  for svc in "${SERVICES[@]}"; do
    group="$svc"
    for ((i = 2; i <= max_replicas; i++)); do group+=" $svc-$i"; done
    echo "$group"
  done
  echo caddy
  ((obs)) && echo prometheus
  return 0
}
mapfile -t STACK_GROUPS < <(stack_groups "$REPLICAS" "$KAFKA_NODES" "$OBSERVABILITY")
read -ra STACK_SERVERS <<<"${STACK_GROUPS[*]}"
mapfile -t STACK_ALL_GROUPS < <(stack_groups 3 3 1)
read -ra STACK_ALL <<<"${STACK_ALL_GROUPS[*]}"
STACK_READY_TIMEOUT="${STACK_READY_TIMEOUT:-90}"

server_kind() { echo "${1%-[0-9]}"; }
# 1 for order, 2 for order-2.
server_index() { [[ "$1" =~ -([0-9])$ ]] && echo "${BASH_REMATCH[1]}" || echo 1; }
server_pidfile() { echo "$STACK_DATA/$1/pid"; }
server_log() { echo "$STACK_DATA/$1/$1.log"; }

# Prints the function that does ACTION for NAME, or nothing if it has none.
server_fn() {
  local kind action="$2"
  kind="$(server_kind "$1")"
  if declare -F "${kind}_${action}" >/dev/null; then
    echo "${kind}_${action}"
  elif [[ -f "$STACK_SRC/env/$kind.env" ]] && declare -F "bun_service_${action}" >/dev/null; then
    echo "bun_service_${action}"
  fi
}

server_port() { "$(server_fn "$1" port)" "$1"; }

server_running() {
  pidfile_alive "$(server_pidfile "$1")" && port_open 127.0.0.1 "$(server_port "$1")"
}

server_fail() {
  local name="$1" why="$2" logfile
  logfile="$(server_log "$name")"
  log "$name $why; its log is $logfile"
  if [[ -s "$logfile" ]]; then tail -n 20 "$logfile" | sed 's/^/    /' >&2; fi
  exit 1
}

# Runs NAME's ACTION (if it has one) in a subshell with errexit really in
# force, and leaves its exit status in STEP_RC. Call it as a plain command:
# bash ignores set -e inside anything called from `if` or `cmd || handler`.
server_step() {
  local name="$1" action="$2" fn
  STEP_RC=0
  fn="$(server_fn "$name" "$action")"
  [[ -n "$fn" ]] || return 0
  set +e
  (
    set -e
    "$fn" "$name"
  )
  STEP_RC=$?
  set -e
}

# The install of each kind runs once, in the background, unless its first
# server runs already, so the slow ones (the FerretDB build above all)
# overlap; server_start waits for it.
declare -A INSTALL_JOBS=()
server_install_async() {
  local name="$1" kind
  kind="$(server_kind "$name")"
  [[ -z "${INSTALL_JOBS[$kind]:-}" ]] || return 0
  pidfile_alive "$(server_pidfile "$name")" && return
  mkdir -p "$STACK_DATA/$name"
  (
    server_step "$name" install
    exit "$STEP_RC"
  ) &
  INSTALL_JOBS[$kind]=$!
}

server_install() {
  local name="$1" job="${INSTALL_JOBS[$(server_kind "$1")]:-}"
  STEP_RC=0
  if [[ -z "$job" ]]; then server_step "$name" install; else wait "$job" || STEP_RC=$?; fi
}

# What NAME would be started with now, and what it was started with.
server_config_now() {
  local fn
  fn="$(server_fn "$1" config)"
  [[ -z "$fn" ]] || "$fn" "$1"
}
server_config_file() { echo "$STACK_DATA/$1/started-with"; }
# A server started before these records existed ran with the default shape.
server_config_then() {
  local file
  file="$(server_config_file "$1")"
  if [[ -f "$file" ]]; then cat "$file"; else REPLICAS=1 KAFKA_NODES=1 OBSERVABILITY=0 server_config_now "$1"; fi
}

# Starts NAME unless it runs with the same config; STARTING lists the names
# started, for server_wait.
STARTING=()
server_start() {
  local name="$1" port pidfile config
  port="$(server_port "$name")"
  pidfile="$(server_pidfile "$name")"
  mkdir -p "$STACK_DATA/$name"
  config="$(server_config_now "$name")"
  if pidfile_alive "$pidfile" && [[ "$(server_config_then "$name")" != "$config" ]]; then
    log "$name: its settings changed (the stack's shape), restarting it"
    server_down "$name"
  fi
  if pidfile_alive "$pidfile"; then
    port_open 127.0.0.1 "$port" && log "$name: already running (pid $(read_pid "$pidfile"), port $port)"
    return 0
  fi
  rm -f "$pidfile"
  if port_open 127.0.0.1 "$port"; then
    log "$name cannot start: port $port is taken by a process this stack did not start:"
    ss -Hltnp "sport = :$port" >&2 || true
    exit 1
  fi
  server_install "$name"
  ((STEP_RC == 0)) || server_fail "$name" "failed to install"
  log "$name: starting on 127.0.0.1:$port"
  STARTED_AT[$name]=$EPOCHREALTIME
  server_step "$name" start
  ((STEP_RC == 0)) || server_fail "$name" "failed to start"
  printf '%s\n' "$config" >"$(server_config_file "$name")"
  STARTING+=("$name")
}
declare -A STARTED_AT=()

server_wait() {
  local name="$1" port pid
  port="$(server_port "$name")"
  pid="$(read_pid "$(server_pidfile "$name")")" || server_fail "$name" "wrote no pid file"
  if ! wait_for_port 127.0.0.1 "$port" "$pid" "$STACK_READY_TIMEOUT"; then
    kill -0 "$pid" 2>/dev/null || server_fail "$name" "exited while starting (pid $pid)"
    server_fail "$name" "did not accept connections on port $port within ${STACK_READY_TIMEOUT}s"
  fi
  server_step "$name" ensure
  ((STEP_RC == 0)) || server_fail "$name" "is up but its set-up step failed"
  if in_list "$name" "${STARTING[@]}"; then
    log "$name: ready in $(elapsed_since "${STARTED_AT[$name]}")s (pid $pid)"
  fi
}

# Starts the servers of one group together, then waits for each: the nodes
# of a Kafka cluster only serve once a majority of them runs.
group_up() {
  local name
  STARTING=()
  for name in "$@"; do server_start "$name"; done
  for name in "$@"; do server_wait "$name"; done
}

server_down() {
  local name="$1" pidfile pid fn timeout=20
  pidfile="$(server_pidfile "$name")"
  if pidfile_alive "$pidfile"; then
    pid="$(read_pid "$pidfile")"
    log "$name: stopping pid $pid"
    fn="$(server_fn "$name" stop_timeout)"
    [[ -z "$fn" ]] || timeout="$("$fn" "$name")"
    STEP_RC=1
    if [[ -n "$(server_fn "$name" stop)" ]]; then server_step "$name" stop; fi
    # No stop step of its own, or it failed: signal the pid.
    ((STEP_RC == 0)) || stop_pid "$pid" "$timeout"
  fi
  rm -f "$pidfile"
}

# Stops every server of every shape except the names given, group by group,
# last started first; the servers of a group together (a Kafka node that
# lost its quorum cannot finish a controlled shutdown).
stack_down_except() {
  local i name
  for ((i = ${#STACK_ALL_GROUPS[@]} - 1; i >= 0; i--)); do
    for name in ${STACK_ALL_GROUPS[i]}; do
      in_list "$name" "$@" || server_down "$name" &
    done
    wait
  done
}

server_status() {
  local name="$1" pidfile port
  pidfile="$(server_pidfile "$name")"
  port="$(server_port "$name")"
  if server_running "$name"; then
    printf '%-11s running (pid %s, port %s)\n' "$name" "$(read_pid "$pidfile")" "$port"
  elif pidfile_alive "$pidfile"; then
    printf '%-11s not ready (pid %s, port %s not accepting)\n' "$name" "$(read_pid "$pidfile")" "$port"
  else
    printf '%-11s stopped\n' "$name"
  fi
}

for name in "${STACK_ALL[@]}"; do
  [[ -n "$(server_fn "$name" port)" ]] ||
    die "unknown server '$name': no stack/servers/$(server_kind "$name").sh and no stack/env/$(server_kind "$name").env"
done
