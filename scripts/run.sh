#!/usr/bin/env bash
# make run: the whole stack on embedded defaults. Ctrl-C stops every process honcho started.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-shop.settings.dev}
export VAR_DIR=${VAR_DIR:-$PWD/var}
mkdir -p "$VAR_DIR"

# Setup steps write through the cache (Redis), so run them against a short-lived Redis;
# honcho then starts the long-running one from the Procfile on the same socket.
python -m shop.core.redis_server >"$VAR_DIR/redis-setup.log" 2>&1 &
SETUP_REDIS=$!
python -m shop.core.redis_server --role cache >"$VAR_DIR/redis-cache-setup.log" 2>&1 &
SETUP_CACHE=$!
trap 'kill $SETUP_REDIS $SETUP_CACHE 2>/dev/null || true' EXIT
python scripts/wait_for_redis.py --cache
python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py load_catalogue
python manage.py create_demo_accounts
python manage.py create_demo_sourcing
python manage.py create_demo_contracts
python manage.py create_demo_services
python manage.py create_demo_outsourcing
python manage.py create_demo_consulting
kill $SETUP_REDIS $SETUP_CACHE; wait $SETUP_REDIS $SETUP_CACHE 2>/dev/null || true
trap - EXIT
echo
echo "湘慧商城 starting on http://127.0.0.1:8000  (Ctrl-C stops web, worker, beat, both Redis servers and localstripe)"
exec honcho start -f Procfile
