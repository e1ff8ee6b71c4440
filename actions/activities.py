"""find_activities and the activity sign-up form (name, phone, explicit consent 同意; quota respected).

The catalogue (knowledge/activities.py) is loaded and validated on every request: an operator's edit
of the file takes effect without a restart, and a broken file gives a clear error in the log.
"""
from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge import activities as catalogue_mod

from .complaints import fields, store
from .interruptions import field_or_answer
from .payload import latest_entity, latest_intent, latest_text, run_knowledge
from .plan import send_plan_answer
from .privacy import mask_phone
from .smalltalk import names_more_than

log = logging.getLogger(__name__)
SIGNUP_SLOTS = ("activity_id", "signup_name", "signup_phone", "signup_consent")
KIND_WORDS = ((("基地", "参观", "科普", "教育"), {"教育基地"}),
              (("纪念日", "环境日", "地球日", "生物多样性日", "宣传周", "宣传教育周", "节日"), {"纪念日", "宣传活动"}),
              (("志愿", "报名", "义工", "植树", "清理", "讲座", "活动"), {"活动", "纪念日", "宣传活动"}))


# words of asking for activities themselves; a message naming something else as well ("党政干部要不要参加生态文明
# 培训", "去自然保护区当志愿者有激励吗") asks the plan too
ACTIVITY_WORDS = frozenset(
    "活动 环保 生态 生态文明 志愿 志愿者 环保志愿者 志愿活动 义工 公益 公益活动 报名 参加 参与 参观 最近 近期 周末 这周 这周末 "
    "本周 下周 今年 本月 下个月 附近 教育 基地 教育基地 科普 开放 讲座 植树 清理 河道 纪念日 世界地球日 世界环境日 "
    "地球日 环境日 孩子 小孩 有无 哪天 时间 常州 environmental environment activities activity weekend volunteer "
    "volunteering work events event eco coming up tree planting visit education base bases opportunities protection "
    "changzhou".split()) | {w for name, words in fields.DISTRICTS.items() for w in (name, *words)}


ACTIVITIES_HINT = "想参加环保活动，可以问“最近有什么环保活动”或“武进有哪些教育基地”。"


def asks_more_than_activities(text: str) -> bool:
    """Whether a find_activities message names a subject besides activities, times and places. A Chinese word
    no passage of the plan holds is no such subject: "附近有环保活懂吗" (活懂 for 活动) asks for activities, and
    the plan has nothing to say on 活懂."""
    from knowledge.index import load
    index = load()
    return names_more_than(text, ACTIVITY_WORDS, 2,
                           counts=lambda t: t.isascii() or index.document_frequency(t) > 0)


def kinds_in(text: str) -> set[str] | None:
    for words, kinds in KIND_WORDS:
        if any(w in text for w in words):
            return kinds
    return None


def date_range(text: str, today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    if re.search(r"(这|本)(个)?(周|星期|礼拜)|周末", text):
        return today, monday + dt.timedelta(days=6)
    if re.search(r"下(个)?(周|星期|礼拜)", text):
        return monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
    if re.search(r"(这|本)个?月", text):
        return today, today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if "下个月" in text or "下月" in text:
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
    m = re.search(r"(\d{1,2})\s*月(?!\s*\d)", text)
    if m and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        year = today.year if month >= today.month else today.year + 1
        first = dt.date(year, month, 1)
        return max(first, today), first.replace(day=calendar.monthrange(year, month)[1])
    if "今年" in text:
        return today, dt.date(today.year, 12, 31)
    return today, today + dt.timedelta(days=365)


def catalogue() -> catalogue_mod.Catalogue:
    """activities.yml plus the events added in the operator console, read on every request."""
    return catalogue_mod.load(extra_events=[store.event_item(e) for e in store.operator_events()])


def _line(a: catalogue_mod.Activity, today: dt.date) -> str:
    if a.kind == "教育基地":
        return f"· 【教育基地】{a.title}（《规划》第{a.line}行：{a.quote}）"
    if a.kind in ("纪念日", "宣传活动") and a.date is None:
        return f"· 【{a.kind}】{a.title}：日期以当年通知为准（《规划》第{a.line}行提到）"
    if a.kind in ("纪念日", "宣传活动"):
        days = (a.date - today).days
        when = "今天" if days == 0 else f"还有{days}天"
        return f"· 【{a.kind}】{a.date:%Y年%-m月%-d日} {a.title}（{when}；《规划》第{a.line}行提出结合该节日开展宣传活动）"
    left = max((a.quota or 0) - store.signups(a.id), 0)
    return (f"· 【活动】{a.date:%Y年%-m月%-d日} {a.time} {a.title}｜{a.district} {a.place}｜{a.description}"
            f"｜名额{a.quota}，剩余{left}")


def find_turn(text: str, district_entity: str | None, today: dt.date) -> tuple[str, list[dict], list[dict]]:
    cat = catalogue()
    start, end = date_range(text, today)
    district = fields.district(district_entity or "") or fields.district(text)
    kinds = kinds_in(text)
    found = catalogue_mod.upcoming(cat, today, start, end, district, kinds)
    where = f"{district}" if district else "全市"
    if not found:
        return (f"{start:%Y-%m-%d}至{end:%Y-%m-%d}，{where}没有找到符合条件的环保活动。"
                "可以换个时间或区域再问，例如“下个月有什么环保活动”。"), [], []
    lines = [f"{start:%Y-%m-%d}至{end:%Y-%m-%d}，{where}的环保活动和去处："]
    lines += [_line(a, today) for a in found[:12]]
    open_events = [a for a in found if a.can_sign_up]
    if open_events:
        lines.append("带名额的活动可以在线报名，点下面的按钮即可。")
    buttons = [{"title": f"报名：{a.title}", "payload": f'/signup_activity{{"activity_id":"{a.id}"}}'}
               for a in open_events[:5]]
    items = [{"id": a.id, "title": a.title, "kind": a.kind, "date": a.date.isoformat() if a.date else None,
              "district": a.district} for a in found]
    return "\n".join(lines), buttons, items


class ActionFindActivities(Action):
    def name(self) -> str:
        return "action_find_activities"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """The plan's answer first when the message asks about more than activities and the plan answers it
        confidently; then the activities, or only a hint how to ask for them when the message names none."""
        question = latest_text(tracker)
        events: list[dict[str, Any]] = []
        if await run_knowledge(asks_more_than_activities, question):
            events = await send_plan_answer(dispatcher, question, confident_only=True) or []
            if events and kinds_in(question) is None:
                dispatcher.utter_message(text=ACTIVITIES_HINT)
                return events
        try:
            text, buttons, items = await asyncio.get_running_loop().run_in_executor(
                None, find_turn, question, latest_entity(tracker, "district"), fields.today())
        except catalogue_mod.ActivitiesError as exc:
            log.error("%s", exc)
            dispatcher.utter_message(text="活动信息暂时无法读取，请稍后再试。")
            return events
        dispatcher.utter_message(text=text, buttons=buttons or None,
                                 json_message={"type": "activities", "items": items})
        return events


def _open_event(activity_id: str) -> tuple[catalogue_mod.Activity | None, str | None]:
    event = catalogue().event(activity_id)
    if event is None:
        return None, "没有找到这个活动。请先问“最近有什么环保活动”，再点活动下面的报名按钮。"
    if not event.can_sign_up:
        return None, f"“{event.title}”不需要报名。"
    if event.date < fields.today():
        return None, f"“{event.title}”已经结束了。"
    if store.signups(event.id) >= event.quota:
        return None, f"“{event.title}”的名额已经报满了，可以看看其他活动。"
    return event, None


class ValidateActivitySignupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_activity_signup_form"

    def _answer(self, tracker: Tracker, slot: str) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot or latest_intent(tracker) == "stop" \
                or latest_text(tracker).startswith("/"):
            return {}
        return {slot: latest_text(tracker)}

    async def extract_activity_id(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        entity = latest_entity(tracker, "activity_id")
        if entity:
            return {"activity_id": entity}
        text = latest_text(tracker)
        if not text or text.startswith("/"):
            return {}
        try:
            cat = catalogue()
        except catalogue_mod.ActivitiesError:
            return {}
        event = next((e for e in cat.events if e.title in text or e.id == text.strip()), None)
        if event:
            return {"activity_id": event.id}
        return self._answer(tracker, "activity_id")

    async def extract_signup_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._answer(tracker, "signup_name")

    async def extract_signup_phone(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._answer(tracker, "signup_phone")

    async def extract_signup_consent(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._answer(tracker, "signup_consent")

    async def validate_activity_id(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if latest_entity(tracker, "activity_id") is None:      # typed, not a button: it may be a question
            answered = await field_or_answer("activity_id", dispatcher, tracker, domain)
            if answered is not None:
                return answered
        try:
            event, error = await asyncio.get_running_loop().run_in_executor(None, _open_event, str(value))
        except catalogue_mod.ActivitiesError as exc:
            log.error("%s", exc)
            event, error = None, "活动信息暂时无法读取，请稍后再试。"
        if error:
            dispatcher.utter_message(text=error)
            return {"activity_id": None}
        dispatcher.utter_message(text=f"报名“{event.title}”（{event.date:%Y-%m-%d} {event.time}，{event.place}）。")
        return {"activity_id": event.id}

    async def validate_signup_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        answered = await field_or_answer("signup_name", dispatcher, tracker, domain)
        if answered is not None:
            return answered
        name = re.sub(r"^(我叫|我是|姓名是?|名字是?)", "", str(value or "").strip()).strip()
        if not (1 <= len(name) <= 20) or not re.search(r"[\u4e00-\u9fffA-Za-z]", name) or re.search(r"\d", name):
            dispatcher.utter_message(text="请告诉我报名人的姓名（20字以内，不含数字），例如“张三”。")
            return {"signup_name": None}
        return {"signup_name": name}

    async def validate_signup_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        fits = fields.contact(str(value or ""))[0] not in (None, "匿名")
        answered = await field_or_answer("signup_phone", dispatcher, tracker, domain, fits)
        if answered is not None:
            return answered
        phone, error = fields.contact(str(value or ""))
        if error or phone == "匿名":
            dispatcher.utter_message(text="报名需要一个能联系到您的11位大陆手机号（1开头，第二位是3-9）。")
            return {"signup_phone": None}
        return {"signup_phone": phone}

    async def validate_signup_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        answered = await field_or_answer("signup_consent", dispatcher, tracker, domain)
        if answered is not None:
            return answered
        text = str(value or "").strip()
        if "同意" in text and not re.search(r"不同意|不要|不想", text):
            return {"signup_consent": "同意"}
        dispatcher.utter_message(text="只有在您明确回复“同意”后才能报名；不想报名了请回复“取消”。",
                                 buttons=[{"title": "同意", "payload": "同意"}, {"title": "取消", "payload": "/stop"}])
        return {"signup_consent": None}


def _sign_up(activity_id: str, name: str, phone: str) -> tuple[str | None, str]:
    event, error = _open_event(activity_id)
    if error:
        return None, error
    code = store.sign_up(event.id, event.quota, name, phone)
    return code, event.title


class ActionSubmitSignup(Action):
    def name(self) -> str:
        return "action_submit_signup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        slots = {s: tracker.get_slot(s) for s in SIGNUP_SLOTS}
        clear = [SlotSet(s, None) for s in SIGNUP_SLOTS]
        if any(v is None for v in slots.values()) or slots["signup_consent"] != "同意":
            dispatcher.utter_message(text="报名信息不完整，没有提交。")
            return clear
        try:
            code, title = await asyncio.get_running_loop().run_in_executor(
                None, _sign_up, slots["activity_id"], slots["signup_name"], slots["signup_phone"])
        except (store.StoreError, catalogue_mod.ActivitiesError) as exc:
            code, title = None, str(exc)
        if code is None:
            dispatcher.utter_message(text=title)
            return clear
        dispatcher.utter_message(text=f"报名成功！活动：{title}\n确认码：{code}（联系电话 {mask_phone(slots['signup_phone'])}）。"
                                      "请在活动当天出示确认码。",
                                 json_message={"type": "signup", "code": code, "activity_id": slots["activity_id"]})
        return clear
