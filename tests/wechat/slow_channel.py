"""The WeChat channel under a second name (/webhooks/wechat_slow/webhook), mounted only by the test session's
credentials with a tiny reply budget, so every answer is "slow" and goes out through the customer-service API."""
from __future__ import annotations

from bot.channels.wechat import WeChatInput


class SlowWeChatInput(WeChatInput):
    @classmethod
    def name(cls) -> str:
        return "wechat_slow"
