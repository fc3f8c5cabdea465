"""Launch tokens as the host platform's JSON Web Tokens (RFC 7519), read with PyJWT.

Keys: a shared HS256 secret, and/or the host's public JWKS (RS256, ES256, EdDSA) fetched
over HTTP(S). The algorithm a token may use follows from the key it names, never from the
token alone: with only a JWKS configured an HS256 token is refused (no signing with the
public key as an HMAC secret), and `none` never verifies. Every refusal has its own code."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from paygate.domain.errors import InvalidInput, TokenExpired, TokenRefused
from paygate.domain.principals import Principal, Role, validate_claims
from paygate.domain.text import check_text

AUDIENCE = "paygate"
LEEWAY = 60            # seconds of clock skew between the host and paygate
MAX_LIFETIME = 3600    # exp - iat
REFETCH_AFTER = 60.0   # an unknown kid refetches the JWKS at most once a minute
ASYMMETRIC = frozenset({"RS256", "ES256", "EdDSA"})
REQUIRED = ["iss", "aud", "sub", "iat", "exp", "jti", "role"]
TEXT_CLAIMS = ("sub", "name", "org", "clinic", "call", "email", "locale")


@dataclass(frozen=True)
class JwtClaims:
    principal: Principal
    jti: str
    expires_at: int


def looks_like_jwt(token: str) -> bool:
    """A compact JWS whose header names an algorithm (itsdangerous tokens have no header)."""
    if token.count(".") != 2:
        return False
    try:
        return "alg" in jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return False


class JwksCache:
    """The host's public keys by `kid`, fetched without blocking the event loop."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self._url = url
        self._timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:
            async with self._lock:
                due = self._fetched_at is None or \
                    time.monotonic() - self._fetched_at >= REFETCH_AFTER
                if kid not in self._keys and due:
                    await self._fetch()
        found = self._keys.get(kid)
        if found is None:
            raise TokenRefused("token_key_unknown",
                               f"The launch token names a key ({kid!r}) the host platform's "
                               "key set does not have.")
        return found

    async def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(self._url, headers={"Accept": "application/json"})
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            raise TokenRefused("token_keys_unavailable",
                               "The host platform's key set could not be read; try again."
                               ) from exc
        self._keys = {k.key_id: k for k in keys.keys if k.key_id}


class JwtLaunchReader:
    def __init__(self, *, issuer: str, secret: str | None = None,
                 jwks: JwksCache | None = None) -> None:
        self._issuer = issuer
        self._secret = secret
        self._jwks = jwks

    async def read(self, token: str) -> JwtClaims:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg")
        key = await self._key_for(alg, header.get("kid"))
        try:
            data: dict[str, Any] = jwt.decode(
                token, key, algorithms=[str(alg)], audience=AUDIENCE, issuer=self._issuer,
                leeway=LEEWAY, options={"require": REQUIRED})
        except jwt.ExpiredSignatureError:
            raise TokenExpired("The launch token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise TokenRefused("token_not_yet_valid",
                               "The launch token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused("token_audience_invalid",
                               f"The launch token's audience must be {AUDIENCE!r}.") from None
        except jwt.InvalidIssuerError:
            raise TokenRefused("token_issuer_invalid",
                               "The launch token comes from another issuer.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenRefused("token_claims_invalid",
                               f"The launch token has no {exc.claim!r} claim.") from None
        except jwt.InvalidSignatureError:
            raise TokenRefused("token_signature_invalid",
                               "The launch token's signature does not verify.") from None
        except jwt.PyJWTError:
            raise TokenRefused("token_malformed", "The launch token is malformed.") from None
        return _claims(data)

    async def _key_for(self, alg: object, kid: object) -> Any:
        if alg == "HS256" and self._secret:
            return self._secret
        if alg in ASYMMETRIC and self._jwks is not None:
            if not isinstance(kid, str) or not kid:
                raise TokenRefused("token_key_unknown",
                                   "The launch token names no key (`kid`).")
            found = await self._jwks.key(kid)
            if found.algorithm_name != alg:
                raise TokenRefused("token_algorithm_refused",
                                   f"Key {kid!r} does not sign with {alg}.")
            return found
        raise TokenRefused("token_algorithm_refused",
                           f"Launch tokens signed with {alg!r} are not accepted here.")


def _claims(data: dict[str, Any]) -> JwtClaims:
    exp, iat, jti = data["exp"], data["iat"], data["jti"]
    if not all(isinstance(v, int) for v in (exp, iat)) or exp - iat > MAX_LIFETIME:
        raise TokenRefused("token_lifetime_too_long",
                           f"A launch token may live at most {MAX_LIFETIME} seconds.")
    for claim in TEXT_CLAIMS:
        value = data.get(claim)
        if value is not None and not isinstance(value, str):
            raise TokenRefused("token_claims_invalid", f"The {claim!r} claim must be text.")
        if isinstance(value, str):
            check_text(value, f"launch_token.{claim}")
    if not isinstance(jti, str) or not jti or len(jti) > 64:
        raise TokenRefused("token_claims_invalid", "The 'jti' claim must be 1 to 64 characters.")
    try:
        role = Role(data["role"])
    except ValueError:
        raise TokenRefused("token_claims_invalid",
                           f"Unknown role {data['role']!r}.") from None
    principal = Principal(
        user_id=data["sub"], name=data.get("name") or data["sub"], role=role,
        org_id=data.get("org") or "", clinic_id=data.get("clinic"), call_id=data.get("call"),
        email=data.get("email"), locale=data.get("locale"))
    try:
        validate_claims(role, principal.org_id, principal.clinic_id, principal.call_id)
    except InvalidInput as exc:
        raise TokenRefused("token_claims_invalid",
                           f"The launch token's claims are incomplete: {exc.message}") from None
    return JwtClaims(principal, jti, exp)
