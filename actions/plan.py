"""Free questions about the plan (ask_plan, nlu_fallback) and routing of bare `inform` messages."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_entity, latest_text, run_knowledge, send_answer

_INDICATOR_TITLE = re.compile(r"第(\d+)项")


def _answer(question: str):
    from knowledge.answer import answer
    return answer(question)


def _indicator_name(res) -> str | None:
    """The indicator an indicator-kind answer is about (from its first source title)."""
    if res.kind != "indicator" or not res.sources:
        return None
    from knowledge.index import load
    m = _INDICATOR_TITLE.search(res.sources[0].title)
    by_number = {i.number: i.name for i in load().plan.indicators}
    return by_number.get(int(m.group(1))) if m else None


class ActionAnswerFromPlan(Action):
    """Answer from the plan with a citation, or refuse honestly when the plan is silent."""

    def name(self) -> str:
        return "action_answer_from_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        res = await run_knowledge(_answer, latest_text(tracker))
        send_answer(dispatcher, res.text, res.confident, res.sources, kind=res.kind)
        name = await run_knowledge(_indicator_name, res)
        return [SlotSet("indicator", name)] if name else []


class ActionHandleInform(Action):
    """A bare entity ("农村污水", "溧阳", "2030年") goes to the action that handles that entity."""

    def name(self) -> str:
        return "action_handle_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        from .guidance import ActionGreenTips
        from .indicators import ActionIndicatorStatus
        from .projects import ActionProjectInfo
        if latest_entity(tracker, "indicator") or latest_entity(tracker, "year"):
            action: Action = ActionIndicatorStatus()
        elif latest_entity(tracker, "project") or latest_entity(tracker, "district"):
            action = ActionProjectInfo()
        elif latest_entity(tracker, "topic"):
            action = ActionGreenTips()
        else:
            action = ActionAnswerFromPlan()
        return await action.run(dispatcher, tracker, domain)
