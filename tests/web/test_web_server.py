"""scripts/web.py without a browser: feedback validation and storage, the chat proxy's errors, static files."""
from __future__ import annotations

import sqlite3

import pytest
import requests


@pytest.fixture(scope="module")
def server(web_factory, dead_rasa_url):
    return web_factory(dead_rasa_url)


GOOD = {"question": "农村生活污水治理率现在多少", "answer": "25.6%，不达标", "helpful": True, "sender": "web-test"}


def test_feedback_is_stored(server):
    r = requests.post(server.url + "/api/feedback", json=GOOD, timeout=10)
    assert r.status_code == 201 and isinstance(r.json()["id"], int)
    r = requests.post(server.url + "/api/feedback", json={**GOOD, "helpful": False}, timeout=10)
    assert r.status_code == 201
    with sqlite3.connect(server.feedback_db) as db:
        rows = db.execute("SELECT sender, question, answer, helpful, created_at FROM feedback").fetchall()
    assert [r[:4] for r in rows][-2:] == [("web-test", GOOD["question"], GOOD["answer"], 1),
                                          ("web-test", GOOD["question"], GOOD["answer"], 0)]
    assert all(r[4] for r in rows)


@pytest.mark.parametrize("body", [
    {**GOOD, "helpful": "yes"}, {**GOOD, "helpful": 1}, {k: v for k, v in GOOD.items() if k != "helpful"},
    {**GOOD, "answer": ""}, {**GOOD, "answer": 5}, {**GOOD, "sender": ""}, {**GOOD, "question": None},
    {**GOOD, "answer": "长" * 20001}, [GOOD], "text",
])
def test_bad_feedback_is_refused(server, body):
    before = server.feedback_rows()
    r = requests.post(server.url + "/api/feedback", json=body, timeout=10)
    assert r.status_code == 400 and r.json()["error"]
    assert server.feedback_rows() == before


def test_feedback_that_is_not_json_is_refused(server):
    r = requests.post(server.url + "/api/feedback", data=b"{not json", timeout=10,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = requests.post(server.url + "/api/feedback", data=b"x" * 70000, timeout=10)
    assert r.status_code == 400


def test_chat_when_rasa_is_down_is_502_in_chinese(server):
    r = requests.post(server.url + "/api/chat", json={"sender": "web-test", "message": "你好"}, timeout=30)
    assert r.status_code == 502 and "连不上" in r.json()["error"]


@pytest.mark.parametrize("body", [{"sender": "x"}, {"sender": "x", "message": ""}, {"sender": 1, "message": "你好"}])
def test_bad_chat_body_is_400(server, body):
    assert requests.post(server.url + "/api/chat", json=body, timeout=10).status_code == 400


def test_static_files_and_no_path_escape(server):
    r = requests.get(server.url + "/", timeout=10)
    assert r.status_code == 200 and "常州生态文明规划 市民助手" in r.text
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    assert requests.get(server.url + "/chat.js", timeout=10).headers["Content-Type"].startswith(
        ("text/javascript", "application/javascript"))
    for path in ("/../../scripts/web.py", "/%2e%2e/%2e%2e/scripts/web.py", "/nope.html"):
        assert requests.get(server.url + path, timeout=10).status_code == 404


def test_chat_goes_to_the_next_replica_when_one_cannot_be_reached(web_factory, dead_rasa_url, bot):
    """RASA_URL with two replicas, one down: every message is still answered (by the one that is up)."""
    web = web_factory(f"{dead_rasa_url},{bot}")
    for message in ("你好", "农村生活污水治理率现在多少", "你好"):
        r = requests.post(web.url + "/api/chat", json={"sender": "web-failover", "message": message}, timeout=120)
        assert r.status_code == 200 and r.json() and r.json()[0]["text"], r.text
