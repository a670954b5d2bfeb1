#!/usr/bin/env bash
# make bench: 湘慧商城 and stock django-oscar 4.2.1 side by side on the same catalogue.
#
# Starts a throwaway PostgreSQL and Redis under var/bench/, loads N generated products into
# our store (import_products) and into the stock-Oscar peer (load_jsonl + Whoosh
# rebuild_index), serves both with gunicorn (2 sync workers each, loopback), runs wrk against
# the same pages of both alternately, counts SQL queries per page, and prints the table.
#
#   N=10000      products (default 10,000)
#   DUR=8        seconds of wrk per page and site
#   CONN=8       wrk connections
#   PAGES="home catalogue product"   only these pages (names as in the table; hello always runs)
#   VISITORS="anonymous buyer"       which visitors
#   QUOTE=1      the quote steps (add to quote list, submit) with 8 concurrent buyers
#   BENCH_SEARCH_100K=1              also import 100,000 products and time search on them
#   PEER_SRC=../shared/bench/oscar-stock   the stock-Oscar peer (beside the repository)
#
# Everything runs on 127.0.0.1 and is stopped on exit; results go to var/bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
B=$ROOT/var/bench
OUT=$B/out
PEER_SRC=${PEER_SRC:-$ROOT/../shared/bench/oscar-stock}
N=${N:-10000}
DUR=${DUR:-8}
CONN=${CONN:-8}
PAGES=${PAGES:-}
VISITORS=${VISITORS:-anonymous buyer}
QUOTE=${QUOTE:-1}
BENCH_SEARCH_100K=${BENCH_SEARCH_100K:-0}
PY=${PYTHON:-$(command -v python)}
mkdir -p "$B" "$OUT"
rm -f "$OUT"/*.tsv "$OUT"/*.json "$OUT"/*.md

log() { printf '\033[1m[bench %(%H:%M:%S)T]\033[0m %s\n' -1 "$*"; }
free_port() { "$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

if [ ! -f "$PEER_SRC/gen_catalogue.py" ]; then
  echo "stock-Oscar peer not found at $PEER_SRC (set PEER_SRC)"; exit 1
fi

# --- wrk ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it (apt-get install wrk) and run again"; exit 1
  fi
fi

# --- cleanup: everything started here is stopped on exit ----------------------------------
PIDS=()
PG_DATA=$B/pg
cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  [ -f "$PG_DATA/postmaster.pid" ] && $PG_AS pg_ctl -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL: a throwaway cluster under var/bench/pg (kept between runs for the peer) -----
PG_BIN=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1 || echo /nonexistent/initdb)")
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL binaries (initdb, pg_ctl) not found"; exit 1; }
if [ "$(id -u)" = 0 ]; then
  PG_AS="runuser -u postgres -- env PATH=$PG_BIN:$PATH"
else
  PG_AS="env PATH=$PG_BIN:$PATH"
fi
PG_PORT=$(free_port)
if [ -f "$PG_DATA/postmaster.pid" ]; then $PG_AS pg_ctl -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true; fi
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DATA"
  $PG_AS initdb -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi
$PG_AS pg_ctl -D "$PG_DATA" -l "$PG_DATA/log" -w -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB -c max_connections=200" \
  start >/dev/null
PG_URL=postgres://postgres@127.0.0.1:$PG_PORT
psql_() { psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"

# --- Redis for our store (cache, sessions, broker) --------------------------------------------
rm -rf "$B/redis"
"$PY" -m shop.core.redis_server --socket "$B/redis.sock" --dir "$B/redis" >"$B/redis.log" 2>&1 &
PIDS+=($!)

# Our store: production settings (DEBUG off) + /hello/, on PostgreSQL and Redis.
ours_env() {
  env DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL="$PG_URL/${1:-xh}" \
    REDIS_URL="redis+socket://$B/redis.sock" VAR_DIR="$B/var" STATIC_ROOT="$B/static" \
    MEDIA_ROOT="$B/media" PRIVATE_MEDIA_ROOT="$B/private" DJANGO_SECRET_KEY=bench-only-not-secret \
    DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver DJANGO_SECURE_SSL_REDIRECT=False "${@:2}"
}
REDIS_URL="redis+socket://$B/redis.sock" "$PY" scripts/wait_for_redis.py

# --- catalogue -------------------------------------------------------------------------------
CAT=$B/cat$N.jsonl
[ -s "$CAT" ] || "$PY" "$PEER_SRC/gen_catalogue.py" "$N" >"$CAT"

log "our store: migrate, import $N products"
psql_ -d postgres -c "DROP DATABASE IF EXISTS xh" -c "CREATE DATABASE xh"
ours_env xh "$PY" manage.py migrate --noinput -v 0
ours_env xh "$PY" manage.py collectstatic --noinput -v 0
ours_env xh "$PY" manage.py import_products "$CAT" --no-progress | tee "$OUT/import-ours.txt"
ours_env xh env BENCH_OUT="$OUT/setup-ours.json" "$PY" manage.py shell <bench/tools/site_setup.py >/dev/null

# --- the stock-Oscar peer: its own venv, database and Whoosh index ----------------------------
PEER_VENV=$B/peer-venv
if [ ! -x "$PEER_VENV/bin/gunicorn" ]; then
  log "peer: creating its virtualenv (django-oscar 4.2.1, as its README says)"
  "$("$PY" -c 'import sys;print(sys._base_executable)')" -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q django-oscar==4.2.1 gunicorn 'psycopg[binary]' whitenoise sorl-thumbnail whoosh
fi
peer_env() {
  env -C "$PEER_SRC" PYTHONDONTWRITEBYTECODE=1 PEER_DB="$PG_URL/peer" PEER_WHOOSH="$B/peer-whoosh" \
    PEER_STATIC="$B/peer-static" PEER_SQLITE="$B/peer.sqlite3" "$@"
}
PEER_MARK="$B/peer-loaded"
if [ "$(cat "$PEER_MARK" 2>/dev/null)" != "$N" ] || ! psql_ -d peer -c "select 1" >/dev/null 2>&1; then
  log "peer: migrate, load_jsonl $N products, rebuild_index (Whoosh)"
  rm -f "$PEER_MARK"; rm -rf "$B/peer-whoosh"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS peer" -c "CREATE DATABASE peer"
  peer_env "$PEER_VENV/bin/python" manage.py migrate --noinput -v 0
  peer_env "$PEER_VENV/bin/python" manage.py collectstatic --noinput -v 0
  peer_env "$PEER_VENV/bin/python" manage.py load_jsonl "$CAT" | tee "$OUT/import-peer.txt"
  peer_env "$PEER_VENV/bin/python" manage.py rebuild_index --noinput -v 0
  echo "$N" >"$PEER_MARK"
else
  log "peer: reusing its database and index with $N products (delete $PEER_MARK to reload)"
fi
peer_env BENCH_OUT="$OUT/setup-peer.json" "$PEER_VENV/bin/python" manage.py shell <bench/tools/site_setup.py >/dev/null

# --- query counts (before serving, so they do not compete for CPU) ----------------------------
log "SQL queries per page"
ours_env xh env BENCH_SETUP="$OUT/setup-ours.json" BENCH_OUT="$OUT/queries-ours.tsv" \
  "$PY" manage.py shell <bench/tools/query_counts.py >/dev/null
peer_env BENCH_SETUP="$OUT/setup-peer.json" BENCH_OUT="$OUT/queries-peer.tsv" \
  "$PEER_VENV/bin/python" manage.py shell <"$ROOT/bench/tools/query_counts.py" >/dev/null

# --- serve both: gunicorn, 2 sync workers each, loopback ------------------------------------
OURS_PORT=$(free_port); PEER_PORT=$(free_port)
ours_env xh "$PY" -m gunicorn shop.wsgi -w 2 -b "127.0.0.1:$OURS_PORT" --log-level warning >"$B/gunicorn-ours.log" 2>&1 &
PIDS+=($!)
peer_env "$PEER_VENV/bin/gunicorn" stock.wsgi -w 2 -b "127.0.0.1:$PEER_PORT" --log-level warning >"$B/gunicorn-peer.log" 2>&1 &
PIDS+=($!)
for port in "$OURS_PORT" "$PEER_PORT"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/hello/" && break; sleep 0.2; done
done
declare -A BASE=([ours]="http://127.0.0.1:$OURS_PORT" [peer]="http://127.0.0.1:$PEER_PORT")
log "serving: ours ${BASE[ours]}, stock Oscar ${BASE[peer]}"

page_path() { "$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["pages"][sys.argv[2]])' "$OUT/setup-$1.json" "$2"; }
cookie() { "$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["session_cookie"])' "$OUT/setup-$1.json"; }
declare -A COOKIE=([ours]="$(cookie ours)" [peer]="$(cookie peer)")

# Wait until a server has worked off requests wrk left queued (the peer's slow pages).
wait_idle() {
  local ok=0
  for _ in $(seq 120); do
    t=$(curl -s -o /dev/null -m 30 -w '%{time_total}' "$1/hello/" || echo 9)
    if "$PY" -c "import sys;sys.exit(0 if float('$t')<0.05 else 1)"; then ok=$((ok + 1)); else ok=0; fi
    [ $ok -ge 3 ] && return 0
    sleep 0.2
  done
}

# wrk one page of one site: site page visitor path -> a line of wrk.tsv
measure() {
  local site=$1 page=$2 visitor=$3 path=$4 url hdr=()
  url="${BASE[$site]}$path"
  [ "$visitor" = buyer ] && hdr=(-H "Cookie: ${COOKIE[$site]}")
  local status
  status=$(curl -s -o /dev/null -m 60 -w '%{http_code}' "${hdr[@]}" "$url" || echo 000)
  curl -s -o /dev/null -m 60 "${hdr[@]}" "$url" || true
  local r
  r=$(wrk -t2 -c"$CONN" -d"${DUR}s" --timeout 30s --latency "${hdr[@]}" "$url" 2>&1)
  local rps p50 p99 non2xx errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$r")
  p50=$(awk '$1=="50%" {print $2}' <<<"$r")
  p99=$(awk '$1=="99%" {print $2}' <<<"$r")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$r")
  errors=$(awk '/Socket errors/ {gsub(",","");s=0;for(i=4;i<=NF;i+=2)s+=$i;print s}' <<<"$r")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$site" "$page" "$visitor" "$status" "$rps" "$p50" "$p99" \
    "${non2xx:-0}" "${errors:-0}" >>"$OUT/wrk.tsv"
  printf '  %-5s %-22s %-9s %s  %8s req/s  p50 %8s  p99 %8s\n' "$site" "$page" "$visitor" "$status" "$rps" "$p50" "$p99"
  wait_idle "${BASE[$site]}"
}

ALL_PAGES=$("$PY" -c 'import json,sys;print("\n".join(json.load(open(sys.argv[1]))["pages"]))' "$OUT/setup-ours.json")
log "wrk: $DUR s per page and site, $CONN connections, alternating sites"
measure ours hello anonymous /hello/
measure peer hello anonymous /hello/
i=0
for visitor in $VISITORS; do
  while IFS= read -r page; do
    if [ -n "$PAGES" ] && ! grep -qw -- "${page%% *}" <<<"$PAGES"; then continue; fi
    if [ $((i % 2)) = 0 ]; then order=(ours peer); else order=(peer ours); fi
    for site in "${order[@]}"; do measure "$site" "$page" "$visitor" "$(page_path "$site" "$page")"; done
    i=$((i + 1))
  done <<<"$ALL_PAGES"
done

# --- quote steps: add to the quote list and submit, 8 concurrent buyers -----------------------
if [ "$QUOTE" = 1 ] && ours_env xh "$PY" manage.py shell -c 'from django.urls import reverse; reverse("quotes:submit")' >/dev/null 2>&1; then
  log "quote steps: 8 concurrent buyers for $DUR s"
  ours_env xh "$PY" bench/tools/quote_client.py --base "${BASE[ours]}" --duration "$DUR" --buyers 8 \
    --out "$OUT/quote.tsv" || log "quote client failed (see above)"
else
  log "quote steps skipped (no quotes:submit URL, or QUOTE=0)"
fi

# --- search at 100,000 products --------------------------------------------------------------
if [ "$BENCH_SEARCH_100K" = 1 ]; then
  CAT100=$B/cat100000.jsonl
  [ -s "$CAT100" ] || "$PY" "$PEER_SRC/gen_catalogue.py" 100000 >"$CAT100"
  log "100,000 products: import into SQLite (timing) and PostgreSQL"
  rm -f "$B/import100k.sqlite3"
  env DJANGO_SETTINGS_MODULE=shop.settings.dev DATABASE_URL="sqlite:///$B/import100k.sqlite3" \
    REDIS_URL="redis+socket://$B/redis.sock" VAR_DIR="$B/var" "$PY" manage.py migrate --noinput -v 0
  env DJANGO_SETTINGS_MODULE=shop.settings.dev DATABASE_URL="sqlite:///$B/import100k.sqlite3" \
    REDIS_URL="redis+socket://$B/redis.sock" VAR_DIR="$B/var" "$PY" manage.py import_products "$CAT100" --no-progress \
    | sed 's/^/  SQLite: /' | tee "$OUT/import100k-sqlite.txt"
  rm -f "$B/import100k.sqlite3"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS xh100k" -c "CREATE DATABASE xh100k"
  ours_env xh100k "$PY" manage.py migrate --noinput -v 0
  ours_env xh100k "$PY" manage.py import_products "$CAT100" --no-progress | sed 's/^/  PostgreSQL: /' \
    | tee "$OUT/import100k-pg.txt"
  ours_env xh100k env BENCH_OUT="$OUT/setup-100k.json" "$PY" manage.py shell <bench/tools/site_setup.py >/dev/null
  P100=$(free_port)
  ours_env xh100k "$PY" -m gunicorn shop.wsgi -w 2 -b "127.0.0.1:$P100" --log-level warning >"$B/gunicorn-100k.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$P100/hello/" && break; sleep 0.2; done
  BASE[big]="http://127.0.0.1:$P100"
  COOKIE[big]=$("$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["session_cookie"])' "$OUT/setup-100k.json")
  mv "$OUT/wrk.tsv" "$OUT/wrk-main.tsv"
  for visitor in $VISITORS; do
    while IFS= read -r page; do
      case "$page" in search*) ;; *) continue ;; esac
      measure big "$page" "$visitor" "$(page_path 100k "$page")"
    done <<<"$("$PY" -c 'import json,sys;print("\n".join(json.load(open(sys.argv[1]))["pages"]))' "$OUT/setup-100k.json")"
  done
  mv "$OUT/wrk.tsv" "$OUT/search100k.tsv"; mv "$OUT/wrk-main.tsv" "$OUT/wrk.tsv"
fi

# --- the table ---------------------------------------------------------------------------------
{
  echo "make bench — $(date '+%Y-%m-%d %H:%M %Z'), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
  echo "$N products, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), gunicorn 2 sync workers each, wrk -t2 -c$CONN -d${DUR}s on the same machine"
  echo
  "$PY" bench/tools/report.py "$OUT"
} | tee "$OUT/report.md"
log "done: $OUT/report.md"
