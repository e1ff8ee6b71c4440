"""Starting and stopping the servers the end-to-end and browser tests talk to (used by the conftest files)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = float(os.environ.get("E2E_START_TIMEOUT", "300"))


def newest_model() -> Path | None:
    """The newest trained model in models/, or None."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


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


def action_server_cmd(port: int) -> list[str]:
    """The action server (.venv) on `port`."""
    return [str(ROOT / ".venv/bin/python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]


def rasa_cmd(port: int, model: Path, endpoints: Path, credentials: Path, token: str) -> list[str]:
    """`rasa run` (.venv-rasa) on `port` with its HTTP API behind the operator `token`."""
    return [str(ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api", "--auth-token", token, "--port", str(port),
            "--model", str(model), "--endpoints", str(endpoints), "--credentials", str(credentials)]


def warm_up(base: str) -> None:
    """The first plan answer loads the index and the embedding model on the action server: once, with a long timeout."""
    requests.post(f"{base}/webhooks/rest/webhook", json={"sender": "warmup", "message": "蓝藻怎么治理"},
                  timeout=START_TIMEOUT)


def kill(proc: subprocess.Popen) -> None:
    """kill -9 of the server's whole process group (the main process and its spawned Sanic worker: killing the
    main pid alone leaves the worker serving the port)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


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


class FakeWeChatAPI:
    """A local stand-in for api.weixin.qq.com: hands out access tokens (GET /cgi-bin/token) and records the
    customer-service messages pushed to it (POST /cgi-bin/message/custom/send), in a thread of the test process."""

    def __init__(self, appid: str, secret: str):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qs, urlparse

        self.token_requests: list[dict] = []
        self.sent: list[dict] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, data: dict) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cgi-bin/token":
                    api.token_requests.append(q)
                    if q.get("appid") == appid and q.get("secret") == secret:
                        return self._json({"access_token": "fake-token", "expires_in": 7200})
                    return self._json({"errcode": 40013, "errmsg": "invalid appid"})
                self.send_error(404)

            def do_POST(self):  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path == "/cgi-bin/message/custom/send":
                    if q.get("access_token") != "fake-token":
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    api.sent.append(json.loads(body.decode("utf-8")))
                    return self._json({"errcode": 0, "errmsg": "ok"})
                self.send_error(404)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Services:
    """A private PostgreSQL cluster and Redis server (scripts/services.sh) in a temp folder on free loopback
    ports; `settings` holds what services.env exports (DATABASE_URL, REDIS_URL, POSTGRES_*, REDIS_*)."""

    def __init__(self):
        # /tmp, readable by the `postgres` user the server runs as when the tests run as root
        self.dir = Path(tempfile.mkdtemp(prefix="assistant-services-"))
        self.dir.chmod(0o755)
        self.env = {**os.environ, "SERVICES_DIR": str(self.dir), "PG_PORT": str(free_port()),
                    "REDIS_PORT": str(free_port())}
        done = subprocess.run([str(ROOT / "scripts/services.sh"), "start"], env=self.env, capture_output=True,
                              text=True, timeout=180)
        if done.returncode != 0:
            self.stop()
            pytest.fail(f"scripts/services.sh start failed (make services installs PostgreSQL and Redis):\n"
                        f"{done.stdout}{done.stderr}")
        self.settings: dict[str, str] = {}
        for line in (self.dir / "services.env").read_text().splitlines():
            for pair in line.removeprefix("export ").split():
                key, _, value = pair.partition("=")
                self.settings[key] = value

    def new_database(self) -> str:
        """The URL of a new empty database on the cluster."""
        import psycopg2
        name = "t_" + uuid.uuid4().hex[:12]
        s = self.settings
        con = psycopg2.connect(host=s["POSTGRES_HOST"], port=s["POSTGRES_PORT"], user=s["POSTGRES_USER"],
                               password=s["POSTGRES_PASSWORD"], dbname=s["POSTGRES_DB"])
        con.autocommit = True
        con.cursor().execute(f"CREATE DATABASE {name}")
        con.close()
        return s["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts/services.sh"), "stop"], env=self.env, capture_output=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)
