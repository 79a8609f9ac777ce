"""A small TTL + LRU cache for discovery results (peppol-as4.md §1.11: cache with TTL and a
bounded size; peppol-commons 12.7.0 shipped a cache that never cached, so tests check hits).

Not thread-safe by design: one instance per event loop (the app owns it via cleanup_ctx).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, *, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[datetime, V]] = OrderedDict()

    def get(self, key: Hashable, now: datetime) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if now >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V, now: datetime, ttl: timedelta) -> None:
        if ttl <= timedelta(0):
            return
        self._entries[key] = (now + ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
