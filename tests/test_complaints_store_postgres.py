"""The complaint store on a real PostgreSQL server (DATABASE_URL), as several action servers would use it:
reports complete in their three tables, tracking numbers unique across processes writing at once, and the
activity quota held across processes (each test gets a fresh database on the session's cluster)."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, text

from actions.complaints import store
from tests.servers import ROOT

DAY = dt.date(2026, 11, 27)

# One worker process: N reports (or N sign-ups) through the store, printing what it got as JSON.
WORKER = """
import datetime as dt, json, sys, time
from actions.complaints import store
kind, n, tag, start_at = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
store.count_complaints()                           # connect (and create the tables) first,
time.sleep(max(start_at - time.time(), 0))         # then all workers start writing at the same moment
out = []
for i in range(n):
    if kind == "submit":
        out.append(store.submit("水", f"{tag}号楼{i}", None, dt.date(2026, 11, 27), None, f"{tag}描述{i}不同", "匿名")
                   .tracking_number)
    else:
        try:
            out.append(store.sign_up("cleanup", 5, f"志愿者{tag}{i}", f"139{int(tag):04d}{i:04d}"))
        except store.StoreError:
            out.append(None)
print(json.dumps(out))
"""


@pytest.fixture()
def pg(services, monkeypatch) -> str:
    url = services.new_database()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-28")
    return url


def _rows(url: str, sql: str) -> list[tuple]:
    with create_engine(url).connect() as con:
        return [tuple(r) for r in con.execute(text(sql))]


def _in_processes(kind: str, n: int, processes: int) -> list:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start_at = str(time.time() + 8)
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, kind, str(n), str(k + 1), start_at], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(processes)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        results += json.loads(out.strip().splitlines()[-1])
    return results


def test_report_is_stored_whole_on_postgresql(pg):
    number = store.submit("水", "钟楼区白荡河边", "钟楼区", DAY, "晚上", "河里有人偷排污水，水发黑", "13812345678").tracking_number
    assert _rows(pg, f"select pollution_type, location, status from complaints where tracking_number='{number}'") == \
        [("水", "钟楼区白荡河边", "已受理")]
    assert _rows(pg, "select phone, anonymous from complaint_contacts") == [("13812345678", False)]
    assert _rows(pg, "select status, note from complaint_history") == [("已受理", "市民在线提交")]
    row = store.set_status(number, "处理中", "已派单")
    assert [h.status for h in row.history] == ["已受理", "处理中"]
    assert store.find(number.lower()).location == "钟楼区白荡河边"


def test_two_processes_writing_at_once_get_distinct_numbers_and_whole_reports(pg):
    """Two action servers starting on an empty database at the same moment (both create the tables) and
    then filing reports concurrently."""
    numbers = _in_processes("submit", 25, 2)
    assert len(numbers) == 50 and len(set(numbers)) == 50
    assert _rows(pg, "select count(*) from complaints") == [(50,)]
    incomplete = _rows(pg, "select c.tracking_number from complaints c left join complaint_contacts k "
                           "on k.complaint_id = c.id left join complaint_history h on h.complaint_id = c.id "
                           "where k.complaint_id is null or h.id is null")
    assert incomplete == []


def test_activity_quota_holds_across_processes(pg):
    codes = _in_processes("signup", 6, 4)                 # 24 attempts at once on a quota of 5
    assert len([c for c in codes if c]) == 5
    assert _rows(pg, "select count(*) from activity_signups where activity_id='cleanup'") == [(5,)]


def test_operator_cli_reads_the_postgresql_store(pg):
    number = store.submit("噪声", "新北区某工地", "新北区", DAY, "夜间", "半夜施工噪音很大", "匿名").tracking_number
    env = {**os.environ, "OPERATOR_TOKEN": "s3cret"}
    done = subprocess.run([sys.executable, "-m", "actions.complaints", "--token", "s3cret", "set-status", number,
                           "已办结", "--note", "已责令停工"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert store.find(number).status == "已办结"
