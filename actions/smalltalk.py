"""Small talk (greet, help, bot_challenge, out_of_scope, goodbye, thanks), except a question with a subject of its
own that NLU filed there: an English one ("Hi, what is the river chief system?") gets the plan answer, and a
Chinese one ("阳湖净水厂尾水回用规模多大" as help) gets it when the plan answers it confidently.

action_route_small_talk answers such a question from the plan and sets `plan_question`; the rules send the
small-talk responses when it is false. Inside a form, actions/interruptions.py calls `answer_small_talk`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .payload import latest_intent, latest_text, run_knowledge

RESPONSES = {"greet": "utter_greet", "help": "utter_help", "bot_challenge": "utter_iamabot",
             "out_of_scope": "utter_out_of_scope", "goodbye": "utter_goodbye", "thanks": "utter_thanks"}
LATIN = re.compile(r"[A-Za-z]")
HAN = re.compile(r"[\u4e00-\u9fff]")
# English words of small talk itself: what is left after them is the question's subject
SMALL_TALK_WORDS = {"hello", "hi", "hey", "help", "robot", "bot", "human", "person", "real", "ai", "chatbot",
                    "thanks", "thank", "good", "morning", "afternoon", "evening", "please", "assistant", "name",
                    "menu", "options", "functions", "anything", "something", "things", "ok", "okay", "bye",
                    "goodbye", "see", "later", "lot", "much", "appreciate"}
# Chinese words of small talk and of asking for help: a message made of them is not a plan question ("帮助",
# "有什么功能" would match the plan's 帮助 / 服务功能 passages)
CHINESE_SMALL_TALK_WORDS = frozenset("帮助 幫助 功能 菜单 服务 使用 说明 操作 咨询 帮忙 指南 列表 返回 开始 重新 问题 回答 "
                                     "你好 您好 早上好 晚上好 晚上 上午 下午 中午 有人 机器人 名字 "
                                     "再见 再會 再会 拜拜 下次 再聊 回头见 回头 晚安 没别的事 别的 这些 谢谢 謝謝 感谢 "
                                     "感謝 多谢 非常感谢 辛苦 好的 88".split())
# intents whose Chinese message is checked against the plan (a question about the bot itself is not)
CHECKED_INTENTS = {"greet", "help", "out_of_scope", "goodbye", "thanks"}


def _is_english(text: str) -> bool:
    """More Latin letters than Chinese characters."""
    return len(LATIN.findall(text)) > len(HAN.findall(text))


def names_more_than(text: str, small_talk: frozenset[str] | set[str], min_len: int,
                    counts: Callable[[str], bool] = lambda t: True) -> bool:
    """Whether a message has a content word (of at least min_len characters) that is not small talk and that
    `counts` accepts."""
    from knowledge.normalize import normalize
    from knowledge.terms import content_terms
    return any(len(t) >= min_len and t.lower() not in small_talk and counts(t.lower())
               for t in content_terms(normalize(text)))


def english_subject(text: str) -> bool:
    """An English message naming something besides small talk."""
    return _is_english(text) and names_more_than(text, SMALL_TALK_WORDS, 1)


def chinese_subject(text: str) -> bool:
    """A Chinese message naming something besides small talk ("你好，河长制是什么", not "帮助")."""
    return not _is_english(text) and names_more_than(text, CHINESE_SMALL_TALK_WORDS, 2)


async def plan_question(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict] | None:
    """The plan answer's events when the message is an English question with a subject, or a Chinese one the
    plan answers confidently; else None (nothing sent)."""
    from .plan import send_plan_answer
    text = latest_text(tracker)
    if await run_knowledge(english_subject, text):
        return await send_plan_answer(dispatcher, text)
    if latest_intent(tracker) in CHECKED_INTENTS and await run_knowledge(chinese_subject, text):
        return await send_plan_answer(dispatcher, text, confident_only=True)
    return None


async def answer_small_talk(dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict]:
    """Inside a form: the plan answer for an English question, else the intent's response (no menu)."""
    events = await plan_question(dispatcher, tracker, domain)
    if events is None:
        dispatcher.utter_message(response=RESPONSES.get(latest_intent(tracker), "utter_help"))
    return events or []


class ActionRouteSmallTalk(Action):
    """Answers a question with a subject of its own from the plan (plan_question true, see `plan_question`);
    else sends nothing and the rules send the small-talk response (plan_question false)."""

    def name(self) -> str:
        return "action_route_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        events = await plan_question(dispatcher, tracker, domain)
        return [*(events or []), SlotSet("plan_question", events is not None)]
