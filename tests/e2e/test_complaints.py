"""Complaint conversations through the REST webhook against the real servers (see conftest.py):
a full report to its tracking number, a plan question in the middle, a kill -9 of the action server
right after the confirmation, and 50 concurrent citizens."""
from __future__ import annotations

import signal
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.conversation import NUMBER_PREFIX, complain, say, stored, texts
from tests.servers import kill, warm_up


def test_full_complaint_conversation_to_a_tracking_number(stack):
    sender = f"c-{uuid.uuid4().hex[:8]}"
    number, done = complain(stack.base, sender)
    assert number.startswith(NUMBER_PREFIX) and number in texts(done)
    assert stored(stack.db, number) == ("大气", "已受理", "武进区")
    status = say(stack.base, sender, f"查询{number}")
    assert "已受理" in texts(status) and "大气" in texts(status)
    assert "13812345678" not in texts(status) and "5678" not in texts(status)
    unknown = say(stack.base, sender, "查询CZ-20200101-ZZZZ")
    assert "没有找到" in texts(unknown)


def test_plan_question_mid_form_then_back_to_the_form(stack):
    sender = f"c-{uuid.uuid4().hex[:8]}"
    assert "哪类污染" in texts(say(stack.base, sender, "我要举报"))
    assert "哪里" in texts(say(stack.base, sender, "河水发黑"))
    detour = say(stack.base, sender, "河长制是什么")
    assert "河长" in texts(detour) and "出处" in texts(detour)      # answered from the plan…
    assert "哪里" in texts(detour)                                 # …and the form asks its question again
    assert "什么时候" in texts(say(stack.base, sender, "天宁区青洋路桥下"))
    assert "不能晚于今天" in texts(say(stack.base, sender, "明天"))   # a validation error keeps the form going
    assert "描述" in texts(say(stack.base, sender, "前天下午"))
    assert "手机号" in texts(say(stack.base, sender, "河水发黑发臭，还漂着死鱼"))
    summary = texts(say(stack.base, sender, "匿名"))
    assert "天宁区青洋路桥下" in summary and "水" in summary and "匿名" in summary
    assert "哪里" in texts(say(stack.base, sender, "修改地点"))
    assert "请核对" in texts(say(stack.base, sender, "天宁区青洋路桥东侧"))
    cancelled = say(stack.base, sender, "/stop")
    assert "已取消" in texts(cancelled)
    assert "没有待提交" in texts(say(stack.base, sender, "/confirm_complaint"))


def test_report_survives_kill_9_of_the_action_server(stack):
    sender = f"k-{uuid.uuid4().hex[:8]}"
    number, _ = complain(stack.base, sender, place="钟楼区白荡河公园东门")
    kill(stack.actions)                    # right after the confirmation message, the whole server dies
    assert stack.actions.returncode == -signal.SIGKILL
    assert stored(stack.db, number) == ("大气", "已受理", "钟楼区")
    stack.restart_actions()
    warm_up(stack.base)
    assert "已受理" in texts(say(stack.base, sender, f"查询{number}"))


def test_fifty_concurrent_citizens_get_fifty_distinct_numbers(stack):
    run = uuid.uuid4().hex[:6]
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(complain, stack.base, f"p{run}-{i}", f"新北区第{i}号工业园{i}幢", f"139{i:08d}", 180)
                   for i in range(50)]
        numbers = [f.result(timeout=900)[0] for f in futures]
    elapsed = time.monotonic() - start
    assert len(set(numbers)) == 50, numbers
    con = sqlite3.connect(stack.db, timeout=30)
    try:
        rows = con.execute(f"select tracking_number from complaints where tracking_number in ({','.join('?' * 50)})",
                           numbers).fetchall()
    finally:
        con.close()
    assert len(rows) == 50
    print(f"50 concurrent complaint conversations in {elapsed:.1f}s")
