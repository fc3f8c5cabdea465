"""Payment requests: create, cancel, settle from Stripe's word, push notices. (issue 5)"""

from __future__ import annotations

from paygate.services.outbox import Outbox
from paygate.services.ports import Broadcast, PaymentGateway
from paygate.services.webhooks import WebhookService
from paygate.settings import Settings
from paygate.store.database import Database


class PaymentService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, broadcast: Broadcast,
                 outbox: Outbox, settings: Settings) -> None:
        self._db = db
        self._gateway = gateway
        self._broadcast = broadcast
        self._outbox = outbox
        self._settings = settings

    def register_webhooks(self, webhooks: WebhookService) -> None:
        """Register handlers for payment_intent.* / charge.* events."""
