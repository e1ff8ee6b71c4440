"""Session fixture: start the action server (.venv) and `rasa run --enable-api` (.venv-rasa) once.

Ports default to 5055/5005 and move to free ones when taken (override with E2E_ACTION_PORT /
E2E_RASA_PORT). The newest models/*.tar.gz is served; without one the e2e tests fail (make test trains first).
Server logs go to the session's temp folder and are printed when a server fails to start.
The action server writes complaints to a fresh SQLite file in that folder (`stack.db`); a test may
kill the action server and restart it on the same port (`stack.restart_actions()`).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = float(os.environ.get("E2E_START_TIMEOUT", "300"))


def _port(env: str, default: int) -> int:
    if os.environ.get(env):
        return int(os.environ[env])
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", default)) != 0:
            return default
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _newest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _start(cmd: list[str], log: Path, env: dict, append: bool = False) -> subprocess.Popen:
    fh = open(log, "ab" if append else "wb")
    return subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _wait(url: str, proc: subprocess.Popen, log: Path, ready=lambda r: r.ok) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited ({proc.returncode}) before {url} was up:\n{log.read_text()[-3000:]}")
        try:
            if ready(requests.get(url, timeout=5)):
                return
        except requests.RequestException:
            pass
        time.sleep(2)
    pytest.fail(f"{url} not ready after {START_TIMEOUT:.0f}s:\n{log.read_text()[-3000:]}")


class Stack:
    """The running servers of a session: the Rasa base URL, the complaints database, and the action
    server process (a test may kill it and call restart_actions())."""

    def __init__(self, tmp: Path, action_port: int, env: dict):
        self.tmp, self.action_port, self.env = tmp, action_port, env
        self.db = Path(env["COMPLAINTS_DB"])
        self.base = ""
        self.actions: subprocess.Popen | None = None
        self.rasa: subprocess.Popen | None = None

    def start_actions(self) -> None:
        log = self.tmp / "actions.log"
        self.actions = _start([str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "actions",
                               "--port", str(self.action_port)], log, self.env, append=True)
        _wait(f"http://127.0.0.1:{self.action_port}/health", self.actions, log)

    def restart_actions(self) -> None:
        if self.actions is not None:
            _stop(self.actions)
        self.start_actions()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """A Rasa server wired to an action server, with its own complaints database."""
    model = _newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` (make test does it) first")
    tmp = tmp_path_factory.mktemp("e2e")
    action_port, rasa_port = _port("E2E_ACTION_PORT", 5055), _port("E2E_RASA_PORT", 5005)
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           "COMPLAINTS_DB": str(tmp / "complaints.sqlite3")}
    env.pop("DATABASE_URL", None)
    st = Stack(tmp, action_port, env)
    try:
        st.start_actions()
        rasa_log = tmp / "rasa.log"
        st.rasa = _start([str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--port", str(rasa_port),
                          "--model", str(model), "--endpoints", str(endpoints),
                          "--credentials", str(ROOT / "credentials.yml")], rasa_log, env)
        st.base = f"http://127.0.0.1:{rasa_port}"
        _wait(f"{st.base}/status", st.rasa, rasa_log, lambda r: r.ok and r.json().get("model_file"))
        # the first plan answer loads the index and embedding model: do it once, with a long timeout
        requests.post(f"{st.base}/webhooks/rest/webhook", json={"sender": "warmup", "message": "蓝藻怎么治理"},
                      timeout=START_TIMEOUT)
        yield st
    finally:
        for proc in (st.rasa, st.actions):
            if proc is not None:
                _stop(proc)


@pytest.fixture(scope="session")
def bot(stack) -> str:
    """Base URL of a running Rasa server wired to a running action server."""
    return stack.base
