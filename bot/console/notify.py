"""Notices to reporters who wrote on WeChat: handed to the Rasa server's WeChat channel (POST
/webhooks/wechat/notify, operator token), which pushes them as a customer-service message when the user wrote
within WeChat's 48-hour window, or else keeps them for the user's next message.

Web-chat and other reporters need nothing here: their notices wait in complaint_notices until the web chat's
next visit or message (scripts/web.py) or a status look-up (actions/complaints/status.py).
"""
from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.complaints import store

from .auth import configured_token

log = logging.getLogger(__name__)
TIMEOUT = 15


def _post(rasa_url: str, openid: str, text: str) -> str | None:
    """The channel's answer ("push" or "queued"), or None when no Rasa server took it."""
    body = json.dumps({"openid": openid, "text": text}, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(rasa_url.rstrip("/") + "/webhooks/wechat/notify", body,
                                 {"Content-Type": "application/json",
                                  "Authorization": f"Bearer {configured_token()}"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return json.loads(resp.read().decode("utf-8")).get("via")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        log.warning("wechat notice not handed to %s: %s", rasa_url, exc)
        return None


def deliver_wechat(rasa_urls: list[str], url: str | None = None) -> int:
    """Hand every WeChat notice not yet handed on to the channel; returns how many were handed on. A notice
    that no server took stays as it is and is tried again after the next status change."""
    with Session(store.engine(url)) as session:
        waiting = session.execute(
            select(store.ComplaintNotice.id, store.ComplaintNotice.text, store.ComplaintReporter.sender_id)
            .join(store.ComplaintReporter, store.ComplaintReporter.complaint_id == store.ComplaintNotice.complaint_id)
            .where(store.ComplaintReporter.channel == "wechat", store.ComplaintNotice.delivered_at.is_(None),
                   store.ComplaintNotice.via.is_(None))
            .order_by(store.ComplaintNotice.id)).all()
    handed = 0
    for notice_id, text, openid in waiting:
        via = next((v for v in (_post(u, openid, text) for u in rasa_urls) if v), None)
        if via == "push":
            store.mark_notice(notice_id, "wechat-push", delivered=True, url=url)
        elif via == "queued":
            store.mark_notice(notice_id, "wechat-queued", delivered=False, url=url)
        else:
            continue
        handed += 1
    return handed


def describe(notice: store.ComplaintNotice) -> str:
    """How far a notice got, for the report page."""
    if notice.delivered_at is not None:
        how = {"wechat-push": "微信客服消息", "web-chat": "网页对话", "status-lookup": "市民查询进度时"}
        return f"已送达（{how.get(notice.via or '', notice.via or '')}，{notice.delivered_at:%Y-%m-%d %H:%M}）"
    if notice.via == "wechat-queued":
        return "超出微信48小时窗口：市民下次在微信留言时送达"
    return "待送达：市民下次留言、打开网页对话或查询进度时显示"
