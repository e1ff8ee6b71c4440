"""The WeChat reply text (bot/channels/wechat.py: fit_reply, render), run in .venv-rasa where the channel lives."""
from __future__ import annotations

import json
import subprocess

from tests.servers import ROOT

SCRIPT = r"""
import json, sys
from bot.channels.wechat import fit_reply, render, reply_xml
from wechatpy import parse_message
cite = "（出处：《规划》表1 常州市生态文明建设指标体系）"
long = "农村生活污水治理率" * 300 + "\n" + cite
out = {
    "long": fit_reply(long),
    "short": fit_reply("短回答\n" + cite),
    "plain": fit_reply("长" * 1000),
    "render": render([{"text": "请核对"}, {"text": "确认吗", "buttons": [
        {"title": "确认提交", "payload": "/confirm_complaint"}, {"title": "取消", "payload": "/cancel"}]},
        {"custom": {"type": "plan_answer"}}]),
}
asked = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
                      "<MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>")
out["echo"] = parse_message(reply_xml("地点：河边]]><b>排污口</b>", asked)).content
print(json.dumps(out, ensure_ascii=False))
"""


def run() -> dict:
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_reply_text():
    out = run()
    cite = "（出处：《规划》表1 常州市生态文明建设指标体系）"
    assert len(out["long"].encode("utf-8")) <= 2048 and out["long"].endswith("……\n" + cite)
    assert out["short"] == "短回答\n" + cite                                  # short answers are untouched
    assert len(out["plain"].encode("utf-8")) <= 2048 and out["plain"].endswith("……")
    text, payloads = out["render"]
    assert text == "请核对\n确认吗\n1. 确认提交\n2. 取消\n（回复序号即可选择）"
    assert payloads == ["/confirm_complaint", "/cancel"]


def test_a_reply_echoing_a_cdata_end_is_still_well_formed_xml():
    assert run()["echo"] == "地点：河边]]><b>排污口</b>"
