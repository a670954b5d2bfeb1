#!/bin/sh
# The application image's entrypoint: one role per container.
#   web      gunicorn on :8000 (deploy/gunicorn.conf.py; WEB_CONCURRENCY, WEB_THREADS)
#   worker   a Celery worker (WORKER_CONCURRENCY)
#   beat     the Celery scheduler (one is enough; a second one waits on the leader lock)
#   setup    create the bucket when missing, then apply the migrations (one-shot, before the rest)
#   manage   python manage.py <args>
set -eu
mkdir -p "${VAR_DIR:-/tmp/var}"
role="${1:-web}"
[ "$#" -gt 0 ] && shift
case "$role" in
  web)
    exec gunicorn shop.wsgi --config /app/deploy/gunicorn.conf.py "$@" ;;
  worker)
    exec celery -A shop worker --loglevel INFO --concurrency "${WORKER_CONCURRENCY:-2}" \
      --prefetch-multiplier 1 --without-gossip --without-mingle "$@" ;;
  beat)
    exec celery -A shop beat --loglevel INFO --schedule "${VAR_DIR:-/tmp/var}/celerybeat-schedule" "$@" ;;
  setup)
    python /app/deploy/ensure_bucket.py
    exec python manage.py migrate --noinput "$@" ;;
  manage)
    exec python manage.py "$@" ;;
  *)
    exec "$role" "$@" ;;
esac
