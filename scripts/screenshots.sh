#!/usr/bin/env bash
# make screenshots: PNGs of the main pages per role from the running store (make run).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's Chromium, and a CJK font so that Chinese text is drawn (not boxes)
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || missing+=(fonts-wqy-microhei)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (Debian) ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
BASE_URL=${BASE_URL:-http://127.0.0.1:8000}
if ! python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1] + '/health/live', timeout=3)" "$BASE_URL" 2>/dev/null; then
  echo "商城没有在 $BASE_URL 运行：请先在另一个终端运行 make run。" >&2
  exit 1
fi
exec python scripts/screenshots.py --base-url "$BASE_URL" "$@"
