"""Session fixtures shared by tests/e2e and tests/web: the action server (.venv) and `rasa run --enable-api`
(.venv-rasa), started once, only when a test asks for `stack` or `bot`.

Ports are free ones the system picks (override with E2E_ACTION_PORT / E2E_RASA_PORT). The newest
models/*.tar.gz is served; without one the tests fail (make test trains first). Server logs go to the
session's temp folder and are printed when a server fails to start. The action server writes complaints
to a fresh SQLite file in that folder (`stack.db`) and reads the shipped activities plus one event open for
sign-up (`SIGNUP_EVENT`); a test may kill the action server and restart it on
the same port (`stack.restart_actions()`).

Rasa runs with credentials.wechat.yml (the REST channel plus the WeChat channel) and test WeChat settings in
its environment (`stack.wechat`); a fake WeChat API (tests/servers.py) receives pushed answers. The test
credentials also mount the WeChat channel a second time as `wechat_slow` with a tiny reply budget.

Rasa's HTTP API needs the session's random operator token (`stack.token`, `?token=`), as scripts/stack.sh
sets it up. Rasa logs at DEBUG (E2E_RASA_LOG_LEVEL to change it): only then does it log the citizens' words,
so tests/e2e/test_security.py can see whether a phone number reaches rasa.log unmasked. Measured cost on
2 shared cores: ~5 MB of rasa.log per session and the 50-citizen test 19 s → 29 s; other tests unchanged.
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.servers import (
    ROOT,
    FakeWeChatAPI,
    Services,
    action_server_cmd,
    free_port,
    newest_model,
    rasa_cmd,
    start,
    stop,
    wait,
    warm_up,
)


class Stack:
    """The running servers of a session: the Rasa base URL, the complaints database, and the action
    server process (a test may kill it and call restart_actions())."""

    def __init__(self, tmp: Path, action_port: int, env: dict):
        self.tmp, self.action_port, self.env = tmp, action_port, env
        self.db = Path(env["COMPLAINTS_DB"])
        self.base = ""
        self.actions: subprocess.Popen | None = None
        self.rasa: subprocess.Popen | None = None
        self.wechat: dict = {}                 # token, appid, appsecret, aes_key of the test WeChat account
        self.wechat_api: FakeWeChatAPI | None = None
        self.token = secrets.token_hex(16)     # the operator token Rasa's HTTP API asks for (?token=)

    def start_actions(self) -> None:
        log = self.tmp / "actions.log"
        self.actions = start(action_server_cmd(self.action_port), log, self.env, append=True)
        wait(f"http://127.0.0.1:{self.action_port}/health", self.actions, log)

    def restart_actions(self) -> None:
        if self.actions is not None:
            stop(self.actions)
        self.start_actions()


SIGNUP_EVENT = {"id": "ev-e2e", "title": "河道清理志愿活动", "time": "09:00-11:00", "district": "钟楼区",
                "place": "白荡河公园东门", "description": "捡拾河岸垃圾", "quota": 100}


def activities_with_an_event(tmp: Path) -> Path:
    """The shipped activities catalogue plus one event open for sign-up a month from now (the shipped file has
    none), for the sign-up conversations."""
    data = yaml.safe_load((ROOT / "knowledge" / "activities.yml").read_text(encoding="utf-8"))
    data["events"] = [{**SIGNUP_EVENT, "date": (dt.date.today() + dt.timedelta(days=30)).isoformat()}]
    path = tmp / "activities.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """A Rasa server wired to an action server, with its own complaints database."""
    model = newest_model()
    if model is None:
        pytest.fail("no trained model in models/: run `make train` (make test does it) first")
    tmp = tmp_path_factory.mktemp("e2e")
    action_port, rasa_port = free_port("E2E_ACTION_PORT"), free_port("E2E_RASA_PORT")
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           "COMPLAINTS_DB": str(tmp / "complaints.sqlite3")}
    env.pop("DATABASE_URL", None)
    env["ACTIVITIES_FILE"] = str(activities_with_an_event(tmp))
    wechat = {"token": "testtoken", "appid": "wx_test", "appsecret": "secret",
              "aes_key": base64.b64encode(os.urandom(32)).decode().rstrip("=")}
    credentials = tmp / "credentials.yml"
    credentials.write_text((ROOT / "credentials.wechat.yml").read_text() +
                           "tests.wechat.slow_channel.SlowWeChatInput:\n  token: ${WECHAT_TOKEN}\n"
                           "  appid: ${WECHAT_APPID}\n  appsecret: ${WECHAT_APPSECRET}\n  reply_budget: 0.01\n")
    st = Stack(tmp, action_port, env)
    st.wechat = wechat
    try:
        st.wechat_api = FakeWeChatAPI(wechat["appid"], wechat["appsecret"])
        rasa_env = {**env, "WECHAT_TOKEN": wechat["token"], "WECHAT_APPID": wechat["appid"],
                    "WECHAT_APPSECRET": wechat["appsecret"], "WECHAT_AES_KEY": wechat["aes_key"],
                    "WECHAT_API_BASE": st.wechat_api.base, "WECHAT_REPLY_BUDGET": "20", "OPERATOR_TOKEN": st.token,
                    "LOG_LEVEL": os.environ.get("E2E_RASA_LOG_LEVEL", "DEBUG")}
        st.start_actions()
        rasa_log = tmp / "rasa.log"
        st.rasa = start(rasa_cmd(rasa_port, model, endpoints, credentials, st.token), rasa_log, rasa_env)
        st.base = f"http://127.0.0.1:{rasa_port}"
        wait(f"{st.base}/status?token={st.token}", st.rasa, rasa_log, lambda r: r.ok and r.json().get("model_file"))
        warm_up(st.base)
        yield st
    finally:
        for proc in (st.rasa, st.actions):
            if proc is not None:
                stop(proc)
        if st.wechat_api is not None:
            st.wechat_api.close()


@pytest.fixture(scope="session")
def services() -> Services:
    """Real PostgreSQL and Redis servers on loopback for the session (started only when a test asks)."""
    svc = Services()
    try:
        yield svc
    finally:
        svc.stop()


@pytest.fixture(scope="session")
def bot(stack) -> str:
    """Base URL of a running Rasa server wired to a running action server."""
    return stack.base
