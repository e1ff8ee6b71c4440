"""Shared channel state (bot/channels/shared.py): the memory backend here, the Redis backend in .venv-rasa
against a throwaway redis-server on a free loopback port, and Redis down → memory with one warning."""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time

import pytest

from bot.channels.shared import MemoryState, shared_state
from tests.channels.shared_checks import check
from tests.servers import ROOT, free_port


def in_rasa_venv(url: str) -> dict:
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-m", "tests.channels.shared_checks", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder), "--requirepass", "s3cret"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "-a", "s3cret", "--no-auth-warning", "ping"],
                             capture_output=True, text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline and proc.poll() is None, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://:s3cret@127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_memory_backend():
    asyncio.run(check(MemoryState()))


def test_memory_backend_stays_bounded():
    state = MemoryState(maxsize=100)

    async def fill():
        for i in range(1000):
            await state.hit(f"rate:{i}", window=60)
        return await state.hit("rate:999", window=60)

    assert asyncio.run(fill())[0] == 2                 # the newest keys survive
    assert len(state._data) <= 100


def test_memory_is_the_default_and_one_per_process(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(shared_state(), MemoryState) and shared_state() is shared_state()


def test_redis_backend(redis_url):
    assert in_rasa_venv(redis_url)["logged"] == []


def test_redis_down_falls_back_to_memory_with_one_warning():
    logged = in_rasa_venv(f"redis://:s3cret@127.0.0.1:{free_port()}/0")["logged"]   # nothing listens there
    assert len(logged) == 1 and "unreachable" in logged[0] and "s3cret" not in logged[0], logged


def test_wechat_retry_on_another_replica_never_runs_the_dialogue_twice(redis_url):
    done = subprocess.run([str(ROOT / ".venv-rasa/bin/python"), "-m", "tests.channels.replica_checks", redis_url],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["calls"] == ["问题"]                                    # one dialogue for three attempts
    answers = [a for a in out["answers"] if a is not None]
    assert answers and set(answers) == {"答：问题\n1. 确认提交\n（回复序号即可选择）"}, out["answers"]
    assert out["answers"][2] is not None                              # a retry after the answer repeats it
    assert out["pick"] == "/confirm_complaint"                        # buttons remembered across replicas
