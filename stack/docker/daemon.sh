# shellcheck shell=bash
# Part of the compose path, sourced by stack/docker/docker.sh.

# ------------------------------------------------------------------ daemon ---

dk_daemon_running() {
  [[ -s "$DK_PID" ]] && kill -0 "$(cat "$DK_PID")" 2>/dev/null
}

dk_start_daemon() {
  mkdir -p "$DK_CACHE" "$DK_DATA" "$DK_EXEC" "$DOCKER_CONFIG"
  command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed"
  if dk_daemon_running; then
    log "dockerd already running (pid $(cat "$DK_PID"))"
    "$DOCKER" info >/dev/null 2>&1 && return 0
    die "dockerd (pid $(cat "$DK_PID")) is running but does not answer on $DK_SOCK"
  fi
  # A previous run that was killed before its clean-up: undo it first.
  if [[ -d "$DK_STATE" ]]; then
    log "cleaning up after an earlier run that did not stop cleanly"
    dk_stop_leftovers
    dk_restore_host || die "could not restore the host state left by an earlier run"
  fi
  if ip link show docker0 >/dev/null 2>&1; then
    die "cannot start the engine: another Docker daemon owns the docker0 bridge on this machine"
  fi
  [[ -w /proc/sys/net/ipv4/ip_forward ]] || die "cannot start the engine: not root (cannot change networking)"
  dk_snapshot "$DK_STATE"
  DK_WE_STARTED=1
  rm -f "$DK_SOCK"
  log "starting dockerd (data under .cache/docker)"
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
      log "dockerd up (pid $pid) after $((i / 5)).$((i % 5 * 2))s"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      local why
      why="$(grep -iE 'level=(fatal|error)|failed' "$DK_LOG" | tail -1 | sed 's/.*msg="\{0,1\}//; s/"$//')"
      dk_stop_daemon
      die "cannot start the engine: dockerd exited: ${why:-see $DK_LOG}"
    fi
    sleep 0.2
  done
  dk_stop_daemon
  die "cannot start the engine: dockerd did not answer within 30 s (log: $DK_LOG)"
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
  [[ "${#pids[@]}" -gt 0 ]] && kill -TERM "${pids[@]}" 2>/dev/null || true
  sleep 0.5
  [[ "${#pids[@]}" -gt 0 ]] && kill -KILL "${pids[@]}" 2>/dev/null || true
  # Mounts left under the engine's folders.
  local m
  for m in $(awk -v a="$DK_DATA" -v b="$DK_EXEC" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  return 0
}

dk_stop_daemon() {
  local pid=""
  [[ -s "$DK_PID" ]] && pid="$(cat "$DK_PID")"
  [[ -z "$pid" ]] && [[ -s "$DK_PID.launch" ]] && pid="$(cat "$DK_PID.launch")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    log "dockerd (pid $pid) stopped"
  fi
  rm -f "$DK_PID" "$DK_PID.launch" "$DK_SOCK"
  dk_stop_leftovers
  # A short exec root made in /tmp for a deep checkout: not kept.
  if [[ -f "$DK_CACHE/exec-root.path" ]]; then
    rm -rf "$DK_EXEC" "$DK_CACHE/exec-root.path"
  fi
}
