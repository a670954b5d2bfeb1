"""An aiosmtpd handler for fault tests: each message is written to a directory, a
``received-<n>`` file marks its arrival, and the ``250`` answer waits until a ``release`` file
exists, so a test can break something between "the server has the message" and "the
sender knows it". With a ``hold-quit`` file present, the answer to ``QUIT`` also waits, for a
``release-quit`` file. Run: ``python -m aiosmtpd -n -l 127.0.0.1:PORT -c tests.reliability.gated_smtp.GatedMaildir DIR``."""

import asyncio
from pathlib import Path


class GatedMaildir:
    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        (self.directory / f"message-{self.count}.eml").write_bytes(
            envelope.original_content or envelope.content
        )
        (self.directory / f"received-{self.count}").touch()
        while not (self.directory / "release").exists():
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        if (self.directory / "hold-quit").exists():
            while not (self.directory / "release-quit").exists():
                await asyncio.sleep(0.05)
        return "221 Bye"
