"""Session fixture: start the action server (.venv) and `rasa run --enable-api` (.venv-rasa) once.

Ports default to 5055/5005 and move to free ones when taken (override with E2E_ACTION_PORT /
E2E_RASA_PORT). The newest models/*.tar.gz is served; without one the e2e tests fail (make test trains first).
Server logs go to the session's temp folder and are printed when a server fails to start.
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


def _start(cmd: list[str], log: Path, env: dict) -> subprocess.Popen:
    fh = open(log, "wb")
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


@pytest.fixture(scope="session")
def bot(tmp_path_factory) -> str:
    """Base URL of a running Rasa server wired to a running action server."""
    model = _newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` (make test does it) first")
    tmp = tmp_path_factory.mktemp("e2e")
    action_port, rasa_port = _port("E2E_ACTION_PORT", 5055), _port("E2E_RASA_PORT", 5005)
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    procs = []
    try:
        actions_log, rasa_log = tmp / "actions.log", tmp / "rasa.log"
        procs.append(_start([str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "actions",
                             "--port", str(action_port)], actions_log, env))
        procs.append(_start([str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--port", str(rasa_port),
                             "--model", str(model), "--endpoints", str(endpoints),
                             "--credentials", str(ROOT / "credentials.yml")], rasa_log, env))
        _wait(f"http://127.0.0.1:{action_port}/health", procs[0], actions_log)
        base = f"http://127.0.0.1:{rasa_port}"
        _wait(f"{base}/status", procs[1], rasa_log, lambda r: r.ok and r.json().get("model_file"))
        # the first plan answer loads the index and embedding model: do it once, with a long timeout
        requests.post(f"{base}/webhooks/rest/webhook", json={"sender": "warmup", "message": "蓝藻怎么治理"},
                      timeout=START_TIMEOUT)
        yield base
    finally:
        for proc in reversed(procs):
            _stop(proc)
