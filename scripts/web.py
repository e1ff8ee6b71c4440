"""The web chat's server: static files from bot/web/, POST /api/chat proxied to Rasa, POST /api/feedback,
POST /api/notices, and the operator console under /admin (bot/console/, signed in with OPERATOR_TOKEN).

The chat part is standard library; the console and the notices read the complaint store (SQLAlchemy, Jinja2 in
.venv). Environment:
  WEB_PORT       port to listen on (default 8000)
  WEB_HOST       address to bind (default 127.0.0.1; set 0.0.0.0 to let phones on the LAN open it)
  RASA_URL       the Rasa server (default http://localhost:5005); the page never talks to it directly. Several
                 comma-separated URLs (replicas sharing PostgreSQL and Redis): each message goes to the next one in
                 turn, and to the one after when a server cannot be reached
  RASA_TIMEOUT   seconds to wait for Rasa's answer (default 60)
  FEEDBACK_DIR   folder of feedback.sqlite3, where helpful / not-helpful votes are kept (default .run)
  COMPLAINTS_DB / DATABASE_URL   the complaint store, as for the action server (notices, the console)
  OPERATOR_TOKEN the console's sign-in token (unset: the console answers 503); CONSOLE_SECURE_COOKIE=1 marks its
                 cookies Secure (behind HTTPS)

POST /api/chat      {"sender": str, "message": str} → Rasa's REST webhook answer (a list of messages);
                    502 {"error": "<Chinese message>"} when Rasa is down or too slow.
                    Notices about the sender's reports that wait to be shown come first, as messages with
                    custom {"type": "complaint_notice"}.
POST /api/feedback  {"question": str, "answer": str, "helpful": bool, "sender": str} → 201 {"id": n}; 400 on bad input.
POST /api/notices   {"sender": str} → {"notices": [str]}: the waiting notices of the sender's reports (the page asks
                    on every visit); each is shown once.
/admin…             the operator console (bot/console/app.py): nothing there but the sign-in page without signing in.

The sender id is the browser's own random id, so only that browser sees its notices. Log lines go through
`logging` with phone numbers masked (actions/privacy.py).
"""
from __future__ import annotations

import itertools
import json
import logging
import mimetypes
import os
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from actions.privacy import install_log_masking  # noqa: E402  (needs ROOT on the path; standard library only)
from bot.console.app import Console, Request  # noqa: E402

install_log_masking()                            # phone numbers never reach the log in clear
log = logging.getLogger("web")
WEB_DIR = ROOT / "bot" / "web"
MAX_BODY = 64 * 1024
LIMITS = {"question": 2000, "answer": 20000, "sender": 200, "message": 2000}
RASA_DOWN = "暂时连不上助手服务，请稍后再试。您输入的内容已保留。"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
CONSOLE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
               "base-uri 'none'")     # the console runs no script at all


class BadRequest(ValueError):
    pass


class FeedbackStore:
    """Votes in one SQLite file; each insert is committed before the answer is sent."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "feedback.sqlite3"
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("""CREATE TABLE IF NOT EXISTS feedback (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at TEXT NOT NULL,
                sender TEXT NOT NULL,
                question TEXT NOT NULL,
                answer TEXT NOT NULL,
                helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)))""")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def add(self, sender: str, question: str, answer: str, helpful: bool) -> int:
        with self._lock:
            db = self._connect()
            try:
                with db:
                    cur = db.execute(
                        "INSERT INTO feedback (created_at, sender, question, answer, helpful) VALUES (?, ?, ?, ?, ?)",
                        (time.strftime("%Y-%m-%dT%H:%M:%S%z"), sender, question, answer, int(helpful)))
                return int(cur.lastrowid)
            finally:
                db.close()


def text_field(body: dict, name: str, required: bool = True) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"“{name}”必须是字符串")
    value = value.strip()
    if required and not value:
        raise BadRequest(f"“{name}”不能为空")
    if len(value) > LIMITS[name]:
        raise BadRequest(f"“{name}”过长（最多{LIMITS[name]}字）")
    return value


def parse_feedback(body: object) -> tuple[str, str, str, bool]:
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    if not isinstance(body.get("helpful"), bool):
        raise BadRequest("“helpful”必须是 true 或 false")
    return (text_field(body, "sender"), text_field(body, "question", required=False),
            text_field(body, "answer"), body["helpful"])


def parse_sender(body: object) -> str:
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    return text_field(body, "sender")


def parse_chat(body: object) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    return {"sender": text_field(body, "sender"), "message": text_field(body, "message")}


def waiting_notices(sender: str) -> list[str]:
    """The notices for `sender`'s reports not shown yet, marked shown in the web chat."""
    from actions.complaints import store
    try:
        return store.take_notices_for_sender(sender, "web-chat")
    except Exception:                              # the store unreachable: the chat goes on without notices
        log.exception("notices for a web sender could not be read")
        return []


class Handler(BaseHTTPRequestHandler):
    server_version = "eco-web/1"
    store: FeedbackStore
    console: Console
    rasa_urls: list[str]
    next_rasa: itertools.count
    rasa_timeout: float

    # ---- plumbing ---------------------------------------------------------------------------
    def log_message(self, fmt: str, *args) -> None:
        log.info(fmt, *args)

    def _send(self, status: int, body: bytes, ctype: str, extra: list | None = None, csp: str = CSP) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", csp)
        for k, v in extra or []:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: object) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _read_json(self) -> object:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise BadRequest("Content-Length 无效") from None
        if length <= 0:
            raise BadRequest("请求体为空")
        if length > MAX_BODY:
            raise BadRequest("请求体过大")
        try:
            return json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadRequest("请求体不是有效的 JSON") from None

    # ---- GET: static files -------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/admin" or path.startswith("/admin/"):
            return self._console(path, {})
        if path == "/health":
            return self._json(200, {"status": "ok"})
        if path == "/":
            path = "/index.html"
        target = (WEB_DIR / path.lstrip("/")).resolve()
        if WEB_DIR.resolve() not in target.parents or not target.is_file():
            return self._json(404, {"error": "页面不存在"})
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "image/svg+xml"):
            ctype += "; charset=utf-8"
        self._send(200, target.read_bytes(), ctype)

    do_HEAD = do_GET

    # ---- POST: chat proxy and feedback ---------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if path == "/admin" or path.startswith("/admin/"):
            return self._console(path, self._read_form())
        try:
            if path == "/api/notices":
                return self._json(200, {"notices": waiting_notices(parse_sender(self._read_json()))})
            if path == "/api/chat":
                return self._chat(parse_chat(self._read_json()))
            if path == "/api/feedback":
                sender, question, answer, helpful = parse_feedback(self._read_json())
                return self._json(201, {"id": self.store.add(sender, question, answer, helpful)})
        except BadRequest as exc:
            return self._json(400, {"error": str(exc)})
        self._json(404, {"error": "接口不存在"})

    # ---- the operator console ----------------------------------------------------------------
    def _read_form(self) -> dict[str, str] | None:
        """An urlencoded form body (first value of each field); None when it is too large or malformed."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY:
            return None
        try:
            pairs = parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return None
        return {k: v[0] for k, v in pairs.items()}

    def _console(self, path: str, form: dict[str, str] | None) -> None:
        if form is None:
            return self._send(400, "表单内容无效或过大。".encode(), "text/plain; charset=utf-8")
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        request = Request(self.command, path, query, form, {k.lower(): v for k, v in self.headers.items()},
                          self.client_address[0])
        reply = self.console.handle(request)
        headers = [("X-Frame-Options", "DENY"), ("Cache-Control", "no-store"), *reply.headers]
        self._send(reply.status, reply.body, reply.ctype, headers, csp=CONSOLE_CSP)

    def _chat(self, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        first = next(self.next_rasa)
        for i in range(len(self.rasa_urls)):
            url = self.rasa_urls[(first + i) % len(self.rasa_urls)]
            req = urllib.request.Request(url.rstrip("/") + "/webhooks/rest/webhook", data,
                                         {"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=self.rasa_timeout) as resp:
                    answer = json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as exc:
                if exc.code == 400:
                    return self._json(400, {"error": "消息格式有误"})
                self.log_message("rasa answered %s", exc.code)
                return self._json(502, {"error": RASA_DOWN})
            except urllib.error.URLError as exc:       # not reached (the message was not taken): try the next one
                self.log_message("rasa %s unreachable: %s", url, exc)
                continue
            except (TimeoutError, OSError, ValueError) as exc:
                self.log_message("rasa %s failed: %s", url, exc)
                return self._json(502, {"error": RASA_DOWN})
            if not isinstance(answer, list):
                return self._json(502, {"error": RASA_DOWN})
            notices = [{"recipient_id": body["sender"], "text": text, "custom": {"type": "complaint_notice"}}
                       for text in waiting_notices(body["sender"])]
            return self._json(200, notices + answer)
        self._json(502, {"error": RASA_DOWN})


def make_server(port: int, host: str, rasa_url: str, feedback_dir: Path, timeout: float) -> ThreadingHTTPServer:
    urls = [u.strip() for u in rasa_url.split(",") if u.strip()]
    feedback = FeedbackStore(feedback_dir)
    handler = type("BoundHandler", (Handler,), {"store": feedback, "rasa_urls": urls,
                                                "next_rasa": itertools.count(),
                                                "rasa_timeout": timeout,
                                                "console": Console(urls, feedback.path,
                                                                   os.environ.get("CONSOLE_SECURE_COOKIE") == "1")})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="web: %(message)s", stream=sys.stderr)
    port = int(os.environ.get("WEB_PORT", "8000"))
    host = os.environ.get("WEB_HOST", "127.0.0.1")
    rasa_url = os.environ.get("RASA_URL", "http://localhost:5005")
    feedback_dir = Path(os.environ.get("FEEDBACK_DIR", str(ROOT / ".run")))
    server = make_server(port, host, rasa_url, feedback_dir, float(os.environ.get("RASA_TIMEOUT", "60")))
    print(f"web chat on http://localhost:{port} (Rasa {rasa_url}, feedback in {feedback_dir / 'feedback.sqlite3'})",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
