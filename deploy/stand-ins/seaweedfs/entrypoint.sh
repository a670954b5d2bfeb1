#!/bin/sh
# weed with the compose file's arguments (server -dir=/data -s3 ...), logging to stderr.
set -eu
exec /opt/weed/bin/weed -logtostderr=true "$@"
