"""``python -m shop.core.supervise``: restarts a command that exits, stops with it on SIGTERM."""

import signal
import subprocess
import sys
import time

from tests.conftest import ROOT


def supervise(*command: str, tmp_path) -> tuple[subprocess.Popen, object]:
    log = open(tmp_path / "supervise.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "shop.core.supervise", "--name", "demo", "--max-backoff", "1", "--", *command],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return proc, log


def test_a_command_that_keeps_exiting_is_started_again(tmp_path):
    # given a command that writes a line and exits with an error at once
    marker = tmp_path / "starts"
    script = f"open({str(marker)!r}, 'a').write('x'); raise SystemExit(3)"
    proc, log = supervise(sys.executable, "-c", script, tmp_path=tmp_path)
    try:
        # when it has run for a few seconds
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(marker.read_text() if marker.exists() else "") < 3:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        log.close()
    # then it was started at least three times, each exit logged with its code
    assert len(marker.read_text()) >= 3
    output = (tmp_path / "supervise.log").read_text()
    assert "demo: exited with 3" in output
    assert "restart 2 in 1 s" in output


def test_sigterm_stops_the_command_and_the_supervisor(tmp_path):
    # given a supervised long-running command
    proc, log = supervise(sys.executable, "-c", "import time; time.sleep(120)", tmp_path=tmp_path)
    time.sleep(1.5)
    # when the supervisor gets SIGTERM (Ctrl-C under honcho, a container stop)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(10)
    log.close()
    # then both end at once, cleanly, and the command is not restarted
    assert code == 0
    assert time.monotonic() - started < 5
    output = (tmp_path / "supervise.log").read_text()
    assert "demo: stopped" in output
    assert "restart" not in output
