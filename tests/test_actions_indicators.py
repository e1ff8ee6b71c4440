"""action_indicator_status and action_unmet_indicators against the real knowledge index."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.indicators import ActionIndicatorStatus, ActionUnmetIndicators, requested_year

SLOTS = {"indicator": None, "year": None, "project": None, "district": None, "topic": None}


def run(action, text, intent, entities=(), **slots):
    """Run an action on a one-message tracker; return (messages, events)."""
    msg = {"text": text, "intent": {"name": intent, "confidence": 1.0},
           "entities": [{"entity": e, "value": v} for e, v in entities]}
    tracker = Tracker("test", {**SLOTS, **slots}, msg, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def test_rural_sewage_value_and_status():
    msgs, events = run(ActionIndicatorStatus(), "农村生活污水治理率现在多少", "ask_indicator",
                       [("indicator", "农村生活污水治理率")], indicator="农村生活污水治理率")
    text = msgs[0]["text"]
    assert "25.6" in text and "不达标" in text and "出处" in text
    payload = msgs[0]["custom"]
    assert payload["type"] == "plan_answer" and payload["confident"] is True
    assert payload["sources"] and {"title", "text", "score"} <= set(payload["sources"][0])
    assert {"event": "slot", "name": "indicator", "value": "农村生活污水治理率", "timestamp": None} in events


def test_colloquial_variant_resolves_to_indicator():
    msgs, events = run(ActionIndicatorStatus(), "村里污水处理得怎么样", "ask_indicator",
                       [("indicator", "村里污水")], indicator="村里污水")
    assert "农村生活污水治理率" in msgs[0]["text"] and "25.6" in msgs[0]["text"]
    assert any(e.get("name") == "indicator" and e.get("value") == "农村生活污水治理率" for e in events)


def test_follow_up_2030_uses_slot():
    msgs, _ = run(ActionIndicatorStatus(), "那2030年呢", "ask_indicator", [("year", "2030年")],
                  indicator="农村生活污水治理率")
    text = msgs[0]["text"]
    assert "2030年目标值100%" in text and "农村生活污水治理率" in text
    assert "74.4" in text                       # gap from 25.6 to 100


def test_follow_up_status_question():
    msgs, _ = run(ActionIndicatorStatus(), "现在达标了吗", "ask_indicator", indicator="城镇人均公园绿地面积")
    text = msgs[0]["text"]
    assert "14.33" in text and "不达标" in text


def test_follow_up_without_indicator_asks_which():
    msgs, _ = run(ActionIndicatorStatus(), "那2030年呢", "ask_indicator", [("year", "2030年")])
    assert "哪一项指标" in msgs[0]["text"] and msgs[0]["buttons"]
    assert msgs[0]["custom"]["confident"] is False


def test_requested_year():
    assert requested_year("2030年") == 2030 and requested_year("那25年呢") == 2025
    assert requested_year("现在达标了吗") == 2020 and requested_year("多少") is None


def test_unmet_list_has_six_indicators():
    msgs, _ = run(ActionUnmetIndicators(), "哪些指标没达标", "ask_unmet_indicators")
    text = msgs[0]["text"]
    assert "6项指标未达标" in text
    assert text.count("· 指标") == 6
    for name in ("农村生活污水治理率", "城镇人均公园绿地面积", "公共交通出行分担率"):
        assert name in text
    assert len(msgs[0]["custom"]["sources"]) == 6
