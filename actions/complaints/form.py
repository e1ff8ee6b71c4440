"""complaint_form: validation (one small validate_<slot> per field), summary, submit, edit and cancel.

Slots use `custom` mappings: extract_<slot> takes the whole message for the slot being asked, unless it
is a button payload or a control request (cancel, edit, confirm): then nothing is extracted, the form
rejects, and the rules handle it. Each validate_<slot> first asks actions/interruptions.py whether the
message is a question or another request (a plan question, a status look-up, a greeting…): then it is
answered and the form asks the same field again. Values already given are never cleared by an error
or a question in another field.
"""
from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from ..interruptions import field_or_answer
from ..payload import latest_intent, latest_text
from ..privacy import mask_phone
from . import fields, store

FIELDS = ("pollution_type", "location", "seen_at", "description", "contact")
LABELS = {"pollution_type": "污染类型", "location": "地点", "seen_at": "发现时间", "description": "情况描述",
          "contact": "联系方式"}
FIELD_WORDS = (("pollution_type", ("类型", "种类", "污染类型")), ("location", ("地点", "地址", "位置", "地方")),
               ("seen_at", ("时间", "日期", "什么时候")), ("description", ("描述", "情况", "内容")),
               ("contact", ("联系方式", "电话", "手机", "号码", "联系")))
CONTROL_INTENTS = {"stop", "edit_complaint", "confirm_complaint"}
STRUCTURED = ("pollution_type", "seen_at", "contact")     # a valid value of these is recognisable (free text is not,
                                                          # except a location that names a place)
SUMMARY_BUTTONS = [{"title": "确认提交", "payload": "/confirm_complaint"},
                   {"title": "修改", "payload": "/edit_complaint"},
                   {"title": "取消", "payload": "/stop"}]


def field_named(text: str) -> str | None:
    """'修改地点' → 'location'."""
    for slot, words in FIELD_WORDS:
        if any(w in text for w in words):
            return slot
    return None


def is_control(tracker: Tracker) -> bool:
    """A button payload or a control request (cancel, edit, confirm): the form's rules handle it."""
    return latest_intent(tracker) in CONTROL_INTENTS or latest_text(tracker).startswith("/")


def summary_text(slots: dict) -> str:
    location = slots["location"]
    area = fields.district(location) or "未识别"
    return ("请核对您要提交的举报：\n"
            f"· 污染类型：{slots['pollution_type']}\n"
            f"· 地点：{location}（区域：{area}）\n"
            f"· 发现时间：{slots['seen_at']}\n"
            f"· 情况描述：{slots['description']}\n"
            f"· 联系方式：{mask_phone(slots['contact'])}\n"
            "确认无误请点“确认提交”；要改某一项请点“修改”（也可以直接说“修改地点”）；不想提交了请点“取消”。")


def _clear() -> list[dict[str, Any]]:
    return [SlotSet(s, None) for s in (*FIELDS, "edit_field")] + [SlotSet("complaint_editing", False)]


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> str:
        return "validate_complaint_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        return ["edit_field", *domain_slots] if tracker.get_slot("complaint_editing") else domain_slots

    def _answer(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot or is_control(tracker):
            return {}
        return {slot: latest_text(tracker)}

    # --- extraction: the whole message answers the slot being asked -------------------------------------

    async def extract_pollution_type(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is None and latest_intent(tracker) == "report_pollution":
            found, _ = fields.pollution_type(latest_text(tracker))     # "工厂冒黑烟，我要举报" fills the type
            if found:   # the form skips its first question, which says what is happening: say it here
                dispatcher.utter_message(text=f"好的，我来帮您登记这条{found}污染举报，问几个问题就好"
                                              "（随时可以说“取消”）。")
            return {"pollution_type": found} if found else {}
        return self._answer(tracker, "pollution_type")

    async def extract_location(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer(tracker, "location")

    async def extract_seen_at(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = latest_text(tracker)
        if tracker.get_slot("requested_slot") is None and latest_intent(tracker) == "report_pollution":
            value, _ = fields.seen_at(text)
            return {"seen_at": value} if value and re.search(r"[昨今前]|天前|月|日|号", text) else {}
        return self._answer(tracker, "seen_at")

    async def extract_description(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer(tracker, "description")

    async def extract_contact(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer(tracker, "contact")

    async def extract_edit_field(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "edit_field" or latest_intent(tracker) == "stop":
            return {}
        return {"edit_field": latest_text(tracker)}

    # --- validation: one small method per field ----------------------------------------------------------

    def _checked(self, slot: str, value: Any, parse, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        normalised, error = parse(str(value or ""))
        if error:
            buttons = ([{"title": t, "payload": t} for t in fields.pollution_types()] if slot == "pollution_type"
                       else [{"title": "匿名", "payload": "匿名"}] if slot == "contact" else None)
            dispatcher.utter_message(text=error, buttons=buttons)
            return {slot: None}
        return {slot: normalised}

    async def _validated(self, slot: str, value: Any, parse, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> dict[str, Any]:
        """A question typed for the field is answered and the field asked again; else the field's own check."""
        text = str(value or "")
        fits = parse(text)[1] is None and (slot in STRUCTURED or slot == "location" and fields.names_place(text))
        answered = await field_or_answer(slot, dispatcher, tracker, domain, fits)
        return answered if answered is not None else self._checked(slot, value, parse, dispatcher)

    async def validate_pollution_type(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._validated("pollution_type", value, fields.pollution_type, dispatcher, tracker, domain)

    async def validate_location(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._validated("location", value, fields.location, dispatcher, tracker, domain)

    async def validate_seen_at(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._validated("seen_at", value, fields.seen_at, dispatcher, tracker, domain)

    async def validate_description(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._validated("description", value, fields.description, dispatcher, tracker, domain)

    async def validate_contact(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await self._validated("contact", value, fields.contact, dispatcher, tracker, domain)

    def validate_edit_field(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        slot = field_named(str(value or ""))
        if slot is None:
            dispatcher.utter_message(text="要修改哪一项？请选：类型、地点、时间、描述或联系方式。",
                                     buttons=[{"title": LABELS[s], "payload": f"修改{LABELS[s]}"} for s in FIELDS])
            return {"edit_field": None}
        return {"edit_field": None, "complaint_editing": False, slot: None}


def _filled(tracker: Tracker) -> dict | None:
    """The report's fields from the form's slots, or None while any of them is missing."""
    slots = {s: tracker.get_slot(s) for s in FIELDS}
    return None if any(v is None for v in slots.values()) else slots


class ActionComplaintSummary(Action):
    def name(self) -> str:
        return "action_complaint_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        slots = _filled(tracker)
        if slots is None:
            dispatcher.utter_message(text="举报信息还没填完，请继续回答上面的问题。")
            return []
        dispatcher.utter_message(text=summary_text(slots), buttons=SUMMARY_BUTTONS,
                                 json_message={"type": "complaint_summary"})
        return []


def _submit(slots: dict, reporter: tuple[str, str] | None = None) -> store.Stored:
    day, part = fields.split_seen_at(slots["seen_at"])
    return store.submit(slots["pollution_type"], slots["location"], fields.district(slots["location"]), day, part,
                        slots["description"], slots["contact"], reporter=reporter)


class ActionSubmitComplaint(Action):
    """Commit the report, then (only then) tell the citizen its tracking number."""

    def name(self) -> str:
        return "action_submit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        slots = _filled(tracker)
        if slots is None:
            dispatcher.utter_message(text="现在没有待提交的举报。要举报污染问题，请直接说“我要举报”。")
            return []
        try:
            reporter = (tracker.get_latest_input_channel() or "", tracker.sender_id)   # for notices (console)
            stored = await asyncio.get_running_loop().run_in_executor(None, _submit, slots, reporter)
        except store.StoreError as exc:
            dispatcher.utter_message(text=str(exc))
            return []
        text = (f"举报已提交，受理编号：{stored.tracking_number}\n请记下这个编号，"
                f"之后说“查询{stored.tracking_number}”就能看到处理进度。")
        if stored.similar is not None:
            s = stored.similar
            text += (f"\n提示：7天内已有一条相似的{s.pollution_type}举报（{s.tracking_number}，当前状态：{s.status}），"
                     "您的举报也已受理，并已与它关联。")
        dispatcher.utter_message(text=text, json_message={
            "type": "complaint_submitted", "tracking_number": stored.tracking_number,
            "similar": stored.similar.tracking_number if stored.similar else None})
        return _clear()


class ActionEditComplaint(Action):
    """'修改地点' clears that field so the form asks it again; '修改' asks which field."""

    def name(self) -> str:
        return "action_edit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        slot = field_named(latest_text(tracker)) or field_named(next(tracker.get_latest_entity_values("complaint_field"), "") or "")
        if slot is None:
            return [SlotSet("complaint_editing", True), SlotSet("edit_field", None)]
        dispatcher.utter_message(text=f"好的，我们重新填写“{LABELS[slot]}”。")
        return [SlotSet(slot, None)]


class ActionCancel(Action):
    """Cancel the complaint or sign-up in progress: nothing is stored, the form stops."""

    def name(self) -> str:
        return "action_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        active = (tracker.active_loop or {}).get("name")
        had_complaint = any(tracker.get_slot(s) for s in FIELDS)
        had_signup = any(tracker.get_slot(s) for s in ("activity_id", "signup_name", "signup_phone"))
        if active or had_complaint or had_signup:
            what = "报名" if active == "activity_signup_form" or (had_signup and not had_complaint) else "举报"
            dispatcher.utter_message(text=f"好的，已取消本次{what}，没有提交任何信息。还有其他需要随时找我。")
        else:
            dispatcher.utter_message(text="好的。现在没有正在办理的事项。")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *_clear(),
                *[SlotSet(s, None) for s in ("activity_id", "signup_name", "signup_phone", "signup_consent")]]
