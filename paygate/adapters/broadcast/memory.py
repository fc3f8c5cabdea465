"""In-process broadcast: one process, every subscriber gets every message of its channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

from paygate.adapters.broadcast.local import LocalFanout


class MemoryBroadcast:
    def __init__(self, queue_size: int = 256) -> None:
        self._local = LocalFanout(queue_size)

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._local.clear()

    async def publish(self, channel: str, message: str) -> None:
        self._local.deliver(channel, message)

    async def subscribe(self, channel: str) -> AsyncIterator[str]:
        queue, _ = self._local.add(channel)
        try:
            while True:
                yield await queue.get()
        finally:
            self._local.remove(channel, queue)
