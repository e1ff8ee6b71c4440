"""Indicator status from 表1: value, targets, status and gap; follow-ups reuse the `indicator` slot."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_entity, latest_text, run_knowledge, send_answer

_STATUS_Q = re.compile(r"达标|達標|打标|达到|完成|实现|合格")
_NOW_Q = re.compile(r"现在|現在|现状|目前|当前|2020")
_EXAMPLES = ["农村生活污水治理率", "环境空气质量", "城镇人均公园绿地面积", "公共交通出行分担率"]


def requested_year(*texts: str | None) -> int | None:
    """2025 or 2030 when asked for a target year, 2020 for the current value, else None."""
    for text in texts:
        if not text:
            continue
        if re.search(r"2030|(?<!\d)30年|二[〇零]三[〇零]|三十年", text):
            return 2030
        if re.search(r"2025|(?<!\d)25年|二[〇零]二五|十四五", text):
            return 2025
        if _NOW_Q.search(text):
            return 2020
    return None


def resolve(value: str | None):
    """The Indicator an entity, slot or question names (knowledge's one indicator lookup), or None."""
    if not value:
        return None
    from knowledge.answer import INDICATOR_MATCH
    from knowledge.index import load
    from knowledge.normalize import normalize
    from knowledge.records import best_records
    from knowledge.terms import expand
    score, found = best_records(load(), expand(normalize(value))[0], "indicator")
    return found[0] if score >= INDICATOR_MATCH and len(found) == 1 else None


def indicator_reply(ind, question: str, entity_year: str | None) -> tuple[str, list]:
    """Reply text and sources for one indicator: the asked year or status, else the full row."""
    from knowledge.records import indicator_answer, indicator_focus
    full = indicator_answer(question, [ind])
    focus = indicator_focus(ind, requested_year(entity_year, question), bool(_STATUS_Q.search(question)))
    return (focus or full.text), full.sources


def _lookup(value: str | None, question: str, entity_year: str | None):
    ind = resolve(value)
    if ind is None:
        return None, None, None
    text, sources = indicator_reply(ind, question, entity_year)
    return ind, text, sources


class ActionIndicatorStatus(Action):
    """Status of the indicator named in the message, or of the one asked about before."""

    def name(self) -> str:
        return "action_indicator_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        question = latest_text(tracker)
        value = latest_entity(tracker, "indicator") or tracker.get_slot("indicator")
        entity_year = latest_entity(tracker, "year")
        ind, text, sources = await run_knowledge(_lookup, value, question, entity_year)
        if ind is None:
            from knowledge.answer import answer

            from .plan import ActionAnswerFromPlan
            res = await run_knowledge(answer, question)
            if res.kind == "indicator" or (res.confident and value is None and requested_year(question) is None
                                           and not _STATUS_Q.search(question)):
                return await ActionAnswerFromPlan().run(dispatcher, tracker, domain)
            buttons = [{"title": n, "payload": f"{n}现在多少"} for n in _EXAMPLES]
            send_answer(dispatcher, "您想查询哪一项指标？请说出指标名称，例如“农村生活污水治理率”。"
                        "也可以问“哪些指标还没达标”。", False, [], buttons=buttons, kind="clarify")
            return [SlotSet("year", None)]
        send_answer(dispatcher, text, True, sources, kind="indicator")
        return [SlotSet("indicator", ind.name), SlotSet("year", None)]


class ActionUnmetIndicators(Action):
    """The indicators 表1 marks 不达标, with their gap to the 2025 target."""

    def name(self) -> str:
        return "action_unmet_indicators"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        from knowledge.index import load
        from knowledge.records import unmet_answer
        res = await run_knowledge(lambda q: unmet_answer(load(), q), latest_text(tracker))
        send_answer(dispatcher, res.text, res.confident, res.sources, kind=res.kind)
        return []
