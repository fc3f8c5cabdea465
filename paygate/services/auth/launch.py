"""Reading a launch token, whichever kind the host platform sent: paygate's own
itsdangerous token (its CLI, the Python helper) or a JWT the host signed itself."""

from __future__ import annotations

import hashlib

from paygate.domain.errors import TokenRefused
from paygate.services.auth.jwt_launch import JwksCache, JwtLaunchReader, looks_like_jwt
from paygate.services.auth.tokens import LaunchClaims, TokenSigner
from paygate.settings import Settings


class LaunchTokens:
    def __init__(self, signer: TokenSigner, jwt_reader: JwtLaunchReader | None) -> None:
        self._signer = signer
        self._jwt = jwt_reader

    @classmethod
    def from_settings(cls, signer: TokenSigner, settings: Settings) -> LaunchTokens:
        reader = None
        if settings.launch_issuer:
            jwks = JwksCache(settings.launch_jwks_url) if settings.launch_jwks_url else None
            reader = JwtLaunchReader(issuer=settings.launch_issuer,
                                     secret=settings.launch_jwt_secret, jwks=jwks)
        return cls(signer, reader)

    async def read(self, token: str) -> LaunchClaims:
        if not looks_like_jwt(token):
            return self._signer.read_launch(token)
        if self._jwt is None:
            raise TokenRefused("token_algorithm_refused",
                               "This paygate accepts no JWT launch tokens (no "
                               "PAYGATE_LAUNCH_ISSUER is configured).")
        claims = await self._jwt.read(token)
        # One table of used ids for both kinds; the host's ids cannot collide with ours.
        used = hashlib.sha256(f"jwt\n{claims.principal.org_id}\n{claims.jti}".encode())
        return LaunchClaims(principal=claims.principal, jti=used.hexdigest(),
                            expires_at=claims.expires_at)
