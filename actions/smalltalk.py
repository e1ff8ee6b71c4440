"""Small talk (greet, help, bot_challenge, out_of_scope), except an English question with a subject of its
own that NLU filed there ("Hi, what is the river chief system?"): that gets the plan answer.

action_route_small_talk answers such a question from the plan and sets `plan_question`; the rules send the
small-talk responses when it is false. Inside a form, actions/interruptions.py calls `answer_small_talk`.
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_intent, latest_text, run_knowledge

RESPONSES = {"greet": "utter_greet", "help": "utter_help", "bot_challenge": "utter_iamabot",
             "out_of_scope": "utter_out_of_scope"}
LATIN = re.compile(r"[A-Za-z]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# English words of small talk itself: what is left after them is the question's subject
SMALL_TALK_WORDS = {"hello", "hi", "hey", "help", "robot", "bot", "human", "person", "real", "ai", "chatbot",
                    "thanks", "thank", "good", "morning", "afternoon", "evening", "please", "assistant", "name",
                    "menu", "options", "functions", "anything", "something", "things", "ok", "okay"}


def english_subject(text: str) -> bool:
    """An English message (more Latin letters than Chinese characters) naming something besides small talk."""
    if len(LATIN.findall(text)) <= len(HAN.findall(text)):
        return False
    from knowledge.normalize import normalize
    from knowledge.terms import content_terms
    return any(t.lower() not in SMALL_TALK_WORDS for t in content_terms(normalize(text)))


async def plan_question(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict] | None:
    """The plan answer's events when the message is an English question with a subject, else None."""
    if not await run_knowledge(english_subject, latest_text(tracker)):
        return None
    from .plan import ActionAnswerFromPlan
    return await ActionAnswerFromPlan().run(dispatcher, tracker, domain)


async def answer_small_talk(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
    """Inside a form: the plan answer for an English question, else the intent's response (no menu)."""
    events = await plan_question(dispatcher, tracker, domain)
    if events is None:
        dispatcher.utter_message(response=RESPONSES.get(latest_intent(tracker), "utter_help"))
    return events or []


class ActionRouteSmallTalk(Action):
    """Answers an English question with a subject from the plan (plan_question true); else sends nothing and
    the rules send the small-talk response (plan_question false)."""

    def name(self) -> str:
        return "action_route_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        events = await plan_question(dispatcher, tracker, domain)
        return [*(events or []), SlotSet("plan_question", events is not None)]
