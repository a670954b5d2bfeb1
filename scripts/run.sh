#!/usr/bin/env bash
# make run: the whole stack on embedded defaults. Ctrl-C stops every process honcho started.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-shop.settings.dev}
export VAR_DIR=${VAR_DIR:-$PWD/var}
mkdir -p "$VAR_DIR"

python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
python manage.py load_catalogue
python manage.py create_demo_accounts
echo
echo "湘慧商城 starting on http://127.0.0.1:8000  (Ctrl-C stops web, worker, beat, Redis and localstripe)"
exec honcho start -f Procfile
