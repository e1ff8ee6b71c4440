"""The action server loads the index and the embedding model when it starts, before any question
(actions/warmup.py through rasa_sdk_plugins/), and answers /health meanwhile."""
from __future__ import annotations

import time

import requests

from actions.warmup import LOG_LINE
from tests.conversation import say, texts


def test_the_action_server_warms_up_at_start_without_a_question(stack):
    log = stack.tmp / "actions.log"
    before = log.read_text(errors="replace").count(LOG_LINE)
    stack.restart_actions()                                   # /health answers: the server is up
    assert requests.get(f"http://127.0.0.1:{stack.action_port}/health", timeout=10).ok
    deadline = time.monotonic() + 300                         # a wait for the log line, not a timing check
    while log.read_text(errors="replace").count(LOG_LINE) == before and time.monotonic() < deadline:
        time.sleep(1)
    assert log.read_text(errors="replace").count(LOG_LINE) == before + 1, log.read_text()[-2000:]
    assert "25.6" in texts(say(stack.base, "after-warm-up", "农村生活污水治理率现在多少"))
