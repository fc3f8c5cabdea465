"""Small asyncio helpers (the sandbox's own: it imports nothing of paygate's product)."""

from __future__ import annotations

import asyncio
import contextlib


async def wait_set(event: asyncio.Event, seconds: float) -> bool:
    """Wait until `event` is set or `seconds` passed; True if it was set.

    Not `asyncio.wait_for(event.wait(), ...)`: on Python 3.11 that swallows a cancellation
    arriving as the event is set, and a worker loop built on it never stops."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()
    return event.is_set()
