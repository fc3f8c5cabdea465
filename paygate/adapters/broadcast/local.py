"""In-process fan-out: each subscription is a bounded queue registered under its channel."""

from __future__ import annotations

import asyncio
from collections import defaultdict


class LocalFanout:
    def __init__(self, queue_size: int = 256) -> None:
        self._queues: dict[str, set[asyncio.Queue[str]]] = defaultdict(set)
        self._queue_size = queue_size

    def add(self, channel: str) -> tuple[asyncio.Queue[str], bool]:
        """A new queue for `channel`, and whether it is the channel's first subscriber."""
        queue: asyncio.Queue[str] = asyncio.Queue(self._queue_size)
        first = channel not in self._queues
        self._queues[channel].add(queue)
        return queue, first

    def remove(self, channel: str, queue: asyncio.Queue[str]) -> bool:
        """Forget a queue; True when the channel has no subscriber left."""
        queues = self._queues.get(channel)
        if queues is None:
            return False
        queues.discard(queue)
        if queues:
            return False
        del self._queues[channel]
        return True

    def deliver(self, channel: str, message: str) -> None:
        for queue in tuple(self._queues.get(channel, ())):
            if queue.full():
                # A stalled reader loses its oldest hint; the snapshot it gets next is the truth.
                queue.get_nowait()
            queue.put_nowait(message)

    def deliver_all(self, message: str) -> None:
        for channel in tuple(self._queues):
            self.deliver(channel, message)

    def channels(self) -> list[str]:
        return list(self._queues)

    def clear(self) -> None:
        self._queues.clear()
