"""The patient comes back from a redirect-based payment method (their bank's page): Stripe
sends the browser to /pay/return with the PaymentIntent's id and client secret. Only the
client secret proves this browser did the checkout; it is checked against Stripe's own
copy, and what Stripe says of the intent is applied before the page shows anything, so
the page never says "paid" where Stripe does not."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select

from paygate.domain.errors import NotFound
from paygate.services.payments.ledger import RequestLedger
from paygate.services.payments.views import RequestView
from paygate.services.payments.webhooks import Settlement
from paygate.services.ports import PaymentGateway, configured
from paygate.store.database import Database
from paygate.store.models import PaymentRequest

UNKNOWN = "This payment could not be found. Go back to the call or the payment link."


@dataclass(frozen=True)
class Returned:
    view: RequestView
    failure: str | None  # Stripe's reason, when the attempt failed


class Returns:
    def __init__(self, db: Database, gateway: PaymentGateway | None, ledger: RequestLedger,
                 settlement: Settlement) -> None:
        self._db = db
        self._gateway = gateway
        self._ledger = ledger
        self._settlement = settlement

    async def returned(self, intent_id: str, client_secret: str) -> Returned:
        if not intent_id.startswith("pi_") or not client_secret.startswith(intent_id + "_"):
            raise NotFound(UNKNOWN)
        async with self._db.sessions() as tx:
            row = await tx.scalar(select(PaymentRequest).where(
                PaymentRequest.payment_intent_id == intent_id))
        if row is None:
            raise NotFound(UNKNOWN)
        intent = await configured(self._gateway).retrieve_payment_intent(
            row.stripe_account_id, intent_id)
        if not hmac.compare_digest((intent.client_secret or "").encode(),
                                   client_secret.encode()):
            raise NotFound(UNKNOWN)
        await self._settlement.apply_read(row, intent, "read on the patient's return")
        view = await self._ledger.view(row.id)
        failed = intent.status == "requires_payment_method" and intent.failure_message
        return Returned(view, intent.failure_message if failed else None)
