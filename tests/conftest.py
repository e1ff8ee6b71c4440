"""Session fixture shared by tests/e2e and tests/web: the action server (.venv) and `rasa run --enable-api`
(.venv-rasa), started once, only when a test asks for `bot`.

Ports are free ones the system picks (override with E2E_ACTION_PORT / E2E_RASA_PORT). The newest models/*.tar.gz is served; without one the e2e tests fail (make test trains first).
Server logs go to the session's temp folder and are printed when a server fails to start.
"""
from __future__ import annotations

import os

import pytest
import requests

from tests.servers import ROOT, START_TIMEOUT, free_port, start, stop, wait


def _newest_model():
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


@pytest.fixture(scope="session")
def bot(tmp_path_factory) -> str:
    """Base URL of a running Rasa server wired to a running action server."""
    model = _newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` (make test does it) first")
    tmp = tmp_path_factory.mktemp("e2e")
    action_port, rasa_port = free_port("E2E_ACTION_PORT"), free_port("E2E_RASA_PORT")
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    procs = []
    try:
        actions_log, rasa_log = tmp / "actions.log", tmp / "rasa.log"
        procs.append(start([str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "actions",
                            "--port", str(action_port)], actions_log, env))
        procs.append(start([str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--port", str(rasa_port),
                            "--model", str(model), "--endpoints", str(endpoints),
                            "--credentials", str(ROOT / "credentials.yml")], rasa_log, env))
        wait(f"http://127.0.0.1:{action_port}/health", procs[0], actions_log)
        base = f"http://127.0.0.1:{rasa_port}"
        wait(f"{base}/status", procs[1], rasa_log, lambda r: r.ok and r.json().get("model_file"))
        # the first plan answer loads the index and embedding model: do it once, with a long timeout
        requests.post(f"{base}/webhooks/rest/webhook", json={"sender": "warmup", "message": "蓝藻怎么治理"},
                      timeout=START_TIMEOUT)
        yield base
    finally:
        for proc in reversed(procs):
            stop(proc)
