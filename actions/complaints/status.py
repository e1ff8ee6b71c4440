"""check_complaint_status: type, date, status and its history for a tracking number; never the contact."""
from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from ..payload import latest_text
from . import store

NUMBER = re.compile(r"(?<![A-Za-z0-9])CZ-?\d{8}-?[A-Z0-9]{4}(?![A-Za-z0-9])", re.I)
LOOKS_LIKE = re.compile(r"(?<![A-Za-z])CZ[-\s]?\d", re.I)
EXAMPLE = "CZ-20261128-7F3K"
# words of a look-up; bare 处理 is not one (厨余垃圾处理, 处理能力 are plan questions NLU files here)
STATUS_WORDS = re.compile(r"举报|舉報|投诉|投訴|编号|編號|进度|進度|受理|查询|查詢|结果|結果|回复|回覆"
                          r"|[处處]理(了|得|到哪|好了|完了|没有|沒有)")


def tracking_number_in(text: str, entity: str | None) -> tuple[str | None, bool]:
    """(normalised number, whether the message tried to give one)."""
    for candidate in (entity or "", text or ""):
        m = NUMBER.search(candidate.replace(" ", ""))
        if m:
            raw = m.group(0).upper().replace("-", "")
            return f"{raw[:2]}-{raw[2:10]}-{raw[10:]}", True
    return None, bool(LOOKS_LIKE.search(entity or "")) or bool(LOOKS_LIKE.search(text or ""))


def status_text(row: store.Complaint) -> str:
    lines = [f"受理编号 {row.tracking_number}",
             f"· 类型：{row.pollution_type}",
             f"· 提交日期：{row.created_at:%Y-%m-%d}（发现于 {row.seen_date:%Y-%m-%d}{' ' + row.seen_part if row.seen_part else ''}）",
             f"· 当前状态：{row.status}",
             "· 处理记录："]
    lines += [f"  {h.at:%Y-%m-%d %H:%M} {h.status}" + (f"：{h.note}" if h.note else "") for h in row.history]
    return "\n".join(lines)


async def _plan_answer_or_ask(dispatcher: CollectingDispatcher, text: str) -> list[dict[str, Any]]:
    """A message without a tracking number may be a plan question NLU filed here: answer it when the plan
    does, else ask for the number."""
    from ..plan import send_plan_answer
    looks_up = STATUS_WORDS.search(text) or text.startswith("/")
    events = None if looks_up else await send_plan_answer(dispatcher, text, confident_only=True)
    if events is None:
        dispatcher.utter_message(text=f"请把受理编号发给我，例如“查询 {EXAMPLE}”。")
    return events or []


class ActionComplaintStatus(Action):
    def name(self) -> str:
        return "action_complaint_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        number, tried = tracking_number_in(latest_text(tracker), next(tracker.get_latest_entity_values("tracking_number"), None))
        if number is None:
            if tried:
                dispatcher.utter_message(text=f"这个编号的格式不对。受理编号形如 {EXAMPLE}（CZ-日期-4位字母数字），请核对后再发给我。")
                return []
            return await _plan_answer_or_ask(dispatcher, latest_text(tracker))
        row = await asyncio.get_running_loop().run_in_executor(None, store.find, number)
        if row is None:
            dispatcher.utter_message(text=f"没有找到编号为 {number} 的举报。请核对编号（注意区分字母和数字）；"
                                          "如果是通过12369或12345热线反映的，请向对应热线查询。")
            return []
        notices = await asyncio.get_running_loop().run_in_executor(
            None, store.take_notices_for_report, number, "status-lookup")      # news not shown yet comes first
        dispatcher.utter_message(text="\n\n".join([*notices, status_text(row)]), json_message={
            "type": "complaint_status", "tracking_number": row.tracking_number, "status": row.status,
            "history": [{"status": h.status, "at": h.at.isoformat(), "note": h.note} for h in row.history]})
        return []
