# shellcheck shell=bash
# Part of the compose path, sourced by stack/docker/docker.sh.

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
  if [[ -z "$url" ]] && [[ -f /etc/apt/sources.list ]]; then
    url="$(awk '$1=="deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  [[ -n "$url" ]] || die "no Debian bookworm mirror found in the apt sources of this machine"
  echo "$url"
}

# local/debian:bookworm: debootstrap minbase into .cache (kept), then docker import.
dk_base_image() {
  if "$DOCKER" image inspect local/debian:bookworm >/dev/null 2>&1; then
    return 0
  fi
  if [[ ! -f "$DK_ROOTFS_DIR/.complete" ]]; then
    local mirror
    mirror="$(dk_debian_mirror)"
    log "debootstrap bookworm (minbase) into .cache/docker/rootfs"
    rm -rf "$DK_ROOTFS_DIR"
    mkdir -p "$DK_ROOTFS_DIR"
    debootstrap --variant=minbase bookworm "$DK_ROOTFS_DIR" "$mirror" >"$DK_CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$DK_CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$DK_ROOTFS_DIR"/var/cache/apt/archives/*.deb "$DK_ROOTFS_DIR"/var/lib/apt/lists/*
    touch "$DK_ROOTFS_DIR/.complete"
  fi
  log "docker import local/debian:bookworm"
  tar -C "$DK_ROOTFS_DIR" --exclude=./.complete -c . \
    | "$DOCKER" import -c 'CMD ["/bin/bash"]' - local/debian:bookworm >/dev/null
}

# ------------------------------------------------------- staged artefacts ----

# Runs one install step of the native stack (stack/servers/<name>.sh) so that
# its artefacts (Kafka's jars, the FerretDB binary) are built or downloaded in
# one place for both stacks, then prints the variable that names the result.
dk_native_artefact() { # $1 = server name, $2 = variable naming the artefact
  (
    set -euo pipefail
    # shellcheck source=/dev/null
    source "$STACK_SRC/servers/$1.sh"
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
  if [[ ! -e "$ROOT/node_modules/.bin/bun" ]]; then
    log "no node_modules: npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund >/dev/null) || die "npm ci failed"
  fi
  # Installed with scripts off, the bun package leaves a stub binary.
  "$ROOT/node_modules/.bin/bun" --version >/dev/null 2>&1 \
    || (cd "$ROOT" && node node_modules/bun/install.js >/dev/null 2>&1) || true
  bun_src="$(readlink -f "$ROOT/node_modules/.bin/bun" 2>/dev/null || true)"
  [[ -x "$bun_src" ]] || die "node_modules/.bin/bun is missing: run npm install first"
  want="$(sed -n 's/.*"bun": *"\([0-9.]*\)".*/\1/p' "$ROOT/package.json" | head -1)"
  have="$("$bun_src" --version 2>/dev/null || true)"
  [[ "$have" = "$want" ]] || die "node_modules/.bin/bun is '$have', package.json pins bun $want (run npm install; with --ignore-scripts run node node_modules/bun/install.js)"
  dk_copy_if_changed "$bun_src" "$DK_DIR/bun/bun"
  chmod 755 "$DK_DIR/bun/bun"
  [[ -s /etc/ssl/certs/ca-certificates.crt ]] || die "no CA bundle at /etc/ssl/certs/ca-certificates.crt (apt-get install ca-certificates)"
  dk_copy_if_changed /etc/ssl/certs/ca-certificates.crt "$DK_DIR/bun/ca-certificates.crt"
  chmod 644 "$DK_DIR/bun/ca-certificates.crt"

  # Kafka's jars, as the native stack copies them from Maven Central.
  local libs
  libs="$(dk_native_artefact kafka KAFKA_LIBS)" || die "could not get Kafka's jars (native stack's kafka_install)"
  compgen -G "$libs/kafka_2.13-*.jar" >/dev/null || die "no kafka_2.13 jar in $libs"
  if ! diff -q <(cd "$libs" && ls -l --time-style=+%s -- *.jar) \
               <(cd "$DK_DIR/kafka/libs" 2>/dev/null && ls -l --time-style=+%s -- *.jar) >/dev/null 2>&1; then
    rm -rf "$DK_DIR/kafka/libs"
    mkdir -p "$DK_DIR/kafka/libs"
    cp -p "$libs"/*.jar "$DK_DIR/kafka/libs/"
  fi

  # FerretDB: the native stack's Go program, built with CGO_ENABLED=0, so the
  # same binary runs in a FROM scratch image.
  local fdb
  fdb="$(dk_native_artefact ferretdb FERRETDB_BIN)" || die "could not build FerretDB (native stack's ferretdb_install)"
  [[ -x "$fdb" ]] || die "no FerretDB binary at $fdb"
  if grep -q 'ld-linux' "$fdb"; then
    die "$fdb is dynamically linked; the FROM scratch stand-in needs a CGO_ENABLED=0 build"
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
