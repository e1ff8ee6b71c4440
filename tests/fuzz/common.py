"""Shared pieces of the fuzz tests: example counts, hypothesis settings, request helpers, the store check.

Example counts: each category has a default; `FUZZ_<NAME>` (e.g. FUZZ_REST_TEXT=50) sets one category and
`FUZZ_SCALE` (e.g. 0.2 for a smoke run, 4 for a long night run) multiplies every default. `RUN` counts the
cases actually sent, per category, so the last test can print (and check) the total.

Cases per default run: REST text 200, REST bodies 150 (+ 5 other HTTP methods), WeChat signed odd XML 150,
WeChat safe mode 30, bad signatures 20, complaint conversations 10 (each 2-16 messages) = 565 hypothesis
examples (+ 8 form conversations with questions typed in, test_form_questions.py, each up to 14 messages), plus 21 explicit @example cases = 586 cases (measured: the last test prints e.g.
{'REST_TEXT': 205, 'REST_BODY': 158, 'WECHAT_XML': 158, 'WECHAT_AES': 30, 'WECHAT_SIGNATURE': 20,
'COMPLAINTS': 10, 'REST_METHOD': 5} = 586), and the 8 WeChat regression cases of test_wechat_regressions.py.
Measured on this 2-core machine (2026-11-29, five runs): the fuzz tests themselves take 30 s with the machine
quiet and 65-140 s with other test runs sharing the cores; the session fixture adds 50 s quiet, 1.5-4 min loaded
(whole `pytest tests/fuzz`: 1 min 24 s quiet, 4 min 24 s at load 6-7).
"""
from __future__ import annotations

import os
import re
import sqlite3
from collections import Counter
from pathlib import Path

import requests
from hypothesis import HealthCheck, settings

TIMEOUT = 120
TRACKING = re.compile(r"CZ-\d{8}-[0-9A-Z]{4}")

DEFAULTS = {                          # cases per run; see the module docstrings for what each one sends
    "REST_TEXT": 200,
    "REST_BODY": 150,
    "WECHAT_XML": 150,
    "WECHAT_AES": 30,
    "WECHAT_SIGNATURE": 20,
    "COMPLAINTS": 10,
    "REST_METHOD": 5,
    "FORM_QUESTIONS": 8,
}
RUN: Counter = Counter()              # cases sent in this session, by category
OUTCOMES: Counter = Counter()         # how the fuzzed complaint conversations ended (submitted, cancelled, ...)


def examples(name: str) -> int:
    """How many hypothesis examples the category `name` runs (see the module docstring)."""
    if os.environ.get(f"FUZZ_{name}"):
        return max(1, int(os.environ[f"FUZZ_{name}"]))
    return max(1, round(DEFAULTS[name] * float(os.environ.get("FUZZ_SCALE", "1"))))


def overridden() -> bool:
    return "FUZZ_SCALE" in os.environ or any(f"FUZZ_{n}" in os.environ for n in DEFAULTS)


def fuzz_settings(name: str, **kw) -> settings:
    """Random every run (no example database, no derandomisation), no deadline: each example is HTTP I/O."""
    options = {"max_examples": examples(name), "database": None, "deadline": None, "derandomize": False,
               "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.filter_too_much], **kw}
    return settings(**options)


def shown(r: requests.Response, limit: int = 800) -> str:
    return f"HTTP {r.status_code} {r.headers.get('Content-Type', '')!r}: {r.text[:limit]!r}"


def rest(base: str, sender: str, message: str) -> requests.Response:
    return requests.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                         timeout=TIMEOUT)


def assert_messages(r: requests.Response, sent: object) -> list[dict]:
    """A REST answer: never 5xx; a 200 is a JSON list of message dicts."""
    assert r.status_code < 500, f"sent {sent!r} -> {shown(r)}"
    if r.status_code != 200:
        return []
    try:
        body = r.json()
    except ValueError as exc:
        raise AssertionError(f"sent {sent!r} -> 200 that is not JSON: {shown(r)}") from exc
    assert isinstance(body, list) and all(isinstance(m, dict) for m in body), f"sent {sent!r} -> {shown(r)}"
    return body


def incomplete_reports(db: Path, numbers: list[str] | None = None) -> list[tuple]:
    """Reports (tracking number, contact rows, history rows) that are not complete: a complaints row
    needs exactly one complaint_contacts row and at least one complaint_history row. `numbers` given:
    those must also exist (a missing one is listed with None counts)."""
    con = sqlite3.connect(db, timeout=30)
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
        if "complaints" not in tables:
            return [(n, None, None) for n in numbers or []]
        rows = con.execute(
            "select c.tracking_number,"
            " (select count(*) from complaint_contacts k where k.complaint_id = c.id),"
            " (select count(*) from complaint_history h where h.complaint_id = c.id)"
            " from complaints c").fetchall()
    finally:
        con.close()
    if numbers is not None:
        found = {r[0]: r for r in rows}
        return [found.get(n, (n, None, None)) for n in numbers
                if n not in found or found[n][1] != 1 or found[n][2] < 1]
    return [r for r in rows if r[1] != 1 or r[2] < 1]
