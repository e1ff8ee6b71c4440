"""action_green_tips and action_report_channels against the real knowledge index and channels.yml."""
from __future__ import annotations

from actions.guidance import ActionGreenTips, ActionReportChannels, pick_topic
from tests.action_runner import run_action


def run(action, text, intent, entities=()):
    return run_action(action, text, intent, entities)[0]


def test_pick_topic():
    assert pick_topic("垃圾怎么分", None) == "垃圾分类"
    assert pick_topic("吃饭怎么光盘", None) == "光盘行动"
    assert pick_topic("怎么少用塑料袋", None) == "一次性用品"
    assert pick_topic("给点建议", "绿色出行") == "绿色出行"
    assert pick_topic("给点环保建议", None) is None


def test_garbage_sorting_tip_is_from_the_plan():
    msgs = run(ActionGreenTips(), "垃圾分类怎么做", "ask_green_tips", [("topic", "垃圾分类")])
    text = msgs[0]["text"]
    assert "生活垃圾分类" in text and "出处" in text
    assert msgs[0]["custom"]["confident"] is True and msgs[0]["custom"]["sources"]


def test_disposable_items_tip():
    msgs = run(ActionGreenTips(), "怎么少用一次性用品", "ask_green_tips", [("topic", "一次性用品")])
    assert "一次性用品" in msgs[0]["text"] and "布袋" in msgs[0]["text"]


def test_green_travel_tip_does_not_invent_rules():
    msgs = run(ActionGreenTips(), "绿色出行有什么建议", "ask_green_tips", [("topic", "绿色出行")])
    text = msgs[0]["text"]
    assert ("公交" in text or "公共交通" in text) and "出处" in text     # public transport, in the plan's words
    assert "公里步行" not in text                    # the plan says "1公里内步行"; no reworded rule of our own


def test_general_tips_offer_several_topics():
    msgs = run(ActionGreenTips(), "有什么绿色生活小贴士", "ask_green_tips")
    text = msgs[0]["text"]
    assert "光盘行动" in text and "一次性用品" in text and msgs[0]["buttons"]


def test_report_channels_the_ways_to_report_then_the_plans_words():
    msgs = run(ActionReportChannels(), "怎么举报环境污染", "ask_report_channels")
    text = msgs[0]["text"]
    assert "举报制度" in text and "网格吹哨" in text
    assert "12369" in text and "12345" in text
    assert "不是出自《规划》" in text and "来源" in text
    payload = msgs[0]["custom"]
    assert payload["type"] == "plan_answer" and payload["confident"] is True
    assert all(c["outside_plan"] for c in payload["external"])
    assert text.index("在这里提交") < text.index("12369") < text.index("《规划》里的说法")   # the ways first
    assert [b["title"] for b in msgs[0]["buttons"]] == ["在这里提交举报", "查询举报进度"]
