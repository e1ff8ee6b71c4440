"""Volunteer events added, edited and closed in the console: checked with activities.yml's rules (clear messages,
what was typed kept, nothing stored), and offered by the bot's find action at once."""
from __future__ import annotations

import datetime as dt

from actions.activities import ActionFindActivities, catalogue
from actions.complaints import store
from tests.action_runner import make_tracker, run_on

EVENT = {"id": "clean-river-1205", "title": "白荡河河道清理志愿活动", "date": "2026-12-05", "time": "09:00-11:00",
         "district": "钟楼区", "place": "白荡河公园东门", "description": "捡拾河岸垃圾，讲解河长制", "quota": "20"}


def offered() -> str:
    _, msgs = run_on(ActionFindActivities(), make_tracker("最近有什么环保活动", "find_activities"))
    return msgs[0]["text"]


def test_event_added_in_the_console_is_offered_by_the_bot_then_edited_and_closed(console):
    op = console.operator("活动专员")
    assert "白荡河河道清理" not in offered()
    r = op.post("/admin/events/new", EVENT)
    assert r.status_code == 303
    listing = op.get("/admin/events").text
    assert "白荡河河道清理志愿活动" in listing and "已保存" in listing
    assert "白荡河河道清理志愿活动" in offered() and "剩余20" in offered()       # no restart
    event = next(e for e in catalogue().events if e.id == EVENT["id"])
    assert event.date == dt.date(2026, 12, 5) and event.quota == 20 and event.can_sign_up

    r = op.post(f"/admin/events/{EVENT['id']}", {**EVENT, "title": "白荡河清理（改期）", "date": "2026-12-12"})
    assert r.status_code == 303
    assert "白荡河清理（改期）" in offered() and "12月12日" in offered()
    assert op.post(f"/admin/events/{EVENT['id']}/close", {}, form_page="/admin/events").status_code == 303
    assert "白荡河清理" not in offered() and "已关闭" in op.get("/admin/events").text
    assert [e.updated_by for e in store.operator_events(include_closed=True)] == ["活动专员"]


def test_bad_event_gets_a_message_per_field_and_keeps_what_was_typed(console):
    op = console.operator()
    bad = {**EVENT, "date": "12月5日", "time": "早上", "quota": "0", "district": ""}
    r = op.post("/admin/events/new", bad, form_page="/admin/events/new")
    assert r.status_code == 400
    for message in ("日期：应为 YYYY-MM-DD", "时间：应为 HH:MM", "名额：应为正整数", "区域：应为"):
        assert message in r.text, message
    assert 'value="12月5日"' in r.text and "捡拾河岸垃圾" in r.text
    assert store.operator_events(include_closed=True) == []
    r = op.post("/admin/events/new", {**EVENT, "id": "earth-day"}, form_page="/admin/events/new")
    assert r.status_code == 400 and "重复的 id" in r.text                   # an id of activities.yml
    r = op.post("/admin/events/new", {**EVENT, "id": "新 活动"}, form_page="/admin/events/new")
    assert r.status_code == 400 and "小写字母" in r.text
    assert op.post("/admin/events/new", EVENT, form_page="/admin/events/new").status_code == 303
    r = op.post("/admin/events/new", EVENT, form_page="/admin/events/new")
    assert r.status_code == 400 and EVENT["id"] in r.text                    # the id is taken
