"""action_indicator_status and action_unmet_indicators against the real knowledge index."""
from __future__ import annotations

from actions.indicators import ActionIndicatorStatus, ActionUnmetIndicators, requested_year
from tests.action_runner import run_action as run


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


def test_single_indicator_answer_carries_chart_numbers():
    msgs, _ = run(ActionIndicatorStatus(), "农村生活污水治理率现在多少", "ask_indicator",
                  [("indicator", "农村生活污水治理率")])
    payload = msgs[0]["custom"]
    assert payload["kind"] == "indicator"
    assert payload["chart"] == {"name": "农村生活污水治理率", "unit": "%", "value_2020": 25.6,
                                "target_2025": 100.0, "target_2030": 100.0}


def test_unmet_list_has_no_chart():
    msgs, _ = run(ActionUnmetIndicators(), "哪些指标没达标", "ask_unmet_indicators")
    assert "chart" not in msgs[0]["custom"]


def test_cell_number_parses_leading_numbers_only():
    from knowledge.parse import leading_number
    from knowledge.records import indicator_chart
    assert leading_number("25.6") == 25.6 and leading_number("≥60") == 60 and leading_number("100") == 100
    assert leading_number("4.30%") == 4.3 and leading_number("80.6，完成上级管控目标") == 80.6
    assert leading_number("持续增加") is None and leading_number("") is None and leading_number(None) is None
    from knowledge.index import load
    rows = {i.number: i for i in load().plan.indicators}
    assert indicator_chart(rows[35])["target_2025"] is None      # 公共交通出行分担率: 持续增加
    assert indicator_chart(rows[7]) is None                       # multi-part row


def test_unmet_list_of_another_city_is_refused():
    msgs, _ = run(ActionUnmetIndicators(), "南京哪些指标没达标", "ask_unmet_indicators")
    assert msgs[0]["custom"]["confident"] is False and "只涉及常州" in msgs[0]["text"]
    assert "· 指标" not in msgs[0]["text"]
