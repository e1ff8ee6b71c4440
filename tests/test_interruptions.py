"""The one rule every form uses to tell a field's value from a question or another request
(actions/interruptions.py), and what the forms do with it: real Tracker, real knowledge base."""
from __future__ import annotations

import pytest

from actions.activities import ValidateActivitySignupForm
from actions.complaints.form import ValidateComplaintForm
from actions.interruptions import is_interruption, looks_like_question
from actions.smalltalk import ActionRouteSmallTalk, chinese_subject, english_subject
from tests.action_runner import make_tracker, nlu_examples, run_on


@pytest.mark.parametrize("text", ["常州明天天气怎么样", "河长制是什么", "农村生活污水治理率现在多少", "你是机器人吗",
                                  "这个要填多久？", "What is the river chief system", "how do I report pollution",
                                  "哪些指标没达标", "最近有活动吗"])
def test_questions_look_like_questions(text):
    assert looks_like_question(text)


@pytest.mark.parametrize("text", ["武进区湖塘镇长虹路", "昨晚", "前天下午", "13812345678", "匿名", "张三",
                                  "烟囱一直冒黑烟，气味很刺鼻", "天宁区青洋路桥下",
                                  "工厂后门那条河，不知道排的是什么东西，一直发黑发臭还有死鱼漂着"])
def test_field_values_do_not(text):
    assert not looks_like_question(text)


@pytest.mark.parametrize("text, intent, confidence, entities, expected, fits", [
    ("常州明天天气怎么样", "nlu_fallback", 0.4, [], True, False),         # the example: fallback + question word
    ("河长制是什么", "ask_plan", 0.95, [], True, False),
    ("查询CZ-20261128-7F3K", "check_complaint_status", 0.99, ["tracking_number"], True, False),
    ("你好", "greet", 0.99, [], True, False),                              # a greeting NLU is sure of, no cue needed
    ("你好", "greet", 0.5, [], True, False),                               # a bare greeting, whatever the confidence
    ("下午好！", "inform", 0.7, [], True, True),                            # …even filed elsewhere, even a "time"
    ("张三", "greet", 0.5, [], False, False),                              # a guess at a name is not small talk
    ("你叫什么名字", "chitchat", 0.97, [], True, False),
    ("武进区湖塘镇长虹路", "ask_project", 0.95, ["district"], False, False),  # a place NLU files under projects
    ("明天", "ask_indicator", 0.8, [], False, False),                      # a wrong answer gets the field's error
    ("有人偷排污水，怎么没人管？", "report_pollution", 0.9, [], False, False),  # the report's own words
    ("/stop", "stop", 1.0, [], False, False),                               # the form's rules handle payloads
    ("", "nlu_fallback", 0.0, [], False, False),
    ("前天下午", "greet", 0.95, [], False, True),                   # a valid time NLU files under greet (下午好)
    ("13812345678？", "greet", 0.95, [], True, True),               # a valid phone that asks something
    # DIET's learned entities tag coordinates or a phone as a tracking number in some trainings (CI's did)
    ("地点：武进区湖塘镇长虹路（31.7123,119.9621）", "ask_plan", 0.7, ["tracking_number"], False, True),
    ("13812345678", "ask_plan", 0.6, ["tracking_number"], False, True),
])
def test_the_rule(text, intent, confidence, entities, expected, fits):
    assert is_interruption(text, intent, confidence, entities, fits) is expected


FILLED = {"pollution_type": "水", "location": "天宁区青洋路桥下"}


@pytest.mark.parametrize("slot", ["location", "seen_at", "description", "contact"])
def test_a_question_for_a_complaint_field_is_answered_and_the_field_asked_again(slot, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(tmp_path / "c.sqlite3"))
    given = {k: v for k, v in FILLED.items() if k != slot}
    tracker = make_tracker("河长制是什么", "ask_plan", (), given, slot, "complaint_form")
    slots, msgs = run_on(ValidateComplaintForm(), tracker)
    assert slots[slot] is None                                     # not stored as the field
    assert all(k not in slots for k in given)                       # nothing filled before is touched
    assert "河长" in msgs[0]["text"] and msgs[0]["custom"]["type"] == "plan_answer"


def test_a_status_look_up_for_the_signup_name_is_answered(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(tmp_path / "c.sqlite3"))
    tracker = make_tracker("查询CZ-20200101-ZZZZ", "check_complaint_status", [("tracking_number", "CZ-20200101-ZZZZ")],
                           {"activity_id": "ev-clean-river"}, "signup_name", "activity_signup_form")
    slots, msgs = run_on(ValidateActivitySignupForm(), tracker)
    assert slots["signup_name"] is None and "没有找到" in msgs[0]["text"]


def test_an_indicator_question_in_a_form_still_feeds_follow_ups(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(tmp_path / "c.sqlite3"))
    tracker = make_tracker("农村生活污水治理率现在多少", "ask_indicator", (), {}, "signup_phone", "activity_signup_form")
    slots, msgs = run_on(ValidateActivitySignupForm(), tracker)
    assert slots["signup_phone"] is None and slots["indicator"] == "农村生活污水治理率" and "25.6" in msgs[0]["text"]


def test_a_valid_time_that_nlu_files_under_greet_is_the_time():
    tracker = make_tracker("前天下午", "greet", (), {"pollution_type": "水"}, "seen_at", "complaint_form")
    slots, msgs = run_on(ValidateComplaintForm(), tracker)
    assert slots["seen_at"] and slots["seen_at"].endswith("下午") and not msgs


@pytest.mark.parametrize("text, intent", [("地点：武进区湖塘镇长虹路（31.7123,119.9621）", "chitchat"),  # a WeChat location
                                          ("新北区太湖东路1号附近", "greet"), ("菜市场后面那条小河边", "bot_challenge")])
def test_a_place_that_nlu_files_under_small_talk_is_the_location(text, intent):
    tracker = make_tracker(text, intent, (), {"pollution_type": "大气"}, "location", "complaint_form")
    slots, msgs = run_on(ValidateComplaintForm(), tracker)
    assert slots["location"] == text.removeprefix("地点：") and not msgs


def test_coordinates_nlu_tags_as_a_tracking_number_are_the_location():
    """CI's fresh training tagged part of a WeChat location as tracking_number; the citizen was refused a
    'plan answer' and asked for the place again."""
    text = "地点：武进区湖塘镇长虹路（31.7123,119.9621）"
    tracker = make_tracker(text, "ask_plan", [("tracking_number", "31.7123,119.9621")], {"pollution_type": "大气"},
                           "location", "complaint_form")
    slots, msgs = run_on(ValidateComplaintForm(), tracker)
    assert slots["location"] == "武进区湖塘镇长虹路（31.7123,119.9621）" and not msgs


def test_a_question_naming_a_place_is_still_answered_in_the_location_field(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPLAINTS_DB", str(tmp_path / "c.sqlite3"))
    tracker = make_tracker("武进区有哪些重点工程？", "ask_project", [("district", "武进区")], {"pollution_type": "大气"},
                           "location", "complaint_form")
    slots, msgs = run_on(ValidateComplaintForm(), tracker)
    assert slots["location"] is None and msgs and "武进" in msgs[0]["text"]


def test_a_greeting_in_a_form_is_greeted_without_the_menu():
    tracker = make_tracker("你好", "greet", (), {}, "location", "complaint_form")
    slots, msgs = run_on(ValidateComplaintForm(), tracker)
    assert slots["location"] is None and [m["response"] for m in msgs] == ["utter_greet"]


@pytest.mark.parametrize("text, expected", [("Hello, what is the forest coverage rate?", True),
                                            ("what is the river chief system", True), ("hello", False),
                                            ("are you a robot", False), ("what can you do", False), ("你好", False)])
def test_english_subject(text, expected):
    assert english_subject(text) is expected


@pytest.mark.parametrize("text, expected", [("你好，河长制是什么", True), ("金坛光伏项目投资多少", True), ("帮助", False),
                                            ("有什么功能", False), ("你好", False), ("早上好", False),
                                            ("Hello, what is the forest coverage rate?", False)])
def test_chinese_subject(text, expected):
    assert chinese_subject(text) is expected


@pytest.mark.parametrize("intent", ["help", "out_of_scope", "greet"])
def test_chinese_plan_question_filed_as_small_talk_gets_the_plan_answer(intent):
    slots, msgs = run_on(ActionRouteSmallTalk(), make_tracker("河长制是什么时候全面推行的", intent))
    assert slots["plan_question"] is True and msgs[0]["custom"]["type"] == "plan_answer" and "河长" in msgs[0]["text"]


@pytest.mark.parametrize("text, intent", [("帮助", "help"), ("有什么功能", "help"), ("给我讲个笑话", "out_of_scope"),
                                          ("股票怎么买", "out_of_scope"), ("你是机器人吗", "bot_challenge")])
def test_small_talk_the_plan_does_not_answer_gets_its_own_response(text, intent):
    slots, msgs = run_on(ActionRouteSmallTalk(), make_tracker(text, intent))
    assert slots == {"plan_question": False} and msgs == []      # the rules send the small-talk response


@pytest.mark.parametrize("intent", ["goodbye", "thanks"])
def test_every_goodbye_and_thanks_of_the_training_data_gets_its_own_response(intent):
    examples = nlu_examples(intent)
    assert len(examples) >= 8
    for text in examples:
        assert run_on(ActionRouteSmallTalk(), make_tracker(text, intent)) == ({"plan_question": False}, []), text


@pytest.mark.parametrize("intent", ["goodbye", "thanks"])
def test_plan_question_filed_as_goodbye_or_thanks_gets_the_plan_answer(intent):
    slots, msgs = run_on(ActionRouteSmallTalk(), make_tracker("谢谢，再问一下河长制是什么时候全面推行的", intent))
    assert slots["plan_question"] is True and msgs[0]["custom"]["type"] == "plan_answer" and "河长" in msgs[0]["text"]


def test_english_plan_question_filed_as_small_talk_gets_the_plan_answer():
    slots, msgs = run_on(ActionRouteSmallTalk(), make_tracker("Hello, what is the forest coverage rate?", "greet"))
    assert slots["plan_question"] is True and msgs[0]["custom"]["type"] == "plan_answer"
    assert "林草覆盖率" in msgs[0]["text"]
    slots, msgs = run_on(ActionRouteSmallTalk(), make_tracker("hello", "greet"))
    assert slots == {"plan_question": False} and msgs == []       # the rules send the greeting
