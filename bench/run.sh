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
#   BENCH_SCALE=1000000              also import that many products (and 100,000 for comparison),
#                                    recording each import's time and peak memory, and time search
#                                    and a filtered category on the largest, cached, uncached and cold
#   BENCH_SEARCH_100K=1              the same as BENCH_SCALE=100000
#   PEER_SRC=../shared/bench/oscar-stock   the stock-Oscar peer (beside the repository)
#   PEER=0       measure our store alone (no stock-Oscar peer: no "× stock" column, no /hello/ ratio)
#   CEILING_EACH=0   measure our /hello/ once, not again right before each of our pages
#
# Everything runs on 127.0.0.1 and is stopped on exit; results go to var/bench/out/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
OUT=$B/out
PEER_SRC=${PEER_SRC:-$ROOT/../shared/bench/oscar-stock}
N=${N:-10000}
DUR=${DUR:-8}
CONN=${CONN:-8}
PAGES=${PAGES:-}
VISITORS=${VISITORS:-anonymous buyer}
QUOTE=${QUOTE:-1}
BENCH_SEARCH_100K=${BENCH_SEARCH_100K:-0}
BENCH_SCALE=${BENCH_SCALE:-0}
[ "$BENCH_SCALE" = 0 ] && [ "$BENCH_SEARCH_100K" = 1 ] && BENCH_SCALE=100000
PEER=${PEER:-1}
mkdir -p "$OUT"
rm -f "$OUT"/*.tsv "$OUT"/*.json "$OUT"/*.md "$OUT"/*.txt

if [ ! -f "$PEER_SRC/gen_catalogue.py" ]; then
  echo "stock-Oscar peer not found at $PEER_SRC (set PEER_SRC)"
  exit 1
fi

# --- wrk ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it (apt-get install wrk) and run again"
    exit 1
  fi
fi

trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL under var/bench/pg (kept between runs, so the peer's slow load is done once) and
# Redis for our store (cache, sessions, broker).
pg_start "$B/pg"
log "PostgreSQL $PG_VERSION on 127.0.0.1:$PG_PORT"
redis_start "$B"

# --- catalogue -------------------------------------------------------------------------------
CAT=$B/cat$N.jsonl
[ -s "$CAT" ] || "$PY" "$PEER_SRC/gen_catalogue.py" "$N" >"$CAT"

log "our store: migrate, import $N products"
createdb_fresh xh
ours xh "$PY" manage.py migrate --noinput -v 0
ours xh "$PY" manage.py collectstatic --noinput -v 0
ours xh "$PY" manage.py import_products "$CAT" --no-progress | tee "$OUT/import-ours.txt"
ours xh env BENCH_OUT="$OUT/setup-ours.json" "$PY" manage.py shell <bench/tools/site_setup.py >/dev/null

# --- the stock-Oscar peer: its own venv, database and Whoosh index ----------------------------
PEER_VENV=$B/peer-venv
if [ "$PEER" = 1 ] && [ ! -x "$PEER_VENV/bin/gunicorn" ]; then
  log "peer: creating its virtualenv (django-oscar 4.2.1, as its README says)"
  "$("$PY" -c 'import sys;print(sys._base_executable)')" -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q django-oscar==4.2.1 gunicorn 'psycopg[binary]' whitenoise sorl-thumbnail whoosh
fi
peer() {
  local run=()
  [ "$BASH_SUBSHELL" -gt 0 ] && run=(exec)
  "${run[@]}" env -C "$PEER_SRC" PYTHONDONTWRITEBYTECODE=1 PEER_DB="$PG_URL/peer" PEER_WHOOSH="$B/peer-whoosh" \
    PEER_STATIC="$B/peer-static" PEER_SQLITE="$B/peer.sqlite3" "$@"
}
PEER_MARK="$B/peer-loaded"
if [ "$PEER" != 1 ]; then
  log "peer: skipped (PEER=0)"
elif [ "$(cat "$PEER_MARK" 2>/dev/null)" != "$N" ] || ! psql_ -d peer -c "select 1" >/dev/null 2>&1; then
  log "peer: migrate, load_jsonl $N products, rebuild_index (Whoosh)"
  rm -f "$PEER_MARK"; rm -rf "$B/peer-whoosh"
  createdb_fresh peer
  peer "$PEER_VENV/bin/python" manage.py migrate --noinput -v 0
  peer "$PEER_VENV/bin/python" manage.py collectstatic --noinput -v 0
  peer "$PEER_VENV/bin/python" manage.py load_jsonl "$CAT" | tee "$OUT/import-peer.txt"
  peer "$PEER_VENV/bin/python" manage.py rebuild_index --noinput -v 0
  echo "$N" >"$PEER_MARK"
else
  log "peer: reusing its database and index with $N products (delete $PEER_MARK to reload)"
fi
[ "$PEER" = 1 ] && peer BENCH_OUT="$OUT/setup-peer.json" "$PEER_VENV/bin/python" manage.py shell <bench/tools/site_setup.py >/dev/null

# --- query counts (before serving, so they do not compete for CPU) ----------------------------
log "SQL queries per page"
ours xh env BENCH_SETUP="$OUT/setup-ours.json" BENCH_OUT="$OUT/queries-ours.tsv" \
  "$PY" manage.py shell <bench/tools/query_counts.py >/dev/null
if [ "$PEER" = 1 ]; then
  peer BENCH_SETUP="$OUT/setup-peer.json" BENCH_OUT="$OUT/queries-peer.tsv" \
    "$PEER_VENV/bin/python" manage.py shell <"$ROOT/bench/tools/query_counts.py" >/dev/null
fi

# --- serve both: gunicorn, 2 sync workers each, loopback ------------------------------------
OURS_PORT=$(free_port); PEER_PORT=$(free_port)
bg ours xh "$PY" -m gunicorn shop.wsgi -w 2 -b "127.0.0.1:$OURS_PORT" --log-level warning >"$B/gunicorn-ours.log" 2>&1
[ "$PEER" = 1 ] && bg peer "$PEER_VENV/bin/gunicorn" stock.wsgi -w 2 -b "127.0.0.1:$PEER_PORT" --log-level warning >"$B/gunicorn-peer.log" 2>&1
wait_http "http://127.0.0.1:$OURS_PORT/hello/"
[ "$PEER" = 1 ] && wait_http "http://127.0.0.1:$PEER_PORT/hello/"
declare -A BASE=([ours]="http://127.0.0.1:$OURS_PORT" [peer]="http://127.0.0.1:$PEER_PORT")
log "serving: ours ${BASE[ours]}, stock Oscar ${BASE[peer]}"
# One answer proves one worker is up, not both: a worker still starting (ours loads the word
# segmenter as it starts) would stall the first page measured. 2 s of /hello/ on each site,
# not counted, so every worker serves before the first figure.
wrk -t2 -c"$CONN" -d2s "${BASE[ours]}/hello/" >/dev/null 2>&1 || true
[ "$PEER" = 1 ] && { wrk -t2 -c"$CONN" -d2s "${BASE[peer]}/hello/" >/dev/null 2>&1 || true; }

page_path() { "$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["pages"][sys.argv[2]])' "$OUT/setup-$1.json" "$2"; }
cookie() { "$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["session_cookie"])' "$OUT/setup-$1.json"; }
declare -A COOKIE=([ours]="$(cookie ours)")
[ "$PEER" = 1 ] && COOKIE[peer]="$(cookie peer)"

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

# Wait until the machine is quiet: under 15 % of its CPU busy for a second (two half-second
# samples of /proc/stat), at most 120 s. A sync worker still on a slow request (the peer's
# pages take seconds, in gunicorn and in PostgreSQL) lets /hello/ through its other worker, so
# wait_idle alone let that work run on into the next page's measurement.
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }
wait_quiet() {
  [ -r /proc/stat ] || return 0
  local quiet=0 b0 i0 b1 i1
  read -r b0 i0 < <(cpu_busy)
  for _ in $(seq 240); do
    sleep 0.5
    read -r b1 i1 < <(cpu_busy)
    if [ $(((b1 - b0) * 100)) -lt $((15 * (b1 - b0 + i1 - i0 + 1))) ]; then quiet=$((quiet + 1)); else quiet=0; fi
    b0=$b1 i0=$i1
    [ $quiet -ge 2 ] && return 0
  done
}

# wrk one page of one site: site page visitor path -> a line of wrk.tsv. A page named
# "… (uncached)" gets a different URL on every request (bench/tools/uncached.lua). Each of our
# pages is measured right after our /hello/ (CEILING_EACH=1, the default): the machine's speed
# drifts by several per cent over a run, so a page's share of the ceiling compares it with
# the ceiling measured under the same conditions; that /hello/ figure is the line's last column.
CEILING_EACH=${CEILING_EACH:-1}
ceiling_now() {
  local r
  r=$(wrk -t2 -c"$CONN" -d"${DUR}s" --timeout 30s "${BASE[$1]}/hello/" 2>&1)
  awk '/Requests\/sec/ {print $2}' <<<"$r"
  wait_quiet
}
measure() {
  local site=$1 page=$2 visitor=$3 path=$4 url hdr=() script=() ceiling=""
  if [ "$CEILING_EACH" = 1 ] && [ "$page" != hello ] && [ "$site" = ours ]; then ceiling=$(ceiling_now "$site"); fi
  url="${BASE[$site]}$path"
  [ "$visitor" = buyer ] && hdr=(-H "Cookie: ${COOKIE[$site]}")
  [[ "$page" == *"(uncached)" ]] && script=(-s "$ROOT/bench/tools/uncached.lua")
  local status
  status=$(curl -s -o /dev/null -m 60 -w '%{http_code}' "${hdr[@]}" "$url" || echo 000)
  local single
  single=$(curl -s -o /dev/null -m 60 -w '%{time_total}' "${hdr[@]}" "$url" || echo "")
  local r
  r=$(wrk -t2 -c"$CONN" -d"${DUR}s" --timeout 30s --latency "${script[@]}" "${hdr[@]}" "$url" 2>&1)
  local rps p50 p99 non2xx errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$r")
  p50=$(awk '$1=="50%" {print $2}' <<<"$r")
  p99=$(awk '$1=="99%" {print $2}' <<<"$r")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$r")
  errors=$(awk '/Socket errors/ {gsub(",","");s=0;for(i=4;i<=NF;i+=2)s+=$i;print s}' <<<"$r")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$site" "$page" "$visitor" "$status" "$rps" "$p50" "$p99" \
    "${non2xx:-0}" "${errors:-0}" "$single" "$ceiling" >>"$OUT/wrk.tsv"
  printf '  %-5s %-22s %-9s %s  %8s req/s  p50 %8s  p99 %8s\n' "$site" "$page" "$visitor" "$status" "$rps" "$p50" "$p99"
  wait_idle "${BASE[$site]}"
  wait_quiet
}

ALL_PAGES=$("$PY" -c 'import json,sys;print("\n".join(json.load(open(sys.argv[1]))["pages"]))' "$OUT/setup-ours.json")
log "wrk: $DUR s per page and site, $CONN connections, alternating sites"
measure ours hello anonymous /hello/
[ "$PEER" = 1 ] && measure peer hello anonymous /hello/
i=0
for visitor in $VISITORS; do
  while IFS= read -r page; do
    if [ -n "$PAGES" ] && ! grep -qw -- "${page%% *}" <<<"$PAGES"; then continue; fi
    if [ "$PEER" != 1 ]; then order=(ours); elif [ $((i % 2)) = 0 ]; then order=(ours peer); else order=(peer ours); fi
    for site in "${order[@]}"; do measure "$site" "$page" "$visitor" "$(page_path "$site" "$page")"; done
    # Our pages come from a page cache; the peer has none. Search once more with a new URL per
    # request, so every request runs the query (compared with the peer's same search).
    case "$page" in search* | *筛选) measure ours "$page (uncached)" "$visitor" "$(page_path ours "$page")" ;; esac
    i=$((i + 1))
  done <<<"$ALL_PAGES"
done

# --- quote steps: add to the quote list and submit, 8 concurrent buyers -----------------------
if [ "$QUOTE" = 1 ] && ours xh "$PY" manage.py shell -c 'from django.urls import reverse; reverse("quotes:submit")' >/dev/null 2>&1; then
  log "quote steps: 8 concurrent buyers for $DUR s"
  ours xh "$PY" bench/tools/quote_client.py --base "${BASE[ours]}" --duration "$DUR" --buyers 8 \
    --out "$OUT/quote.tsv" || log "quote client failed (see above)"
else
  log "quote steps skipped (no quotes:submit URL, or QUOTE=0)"
fi

# --- search and a filtered category at BENCH_SCALE products ---------------------------------
# Each size up to BENCH_SCALE (100,000 and BENCH_SCALE) is imported into its own PostgreSQL
# database, timed, with the import's peak memory; SQLite only up to 100,000 (slower, and a
# file-based store is not what holds a million products). The largest is then served and
# measured.
SQLITE_MAX=100000
if [ "$BENCH_SCALE" -gt 0 ]; then
  SIZES=$(printf '%s\n' 100000 "$BENCH_SCALE" | awk -v m="$BENCH_SCALE" '$1 <= m' | sort -nu)
  TIME=(); [ -x /usr/bin/time ] && TIME=(/usr/bin/time -f 'wall %e s, peak RSS %M KB' -o "$OUT/time.txt")
  # import_one STORE SIZE RUNNER...: import cat$SIZE.jsonl through RUNNER (ours DB, or sq), append
  # a line to imports.tsv (store, products, seconds, peak MB, the command's summary)
  import_one() {
    local store=$1 size=$2 t0 t1 out wall rss
    shift 2
    rm -f "$OUT/time.txt"
    t0=$(date +%s.%N)
    out=$("$@" "${TIME[@]}" "$PY" manage.py import_products "$B/cat$size.jsonl" --no-progress \
      2>"$OUT/import-err.txt") || { cat "$OUT/import-err.txt"; return 1; }
    t1=$(date +%s.%N)
    sed "s/^/  $store $size: /" <<<"$out"
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}')
    rss=$(awk '/peak RSS/ {printf "%.0f", $6 / 1024}' "$OUT/time.txt" 2>/dev/null)
    [ -n "$rss" ] || rss=$(sed -n 's/.*进程内存峰值 \([0-9]*\) MB.*/\1/p' <<<"$out")
    printf '%s\t%s\t%s\t%s\t%s\n' "$store" "$size" "$wall" "$rss" "$(grep 导入完成 <<<"$out")" >>"$OUT/imports.tsv"
  }
  for size in $SIZES; do
    CATN=$B/cat$size.jsonl
    [ -s "$CATN" ] || "$PY" "$PEER_SRC/gen_catalogue.py" "$size" >"$CATN"
    if [ "$size" -le "$SQLITE_MAX" ]; then
      log "$size products: import into SQLite (timing)"
      rm -f "$B/import-scale.sqlite3"
      sq() {
        env DJANGO_SETTINGS_MODULE=shop.settings.dev DATABASE_URL="sqlite:///$B/import-scale.sqlite3" \
          REDIS_URL="$REDIS_URL" REDIS_CACHE_URL="$REDIS_CACHE_URL" VAR_DIR="$B/var" "$@"
      }
      sq "$PY" manage.py migrate --noinput -v 0
      import_one SQLite "$size" sq
      rm -f "$B/import-scale.sqlite3"
    else
      log "$size products: SQLite import skipped (above $SQLITE_MAX products; PostgreSQL only)"
      printf 'SQLite\t%s\tskipped\t\t\n' "$size" >>"$OUT/imports.tsv"
    fi
    log "$size products: import into PostgreSQL"
    createdb_fresh "xh$size"
    ours "xh$size" "$PY" manage.py migrate --noinput -v 0
    import_one PostgreSQL "$size" ours "xh$size"
    # keep only the database measured below
    [ "$size" = "$BENCH_SCALE" ] || psql_ -d postgres -c "DROP DATABASE IF EXISTS xh$size"
  done
  DBN="xh$BENCH_SCALE"
  ours "$DBN" env BENCH_OUT="$OUT/setup-scale.json" "$PY" manage.py shell <bench/tools/site_setup.py >/dev/null
  # what the Celery task does after an import (no worker runs here): count every category's facets
  log "$BENCH_SCALE products: stored facet counts (rebuild_facet_counts)"
  ours "$DBN" "$PY" manage.py rebuild_facet_counts | tee "$OUT/facet-counts.txt"
  log "$BENCH_SCALE products: cold pages (nothing cached), one at a time"
  # not while PostgreSQL still writes out the import (a checkpoint of the million rows ran into
  # these requests), nor before the machine is quiet, as before every wrk run
  psql_ -d "$DBN" -c CHECKPOINT
  wait_quiet
  ours "$DBN" env BENCH_SETUP="$OUT/setup-scale.json" BENCH_OUT="$OUT/cold.tsv" \
    "$PY" manage.py shell <bench/tools/cold.py
  PN=$(free_port)
  bg ours "$DBN" "$PY" -m gunicorn shop.wsgi -w 2 -b "127.0.0.1:$PN" --log-level warning >"$B/gunicorn-scale.log" 2>&1
  wait_http "http://127.0.0.1:$PN/hello/"
  BASE[big]="http://127.0.0.1:$PN"
  COOKIE[big]=$("$PY" -c 'import json,sys;print(json.load(open(sys.argv[1]))["session_cookie"])' "$OUT/setup-scale.json")
  mv "$OUT/wrk.tsv" "$OUT/wrk-main.tsv"
  for visitor in $VISITORS; do
    while IFS= read -r page; do
      case "$page" in search* | *筛选) ;; *) continue ;; esac
      measure big "$page" "$visitor" "$(page_path scale "$page")"
      measure big "$page (uncached)" "$visitor" "$(page_path scale "$page")"
    done <<<"$("$PY" -c 'import json,sys;print("\n".join(json.load(open(sys.argv[1]))["pages"]))' "$OUT/setup-scale.json")"
  done
  mv "$OUT/wrk.tsv" "$OUT/scale.tsv"; mv "$OUT/wrk-main.tsv" "$OUT/wrk.tsv"
  echo "$BENCH_SCALE" >"$OUT/scale.txt"
fi

# --- the table ---------------------------------------------------------------------------------
{
  echo "make bench — $(date '+%Y-%m-%d %H:%M %Z'), $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)),"
  echo "$N products, PostgreSQL $(echo $PG_VERSION), gunicorn 2 sync workers each, wrk -t2 -c$CONN -d${DUR}s on the same machine"
  echo
  "$PY" bench/tools/report.py "$OUT"
} | tee "$OUT/report.md"
log "done: $OUT/report.md"
