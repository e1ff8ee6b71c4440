"""action_answer_from_plan and action_handle_inform against the real knowledge index."""
from __future__ import annotations

from actions.plan import ActionAnswerFromPlan, ActionHandleInform
from tests.action_runner import run_action as run


def test_plan_question_cites_the_plan():
    msgs, _ = run(ActionAnswerFromPlan(), "蓝藻怎么治理", "ask_plan")
    assert "《规划》" in msgs[0]["text"] and "出处" in msgs[0]["text"]
    payload = msgs[0]["custom"]
    assert payload["type"] == "plan_answer" and payload["confident"] is True and payload["sources"]


def test_question_outside_the_plan_is_not_confident():
    msgs, _ = run(ActionAnswerFromPlan(), "今天天气怎么样", "nlu_fallback")
    assert msgs[0]["custom"]["confident"] is False
    assert "不作推测" in msgs[0]["text"]          # an honest refusal, no guess


def test_empty_message_gets_a_clear_reply():
    msgs, _ = run(ActionAnswerFromPlan(), "", "nlu_fallback")
    assert msgs[0]["text"] and msgs[0]["custom"]["confident"] is False


def test_indicator_answer_sets_the_slot():
    msgs, events = run(ActionAnswerFromPlan(), "农村生活污水治理率现在多少", "nlu_fallback")
    assert "25.6" in msgs[0]["text"]
    assert any(e.get("name") == "indicator" and e.get("value") == "农村生活污水治理率" for e in events)


def test_inform_with_indicator_goes_to_indicator_status():
    msgs, _ = run(ActionHandleInform(), "城镇污水处理率", "inform", [("indicator", "城镇污水处理率")],
                  indicator="城镇污水处理率")
    assert "97.3" in msgs[0]["text"] and "达标" in msgs[0]["text"]


def test_inform_with_district_goes_to_projects():
    msgs, _ = run(ActionHandleInform(), "溧阳", "inform", [("district", "溧阳")], district="溧阳")
    assert "溧阳" in msgs[0]["text"] and "重点工程" in msgs[0]["text"]


def test_how_to_report_nlu_was_unsure_of_gets_the_channels():
    msgs, _ = run(ActionAnswerFromPlan(), "河边有人往河里偷排污水，怎么举报", "nlu_fallback")
    assert msgs[0]["custom"]["kind"] == "channels" and "12369" in msgs[0]["text"]
    assert "在这里提交举报" in [b["title"] for b in msgs[0]["buttons"]]
