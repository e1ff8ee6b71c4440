"""Does a message NLU filed as report_pollution start the complaint form, or is it a question?

"楼下饭店油烟大的要命，规划准备咋管" and "长江太湖边上的排污口啥时候能整治完" are questions about what the plan
does, worded like complaints; "河边有人偷排污水怎么举报" asks how to report. action_route_report answers such a
question (the plan's answer when it is confident, the reporting channels for how-to-report) with a button that
starts the report, and sets `plan_question`; the rules start complaint_form when it is false. A report
("昨晚有工厂冒黑烟", "我要举报，…") and a question the plan cannot answer confidently start the form, as before.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from ..interruptions import looks_like_question
from ..payload import latest_text

REPORT_WORD = r"(举报|舉報|投诉|投訴|检举|檢舉|反映|报案)"
# asks how or where to report: the channels
HOW_TO_REPORT = re.compile(r"(怎么|怎麼|怎样|如何|咋|哪里|哪儿|在哪|去哪|向谁|找谁|找哪)\S{0,4}" + REPORT_WORD
                           + "|" + REPORT_WORD + r"\S{0,2}(电话|電話|渠道|方式|途径|热线|熱線|平台)")
# asks to report: the form, whatever else the message asks ("我要举报，这种事有人管吗")
WANTS_TO_REPORT = re.compile(r"(我|要|想|帮|幫|给|給)\S{0,3}" + REPORT_WORD)
# question words of asking what the plan will do, beyond the form's cues ("要关掉几家", "要不要错峰生产"); not 会不会,
# which a description uses ("不知道会不会有毒")
ASKS_THE_PLAN = re.compile(r"要不要|几家|几条|几处|多久|何时")


def asks_how_to_report(text: str) -> bool:
    """"河边有人偷排污水怎么举报", "噪音去哪投诉", "举报电话是多少": the channels, whatever intent NLU gave."""
    return bool(HOW_TO_REPORT.search(text or ""))


def route(text: str) -> str:
    """'channels', 'plan' (answer from the plan if it can) or 'form' for a report_pollution message."""
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return "form"
    if asks_how_to_report(text):
        return "channels"
    if WANTS_TO_REPORT.search(text) or not (looks_like_question(text) or ASKS_THE_PLAN.search(text)):
        return "form"
    return "plan"


class ActionRouteReport(Action):
    """Answers a how-to-report or plan question filed as report_pollution (plan_question true, with a button
    that starts the report); else sends nothing and the rules start complaint_form (plan_question false)."""

    def name(self) -> str:
        return "action_route_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        from ..guidance import REPORT_BUTTONS, ActionReportChannels
        from ..plan import send_plan_answer
        text = latest_text(tracker)
        way = route(text)
        if way == "channels":
            await ActionReportChannels().run(dispatcher, tracker, domain)
            return [SlotSet("plan_question", True)]
        if way == "plan":
            events = await send_plan_answer(dispatcher, text, confident_only=True, buttons=REPORT_BUTTONS[:1])
            if events is not None:
                return [*events, SlotSet("plan_question", True)]
        return [SlotSet("plan_question", False)]
