#!/usr/bin/env bash
# make image-check: build the application image from the committed tree (deploy/Dockerfile) and
# run it against the real parts (tests/image/: make test's PostgreSQL and S3 server, a broker
# and a cache Redis; the image's setup, web and worker roles on the host's network).
#
#   IMAGE=xianghui-mall:check                  the tag to build
#   PYTHON_IMAGE=python:3.11-slim-bookworm     the base, pulled by Docker as usual; or
#   PYTHON_IMAGE=debootstrap                   make one from Debian's packages (deploy/base-image.sh)
#
# Without a running Docker daemon, as root, it installs Debian's docker.io and starts dockerd with
# no bridge network and no firewall rules (every container here uses the host's network), and
# stops it again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-xianghui-mall:check}
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim-bookworm}
log() { printf '\033[1m[image %s]\033[0m %s\n' "$(date +%H:%M:%S)" "$*"; }
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
trap stop_dockerd EXIT
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || as_root_install dockerd docker.io
  mkdir -p var
  log "starting dockerd (no bridge, no firewall rules)"
  dockerd --bridge=none --iptables=false --ip-masq=false >var/dockerd.log 2>&1 &
  DOCKERD=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 var/dockerd.log; exit 1; }
fi

# The compose file: valid, and with every service of the production shape. Checked with
# placeholder secrets on a copy of deploy/ (never touching a real deploy/.env).
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else
  command -v docker-compose >/dev/null 2>&1 || as_root_install docker-compose docker-compose
  COMPOSE=(docker-compose)
fi
check_dir=$(mktemp -d)
cp -r deploy "$check_dir/deploy" && cp deploy/env.example "$check_dir/deploy/.env"
services=$(POSTGRES_PASSWORD=placeholder DATABASE_DIRECT_URL=postgres://shop:placeholder@postgres:5432/shop \
  "${COMPOSE[@]}" -f "$check_dir/deploy/compose.yaml" config --services | sort | tr '\n' ' ')
rm -rf "$check_dir"
expected="beat nginx pgbouncer postgres redis-broker redis-cache s3 setup web1 web2 worker1 worker2 "
[ "$services" = "$expected" ] || { echo "compose services: $services (expected $expected)"; exit 1; }
log "compose file valid (${COMPOSE[*]}): $services"

if [ "$PYTHON_IMAGE" = debootstrap ]; then
  PYTHON_IMAGE=xianghui/python:3.11-bookworm
  if ! docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
    command -v debootstrap >/dev/null 2>&1 || as_root_install debootstrap debootstrap
    log "making the base image $PYTHON_IMAGE from Debian's packages (debootstrap, a few minutes)"
    bash deploy/base-image.sh "$PYTHON_IMAGE"
  fi
fi

log "building $IMAGE from $(git rev-parse --short HEAD) on $PYTHON_IMAGE"
start=$(date +%s)
git archive HEAD | docker build --network host --build-arg PYTHON_IMAGE="$PYTHON_IMAGE" \
  -f deploy/Dockerfile -t "$IMAGE" - >var/image-build.log 2>&1 || { tail -30 var/image-build.log; exit 1; }
log "built in $(($(date +%s) - start)) s: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

log "running the image against the real parts (tests/image)"
XH_IMAGE="$IMAGE" bash scripts/test.sh tests/image -q
