#!/usr/bin/env bash
# A Python 3.11 base image made from Debian's own packages (bookworm, whose python3 is 3.11),
# for building deploy/Dockerfile on a machine that cannot pull python:3.11-slim-bookworm:
#
#   deploy/base-image.sh [TAG]        as root, with debootstrap and a running Docker daemon
#   docker build --network host --build-arg PYTHON_IMAGE=TAG -f deploy/Dockerfile -t xianghui-mall .
#
# The image trusts the certificate authorities this machine trusts (its CA bundle is copied in
# and pip is pointed at it), so pip inside the build works behind the same TLS set-up as here.
set -euo pipefail
TAG=${1:-xianghui/python:3.11-bookworm}
BUNDLE=/etc/ssl/certs/ca-certificates.crt
ROOTFS=$(mktemp -d)
trap 'rm -rf "$ROOTFS"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
  bookworm "$ROOTFS" >/dev/null
[ -f "$BUNDLE" ] && cp "$BUNDLE" "$ROOTFS$BUNDLE"
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
tar -C "$ROOTFS" -c . | docker import -c 'ENV LANG=C.UTF-8' -c "ENV PIP_CERT=$BUNDLE" \
  -c 'CMD ["python3"]' - "$TAG" >/dev/null
echo "$TAG"
