"""Clinics, the add-on's enablement and the clinic's linked Stripe account. (issue 4)"""

from __future__ import annotations

from paygate.services.outbox import Outbox
from paygate.services.payments import PaymentService
from paygate.services.ports import PaymentGateway
from paygate.services.webhooks import WebhookService
from paygate.settings import Settings
from paygate.store.database import Database


class ClinicService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, outbox: Outbox,
                 settings: Settings, payments: PaymentService) -> None:
        self._db = db
        self._gateway = gateway
        self._outbox = outbox
        self._settings = settings
        self._payments = payments

    def register_webhooks(self, webhooks: WebhookService) -> None:
        """Register handlers for account.updated / account.application.deauthorized."""
