"""Shared helpers: run knowledge calls off the event loop and send plan answers with their sources.

Every reply that answers from the plan carries a `custom` payload
{"type": "plan_answer", "confident": bool, "sources": [{"title", "text", "score"}], "kind": ...}.
An answer about exactly one 表1 indicator also carries "chart": {"name", "unit", "value_2020",
"target_2025", "target_2030"} with numbers parsed from the table's cells (null where a cell is text),
which the web page draws.
"""
from __future__ import annotations

import asyncio
import functools
import logging
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


def chart_for(indicators: Iterable[int]) -> dict | None:
    """Chart data when an answer is about exactly one 表1 row (Answer.indicators), else None.

    Blocking (it may load the index): call it through run_knowledge.
    """
    numbers = list(dict.fromkeys(indicators or ()))
    if len(numbers) != 1:
        return None
    from knowledge.index import load
    from knowledge.records import indicator_chart
    return indicator_chart(next((i for i in load().plan.indicators if i.number == numbers[0]), None))


def plan_payload(confident: bool, sources: Iterable[Any], chart: dict | None = None, **extra: Any) -> dict:
    """The custom payload describing how an answer is grounded in the plan (with "chart" when given)."""
    payload = {"type": "plan_answer", "confident": bool(confident),
               "sources": [{"title": s.title, "text": s.text, "score": float(s.score)} for s in sources],
               **extra}
    if chart is not None:
        payload["chart"] = chart
    return payload


def send_answer(dispatcher: CollectingDispatcher, text: str, confident: bool, sources: Iterable[Any],
                buttons: list[dict] | None = None, **extra: Any) -> None:
    """Send the reply text together with its plan_answer payload."""
    dispatcher.utter_message(text=text, buttons=buttons or None,
                             json_message=plan_payload(confident, sources, **extra))


async def send_result(dispatcher: CollectingDispatcher, res: Any, buttons: list[dict] | None = None,
                      **extra: Any) -> None:
    """Send a knowledge Answer: its text, sources and kind, and a chart when it is about one indicator."""
    chart = await run_knowledge(chart_for, res.indicators) if res.confident else None
    send_answer(dispatcher, res.text, res.confident, res.sources, buttons=buttons, kind=res.kind,
                chart=chart, **extra)


async def record_question(res: Any) -> None:
    """Count a plan question and log its text when the plan could not answer it (the console's insight page);
    a storage failure is logged and never reaches the citizen."""
    if res.kind == "invalid":
        return
    from .complaints import store
    try:
        await asyncio.get_running_loop().run_in_executor(None, store.record_question, res.question, not res.confident)
    except Exception:
        logging.getLogger(__name__).exception("could not record a plan question")


def latest_text(tracker) -> str:
    """The text of the user's latest message ('' for none)."""
    return (tracker.latest_message or {}).get("text") or ""


def latest_entity(tracker, name: str) -> str | None:
    """The first value of an entity in the latest message, or None."""
    return next(tracker.get_latest_entity_values(name), None)


def latest_intent(tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
