"""Whole conversations through the REST webhook against the real servers (see conftest.py)."""
from __future__ import annotations

import uuid

import pytest
import requests

TIMEOUT = 120


def say(base: str, sender: str, message) -> list[dict]:
    r = requests.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def texts(msgs: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in msgs)


def payloads(msgs: list[dict]) -> list[dict]:
    return [m["custom"] for m in msgs if isinstance(m.get("custom"), dict) and m["custom"].get("type") == "plan_answer"]


@pytest.fixture
def sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def alive(base: str) -> bool:
    return requests.get(f"{base}/", timeout=10).ok


def test_indicator_then_follow_ups(bot, sender):
    first = say(bot, sender, "农村生活污水治理率现在多少")
    assert "25.6" in texts(first) and "不达标" in texts(first)
    assert payloads(first) and payloads(first)[0]["confident"] is True and payloads(first)[0]["sources"]
    follow = say(bot, sender, "那2030年呢")
    assert "农村生活污水治理率" in texts(follow) and "2030年目标值100%" in texts(follow)
    status = say(bot, sender, "现在达标了吗")
    assert "不达标" in texts(status)


def test_unmet_list(bot, sender):
    msgs = say(bot, sender, "哪些指标还没达标")
    assert "6项指标未达标" in texts(msgs)


def test_project_question(bot, sender):
    msgs = say(bot, sender, "溧阳有哪些重点工程")
    assert "溧阳" in texts(msgs) and "万元" in texts(msgs) and payloads(msgs)


def test_green_tips(bot, sender):
    msgs = say(bot, sender, "垃圾分类怎么做")
    assert "生活垃圾分类" in texts(msgs) and "出处" in texts(msgs)


def test_plan_question_with_citation(bot, sender):
    msgs = say(bot, sender, "规划里怎么治理蓝藻")
    assert "出处" in texts(msgs)
    assert payloads(msgs) and payloads(msgs)[0]["confident"] is True


def test_reporting_channels_labelled_outside_plan(bot, sender):
    msgs = say(bot, sender, "怎么举报环境污染")
    assert "12369" in texts(msgs) and "不是出自《规划》" in texts(msgs)


def test_report_starts_the_complaint_form(bot, sender):
    msgs = say(bot, sender, "我要举报，我家旁边工厂在偷排污水")
    assert "哪里" in texts(msgs)                     # the type (水) came with the report; the place is asked
    assert "已取消" in texts(say(bot, sender, "取消"))


def test_question_outside_the_plan_is_refused(bot, sender):
    msgs = say(bot, sender, "今天天气怎么样")
    assert any(w in texts(msgs) for w in ("超出了我的范围", "不作推测", "没有找到"))
    assert all(p["confident"] is False for p in payloads(msgs))


def test_greeting_shows_help_buttons(bot, sender):
    msgs = say(bot, sender, "你好")
    assert any(m.get("buttons") for m in msgs)


@pytest.mark.parametrize("message", ["", "   ", "污" * 20000, "😀😀😀🌳", "\x00\x01\x07\x1b[31m", "？？？"])
def test_bad_input_gets_a_reply_and_servers_stay_up(bot, sender, message):
    r = requests.post(f"{bot}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=TIMEOUT)
    assert r.status_code == 200 or 400 <= r.status_code < 500
    if r.status_code == 200:
        assert texts(r.json()).strip(), "no reply to bad input"     # a clear reply, not silence
    if len(message) > 1000:                                          # over MAX_MESSAGE_CHARS: the guard answers
        assert "20000个字" in texts(r.json()) and "不超过1000字" in texts(r.json())
    assert alive(bot)
    assert "25.6" in texts(say(bot, sender, "农村生活污水治理率现在多少"))


@pytest.mark.parametrize("body", [{}, {"sender": "x"}, {"message": "你好"}, [], "not json",
                                  {"sender": "x", "message": 42}, {"sender": None, "message": "你好"}])
def test_malformed_bodies_get_400(bot, body):
    kwargs = {"data": body} if isinstance(body, str) else {"json": body}
    r = requests.post(f"{bot}/webhooks/rest/webhook", timeout=TIMEOUT, **kwargs)
    assert r.status_code == 400, r.text
    assert "sender" in r.text and "message" in r.text          # the reply says what a valid body is
    assert alive(bot)


def test_how_to_report_names_the_channels_with_buttons_and_a_report_starts_the_form(bot, sender):
    for question in ("怎么举报", "举报电话"):
        msgs = say(bot, sender, question)
        text = texts(msgs)
        assert "在这里提交" in text and "12369" in text and "12345" in text and "不是出自《规划》" in text
        assert "《规划》里的说法" in text and "举报" in text
        assert [[b["title"] for b in m["buttons"]] for m in msgs if m.get("buttons")] == [["在这里提交举报", "查询举报进度"]]
        assert "哪里" not in text and "哪类污染" not in text          # no form started
    assert "哪类污染" in texts(say(bot, sender, "/report_pollution"))     # the button starts the form here
    assert "已取消" in texts(say(bot, sender, "取消"))
    assert "哪里" in texts(say(bot, sender, "有人在偷排污水，我要举报"))  # a report being made: the form directly
    assert "已取消" in texts(say(bot, sender, "取消"))


def test_multi_part_row_reads_one_line_per_part_and_follow_ups_label_the_shared_cells(bot, sender):
    first = texts(say(bot, sender, "水环境质量现在怎么样"))
    lines = [line for line in first.splitlines() if line.startswith("· ")]
    assert any("水质达到或优于III类比例提高幅度" in line and "84.4%" in line for line in lines)
    assert any(line.startswith("· 黑臭水体消除比例") and "84.4" not in line for line in lines)
    assert first.count("各分项共用") == 1
    follow = texts(say(bot, sender, "那2030年呢"))
    assert follow.count("各分项共用") == 1 and "2030年目标值" in follow and "2025年" not in follow
    assert "黑臭水体消除比例" in follow


def test_english_questions_get_plan_answers(bot, sender):
    river = say(bot, sender, "What is the river chief system?")
    assert "河长" in texts(river) and payloads(river) and payloads(river)[0]["confident"] is True
    greeting_with_question = say(bot, sender, "Hello, what is the forest coverage rate?")
    assert "林草覆盖率" in texts(greeting_with_question) and payloads(greeting_with_question)
    unmet = texts(say(bot, sender, "Which indicators have not met their targets?"))
    assert "未达标" in unmet
    assert "12369" in texts(say(bot, sender, "How do I report pollution?"))
    assert "机器人" in texts(say(bot, sender, "Are you a robot?"))      # small talk without a subject stays small talk
