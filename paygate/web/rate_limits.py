"""Rate limits: a short port (`RateLimiter.hit`) with an in-process backend and a Redis one.

Fixed windows: a key may be hit `rate.count` times per window of `rate.seconds`; the hit
after that is refused with 429, the JSON error and Retry-After (the seconds left in the
window). With PAYGATE_BROADCAST_URL=redis:// every instance counts in Redis, so the limits
hold across workers; otherwise each process counts its own."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Protocol

from starlette.exceptions import HTTPException
from starlette.requests import Request

from paygate.logs import log_event
from paygate.settings import Rate, Settings

logger = logging.getLogger("paygate.web")


class RateLimiter(Protocol):
    async def hit(self, key: str, rate: Rate) -> float | None:
        """Count one hit on `key`: None if allowed, else the seconds until it would be."""

    async def close(self) -> None: ...


class MemoryRateLimiter:
    """Counts in this process. Expired windows are dropped as the table grows."""

    PRUNE_AT = 50_000

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, rate: Rate) -> float | None:
        now = time.monotonic()
        ends, count = self._windows.get(key, (0.0, 0))
        if now >= ends:
            ends, count = now + rate.seconds, 0
        if count >= rate.count:
            return ends - now
        self._windows[key] = (ends, count + 1)
        if len(self._windows) > self.PRUNE_AT:
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        return None

    async def close(self) -> None:
        self._windows.clear()


class RedisRateLimiter:
    """Counts in Redis (INCR on a key per window, expiring with it). If Redis cannot be
    reached the hit is allowed and logged: a limiter outage must not refuse payments."""

    def __init__(self, url: str, namespace: str) -> None:
        import redis.asyncio as aioredis

        self._client = aioredis.Redis.from_url(url, socket_timeout=2)
        self._namespace = namespace

    async def hit(self, key: str, rate: Rate) -> float | None:
        now = time.time()
        window = math.floor(now / rate.seconds)
        name = f"paygate:rate:{self._namespace}:{key}:{rate}:{window}"
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, rate.seconds + 1)
                count, _ = await pipe.execute()
        except Exception as exc:
            log_event(logger, "rate limit unavailable", logging.WARNING, error=str(exc))
            return None
        if int(count) > rate.count:
            return (window + 1) * rate.seconds - now
        return None

    async def close(self) -> None:
        await self._client.aclose()


def build_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.broadcast_url.startswith(("redis://", "rediss://")):
        # Instances of one deployment (one database) count together; another deployment
        # sharing the Redis server counts apart.
        namespace = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
        return RedisRateLimiter(settings.broadcast_url, namespace)
    return MemoryRateLimiter()


def client_address(request: Request) -> str:
    """The caller's address as uvicorn resolved it (X-Forwarded-For from trusted proxies
    only, see --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


async def enforce(request: Request, name: str, rate: Rate, key: str) -> None:
    """Count one hit of limit `name` for `key`; 429 with Retry-After past the rate."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = await limiter.hit(f"{name}:{key}", rate)
    if wait is None:
        return
    log_event(logger, "rate limited", logging.INFO, limit=name, path=request.url.path)
    retry_after = max(1, math.ceil(wait))
    raise HTTPException(429, f"Too many requests; try again in {retry_after} seconds.",
                        headers={"Retry-After": str(retry_after)})


async def enforce_per_address(request: Request, name: str, rate: Rate) -> None:
    await enforce(request, name, rate, client_address(request))
