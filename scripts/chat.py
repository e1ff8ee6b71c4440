"""A terminal chat with the running assistant through its REST webhook (used by `make run`)."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
import uuid

URL = os.environ.get("RASA_URL", "http://localhost:5005") + "/webhooks/rest/webhook"


def send(sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    req = urllib.request.Request(URL, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def show(messages: list[dict]) -> None:
    for m in messages:
        if m.get("text"):
            print(f"助手：{m['text']}")
        for b in m.get("buttons") or []:
            print(f"   [{b.get('title')}]")
        custom = m.get("custom") or {}
        for s in (custom.get("sources") or [])[:3]:
            print(f"   出处：{s.get('title')}")


def main() -> int:
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print(f"已连接 {URL}。输入问题开始对话，Ctrl-C 或 Ctrl-D 退出。")
    show(send(sender, "你好"))
    while True:
        try:
            text = input("\n您：")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        try:
            show(send(sender, text))
        except (urllib.error.URLError, TimeoutError) as exc:
            print(f"（连接助手失败：{exc}）")


if __name__ == "__main__":
    sys.exit(main())
