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
# no firewall rules (every container here uses the host's network), and stops it again at the
# end (deploy/docker-lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-xianghui-mall:check}
PYTHON_IMAGE=${PYTHON_IMAGE:-python:3.11-slim-bookworm}
LOG_NAME=image
source deploy/docker-lib.sh
trap stop_dockerd EXIT
docker_up

# The compose file: valid, and with every service of the production shape. Checked with
# placeholder secrets on a copy of deploy/ (never touching a real deploy/.env).
compose_command
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
  base_image "$PYTHON_IMAGE"
fi

log "building $IMAGE from $(git rev-parse --short HEAD) on $PYTHON_IMAGE"
start=$(date +%s)
git archive HEAD | docker build --network host --build-arg PYTHON_IMAGE="$PYTHON_IMAGE" \
  -f deploy/Dockerfile -t "$IMAGE" - >var/image-build.log 2>&1 || { tail -30 var/image-build.log; exit 1; }
log "built in $(($(date +%s) - start)) s: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

log "running the image against the real parts (tests/image)"
XH_IMAGE="$IMAGE" bash scripts/test.sh tests/image -q
