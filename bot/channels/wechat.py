"""WeChat Official Account (公众号) input channel: GET/POST /webhooks/wechat/webhook.

Named in credentials.wechat.yml (used instead of credentials.yml when WECHAT_TOKEN is set):

    bot.channels.wechat.WeChatInput:
      token: ${WECHAT_TOKEN}          # the server token set in the WeChat admin console
      appid: ${WECHAT_APPID}
      appsecret: ${WECHAT_APPSECRET}  # only needed to push late answers (customer-service API)
      aes_key: ${WECHAT_AES_KEY}      # 43-char EncodingAESKey; empty = plaintext mode only

WECHAT_API_BASE (default https://api.weixin.qq.com) and WECHAT_REPLY_BUDGET (seconds, default 4.5) are read
from the environment (or the same-named lower-case keys `api_base`, `reply_budget`).

WeChat waits 5 s for a passive reply and retries the same MsgId up to 3 times. The dialogue runs in a
background task: when it finishes within the budget the answer is the passive XML reply; otherwise the
request gets `success` and the answer is pushed through the customer-service message API when ready.
Every message passes the guard of bot/channels/guard.py first (length cap, per-sender rate limit).

A retry never runs the dialogue twice. On the replica that runs it, the retry waits on the same task (kept
in this process's ExpiringMap). Across replicas the shared state of bot/channels/shared.py (Redis when
REDIS_URL is set, else this process's memory) holds, per MsgId: a claim on the turn (SET NX; only the
claimant runs the dialogue), its answer once ready, and a claim on its delivery, so a retry that lands on
another replica waits within the reply budget for the answer there, replies with the same text (unless it
is being pushed) or `success`, and a late answer is never both replied and pushed. The numbered-button
memory (the user replies "1", "2") is kept in the shared state too.

POST /webhooks/wechat/notify (header `Authorization: Bearer <OPERATOR_TOKEN>`, body {"openid", "text"}) is how
the operator console tells a reporter that their report moved: pushed through the customer-service API when the
user wrote within WeChat's 48-hour window (the time of each user's last message is kept in the shared state), else
kept there (30 days) and put before the answer to the user's next message. Answer: {"via": "push" | "queued"}.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from .guard import MessageGuard
from .shared import ExpiringMap, shared_state

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024                 # bytes of XML accepted
REPLY_LIMIT = 2048                   # bytes (UTF-8) of a passive text reply / customer-service text
SEEN_TTL = 600.0                     # seconds a MsgId is remembered (WeChat retries within ~15 s)
SEEN_MAX = 10_000                    # MsgIds whose dialogue task this process remembers at most
BUTTONS_TTL = 24 * 3600.0            # seconds a user's last numbered buttons are remembered (to answer "1", "2")
PUSH_WINDOW = 48 * 3600.0            # WeChat accepts customer-service messages this long after the user's last message
NOTICE_TTL = 30 * 24 * 3600.0        # seconds a notice waits for the user's next message
POLL = 0.1                           # seconds between looks for an answer another replica is producing
DEFAULT_API_BASE = "https://api.weixin.qq.com"
USED_FIELDS = ("source", "target", "id", "create_time", "content", "event", "label", "location_x", "location_y",
               "image")                 # the message fields the channel reads (check_fields)

ONLY_TEXT = "抱歉，目前只能处理文字消息（也可以发送位置或图片用于举报）。请直接输入您的问题，例如“农村生活污水治理率现在多少”。"
FAILED = "抱歉，助手暂时出了点问题，请稍后再试。"
WELCOME_TEXT = "你好"                # sent through the bot on `subscribe`: greeting + help menu
ELLIPSIS = "……"
CITATION = "（出处："


def _trim_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes (never splits a character)."""
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", errors="ignore")


def fit_reply(text: str, limit: int = REPLY_LIMIT) -> str:
    """`text` cut to `limit` UTF-8 bytes; the last citation line ("（出处：…）") is kept at the end."""
    if len(text.encode("utf-8")) <= limit:
        return text
    start = text.rfind(CITATION)
    citation = ""
    if start >= 0:
        end = text.find("）", start)
        citation = text[start:end + 1] if end >= 0 else text[start:]
        citation = _trim_bytes(citation, limit // 2)
        body = text[:start].rstrip()
    else:
        body = text
    tail = ELLIPSIS + ("\n" + citation if citation else "")
    return _trim_bytes(body, limit - len(tail.encode("utf-8"))).rstrip() + tail


def reply_xml(text: str, msg: Any) -> str:
    """The passive XML reply to `msg` carrying `text` (fitted to REPLY_LIMIT). wechatpy puts the text in one CDATA
    section, which a "]]>" in the text (a citizen's words echoed back) would end early: it is split across two."""
    return create_reply(fit_reply(text).replace("]]>", "]]]]><![CDATA[>"), msg).render()


def render(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The bot's messages as one WeChat text, and the payloads of the buttons it numbered (in order)."""
    parts: list[str] = []
    payloads: list[str] = []
    for m in messages:
        if m.get("text"):
            parts.append(str(m["text"]))
        if m.get("image"):
            parts.append(str(m["image"]))
        buttons = [b for b in m.get("buttons") or [] if isinstance(b, dict) and b.get("title")]
        if buttons:
            lines = []
            for b in buttons:
                payloads.append(str(b.get("payload") or b["title"]))
                lines.append(f"{len(payloads)}. {b['title']}")
            parts.append("\n".join(lines) + "\n（回复序号即可选择）")
    return "\n".join(parts).strip(), payloads


def check_fields(msg: Any) -> None:
    """Raise ValueError for a parsed message without a FromUserName or with a field of the wrong shape.

    wechatpy converts fields lazily (MsgId and CreateTime with int() / a timestamp on first access) and hands
    repeated or nested elements back as lists and dicts; reading the fields this channel uses once, inside
    receive's `try`, makes such a message a 400 instead of an exception (a 500) further on. Found by tests/fuzz."""
    if msg is None or not isinstance(msg.source, str) or not msg.source:
        raise ValueError("no FromUserName")
    for name in USED_FIELDS:
        value = getattr(msg, name, None)            # ValueError / OverflowError for a bad number or time
        if isinstance(value, (dict, list)):
            raise ValueError(f"{name} is not a single value")


@dataclass
class Turn:
    """One WeChat message (by MsgId) and its dialogue task. `via` is how the answer went out: None (not
    yet), "reply" (passive XML; repeated for a retry) or "push" (customer-service API; retries get `success`)."""
    task: asyncio.Task                   # the answer, or None when another replica runs the dialogue
    via: str | None = None
    push_scheduled: bool = False
    created: float = field(default_factory=time.monotonic)


class WeChatInput(InputChannel):
    """WeChat Official Account channel (plaintext and safe/AES mode), see the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        c = credentials or {}
        return cls(token=str(c.get("token") or ""), appid=str(c.get("appid") or ""),
                   appsecret=str(c.get("appsecret") or ""), aes_key=str(c.get("aes_key") or ""),
                   api_base=str(c.get("api_base") or os.environ.get("WECHAT_API_BASE") or DEFAULT_API_BASE),
                   reply_budget=float(c.get("reply_budget") or os.environ.get("WECHAT_REPLY_BUDGET") or 4.5))

    def __init__(self, token: str, appid: str = "", appsecret: str = "", aes_key: str = "",
                 api_base: str = DEFAULT_API_BASE, reply_budget: float = 4.5):
        if not token:
            raise ValueError("the wechat channel needs a token (WECHAT_TOKEN)")
        self.token, self.appid, self.appsecret = token, appid, appsecret
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None
        self.api_base = api_base.rstrip("/")
        self.reply_budget = reply_budget
        self.turns = ExpiringMap(SEEN_MAX)            # MsgId → Turn, in this process
        self.state = shared_state()
        self._access_token: tuple[str, float] | None = None      # (token, monotonic expiry)
        self._token_lock: asyncio.Lock | None = None
        self._background: set[asyncio.Task] = set()

    # --- the dialogue -------------------------------------------------------------------------------------

    def _key(self, kind: str, key: str) -> str:
        return f"eco:{self.name()}:{kind}:{key}"

    async def _bot_text(self, msg: Any) -> tuple[str | None, str | None]:
        """(text for the bot, direct reply) for a parsed message; both None = acknowledge with `success`."""
        kind = msg.type
        if kind == "text":
            text = (msg.content or "").strip()
            if re.fullmatch(r"\d{1,2}", text):                  # a number answers the last numbered buttons
                payloads = await self.state.get_json(self._key("buttons", msg.source)) or []
                if 1 <= int(text) <= len(payloads):
                    return payloads[int(text) - 1], None
            return (text, None) if text else (None, ONLY_TEXT)
        if kind == "location":
            label = (msg.label or "").strip() or "位置"
            return f"地点：{label}（{msg.location_x},{msg.location_y}）", None
        if kind == "image":
            return f"[图片] {msg.image}", None
        if kind == "event":
            if msg.event == "subscribe" or msg.event == "subscribe_scan":
                return WELCOME_TEXT, None
            return None, None                                   # unsubscribe, menu clicks, ...: nothing to say
        return None, ONLY_TEXT                                  # voice, video, link, ...

    async def _dialogue(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], sender: str,
                        text: str, metadata: dict[str, Any], key: str) -> str:
        """Run the bot on one message; its answer is also stored in the shared state for other replicas."""
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            reply, payloads = render(collector.messages)
            await self.state.set_json(self._key("buttons", sender), payloads, BUTTONS_TTL)
            notices = await self.state.get_json(self._key("notices", sender))
            if notices:                                           # news about the user's reports comes first
                await self.state.set_json(self._key("notices", sender), [], 1.0)
                reply = "\n\n".join([*notices, reply]).strip()
        except Exception:                                        # the citizen still gets an answer
            logger.exception("wechat: the dialogue failed for %s", sender)
            reply = FAILED
        await self.state.set_json(self._key("answer", key), {"text": reply, "via": None}, SEEN_TTL)
        return reply

    def _turn(self, key: str, start: Callable[[], Awaitable[str]]) -> tuple[Turn, bool]:
        """The turn for a MsgId, started now if it is new; second value True when it is a retry."""
        turn = self.turns.get(key)
        if turn is not None:
            return turn, True
        turn = Turn(asyncio.ensure_future(self._run_once(key, start)))
        self.turns.set(key, turn, SEEN_TTL)
        return turn, False

    async def _run_once(self, key: str, start: Callable[[], Awaitable[str]]) -> str | None:
        """The dialogue's answer if this replica claims the MsgId; None when another replica runs it."""
        if not await self.state.claim(self._key("turn", key), SEEN_TTL):
            return None
        return await start()

    async def _deliver(self, key: str) -> bool:
        """Claim the one delivery (passive reply or push) of a MsgId's answer; False if it is already taken."""
        return await self.state.claim(self._key("sent", key), SEEN_TTL)

    async def _answer_elsewhere(self, key: str, left: float) -> str | None:
        """The answer of a MsgId another replica runs, if it is ready within `left` seconds and is not pushed."""
        deadline = time.monotonic() + max(left, 0.01)
        while True:
            record = await self.state.get_json(self._key("answer", key))
            if record is not None:
                text = str(record.get("text") or "")
                if record.get("via") == "reply":                 # already replied once: repeat it
                    return text
                if await self._deliver(key):
                    await self.state.set_json(self._key("answer", key), {"text": text, "via": "reply"}, SEEN_TTL)
                    return text
                return None                                      # the other replica pushes it
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(POLL)

    def _schedule_push(self, turn: Turn, openid: str, key: str) -> None:
        if turn.push_scheduled:
            return
        turn.push_scheduled = True

        async def push() -> None:
            text = await turn.task
            if turn.via is None and text:
                turn.via = "push"
                if not await self._deliver(key):               # another replica replied with it
                    return
                try:
                    await self.send_custom_text(openid, text)
                except Exception:
                    logger.exception("wechat: pushing a late answer to %s failed", openid)

        task = asyncio.ensure_future(push())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --- the customer-service API ---------------------------------------------------------------------------

    async def access_token(self, session: aiohttp.ClientSession, refresh: bool = False) -> str:
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:
            if not refresh and self._access_token and time.monotonic() < self._access_token[1]:
                return self._access_token[0]
            params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.appsecret}
            async with session.get(f"{self.api_base}/cgi-bin/token", params=params) as r:
                data = await r.json(content_type=None)
            if not data.get("access_token"):
                raise RuntimeError(f"no access_token from WeChat: {data}")
            ttl = float(data.get("expires_in") or 7200)
            self._access_token = (data["access_token"], time.monotonic() + max(ttl - 300, ttl / 2))
            return data["access_token"]

    async def send_custom_text(self, openid: str, text: str) -> None:
        """Push `text` to `openid` through {api_base}/cgi-bin/message/custom/send (token refreshed once if stale)."""
        body = json.dumps({"touser": openid, "msgtype": "text", "text": {"content": fit_reply(text)}},
                          ensure_ascii=False).encode("utf-8")       # WeChat shows \\uXXXX escapes literally
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for attempt in range(2):
                token = await self.access_token(session, refresh=attempt > 0)
                async with session.post(f"{self.api_base}/cgi-bin/message/custom/send",
                                        params={"access_token": token}, data=body,
                                        headers={"Content-Type": "application/json; charset=utf-8"}) as r:
                    data = await r.json(content_type=None)
                code = data.get("errcode", 0)
                if code == 0:
                    return
                if code not in (40001, 40014, 42001):               # not a stale token: give up
                    break
            raise RuntimeError(f"customer-service send failed: {data}")

    async def notify(self, openid: str, text: str) -> str:
        """Push `text` to `openid` inside WeChat's 48-hour window ("push"), else keep it for their next message
        ("queued")."""
        if await self.state.get_json(self._key("last_message", openid)) is not None:
            try:
                await self.send_custom_text(openid, text)
                return "push"
            except Exception:
                logger.exception("wechat: pushing a notice to %s failed; it waits for their next message", openid)
        waiting = await self.state.get_json(self._key("notices", openid)) or []
        await self.state.set_json(self._key("notices", openid), [*waiting, text], NOTICE_TTL)
        return "queued"

    # --- HTTP ------------------------------------------------------------------------------------------------

    def _signed(self, request: Request) -> bool:
        args = request.args
        try:
            check_signature(self.token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))
            return True
        except InvalidSignatureException:
            return False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint(f"{self.name()}_webhook", __name__)
        on_new_message = MessageGuard(state=self.state).wrap(on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self._signed(request):
                return response.text("invalid signature", status=403)
            return response.text(request.args.get("echostr", ""))

        @bp.route("/notify", methods=["POST"])
        async def notify(request: Request) -> HTTPResponse:
            expected = os.environ.get("OPERATOR_TOKEN", "")
            scheme, _, presented = request.headers.get("authorization", "").partition(" ")
            if not expected or scheme != "Bearer" or not hmac.compare_digest(presented.encode(), expected.encode()):
                return response.json({"error": "operator token missing or wrong"}, status=403)
            try:
                body = json.loads(request.body or b"")
                openid, text = body["openid"], body["text"]
                if not (isinstance(openid, str) and openid and isinstance(text, str) and text):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return response.json({"error": 'expected {"openid": str, "text": str}'}, status=400)
            return response.json({"via": await self.notify(openid, text)})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            arrived = time.monotonic()
            if not self._signed(request):
                return response.text("invalid signature", status=403)
            body = request.body or b""
            if len(body) > MAX_BODY:
                return response.text("message too large", status=400)
            if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
                return response.text("DTDs are not accepted", status=400)
            encrypted = request.args.get("encrypt_type", "raw") == "aes"
            try:
                xml = body.decode("utf-8")
                if encrypted:
                    if self.crypto is None:
                        return response.text("safe mode is not configured (WECHAT_AES_KEY)", status=400)
                    xml = self.crypto.decrypt_message(xml, request.args.get("msg_signature", ""),
                                                      request.args.get("timestamp", ""),
                                                      request.args.get("nonce", ""))
                msg = parse_message(xml)
                check_fields(msg)
            except InvalidSignatureException:
                return response.text("invalid signature", status=403)
            except Exception as exc:                                # malformed XML, bad ciphertext, ...
                logger.info("wechat: rejected a message: %r", exc)
                return response.text("malformed message", status=400)

            await self.state.set_json(self._key("last_message", msg.source), time.time(), PUSH_WINDOW)
            text, direct = await self._bot_text(msg)
            if text is None:
                answer = direct
            else:
                answer = await self._answer(on_new_message, msg, text, arrived)
            if not answer:
                return response.text("success")
            xml_reply = reply_xml(answer, msg)
            if encrypted and self.crypto is not None:
                xml_reply = self.crypto.encrypt_message(xml_reply, request.args.get("nonce", ""), int(time.time()))
            return response.text(xml_reply, content_type="application/xml; charset=utf-8")

        return bp

    async def _answer(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], msg: Any, text: str,
                      arrived: float) -> str | None:
        """The passive reply to a message for the bot, or None (`success`: pushed later, or by another replica)."""
        # WeChat dedupes events by FromUserName + CreateTime (they have no MsgId)
        key = str(msg.id) if msg.id else f"{msg.source}:{msg.create_time}:{msg.type}"
        metadata = {"wechat": {"msg_type": msg.type, "msg_id": str(msg.id or ""), "to": msg.target}}
        turn, retry = self._turn(key, lambda: self._dialogue(on_new_message, msg.source, text, metadata, key))
        if retry and turn.via == "push":
            return None
        if retry and turn.push_scheduled and not turn.task.done():
            return None                                          # an earlier attempt gave up: it is pushed
        left = self.reply_budget - (time.monotonic() - arrived)
        try:
            answer = await asyncio.wait_for(asyncio.shield(turn.task), timeout=max(left, 0.01))
        except asyncio.TimeoutError:
            self._schedule_push(turn, msg.source, key)
            return None
        if answer is None:                                       # another replica runs this MsgId
            return await self._answer_elsewhere(key, self.reply_budget - (time.monotonic() - arrived))
        if turn.via == "push":
            return None
        if turn.via is None:
            turn.via = "reply"                                   # set before awaiting: local retries repeat it
            if not await self._deliver(key):
                return None                                      # another replica already answered this MsgId
            await self.state.set_json(self._key("answer", key), {"text": answer, "via": "reply"}, SEEN_TTL)
        return answer
