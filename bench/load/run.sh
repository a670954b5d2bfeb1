#!/usr/bin/env bash
# make load-test: the mixed locust scenario against gunicorn on PostgreSQL with a real Celery
# worker and beat, then reconciliation (every successful submission stored and processed).
#
#   LOAD_DURATION=5m   how long locust runs (default 5 minutes)
#   LOAD_USERS=30      concurrent locust users (visitors : buyers : vendors = 6 : 3 : 1)
#   LOAD_SPAWN_RATE=5  users started per second
#   N=2000             generated products imported beside the 湘慧商城 catalogue
#
# Everything runs on 127.0.0.1 under var/bench/load/ and is stopped on exit.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
LOG_TAG=load
OUT=$B/load
LOAD_DURATION=${LOAD_DURATION:-5m}
LOAD_USERS=${LOAD_USERS:-30}
LOAD_SPAWN_RATE=${LOAD_SPAWN_RATE:-5}
N=${N:-2000}
PEER_SRC=${PEER_SRC:-$ROOT/../shared/bench/oscar-stock}
export LOAD_PASSWORD=load-only-password LOAD_SETUP=$OUT/setup.json LOAD_RESULTS=$OUT/submitted.json
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.csv "$OUT"/*.txt "$OUT"/*.log

trap cleanup EXIT
trap 'exit 130' INT TERM

pg_start "$OUT/pg"
log "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
redis_start "$OUT"

log "migrate, load the 湘慧商城 catalogue and $N generated products"
createdb_fresh xhload
ours xhload "$PY" manage.py migrate --noinput -v 0
ours xhload "$PY" manage.py collectstatic --noinput -v 0
ours xhload "$PY" manage.py load_catalogue
if [ -f "$PEER_SRC/gen_catalogue.py" ] && [ "$N" -gt 0 ]; then
  [ -s "$B/cat$N.jsonl" ] || "$PY" "$PEER_SRC/gen_catalogue.py" "$N" >"$B/cat$N.jsonl"
  ours xhload "$PY" manage.py import_products "$B/cat$N.jsonl" --no-progress
fi
ours xhload env LOAD_OUT="$LOAD_SETUP" "$PY" manage.py shell <bench/load/setup.py

PORT=$(free_port)
bg ours xhload "$PY" -m celery -A shop worker --concurrency 2 --prefetch-multiplier 1 --loglevel WARNING \
  >"$OUT/worker.log" 2>&1
bg ours xhload "$PY" -m celery -A shop beat --schedule "$OUT/beat-schedule" --loglevel WARNING >"$OUT/beat.log" 2>&1
bg ours xhload "$PY" -m gunicorn shop.wsgi --workers 2 --threads 4 -b "127.0.0.1:$PORT" --log-level warning \
  >"$OUT/gunicorn.log" 2>&1
wait_http "http://127.0.0.1:$PORT/hello/"

log "locust: $LOAD_USERS users for $LOAD_DURATION against http://127.0.0.1:$PORT (web: gunicorn 2 workers x 4 threads)"
set +e
"$PY" -m locust -f bench/load/locustfile.py --headless --users "$LOAD_USERS" --spawn-rate "$LOAD_SPAWN_RATE" \
  --run-time "$LOAD_DURATION" --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary \
  --loglevel WARNING 2>&1 | tee "$OUT/locust.txt"
locust_status=${PIPESTATUS[0]}
set -e

log "reconciling: waiting for the worker to process every submission"
set +e
ours xhload "$PY" bench/load/reconcile.py "$LOAD_RESULTS" --wait 300 | tee "$OUT/reconcile.txt"
reconcile_status=${PIPESTATUS[0]}
set -e
if [ "$locust_status" != 0 ]; then log "locust reports 1% or more failed requests (see above)"; fi
log "results: $OUT/locust.txt, $OUT/locust_stats.csv, $OUT/reconcile.txt"
[ "$locust_status" = 0 ] && [ "$reconcile_status" = 0 ]
