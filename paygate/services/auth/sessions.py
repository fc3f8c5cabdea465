"""Exchanging a launch token (once) for a session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from paygate.domain.errors import NotAuthenticated, TokenReplayed
from paygate.domain.principals import Principal, Role
from paygate.services.auth.launch import LaunchTokens
from paygate.services.auth.tokens import TokenSigner
from paygate.services.clinics.ownership import vouch
from paygate.services.receipts.providers import remember_from_token
from paygate.store.database import Database, as_utc, utcnow
from paygate.store.models import AuthSession, UsedLaunchToken


@dataclass(frozen=True)
class IssuedSession:
    principal: Principal
    session_id: str
    access_token: str
    expires_at: datetime


class SessionService:
    def __init__(self, db: Database, signer: TokenSigner, launch: LaunchTokens,
                 access_ttl: int, admin_ttl: int) -> None:
        self._db = db
        self._signer = signer
        self._launch = launch
        self._access_ttl = access_ttl
        self._admin_ttl = admin_ttl

    async def exchange(self, launch_token: str, kind: str = "api") -> IssuedSession:
        """Verify a launch token, burn its id, open a session. A replay is refused."""
        claims = await self._launch.read(launch_token)
        principal = claims.principal
        ttl = self._admin_ttl if kind == "admin" else self._access_ttl
        now = utcnow()
        expires_at = now + timedelta(seconds=ttl)
        session_id = secrets.token_urlsafe(24)
        try:
            async with self._db.transaction() as tx:
                tx.add(UsedLaunchToken(
                    jti=claims.jti,
                    expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
                ))
                await tx.flush()
                tx.add(AuthSession(
                    id=session_id, kind=kind, user_id=principal.user_id, name=principal.name,
                    role=principal.role.value, org_id=principal.org_id,
                    clinic_id=principal.clinic_id, call_id=principal.call_id,
                    email=principal.email, locale=principal.locale, created_at=now,
                    expires_at=expires_at,
                ))
                await vouch(tx, principal)
                await remember_from_token(tx, principal, claims.provider_number)
        except IntegrityError:
            raise TokenReplayed("This launch token has already been used.") from None
        principal = Principal(**{**principal.__dict__, "session_id": session_id})
        token = self._signer.mint_access(principal, session_id, int(expires_at.timestamp()))
        return IssuedSession(principal, session_id, token, expires_at)

    async def open_scoped(self, principal: Principal, kind: str,
                          until: datetime) -> IssuedSession:
        """A session paygate itself vouches for (a pay link's, scoped to one request),
        ending at `until` or after the access lifetime, whichever comes first."""
        now = utcnow()
        expires_at = min(until, now + timedelta(seconds=self._access_ttl))
        session_id = secrets.token_urlsafe(24)
        async with self._db.transaction() as tx:
            tx.add(AuthSession(
                id=session_id, kind=kind, user_id=principal.user_id, name=principal.name,
                role=principal.role.value, org_id=principal.org_id,
                clinic_id=principal.clinic_id, call_id=principal.call_id,
                email=principal.email, locale=principal.locale, created_at=now,
                expires_at=expires_at))
        principal = Principal(**{**principal.__dict__, "session_id": session_id})
        token = self._signer.mint_access(principal, session_id, int(expires_at.timestamp()))
        return IssuedSession(principal, session_id, token, expires_at)

    def authenticate(self, access_token: str) -> Principal:
        """Stateless check of an access token (API and sockets)."""
        return self._signer.read_access(access_token, self._access_ttl)

    def authenticate_until(self, access_token: str) -> tuple[Principal, float]:
        """The same check, with the moment (epoch seconds) the token stops verifying: a
        socket it opened is closed then."""
        return self._signer.read_access_until(access_token, self._access_ttl)

    async def load_admin(self, session_id: str) -> Principal:
        """An admin cookie session, checked against the table so logout revokes it."""
        async with self._db.sessions() as tx:
            row = await tx.get(AuthSession, session_id)
        if (row is None or row.kind != "admin" or row.revoked_at is not None
                or as_utc(row.expires_at) < utcnow()):
            raise NotAuthenticated("Your admin session has ended; sign in again.")
        return Principal(
            user_id=row.user_id, name=row.name, role=Role(row.role), org_id=row.org_id,
            clinic_id=row.clinic_id, call_id=row.call_id, email=row.email,
            locale=row.locale, session_id=row.id,
        )

    async def revoke(self, session_id: str) -> None:
        async with self._db.transaction() as tx:
            row = await tx.get(AuthSession, session_id)
            if row is not None and row.revoked_at is None:
                row.revoked_at = utcnow()

    async def purge_expired(self) -> int:
        """Forget burnt launch-token ids and sessions once they could no longer verify."""
        now = utcnow()
        async with self._db.transaction() as tx:
            used = await tx.execute(delete(UsedLaunchToken).where(
                UsedLaunchToken.expires_at < now))
            old = await tx.execute(delete(AuthSession).where(
                AuthSession.expires_at < now - timedelta(days=1)))
        return int(used.rowcount or 0) + int(old.rowcount or 0)  # type: ignore[attr-defined]
