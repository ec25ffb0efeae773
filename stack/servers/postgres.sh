# shellcheck shell=bash
# PostgreSQL 15 from Debian's packages, run as the postgres user on a data
# dir of our own (initdb and postgres refuse to run as root).

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="$STACK_DATA/postgres"
PG_DATABASES=(users inventory ferretdb)

as_postgres() { (cd / && runuser -u postgres -- "$@" 9>&-); }

# postgres must be able to walk down to its data dir; a clone under a
# private folder (mode 700) would stop it, so add the traverse bit only, and
# only where postgres is stopped (checked from / down).
grant_traverse() {
  local dir="" part
  local -a parts
  IFS=/ read -ra parts <<<"${1#/}"
  for part in "${parts[@]}"; do
    dir+="/$part"
    as_postgres test -x "$dir" && continue
    log "adding o+x to $dir so the postgres user can reach its data dir"
    chmod o+x "$dir"
  done
}

postgres_port() { echo "$POSTGRES_PORT"; }

postgres_install() {
  [[ -x "$PG_BIN/postgres" && -x "$PG_BIN/initdb" ]] || apt_install postgresql
  [[ -x "$PG_BIN/postgres" ]] || die "postgresql installed but $PG_BIN/postgres is missing (not version 15?)"
  mkdir -p "$PG_DIR/run"
  chown postgres:postgres "$PG_DIR" "$PG_DIR/run"
  grant_traverse "$PG_DIR"
  [[ -s "$PG_DIR/data/PG_VERSION" ]] && return
  log "postgres: initdb in $PG_DIR/data"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >>"$(server_log postgres)" 2>&1
}

postgres_start() {
  local opts="-c listen_addresses=127.0.0.1 -p $POSTGRES_PORT -k '$PG_DIR/run'"
  [[ "${STACK_FAST:-}" == 1 ]] && opts+=" -c fsync=off -c synchronous_commit=off"
  touch "$(server_log postgres)" && chown postgres "$(server_log postgres)"
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$(server_log postgres)" -w -t 60 -o "$opts" start \
    >/dev/null || return 1
  head -1 "$PG_DIR/data/postmaster.pid" >"$(server_pidfile postgres)"
}

postgres_stop() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
}

# Runs when postgres is up, whether just started or already running.
postgres_ensure() {
  local list
  list="$(printf "'%s'," "${PG_DATABASES[@]}")"
  "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
SELECT format('CREATE DATABASE %I ENCODING ''UTF8'' TEMPLATE template0', d)
FROM unnest(ARRAY[${list%,}]) AS d
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
SQL
}
