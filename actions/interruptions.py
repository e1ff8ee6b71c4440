"""Is a message typed while a form asks for a field the field's value, or a question / another request?

One rule for every form (complaint_form, activity_signup_form): each form's validate_<slot> asks
`is_interruption` first; when it says yes, `answer_interruption` answers the message the way the bot
would outside the form and the slot stays empty, so the form asks the same field again with everything
filled so far kept. The rule uses what the tracker carries (the NLU intent and its confidence, the
entities) plus simple cues (question marks, question words, an English question's opening).
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from .complaints.status import LOOKS_LIKE
from .payload import latest_intent, latest_text
from .smalltalk import RESPONSES, answer_small_talk

# intents whose message can be a field's value (the report's own words, a bare entity, yes/no)
FIELD_INTENTS = {"report_pollution", "inform", "affirm", "deny", "signup_activity"}
# intents that are another request even without a question cue, when NLU is sure of them
SMALL_TALK = {"greet", "help", "bot_challenge", "chitchat", "thanks", "check_complaint_status", "find_activities"}
SURE = 0.9
SHORT = 24              # question words count only in messages this short (or with a final particle / "?")
QUESTION_MARK = re.compile(r"[?？]")
QUESTION_END = re.compile(r"(吗|嗎|么|麼|呢|嘛|没有|沒有)[\s。.!！~～]*$")
QUESTION_WORD = re.compile(r"什么|什麼|啥|怎么|怎麼|怎样|咋|如何|多少|哪些|哪里|哪裡|哪儿|哪个|为什么|为啥|是否|能否|可否"
                           r"|有没有|是不是|能不能|可不可以|几个|几项|谁")
# a message that is only a greeting: never a field's value, whatever NLU's confidence (trainings differ on it)
GREETING = re.compile(r"^(你好|您好|你们好|早上好|上午好|中午好|下午好|晚上好|嗨|哈喽|hi|hello|hey)[呀啊哈呢！!。.~～\s]*$", re.I)
ENGLISH_QUESTION = re.compile(r"^\s*(what|how|why|where|when|which|who|whose|is|are|can|could|do|does|did|will|"
                              r"would|should|tell me|show me|list|any)\b", re.I)


def looks_like_question(text: str) -> bool:
    """A question mark, a sentence-final question particle, an English question's opening, or a question
    word in a short message ("常州明天天气怎么样"); a long description using 什么 in passing is not one."""
    text = text.strip()
    return bool(QUESTION_MARK.search(text) or QUESTION_END.search(text) or ENGLISH_QUESTION.match(text)
                or (len(text) <= SHORT and QUESTION_WORD.search(text)))


def is_interruption(text: str, intent: str, confidence: float, entities: list[str] | tuple = (),
                    fits_field: bool = False) -> bool:
    """Whether a message typed for a form field is a question or a different request, not the value.

    Button payloads ("/stop") and the form's control intents are the form's own business (its rules); a bare
    greeting ("你好", "下午好") is small talk whatever NLU's confidence;
    the report's own words (report_pollution), bare entities and yes/no are values; a tracking number is a
    status look-up when the text holds one (DIET's learned entities tag coordinates or a phone number as
    tracking_number in some trainings); a valid value of a structured field that asks nothing is that value
    (`fits_field`: "前天下午" is a time even though NLU files it under greet, like 下午好); small talk NLU is
    sure of is small talk; anything else that reads as a question is one.
    """
    text = (text or "").strip()
    if not text or text.startswith("/"):
        return False
    if GREETING.match(text):
        return True
    if intent in FIELD_INTENTS:
        return False
    if "tracking_number" in entities and LOOKS_LIKE.search(text):
        return True
    if fits_field and not looks_like_question(text):
        return False
    if intent in SMALL_TALK and confidence >= SURE:
        return True
    return looks_like_question(text)


def interrupts(tracker: Tracker, fits_field: bool = False) -> bool:
    """is_interruption for the latest message of a tracker."""
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    return is_interruption(latest_text(tracker), intent.get("name") or "", float(intent.get("confidence") or 0),
                           [e.get("entity") for e in message.get("entities") or []], fits_field)


def _action_for(intent: str):
    """The custom action that answers `intent` outside a form (the plan answer for anything else)."""
    from .activities import ActionFindActivities
    from .complaints.status import ActionComplaintStatus
    from .guidance import ActionGreenTips, ActionReportChannels
    from .indicators import ActionIndicatorStatus, ActionUnmetIndicators
    from .plan import ActionAnswerFromPlan, ActionHandleInform
    from .projects import ActionProjectInfo
    return {"ask_indicator": ActionIndicatorStatus, "ask_unmet_indicators": ActionUnmetIndicators,
            "ask_project": ActionProjectInfo, "ask_green_tips": ActionGreenTips,
            "ask_report_channels": ActionReportChannels, "check_complaint_status": ActionComplaintStatus,
            "find_activities": ActionFindActivities, "inform": ActionHandleInform}.get(intent, ActionAnswerFromPlan)()


def _chitchat(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Send the response selector's chitchat answer; False when there is none."""
    selected = ((tracker.latest_message or {}).get("response_selector") or {}).get("chitchat") or {}
    utter = (selected.get("response") or {}).get("utter_action")
    if utter:
        dispatcher.utter_message(response=utter)
    return bool(utter)


async def answer_interruption(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> dict[str, Any]:
    """Answer the message as the bot would outside the form; returns the slots that answer sets (e.g. the
    indicator asked about, for follow-ups after the form)."""
    intent = latest_intent(tracker)
    if intent == "thanks":
        dispatcher.utter_message(response="utter_thanks")
        return {}
    if intent == "chitchat" and _chitchat(dispatcher, tracker):
        return {}
    if intent in RESPONSES:
        events = await answer_small_talk(dispatcher, tracker, domain)
    else:
        events = await _action_for(intent).run(dispatcher, tracker, domain)
    return {e["name"]: e["value"] for e in events or [] if e.get("event") == "slot"}


async def field_or_answer(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict,
                          fits_field: bool = False) -> dict[str, Any] | None:
    """For a validate_<slot>: None when the message is the field's value (go on validating it), else the
    interruption answered and the slot emptied so the form asks it again. `fits_field`: the message is a valid
    value of a structured field (a date, a phone number; free-text fields pass False)."""
    if not interrupts(tracker, fits_field):
        return None
    return {**await answer_interruption(dispatcher, tracker, domain), slot: None}
