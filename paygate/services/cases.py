"""Enablement requests for the Payment Gateway add-on (service cases). (issue 4)"""

from __future__ import annotations

from paygate.services.outbox import Outbox
from paygate.settings import Settings
from paygate.store.database import Database


class CaseService:
    def __init__(self, db: Database, outbox: Outbox, settings: Settings) -> None:
        self._db = db
        self._outbox = outbox
        self._settings = settings
