"""What every channel checks before the agent sees a message: a length cap and a per-sender rate limit.

`MessageGuard.wrap(on_new_message)` is used by the REST and WeChat channels. A refused message gets a polite
Chinese reply through the message's own output channel (so REST answers 200 with the usual list of bot
messages) and never reaches the agent, so nothing of it enters the tracker. Environment:
  MAX_MESSAGE_CHARS    longest message passed on, in characters (default 1000)
  RATE_LIMIT_MESSAGES  messages per sender per window (default 30)
  RATE_LIMIT_WINDOW    the window in seconds (default 60)
The counter lives in bot/channels/shared.py, so it is shared by every Rasa replica when REDIS_URL is set.
"""
from __future__ import annotations

import math
import os
from collections.abc import Awaitable, Callable
from typing import Any

from .shared import SharedState, shared_state


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def wait_text(seconds: float) -> str:
    """A rounded-up wait in Chinese: '45秒', '2分钟'."""
    s = max(1, math.ceil(seconds))
    return f"{s}秒" if s < 90 else f"{math.ceil(s / 60)}分钟"


def too_long(length: int, limit: int) -> str:
    return (f"您的消息有{length}个字，超过了{limit}字的上限，助手没有处理。"
            f"请把内容分成几条较短的消息（每条不超过{limit}字）分别发送。")


def too_fast(wait: float) -> str:
    return f"您发消息有点快，助手需要歇一歇。请稍等大约{wait_text(wait)}后再发，谢谢理解。"


class MessageGuard:
    """The length cap and rate limit (settings from the environment unless given)."""

    def __init__(self, max_chars: int | None = None, limit: int | None = None, window: float | None = None,
                 state: SharedState | None = None):
        self.max_chars = max_chars if max_chars is not None else int(_env_number("MAX_MESSAGE_CHARS", 1000))
        self.limit = limit if limit is not None else int(_env_number("RATE_LIMIT_MESSAGES", 30))
        self.window = window if window is not None else _env_number("RATE_LIMIT_WINDOW", 60)
        self.state = state if state is not None else shared_state()

    async def refusal(self, sender: str, text: str | None) -> str | None:
        """The reply for a message that must not reach the agent, or None to pass it on."""
        count, reset = await self.state.hit(f"eco:rate:{sender}", self.window)
        if count > self.limit:
            return too_fast(reset)
        if text and len(text) > self.max_chars:
            return too_long(len(text), self.max_chars)
        return None

    def wrap(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
        """`on_new_message` behind the guard: refused messages are answered here instead."""

        async def guarded(message: Any) -> Any:
            reply = await self.refusal(str(message.sender_id), message.text)
            if reply is None:
                return await on_new_message(message)
            await message.output_channel.send_text_message(message.sender_id, reply)
            return None

        return guarded
