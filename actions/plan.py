"""Free questions about the plan (ask_plan, nlu_fallback) and routing of bare `inform` messages."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_entity, latest_text, record_question, run_knowledge, send_result


def _answer(question: str):
    from knowledge.answer import answer
    return answer(question)


async def send_plan_answer(dispatcher: CollectingDispatcher, question: str,
                           confident_only: bool = False, buttons: list[dict] | None = None) -> list[dict[str, Any]] | None:
    """Send the plan's answer (cited, or an honest refusal; `buttons` under it) and return its slot events; with
    `confident_only`, send nothing and return None unless the plan answers confidently."""
    from .indicators import indicator_slot
    res = await run_knowledge(_answer, question)
    if confident_only and not res.confident:
        return None
    await send_result(dispatcher, res, buttons=buttons)
    await record_question(res)
    return await run_knowledge(indicator_slot, res)


class ActionAnswerFromPlan(Action):
    """Answer from the plan with a citation, or refuse honestly when the plan is silent; a how-to-report question
    NLU was unsure of ("河边有人偷排污水怎么举报" as nlu_fallback) gets the reporting channels."""

    def name(self) -> str:
        return "action_answer_from_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        from .complaints.start import asks_how_to_report
        from .guidance import ActionReportChannels
        text = latest_text(tracker)
        if asks_how_to_report(text):
            return await ActionReportChannels().run(dispatcher, tracker, domain)
        return await send_plan_answer(dispatcher, text)


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
