"""The reconciler: what webhooks alone cannot promise.

One pass (every PAYGATE_RECONCILE_INTERVAL seconds in the background, or `paygate
reconcile`):
1. re-applies stored webhook events whose processing failed or was cut short;
2. reads from Stripe the open requests without news for a while (their webhooks never came,
   e.g. paygate was down) and applies what Stripe says;
3. expires open requests past their time, cancelling their intents at Stripe first;
4. forgets burnt launch-token ids and old sessions;
5. moves service desk cases on with the clock (escalation, closing unanswered proposals).

Every step is idempotent. With several instances on PostgreSQL, a pass runs under an
advisory lock, so one instance does each pass and the others skip it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import text

from paygate.logs import log_event
from paygate.services.payments.service import Outcome, PaymentService
from paygate.services.webhooks.inbox import WebhookService
from paygate.store.database import Database, utcnow

logger = logging.getLogger("paygate.reconcile")
LOCK_KEY = 0x70617967  # "payg": one advisory lock id for the reconciler's pass


@dataclass
class PassReport:
    skipped: bool = False  # another instance was running a pass
    webhooks_retried: int = 0
    settled: list[Outcome] = field(default_factory=list)
    expired: list[Outcome] = field(default_factory=list)
    purged: int = 0
    cases_moved: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.webhooks_retried or self.settled or self.expired or self.purged
                    or self.cases_moved)


class Reconciler:
    def __init__(self, db: Database, payments: PaymentService, webhooks: WebhookService,
                 purge: Callable[[], Awaitable[int]] | None, interval: float,
                 cases: Callable[[], Awaitable[int]] | None = None) -> None:
        self._db = db
        self._cases = cases
        self._payments = payments
        self._webhooks = webhooks
        self._purge = purge
        self.interval = interval

    async def run(self) -> None:
        """The background loop: a pass, then sleep for the interval."""
        while True:
            try:
                await self.run_once(stale_after=self.interval)
            except Exception:
                logger.exception("reconciliation pass failed")
            await asyncio.sleep(self.interval)

    async def run_once(self, stale_after: float = 0.0) -> PassReport:
        """One pass; `stale_after` seconds without news before an open request is read
        from Stripe (0: every open request, as `paygate reconcile` does)."""
        async with self._exclusive() as mine:
            if not mine:
                return PassReport(skipped=True)
            report = PassReport()
            report.webhooks_retried = await self._webhooks.retry_pending(
                min_age=min(stale_after, 30.0))
            report.settled = await self._payments.settle_stale(
                utcnow() - timedelta(seconds=stale_after))
            report.expired = await self._payments.expire_overdue()
            report.expired += await self._payments.release_overdue_holds()
            if self._purge is not None:
                report.purged = await self._purge()
            if self._cases is not None:
                report.cases_moved = await self._cases()
        if report.changed:
            log_event(logger, "reconciliation pass", webhooks=report.webhooks_retried,
                      settled=len(report.settled), expired=len(report.expired),
                      purged=report.purged, cases=report.cases_moved)
        return report

    @asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[bool]:
        """Whether this instance runs the pass (PostgreSQL advisory lock; SQLite databases
        serve one instance, and every step is idempotent anyway)."""
        if self._db.url.startswith("sqlite"):
            yield True
            return
        async with self._db.engine.connect() as conn:
            mine = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                          {"key": LOCK_KEY}))
            await conn.commit()
            try:
                yield mine
            finally:
                if mine:
                    try:
                        await conn.execute(text("SELECT pg_advisory_unlock(:key)"),
                                           {"key": LOCK_KEY})
                        await conn.commit()
                    except Exception:  # a lost connection took its lock with it
                        logger.warning("could not release the reconciler's lock")
