"""Keep a process running: ``python -m shop.core.supervise [--name worker] -- celery -A shop worker``.

A Celery worker can die in ways no retry inside it covers (kombu raising while it restores
unacked messages after a Redis restart, an out-of-memory kill, an unrecoverable broker error).
The work itself is never lost (the database is the source of truth and beat's sweeps enqueue
it again), but nothing is done until a worker runs again. The supervisor restarts the command
whenever it exits, whatever the exit code or signal, after a pause that doubles while the
command keeps dying quickly (1 s up to ``--max-backoff``) and starts again at 1 s once it has
run for a minute. SIGTERM, SIGINT and SIGHUP are passed to the command and end the supervisor
once the command has stopped, so Ctrl-C under ``make run`` (honcho) still stops everything.

Used by the Procfile for the worker and beat, and by the production recipe's process manager
where it has no restart policy of its own."""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import time

logger = logging.getLogger("shop.supervise")

STABLE_SECONDS = 60.0


class Supervisor:
    def __init__(self, argv: list[str], *, name: str, max_backoff: float = 10.0):
        self.argv = argv
        self.name = name
        self.max_backoff = max_backoff
        self.child: subprocess.Popen | None = None
        self.stopping = False
        self.restarts = 0

    def _forward(self, signum, frame):
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._forward)
        backoff = 1.0
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.argv)
            logger.info("%s: started (pid %s)", self.name, self.child.pid)
            code = self.child.wait()
            if self.stopping:
                logger.info("%s: stopped (exit %s)", self.name, code)
                return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
            ran = time.monotonic() - started
            backoff = 1.0 if ran >= STABLE_SECONDS else min(backoff * 2, self.max_backoff)
            self.restarts += 1
            logger.error(
                "%s: exited with %s after %.0f s; restart %d in %.0f s",
                self.name,
                code,
                ran,
                self.restarts,
                backoff,
            )
            deadline = time.monotonic() + backoff
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(0.1)
            if self.stopping:
                return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="process", help="shown in the log lines")
    parser.add_argument("--max-backoff", type=float, default=10.0, help="longest pause between restarts (s)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to keep running")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given: python -m shop.core.supervise -- <command> …")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [supervise] %(message)s", stream=sys.stderr)
    return Supervisor(command, name=args.name, max_backoff=args.max_backoff).run()


if __name__ == "__main__":
    sys.exit(main())
