# shellcheck shell=bash
# Part of the compose path, sourced by stack/docker/docker.sh.

# -------------------------------------------------------------- host state ---

dk_ipt_tables=(filter nat)

dk_snapshot() { # $1 = output dir
  local out="$1"
  mkdir -p "$out"
  cat /proc/sys/net/ipv4/ip_forward >"$out/ip_forward"
  for t in "${dk_ipt_tables[@]}"; do iptables -t "$t" -S >"$out/iptables.$t" 2>/dev/null || true; done
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$out/links"
  [[ -d /run/containerd ]] && touch "$out/run-containerd-existed"
  [[ -d /run/docker ]] && touch "$out/run-docker-existed"
  [[ -d /run/mount ]] && touch "$out/run-mount-existed"
  return 0
}

# Undo what dockerd did to the host: rules and chains in filter and nat, the
# FORWARD policy, bridges, ip_forward; then check that iptables -S, iptables -t
# nat -S and ip link are exactly as recorded before the daemon started.
dk_restore_host() {
  [[ -d "$DK_STATE" ]] || return 0
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
  if [[ ! -e "$DK_STATE/run-containerd-existed" ]] && [[ -d /run/containerd ]]; then
    rm -rf /run/containerd
  fi
  if [[ ! -e "$DK_STATE/run-docker-existed" ]] && [[ -d /run/docker ]]; then
    rmdir /run/docker/plugins /run/docker 2>/dev/null || true
  fi
  # debootstrap's mounts leave libmount's (empty) folder behind.
  if [[ ! -e "$DK_STATE/run-mount-existed" ]] && [[ -d /run/mount ]]; then
    rmdir /run/mount 2>/dev/null || true
  fi
  # Verify.
  local now ok=1
  now="$(mktemp -d)"
  dk_snapshot "$now"
  for f in ip_forward iptables.filter iptables.nat links; do
    if ! diff -u "$DK_STATE/$f" "$now/$f" >"$now/$f.diff"; then
      ok=0
      log "host not restored ($f):"
      cat "$now/$f.diff" >&2
    fi
  done
  rm -rf "$now"
  if [[ "$ok" -eq 1 ]]; then
    rm -rf "$DK_STATE"
    log "host restored: ip_forward, iptables (filter, nat) and links as before"
    return 0
  fi
  return 1
}
