"""Key projects (附表): by name, district, owner or category, with years, investment and totals.

Matching and wording come from knowledge.records, so every number shown is a cell of the table;
the answer chooser decides first; questions it cannot answer confidently fall back to the projects the NLU's
entities name, then the totals.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_entity, latest_text, run_knowledge, send_result

_TOTAL = re.compile(r"总投资|一共|总共|合计|总计|全部|所有|多少个|多少项|几项|[0-9]+项")


def answer_project_question(question: str, project: str | None, district: str | None):
    """The knowledge Answer for a project question: the answer chooser's when it is confident (a prose fact
    such as "生态绿城深化工程要建多少口袋公园" beats the project's record), else the projects the NLU's project and
    district entities help find, else the totals."""
    from knowledge.answer import PROJECT_MATCH, answer, outside_plan
    from knowledge.index import load
    from knowledge.normalize import normalize
    from knowledge.records import find_projects, project_answer, totals_answer
    from knowledge.terms import expand
    res = answer(question)
    if res.confident or outside_plan(question):     # another city, after 2030: refused, never Changzhou's table
        return res
    index = load()
    text = expand(normalize(" ".join(x for x in (project, district, question) if x)))[0]
    label, found = find_projects(index, text, PROJECT_MATCH)
    if found:
        return project_answer(question, label, found)
    if _TOTAL.search(question) or re.search(r"项目|工程|投资", question):
        return totals_answer(index, question)
    return res


class ActionProjectInfo(Action):
    """Answer a question about the 88 key projects from the structured table."""

    def name(self) -> str:
        return "action_project_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        project = latest_entity(tracker, "project")
        district = latest_entity(tracker, "district")
        res = await run_knowledge(answer_project_question, latest_text(tracker), project, district)
        await send_result(dispatcher, res)
        return []
