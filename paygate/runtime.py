"""Everything a running app holds, built from settings in the lifespan and handed down."""

from __future__ import annotations

from dataclasses import dataclass

from paygate.services.sessions import SessionService
from paygate.services.tokens import TokenSigner
from paygate.settings import Settings
from paygate.store.database import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    signer: TokenSigner
    sessions: SessionService

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        db = Database(settings.database_url)
        signer = TokenSigner(settings.secret_key, settings.launch_token_max_ttl)
        sessions = SessionService(db, signer, settings.access_token_ttl,
                                  settings.admin_session_ttl)
        return cls(settings=settings, db=db, signer=signer, sessions=sessions)

    async def start(self) -> None:
        """Start background work (workers, subscriptions)."""

    async def close(self) -> None:
        await self.db.close()
