"""Runs after the other fuzz tests (pytest takes the files in name order): the servers survived, still
answer, and the complaint store holds no half-written report."""
from __future__ import annotations

import sqlite3
import uuid

import requests

from tests.fuzz.common import (
    DEFAULTS,
    OUTCOMES,
    RUN,
    TIMEOUT,
    assert_messages,
    incomplete_reports,
    overridden,
    rest,
    shown,
)


def test_servers_are_running_and_answer(stack):
    assert stack.rasa.poll() is None, f"the Rasa server exited ({stack.rasa.returncode})"
    assert stack.actions.poll() is None, f"the action server exited ({stack.actions.returncode})"
    r = requests.get(f"{stack.base}/", timeout=TIMEOUT)          # liveness (/status will need a token)
    assert r.status_code == 200, shown(r)
    r = requests.get(f"http://127.0.0.1:{stack.action_port}/health", timeout=TIMEOUT)
    assert r.status_code == 200, shown(r)
    msgs = assert_messages(rest(stack.base, f"after-{uuid.uuid4().hex[:8]}", "农村生活污水治理率现在多少"), "question")
    answer = "\n".join(str(m.get("text") or "") for m in msgs)
    assert "25.6" in answer, answer


def test_no_half_written_report(stack):
    bad = incomplete_reports(stack.db)
    assert not bad, f"complaints without exactly one contact row or without history: {bad}"
    con = sqlite3.connect(stack.db, timeout=30)
    try:
        orphans = con.execute(
            "select 'contact', complaint_id from complaint_contacts where complaint_id not in (select id from complaints)"
            " union all select 'history', complaint_id from complaint_history"
            " where complaint_id not in (select id from complaints)").fetchall()
    finally:
        con.close()
    assert not orphans, f"contact/history rows without a complaint: {orphans}"


def test_case_count():
    total = sum(RUN.values())
    print(f"fuzz cases sent this run: {dict(RUN)} = {total}; complaint conversations: {dict(OUTCOMES)}")
    if not overridden() and all(RUN[name] for name in DEFAULTS):     # the whole default run took place
        assert total >= 500, dict(RUN)
