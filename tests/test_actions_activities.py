"""knowledge/activities.py (loader, validator, next occurrences) and the find / sign-up actions."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from actions.activities import (
    ActionFindActivities,
    ActionSubmitSignup,
    ValidateActivitySignupForm,
    asks_more_than_activities,
    date_range,
)
from actions.complaints import store
from knowledge import activities
from tests.action_runner import make_tracker, nlu_examples, run_on

TODAY = dt.date(2026, 11, 28)
EVENT = {"id": "ev-clean-river", "title": "白荡河河道清理志愿活动", "date": "2026-12-05", "time": "09:00-11:00",
         "district": "钟楼区", "place": "白荡河公园东门", "description": "捡拾河岸垃圾，讲解河长制", "quota": 2}


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    data = yaml.safe_load(activities.DEFAULT_FILE.read_text(encoding="utf-8"))
    data["events"] = [EVENT, {**EVENT, "id": "ev-past", "title": "已结束的植树活动", "date": "2026-11-01",
                              "district": "武进区"}]
    path = tmp_path / "activities.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("ACTIVITIES_FILE", str(path))
    monkeypatch.setenv("COMPLAINTS_DB", str(tmp_path / "c.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_TODAY", TODAY.isoformat())


def test_shipped_file_is_valid_and_quotes_the_plan():
    cat = activities.load(activities.DEFAULT_FILE)
    assert {r.title for r in cat.recurring} == {"世界地球日", "国际生物多样性日", "世界环境日", "环境宣传教育周"}
    assert any("三江口公园" in b.title for b in cat.bases) and any("法治公园" in b.title for b in cat.bases)
    assert cat.events == ()


@pytest.mark.parametrize("md,today,expected", [("04-22", TODAY, dt.date(2027, 4, 22)),
                                                ("06-05", dt.date(2026, 6, 5), dt.date(2026, 6, 5)),
                                                ("06-05", dt.date(2026, 6, 6), dt.date(2027, 6, 5)),
                                                ("02-29", dt.date(2026, 3, 1), dt.date(2028, 2, 29))])
def test_next_occurrence(md, today, expected):
    assert activities.next_occurrence(md, today) == expected


def test_upcoming_in_order_and_filtered():
    cat = activities.load()
    found = activities.upcoming(cat, TODAY)
    dated = [a for a in found if a.date]
    assert [a.title for a in dated] == ["白荡河河道清理志愿活动", "世界地球日", "国际生物多样性日", "世界环境日"]
    assert dated[1].date == dt.date(2027, 4, 22)
    only_zhonglou = activities.upcoming(cat, TODAY, district="钟楼区", kinds={"活动"})
    assert [a.id for a in only_zhonglou] == ["ev-clean-river"]
    assert activities.upcoming(cat, TODAY, district="武进区", kinds={"活动"}) == []      # past event not listed
    bases = activities.upcoming(cat, TODAY, kinds={"教育基地"})
    assert all(b.kind == "教育基地" and b.line for b in bases)


def test_date_range_words():
    assert date_range("这周末有什么活动", TODAY) == (TODAY, dt.date(2026, 11, 29))
    assert date_range("下个月有什么活动", TODAY) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert date_range("6月有什么活动", TODAY) == (dt.date(2027, 6, 1), dt.date(2027, 6, 30))


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["events"][0].update(date="2026-13-01"), "events[0].date"),
    (lambda d: d["events"][0].update(quota=0), "events[0].quota"),
    (lambda d: d["events"][0].update(district="上海"), "events[0].district"),
    (lambda d: d["events"][0].update(time="9点"), "events[0].time"),
    (lambda d: d["events"][0].pop("title"), "events[0].title: 必填"),
    (lambda d: d["events"].append(dict(d["events"][0])), "重复的 id"),
    (lambda d: d["recurring"][0].update(line=5), "recurring[0]: quote 不在规划第 5 行"),
    (lambda d: d["recurring"][0].update(date="4-22"), "recurring[0].date"),
])
def test_validation_errors_are_clear(mutate, message):
    data = yaml.safe_load(Path(activities.activities_file()).read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(activities.ActivitiesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        activities.parse(data)


def tracker(text, intent, slots=None, requested=None, active=None, entities=()):
    return make_tracker(text, intent, entities, slots, requested, active)


def run(action, t):
    return run_on(action, t)


def test_find_activities_lists_days_events_and_signup_buttons():
    _, msgs = run(ActionFindActivities(), tracker("最近有什么环保活动", "find_activities"))
    text = msgs[0]["text"]
    assert "2027年4月22日 世界地球日" in text and "白荡河河道清理志愿活动" in text and "剩余2" in text
    assert msgs[0]["buttons"][0]["payload"] == '/signup_activity{"activity_id":"ev-clean-river"}'
    _, msgs = run(ActionFindActivities(), tracker("武进有什么志愿活动", "find_activities", entities=[("district", "武进")]))
    assert "武进区" in msgs[0]["text"] and "没有找到" in msgs[0]["text"]
    _, msgs = run(ActionFindActivities(), tracker("有哪些教育基地", "find_activities"))
    assert "三江口公园" in msgs[0]["text"] and "1667" in msgs[0]["text"]


def test_asking_for_activities_gets_the_activities():
    examples = nlu_examples("find_activities")
    assert len(examples) > 20
    for question in examples:
        _, msgs = run(ActionFindActivities(), tracker(question, "find_activities"))
        assert [m["custom"]["type"] for m in msgs] == ["activities"], question
    assert not asks_more_than_activities("这周末武进有什么志愿活动") and asks_more_than_activities("志愿者有激励吗")
    assert not asks_more_than_activities("附近有环保活懂吗")       # a typo the plan never uses is no subject


def test_a_policy_question_filed_as_find_activities_gets_the_plan_answer():
    _, msgs = run(ActionFindActivities(), tracker("党政领导干部参加生态文明培训的比例有要求吗", "find_activities"))
    assert msgs[0]["custom"]["type"] == "plan_answer" and msgs[0]["custom"]["confident"]
    assert "100%" in msgs[0]["text"] and "出处" in msgs[0]["text"]
    assert len(msgs) == 2 and "最近有什么环保活动" in msgs[1]["text"]              # a hint, not 12 unrelated days


def test_a_volunteering_question_gets_the_plan_answer_and_the_activities():
    _, msgs = run(ActionFindActivities(), tracker("去自然保护地当志愿者有激励机制吗", "find_activities"))
    assert msgs[0]["custom"]["type"] == "plan_answer" and "志愿者服务激励机制" in msgs[0]["text"]
    assert msgs[1]["custom"]["type"] == "activities" and "白荡河河道清理志愿活动" in msgs[1]["text"]


def sign(name, phone, consent="同意"):
    slots = {}
    for requested, text, entities in [(None, "/signup_activity", [("activity_id", "ev-clean-river")]),
                                      ("signup_name", name, []), ("signup_phone", phone, []),
                                      ("signup_consent", consent, [])]:
        got, msgs = run(ValidateActivitySignupForm(),
                        tracker(text, "inform", slots, requested, "activity_signup_form", entities))
        slots.update(got)
    return slots, msgs


def test_signup_needs_explicit_consent_and_respects_the_quota():
    slots, msgs = sign("张三", "13800000001", consent="好")
    assert slots["signup_consent"] is None and "同意" in msgs[0]["text"]
    codes = []
    for i, name in enumerate(["张三", "李四"]):
        slots, _ = sign(name, f"1380000000{i}")
        assert slots == {"activity_id": "ev-clean-river", "signup_name": name, "signup_phone": f"1380000000{i}",
                         "signup_consent": "同意"}
        events, msgs = run(ActionSubmitSignup(), tracker("同意", "inform", slots))
        codes.append(msgs[0]["custom"]["code"])
        assert "报名成功" in msgs[0]["text"] and all(v is None for v in events.values())
    assert len(set(codes)) == 2 and store.signups("ev-clean-river") == 2
    got, msgs = run(ValidateActivitySignupForm(), tracker("/signup_activity", "signup_activity", {}, None,
                                                          "activity_signup_form", [("activity_id", "ev-clean-river")]))
    assert got["activity_id"] is None and "报满" in msgs[0]["text"]
    full = {"activity_id": "ev-clean-river", "signup_name": "王五", "signup_phone": "13800000009", "signup_consent": "同意"}
    _, msgs = run(ActionSubmitSignup(), tracker("同意", "inform", full))      # the quota is checked again on submit
    assert "报满" in msgs[0]["text"] and store.signups("ev-clean-river") == 2


def test_signup_field_errors():
    got, msgs = run(ValidateActivitySignupForm(), tracker("12345", "inform", {"activity_id": "ev-clean-river"},
                                                          "signup_name", "activity_signup_form"))
    assert got["signup_name"] is None and "姓名" in msgs[0]["text"]
    got, msgs = run(ValidateActivitySignupForm(), tracker("匿名", "inform", {"activity_id": "ev-clean-river"},
                                                          "signup_phone", "activity_signup_form"))
    assert got["signup_phone"] is None and "手机号" in msgs[0]["text"]
    got, msgs = run(ValidateActivitySignupForm(), tracker("/signup_activity", "signup_activity", {}, None,
                                                          "activity_signup_form", [("activity_id", "ev-past")]))
    assert got["activity_id"] is None and "已经结束" in msgs[0]["text"]
