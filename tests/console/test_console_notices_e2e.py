"""Notices to reporters end to end, against the session's real Rasa and action servers and the fake WeChat API:
a status change set in the console is pushed to a WeChat reporter inside the 48-hour window, waits for the next
message of one the channel has not heard from, and comes first in a status look-up through the REST channel."""
from __future__ import annotations

import datetime as dt
import re
import time
import uuid

import pytest

from actions.complaints import store
from tests.conversation import complain, say, texts
from tests.wechat.client import WeChat

NUMBER = re.compile(r"CZ-\d{8}-[A-Z0-9]{4}")


@pytest.fixture(scope="module")
def server(stack, console_factory):
    """The console on the session's complaint store, handing WeChat notices to the session's Rasa server."""
    return console_factory({"COMPLAINTS_DB": str(stack.db)}, rasa_url=stack.base, OPERATOR_TOKEN=stack.token)


@pytest.fixture
def same_store(stack, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COMPLAINTS_DB", str(stack.db))


def pushed_to(stack, openid: str, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [m["text"]["content"] for m in stack.wechat_api.sent if m["touser"] == openid]
        if sent:
            return sent
        time.sleep(0.2)
    return []


def test_status_change_is_pushed_to_a_wechat_reporter(stack, server):
    wx, openid = WeChat(stack.base, stack.wechat), f"o-console-{uuid.uuid4().hex[:8]}"
    assert "哪里" in wx.ask(openid, "我要举报，昨晚有工厂冒黑烟")
    assert "描述" in wx.ask(openid, "武进区湖塘镇长虹路")
    assert "手机号" in wx.ask(openid, "烟囱一直冒黑烟，气味很刺鼻")
    assert "确认提交" in wx.ask(openid, "13812345678")
    number = NUMBER.search(wx.ask(openid, "1"))[0]                  # 1 = 确认提交
    op = server.operator("微信专员")
    assert "（微信）" in op.get(f"/admin/reports/{number}").text
    assert op.post(f"/admin/reports/{number}/status", {"status": "处理中", "note": "已派执法人员现场核查"}).status_code == 303
    assert pushed_to(stack, openid) == [f"您的举报 {number} 处理中：已派执法人员现场核查"]
    assert "已送达（微信客服消息" in op.get(f"/admin/reports/{number}").text
    assert "您的举报" not in wx.ask(openid, "你好")                   # pushed once, not repeated


def test_notice_outside_the_window_comes_with_the_next_message(stack, server, same_store):
    openid = f"o-silent-{uuid.uuid4().hex[:8]}"             # a reporter the channel has not heard from in 48 h
    number = store.submit("水", "钟楼区白荡河边", "钟楼区", dt.date.today(), None, "河里有人偷排污水，水发黑",
                          "匿名", reporter=("wechat", openid)).tracking_number
    op = server.operator()
    op.post(f"/admin/reports/{number}/status", {"status": "已办结", "note": "排污口已封堵"})
    assert "超出微信48小时窗口" in op.get(f"/admin/reports/{number}").text
    assert pushed_to(stack, openid, timeout=2) == []
    reply = WeChat(stack.base, stack.wechat).ask(openid, "你好")
    assert reply.startswith(f"您的举报 {number} 已办结：排污口已封堵")
    assert "您的举报" not in WeChat(stack.base, stack.wechat).ask(openid, "你好")


def test_status_look_up_shows_the_waiting_notice_first_and_once(stack, server):
    sender = f"r-{uuid.uuid4().hex[:8]}"
    number, _ = complain(stack.base, sender)
    op = server.operator()
    op.post(f"/admin/reports/{number}/status", {"status": "不予受理", "note": "经核实为正常蒸汽排放"})
    first = texts(say(stack.base, sender, f"查询{number}"))
    assert first.startswith(f"您的举报 {number} 不予受理：经核实为正常蒸汽排放") and "处理记录" in first
    again = texts(say(stack.base, sender, f"查询{number}"))
    assert not again.startswith("您的举报") and "不予受理" in again
    assert "已送达（市民查询进度时" in op.get(f"/admin/reports/{number}").text


def test_wechat_notify_endpoint_needs_the_operator_token_and_a_proper_body(stack):
    import requests
    url = f"{stack.base}/webhooks/wechat/notify"
    body = {"openid": "o-someone", "text": "您的举报 CZ-20261128-AAAA 已办结。"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": stack.token}):
        r = requests.post(url, json=body, headers=headers, timeout=30)
        assert r.status_code == 403, headers
    auth = {"Authorization": f"Bearer {stack.token}"}
    for bad in ({"openid": "o-x"}, {"openid": "", "text": "x"}, {"openid": 1, "text": "x"}, ["x"]):
        assert requests.post(url, json=bad, headers=auth, timeout=30).status_code == 400, bad
    assert requests.post(url, data=b"{not json", headers=auth, timeout=30).status_code == 400
    assert pushed_to(stack, "o-someone", timeout=1) == []
