"""What the browser tests share: Debian's chromium and its flags, the `sig` command, and
waiting for a server to answer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def run_sig(*args: str, stdin: str | None = None) -> str:
    """`sig ARGS` of this virtual environment; fails the test if it fails."""
    done = subprocess.run([str(Path(sys.executable).parent / "sig"), *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    return done.stdout


def wait_for(url: str, seconds: float) -> None:
    """Until `url` answers with a success status (any HTTP error or refusal: try again)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)
