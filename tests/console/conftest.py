"""The operator console (/admin of scripts/web.py) on a real SQLite file or a real PostgreSQL database.

`console` is a web server with its own complaint store (parametrised: `sqlite`, `postgresql`), reports filed
through actions/complaints/store.py in this process (the same store the action server writes), and an
`Operator` client that signs in as a browser would (cookie, CSRF token from the form)."""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
from dataclasses import dataclass

import pytest
import requests

from actions.complaints import store
from tests.servers import ROOT, free_port, start, stop, wait

TOKEN = "console-test-token"
TODAY = "2026-11-28"


@dataclass
class ConsoleServer:
    url: str
    db_env: dict             # COMPLAINTS_DB or DATABASE_URL of its store
    proc: object
    token: str = TOKEN

    def operator(self, name: str = "测试员") -> Operator:
        return Operator(self.url).sign_in(name, self.token)


class Operator:
    """A signed-in browser session: cookies kept, every form's CSRF token read from the page it was on."""

    def __init__(self, url: str):
        self.url, self.http = url, requests.Session()

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, allow_redirects=kw.pop("allow_redirects", True), **kw)

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get(path).text).group(1)

    def post(self, path: str, data: dict, form_page: str | None = None) -> requests.Response:
        data = {"csrf": self.csrf(form_page or path.rsplit("/", 1)[0]), **data}
        return self.http.post(self.url + path, data=data, timeout=60, allow_redirects=False)

    def sign_in(self, name: str, token: str = TOKEN) -> Operator:
        r = self.try_sign_in(name, token)
        assert r.status_code == 303, r.text
        return self

    def try_sign_in(self, name: str, token: str) -> requests.Response:
        csrf = re.search(r'name="csrf" value="([^"]+)"', self.get("/admin/login").text).group(1)
        return self.http.post(self.url + "/admin/login", data={"csrf": csrf, "operator": name, "token": token},
                              timeout=30, allow_redirects=False)


@pytest.fixture(scope="session")
def console_factory(tmp_path_factory):
    """start(db_env, **settings) → a running scripts/web.py whose console uses that store."""
    procs = []

    def _start(db_env: dict, rasa_url: str | None = None, **settings) -> ConsoleServer:
        tmp = tmp_path_factory.mktemp("console")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COMPLAINTS_DB")}
        env.update({"WEB_PORT": str(port), "WEB_HOST": "127.0.0.1", "OPERATOR_TOKEN": TOKEN, "ASSISTANT_TODAY": TODAY,
                    "RASA_URL": rasa_url or f"http://127.0.0.1:{free_port()}", "FEEDBACK_DIR": str(tmp / "feedback"),
                    **db_env, **{k: str(v) for k, v in settings.items()}})
        log = tmp / "web.log"
        proc = start([sys.executable, str(ROOT / "scripts" / "web.py")], log, env)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait(f"{url}/health", proc, log, timeout=30)
        return ConsoleServer(url, db_env, proc, env["OPERATOR_TOKEN"])

    yield _start
    for proc in procs:
        stop(proc)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_env(request, tmp_path, monkeypatch) -> dict:
    """A fresh, empty complaint store; this process's store functions use it too."""
    if request.param == "sqlite":
        env = {"COMPLAINTS_DB": str(tmp_path / "complaints.sqlite3")}
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        env = {"DATABASE_URL": request.getfixturevalue("services").new_database()}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("ASSISTANT_TODAY", TODAY)
    return env


@pytest.fixture
def console(console_factory, db_env) -> ConsoleServer:
    return console_factory(db_env)


def file_report(ptype="水", location="钟楼区白荡河边", district="钟楼区", description="河里有人偷排污水，水发黑",
                contact="13812345678", reporter=("rest", "web-test")) -> str:
    return store.submit(ptype, location, district, dt.date(2026, 11, 27), "晚上", description, contact,
                        reporter=reporter).tracking_number
