"""Questions and other requests typed while a form asks a field, through the real servers: answered, the
same field asked again, nothing stored as the field, everything filled so far kept (actions/interruptions.py)."""
from __future__ import annotations

import uuid

import requests

from tests.conftest import SIGNUP_EVENT
from tests.conversation import custom, say, stored, texts

FORM_SLOTS = ("pollution_type", "location", "seen_at", "description", "contact",
              "activity_id", "signup_name", "signup_phone", "signup_consent")


def slots(stack, sender: str) -> dict:
    """The conversation's form slots, from Rasa's tracker (operator token)."""
    r = requests.get(f"{stack.base}/conversations/{sender}/tracker", params={"token": stack.token}, timeout=60)
    assert r.ok, r.text
    return {k: v for k, v in r.json()["slots"].items() if k in FORM_SLOTS}


def test_questions_at_every_complaint_field_are_answered_and_never_stored(stack):
    sender = f"q-{uuid.uuid4().hex[:8]}"
    assert "哪里" in texts(say(stack.base, sender, "我要举报，我家旁边工厂在偷排污水"))
    weather = texts(say(stack.base, sender, "常州明天天气怎么样"))        # the example (nlu_fallback)
    assert weather.rstrip().endswith("例如“武进区湖塘镇长虹路和花园街路口”。")   # answered, then the place asked again
    assert weather.count("哪里") == 1
    assert slots(stack, sender)["location"] is None and slots(stack, sender)["pollution_type"] == "水"
    assert "什么时候" in texts(say(stack.base, sender, "天宁区青洋路桥下"))
    status = texts(say(stack.base, sender, "查询CZ-20200101-ZZZZ"))         # a status look-up
    assert "没有找到" in status and "什么时候" in status
    assert "描述" in texts(say(stack.base, sender, "昨晚"))
    plan = say(stack.base, sender, "河长制是什么")                          # a plan question
    assert "河长" in texts(plan) and custom(plan, "plan_answer") and "描述" in texts(plan)
    assert "手机号" in texts(say(stack.base, sender, "河水发黑发臭，还漂着死鱼"))
    hello = texts(say(stack.base, sender, "你好"))                          # a greeting
    assert "您好" in hello and "手机号" in hello
    summary = texts(say(stack.base, sender, "匿名"))
    assert "请核对" in summary and "天宁区青洋路桥下" in summary and "河水发黑发臭" in summary
    for question in ("天气", "CZ-20200101", "河长制", "你好"):
        assert question not in summary
    done = say(stack.base, sender, "/confirm_complaint")
    number = custom(done, "complaint_submitted")["tracking_number"]
    assert stored(stack.db, number) == ("水", "已受理", "天宁区")


def test_a_question_for_the_signup_name_and_phone_is_answered_and_the_field_asked_again(stack):
    sender = f"s-{uuid.uuid4().hex[:8]}"
    start = say(stack.base, sender, f'/signup_activity{{"activity_id":"{SIGNUP_EVENT["id"]}"}}')
    assert "姓名" in texts(start)
    unmet = texts(say(stack.base, sender, "哪些指标还没达标"))
    assert "未达标" in unmet and "姓名" in unmet and slots(stack, sender)["signup_name"] is None
    assert "手机号" in texts(say(stack.base, sender, "张三"))
    asked = texts(say(stack.base, sender, "你是机器人吗"))
    assert "机器人" in asked and "手机号" in asked
    assert slots(stack, sender)["signup_phone"] is None and slots(stack, sender)["signup_name"] == "张三"
    assert "同意" in texts(say(stack.base, sender, "13800000001"))
    done = say(stack.base, sender, "同意")
    assert "报名成功" in texts(done) and custom(done, "signup")
