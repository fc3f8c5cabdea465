"""Signed webhook delivery with retries, in background tasks (one worker per endpoint).

Each endpoint gets its events in creation order; a failed delivery (non-2xx or timeout)
is retried after the next step of `retry_schedule` without holding back later events,
as Stripe does. Test faults: "duplicate" sends every event twice, "shuffle" reorders
events that are due together, "delay" waits before each delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass, field

import httpx

from paygate.sandbox.aio import wait_set
from paygate.sandbox.engine import Sandbox
from paygate.sandbox.state import JSON, now

log = logging.getLogger("paygate.sandbox.webhooks")
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
# How long the shuffle fault waits for more events to become due before reordering them.
SHUFFLE_WINDOW = 0.15


def signature(payload: str, secret: str, timestamp: int) -> str:
    """Stripe's `Stripe-Signature` header value: t=<unix>,v1=<HMAC-SHA256 of "t.payload">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class Target:
    key: str
    url: str
    secret: str
    connect: bool | None  # None: every event; True: connected accounts' only; False: platform's
    enabled_events: tuple[str, ...] = ("*",)

    def wants(self, event: JSON) -> bool:
        if self.connect is not None and self.connect != ("account" in event):
            return False
        return "*" in self.enabled_events or event["type"] in self.enabled_events


@dataclass
class Pending:
    event_id: str
    due: float
    attempt: int = 0


@dataclass
class Worker:
    target: Target
    pending: list[Pending] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Dispatcher:
    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.faults: set[str] = set(sb.config.faults)
        self.delay = sb.config.webhook_delay
        self.workers: dict[str, Worker] = {}
        self.client: httpx.AsyncClient | None = None
        self.running = False

    # ---- lifecycle (the app's lifespan) ----

    async def start(self) -> None:
        self.client = httpx.AsyncClient(timeout=self.sb.config.delivery_timeout)
        self.running = True
        self.sb.on_event = self.enqueue

    async def stop(self) -> None:
        self.running = False
        tasks = [w.task for w in self.workers.values() if w.task]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.client:
            await self.client.aclose()

    # ---- targets ----

    def targets(self) -> list[Target]:
        out = [Target(f"config-{i}", url, secret, None)
               for i, (url, secret) in enumerate(self.sb.config.webhook_endpoints)]
        for ep in self.sb.store.scan("webhook_endpoint", self.sb.store.platform_id):
            if ep["status"] != "enabled":
                continue
            private = self.sb.store.private.get(ep["id"], {})
            out.append(Target(ep["id"], ep["url"], private.get("secret", ""),
                              bool(private.get("connect")), tuple(ep["enabled_events"])))
        return out

    # ---- queueing ----

    def enqueue(self, event_id: str) -> None:
        event = self.sb.store.objects[event_id]
        account = event.get("account")
        if (account and not self.sb.store.has_access(account)
                and event["type"] != "account.application.deauthorized"):
            return
        for target in self.targets():
            if target.wants(event):
                event["pending_webhooks"] += 1
                self._worker(target).pending.append(Pending(event_id, time.monotonic()))
                self.workers[target.key].wake.set()

    def _worker(self, target: Target) -> Worker:
        worker = self.workers.get(target.key)
        if worker is None:
            worker = self.workers[target.key] = Worker(target)
        worker.target = target
        if self.running and (worker.task is None or worker.task.done()):
            worker.task = asyncio.get_running_loop().create_task(self._run(worker))
        return worker

    def redeliver(self) -> int:
        """Make every pending delivery due now (test hook)."""
        count = 0
        for worker in self.workers.values():
            for p in worker.pending:
                p.due = time.monotonic()
                count += 1
            worker.wake.set()
        return count

    def pending_count(self) -> int:
        return sum(len(w.pending) for w in self.workers.values())

    # ---- delivery ----

    async def _run(self, worker: Worker) -> None:
        while True:
            worker.wake.clear()
            current = time.monotonic()
            due = [p for p in worker.pending if p.due <= current]
            if not due:
                timeout = min((p.due for p in worker.pending), default=current + 3600) - current
                await wait_set(worker.wake, max(timeout, 0.01))
                continue
            if "shuffle" in self.faults:
                await asyncio.sleep(SHUFFLE_WINDOW)
                current = time.monotonic()
                due = [p for p in worker.pending if p.due <= current]
                random.shuffle(due)
            for p in due:
                worker.pending.remove(p)
            for p in due:
                await self._deliver(worker, p)

    async def _deliver(self, worker: Worker, item: Pending) -> None:
        event = self.sb.store.objects.get(item.event_id)
        if event is None:
            return
        copies = 2 if "duplicate" in self.faults else 1
        ok = False
        for _ in range(copies):
            if "delay" in self.faults:
                await asyncio.sleep(self.delay)
            ok = await self._post(worker.target, event, item.attempt + 1) or ok
        if ok:
            event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)
            return
        item.attempt += 1
        schedule = self.sb.config.retry_schedule
        if item.attempt <= len(schedule):
            item.due = time.monotonic() + schedule[item.attempt - 1]
            worker.pending.append(item)
            worker.wake.set()
        else:
            log.warning("giving up on %s to %s after %d attempts", event["id"],
                        worker.target.url, item.attempt)

    async def _post(self, target: Target, event: JSON, attempt: int) -> bool:
        assert self.client is not None
        payload = json.dumps(event, indent=2)
        ts = now()
        record: JSON = {"event": event["id"], "type": event["type"],
                        "account": event.get("account"), "endpoint": target.key,
                        "url": target.url, "attempt": attempt, "at": ts,
                        "status": None, "error": None}
        try:
            resp = await self.client.post(target.url, content=payload, headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature(payload, target.secret, ts),
                "User-Agent": USER_AGENT,
            })
            record["status"] = resp.status_code
            ok = 200 <= resp.status_code < 300
        except httpx.HTTPError as exc:
            record["error"] = type(exc).__name__
            ok = False
        self.sb.store.deliveries.append(record)
        del self.sb.store.deliveries[:-2000]
        self.sb.dirty = True
        return ok
