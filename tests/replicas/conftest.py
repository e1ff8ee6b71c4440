"""Two replicas, each an action server and a Rasa server on its own ports (replica i's Rasa calls replica i's
action server), sharing the session's PostgreSQL (tracker store, complaint store) and Redis (lock store, channel
state: REDIS_URL) through endpoints.shared.yml — what `REPLICAS=2 make up` runs, with the REST and WeChat channels
(credentials.wechat.yml, a test account in `WECHAT`). Started once, when a test asks."""
from __future__ import annotations

import base64
import os
import secrets
import subprocess
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, action_server_cmd, free_port, kill, newest_model, rasa_cmd, start, stop, wait, warm_up

WECHAT = {"token": "replicatoken", "appid": "wx_replicas", "appsecret": "secret",
          "aes_key": base64.b64encode(os.urandom(32)).decode().rstrip("=")}


class Replica:
    """One action server + Rasa server pair; `kill()` is a kill -9 of both process groups."""

    def __init__(self, name: str, tmp: Path, env: dict, model: Path, token: str):
        self.name, self.tmp, self.model, self.token = name, tmp, model, token
        self.action_port, self.rasa_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.rasa_port}"
        self.env = {**env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook"}
        self.actions: subprocess.Popen | None = None
        self.rasa: subprocess.Popen | None = None

    def start(self) -> None:
        self.actions = start(action_server_cmd(self.action_port), self.tmp / f"{self.name}-actions.log", self.env)
        self.rasa = start(rasa_cmd(self.rasa_port, self.model, ROOT / "endpoints.shared.yml",
                                   ROOT / "credentials.wechat.yml", self.token), self.tmp / f"{self.name}-rasa.log",
                          self.env)

    def wait_ready(self) -> None:
        wait(f"http://127.0.0.1:{self.action_port}/health", self.actions, self.tmp / f"{self.name}-actions.log")
        wait(f"{self.base}/", self.rasa, self.tmp / f"{self.name}-rasa.log")
        warm_up(self.base)

    def tracker(self, sender: str) -> dict:
        r = requests.get(f"{self.base}/conversations/{sender}/tracker", params={"token": self.token}, timeout=60)
        r.raise_for_status()
        return r.json()

    def kill(self) -> None:
        for proc in (self.rasa, self.actions):
            kill(proc)

    def stop(self) -> None:
        for proc in (self.rasa, self.actions):
            if proc is not None:
                stop(proc)


@pytest.fixture(scope="session")
def replicas(services, tmp_path_factory) -> list[Replica]:
    model = newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` (make test does it) first")
    tmp = tmp_path_factory.mktemp("replicas")
    env = {**os.environ, **services.settings, "HF_HUB_OFFLINE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           "WECHAT_TOKEN": WECHAT["token"], "WECHAT_APPID": WECHAT["appid"], "WECHAT_APPSECRET": WECHAT["appsecret"],
           "WECHAT_AES_KEY": WECHAT["aes_key"], "WECHAT_REPLY_BUDGET": "20",
           "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}"}      # nothing there: no answer may need a push
    env.pop("COMPLAINTS_DB", None)
    token = secrets.token_hex(16)
    pair = [Replica(f"r{i}", tmp, env, model, token) for i in (1, 2)]
    try:
        for r in pair:
            r.start()
        for r in pair:
            r.wait_ready()
        yield pair
    finally:
        for r in pair:
            r.stop()
