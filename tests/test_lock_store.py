"""bot/lock_store.py against the session's real Redis, in the Rasa environment (.venv-rasa, a subprocess): many
threads taking tickets for one conversation at once each get their own ticket (Rasa's own RedisLockStore, a
GET-then-SET, handed out the same ticket several times here: 43–55 distinct of 200), and once every ticket is
finished the lock is gone."""
from __future__ import annotations

import json
import subprocess

from tests.servers import ROOT

SCRIPT = r"""
import json, sys, threading
from rasa.utils.endpoints import EndpointConfig
from bot.lock_store import AtomicRedisLockStore
host, port, password = sys.argv[1:4]
store = AtomicRedisLockStore(EndpointConfig(url=host, port=port, password=password, db=1))
tickets = []
def take():
    for _ in range(25):
        tickets.append(store.issue_ticket("conversation-1"))
threads = [threading.Thread(target=take) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
waiting = len(store.get_lock("conversation-1").tickets)
for n in tickets:
    store.cleanup("conversation-1", n)
print(json.dumps({"tickets": tickets, "waiting": waiting, "left": store.get_lock("conversation-1") is not None}))
"""


def test_tickets_taken_at_once_are_distinct_and_the_lock_goes_when_all_are_done(services):
    s = services.settings
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-c", SCRIPT, s["REDIS_HOST"], s["REDIS_PORT"],
                           s["REDIS_PASSWORD"]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert sorted(out["tickets"]) == list(range(200)) and out["waiting"] == 200
    assert out["left"] is False
