"""complaint_form validation, summary, submit, edit, cancel and status look-up: real rasa_sdk Tracker and
CollectingDispatcher, the real domain.yml, and a real SQLite file per test."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import store
from actions.complaints.form import (
    ActionCancel,
    ActionComplaintSummary,
    ActionEditComplaint,
    ActionSubmitComplaint,
    ValidateComplaintForm,
)
from actions.complaints.start import ActionRouteReport
from actions.complaints.status import ActionComplaintStatus
from tests.action_runner import DOMAIN, make_tracker, run_on

FORM_SLOTS = ("pollution_type", "location", "seen_at", "description", "contact")
FILLED = {"pollution_type": "大气", "location": "武进区湖塘镇长虹路", "seen_at": "2026-11-27 晚上",
          "description": "工厂烟囱一直冒黑烟，气味刺鼻", "contact": "13812345678"}


@pytest.fixture(autouse=True)
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(tmp_path / "complaints.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-28")
    return tmp_path / "complaints.sqlite3"


def tracker(text, intent, slots=None, requested=None, active="complaint_form", entities=()):
    return make_tracker(text, intent, entities, slots, requested, active)


def run(action, t):
    return run_on(action, t)


def answer(text: str, requested: str, slots: dict | None = None, intent: str = "inform"):
    return run(ValidateComplaintForm(), tracker(text, intent, slots, requested))


def test_activation_message_fills_the_type_and_the_time():
    slots, msgs = run(ValidateComplaintForm(), tracker("昨晚有工厂冒黑烟，我要举报", "report_pollution"))
    assert slots["pollution_type"] == "大气" and slots["seen_at"] == "2026-11-27 晚上"
    # the form skips its first question, so the citizen is told what is happening and how to stop
    assert len(msgs) == 1 and "大气污染举报" in msgs[0]["text"] and "取消" in msgs[0]["text"]


@pytest.mark.parametrize("text,expected", [("冒黑烟", "大气"), ("一股臭味", "大气"), ("偷排污水", "水"),
                                           ("河水发黑", "水"), ("工地半夜施工", "噪声"), ("噪音", "噪声"),
                                           ("乱倒垃圾", "固体废物"), ("辐射", "辐射"), ("其他", "其他")])
def test_colloquial_pollution_types(text, expected):
    slots, _ = answer(text, "pollution_type")
    assert slots["pollution_type"] == expected


def test_happy_path_through_every_field(db):
    slots: dict = {}
    for requested, text in [("pollution_type", "河水发黑"), ("location", "天宁区青洋路和竹林路路口的河"),
                            ("seen_at", "今天早上"), ("description", "河水发黑发臭，还有死鱼漂着"),
                            ("contact", "138 1234 5678")]:
        got, msgs = answer(text, requested, slots)
        assert not msgs, msgs
        slots.update(got)
    assert slots == {"pollution_type": "水", "location": "天宁区青洋路和竹林路路口的河", "seen_at": "2026-11-28 早上",
                     "description": "河水发黑发臭，还有死鱼漂着", "contact": "13812345678"}
    _, msgs = run(ActionComplaintSummary(), tracker("", "inform", slots, active=None))
    text = msgs[0]["text"]
    assert "区域：天宁区" in text and "138****5678" in text and "13812345678" not in text
    assert [b["title"] for b in msgs[0]["buttons"]] == ["确认提交", "修改", "取消"]
    events, msgs = run(ActionSubmitComplaint(), tracker("/confirm_complaint", "confirm_complaint", slots, active=None))
    number = msgs[0]["custom"]["tracking_number"]
    assert number in msgs[0]["text"] and all(events[s] is None for s in FORM_SLOTS)
    row = store.find(number)                                    # committed before the reply
    assert row.pollution_type == "水" and row.district == "天宁区" and str(row.seen_date) == "2026-11-28"
    assert store.contact_of(number).phone == "13812345678"


@pytest.mark.parametrize("requested,text,words", [
    ("pollution_type", "哈哈哈", "污染类型"),
    ("location", "a", "具体的地点"),
    ("location", "地点：", "具体的地点"),                       # a label with no place
    ("seen_at", "明天", "不能晚于今天"),
    ("seen_at", "2026-12-01", "不能晚于今天"),
    ("seen_at", "随便吧", "没听懂"),
    ("seen_at", "2月30日", "不是一个有效的日期"),
    ("description", "很臭", "至少用5个汉字"),
    ("contact", "12345678901", "手机号格式不对"),
    ("contact", "1381234567", "手机号格式不对"),
])
def test_each_validation_error_has_a_clear_message_and_keeps_other_fields(requested, text, words):
    given = {k: v for k, v in FILLED.items() if k != requested}
    slots, msgs = answer(text, requested, given)
    assert slots[requested] is None
    assert words in msgs[0]["text"]
    assert all(k not in slots for k in given)                  # nothing already given is touched


def test_anonymous_contact_is_accepted():
    assert answer("匿名", "contact")[0]["contact"] == "匿名"
    assert answer("我不想留电话", "contact")[0]["contact"] == "匿名"


def test_plan_question_mid_form_is_answered_not_taken_as_the_answer():
    slots, msgs = run(ValidateComplaintForm(), tracker("河长制是什么", "ask_plan", {"pollution_type": "水"}, "location"))
    assert slots["location"] is None and "pollution_type" not in slots   # the form asks the place again
    assert "河长" in msgs[0]["text"]


def test_edit_one_field_clears_only_that_field():
    events, msgs = run(ActionEditComplaint(), tracker("修改地点", "edit_complaint", FILLED, active=None))
    assert events == {"location": None} and "地点" in msgs[0]["text"]


def test_bare_edit_asks_which_field_then_clears_it():
    events, _ = run(ActionEditComplaint(), tracker("修改", "edit_complaint", FILLED, active=None))
    assert events["complaint_editing"] is True
    slots = {**FILLED, "complaint_editing": True}
    got, msgs = run(ValidateComplaintForm(), tracker("时间", "inform", slots, "edit_field"))
    assert got["seen_at"] is None and got["complaint_editing"] is False
    assert got.get("requested_slot") in (None, "seen_at")      # core asks the first empty slot: seen_at
    got, msgs = run(ValidateComplaintForm(), tracker("随便", "inform", slots, "edit_field"))
    assert got["edit_field"] is None and "要修改哪一项" in msgs[0]["text"]


def test_cancel_clears_everything_and_stores_nothing():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionCancel().run(dispatcher, tracker("取消", "stop", FILLED, "contact"), DOMAIN))
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert all(e["value"] is None for e in events if e.get("event") == "slot" and e["name"] in FORM_SLOTS)
    assert "已取消" in dispatcher.messages[0]["text"]
    assert store.count_complaints() == 0


def test_confirm_with_nothing_pending_stores_nothing():
    _, msgs = run(ActionSubmitComplaint(), tracker("确认提交", "confirm_complaint", {}, active=None))
    assert "没有待提交" in msgs[0]["text"] and store.count_complaints() == 0


def _submit(**overrides) -> dict:
    slots = {**FILLED, **overrides}
    _, msgs = run(ActionSubmitComplaint(), tracker("确认提交", "confirm_complaint", slots, active=None))
    return msgs[0]


def test_status_look_up_shows_history_but_never_the_contact():
    number = _submit()["custom"]["tracking_number"]
    store.set_status(number, "处理中", "已派执法人员现场核查")
    _, msgs = run(ActionComplaintStatus(), tracker(f"查询{number.lower()}", "check_complaint_status", active=None,
                                                   entities=[("tracking_number", number.lower())]))
    text = msgs[0]["text"]
    assert number in text and "大气" in text and "处理中" in text and "已受理" in text and "现场核查" in text
    assert "1381" not in text and "5678" not in text and "contact" not in str(msgs[0]["custom"])


def test_unknown_and_malformed_tracking_numbers():
    _, msgs = run(ActionComplaintStatus(), tracker("查询CZ-20261128-ZZZZ", "check_complaint_status", active=None))
    assert "没有找到编号为 CZ-20261128-ZZZZ" in msgs[0]["text"]
    _, msgs = run(ActionComplaintStatus(), tracker("查一下CZ-2026-ABC", "check_complaint_status", active=None))
    assert "格式不对" in msgs[0]["text"]
    _, msgs = run(ActionComplaintStatus(), tracker("我想查举报进度", "check_complaint_status", active=None))
    assert "请把受理编号发给我" in msgs[0]["text"]
    _, msgs = run(ActionComplaintStatus(), tracker("我反映的事处理了没有", "check_complaint_status", active=None))
    assert "请把受理编号发给我" in msgs[0]["text"]


def test_a_plan_question_filed_as_a_status_look_up_gets_the_plan_answer():
    _, msgs = run(ActionComplaintStatus(), tracker("新北厨余垃圾处理一期规模多大", "check_complaint_status", active=None))
    assert "300吨/日" in msgs[0]["text"] and msgs[0]["custom"]["type"] == "plan_answer"


def test_duplicate_hint_links_a_similar_report_and_still_accepts():
    first = _submit()["custom"]["tracking_number"]
    second = _submit(location="武进区湖塘镇长虹路附近", description="那个工厂又在冒黑烟，味道很大")
    assert second["custom"]["similar"] == first
    assert "相似" in second["text"] and first in second["text"] and "已受理" in second["text"]
    assert store.find(second["custom"]["tracking_number"]).similar_to == first
    other = _submit(pollution_type="噪声", description="工地半夜施工很吵")        # another type: no hint
    assert other["custom"]["similar"] is None


def test_a_wrong_answer_classified_as_another_intent_still_gets_the_field_error():
    slots, msgs = run(ValidateComplaintForm(), tracker("明天", "ask_indicator", {"pollution_type": "水"}, "seen_at"))
    assert slots["seen_at"] is None and "不能晚于今天" in msgs[0]["text"]


def test_a_plan_question_that_names_a_pollution_word_is_still_an_interruption():
    slots, msgs = run(ValidateComplaintForm(), tracker("农村生活污水治理率现在多少", "ask_indicator", {}, "pollution_type"))
    assert slots["pollution_type"] is None and "25.6" in msgs[0]["text"]


@pytest.mark.parametrize("text", ["昨晚有工厂冒黑烟，我要举报", "河边有人偷排污水", "我要举报，这种事到底有没有人管？",
                                  "/report_pollution", "附近工地半夜施工太吵了", "河水发黑了，不知道会不会有毒"])
def test_a_report_starts_the_form(text):
    slots, msgs = run_on(ActionRouteReport(), make_tracker(text, "report_pollution"))
    assert slots == {"plan_question": False} and msgs == []           # the rules start complaint_form


def test_a_plan_question_filed_as_a_report_gets_the_plan_answer_and_a_report_button():
    slots, msgs = run_on(ActionRouteReport(), make_tracker("饭店油烟太呛了，规划打算怎么治理餐饮油烟", "report_pollution"))
    assert slots["plan_question"] is True
    assert msgs[0]["custom"]["type"] == "plan_answer" and msgs[0]["custom"]["confident"]
    assert "餐饮油烟" in msgs[0]["text"] and "出处" in msgs[0]["text"]
    assert msgs[0]["buttons"] == [{"title": "在这里提交举报", "payload": "/report_pollution"}]


def test_how_to_report_filed_as_a_report_gets_the_channels():
    slots, msgs = run_on(ActionRouteReport(), make_tracker("工地扬尘太大了去哪里投诉", "report_pollution"))
    assert slots == {"plan_question": True}
    assert msgs[0]["custom"]["kind"] == "channels" and "在这里提交举报" in [b["title"] for b in msgs[0]["buttons"]]
