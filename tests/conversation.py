"""A citizen talking to the REST webhook, for the end-to-end tests: send a message, read the replies, and the
scripted complaint conversation that several tests (single stack, replicas) walk through."""
from __future__ import annotations

import itertools
import sqlite3

import requests

TIMEOUT = 120
NUMBER_PREFIX = "CZ-"


def say(base: str, sender: str, message: str, timeout: float = TIMEOUT) -> list[dict]:
    r = requests.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout)
    assert r.status_code == 200, r.text
    return r.json()


def texts(msgs: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in msgs)


def custom(msgs: list[dict], kind: str) -> dict | None:
    return next((m["custom"] for m in msgs if isinstance(m.get("custom"), dict) and m["custom"].get("type") == kind),
                None)


def stored(db, number: str) -> tuple | None:
    """(type, status, district) of a report in the SQLite file `db`."""
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("select pollution_type, status, district from complaints where tracking_number=?",
                           (number,)).fetchone()
    finally:
        con.close()


def complain(base: str | list[str], sender: str, place: str = "武进区湖塘镇长虹路", phone: str = "13812345678",
             timeout: float = TIMEOUT) -> tuple[str, list[dict]]:
    """A scripted citizen: report, place, description, phone, confirm. Returns (tracking number, last reply).
    With several base URLs the messages go to each server in turn (one conversation across replicas)."""
    bases = itertools.cycle([base] if isinstance(base, str) else base)

    def send(message: str) -> list[dict]:
        return say(next(bases), sender, message, timeout)

    asked = texts(send("我要举报，昨晚有工厂冒黑烟"))
    assert "哪里" in asked, asked                                  # type and time came with the report
    assert "描述" in texts(send(place))
    assert "手机号" in texts(send("烟囱一直冒黑烟，气味很刺鼻"))
    summary = send(phone)
    assert "请核对" in texts(summary) and "大气" in texts(summary), texts(summary)
    assert [[b["title"] for b in m["buttons"]] for m in summary if m.get("buttons")] == [["确认提交", "修改", "取消"]]
    done = send("/confirm_complaint")
    submitted = custom(done, "complaint_submitted")
    assert submitted, texts(done)
    return submitted["tracking_number"], done
