# Shared by deploy/image-check.sh and deploy/compose-check.sh (sourced, not run).
#
# docker_up: a running Docker daemon. Without one, as root, Debian's docker.io is installed
# when missing and dockerd started with no firewall rules (--iptables=false: containers reach
# each other on their compose network and the host reaches published ports through docker's
# proxy; nothing is routed out), stopped again when the script exits.
# compose_command: COMPOSE=(docker compose) or Debian's docker-compose.
# base_image TAG: the Debian-made Python base (deploy/base-image.sh), made when missing.

log() { printf '\033[1m[%s %s]\033[0m %s\n' "${LOG_NAME:-deploy}" "$(date +%H:%M:%S)" "$*"; }

as_root_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$1 is missing: install it (Debian package $2) and run again"
    exit 1
  fi
  log "installing $2 (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

DOCKERD=""
stop_dockerd() { [ -n "$DOCKERD" ] && kill "$DOCKERD" 2>/dev/null && wait "$DOCKERD" 2>/dev/null; return 0; }

docker_up() {
  docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null 2>&1 || as_root_install dockerd docker.io
  mkdir -p var
  log "starting dockerd (no firewall rules)"
  dockerd --iptables=false --ip-masq=false >var/dockerd.log 2>&1 &
  DOCKERD=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 var/dockerd.log; exit 1; }
}

compose_command() {
  if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else
    command -v docker-compose >/dev/null 2>&1 || as_root_install docker-compose docker-compose
    COMPOSE=(docker-compose)
  fi
}

base_image() {
  if ! docker image inspect "$1" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || as_root_install debootstrap debootstrap
    log "making the base image $1 from Debian's packages (debootstrap, a minute or more)"
    bash deploy/base-image.sh "$1" >/dev/null
  fi
}
