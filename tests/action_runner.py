"""Run a Rasa SDK action the way the action server does: a real Tracker and CollectingDispatcher."""
from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(text: str, intent: str, entities=(), slots: dict | None = None, requested: str | None = None,
                 active: str | None = None) -> Tracker:
    """A tracker whose latest message is `text`, with every domain slot (None unless given)."""
    all_slots = {s: None for s in DOMAIN["slots"]}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested
    msg = {"text": text, "intent": {"name": intent, "confidence": 1.0},
           "entities": [{"entity": e, "value": v} for e, v in entities]}
    return Tracker("test", all_slots, msg, [], False, None, {"name": active} if active else {}, "action_listen")


def run_on(action, tracker: Tracker) -> tuple[dict, list[dict]]:
    """Run `action` on `tracker`; return (slots it set, messages it sent)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def run_action(action, text: str, intent: str, entities=(), **slots) -> tuple[list[dict], list[dict]]:
    """Run `action` on a tracker whose latest message is `text`; return (messages sent, events)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, make_tracker(text, intent, entities, slots), DOMAIN))
    return dispatcher.messages, events


def nlu_examples(intent: str) -> list[str]:
    """The training examples of `intent` in bot/data/nlu/ (entity markup left as written)."""
    root = Path(__file__).resolve().parents[1] / "bot" / "data" / "nlu"
    return [line.strip()[2:] for f in sorted(root.glob("*.yml"))
            for item in yaml.safe_load(f.read_text(encoding="utf-8"))["nlu"] if item.get("intent") == intent
            for line in item["examples"].splitlines() if line.strip()]
