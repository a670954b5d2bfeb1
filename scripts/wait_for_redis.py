"""Wait (up to 30 s) until the Redis at REDIS_URL / var/redis.sock answers PING."""

import os
import sys
import time
from pathlib import Path

import redis

url = (
    os.environ.get("REDIS_URL") or f"unix://{Path(os.environ.get('VAR_DIR', 'var')).resolve() / 'redis.sock'}"
)
url = url.replace("redis+socket://", "unix://")
deadline = time.monotonic() + 30
while True:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        sys.exit(0)
    except redis.RedisError:
        if time.monotonic() > deadline:
            sys.exit(f"Redis 未就绪：{url}")
        time.sleep(0.2)
