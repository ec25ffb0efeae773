# The native stack as a list of servers, each driven through the same few
# functions. Sourced by up, down, status (and later start).
#
# A server NAME is a file servers/NAME.sh defining NAME_install, NAME_start and
# NAME_port, and optionally NAME_stop (default: TERM the pid, wait
# NAME_stop_timeout seconds, then KILL) and NAME_ensure (runs once it is up,
# also when it already was). A NAME with no functions of its own but with an
# env file stack/env/NAME.env is a Bun service (servers/bun-service.sh).
# Scripts: up, down, status, reset NAME..., test.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_env_defaults "$STACK_SRC/native.env"
# shellcheck source=/dev/null
for f in "$STACK_SRC"/servers/*.sh; do source "$f"; done

# Start order; down runs it backwards.
STACK_SERVERS=(postgres kafka ferretdb user product inventory order caddy)
STACK_READY_TIMEOUT="${STACK_READY_TIMEOUT:-90}"

server_pidfile() { echo "$STACK_DATA/$1/pid"; }
server_log() { echo "$STACK_DATA/$1/$1.log"; }

# Prints the function that does ACTION for NAME, or nothing if it has none.
server_fn() {
  local name="$1" action="$2"
  if declare -F "${name}_${action}" >/dev/null; then
    echo "${name}_${action}"
  elif [[ -f "$STACK_SRC/env/$name.env" ]] && declare -F "bun_service_${action}" >/dev/null; then
    echo "bun_service_${action}"
  fi
}

check_servers() {
  local name
  for name in "${STACK_SERVERS[@]}"; do
    [[ -n "$(server_fn "$name" port)" ]] ||
      die "unknown server '$name': no stack/servers/$name.sh and no stack/env/$name.env"
  done
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

# Starts NAME's install in the background unless NAME runs already, so the
# slow ones (the FerretDB build above all) overlap; server_up waits for it.
declare -A INSTALL_JOBS=()
server_install_async() {
  local name="$1"
  pidfile_alive "$(server_pidfile "$name")" && return
  mkdir -p "$STACK_DATA/$name"
  (
    server_step "$name" install
    exit "$STEP_RC"
  ) &
  INSTALL_JOBS[$name]=$!
}

server_install() {
  local name="$1" job="${INSTALL_JOBS[$1]:-}"
  if [[ -z "$job" ]]; then
    server_step "$name" install
  else
    STEP_RC=0
    wait "$job" || STEP_RC=$?
  fi
}

server_up() {
  local name="$1" port pidfile pid starting="" t0=$EPOCHREALTIME
  port="$(server_port "$name")"
  pidfile="$(server_pidfile "$name")"
  mkdir -p "$STACK_DATA/$name"
  if pidfile_alive "$pidfile"; then
    port_open 127.0.0.1 "$port" && log "$name: already running (pid $(read_pid "$pidfile"), port $port)"
  else
    rm -f "$pidfile"
    if port_open 127.0.0.1 "$port"; then
      log "$name cannot start: port $port is taken by a process this stack did not start:"
      ss -Hltnp "sport = :$port" >&2 || true
      exit 1
    fi
    server_install "$name"
    ((STEP_RC == 0)) || server_fail "$name" "failed to install"
    log "$name: starting on 127.0.0.1:$port"
    server_step "$name" start
    ((STEP_RC == 0)) || server_fail "$name" "failed to start"
    starting=1
  fi
  pid="$(read_pid "$pidfile")" || server_fail "$name" "wrote no pid file"
  if ! wait_for_port 127.0.0.1 "$port" "$pid" "$STACK_READY_TIMEOUT"; then
    kill -0 "$pid" 2>/dev/null || server_fail "$name" "exited while starting (pid $pid)"
    server_fail "$name" "did not accept connections on port $port within ${STACK_READY_TIMEOUT}s"
  fi
  [[ -z "$starting" ]] || log "$name: ready in $(elapsed_since "$t0")s (pid $pid)"
  server_step "$name" ensure
  ((STEP_RC == 0)) || server_fail "$name" "is up but its set-up step failed"
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

server_status() {
  local name="$1" pidfile port
  pidfile="$(server_pidfile "$name")"
  port="$(server_port "$name")"
  if server_running "$name"; then
    printf '%-10s running (pid %s, port %s)\n' "$name" "$(read_pid "$pidfile")" "$port"
  elif pidfile_alive "$pidfile"; then
    printf '%-10s not ready (pid %s, port %s not accepting)\n' "$name" "$(read_pid "$pidfile")" "$port"
  else
    printf '%-10s stopped\n' "$name"
  fi
}

check_servers
