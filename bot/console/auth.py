"""Sign-in for the operator console: the operator token, server-side sessions, CSRF tokens, a sign-in rate limit.

A session lives in this process's memory (one web server serves the console): a random id in an HttpOnly,
SameSite=Strict cookie scoped to /admin, the operator's name for the audit log, and a CSRF token that every
form posts back. It ends after CONSOLE_IDLE_MINUTES without a request (default 30) or CONSOLE_MAX_HOURS after
sign-in (default 8), or on 退出. Wrong tokens: after CONSOLE_SIGNIN_ATTEMPTS failures (default 5) from one
address within CONSOLE_SIGNIN_WINDOW seconds (default 300) that address must wait until the window ends.
"""
from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "console_session"


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def configured_token() -> str:
    """The operator token (env OPERATOR_TOKEN); '' means the console is off."""
    return os.environ.get("OPERATOR_TOKEN", "")


def token_matches(presented: str) -> bool:
    expected = configured_token()
    return bool(expected) and hmac.compare_digest(presented.encode(), expected.encode())


@dataclass
class OperatorSession:
    operator: str
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    started: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    flash: str | None = None                     # a one-time message for the next page


class Sessions:
    """Session id → OperatorSession, with idle and absolute expiry."""

    def __init__(self):
        self.idle = _env_number("CONSOLE_IDLE_MINUTES", 30) * 60
        self.longest = _env_number("CONSOLE_MAX_HOURS", 8) * 3600
        self._items: dict[str, OperatorSession] = {}
        self._lock = threading.Lock()

    def start(self, operator: str) -> tuple[str, OperatorSession]:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._drop_expired()
            self._items[sid] = session = OperatorSession(operator)
        return sid, session

    def get(self, sid: str | None) -> OperatorSession | None:
        if not sid:
            return None
        with self._lock:
            session = self._items.get(sid)
            if session is None:
                return None
            now = time.monotonic()
            if now - session.seen > self.idle or now - session.started > self.longest:
                del self._items[sid]
                return None
            session.seen = now
            return session

    def end(self, sid: str | None) -> None:
        with self._lock:
            self._items.pop(sid or "", None)

    def _drop_expired(self) -> None:
        now = time.monotonic()
        for sid in [k for k, s in self._items.items() if now - s.seen > self.idle or now - s.started > self.longest]:
            del self._items[sid]

    def cookie(self, sid: str, secure: bool) -> str:
        """The Set-Cookie value for a new session (a session cookie: the browser forgets it when closed)."""
        return f"{COOKIE}={sid}; Path=/admin; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")

    @staticmethod
    def cleared_cookie() -> str:
        return f"{COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0"


def csrf_ok(session: OperatorSession, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(presented.encode(), session.csrf.encode())


class SignInLimiter:
    """Failed sign-ins per client address in a fixed window."""

    def __init__(self):
        self.attempts = int(_env_number("CONSOLE_SIGNIN_ATTEMPTS", 5))
        self.window = _env_number("CONSOLE_SIGNIN_WINDOW", 300)
        self._failures: dict[str, tuple[float, int]] = {}      # address → (window start, failures)
        self._lock = threading.Lock()

    def wait_seconds(self, address: str) -> int:
        """Seconds `address` must wait before it may try again (0 = it may try now)."""
        with self._lock:
            start, count = self._failures.get(address, (0.0, 0))
            left = self.window - (time.monotonic() - start)
            if left <= 0:
                self._failures.pop(address, None)
                return 0
            return int(left) + 1 if count >= self.attempts else 0

    def failed(self, address: str) -> None:
        with self._lock:
            now = time.monotonic()
            start, count = self._failures.get(address, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            self._failures[address] = (start, count + 1)
            if len(self._failures) > 10_000:                 # bounded: forget the oldest windows
                for key in sorted(self._failures, key=lambda k: self._failures[k][0])[:1000]:
                    del self._failures[key]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
