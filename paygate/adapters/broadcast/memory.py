"""In-process broadcast: one process, every subscriber gets every message of its channel."""

from __future__ import annotations

from paygate.adapters.broadcast.local import FanoutBroadcast


class MemoryBroadcast(FanoutBroadcast):
    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        self._local.clear()

    async def publish(self, channel: str, message: str) -> None:
        self._local.deliver(channel, message)
