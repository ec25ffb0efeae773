# shellcheck shell=bash
# Caddy from Debian's packages as the gateway, configured by the repo's
# Caddyfile (the same file docker compose uses), balancing over every
# process of each service (REPLICAS) with its health checks.

caddy_port() { echo "$GATEWAY_PORT"; }

caddy_install() {
  command -v caddy >/dev/null || apt_install caddy
  command -v caddy >/dev/null || die "caddy is not on PATH after installing it"
}

# The Caddyfile's variables: where it listens, and for each service the list
# of its processes' addresses (one upstream each).
caddy_config() {
  local svc
  printf 'GATEWAY_PORT=%s\nGATEWAY_BIND=%s\n' "$GATEWAY_PORT" "$GATEWAY_BIND"
  for svc in "${SERVICES[@]}"; do
    printf '%s_UPSTREAM=%s\n' "${svc^^}" "$(bun_service_addresses "$svc" | tr '\n' ' ' | sed 's/ $//')"
  done
}

# Caddy writes autosave.json and its data even with admin off, and its
# certificate library makes ~/.step: a home and XDG dirs of our own keep all
# of that out of the real home folder.
caddy_start() {
  local dir="$STACK_DATA/caddy" vars
  mkdir -p "$dir/config" "$dir/data"
  mapfile -t vars < <(caddy_config)
  spawn "$(server_pidfile caddy)" "$(server_log caddy)" \
    env HOME="$dir" XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data" "${vars[@]}" \
    caddy run --config "$ROOT/Caddyfile" --adapter caddyfile
}
