"""Wait (up to 30 s) until the Redis at REDIS_URL / var/redis.sock answers PING, and the
cache's Redis too when REDIS_CACHE_URL is set or ``--cache`` names var/redis-cache.sock."""

import os
import sys
import time
from pathlib import Path

import redis

var = Path(os.environ.get("VAR_DIR", "var")).resolve()
urls = [os.environ.get("REDIS_URL") or f"unix://{var / 'redis.sock'}"]
if os.environ.get("REDIS_CACHE_URL"):
    urls.append(os.environ["REDIS_CACHE_URL"])
elif "--cache" in sys.argv:
    urls.append(f"unix://{var / 'redis-cache.sock'}")
deadline = time.monotonic() + 30
for url in urls:
    url = url.replace("redis+socket://", "unix://")
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                sys.exit(f"Redis 未就绪：{url}")
            time.sleep(0.2)
