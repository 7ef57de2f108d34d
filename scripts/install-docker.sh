#!/usr/bin/env bash
# Installs and starts a Docker engine plus the Compose v2 CLI plugin, idempotently.
# No systemd here: dockerd is started in the background. Compose v2 is not in Debian 12,
# so its .deb is fetched from Debian 13 (trixie) with a private apt setup that leaves the system's untouched.
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-60}"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
SUDO=''
if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi

log() { echo "install-docker: $*"; }

apt_updated=''
apt_update_once() {
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

if ! command -v dockerd >/dev/null 2>&1; then
  log 'installing docker.io'
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null
fi
if ! command -v docker >/dev/null 2>&1; then
  log 'no docker client on PATH after installing docker.io' >&2
  exit 1
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $DOCKERD_LOG)"
  $SUDO nohup dockerd >"$DOCKERD_LOG" 2>&1 &
  deadline=$((SECONDS + WAIT_SECONDS))
  until docker info >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $DOCKERD_LOG:" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
fi
log "engine $(docker version --format '{{.Server.Version}}' 2>/dev/null) is up"

if ! docker compose version >/dev/null 2>&1; then
  log "installing the compose v2 plugin from Debian trixie into $PLUGIN_DIR"
  scratch="$(mktemp -d)"
  chmod 755 "$scratch" # apt drops to the _apt user for downloads
  trap 'rm -rf "$scratch"' EXIT
  mkdir -p "$scratch/lists/partial" "$scratch/cache/archives/partial" "$scratch/etc"
  echo 'deb http://deb.debian.org/debian trixie main' >"$scratch/etc/trixie.list"
  apt_opts=(
    -o "Dir::Etc::SourceList=$scratch/etc/trixie.list"
    -o 'Dir::Etc::SourceParts=/dev/null'
    -o "Dir::State::Lists=$scratch/lists"
    -o "Dir::Cache=$scratch/cache"
    -o 'APT::Get::List-Cleanup=0'
  )
  apt-get "${apt_opts[@]}" update -qq
  (cd "$scratch" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
  debs=("$scratch"/docker-compose_*.deb)
  deb="${debs[0]}"
  dpkg-deb -x "$deb" "$scratch/root"
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$scratch/root/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
fi
log "$(docker compose version)"
