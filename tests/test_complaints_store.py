"""actions/complaints/store.py and the operator CLI on a real SQLite file."""
from __future__ import annotations

import csv
import datetime as dt
import logging
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from actions.complaints import store
from actions.complaints.__main__ import main as cli

ROOT = Path(__file__).resolve().parents[1]
DAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def db(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite3"
    monkeypatch.setenv("COMPLAINTS_DB", str(path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-28")
    monkeypatch.setenv("OPERATOR_TOKEN", "s3cret")
    return path


def submit(contact="13812345678", **kw):
    args = {"pollution_type": "水", "location": "钟楼区白荡河边", "district": "钟楼区", "seen_date": DAY,
            "seen_part": "晚上", "description": "河里有人偷排污水，水发黑", "contact": contact, **kw}
    return store.submit(**args)


def test_tracking_number_format_and_unambiguous_alphabet():
    numbers = {submit(location=f"地点{i}号楼", description=f"第{i}次不同的描述内容").tracking_number for i in range(30)}
    assert len(numbers) == 30
    for n in numbers:
        prefix, day, tail = n.split("-")
        assert prefix == "CZ" and day == "20261128" and len(tail) == 4
        assert not set(tail) & set("01OI")


def test_report_is_in_the_file_with_contact_in_its_own_table(db):
    number = submit().tracking_number
    con = sqlite3.connect(db)
    body = con.execute("select * from complaints where tracking_number=?", (number,)).fetchone()
    assert "13812345678" not in str(body)
    assert con.execute("select phone from complaint_contacts").fetchone() == ("13812345678",)
    assert con.execute("select status, note from complaint_history").fetchall() == [("已受理", "市民在线提交")]


def test_status_moves_forward_with_dated_history_and_notes():
    number = submit().tracking_number
    store.set_status(number, "处理中", "已派单至钟楼区")
    row = store.set_status(number, "已办结", "排污口已封堵")
    assert row.status == "已办结"
    assert [(h.status, h.note) for h in row.history] == [("已受理", "市民在线提交"), ("处理中", "已派单至钟楼区"),
                                                         ("已办结", "排污口已封堵")]
    assert all(h.at.date() == dt.date(2026, 11, 28) for h in row.history)
    with pytest.raises(store.StoreError, match="退回"):
        store.set_status(number, "处理中", None)
    with pytest.raises(store.StoreError, match="状态只能是"):
        store.set_status(number, "搁置", None)


def test_anonymous_contact_has_no_phone():
    number = submit(contact="匿名").tracking_number
    contact = store.contact_of(number)
    assert contact.anonymous and contact.phone is None


def test_duplicates_within_seven_days_only(monkeypatch):
    first = submit().tracking_number
    assert submit(location="钟楼区白荡河边上").similar.tracking_number == first
    assert submit(pollution_type="大气").similar is None
    assert submit(location="金坛区长荡湖", district="金坛区", description="湖边垃圾堆成山了").similar is None
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-12-06")
    assert submit().similar is None


def test_phone_never_logged_in_clear(caplog):
    with caplog.at_level(logging.INFO, logger="actions.complaints.store"):
        submit()
    assert "13812345678" not in caplog.text and "138****5678" in caplog.text


def test_concurrent_submissions_get_distinct_numbers():
    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = list(pool.map(lambda i: submit(location=f"第{i}个地点").tracking_number, range(40)))
    assert len(set(numbers)) == 40 and store.count_complaints() == 40


def test_signup_quota():
    codes = [store.sign_up("ev-1", 2, "张三", "13800000001"), store.sign_up("ev-1", 2, "李四", "13800000002")]
    assert len(set(codes)) == 2 and all(c.startswith("HD-20261128-") for c in codes)
    with pytest.raises(store.StoreError, match="报满"):
        store.sign_up("ev-1", 2, "王五", "13800000003")
    assert store.signups("ev-1") == 2


def test_cli_refuses_without_token(monkeypatch, capsys):
    number = submit().tracking_number
    monkeypatch.delenv("OPERATOR_TOKEN")
    assert cli(["show", number]) == 2
    assert cli(["--token", "s3cret", "show", number]) == 2          # no token configured: refused too
    monkeypatch.setenv("OPERATOR_TOKEN", "s3cret")
    assert cli(["--token", "wrong", "show", number]) == 2
    assert "refused" in capsys.readouterr().err


def test_cli_show_set_status_and_export(tmp_path, capsys):
    number = submit().tracking_number
    submit(contact="匿名", location="新北区某工地", district="新北区", pollution_type="噪声", description="半夜施工很吵人")
    assert cli(["show", number, "--token", "s3cret"]) == 0
    out = capsys.readouterr().out
    assert number in out and "138****5678" in out and "13812345678" not in out
    assert cli(["set-status", number, "处理中", "--note", "已派单"]) == 0
    assert cli(["set-status", "CZ-20261128-ZZZZ", "处理中"]) == 1
    masked, clear = tmp_path / "m.csv", tmp_path / "c.csv"
    assert cli(["export", "--since", "2026-11-01", "--out", str(masked)]) == 0
    assert cli(["export", "--since", "2026-11-01", "--out", str(clear), "--with-contact"]) == 0
    rows = list(csv.DictReader(masked.open(encoding="utf-8-sig")))
    assert len(rows) == 2 and rows[0]["状态"] == "处理中" and rows[0]["联系方式"] == "138****5678"
    assert rows[1]["联系方式"] == "匿名"
    assert list(csv.DictReader(clear.open(encoding="utf-8-sig")))[0]["联系方式"] == "13812345678"
    assert cli(["export", "--since", "2026-11-29", "--out", str(masked)]) == 0
    assert list(csv.DictReader(masked.open(encoding="utf-8-sig"))) == []


def test_cli_as_a_module(db):
    number = submit().tracking_number
    ok = subprocess.run([sys.executable, "-m", "actions.complaints", "show", number], cwd=ROOT,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and number in ok.stdout
    env_without = {k: v for k, v in __import__("os").environ.items() if k != "OPERATOR_TOKEN"}
    refused = subprocess.run([sys.executable, "-m", "actions.complaints", "show", number], cwd=ROOT,
                             capture_output=True, text=True, timeout=60, env=env_without)
    assert refused.returncode == 2 and "refused" in refused.stderr
