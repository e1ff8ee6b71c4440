"""Key projects (附表): by name, district, owner or category, with years, investment and totals.

The answer chooser decides, as for any plan question: its candidates hold the table's records, lists and
totals (every number shown is a cell of the table, worded by knowledge.records). When it is not confident the
citizen gets its closest passage or a refusal, never a record or the totals as a stand-in: on the training
questions the chooser was unsure of, that stand-in was right 1 time in 35 and answered 26 questions the plan
cannot answer ("淹城遗址保护工程哪年开工" got the 88 projects' totals).
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_text
from .plan import send_plan_answer


class ActionProjectInfo(Action):
    """Answer a question about the 88 key projects from the structured table."""

    def name(self) -> str:
        return "action_project_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        return await send_plan_answer(dispatcher, latest_text(tracker)) or []
