"""Channel state shared by every Rasa replica: in-process memory by default, Redis when REDIS_URL is set.

    state = shared_state()                      # one per process (and per REDIS_URL)
    await state.claim("wechat:msg:123", ttl=600)   # True for the first caller only (SET NX EX)
    await state.set_json("k", {"a": 1}, ttl=60); await state.get_json("k")
    await state.hit("rate:alice", window=60)       # (hits in the current window, seconds until it resets)

REDIS_URL is redis://[:password@]host:port/db (redis.asyncio, imported only then). If Redis cannot be reached,
every operation falls back to this process's memory and one warning is logged until Redis answers again:
the chat keeps working, with per-replica dedupe and rate limits meanwhile. Standard library otherwise.
"""
from __future__ import annotations

import json
import logging
import os
import time
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

MEMORY_MAX = 100_000          # keys kept in memory at most (oldest expiry dropped first)
REDIS_TIMEOUT = 0.5           # seconds for a Redis connect / command before falling back to memory
RETRY_AFTER = 5.0             # seconds to stay on memory after a Redis failure


class ExpiringMap:
    """A bounded map whose entries expire (monotonic clock); when it is full, expired entries go first, then the
    entry that would expire soonest. Values may be any object (the WeChat channel keeps asyncio tasks in one)."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._data: dict[str, tuple[float, Any]] = {}          # key → (expires at, value)

    def item(self, key: str) -> tuple[float, Any] | None:
        """(expires at, value) of a live entry, or None."""
        item = self._data.get(key)
        if item is not None and item[0] <= time.monotonic():
            del self._data[key]
            return None
        return item

    def get(self, key: str) -> Any:
        item = self.item(key)
        return None if item is None else item[1]

    def set(self, key: str, value: Any, ttl: float) -> None:
        if len(self._data) >= self.maxsize and key not in self._data:
            now = time.monotonic()
            for k in [k for k, (expires, _) in self._data.items() if expires <= now]:
                del self._data[k]
            while len(self._data) >= self.maxsize:
                del self._data[min(self._data, key=lambda k: self._data[k][0])]
        self._data[key] = (time.monotonic() + ttl, value)

    def __len__(self) -> int:
        return len(self._data)


class MemoryState:
    """The shared-state operations on an ExpiringMap in this process's memory."""

    def __init__(self, maxsize: int = MEMORY_MAX):
        self._data = ExpiringMap(maxsize)

    async def claim(self, key: str, ttl: float) -> bool:
        if self._data.get(key) is not None:
            return False
        self._data.set(key, True, ttl)
        return True

    async def get_json(self, key: str) -> Any:
        raw = self._data.get(key)
        return None if raw is None else json.loads(raw)

    async def set_json(self, key: str, value: Any, ttl: float) -> None:
        self._data.set(key, json.dumps(value, ensure_ascii=False), ttl)

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        item = self._data.item(key)
        if item is None:
            self._data.set(key, 1, window)
            return 1, window
        expires, count = item
        left = max(expires - time.monotonic(), 0.0)
        self._data.set(key, count + 1, left)                      # the window keeps its end
        return count + 1, left


class RedisState:
    """The same operations on a Redis server; on any Redis error they run on a MemoryState instead."""

    def __init__(self, url: str):
        self.url = url
        parts = urlsplit(url)
        self.where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or ''}"   # no password
        self.memory = MemoryState()
        self._client: Any = None
        self._down_until = 0.0
        self._warned = False

    def _redis(self) -> Any:
        if self._client is None:                # created lazily, inside the server's event loop
            from redis import asyncio as aioredis
            self._client = aioredis.from_url(self.url, socket_connect_timeout=REDIS_TIMEOUT,
                                             socket_timeout=REDIS_TIMEOUT, decode_responses=True)
        return self._client

    async def _run(self, op: str, *args: Any) -> Any:
        if time.monotonic() >= self._down_until:
            try:
                result = await getattr(self, f"_redis_{op}")(*args)
            except Exception as exc:             # connection refused, timeout, auth, ...: fail open
                self._down_until = time.monotonic() + RETRY_AFTER
                if not self._warned:
                    self._warned = True
                    logger.warning("Redis at %s is unreachable (%s: %s); channel state stays in this process's "
                                   "memory until it answers again", self.where, type(exc).__name__, exc)
            else:
                if self._warned:
                    self._warned = False
                    logger.info("Redis at %s answers again", self.where)
                return result
        return await getattr(self.memory, op)(*args)

    async def _redis_claim(self, key: str, ttl: float) -> bool:
        return bool(await self._redis().set(key, "1", nx=True, px=max(int(ttl * 1000), 1)))

    async def _redis_get_json(self, key: str) -> Any:
        raw = await self._redis().get(key)
        return None if raw is None else json.loads(raw)

    async def _redis_set_json(self, key: str, value: Any, ttl: float) -> None:
        await self._redis().set(key, json.dumps(value, ensure_ascii=False), px=max(int(ttl * 1000), 1))

    async def _redis_hit(self, key: str, window: float) -> tuple[int, float]:
        async with self._redis().pipeline(transaction=True) as pipe:
            pipe.set(key, 0, nx=True, px=max(int(window * 1000), 1))  # a new window starts at 0 with its expiry
            pipe.incr(key)                                                # INCR keeps the expiry
            pipe.pttl(key)
            _, count, pttl = await pipe.execute()
        return int(count), max(pttl, 0) / 1000

    async def claim(self, key: str, ttl: float) -> bool:
        """True if `key` was free (and is now taken for `ttl` seconds), False if someone holds it."""
        return await self._run("claim", key, ttl)

    async def get_json(self, key: str) -> Any:
        """The value stored under `key`, or None."""
        return await self._run("get_json", key)

    async def set_json(self, key: str, value: Any, ttl: float) -> None:
        """Store `value` (JSON) under `key` for `ttl` seconds."""
        await self._run("set_json", key, value, ttl)

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        """Count one hit on `key`: (hits in the current `window`-second window, seconds until it resets)."""
        return await self._run("hit", key, window)


SharedState = MemoryState | RedisState
_states: dict[str, SharedState] = {}


def shared_state(url: str | None = None) -> SharedState:
    """The process's shared state for `url` (default: env REDIS_URL; unset or empty = memory)."""
    url = (os.environ.get("REDIS_URL", "") if url is None else url).strip()
    if url not in _states:
        _states[url] = RedisState(url) if url else MemoryState()
    return _states[url]

