"""Two WeChat channel replicas (two WeChatInput objects, each with its own in-process turns) sharing one
Redis, run in .venv-rasa by tests/channels/test_shared_state.py. A stand-in agent (0.5 s per answer, counts its
calls) takes the place of Rasa's, which needs a second server: the two-replica stack tests cover that."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from wechatpy import parse_message


def xml(openid: str, content: str, msg_id: int) -> str:
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


async def run() -> dict:
    from bot.channels.wechat import WeChatInput

    calls: list[str] = []

    async def agent(message) -> None:
        calls.append(message.text)
        await asyncio.sleep(0.5)
        await message.output_channel.send_response(message.sender_id, {
            "text": f"答：{message.text}", "buttons": [{"title": "确认提交", "payload": "/confirm_complaint"}]})

    a, b = WeChatInput(token="t", reply_budget=3), WeChatInput(token="t", reply_budget=3)
    openid, msg_id = f"o-{os.getpid()}", int(time.time() * 1000)
    msg = parse_message(xml(openid, "问题", msg_id))

    async def ask(replica, delay: float, message=msg, text: str = "问题"):
        await asyncio.sleep(delay)
        return await replica._answer(agent, message, text, time.monotonic())

    # WeChat's first attempt on A, its retry on B while A is still answering, a late retry on B
    first, retry = await asyncio.gather(ask(a, 0), ask(b, 0.2))
    late = await ask(b, 0)
    # the user answers "1" on replica B: the button A rendered
    pick, _ = await b._bot_text(parse_message(xml(openid, "1", msg_id + 1)))
    return {"calls": calls, "answers": [first, retry, late], "pick": pick}


if __name__ == "__main__":
    os.environ["REDIS_URL"] = sys.argv[1]
    print(json.dumps(asyncio.run(run()), ensure_ascii=False))
