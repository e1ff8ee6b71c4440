"""Load the index and the embedding model when the action server starts, in a background thread.

Started by the action server's after_server_start listener (rasa_sdk_plugins/, rasa_sdk's plugin hook),
never at import: the server answers /health at once, and the first citizen does not wait for the model.
A question that arrives while the warm-up runs waits for it on the knowledge lock (actions/payload.py).
"""
from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
LOG_LINE = "knowledge base warmed up"
QUESTION = "蓝藻怎么治理"          # a plan question that goes through retrieval: index, jieba and the model


def warm_up() -> None:
    """Answer one plan question under the knowledge lock (loads everything the first answer needs)."""
    from knowledge.answer import answer

    from .payload import _locked
    start = time.monotonic()
    try:
        _locked(answer, QUESTION)
    except Exception:                     # a broken index shows in the log; requests then report it themselves
        log.exception("knowledge warm-up failed")
        return
    log.info("%s in %.1f s", LOG_LINE, time.monotonic() - start)


async def start_warm_up(app, *_args) -> None:
    """Sanic listener: start warm_up in a daemon thread and return at once. The Sanic worker process has no
    log handler of its own (rasa_sdk configures the main process), so its outcome is logged to stderr."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    threading.Thread(target=warm_up, name="knowledge-warm-up", daemon=True).start()
