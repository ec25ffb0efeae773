# shellcheck shell=bash
# The one shell library of stack/, for the native stack and the compose path:
# paths, logging, ports, pids, apt and Maven. Sourced, never run. Every path is
# computed from this file's location so the scripts work from any clone.
#
# Style of every script here: bash, `set -euo pipefail`, `[[ ]]` tests, `log`
# to stderr and `die` to stop, functions named <server>_<action>.

STACK_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$STACK_SRC/.." && pwd)"
CACHE="$ROOT/.cache"
# Installed tools (jars, binaries) are shared by every stack of this clone.
TOOLS="$CACHE/tools"
# Servers' state (data, logs, pid files). STACK_DATA=<dir> with
# STACK_PORT_OFFSET=<n> runs a second native stack beside the first one.
STACK_DATA="${STACK_DATA:-$CACHE/stack}"

# The tag of log lines: `[stack]`, or what a script sets (`[docker]`). A log
# line never stops a script: its stderr may be a pipe closed by a Ctrl-C.
LOG_TAG="${LOG_TAG:-stack}"
log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2 2>/dev/null || true; }
die() {
  log "error: $*"
  exit 1
}

# Seconds, to one decimal, since an $EPOCHREALTIME reading.
elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Exports KEY=value lines from a file, but only for keys the caller's
# environment does not set already, so `GATEWAY_PORT=8080 npm run up` wins.
load_env_defaults() {
  local file="$1" line key
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    key="${line%%=*}"
    # shellcheck disable=SC2163 # exports the whole KEY=value line
    [[ -v "$key" ]] || export "$line"
  done <"$file"
}

# in_list WORD ITEM...: whether WORD is one of the items.
in_list() {
  local want="$1" item
  shift
  for item in "$@"; do [[ "$item" == "$want" ]] && return 0; done
  return 1
}

port_open() { (: <"/dev/tcp/$1/$2") 2>/dev/null; }

# The status code of GET http://127.0.0.1:PORT/PATH, without curl; empty when
# nothing answers.
http_status() {
  local port="$1" path="$2" line=""
  {
    exec 3<>"/dev/tcp/127.0.0.1/$port" &&
      printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3 &&
      read -r -t 5 line <&3
    exec 3>&-
  } 2>/dev/null || true
  [[ "$line" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}"
  return 0
}

# Waits until host:port accepts, while the process in pid stays alive.
wait_for_port() {
  local host="$1" port="$2" pid="$3" timeout="$4" waited=0
  until port_open "$host" "$port"; do
    kill -0 "$pid" 2>/dev/null || return 1
    ((waited++ < timeout * 10)) || return 1
    sleep 0.1
  done
}

read_pid() { [[ -s "$1" ]] && cat "$1"; }

# A pid counts as ours only if its command line names this clone (or this
# stack's data folder), so a stale pid file after a reboot never makes us
# signal someone else's process.
pid_is_ours() {
  local pid="$1" cmd
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
  [[ "$cmd" == *"$ROOT/"* || "$cmd" == *"$STACK_DATA/"* ]]
}

pidfile_alive() {
  local pid
  pid="$(read_pid "$1")" && pid_is_ours "$pid"
}

# TERM, wait up to $2 seconds, then KILL.
stop_pid() {
  local pid="$1" timeout="${2:-20}" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited++ >= timeout * 10)); then
      log "pid $pid ignored TERM for ${timeout}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
}

# Starts a command detached in its own session (so a Ctrl-C in the calling
# terminal does not reach it), with no stdin and its output in a log file,
# and records its pid.
spawn() {
  local pidfile="$1" logfile="$2"
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  echo $! >"$pidfile"
}

# One up or down at a time per stack: two at once would both build, format
# and start the same servers. fd 9 holds the lock; spawn closes it so no
# server inherits it.
stack_lock() {
  mkdir -p "$STACK_DATA"
  exec 9>"$STACK_DATA/.lock"
  flock -n 9 && return
  log "another stack up/down is running on $STACK_DATA; waiting for it"
  flock 9
}

# Installs run side by side, so apt-get runs under a lock of ours.
apt_install() {
  mkdir -p "$CACHE"
  (
    flock 8
    apt_install_locked "$@"
  ) 8>"$CACHE/.apt.lock"
}

apt_install_locked() {
  [[ "$(id -u)" == 0 ]] || die "installing $* needs root: run as root or install it yourself"
  local guard="" rc=0
  # Package scripts must not start their own system copy of a server on our
  # ports; a policy-rc.d that says 101 forbids it.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$guard" && chmod +x "$guard"
  fi
  log "installing Debian packages: $*"
  apt-get update -qq || rc=$?
  ((rc)) || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
  [[ -z "$guard" ]] || rm -f "$guard"
  return "$rc"
}

# Maven with its repository in our cache, never in the home folder; the
# dependency plugin pinned. Java and Maven are installed when missing.
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.11.0
mvn_cached() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  mvn -B -q -Dmaven.repo.local="$TOOLS/m2" "$@"
}

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
