"""The checks every shared-state backend must pass (bot/channels/shared.py). Standard library only, so they
run in .venv on the memory backend and in .venv-rasa (which has redis) on a real Redis server."""
from __future__ import annotations

import asyncio
import json
import sys
import uuid


async def check(state) -> None:
    ns = f"test:{uuid.uuid4().hex[:8]}:"
    # claim: the first caller only, until the TTL runs out
    assert await state.claim(ns + "msg", ttl=0.3) is True
    assert await state.claim(ns + "msg", ttl=0.3) is False
    assert await state.claim(ns + "other", ttl=0.3) is True
    await asyncio.sleep(0.4)
    assert await state.claim(ns + "msg", ttl=0.3) is True
    # JSON values with a TTL
    assert await state.get_json(ns + "answer") is None
    await state.set_json(ns + "answer", {"text": "农村生活污水治理率 25.6%", "via": None}, ttl=0.3)
    assert await state.get_json(ns + "answer") == {"text": "农村生活污水治理率 25.6%", "via": None}
    await state.set_json(ns + "buttons", ["/confirm_complaint", "/cancel"], ttl=5)
    assert await state.get_json(ns + "buttons") == ["/confirm_complaint", "/cancel"]
    await asyncio.sleep(0.4)
    assert await state.get_json(ns + "answer") is None
    # a counter per key in a fixed window
    hits = [await state.hit(ns + "rate:alice", window=0.5) for _ in range(4)]
    assert [n for n, _ in hits] == [1, 2, 3, 4]
    assert all(0 < left <= 0.5 for _, left in hits)
    assert (await state.hit(ns + "rate:bob", window=0.5))[0] == 1       # another sender has its own count
    await asyncio.sleep(0.6)
    assert (await state.hit(ns + "rate:alice", window=0.5))[0] == 1     # a new window


def main(url: str) -> None:
    """Run the checks on RedisState(url) and print what the backend logged (for the calling test)."""
    import logging

    from bot.channels.shared import RedisState

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda r: records.append(r.getMessage())
    logging.getLogger("bot.channels.shared").addHandler(handler)
    asyncio.run(check(RedisState(url)))
    print(json.dumps({"logged": records}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
