# Caddy from Debian's packages as the gateway, configured by the repo's
# Caddyfile (the same file docker compose uses).

CADDY_DIR="$STACK_DATA/caddy"

caddy_port() { echo "$GATEWAY_PORT"; }

caddy_install() {
  command -v caddy >/dev/null || apt_install caddy
  command -v caddy >/dev/null || die "caddy is not on PATH after installing it"
}

# Caddy writes autosave.json and its data even with admin off, and its
# certificate library makes ~/.step: a home and XDG dirs of our own keep all
# of that out of the real home folder.
caddy_start() {
  mkdir -p "$CADDY_DIR/config" "$CADDY_DIR/data"
  spawn "$(server_pidfile caddy)" "$(server_log caddy)" \
    env HOME="$CADDY_DIR" XDG_CONFIG_HOME="$CADDY_DIR/config" XDG_DATA_HOME="$CADDY_DIR/data" \
    caddy run --config "$ROOT/Caddyfile" --adapter caddyfile
}
