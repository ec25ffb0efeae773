# shellcheck shell=bash
# FerretDB 1.24.2 (MongoDB wire protocol on PostgreSQL): our own small Go
# program in stack/ferretdb on FerretDB's embeddable package.

FERRETDB_SRC="$STACK_SRC/ferretdb"
FERRETDB_BIN="$TOOLS/ferretdb/ferretdb"
FERRETDB_SOURCES=("$FERRETDB_SRC/main.go" "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum")

ferretdb_port() { echo "$FERRETDB_PORT"; }

# Keeps Go's module and build caches (about 1 GB) and its telemetry/config
# files in our cache instead of the home folder.
go_env() {
  env GOMODCACHE="$TOOLS/go/mod" GOCACHE="$TOOLS/go/cache" GOPATH="$TOOLS/go/path" \
    XDG_CONFIG_HOME="$TOOLS/go/config" GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 "$@"
}

ferretdb_install() {
  command -v go >/dev/null || die "Go (1.24 or newer) is needed to build FerretDB; it is not on PATH"
  local stamp
  stamp="$(sha_of "${FERRETDB_SOURCES[@]}")"
  [[ -x "$FERRETDB_BIN" && "$(cat "$FERRETDB_BIN.sha256" 2>/dev/null)" == "$stamp" ]] && return
  log "ferretdb: building $FERRETDB_BIN (about 90 s the first time)"
  mkdir -p "$(dirname "$FERRETDB_BIN")"
  (cd "$FERRETDB_SRC" && go_env go build -trimpath -ldflags='-s -w' -o "$FERRETDB_BIN.tmp" .) \
    >>"$(server_log ferretdb)" 2>&1 || return 1
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  echo "$stamp" >"$FERRETDB_BIN.sha256"
}

ferretdb_start() {
  spawn "$(server_pidfile ferretdb)" "$(server_log ferretdb)" \
    "$FERRETDB_BIN" --listen-addr "127.0.0.1:$FERRETDB_PORT" \
    --postgresql-url "postgres://postgres@127.0.0.1:$POSTGRES_PORT/ferretdb" --log-level error
}
