"""REST channel that rejects malformed requests with 400 instead of an internal server error.

Same URL and payloads as Rasa's built-in `rest` channel (POST /webhooks/rest/webhook with
{"sender": str, "message": str}); the input checks and the message guard (length cap, per-sender rate
limit: bot/channels/guard.py, answered with 200 and a bot message) are added. Named in credentials.yml.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot import rasa_patches

from .guard import MessageGuard

rasa_patches.install()          # mounted by every credentials file, so the Rasa server always gets it

USAGE = 'POST a JSON object {"sender": "<user id>", "message": "<text>"}.'


def _body(req: Request) -> dict[str, Any]:
    try:
        body = req.json
    except Exception as exc:                          # sanic raises on a body that is not JSON
        raise InvalidUsage(f"The body is not valid JSON. {USAGE}") from exc
    if not isinstance(body, dict):
        raise InvalidUsage(f"The body must be a JSON object. {USAGE}")
    return body


class ValidatingRestInput(RestInput):
    """Rasa's REST input with 400 answers for bodies that are not {"sender": str, "message": str}, and the
    message guard in front of the agent."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(MessageGuard().wrap(on_new_message))

    async def _extract_sender(self, req: Request) -> str | None:
        sender = _body(req).get("sender")
        if not isinstance(sender, (str, int)) or str(sender).strip() == "":
            raise InvalidUsage(f'"sender" is missing or not a string. {USAGE}')
        return str(sender)

    def _extract_message(self, req: Request) -> str | None:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage(f'"message" is missing or not a string. {USAGE}')
        return message

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = _body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None
