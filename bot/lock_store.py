"""Rasa's Redis lock store with atomic ticket updates, for several Rasa servers sharing one Redis (runs in .venv-rasa;
named in endpoints.shared.yml as `type: bot.lock_store.AtomicRedisLockStore`, same settings as `type: redis`).

Rasa 3.6's RedisLockStore changes a conversation's ticket lock by GET, change in Python, SET. Two replicas taking
a message of the same conversation at the same moment can both read the empty lock and both get ticket 1; both then
"hold" the lock, run the turn at once, and the tracker store keeps only one turn's events (seen in
tests/replicas: a user message lost). Here every read-change-write of a lock (issue a ticket, drop expired
tickets, finish a ticket and delete the lock when nobody waits) is one Redis transaction (WATCH/MULTI, retried
when another server wrote the lock in between). Waiting for a ticket's turn is Rasa's own code.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose lock changes are atomic across processes."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[TicketLock | None], tuple[TicketLock | None, Any]]) -> Any:
        """Apply `change` (current lock or None → (lock to store, or None to delete it; result)) in one transaction."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            raw = pipe.get(key)
            lock, result = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            pipe.multi()
            if lock is None or not lock.is_someone_waiting():
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as exc:
            raise LockError(f"Could not issue a ticket for conversation '{conversation_id}'.") from exc

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)
