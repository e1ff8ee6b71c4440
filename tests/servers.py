"""Starting and stopping the servers the end-to-end and browser tests talk to (used by the conftest files)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = float(os.environ.get("E2E_START_TIMEOUT", "300"))


def free_port(env: str | None = None) -> int:
    """The port named by the environment variable `env`, else a free port the system picks.

    Never the well-known 5005/5055: on a machine where other checkouts run their own servers, a port that
    was free a moment ago can be taken by one of them, and the tests would silently talk to its code.
    """
    if env and os.environ.get(env):
        return int(os.environ[env])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], log: Path, env: dict, append: bool = False) -> subprocess.Popen:
    fh = open(log, "ab" if append else "wb")
    return subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait(url: str, proc: subprocess.Popen, log: Path, ready=lambda r: r.ok, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited ({proc.returncode}) before {url} was up:\n{log.read_text()[-3000:]}")
        try:
            if ready(requests.get(url, timeout=5)):
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} not ready after {timeout:.0f}s:\n{log.read_text()[-3000:]}")
