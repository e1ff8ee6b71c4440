"""Shared helpers: run knowledge calls off the event loop and send plan answers with their sources.

Every reply that answers from the plan carries a `custom` payload
{"type": "plan_answer", "confident": bool, "sources": [{"title", "text", "score"}]}.
"""
from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Iterable
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

_LOCK = threading.Lock()        # one knowledge call at a time: the first one loads the index and model


def _locked(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    with _LOCK:
        return fn(*args, **kwargs)


async def run_knowledge(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking knowledge call in a worker thread so the action server stays responsive."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(_locked, fn, *args, **kwargs))


def plan_payload(confident: bool, sources: Iterable[Any], **extra: Any) -> dict:
    """The custom payload describing how an answer is grounded in the plan."""
    return {"type": "plan_answer", "confident": bool(confident),
            "sources": [{"title": s.title, "text": s.text, "score": float(s.score)} for s in sources],
            **extra}


def send_answer(dispatcher: CollectingDispatcher, text: str, confident: bool, sources: Iterable[Any],
                buttons: list[dict] | None = None, **extra: Any) -> None:
    """Send the reply text together with its plan_answer payload."""
    dispatcher.utter_message(text=text, buttons=buttons or None,
                             json_message=plan_payload(confident, sources, **extra))


def latest_text(tracker) -> str:
    """The text of the user's latest message ('' for none)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_entity(tracker, name: str) -> str | None:
    """The first value of an entity in the latest message, or None."""
    return next(tracker.get_latest_entity_values(name), None)


def latest_intent(tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
