"""The WeChat Official Account channel against the real Rasa server (see tests/conftest.py): messages are built,
signed and encrypted with wechatpy as WeChat's servers would, replies are parsed (and decrypted) with wechatpy."""
from __future__ import annotations

import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import xmltodict

from tests.wechat.client import WeChat, text_xml

TIMEOUT = 120


@pytest.fixture(scope="module")
def wx(stack) -> WeChat:
    return WeChat(stack.base, stack.wechat)


@pytest.fixture
def openid() -> str:
    return f"o-test-{uuid.uuid4().hex[:10]}"


def user_texts(stack, sender: str) -> list[str]:
    tracker = requests.get(f"{stack.base}/conversations/{sender}/tracker", params={"token": stack.token},
                           timeout=30).json()
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def test_url_verification_echoes_echostr(wx):
    r = requests.get(wx.url, params={**wx.params(), "echostr": "1234567890"}, timeout=30)
    assert r.status_code == 200 and r.text == "1234567890"


def test_bad_signature_is_403(wx, openid):
    r = requests.get(wx.url, params={**wx.params(token="wrong"), "echostr": "x"}, timeout=30)
    assert r.status_code == 403
    assert wx.post(text_xml(openid, "你好"), token="wrong").status_code == 403


def test_text_question_answered_in_xml(wx, openid):
    answer = wx.ask(openid, "农村生活污水治理率现在多少")
    assert "25.6" in answer and "出处" in answer
    assert len(answer.encode("utf-8")) <= 2048


def test_text_question_in_safe_mode(wx, openid):
    answer = wx.ask(openid, "农村生活污水治理率现在多少", aes=True)
    assert "25.6" in answer


def test_tampered_ciphertext_is_rejected(wx, openid):
    params = wx.params()
    enc = wx.crypto.encrypt_message(text_xml(openid, "你好"), params["nonce"], params["timestamp"])
    fields = xmltodict.parse(enc)["xml"]
    params.update(encrypt_type="aes", msg_signature="0" * 40)
    r = requests.post(wx.url, params=params, data=f"<xml><Encrypt>{fields['Encrypt']}</Encrypt></xml>", timeout=30)
    assert r.status_code == 403


def test_retried_msg_id_runs_the_dialogue_once(wx, stack, openid):
    xml = text_xml(openid, "农村生活污水治理率现在多少")
    with ThreadPoolExecutor(2) as pool:                      # a retry while the first is still being answered
        first, second = pool.map(lambda _: wx.post(xml), range(2))
    third = wx.post(xml)                                      # and one after it was answered
    answers = [wx.reply(r).content for r in (first, second, third)]
    assert all("25.6" in a for a in answers)
    assert user_texts(stack, openid) == ["农村生活污水治理率现在多少"]


def test_slow_answer_is_pushed_through_the_customer_service_api(stack, openid):
    slow = WeChat(stack.base, stack.wechat, path="wechat_slow")   # the same channel with a 0.01 s budget
    r = slow.post(text_xml(openid, "农村生活污水治理率现在多少"))
    assert r.status_code == 200 and r.text == "success"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [m for m in stack.wechat_api.sent if m["touser"] == openid]:
        time.sleep(0.2)
    pushed = [m for m in stack.wechat_api.sent if m["touser"] == openid]
    assert len(pushed) == 1, stack.wechat_api.sent
    assert pushed[0]["msgtype"] == "text" and "25.6" in pushed[0]["text"]["content"]
    assert stack.wechat_api.token_requests[-1] == {"grant_type": "client_credential", "appid": "wx_test",
                                                   "secret": "secret"}


def test_malformed_and_oversized_xml_is_400(wx, openid):
    assert wx.post("<xml><MsgType>text</MsgType><Content>没有结束").status_code == 400
    assert wx.post("这不是XML").status_code == 400
    big = text_xml(openid, "长" * 30_000)                     # > 64 KB of UTF-8
    assert wx.post(big).status_code == 400
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>'
    assert wx.post(bomb).status_code == 400
    assert wx.ask(openid, "你好")                              # and the channel still answers


def test_subscribe_gets_the_welcome_and_help_menu(wx, openid):
    xml = (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
           f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
           f"<Event><![CDATA[subscribe]]></Event></xml>")
    welcome = wx.reply(wx.post(xml)).content
    assert "您好" in welcome and "我可以帮您" in welcome and "1. " in welcome


def test_voice_gets_a_polite_text_only_reply(wx, openid):
    xml = (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
           f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
           f"<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>{random.randrange(10**15)}</MsgId></xml>")
    assert "文字" in wx.reply(wx.post(xml)).content


def location_xml(openid: str, label: str, lat: float, lng: float) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[location]]></MsgType>"
            f"<Location_X>{lat}</Location_X><Location_Y>{lng}</Location_Y><Scale>15</Scale>"
            f"<Label><![CDATA[{label}]]></Label><MsgId>{random.randrange(10**15, 10**16)}</MsgId></xml>")


def test_complaint_over_wechat_to_its_tracking_number(wx, stack, openid):
    assert "哪里" in wx.ask(openid, "我要举报，昨晚有工厂冒黑烟")
    asked = wx.reply(wx.post(location_xml(openid, "武进区湖塘镇长虹路", 31.7123, 119.9621))).content
    assert "描述" in asked, asked
    assert "手机号" in wx.ask(openid, "烟囱一直冒黑烟，气味很刺鼻")
    summary = wx.ask(openid, "13812345678")
    assert "请核对" in summary and "1. 确认提交" in summary, summary
    assert "· 地点：武进区湖塘镇长虹路（31.7123,119.9621）（区域：武进区）" in summary, summary   # labelled once
    done = wx.ask(openid, "1")                                # the number picks the first button
    assert "CZ-" in done, done
    assert "地点：武进区湖塘镇长虹路（31.7123,119.9621）" in user_texts(stack, openid)
