"""Run a Rasa SDK action the way the action server does: a real Tracker and CollectingDispatcher."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def run_action(action, text: str, intent: str, entities=(), **slots) -> tuple[list[dict], list[dict]]:
    """Run `action` on a tracker whose latest message is `text`; return (messages sent, events)."""
    msg = {"text": text, "intent": {"name": intent, "confidence": 1.0},
           "entities": [{"entity": e, "value": v} for e, v in entities]}
    tracker = Tracker("test", dict(slots), msg, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events
