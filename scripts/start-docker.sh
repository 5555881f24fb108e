#!/usr/bin/env bash
# Make sure a Docker daemon answers on /var/run/docker.sock (needed by the sandbox and its tests).
# Idempotent: does nothing when `docker info` already works. Otherwise installs docker.io (Debian)
# if missing and starts dockerd in the background, without systemd, so it also works as root in
# a bare CI machine or container. If dockerd does not come up with its defaults, it is retried
# with fallbacks (legacy iptables, no iptables, vfs storage driver). Log: /var/log/dockerd.log.
set -euo pipefail

SOCKET=/var/run/docker.sock
LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

say() { echo "start-docker: $*"; }
die() { echo "start-docker: ERROR: $*" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
  say "Docker daemon already answers on $SOCKET; nothing to do."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  die "the Docker daemon is not reachable and starting it needs root; run: sudo bash $0"
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "dockerd is not installed and apt-get is missing; install Docker by hand"
  say "installing docker.io with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

# A daemon that is running but not answering yet (e.g. started a moment ago): give it the chance first.
if pgrep -x dockerd >/dev/null 2>&1; then
  say "dockerd is already running (pid $(pgrep -x dockerd | tr '\n' ' ')); waiting for it to answer ..."
  for _ in $(seq 1 "$WAIT_SECONDS"); do
    docker info >/dev/null 2>&1 && { say "Docker daemon is up."; exit 0; }
    sleep 1
  done
  die "a dockerd process is running but does not answer on $SOCKET; see $LOG or stop it and rerun"
fi

# try_start LABEL [dockerd flags...]: start dockerd, return 0 once it answers, 1 if it died or timed out.
try_start() {
  local label=$1
  shift
  say "starting dockerd ($label) $* ; log: $LOG"
  echo "=== $(date -u +%FT%TZ) start-docker: dockerd $* ===" >>"$LOG"
  setsid nohup dockerd "$@" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 "$WAIT_SECONDS"); do
    if docker info >/dev/null 2>&1; then
      say "Docker daemon is up (pid $pid, $(docker info --format '{{.Driver}}' 2>/dev/null) storage)."
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      say "dockerd ($label) exited early; last log lines:"
      tail -n 5 "$LOG" | sed 's/^/    /'
      return 1
    fi
    sleep 1
  done
  say "dockerd ($label) did not answer within ${WAIT_SECONDS}s; stopping it"
  kill "$pid" 2>/dev/null || true
  sleep 2
  kill -9 "$pid" 2>/dev/null || true
  return 1
}

try_start default && exit 0

if command -v update-alternatives >/dev/null 2>&1 && [ -x /usr/sbin/iptables-legacy ]; then
  say "switching iptables to the legacy backend and retrying"
  update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null 2>&1 || true
  update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null 2>&1 || true
  try_start "legacy iptables" && exit 0
fi

# The sandbox runs with --network none, so a daemon without its own firewall rules is enough.
try_start "no iptables" --iptables=false --ip6tables=false && exit 0
try_start "no iptables, vfs storage" --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs && exit 0

die "could not start dockerd (tried defaults, legacy iptables, --iptables=false, --storage-driver=vfs); see $LOG"
