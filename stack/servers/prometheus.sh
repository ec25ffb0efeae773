# shellcheck shell=bash
# Prometheus from Debian's packages (OBSERVABILITY=1), run by us on loopback
# with our config (stack/prometheus/prometheus.yml) and its storage in the
# stack's data folder; it scrapes every service process, replicas too.

PROMETHEUS_DIR="$STACK_DATA/prometheus"

prometheus_port() { echo "$PROMETHEUS_PORT"; }

prometheus_install() {
  command -v prometheus >/dev/null || apt_install prometheus
  command -v prometheus >/dev/null || die "prometheus is not on PATH after installing it"
}

# One file_sd entry per process: its address, job = its service.
prometheus_targets() {
  local svc i name sep=""
  printf '['
  for svc in "${SERVICES[@]}"; do
    for ((i = 1; i <= REPLICAS; i++)); do
      name="$svc"
      ((i == 1)) || name="$svc-$i"
      printf '%s\n  {"targets": ["127.0.0.1:%s"], "labels": {"job": "%s", "process": "%s"}}' \
        "$sep" "$(bun_service_port "$name")" "$svc" "$name"
      sep=,
    done
  done
  printf '\n]\n'
}

prometheus_start() {
  mkdir -p "$PROMETHEUS_DIR/data"
  cp "$STACK_SRC/prometheus/prometheus.yml" "$PROMETHEUS_DIR/prometheus.yml"
  prometheus_targets >"$PROMETHEUS_DIR/targets.json"
  spawn "$(server_pidfile prometheus)" "$(server_log prometheus)" \
    prometheus --config.file="$PROMETHEUS_DIR/prometheus.yml" --storage.tsdb.path="$PROMETHEUS_DIR/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --log.level=warn
}

# Also when it already ran: the processes to scrape follow REPLICAS
# (Prometheus re-reads the file by itself).
prometheus_ensure() {
  prometheus_targets >"$PROMETHEUS_DIR/targets.json.tmp"
  mv "$PROMETHEUS_DIR/targets.json.tmp" "$PROMETHEUS_DIR/targets.json"
}
