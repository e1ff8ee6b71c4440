"""Indicator status from 表1: value, targets, status and gap; follow-ups reuse the `indicator` slot."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_entity, latest_text, run_knowledge, send_result

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
    """The Indicator an entity or slot value names (knowledge's one indicator lookup), or None."""
    if not value:
        return None
    from knowledge.answer import INDICATOR_MATCH
    from knowledge.index import load
    from knowledge.normalize import normalize
    from knowledge.records import best_records
    from knowledge.terms import expand, fix_typos
    score, found = best_records(load(), expand(fix_typos(normalize(value)))[0], "indicator", bonus=False)
    return found[0] if score >= INDICATOR_MATCH and len(found) == 1 else None


def indicator_turn(question: str, slot: str | None, entity_year: str | None):
    """The Answer to an indicator question.

    A follow-up without a subject of its own ("那2030年呢", "现在达标了吗") is about the indicator in the
    `indicator` slot. Anything else goes through the knowledge base's own routing (表1, the text, or a
    refusal): the NLU's indicator entity only feeds the slot, since the knowledge base also knows when
    the plan cannot answer (real-time data, years after 2030) and when a passage answers better.
    """
    from knowledge.answer import answer, has_own_subject
    from knowledge.records import indicator_answer, indicator_focus
    from knowledge.result import Answer
    follow_up = not has_own_subject(question)
    ind = resolve(slot) if slot and follow_up else None
    if ind is None and follow_up:
        return Answer(question, "您想查询哪一项指标？请说出指标名称，例如“农村生活污水治理率”，"
                                "也可以问“哪些指标还没达标”。", False, [], "clarify")
    if ind is None:
        return answer(question)
    full = indicator_answer(question, [ind])
    focus = indicator_focus(ind, requested_year(entity_year, question), bool(_STATUS_Q.search(question)))
    full.text = focus or full.text
    return full


def indicator_slot(res) -> list[dict[str, Any]]:
    """Remember the indicator an answer is about, for follow-ups."""
    if res.kind != "indicator" or len(res.indicators) != 1:
        return []
    from knowledge.index import load
    name = next(i.name for i in load().plan.indicators if i.number == res.indicators[0])
    return [SlotSet("indicator", name)]


class ActionIndicatorStatus(Action):
    """Status of the indicator named in the message, or of the one asked about before."""

    def name(self) -> str:
        return "action_indicator_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        res = await run_knowledge(indicator_turn, latest_text(tracker), tracker.get_slot("indicator"),
                                  latest_entity(tracker, "year"))
        buttons = None
        if not res.confident:
            buttons = [{"title": n, "payload": f"{n}现在多少"} for n in _EXAMPLES]
        await send_result(dispatcher, res, buttons=buttons)
        return [*await run_knowledge(indicator_slot, res), SlotSet("year", None)]


class ActionUnmetIndicators(Action):
    """The indicators 表1 marks 不达标; a message that asks something else gets the knowledge answer."""

    def name(self) -> str:
        return "action_unmet_indicators"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        res = await run_knowledge(unmet_turn, latest_text(tracker))
        await send_result(dispatcher, res)
        return []


def unmet_turn(question: str):
    """The unmet list, unless the knowledge base finds the message is about something else."""
    from knowledge.answer import answer, outside_plan
    from knowledge.index import load
    from knowledge.records import unmet_answer
    res = answer(question)
    if res.kind == "unmet" or (not res.confident and re.search(r"达标|指标|達標", question)
                               and not outside_plan(question)):
        return unmet_answer(load(), question)
    return res
